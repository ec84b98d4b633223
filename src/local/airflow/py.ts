/**
 * Python values as the Airflow CLI sees them, and the exact text Python produces for them:
 * `json.loads` (CPython's C scanner: the same values, errors and positions), `json.dumps` (default
 * separators, ensure_ascii), `repr()` and `str()`.
 *
 * Ints are arbitrary precision (bigint) and floats stay floats (`1.0` prints as `1.0`), so a DAG run
 * conf goes through the emulator exactly as it goes through Python.
 */

export class PyInt {
  constructor(readonly v: bigint) {}
}
export class PyFloat {
  constructor(readonly v: number) {}
}
/** dict with str keys, insertion-ordered (JS Map keeps the first position when a key is re-set, like Python). */
export class PyDict {
  constructor(readonly m: Map<string, Py> = new Map()) {}
  static of(entries: Array<[string, Py]>): PyDict {
    return new PyDict(new Map(entries));
  }
}
export type Py = null | boolean | string | PyInt | PyFloat | Py[] | PyDict;

export function pyTypeName(v: Py): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyInt) return 'int';
  if (v instanceof PyFloat) return 'float';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

// ---------------------------------------------------------------------------------------------- json.loads

export class JSONDecodeError extends Error {
  constructor(
    readonly msg: string,
    readonly pos: number,
    lineno: number,
    colno: number,
  ) {
    super(`${msg}: line ${lineno} column ${colno} (char ${pos})`);
    this.name = 'JSONDecodeError';
  }
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Python's json.loads(s) (strict=True). Positions count code points, as Python does. */
export function jsonLoads(text: string): Py {
  const cp = Array.from(text, (c) => c.codePointAt(0)!);
  const len = cp.length;
  const fail = (msg: string, pos: number): never => {
    let lineno = 1;
    let lastNl = -1;
    for (let i = 0; i < pos && i < len; i++) {
      if (cp[i] === 0x0a) {
        lineno++;
        lastNl = i;
      }
    }
    throw new JSONDecodeError(msg, pos, lineno, pos - lastNl);
  };
  class Stop {
    constructor(readonly idx: number) {}
  }
  const skipWs = (i: number): number => {
    while (i < len && WS.has(cp[i])) i++;
    return i;
  };
  const startsWith = (i: number, word: string): boolean => {
    for (let k = 0; k < word.length; k++) if (cp[i + k] !== word.charCodeAt(k)) return false;
    return true;
  };
  const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

  const scanString = (end: number): [string, number] => {
    const begin = end - 1;
    const out: number[] = [];
    for (;;) {
      let next = end;
      let c = 0;
      for (; next < len; next++) {
        c = cp[next];
        if (c === 0x22 || c === 0x5c) break;
        if (c <= 0x1f) fail('Invalid control character at', next);
        out.push(c);
      }
      if (next >= len) fail('Unterminated string starting at', begin);
      next++;
      if (c === 0x22) {
        end = next;
        break;
      }
      if (next === len) fail('Unterminated string starting at', begin);
      c = cp[next];
      if (c !== 0x75 /* u */) {
        end = next + 1;
        const simple: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9 };
        const r = simple[c];
        if (r === undefined) fail('Invalid \\escape', end - 2);
        out.push(r);
      } else {
        next++;
        end = next + 4;
        if (end >= len) fail('Invalid \\uXXXX escape', next - 1);
        let u = 0;
        for (; next < end; next++) {
          const h = hexVal(cp[next]);
          if (h < 0) fail('Invalid \\uXXXX escape', end - 5);
          u = (u << 4) | h;
        }
        if (u >= 0xd800 && u <= 0xdbff && end + 6 < len && cp[next] === 0x5c && cp[next + 1] === 0x75) {
          next += 2;
          end += 6;
          let u2 = 0;
          for (; next < end; next++) {
            const h = hexVal(cp[next]);
            if (h < 0) fail('Invalid \\uXXXX escape', end - 5);
            u2 = (u2 << 4) | h;
          }
          if (u2 >= 0xdc00 && u2 <= 0xdfff) u = 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00);
          else end -= 6;
        }
        out.push(u);
      }
    }
    return [fromCodePoints(out), end];
  };

  const scanOnce = (idx: number): [Py, number] => {
    if (idx >= len) throw new Stop(idx);
    const c = cp[idx];
    if (c === 0x22) return scanString(idx + 1);
    if (c === 0x7b) return parseObject(idx + 1);
    if (c === 0x5b) return parseArray(idx + 1);
    if (c === 0x6e && startsWith(idx, 'null')) return [null, idx + 4];
    if (c === 0x74 && startsWith(idx, 'true')) return [true, idx + 4];
    if (c === 0x66 && startsWith(idx, 'false')) return [false, idx + 5];
    if (c === 0x4e && startsWith(idx, 'NaN')) return [new PyFloat(NaN), idx + 3];
    if (c === 0x49 && startsWith(idx, 'Infinity')) return [new PyFloat(Infinity), idx + 8];
    if (c === 0x2d && startsWith(idx, '-Infinity')) return [new PyFloat(-Infinity), idx + 9];
    // number: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?
    let i = idx;
    if (cp[i] === 0x2d) i++;
    if (cp[i] === 0x30) i++;
    else if (isDigit(cp[i]) && cp[i] !== 0x30) {
      while (isDigit(cp[i])) i++;
    } else throw new Stop(idx);
    let isFloat = false;
    if (cp[i] === 0x2e && isDigit(cp[i + 1])) {
      isFloat = true;
      i += 2;
      while (isDigit(cp[i])) i++;
    }
    if (cp[i] === 0x65 || cp[i] === 0x45) {
      let j = i + 1;
      if (cp[j] === 0x2b || cp[j] === 0x2d) j++;
      if (isDigit(cp[j])) {
        while (isDigit(cp[j])) j++;
        isFloat = true;
        i = j;
      }
    }
    const lit = fromCodePoints(cp.slice(idx, i));
    return [isFloat ? new PyFloat(Number(lit)) : new PyInt(BigInt(lit)), i];
  };

  const parseArray = (idx: number): [Py, number] => {
    const values: Py[] = [];
    idx = skipWs(idx);
    if (idx >= len || cp[idx] !== 0x5d) {
      for (;;) {
        const [v, next] = scanOnce(idx);
        values.push(v);
        idx = skipWs(next);
        if (idx < len && cp[idx] === 0x5d) break;
        if (idx >= len || cp[idx] !== 0x2c) fail("Expecting ',' delimiter", idx);
        idx = skipWs(idx + 1);
      }
    }
    return [values, idx + 1];
  };

  const parseObject = (idx: number): [Py, number] => {
    const d = new PyDict();
    idx = skipWs(idx);
    if (idx >= len || cp[idx] !== 0x7d) {
      for (;;) {
        if (idx >= len || cp[idx] !== 0x22) fail('Expecting property name enclosed in double quotes', idx);
        const [key, afterKey] = scanString(idx + 1);
        idx = skipWs(afterKey);
        if (idx >= len || cp[idx] !== 0x3a) fail("Expecting ':' delimiter", idx);
        idx = skipWs(idx + 1);
        const [v, next] = scanOnce(idx);
        d.m.set(key, v);
        idx = skipWs(next);
        if (idx < len && cp[idx] === 0x7d) break;
        if (idx >= len || cp[idx] !== 0x2c) fail("Expecting ',' delimiter", idx);
        idx = skipWs(idx + 1);
      }
    }
    return [d, idx + 1];
  };

  let value: Py;
  let end: number;
  try {
    [value, end] = scanOnce(skipWs(0));
  } catch (e) {
    if (e instanceof Stop) fail('Expecting value', e.idx);
    throw e;
  }
  end = skipWs(end);
  if (end !== len) fail('Extra data', end);
  return value;
}

