/**
 * CloudWatch Logs filter patterns for unstructured events (the subset the emulator supports):
 *
 *   ""                      every event
 *   ERROR                   events containing ERROR (case-sensitive substring)
 *   ERROR Exception         both terms (in any order)
 *   "Failed to process"     the exact phrase (quotes; \" and \\ escape inside)
 *   ?ERROR ?WARN            at least one of the `?` terms (combined with the plain terms, if any)
 *   ERROR -Exiting          ERROR and not Exiting (also -"a phrase")
 *
 * JSON patterns ({ $.x = ... }), space-delimited patterns ([a, b]) and regex patterns (%...%) are not
 * supported: they are refused with a FilterPatternError naming the form, rather than matching wrongly.
 */

export class FilterPatternError extends Error {}

export type Matcher = (message: string) => boolean;

export function compileFilterPattern(pattern: string | undefined): Matcher {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  const c = text[0];
  if (c === '{' || c === '[' || c === '%') {
    const form = c === '{' ? 'JSON' : c === '[' ? 'space-delimited' : 'regular expression';
    throw new FilterPatternError(`${form} filter patterns are not supported by mwaa local; use terms, "quoted phrases", ?term or -term`);
  }
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    let list = all;
    if ((text[i] === '?' || text[i] === '-') && i + 1 < text.length && !/\s/.test(text[i + 1])) {
      list = text[i] === '?' ? any : none;
      i++;
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
      if (!closed) throw new FilterPatternError('Invalid filter pattern: unterminated quoted phrase');
      if (i < text.length && !/\s/.test(text[i])) {
        throw new FilterPatternError('Invalid filter pattern: a quoted phrase must be followed by a space');
      }
    } else {
      while (i < text.length && !/\s/.test(text[i])) term += text[i++];
    }
    if (term !== '') list.push(term);
  }
  return (message: string) => {
    for (const t of all) if (!message.includes(t)) return false;
    for (const t of none) if (message.includes(t)) return false;
    if (any.length === 0) return true;
    for (const t of any) if (message.includes(t)) return true;
    return false;
  };
}
