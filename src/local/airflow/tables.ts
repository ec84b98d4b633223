/**
 * The two table renderers of Airflow's AirflowConsole (airflow/cli/simple_table.py):
 *
 * - `table`: a rich `Table` (SimpleTable: box ASCII_DOUBLE_HEAD, show_edge=False, pad_edge=False,
 *   caption " ") rendered at width 200 (stdout is not a TTY). Column widths, collapsing of wide tables,
 *   word wrapping/folding of cells and bottom-aligned headers follow rich 13's table.py/_wrap.py.
 * - `plain`: tabulate(rows, tablefmt="plain", headers=keys) (tabulate 0.9): columns at least
 *   header+2 wide, two-space separator, numbers right/decimal aligned and reformatted, lines rstripped.
 */

// ---------------------------------------------------------------------------------------------- cell width

function charWidth(c: number): number {
  if (c === 0) return 0;
  if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return 0;
  if (c < 0x300) return 1;
  if (/\p{Mn}|\p{Me}/u.test(String.fromCodePoint(c)) || c === 0x200b || c === 0x200c || c === 0x200d) return 0;
  if (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1f64f) ||
    (c >= 0x1f900 && c <= 0x1f9ff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  )
    return 2;
  return 1;
}

export function cellLen(s: string): number {
  let n = 0;
  for (const ch of s) n += charWidth(ch.codePointAt(0)!);
  return n;
}

function padRight(s: string, width: number): string {
  const w = cellLen(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}

// ---------------------------------------------------------------------------------------------- rich markup

export class MarkupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'rich.errors.MarkupError';
  }
}

