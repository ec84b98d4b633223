/**
 * CloudWatch Logs filter patterns (FilterLogEvents, StartLiveTail), in the three forms the service has:
 *
 * Unstructured (terms):
 *   ""                      every event
 *   ERROR                   events containing ERROR (case-sensitive substring)
 *   ERROR Exception         both terms (in any order)
 *   "Failed to process"     the exact phrase (quotes; \" and \\ escape inside)
 *   ?ERROR ?WARN            at least one of the `?` terms (combined with the plain terms, if any)
 *   ERROR -Exiting          ERROR and not Exiting (also -"a phrase")
 *   %ERR(OR)?\d*%           a regular expression (a term of its own, also with ? and -)
 *
 * JSON (the message must be a JSON object):
 *   { $.level = "error" }   string equality (`*` is a wildcard; quotes optional for plain words)
 *   { $.code != 200 }       numbers: = != < > <= >=
 *   { $.a.b[0] = %x+% }     nested fields and array elements; a regular expression as the value
 *   { $.ok IS TRUE }        IS TRUE / IS FALSE / IS NULL, NOT EXISTS
 *   { ($.a = 1 && $.b = 2) || $.c = 3 }
 *
 * Space-delimited (the message is split on spaces; "quoted" and [bracketed] groups are one field):
 *   [ip, user, status=500]            exactly three fields, the third equal to 500
 *   [ip, ..., status>=400, size]      `...` stands for any number of fields
 *   [ip, user=%adm.*%, status=4* || status=5*]
 *
 * A pattern that does not parse is a FilterPatternError ("Invalid filter pattern"), as the service
 * answers it; nothing is silently matched differently.
 */

export class FilterPatternError extends Error {}

export type Matcher = (message: string) => boolean;

const invalid = (why: string): FilterPatternError => new FilterPatternError(`Invalid filter pattern: ${why}`);

export function compileFilterPattern(pattern: string | undefined): Matcher {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  if (text.startsWith('{')) return compileJson(text);
  if (text.startsWith('[')) return compileDelimited(text);
  return compileTerms(text);
}

// ---- shared: values, wildcards, regular expressions ---------------------------------------------

function regexOf(body: string): RegExp {
  try {
    return new RegExp(body);
  } catch {
    throw invalid(`bad regular expression %${body}%`);
  }
}

