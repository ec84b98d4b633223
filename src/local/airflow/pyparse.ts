/**
 * A small, tolerant parser for the Python of DAG files: a tokenizer that finds the syntax errors
 * Python's own tokenizer reports (unclosed/mismatched brackets, unterminated strings, bad indentation,
 * with CPython 3.11's messages), and a statement/expression parser for the subset the DAG extractor
 * understands. Anything it does not understand becomes an `unknown` node — never an error — so a valid
 * file is never reported as broken.
 */

export interface Tok {
  kind: 'name' | 'num' | 'str' | 'op';
  v: string;
  line: number; // 1-based
  col: number; // 0-based, in code points
  /** decoded value of a string literal */
  s?: string;
  /** an f-string (its `s` is the raw text with {} placeholders) */
  f?: boolean;
  bytes?: boolean;
  /** where the token ends: its last line (1-based) and the column after it (0-based) */
  endLine?: number;
  end?: number;
}

export interface LogicalLine {
  indent: number;
  toks: Tok[];
  line: number;
}

export class PySyntaxError extends Error {
  constructor(
    readonly kind: 'SyntaxError' | 'IndentationError',
    readonly msg: string,
    readonly lineno: number,
    /** 1-based column of the caret, or 0 for none */
    readonly offset: number,
  ) {
    super(`${kind}: ${msg}`);
    this.name = kind;
  }
}

const OPS3 = ['**=', '//=', '>>=', '<<=', '...', '!=='];
const OPS2 = ['->', ':=', '**', '//', '>>', '<<', '<=', '>=', '==', '!=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@='];
const OPS1 = '()[]{},:.;@=+-*/%&|^~<>!';
const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

const isIdStart = (c: string): boolean => /[\p{L}\p{Nl}_]/u.test(c);
const isIdChar = (c: string): boolean => /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]/u.test(c);

