/**
 * A sorted sequence of log events keyed by (ts, seq), stored as a list of sorted chunks.
 *
 * - Appending in key order (the common case: events arrive with growing timestamps) is O(1).
 * - Inserting out of order is O(log n + chunk size).
 * - Finding a position (lowerBound) is O(log n); walking forwards/backwards from it is O(1) per element.
 *
 * Keys are unique: `seq` is a store-wide counter, so no two events share (ts, seq).
 * A "gap" (a position between events, as used by pagination tokens) is itself a Key G: the events at
 * or after the gap are those with key >= G. The gap right after event e is { ts: e.ts, seq: e.seq + 1 }.
 */

export interface Key {
  ts: number;
  seq: number;
}

export function cmpKey(a: Key, b: Key): number {
  return a.ts !== b.ts ? (a.ts < b.ts ? -1 : 1) : a.seq !== b.seq ? (a.seq < b.seq ? -1 : 1) : 0;
}

export function maxKey(a: Key, b: Key): Key {
  return cmpKey(a, b) >= 0 ? a : b;
}

export function minKey(a: Key, b: Key): Key {
  return cmpKey(a, b) <= 0 ? a : b;
}

/** The gap right after k. */
export function after(k: Key): Key {
  return { ts: k.ts, seq: k.seq + 1 };
}

const CHUNK = 1024;

export class SortedEvents<T extends Key> {
  private chunks: T[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  first(): T | undefined {
    return this.chunks.length ? this.chunks[0][0] : undefined;
  }

  last(): T | undefined {
    if (!this.chunks.length) return undefined;
    const c = this.chunks[this.chunks.length - 1];
    return c[c.length - 1];
  }

  /** Replaces the content with `items`, which must be sorted by key. */
  load(items: T[]): void {
    this.chunks = [];
    for (let i = 0; i < items.length; i += CHUNK) this.chunks.push(items.slice(i, i + CHUNK));
    this.count = items.length;
  }

  insert(item: T): void {
    this.count++;
    const n = this.chunks.length;
    if (n === 0) {
      this.chunks.push([item]);
      return;
    }
    const lastChunk = this.chunks[n - 1];
    if (cmpKey(item, lastChunk[lastChunk.length - 1]) > 0) {
      if (lastChunk.length >= CHUNK) this.chunks.push([item]);
      else lastChunk.push(item);
      return;
    }
    // first chunk whose last element is >= item (exists: the last chunk's last element is)
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.chunks[mid];
      if (cmpKey(c[c.length - 1], item) >= 0) hi = mid;
      else lo = mid + 1;
    }
    const chunk = this.chunks[lo];
    chunk.splice(lowerBoundIn(chunk, item), 0, item);
    if (chunk.length > CHUNK * 2) {
      const tail = chunk.splice(CHUNK);
      this.chunks.splice(lo + 1, 0, tail);
    }
  }

  /** Removes every element for which drop() is true. O(n). */
  removeWhere(drop: (item: T) => boolean): void {
    const out: T[][] = [];
    let count = 0;
    for (const c of this.chunks) {
      const kept = c.filter((x) => !drop(x));
      if (kept.length) {
        out.push(kept);
        count += kept.length;
      }
    }
    this.chunks = out;
    this.count = count;
  }

  /** Position (chunk, index) of the first element >= key; chunk === chunks.length when there is none. */
  private lowerBound(key: Key): [number, number] {
    const n = this.chunks.length;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.chunks[mid];
      if (cmpKey(c[c.length - 1], key) >= 0) hi = mid;
      else lo = mid + 1;
    }
    if (lo === n) return [n, 0];
    return [lo, lowerBoundIn(this.chunks[lo], key)];
  }

  /** Elements with key >= from, in ascending order. */
  *from(from: Key): Generator<T, void, undefined> {
    let [c, i] = this.lowerBound(from);
    const chunks = this.chunks;
    for (; c < chunks.length; c++, i = 0) {
      const chunk = chunks[c];
      for (; i < chunk.length; i++) yield chunk[i];
    }
  }

  /** Elements with key < before, in descending order. */
  *before(before: Key): Generator<T, void, undefined> {
    let [c, i] = this.lowerBound(before);
    const chunks = this.chunks;
    i--;
    for (;;) {
      if (i < 0) {
        c--;
        if (c < 0) return;
        i = chunks[c].length - 1;
      }
      const chunk = chunks[c];
      for (; i >= 0; i--) yield chunk[i];
    }
  }

  *all(): Generator<T, void, undefined> {
    for (const c of this.chunks) yield* c;
  }
}

function lowerBoundIn<T extends Key>(arr: T[], key: Key): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmpKey(arr[mid], key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of a sorted string array that is >= s. */
export function lowerBoundStr(arr: readonly string[], s: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