/** A string comparison with `*` wildcards (anchored at both ends). */
function wildcard(value: string): (s: string) => boolean {
  if (!value.includes('*')) return (s) => s === value;
  const re = new RegExp(
    `^${value
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return (s) => re.test(s);
}

type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** A value on the right of an operator: a number, a string (quoted or bare, with `*`), or %regex%. */
type Value = { kind: 'number'; n: number; text: string } | { kind: 'string'; s: string } | { kind: 'regex'; re: RegExp };

/** Compares a field (a string from a space-delimited message, or a JSON value) with a value. */
function compare(field: unknown, op: Operator, v: Value): boolean {
  if (v.kind === 'regex') {
    if (typeof field !== 'string' && typeof field !== 'number') return false;
    const hit = v.re.test(String(field));
    return op === '=' ? hit : op === '!=' ? !hit : false;
  }
  if (op === '=' || op === '!=') {
    let eq: boolean;
    if (v.kind === 'number') {
      const n = typeof field === 'number' ? field : typeof field === 'string' && field.trim() !== '' ? Number(field) : NaN;
      eq = !Number.isNaN(n) ? n === v.n : field === v.text;
    } else {
      if (typeof field !== 'string' && typeof field !== 'number' && typeof field !== 'boolean') return false;
      eq = wildcard(v.s)(String(field));
    }
    return op === '=' ? eq : !eq;
  }
  if (v.kind !== 'number') return false;
  const n = typeof field === 'number' ? field : typeof field === 'string' && field.trim() !== '' ? Number(field) : NaN;
  if (Number.isNaN(n)) return false;
  switch (op) {
    case '<':
      return n < v.n;
    case '>':
      return n > v.n;
    case '<=':
      return n <= v.n;
    case '>=':
      return n >= v.n;
  }
}

/** A small tokenizer over a pattern's text, shared by the JSON and space-delimited forms. */
class Cursor {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }
  peek(n = 1): string {
    this.ws();
    return this.s.slice(this.i, this.i + n);
  }
  eat(t: string): boolean {
    this.ws();
    if (this.s.startsWith(t, this.i)) {
      this.i += t.length;
      return true;
    }
    return false;
  }
  expect(t: string): void {
    if (!this.eat(t)) throw invalid(`expected "${t}" at position ${this.i + 1}`);
  }
  done(): boolean {
    this.ws();
    return this.i >= this.s.length;
  }
  operator(): Operator | undefined {
    for (const op of ['!=', '<=', '>=', '=', '<', '>'] as const) if (this.eat(op)) return op;
    return undefined;
  }
  /** a value up to one of the stop characters (or a quoted string, or %regex%) */
  value(stops: string): Value {
    this.ws();
    const c = this.s[this.i];
    if (c === '"') return { kind: 'string', s: this.quoted() };
    if (c === '%') {
      const end = this.s.indexOf('%', this.i + 1);
      if (end < 0) throw invalid('unterminated regular expression');
      const body = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return { kind: 'regex', re: regexOf(body) };
    }
    let raw = '';
    while (this.i < this.s.length && !stops.includes(this.s[this.i]) && !/\s/.test(this.s[this.i])) raw += this.s[this.i++];
    if (raw === '') throw invalid(`expected a value at position ${this.i + 1}`);
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return { kind: 'number', n: Number(raw), text: raw };
    return { kind: 'string', s: raw };
  }
  quoted(): string {
    this.i++; // the opening quote
    let out = '';
    while (this.i < this.s.length) {
      const ch = this.s[this.i];
      if (ch === '\\' && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1];
        this.i += 2;
        continue;
      }
      if (ch === '"') {
        this.i++;
        return out;
      }
      out += ch;
      this.i++;
    }
    throw invalid('unterminated quoted string');
  }
}

// ---- unstructured terms ---------------------------------------------------------------------------

function compileTerms(text: string): Matcher {
  type Term = (m: string) => boolean;
  const all: Term[] = [];
  const any: Term[] = [];
  const none: Term[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    let list = all;
    if ((text[i] === '?' || text[i] === '-') && i + 1 < text.length && !/\s/.test(text[i + 1])) {
      list = text[i] === '?' ? any : none;
      i++;
    }
    if (text[i] === '%') {
      const end = text.indexOf('%', i + 1);
      if (end < 0) throw invalid('unterminated regular expression');
      const re = regexOf(text.slice(i + 1, end));
      list.push((m) => re.test(m));
      i = end + 1;
      continue;
    }
    let term = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const ch = text[i];
        if (ch === '\\' && i + 1 < text.length) {
          term += text[i + 1];
          i += 2;
          continue;
        }
        if (ch === '"') {
          closed = true;
          i++;
          break;
        }
        term += ch;
        i++;
      }
      if (!closed) throw invalid('unterminated quoted phrase');
      if (i < text.length && !/\s/.test(text[i])) throw invalid('a quoted phrase must be followed by a space');
    } else {
      while (i < text.length && !/\s/.test(text[i])) term += text[i++];
    }
    if (term !== '') {
      const t = term;
      list.push((m) => m.includes(t));
    }
  }
  return (message: string) => {
    for (const t of all) if (!t(message)) return false;
    for (const t of none) if (t(message)) return false;
    if (any.length === 0) return true;
    for (const t of any) if (t(message)) return true;
    return false;
  };
}

// ---- JSON -----------------------------------------------------------------------------------------

type JsonTest = (doc: unknown) => boolean;
const MISSING = Symbol('missing');

function compileJson(text: string): Matcher {
  const c = new Cursor(text);
  c.expect('{');
  const test = jsonOr(c);
  c.expect('}');
  if (!c.done()) throw invalid('unexpected text after "}"');
  return (message) => {
    let doc: unknown;
    try {
      doc = JSON.parse(message);
    } catch {
      return false;
    }
    return typeof doc === 'object' && doc !== null && test(doc);
  };
}

function jsonOr(c: Cursor): JsonTest {
  const parts = [jsonAnd(c)];
  while (c.eat('||')) parts.push(jsonAnd(c));
  return parts.length === 1 ? parts[0] : (d) => parts.some((p) => p(d));
}

function jsonAnd(c: Cursor): JsonTest {
  const parts = [jsonUnary(c)];
  while (c.eat('&&')) parts.push(jsonUnary(c));
  return parts.length === 1 ? parts[0] : (d) => parts.every((p) => p(d));
}

function jsonUnary(c: Cursor): JsonTest {
  if (c.eat('(')) {
    const inner = jsonOr(c);
    c.expect(')');
    return inner;
  }
  const path = selector(c);
  const get = (d: unknown): unknown => {
    let v: unknown = d;
    for (const step of path) {
      if (v === null || typeof v !== 'object') return MISSING;
      const o = v as Record<string, unknown>;
      if (!Object.hasOwn(o, step)) return MISSING;
      v = o[step as string];
    }
    return v;
  };
  if (c.eat('IS')) {
    if (c.eat('TRUE')) return (d) => get(d) === true;
    if (c.eat('FALSE')) return (d) => get(d) === false;
    if (c.eat('NULL')) return (d) => get(d) === null;
    throw invalid('expected TRUE, FALSE or NULL after IS');
  }
  if (c.eat('NOT')) {
    c.expect('EXISTS');
    return (d) => get(d) === MISSING;
  }
  const op = c.operator();
  if (!op) throw invalid(`expected an operator at position ${c.i + 1}`);
  const v = c.value('})&|');
  return (d) => {
    const field = get(d);
    if (field === MISSING || (typeof field === 'object' && field !== null)) return false;
    return compare(field, op, v);
  };
}

/** `$.a.b[0]` → ['a', 'b', '0'] */
function selector(c: Cursor): string[] {
  c.ws();
  if (!c.eat('$')) throw invalid(`expected a selector starting with $ at position ${c.i + 1}`);
  const path: string[] = [];
  for (;;) {
    if (c.s[c.i] === '.') {
      c.i++;
      let name = '';
      while (c.i < c.s.length && /[^\s.[\]=!<>(){}&|]/.test(c.s[c.i])) name += c.s[c.i++];
      if (name === '') throw invalid('empty field name in selector');
      path.push(name);
    } else if (c.s[c.i] === '[') {
      const end = c.s.indexOf(']', c.i);
      const idx = end < 0 ? '' : c.s.slice(c.i + 1, end);
      if (!/^\d+$/.test(idx)) throw invalid('array index in a selector must be a number');
      path.push(idx);
      c.i = end + 1;
    } else break;
  }
  if (path.length === 0) throw invalid('a selector needs a field');
  return path;
}

// ---- space-delimited ------------------------------------------------------------------------------

type FieldSpec = { ellipsis: true } | { ellipsis: false; test?: (field: string) => boolean };

function compileDelimited(text: string): Matcher {
  const c = new Cursor(text);
  c.expect('[');
  const specs: FieldSpec[] = [];
  if (!c.eat(']')) {
    for (;;) {
      specs.push(delimitedField(c));
      if (c.eat(',')) continue;
      c.expect(']');
      break;
    }
  }
  if (!c.done()) throw invalid('unexpected text after "]"');
  return (message) => matchFields(specs, 0, splitFields(message), 0);
}

function delimitedField(c: Cursor): FieldSpec {
  if (c.eat('...')) return { ellipsis: true };
  c.ws();
  let name = '';
  while (c.i < c.s.length && /[A-Za-z0-9_-]/.test(c.s[c.i])) name += c.s[c.i++];
  if (name === '') throw invalid(`expected a field name at position ${c.i + 1}`);
  if (c.peek() === ',' || c.peek() === ']') return { ellipsis: false };
  const conditions = (): ((f: string) => boolean) => {
    const ors: Array<(f: string) => boolean> = [];
    let ands: Array<(f: string) => boolean> = [];
    for (;;) {
      const op = c.operator();
      if (!op) throw invalid(`expected an operator after ${name}`);
      const v = c.value(',]&|');
      ands.push((f) => compare(f, op, v));
      if (c.eat('&&')) {
        expectName(c, name);
        continue;
      }
      ors.push(all(ands));
      ands = [];
      if (c.eat('||')) {
        expectName(c, name);
        continue;
      }
      return (f) => ors.some((t) => t(f));
    }
  };
  return { ellipsis: false, test: conditions() };
}

function all(tests: Array<(f: string) => boolean>): (f: string) => boolean {
  return (f) => tests.every((t) => t(f));
}

/** After && or || in a field's condition the same field is named again (`status=4* || status=5*`). */
function expectName(c: Cursor, name: string): void {
  c.ws();
  if (c.s.startsWith(name, c.i)) c.i += name.length;
  else throw invalid(`a condition on ${name} must name ${name} after && or ||`);
}

/** A message's fields: runs of non-spaces, with "quoted" and [bracketed] groups as one field each. */
export function splitFields(message: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < message.length) {
    while (i < message.length && message[i] === ' ') i++;
    if (i >= message.length) break;
    const open = message[i];
    const close = open === '"' ? '"' : open === '[' ? ']' : undefined;
    if (close) {
      const end = message.indexOf(close, i + 1);
      if (end >= 0) {
        out.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let f = '';
    while (i < message.length && message[i] !== ' ') f += message[i++];
    out.push(f);
  }
  return out;
}

function matchFields(specs: FieldSpec[], si: number, fields: string[], fi: number): boolean {
  if (si === specs.length) return fi === fields.length;
  const spec = specs[si];
  if (spec.ellipsis) {
    for (let k = fi; k <= fields.length; k++) if (matchFields(specs, si + 1, fields, k)) return true;
    return false;
  }
  if (fi >= fields.length) return false;
  if (spec.test && !spec.test(fields[fi])) return false;
  return matchFields(specs, si + 1, fields, fi + 1);
}