/** Splits the source into logical lines (Python's implicit/explicit line joining). */
export function tokenize(source: string): { lines: LogicalLine[]; sourceLines: string[] } {
  const src = Array.from(source.replace(/\r\n?/g, '\n'));
  const sourceLines = source.replace(/\r\n?/g, '\n').split('\n');
  const lines: LogicalLine[] = [];
  const brackets: Array<{ ch: string; line: number; col: number }> = [];
  let i = 0;
  let line = 1;
  let col = 0;
  let cur: LogicalLine | undefined;
  let atLineStart = true;
  let continuation = false;
  const n = src.length;
  const advance = (k = 1): void => {
    for (let j = 0; j < k; j++) {
      if (src[i] === '\n') {
        line++;
        col = 0;
      } else col++;
      i++;
    }
  };
  const push = (t: Tok): void => {
    if (!cur) cur = { indent: 0, toks: [], line: t.line };
    cur.toks.push(t);
  };
  const endLine = (): void => {
    if (cur?.toks.length) lines.push(cur);
    cur = undefined;
  };
  while (i < n) {
    const c = src[i];
    if (atLineStart && brackets.length === 0 && !continuation) {
      // measure indentation
      let width = 0;
      let j = i;
      while (j < n && (src[j] === ' ' || src[j] === '\t' || src[j] === '\f')) {
        width = src[j] === '\t' ? (Math.floor(width / 8) + 1) * 8 : src[j] === '\f' ? 0 : width + 1;
        j++;
      }
      if (j >= n || src[j] === '\n' || src[j] === '#') {
        // blank or comment-only line
        while (i < n && src[i] !== '\n') advance();
        if (i < n) advance();
        continue;
      }
      advance(j - i);
      cur = { indent: width, toks: [], line };
      atLineStart = false;
      continue;
    }
    atLineStart = false;
    continuation = false;
    if (c === '\n') {
      advance();
      if (brackets.length === 0) {
        endLine();
        atLineStart = true;
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\f') {
      advance();
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') advance();
      continue;
    }
    if (c === '\\') {
      if (src[i + 1] === '\n') {
        advance(2);
        continuation = true;
        atLineStart = false;
        continue;
      }
      throw new PySyntaxError('SyntaxError', 'unexpected character after line continuation character', line, col + 2);
    }
    // string literal (with optional prefix)
    const pm = /^(?:[rR][bBfF]?|[bBfF][rR]?|[uU])?(?:'|")/.exec(src.slice(i, i + 4).join(''));
    if (pm && (pm[0].length === 1 || isIdStart(c))) {
      const prefix = pm[0].slice(0, -1).toLowerCase();
      const startLine = line;
      const startCol = col;
      advance(prefix.length);
      const q = src[i];
      const triple = src[i + 1] === q && src[i + 2] === q;
      const quote = triple ? q.repeat(3) : q;
      advance(quote.length);
      let raw = '';
      for (;;) {
        if (i >= n) {
          if (triple)
            throw new PySyntaxError(
              'SyntaxError',
              `unterminated triple-quoted string literal (detected at line ${line})`,
              startLine,
              startCol + 1,
            );
          throw new PySyntaxError('SyntaxError', `unterminated string literal (detected at line ${startLine})`, startLine, startCol + 1);
        }
        const ch = src[i];
        if (ch === '\\') {
          raw += ch + (src[i + 1] ?? '');
          advance(Math.min(2, n - i));
          continue;
        }
        if (!triple && ch === '\n')
          throw new PySyntaxError('SyntaxError', `unterminated string literal (detected at line ${startLine})`, startLine, startCol + 1);
        if (triple ? src[i] === q && src[i + 1] === q && src[i + 2] === q : ch === q) {
          advance(quote.length);
          break;
        }
        raw += ch;
        advance();
      }
      const isRaw = prefix.includes('r');
      push({
        kind: 'str',
        v: raw,
        line: startLine,
        col: startCol,
        s: isRaw ? raw : unescapePython(raw),
        f: prefix.includes('f'),
        bytes: prefix.includes('b'),
        endLine: line,
        end: col,
      });
      continue;
    }
    if (isIdStart(c)) {
      const startCol = col;
      let id = '';
      while (i < n && isIdChar(src[i])) {
        id += src[i];
        advance();
      }
      push({ kind: 'name', v: id, line, col: startCol, endLine: line, end: col });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const startCol = col;
      let num = '';
      while (i < n && /[0-9a-zA-Z_.]/.test(src[i])) {
        if ((src[i] === 'e' || src[i] === 'E') && (src[i + 1] === '+' || src[i + 1] === '-') && !/^0[xX]/.test(num)) {
          num += src[i] + src[i + 1];
          advance(2);
          continue;
        }
        num += src[i];
        advance();
      }
      push({ kind: 'num', v: num, line, col: startCol, endLine: line, end: col });
      continue;
    }
    const three = src.slice(i, i + 3).join('');
    const two = src.slice(i, i + 2).join('');
    const op = OPS3.includes(three) ? three : OPS2.includes(two) ? two : OPS1.includes(c) ? c : undefined;
    if (!op) {
      if (c === '$' || c === '?' || c === '`') throw new PySyntaxError('SyntaxError', 'invalid syntax', line, col + 1);
      throw new PySyntaxError(
        'SyntaxError',
        `invalid character '${c}' (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`,
        line,
        col + 1,
      );
    }
    if (OPEN[op]) brackets.push({ ch: op, line, col });
    else if (CLOSE[op]) {
      const top = brackets.pop();
      if (!top) throw new PySyntaxError('SyntaxError', `unmatched '${op}'`, line, col + 1);
      if (top.ch !== CLOSE[op]) {
        const where = top.line !== line ? ` on line ${top.line}` : '';
        throw new PySyntaxError(
          'SyntaxError',
          `closing parenthesis '${op}' does not match opening parenthesis '${top.ch}'${where}`,
          line,
          col + 1,
        );
      }
    }
    push({ kind: 'op', v: op, line, col, endLine: line, end: col + op.length });
    advance(op.length);
  }
  if (brackets.length) {
    // CPython's parser reaches the complete lines before the unclosed bracket first
    checkIndentation(lines, false);
    const top = brackets[brackets.length - 1];
    throw new PySyntaxError('SyntaxError', `'${top.ch}' was never closed`, top.line, top.col + 1);
  }
  endLine();
  checkIndentation(lines, true);
  return { lines, sourceLines };
}

const BLOCK_KEYWORDS = new Set([
  'if',
  'elif',
  'else',
  'for',
  'while',
  'with',
  'def',
  'class',
  'try',
  'except',
  'finally',
  'async',
  'match',
  'case',
]);

function blockDescription(first: Tok[]): string {
  const kw = first[0].v === 'async' ? (first[1]?.v ?? 'async') : first[0].v;
  if (kw === 'def') return 'function definition';
  if (kw === 'class') return 'class definition';
  return `'${kw}' statement`;
}

/** Keywords that always start a compound statement (hard keywords: never a name). */
const HEADER_KEYWORDS = new Set(['if', 'elif', 'else', 'for', 'while', 'with', 'def', 'class', 'try', 'except', 'finally']);

/** The line (and 1-based caret column) just after the last token of a logical line. */
function endOf(l: LogicalLine): { line: number; offset: number } {
  const last = l.toks[l.toks.length - 1];
  return { line: last.endLine ?? last.line, offset: (last.end ?? last.col + last.v.length) + 1 };
}

/**
 * A compound statement's header without its top-level `:` (`if x`, `def f()`), as CPython 3.11
 * reports it: "expected ':'" just after the header's last token.
 */
function checkHeaderColon(l: LogicalLine): void {
  let toks = l.toks;
  if (toks[0].kind === 'name' && toks[0].v === 'async' && toks[1]?.kind === 'name' && ['def', 'for', 'with'].includes(toks[1].v))
    toks = toks.slice(1);
  const kw = toks[0];
  if (kw.kind !== 'name' || !HEADER_KEYWORDS.has(kw.v)) return;
  let depth = 0;
  for (const t of toks) {
    if (t.kind !== 'op') continue;
    if (OPEN[t.v]) depth++;
    else if (CLOSE[t.v]) depth--;
    else if (depth === 0 && t.v === ':') return;
  }
  // `lambda x: …` at the top of a header is the only other top-level colon; be safe and accept it
  if (toks.some((t) => t.kind === 'name' && t.v === 'lambda')) return;
  const end = endOf(l);
  throw new PySyntaxError('SyntaxError', "expected ':'", end.line, end.offset);
}

/** Indentation and header colons of the complete logical lines; `complete`: they are the whole file. */
function checkIndentation(lines: LogicalLine[], complete: boolean): void {
  const stack = [0];
  let prevOpensBlock = false;
  let prev: LogicalLine | undefined;
  for (const l of lines) {
    const top = stack[stack.length - 1];
    if (prevOpensBlock) {
      if (l.indent <= top) {
        throw new PySyntaxError(
          'IndentationError',
          `expected an indented block after ${blockDescription(prev!.toks)} on line ${prev!.line}`,
          l.line,
          l.toks[0].col + 1,
        );
      }
      stack.push(l.indent);
    } else if (l.indent > top) {
      throw new PySyntaxError('IndentationError', 'unexpected indent', l.line, l.toks[0].col);
    } else if (l.indent < top) {
      while (stack.length && stack[stack.length - 1] > l.indent) stack.pop();
      if (stack[stack.length - 1] !== l.indent) {
        throw new PySyntaxError('IndentationError', 'unindent does not match any outer indentation level', l.line, endOf(l).offset);
      }
    }
    checkHeaderColon(l);
    const last = l.toks[l.toks.length - 1];
    prevOpensBlock = BLOCK_KEYWORDS.has(l.toks[0].v) && l.toks[0].kind === 'name' && last.kind === 'op' && last.v === ':';
    if (l.toks[0].kind === 'op' && l.toks[0].v === '@') prevOpensBlock = false;
    prev = l;
  }
  if (complete && prevOpensBlock && prev) {
    throw new PySyntaxError(
      'IndentationError',
      `expected an indented block after ${blockDescription(prev.toks)} on line ${prev.line}`,
      endOf(prev).line,
      endOf(prev).offset,
    );
  }
}

function unescapePython(raw: string): string {
  return raw.replace(
    /\\(\n|\\|'|"|a|b|f|n|r|t|v|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|N\{[^}]*\})/g,
    (_m, e: string) => {
      switch (e[0]) {
        case '\n':
          return '';
        case 'a':
          return '\x07';
        case 'b':
          return '\b';
        case 'f':
          return '\f';
        case 'n':
          return '\n';
        case 'r':
          return '\r';
        case 't':
          return '\t';
        case 'v':
          return '\v';
        case 'x':
        case 'u':
        case 'U':
          return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
        case 'N':
          return `\\${e}`;
        default:
          if (/[0-7]/.test(e[0])) return String.fromCodePoint(Number.parseInt(e, 8));
          return e;
      }
    },
  );
}

// ---------------------------------------------------------------------------------------------- AST

export type Expr =
  | { t: 'name'; id: string; line: number }
  | { t: 'str'; v: string; f: boolean; line: number }
  | { t: 'num'; v: string }
  | { t: 'const'; v: null | boolean }
  | { t: 'list' | 'tuple' | 'set'; items: Expr[] }
  | { t: 'dict'; items: Array<[Expr | null, Expr]> }
  | { t: 'call'; fn: Expr; args: Expr[]; kwargs: Array<[string | null, Expr]>; line: number }
  | { t: 'attr'; obj: Expr; name: string }
  | { t: 'sub'; obj: Expr; index: Expr }
  | { t: 'bin'; op: string; l: Expr; r: Expr; line: number }
  | { t: 'unary'; op: string; e: Expr }
  | { t: 'cmp'; ops: string[]; items: Expr[] }
  | { t: 'star'; e: Expr }
  | { t: 'unknown' };

export type Stmt =
  | { k: 'expr'; e: Expr; line: number }
  | { k: 'assign'; targets: Expr[]; value: Expr; line: number }
  | { k: 'with'; items: Array<{ e: Expr; as?: Expr }>; body: Stmt[]; line: number }
  | { k: 'def'; name: string; decorators: Expr[]; body: Stmt[]; line: number; params: string[] }
  | { k: 'class'; name: string; body: Stmt[]; line: number }
  | { k: 'if'; cond: Expr; body: Stmt[]; orelse: Stmt[]; line: number }
  | { k: 'for'; target: Expr; iter: Expr; body: Stmt[]; line: number }
  | { k: 'try'; body: Stmt[]; rest: Stmt[]; line: number }
  | { k: 'import'; names: Array<{ name: string; as: string }>; line: number }
  | { k: 'return'; e: Expr; line: number }
  | { k: 'loop'; ctl: 'break' | 'continue'; line: number }
  | { k: 'other'; line: number };

const UNKNOWN: Expr = { t: 'unknown' };

class ExprParser {
  i = 0;
  constructor(readonly toks: Tok[]) {}
  peek(o = 0): Tok | undefined {
    return this.toks[this.i + o];
  }
  isOp(v: string, o = 0): boolean {
    const t = this.peek(o);
    return !!t && t.kind === 'op' && t.v === v;
  }
  isKw(v: string, o = 0): boolean {
    const t = this.peek(o);
    return !!t && t.kind === 'name' && t.v === v;
  }
  eat(v: string): boolean {
    if (this.isOp(v)) {
      this.i++;
      return true;
    }
    return false;
  }
  atEnd(): boolean {
    return this.i >= this.toks.length;
  }
  /** skips to the matching closer of the bracket just consumed */
  skipBalanced(): void {
    let depth = 1;
    while (!this.atEnd() && depth > 0) {
      const t = this.toks[this.i++];
      if (t.kind === 'op' && OPEN[t.v]) depth++;
      else if (t.kind === 'op' && CLOSE[t.v]) depth--;
    }
  }
  /** skips an expression we don't model, up to a separator at depth 0 */
  skipToSeparator(): void {
    while (!this.atEnd()) {
      const t = this.peek()!;
      if (t.kind === 'op' && (t.v === ',' || t.v === ':' || t.v === '=' || CLOSE[t.v])) return;
      this.i++;
      if (t.kind === 'op' && OPEN[t.v]) this.skipBalanced();
    }
  }

  /** an expression list (a, b, c) at the top of a statement */
  exprList(): Expr {
    const first = this.test();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.eat(',')) {
      if (this.atEnd() || this.isOp('=') || this.isOp(')') || this.isOp(':')) break;
      items.push(this.test());
    }
    return { t: 'tuple', items };
  }

  test(): Expr {
    if (this.isKw('lambda')) {
      this.i++;
      while (!this.atEnd() && !this.isOp(':')) this.i++;
      this.eat(':');
      this.test();
      return UNKNOWN;
    }
    const e = this.orTest();
    if (this.isKw('if')) {
      this.i++;
      this.orTest();
      if (this.isKw('else')) {
        this.i++;
        this.test();
      }
      return UNKNOWN;
    }
    if (this.isOp(':=')) {
      this.i++;
      return this.test();
    }
    return e;
  }
  orTest(): Expr {
    let e = this.andTest();
    while (this.isKw('or')) {
      this.i++;
      const r = this.andTest();
      e = { t: 'bin', op: 'or', l: e, r, line: 0 };
    }
    return e;
  }
  andTest(): Expr {
    let e = this.notTest();
    while (this.isKw('and')) {
      this.i++;
      const r = this.notTest();
      e = { t: 'bin', op: 'and', l: e, r, line: 0 };
    }
    return e;
  }
  notTest(): Expr {
    if (this.isKw('not')) {
      this.i++;
      return { t: 'unary', op: 'not', e: this.notTest() };
    }
    return this.comparison();
  }
  comparison(): Expr {
    const first = this.binary(0);
    const ops: string[] = [];
    const items = [first];
    for (;;) {
      const t = this.peek();
      if (!t) break;
      let op: string | undefined;
      if (t.kind === 'op' && ['<', '>', '==', '>=', '<=', '!='].includes(t.v)) op = t.v;
      else if (t.kind === 'name' && t.v === 'in') op = 'in';
      else if (t.kind === 'name' && t.v === 'is') op = this.isKw('not', 1) ? 'is not' : 'is';
      else if (t.kind === 'name' && t.v === 'not' && this.isKw('in', 1)) op = 'not in';
      if (!op) break;
      this.i += op.includes(' ') ? 2 : 1;
      ops.push(op);
      items.push(this.binary(0));
    }
    return ops.length ? { t: 'cmp', ops, items } : first;
  }
  static LEVELS: string[][] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '//', '%', '@']];
  binary(level: number): Expr {
    if (level >= ExprParser.LEVELS.length) return this.unary();
    let e = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t?.kind !== 'op' || !ExprParser.LEVELS[level].includes(t.v)) break;
      this.i++;
      const r = this.binary(level + 1);
      e = { t: 'bin', op: t.v, l: e, r, line: t.line };
    }
    return e;
  }
  unary(): Expr {
    const t = this.peek();
    if (t && t.kind === 'op' && (t.v === '-' || t.v === '+' || t.v === '~')) {
      this.i++;
      return { t: 'unary', op: t.v, e: this.unary() };
    }
    return this.power();
  }
  power(): Expr {
    if (this.isKw('await')) this.i++;
    let e = this.atomTrailers();
    if (this.isOp('**')) {
      this.i++;
      const r = this.unary();
      e = { t: 'bin', op: '**', l: e, r, line: 0 };
    }
    return e;
  }
  atomTrailers(): Expr {
    let e = this.atom();
    for (;;) {
      if (this.isOp('(')) {
        const line = this.peek()!.line;
        this.i++;
        e = this.callArgs(e, line);
      } else if (this.isOp('.')) {
        this.i++;
        const t = this.peek();
        if (t && t.kind === 'name') {
          this.i++;
          e = { t: 'attr', obj: e, name: t.v };
        } else return UNKNOWN;
      } else if (this.isOp('[')) {
        this.i++;
        const start = this.i;
        let index: Expr = UNKNOWN;
        try {
          index = this.exprList();
        } catch {
          index = UNKNOWN;
        }
        if (!this.isOp(']')) {
          this.i = start;
          this.skipBalanced();
          index = UNKNOWN;
        } else this.i++;
        e = { t: 'sub', obj: e, index };
      } else break;
    }
    return e;
  }
  callArgs(fn: Expr, line: number): Expr {
    const args: Expr[] = [];
    const kwargs: Array<[string | null, Expr]> = [];
    while (!this.atEnd() && !this.isOp(')')) {
      if (this.isOp('**')) {
        this.i++;
        kwargs.push([null, this.test()]);
      } else if (this.isOp('*')) {
        this.i++;
        args.push({ t: 'star', e: this.test() });
      } else if (this.peek()?.kind === 'name' && this.isOp('=', 1)) {
        const name = this.peek()!.v;
        this.i += 2;
        kwargs.push([name, this.test()]);
      } else {
        const e = this.test();
        if (this.isKw('for') || this.isKw('async')) {
          // generator expression argument
          while (!this.atEnd() && !this.isOp(')')) {
            const t = this.toks[this.i++];
            if (t.kind === 'op' && OPEN[t.v]) this.skipBalanced();
          }
          args.push(UNKNOWN);
          break;
        }
        args.push(e);
      }
      if (!this.eat(',')) {
        if (!this.isOp(')')) this.skipToSeparator();
        if (!this.eat(',')) break;
      }
    }
    if (!this.eat(')')) {
      while (!this.atEnd() && !this.isOp(')')) this.i++;
      this.eat(')');
    }
    return { t: 'call', fn, args, kwargs, line };
  }
  seq(close: string): { items: Expr[]; comprehension: boolean; trailingComma: boolean } {
    const items: Expr[] = [];
    let comprehension = false;
    let trailingComma = false;
    while (!this.atEnd() && !this.isOp(close)) {
      if (this.isOp('*')) {
        this.i++;
        items.push({ t: 'star', e: this.test() });
      } else items.push(this.test());
      if (this.isKw('for') || this.isKw('async')) {
        comprehension = true;
        while (!this.atEnd() && !this.isOp(close)) {
          const t = this.toks[this.i++];
          if (t.kind === 'op' && OPEN[t.v]) this.skipBalanced();
        }
        break;
      }
      trailingComma = false;
      if (!this.eat(',')) {
        if (!this.isOp(close)) this.skipToSeparator();
        if (!this.eat(',')) break;
      }
      trailingComma = true;
    }
    if (!this.eat(close)) {
      while (!this.atEnd() && !this.isOp(close)) this.i++;
      this.eat(close);
    }
    return { items, comprehension, trailingComma };
  }
  atom(): Expr {
    const t = this.peek();
    if (!t) return UNKNOWN;
    if (t.kind === 'name') {
      this.i++;
      if (t.v === 'None') return { t: 'const', v: null };
      if (t.v === 'True') return { t: 'const', v: true };
      if (t.v === 'False') return { t: 'const', v: false };
      return { t: 'name', id: t.v, line: t.line };
    }
    if (t.kind === 'num') {
      this.i++;
      return { t: 'num', v: t.v };
    }
    if (t.kind === 'str') {
      let v = '';
      let f = false;
      let bytes = false;
      const line = t.line;
      while (this.peek()?.kind === 'str') {
        const s = this.toks[this.i++];
        v += s.s ?? '';
        f = f || !!s.f;
        bytes = bytes || !!s.bytes;
      }
      return bytes ? UNKNOWN : { t: 'str', v, f, line };
    }
    if (t.kind === 'op') {
      if (t.v === '(') {
        this.i++;
        const { items, comprehension, trailingComma } = this.seq(')');
        if (comprehension) return UNKNOWN;
        if (items.length === 1 && !trailingComma) return items[0];
        return { t: 'tuple', items };
      }
      if (t.v === '[') {
        this.i++;
        const { items, comprehension } = this.seq(']');
        return comprehension ? UNKNOWN : { t: 'list', items };
      }
      if (t.v === '{') {
        this.i++;
        return this.dictOrSet();
      }
      if (t.v === '...') {
        this.i++;
        return UNKNOWN;
      }
    }
    // something we don't model: consume one token so we always progress
    this.i++;
    return UNKNOWN;
  }
  dictOrSet(): Expr {
    const items: Array<[Expr | null, Expr]> = [];
    const setItems: Expr[] = [];
    let isDict = true;
    let first = true;
    while (!this.atEnd() && !this.isOp('}')) {
      if (this.isOp('**')) {
        this.i++;
        items.push([null, this.test()]);
      } else {
        const k = this.test();
        if (first && !this.isOp(':')) isDict = false;
        if (isDict && this.eat(':')) items.push([k, this.test()]);
        else setItems.push(k);
      }
      first = false;
      if (this.isKw('for') || this.isKw('async')) {
        while (!this.atEnd() && !this.isOp('}')) {
          const t = this.toks[this.i++];
          if (t.kind === 'op' && OPEN[t.v]) this.skipBalanced();
        }
        this.eat('}');
        return UNKNOWN;
      }
      if (!this.eat(',')) {
        if (!this.isOp('}')) this.skipToSeparator();
        if (!this.eat(',')) break;
      }
    }
    if (!this.eat('}')) {
      while (!this.atEnd() && !this.isOp('}')) this.i++;
      this.eat('}');
    }
    return isDict ? { t: 'dict', items } : { t: 'set', items: setItems };
  }
}

