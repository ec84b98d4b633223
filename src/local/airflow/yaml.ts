/**
 * `yaml.dump(data)` as Airflow's `-o yaml` does it (PyYAML with libyaml's CSafeDumper: block style,
 * sorted keys, indent 2, width 80, allow_unicode=False). Data here is what AirflowConsole produced:
 * str, None, lists and dicts of those.
 *
 * The scalar analysis, style choice, line folding and escapes follow libyaml's emitter.c; the implicit
 * type resolution (which plain strings must be quoted) follows PyYAML's resolver.py.
 */

export type YamlData = null | string | YamlData[] | Map<string, YamlData>;

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

const RESOLVERS: RegExp[] = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
  /^(?:!|&|\*)$/,
];

/** Whether PyYAML would read this plain scalar back as something other than a str. */
function resolvesToOtherType(s: string): boolean {
  return RESOLVERS.some((r) => r.test(s));
}

interface Analysis {
  empty: boolean;
  multiline: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
}

const isBreak = (c: number): boolean => c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
const isBlankZ = (c: number | undefined): boolean => c === undefined || c === 0 || c === 0x20 || c === 0x09 || isBreak(c);
/** libyaml IS_PRINTABLE restricted to ASCII: with unicode=False every other character is "special". */
const isPrintableAscii = (c: number): boolean => c === 0x0a || (c >= 0x20 && c <= 0x7e);

function analyze(s: string): Analysis {
  const cps = Array.from(s, (c) => c.codePointAt(0)!);
  if (cps.length === 0) return { empty: true, multiline: false, blockPlain: true, singleQuoted: true };
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (s.startsWith('---') || s.startsWith('...')) blockIndicators = true;
  let precededByWs = true;
  let prevSpace = false;
  let prevBreak = false;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    const followedByWs = isBlankZ(cps[i + 1]);
    const first = i === 0;
    const last = i === cps.length - 1;
    const ch = String.fromCodePoint(c);
    if (first) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ((ch === '?' || ch === ':') && followedByWs) blockIndicators = true;
      if (ch === '-' && followedByWs) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWs) blockIndicators = true;
      if (ch === '#' && precededByWs) blockIndicators = true;
    }
    if (!isPrintableAscii(c)) special = true;
    if (isBreak(c)) lineBreaks = true;
    if (c === 0x20) {
      if (first) leadingSpace = true;
      if (last) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      if (first) leadingBreak = true;
      if (last) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    precededByWs = isBlankZ(c);
  }
  let blockPlain = true;
  let singleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (breakSpace) blockPlain = singleQuoted = false;
  if (spaceBreak || special) blockPlain = singleQuoted = false;
  if (lineBreaks) blockPlain = false;
  if (blockIndicators) blockPlain = false;
  return { empty: false, multiline: lineBreaks, blockPlain, singleQuoted };
}

class Emitter {
  out = '';
  column = 0;
  whitespace = true;
  indention = true;
  indent = -1;
  private indents: number[] = [];

