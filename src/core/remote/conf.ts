/**
 * `--conf` for `mwaa trigger`: JSON validated locally before anything is sent, with the line and
 * column of the first error, so a typo fails in a second with exit 2 instead of as a Python
 * traceback from the web server. The text is sent as the user wrote it (after validation), so Airflow
 * parses exactly the same JSON.
 */
import { UsageError } from '../errors.js';

export interface JsonErrorLocation {
  /** 0-based offset in the text */
  offset: number;
  /** 1-based */
  line: number;
  /** 1-based, in characters */
  column: number;
  message: string;
}

export interface ParsedConf {
  /** the JSON text to send (as given, minus a byte order mark and surrounding blank space) */
  text: string;
  value: Record<string, unknown>;
}

/**
 * Parses a conf given on the command line or read from a file (`source` names it in messages:
 * "--conf" or "@conf.json").
 */
export function parseConf(raw: string, source = '--conf'): ParsedConf {
  const text = raw.replace(/^\uFEFF/, '').trim();
  if (text === '') {
    throw new UsageError(`${source} is empty`, {
      code: 'trigger.conf-invalid',
      hint: 'give a JSON object, e.g. --conf \'{"date": "2024-01-01"}\'',
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const at = locateJsonError(text) ?? { offset: 0, line: 1, column: 1, message: 'invalid JSON' };
    throw new UsageError(`${source} is not valid JSON: ${at.message} at line ${at.line}, column ${at.column} (position ${at.offset})`, {
      code: 'trigger.conf-invalid',
      hint: `${excerpt(text, at.offset)} — in a shell, put the JSON in single quotes, or pass --conf @file.json`,
      details: { line: at.line, column: at.column, position: at.offset },
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new UsageError(`${source} must be a JSON object, not ${kind}`, {
      code: 'trigger.conf-invalid',
      hint: 'Airflow stores a run\'s conf as a dictionary, e.g. {"date": "2024-01-01"}',
    });
  }
  return { text, value: value as Record<string, unknown> };
}

function excerpt(text: string, offset: number): string {
  const start = Math.max(0, offset - 20);
  const before = text.slice(start, offset).replace(/\s+/g, ' ');
  const after = text.slice(offset, offset + 20).replace(/\s+/g, ' ');
  return `near ${start > 0 ? '…' : ''}${before}⟨here⟩${after}${offset + 20 < text.length ? '…' : ''}`;
}

/**
 * Finds where strict JSON (RFC 8259) parsing fails: a small recursive-descent scanner used only to
 * report a position (Node's JSON.parse messages do not always carry one). Returns undefined when
 * the text is valid.
 */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  class Stop extends Error {
    constructor(
      readonly at: number,
      message: string,
    ) {
      super(message);
    }
  }
  const fail = (message: string, at = i): never => {
    throw new Stop(at, message);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const describe = () => (i >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(text[i])}`);
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++) {
      if (text[i + k] !== word[k])
        fail(`unexpected ${i + k >= text.length ? 'end of input' : JSON.stringify(text[i + k])} (expected ${word})`, i + k);
    }
    i += word.length;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === undefined) fail('unterminated string', i + 1);
        if ('"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape (expected 4 hex digits)', i);
          i += 6;
        } else fail(`invalid escape \\${e}`, i);
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail(c === '\n' ? 'line break inside a string (write \\n)' : 'control character inside a string');
      i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '-' || m[0] === '') fail(describe());
    i += m![0].length;
    if (i < text.length && /[0-9.eE]/.test(text[i])) fail(`invalid number`);
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"')
          fail(text[i] === '}' ? 'trailing comma before }' : `${describe()} (expected a property name in double quotes)`);
        string();
        ws();
        if (text[i] !== ':') fail(`${describe()} (expected :)`);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(`${describe()} (expected , or })`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === ']') fail('trailing comma before ]');
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(`${describe()} (expected , or ])`);
      }
    }
    if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else if (c === "'") fail('single quotes are not JSON (use double quotes)');
    else fail(describe());
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`${describe()} after the end of the JSON value`);
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.at);
    const lines = before.split('\n');
    return { offset: error.at, line: lines.length, column: lines[lines.length - 1].length + 1, message: error.message };
  }
}