function hexVal(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** String.fromCodePoint for long arrays (lone surrogates are kept, as in a Python str). */
export function fromCodePoints(cps: number[]): string {
  let s = '';
  for (let i = 0; i < cps.length; i += 4096) s += String.fromCodePoint(...cps.slice(i, i + 4096));
  return s;
}

/** Code points of a JS string (a lone surrogate is one code point, as in Python). */
export function codePoints(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0)!);
}

// ---------------------------------------------------------------------------------------------- json.dumps

/** Python's json.dumps(value) with default arguments (ensure_ascii, ", " and ": " separators). */
export function jsonDumps(v: Py): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return jsonString(v);
  if (v instanceof PyInt) return v.v.toString();
  if (v instanceof PyFloat) {
    if (Number.isNaN(v.v)) return 'NaN';
    if (v.v === Infinity) return 'Infinity';
    if (v.v === -Infinity) return '-Infinity';
    return floatRepr(v.v);
  }
  if (Array.isArray(v)) return `[${v.map(jsonDumps).join(', ')}]`;
  return `{${[...v.m].map(([k, x]) => `${jsonString(k)}: ${jsonDumps(x)}`).join(', ')}}`;
}

/** A JSON string literal as Python writes it with ensure_ascii=True. */
export function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i); // UTF-16 units: astral chars come out as surrogate pairs, as in Python
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

// ---------------------------------------------------------------------------------------------- repr / str

/** repr(float) (Python's shortest round-trip form: 1.0, 1e+16, 1e-05, inf, nan). */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** repr(str) */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c < 0x7f) out += ch;
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
      else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
      else out += `\\U${c.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** repr(value) */
export function pyRepr(v: Py): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return strRepr(v);
  if (v instanceof PyInt) return v.v.toString();
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${[...v.m].map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

/** str(value): a str is itself, everything else its repr. */
export function pyStr(v: Py): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** Plain JS data (from our own state) to Python values: numbers with a fraction or marked are floats. */
export function toPy(v: unknown): Py {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return new PyInt(v);
  if (typeof v === 'number') return Number.isInteger(v) ? new PyInt(BigInt(v)) : new PyFloat(v);
  if (v instanceof PyInt || v instanceof PyFloat || v instanceof PyDict) return v;
  if (Array.isArray(v)) return v.map(toPy);
  if (typeof v === 'object') return new PyDict(new Map(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toPy(x)])));
  return String(v);
}
