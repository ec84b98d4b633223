/**
 * Python's shlex.split(s) (posix=True, comments=False, whitespace_split=True): how MWAA's web server is
 * taken to turn the text/plain body of POST /aws_mwaa/cli into argv (src/local/airflow/README.md, "Argv").
 *
 * - whitespace (space, tab, CR, LF) separates words; quotes and escapes never do;
 * - outside quotes a backslash escapes any next character (the backslash is dropped);
 * - inside '…' nothing is special; inside "…" a backslash escapes only `"` and `\`;
 * - '' and "" produce an empty word; adjacent quoted/unquoted parts join into one word;
 * - an unclosed quote raises "No closing quotation", a trailing backslash "No escaped character".
 */
export class ShlexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

export function shlexSplit(s: string): string[] {
  const out: string[] = [];
  let token = '';
  let inToken = false; // a word has started (even an empty quoted one)
  let state: 'ws' | 'word' | "'" | '"' | 'esc' | 'esc"' = 'ws';
  for (const ch of s) {
    switch (state) {
      case 'ws':
      case 'word':
        if (WHITESPACE.has(ch)) {
          if (inToken) out.push(token);
          token = '';
          inToken = false;
          state = 'ws';
        } else if (ch === '\\') {
          inToken = true;
          state = 'esc';
        } else if (ch === "'" || ch === '"') {
          inToken = true;
          state = ch;
        } else {
          token += ch;
          inToken = true;
          state = 'word';
        }
        break;
      case "'":
        if (ch === "'") state = 'word';
        else token += ch;
        break;
      case '"':
        if (ch === '"') state = 'word';
        else if (ch === '\\') state = 'esc"';
        else token += ch;
        break;
      case 'esc':
        token += ch;
        state = 'word';
        break;
      case 'esc"':
        if (ch !== '"' && ch !== '\\') token += '\\';
        token += ch;
        state = '"';
        break;
    }
  }
  if (state === "'" || state === '"' || state === 'esc"') throw new ShlexError('No closing quotation');
  if (state === 'esc') throw new ShlexError('No escaped character');
  if (inToken) out.push(token);
  return out;
}

/** Quotes one argument so that shlexSplit gives it back unchanged (Python's shlex.quote). */
export function shlexQuote(s: string): string {
  if (s === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}