  put(s: string): void {
    this.out += s;
    this.column += Array.from(s).length;
  }
  putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }
  writeIndicator(ind: string, needWs: boolean, isWs = false, isIndention = false): void {
    if (needWs && !this.whitespace) this.put(' ');
    this.put(ind);
    this.whitespace = isWs;
    this.indention = this.indention && isIndention;
  }
  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }
  increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }
  popIndent(): void {
    this.indent = this.indents.pop()!;
  }

  node(v: YamlData, ctx: { mapping?: boolean; simpleKey?: boolean; root?: boolean }): void {
    if (v === null || typeof v === 'string') {
      this.increaseIndent(true);
      this.scalar(v, ctx.simpleKey === true);
      this.popIndent();
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) {
        this.writeIndicator('[', true, true);
        this.writeIndicator(']', false);
        return;
      }
      this.increaseIndent(false, ctx.mapping === true && !this.indention);
      for (const item of v) {
        this.writeIndent();
        this.writeIndicator('-', true, false, true);
        this.node(item, {});
      }
      this.popIndent();
      return;
    }
    if (v.size === 0) {
      this.writeIndicator('{', true, true);
      this.writeIndicator('}', false);
      return;
    }
    this.increaseIndent(false);
    const keys = [...v.keys()].sort(cmpCodePoints);
    for (const k of keys) {
      this.writeIndent();
      const a = analyze(k);
      const simple = !a.multiline && Buffer.byteLength(k) <= 128;
      if (simple) {
        this.node(k, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(k, { mapping: true });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(v.get(k)!, { mapping: true });
    }
    this.popIndent();
  }

  scalar(v: string | null, simpleKey: boolean): void {
    if (v === null) {
      this.plain('null', !simpleKey);
      return;
    }
    const a = analyze(v);
    const implicit = !resolvesToOtherType(v);
    let style: 'plain' | "'" | '"' = 'plain';
    if (simpleKey && a.multiline) style = '"';
    if (style === 'plain') {
      if (!a.blockPlain) style = "'";
      if (a.empty && simpleKey) style = "'";
      if (!implicit) style = "'";
    }
    if (style === "'" && !a.singleQuoted) style = '"';
    const split = !simpleKey;
    if (style === 'plain') this.plain(v, split);
    else if (style === "'") this.singleQuoted(v, split);
    else this.doubleQuoted(v, split);
  }

  plain(s: string, allowBreaks: boolean): void {
    const cps = Array.from(s);
    if (!this.whitespace && cps.length) this.put(' ');
    let spaces = false;
    for (let i = 0; i < cps.length; i++) {
      const ch = cps[i];
      if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && cps[i + 1] !== ' ') this.writeIndent();
        else this.put(ch);
        spaces = true;
      } else {
        this.put(ch);
        this.indention = false;
        spaces = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  singleQuoted(s: string, allowBreaks: boolean): void {
    const cps = Array.from(s);
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < cps.length; i++) {
      const ch = cps[i];
      const c = ch.codePointAt(0)!;
      if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== cps.length - 1 && cps[i + 1] !== ' ') this.writeIndent();
        else this.put(ch);
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && ch === '\n') this.putBreak();
        this.putBreak();
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (ch === "'") this.put("'");
        this.put(ch);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    if (breaks) this.writeIndent();
    this.writeIndicator("'", false);
    this.whitespace = false;
    this.indention = false;
  }

  doubleQuoted(s: string, allowBreaks: boolean): void {
    const cps = Array.from(s);
    this.writeIndicator('"', true);
    let spaces = false;
    const ESC: Record<number, string> = {
      0x00: '0',
      0x07: 'a',
      0x08: 'b',
      0x09: 't',
      0x0a: 'n',
      0x0b: 'v',
      0x0c: 'f',
      0x0d: 'r',
      0x1b: 'e',
      0x22: '"',
      0x5c: '\\',
      0x85: 'N',
      0xa0: '_',
      0x2028: 'L',
      0x2029: 'P',
    };
    for (let i = 0; i < cps.length; i++) {
      const ch = cps[i];
      const c = ch.codePointAt(0)!;
      if (!isPrintableAscii(c) || isBreak(c) || c === 0xfeff || ch === '"' || ch === '\\') {
        let esc = ESC[c];
        if (esc === undefined) {
          if (c <= 0xff) esc = `x${c.toString(16).toUpperCase().padStart(2, '0')}`;
          else if (c <= 0xffff) esc = `u${c.toString(16).toUpperCase().padStart(4, '0')}`;
          else esc = `U${c.toString(16).toUpperCase().padStart(8, '0')}`;
        }
        this.put(`\\${esc}`);
        spaces = false;
      } else if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== cps.length - 1) {
          this.writeIndent();
          if (cps[i + 1] === ' ') this.put('\\');
        } else this.put(ch);
        spaces = true;
      } else {
        this.put(ch);
        spaces = false;
      }
    }
    this.writeIndicator('"', false);
    this.whitespace = false;
    this.indention = false;
  }
}

function cmpCodePoints(a: string, b: string): number {
  const A = Array.from(a, (c) => c.codePointAt(0)!);
  const B = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(A.length, B.length); i++) if (A[i] !== B[i]) return A[i] - B[i];
  return A.length - B.length;
}

/** yaml.dump(data) */
export function yamlDump(data: YamlData): string {
  const e = new Emitter();
  e.node(data, { root: true });
  e.writeIndent(); // document end
  return e.out;
}