/** Parses one expression from tokens (tolerant). */
export function parseExpr(toks: Tok[]): Expr {
  if (!toks.length) return UNKNOWN;
  try {
    return new ExprParser(toks).exprList();
  } catch {
    return UNKNOWN;
  }
}

/** Splits tokens on a top-level operator (depth 0). */
function splitTop(toks: Tok[], op: string): Tok[][] {
  const out: Tok[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    if (t.kind === 'op' && OPEN[t.v]) depth++;
    else if (t.kind === 'op' && CLOSE[t.v]) depth--;
    if (depth === 0 && t.kind === 'op' && t.v === op) out.push([]);
    else out[out.length - 1].push(t);
  }
  return out;
}

function indexTop(toks: Tok[], pred: (t: Tok) => boolean, from = 0): number {
  let depth = 0;
  for (let k = from; k < toks.length; k++) {
    const t = toks[k];
    if (depth === 0 && pred(t)) return k;
    if (t.kind === 'op' && OPEN[t.v]) depth++;
    else if (t.kind === 'op' && CLOSE[t.v]) depth--;
  }
  return -1;
}

const COMPOUND = new Set(['if', 'for', 'while', 'with', 'def', 'class', 'try', 'async']);
const CLAUSES = new Set(['elif', 'else', 'except', 'finally']);