/** rich.markup.render(...).plain: style tags removed, `\[` unescaped; unmatched closing tags raise. */
export function renderMarkup(markup: string): string {
  if (!markup.includes('[')) return markup;
  const re = /((\\*)\[([a-z#/@][^[]*?)])/g;
  let out = '';
  let position = 0;
  const stack: string[] = [];
  const plain = (t: string): void => {
    out += t.replace(/\\\[/g, '[');
  };
  for (let m = re.exec(markup); m; m = re.exec(markup)) {
    const [fullText, , escapes, tagText] = [m[0], m[1], m[2], m[3]];
    let start = m.index;
    const end = start + fullText.length;
    if (start > position) plain(markup.slice(position, start));
    if (escapes) {
      const backslashes = Math.floor(escapes.length / 2);
      const escaped = escapes.length % 2;
      if (backslashes) {
        out += '\\'.repeat(backslashes);
        start += backslashes * 2;
      }
      if (escaped) {
        out += fullText.slice(escapes.length);
        position = end;
        continue;
      }
    }
    const name = tagText.split('=')[0];
    if (name.startsWith('/')) {
      const styleName = name.slice(1).trim().toLowerCase();
      if (styleName) {
        const idx = stack.lastIndexOf(styleName);
        if (idx < 0) throw new MarkupError(`closing tag '[${tagText}]' at position ${start} doesn't match any open tag`);
        stack.splice(idx, 1);
      } else if (!stack.pop()) {
        throw new MarkupError(`closing tag '[/]' at position ${start} has nothing to close`);
      }
    } else {
      stack.push(name.trim().toLowerCase());
    }
    position = end;
  }
  if (position < markup.length) plain(markup.slice(position));
  return out;
}

// ---------------------------------------------------------------------------------------------- rich wrap

/** rich.cells.chop_cells */
function chopCells(text: string, width: number): string[] {
  const lines: string[] = [''];
  let total = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!);
    if (total + w > width) {
      lines.push(ch);
      total = w;
    } else {
      lines[lines.length - 1] += ch;
      total += w;
    }
  }
  return lines;
}

/** rich._wrap.divide_line: offsets (in UTF-16 units of `text`) at which to break. */
function divideLine(text: string, width: number): number[] {
  const breaks: number[] = [];
  let cellOffset = 0;
  const re = /\s*\S+\s*/gy;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let start = m.index;
    const word = m[0];
    const wordLength = cellLen(word.trimEnd());
    const remaining = width - cellOffset;
    if (remaining >= wordLength) {
      cellOffset += cellLen(word);
    } else if (wordLength > width) {
      const folded = chopCells(word, width);
      folded.forEach((line, i) => {
        if (start) breaks.push(start);
        if (i === folded.length - 1) cellOffset = cellLen(line);
        else start += line.length;
      });
    } else if (cellOffset && start) {
      breaks.push(start);
      cellOffset = cellLen(word);
    }
  }
  return breaks;
}

/** rich Text.wrap(width, justify="left", overflow="fold") -> lines padded to width. */
function wrapCell(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const offsets = divideLine(line, width);
    const pieces: string[] = [];
    let prev = 0;
    for (const o of offsets) {
      pieces.push(line.slice(prev, o));
      prev = o;
    }
    pieces.push(line.slice(prev));
    for (let p of pieces) {
      // rstrip_end(width): drop trailing whitespace beyond the width
      while (cellLen(p) > width && /\s$/.test(p)) p = p.slice(0, -1);
      out.push(padRight(p, width));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- rich table

function ratioReduce(total: number, ratios: number[], maximums: number[], values: number[]): number[] {
  ratios = ratios.map((r, i) => (maximums[i] ? r : 0));
  let totalRatio = ratios.reduce((a, b) => a + b, 0);
  if (!totalRatio) return values.slice();
  let totalRemaining = total;
  const result: number[] = [];
  ratios.forEach((ratio, i) => {
    if (ratio && totalRatio > 0) {
      const distributed = Math.min(maximums[i], pyRound((ratio * totalRemaining) / totalRatio));
      result.push(values[i] - distributed);
      totalRemaining -= distributed;
      totalRatio -= ratio;
    } else result.push(values[i]);
  });
  return result;
}

/** Python's round() (banker's rounding) for non-negative values. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function collapseWidths(widths: number[], maxWidth: number): number[] {
  let total = widths.reduce((a, b) => a + b, 0);
  let excess = total - maxWidth;
  while (total && excess > 0) {
    const maxColumn = Math.max(...widths);
    const second = Math.max(...widths.map((w) => (w !== maxColumn ? w : 0)));
    const diff = maxColumn - second;
    const ratios = widths.map((w) => (w === maxColumn ? 1 : 0));
    if (!ratios.some(Boolean) || !diff) break;
    const maxReduce = widths.map(() => Math.min(excess, diff));
    widths = ratioReduce(excess, ratios, maxReduce, widths);
    total = widths.reduce((a, b) => a + b, 0);
    excess = total - maxWidth;
  }
  return widths;
}

/** The bytes AirflowConsole.print_as_table writes (rich at width 200, not a terminal). */
export function renderRichTable(headers: string[], rows: string[][], consoleWidth = 200): string {
  const n = headers.length;
  const head = headers.map(renderMarkup);
  const body = rows.map((r) => r.map(renderMarkup));
  const padL = (i: number): number => (i === 0 ? 0 : 1);
  const padR = (i: number): number => (i === n - 1 ? 0 : 1);
  const extra = n - 1; // box without edges: one divider between columns
  const maxWidth = consoleWidth - extra;
  const measure = (i: number, limit: number): number => {
    let max = 0;
    for (const text of [head[i], ...body.map((r) => r[i] ?? '')]) {
      const lines = text.split('\n');
      const w = Math.max(0, ...lines.map(cellLen)) + padL(i) + padR(i);
      max = Math.max(max, Math.min(w, limit));
    }
    return max;
  };
  let widths = headers.map((_, i) => measure(i, maxWidth) || 1);
  let tableWidth = widths.reduce((a, b) => a + b, 0);
  if (tableWidth > maxWidth) {
    widths = collapseWidths(widths, maxWidth);
    tableWidth = widths.reduce((a, b) => a + b, 0);
    if (tableWidth > maxWidth) {
      widths = ratioReduce(
        tableWidth - maxWidth,
        widths.map(() => 1),
        widths,
        widths,
      );
    }
    widths = widths.map((w, i) => measure(i, w));
  }
  const renderRow = (cells: string[], isHeader: boolean): string[] => {
    const rendered = cells.map((text, i) => {
      const inner = Math.max(1, widths[i] - padL(i) - padR(i));
      return wrapCell(text, inner).map((l) => ' '.repeat(padL(i)) + l + ' '.repeat(padR(i)));
    });
    const height = Math.max(...rendered.map((c) => c.length));
    const aligned = rendered.map((c, i) => {
      const blank = ' '.repeat(widths[i]);
      const fill = Array.from({ length: height - c.length }, () => blank);
      return isHeader ? [...fill, ...c] : [...c, ...fill];
    });
    const lines: string[] = [];
    for (let l = 0; l < height; l++) lines.push(aligned.map((c) => c[l]).join('|'));
    return lines;
  };
  const lines = [...renderRow(head, true), widths.map((w) => '='.repeat(w)).join('+')];
  for (const r of body) lines.push(...renderRow(r, false));
  const total = widths.reduce((a, b) => a + b, 0) + extra;
  lines.push(' '.repeat(total)); // the caption " ", centred over the table width
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------- tabulate

type ColType = 'none' | 'bool' | 'int' | 'float' | 'str';

function isPyInt(s: string): boolean {
  return /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(s);
}
function isPyFloat(s: string): boolean {
  const t = s.trim();
  if (/^[+-]?(?:inf|infinity|nan)$/i.test(t)) return true;
  return /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/.test(t);
}
function cellType(v: string | null): ColType {
  if (v === null) return 'none';
  if (v === 'True' || v === 'False') return 'bool';
  if (v.includes('\n')) return 'str';
  if (isPyInt(v)) return 'int';
  if (isPyFloat(v)) {
    const t = v.trim().toLowerCase().replace(/^[+-]/, '');
    if (t === 'infinity' || (/inf|nan/.test(t) && !['inf', 'nan'].includes(t))) return 'str';
    return 'float';
  }
  return 'str';
}
const GENERIC: Record<ColType, number> = { none: 0, bool: 1, int: 2, float: 3, str: 4 };
function moreGeneric(a: ColType, b: ColType): ColType {
  return GENERIC[a] >= GENERIC[b] ? a : b;
}

/** Python format(x, "g") */
export function formatG(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  let [mant, e] = Math.abs(x).toExponential(5).split('e');
  const expN = Number(e);
  if (expN < -4 || expN >= 6) {
    mant = mant.replace(/\.?0+$/, '');
    return `${x < 0 ? '-' : ''}${mant}e${expN < 0 ? '-' : '+'}${String(Math.abs(expN)).padStart(2, '0')}`;
  }
  let fixed = Math.abs(x).toFixed(Math.max(0, 5 - expN));
  if (fixed.includes('.')) fixed = fixed.replace(/\.?0+$/, '');
  return `${x < 0 ? '-' : ''}${fixed}`;
}

/** tabulate(rows, tablefmt="plain", headers=headers) followed by print(): lines joined, "\n" at the end. */
export function renderTabulatePlain(headers: string[], rows: Array<Array<string | null>>): string {
  const ncols = headers.length;
  const types: ColType[] = headers.map((_, i) => rows.reduce<ColType>((t, r) => moreGeneric(t, cellType(r[i] ?? null)), 'bool'));
  const formatted = rows.map((r) =>
    headers.map((_, i) => {
      const v = r[i] ?? null;
      if (v === null) return '';
      const t = types[i];
      if (t === 'float' && isPyFloat(v))
        return formatG(
          Number(
            v
              .trim()
              .replace(/_/g, '')
              .replace(/^([+-]?)infinity$/i, '$1Infinity')
              .replace(/^([+-]?)inf$/i, '$1Infinity')
              .replace(/^[+-]?nan$/i, 'NaN'),
          ),
        );
      return v;
    }),
  );
  const multiline = formatted.some((r) => r.some((c) => c.includes('\n'))) || headers.some((h) => h.includes('\n'));
  const widthOf = (s: string): number => (multiline ? Math.max(0, ...s.split('\n').map(cellLen)) : cellLen(s));
  const aligns = types.map((t) => (t === 'int' || t === 'float' ? 'decimal' : 'left'));
  // decimal alignment: pad the integer parts so the decimal points line up
  const cols: string[][] = headers.map((_, i) => formatted.map((r) => r[i]));
  cols.forEach((col, i) => {
    if (aligns[i] !== 'decimal') return;
    const dec = col.map((s) => {
      const k = s.search(/[.eE]/);
      return k < 0 ? s.length : k;
    });
    const maxFrac = Math.max(0, ...col.map((s, j) => s.length - dec[j]));
    cols[i] = col.map((s, j) => s + ' '.repeat(maxFrac - (s.length - dec[j])));
  });
  const widths = headers.map((h, i) => Math.max(widthOf(h) + 2, ...cols[i].map(widthOf)));
  const alignCell = (s: string, i: number): string[] => {
    const lines = multiline ? s.split('\n') : [s];
    return lines.map((l) => {
      const pad = widths[i] - cellLen(l);
      if (pad <= 0) return l;
      return aligns[i] === 'decimal' ? ' '.repeat(pad) + l : l + ' '.repeat(pad);
    });
  };
  const buildRows = (cells: string[]): string[] => {
    const aligned = cells.map((c, i) => alignCell(c, i));
    const height = Math.max(1, ...aligned.map((a) => a.length));
    const out: string[] = [];
    for (let l = 0; l < height; l++) {
      out.push(
        aligned
          .map((a, i) => a[l] ?? ' '.repeat(widths[i]))
          .join('  ')
          .trimEnd(),
      );
    }
    return out;
  };
  const lines = [...buildRows(headers.slice(0, ncols))];
  for (let r = 0; r < rows.length; r++) lines.push(...buildRows(cols.map((c) => c[r])));
  return `${lines.join('\n')}\n`;
}
