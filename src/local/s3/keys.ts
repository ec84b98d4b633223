/**
 * Key order and sorted key lists. S3 lists keys in UTF-8 binary order; JavaScript compares UTF-16 code
 * units, which differs only between surrogate pairs (code points >= U+10000) and U+E000..U+FFFF.
 * compareKeys corrects that, so the order is exactly UTF-8 byte order.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800 && cb >= 0xd800) {
      ca = ca <= 0xdfff ? ca + 0x2000 : ca - 0x800;
      cb = cb <= 0xdfff ? cb + 0x2000 : cb - 0x800;
    }
    return ca - cb;
  }
  return a.length - b.length;
}

/** first index i with keys[i] >= k */
export function lowerBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid], k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** first index i with keys[i] > k */
export function upperBound(keys: readonly string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid], k) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** first index i >= from whose key neither sorts before `prefix` nor starts with it (skips a whole "folder") */
export function skipPrefix(keys: readonly string[], prefix: string, from = 0): number {
  let lo = from;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid];
    if (k.startsWith(prefix) || compareKeys(k, prefix) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The "folder" (common prefix) that keys[i] rolls up into when listing `prefix` with `delimiter`: the
 * prefix up to and including the first delimiter after `prefix`, and the index just past its keys;
 * undefined when the key is not in a folder (no delimiter, or none after the prefix).
 */
export function folderAt(
  keys: readonly string[],
  i: number,
  prefix: string,
  delimiter: string | undefined,
): { cp: string; end: number } | undefined {
  if (!delimiter) return undefined;
  const d = keys[i].indexOf(delimiter, prefix.length);
  if (d < 0) return undefined;
  const cp = keys[i].slice(0, d + delimiter.length);
  return { cp, end: skipPrefix(keys, cp, i) };
}

/** inserts k into the sorted list if absent */
export function insertSorted(keys: string[], k: string): void {
  const i = lowerBound(keys, k);
  if (keys[i] !== k) keys.splice(i, 0, k);
}

export function removeSorted(keys: string[], k: string): void {
  const i = lowerBound(keys, k);
  if (keys[i] === k) keys.splice(i, 1);
}