/** Parses a module into statements (tolerant; structure comes from indentation). */
export function parseModule(lines: LogicalLine[]): Stmt[] {
  let pos = 0;
  const block = (indent: number): Stmt[] => {
    const out: Stmt[] = [];
    const decorators: Expr[] = [];
    while (pos < lines.length && lines[pos].indent >= indent) {
      const l = lines[pos];
      if (l.indent > indent) {
        pos++; // tolerated stray indentation (already reported by the tokenizer otherwise)
        continue;
      }
      const first = l.toks[0];
      if (first.kind === 'op' && first.v === '@') {
        decorators.push(parseExpr(l.toks.slice(1)));
        pos++;
        continue;
      }
      if (first.kind === 'name' && CLAUSES.has(first.v)) {
        // a clause without its statement: skip it and its body
        pos++;
        body(l, indent);
        continue;
      }
      if (first.kind === 'name' && COMPOUND.has(first.v) && indexTop(l.toks, (t) => t.kind === 'op' && t.v === ':') > 0) {
        out.push(compound(l, indent, decorators.splice(0)));
        continue;
      }
      pos++;
      decorators.length = 0;
      for (const part of splitTop(l.toks, ';')) if (part.length) out.push(simple(part, l.line));
    }
    return out;
  };
  /** the body of a header line: the rest of the line after ':' or the indented block below */
  const body = (header: LogicalLine, indent: number): Stmt[] => {
    let colon =
      header.toks[0].v === 'def' || header.toks[0].v === 'class' ? indexTop(header.toks, (t) => t.kind === 'op' && t.v === ':', 1) : -1;
    if (colon < 0) colon = indexTop(header.toks, (t) => t.kind === 'op' && t.v === ':');
    // lambda/dict colons inside the header are inside brackets, so the first top-level colon ends it —
    // except `lambda` at depth 0 in a with/if header, which we do not try to support.
    const rest = header.toks.slice(colon + 1);
    if (rest.length)
      return splitTop(rest, ';')
        .filter((p) => p.length)
        .map((p) => simple(p, header.line));
    if (pos < lines.length && lines[pos].indent > indent) return block(lines[pos].indent);
    return [];
  };
  const compound = (l: LogicalLine, indent: number, decorators: Expr[]): Stmt => {
    pos++;
    let toks = l.toks;
    if (toks[0].v === 'async') toks = toks.slice(1);
    const kw = toks[0].v;
    const colon = indexTop(toks, (t) => t.kind === 'op' && t.v === ':', 1);
    const head = toks.slice(1, colon < 0 ? toks.length : colon);
    const b = body(l, indent);
    const clauses = (): Array<{ kw: string; head: Tok[]; body: Stmt[] }> => {
      const out: Array<{ kw: string; head: Tok[]; body: Stmt[] }> = [];
      while (
        pos < lines.length &&
        lines[pos].indent === indent &&
        lines[pos].toks[0].kind === 'name' &&
        CLAUSES.has(lines[pos].toks[0].v)
      ) {
        const cl = lines[pos];
        pos++;
        const c = indexTop(cl.toks, (t) => t.kind === 'op' && t.v === ':', 1);
        out.push({ kw: cl.toks[0].v, head: cl.toks.slice(1, c < 0 ? cl.toks.length : c), body: body(cl, indent) });
      }
      return out;
    };
    switch (kw) {
      case 'def': {
        const name = head[0]?.v ?? '';
        const params: string[] = [];
        const open = head.findIndex((t) => t.kind === 'op' && t.v === '(');
        if (open >= 0) {
          let depth = 0;
          let expectName = true;
          for (let k = open + 1; k < head.length; k++) {
            const t = head[k];
            if (t.kind === 'op' && OPEN[t.v]) depth++;
            else if (t.kind === 'op' && CLOSE[t.v]) {
              if (depth === 0) break;
              depth--;
            } else if (depth === 0 && t.kind === 'op' && t.v === ',') expectName = true;
            else if (depth === 0 && expectName && t.kind === 'name') {
              params.push(t.v);
              expectName = false;
            }
          }
        }
        return { k: 'def', name, decorators, body: b, line: l.line, params };
      }
      case 'class':
        return { k: 'class', name: head[0]?.v ?? '', body: b, line: l.line };
      case 'with': {
        const items = splitTop(head, ',')
          .filter((p) => p.length)
          .map((p) => {
            const asIdx = indexTop(p, (t) => t.kind === 'name' && t.v === 'as');
            return asIdx < 0 ? { e: parseExpr(p) } : { e: parseExpr(p.slice(0, asIdx)), as: parseExpr(p.slice(asIdx + 1)) };
          });
        // `with (A() as a, B() as b):`
        if (items.length === 1 && head[0]?.v === '(' && head[head.length - 1]?.v === ')' && !items[0].as) {
          const inner = head.slice(1, -1);
          const parts = splitTop(inner, ',').filter((p) => p.length);
          if (parts.some((p) => indexTop(p, (t) => t.kind === 'name' && t.v === 'as') >= 0)) {
            return {
              k: 'with',
              items: parts.map((p) => {
                const asIdx = indexTop(p, (t) => t.kind === 'name' && t.v === 'as');
                return asIdx < 0 ? { e: parseExpr(p) } : { e: parseExpr(p.slice(0, asIdx)), as: parseExpr(p.slice(asIdx + 1)) };
              }),
              body: b,
              line: l.line,
            };
          }
        }
        return { k: 'with', items, body: b, line: l.line };
      }
      case 'if': {
        const cls = clauses();
        let orelse: Stmt[] = [];
        // build the elif chain from the end
        for (let k = cls.length - 1; k >= 0; k--) {
          const c = cls[k];
          if (c.kw === 'else') orelse = c.body;
          else if (c.kw === 'elif') orelse = [{ k: 'if', cond: parseExpr(c.head), body: c.body, orelse, line: l.line }];
        }
        return { k: 'if', cond: parseExpr(head), body: b, orelse, line: l.line };
      }
      case 'for': {
        clauses();
        const inIdx = indexTop(head, (t) => t.kind === 'name' && t.v === 'in');
        return {
          k: 'for',
          target: parseExpr(inIdx < 0 ? head : head.slice(0, inIdx)),
          iter: inIdx < 0 ? UNKNOWN : parseExpr(head.slice(inIdx + 1)),
          body: b,
          line: l.line,
        };
      }
      case 'try': {
        const cls = clauses();
        return { k: 'try', body: b, rest: cls.filter((c) => c.kw === 'else' || c.kw === 'finally').flatMap((c) => c.body), line: l.line };
      }
      default:
        clauses();
        return { k: 'other', line: l.line };
    }
  };
  const simple = (toks: Tok[], line: number): Stmt => {
    const first = toks[0];
    if (first.kind === 'name') {
      if (first.v === 'import') {
        return {
          k: 'import',
          names: splitTop(toks.slice(1), ',').map((p) => {
            const asIdx = p.findIndex((t) => t.v === 'as');
            const name = (asIdx < 0 ? p : p.slice(0, asIdx)).map((t) => t.v).join('');
            return { name, as: asIdx < 0 ? name.split('.')[0] : (p[asIdx + 1]?.v ?? name) };
          }),
          line,
        };
      }
      if (first.v === 'from') {
        const impIdx = toks.findIndex((t) => t.kind === 'name' && t.v === 'import');
        const mod = toks
          .slice(1, impIdx)
          .map((t) => t.v)
          .join('');
        const rest = toks.slice(impIdx + 1).filter((t) => !(t.kind === 'op' && (t.v === '(' || t.v === ')')));
        return {
          k: 'import',
          names: splitTop(rest, ',')
            .filter((p) => p.length)
            .map((p) => {
              const asIdx = p.findIndex((t) => t.v === 'as');
              const name = p[0].v;
              return { name: `${mod}.${name}`, as: asIdx < 0 ? name : (p[asIdx + 1]?.v ?? name) };
            }),
          line,
        };
      }
      if (first.v === 'return') return { k: 'return', e: parseExpr(toks.slice(1)), line };
      if ((first.v === 'break' || first.v === 'continue') && toks.length === 1) return { k: 'loop', ctl: first.v, line };
      if (['pass', 'break', 'continue', 'raise', 'global', 'nonlocal', 'del', 'assert', 'yield'].includes(first.v)) {
        return { k: 'other', line };
      }
    }
    const parts = splitTop(toks, '=');
    if (parts.length > 1 && parts.every((p) => p.length)) {
      // annotated targets `x: int = 1` keep only the name
      const targets = parts.slice(0, -1).map((p) => {
        const c = indexTop(p, (t) => t.kind === 'op' && t.v === ':');
        return parseExpr(c < 0 ? p : p.slice(0, c));
      });
      return { k: 'assign', targets, value: parseExpr(parts[parts.length - 1]), line };
    }
    const aug = toks.findIndex((t) => t.kind === 'op' && /^(?:\+|-|\*|\/|\/\/|%|&|\||\^|>>|<<|\*\*|@)=$/.test(t.v));
    if (aug >= 0) return { k: 'other', line };
    return { k: 'expr', e: parseExpr(toks), line };
  };
  return block(lines.length ? lines[0].indent : 0);
}
