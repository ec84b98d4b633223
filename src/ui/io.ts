/**
 * The streams a command writes to, their colors, and what the terminal allows (animation, prompts).
 * Data goes to stdout, everything else (progress, warnings, errors) to stderr. How output looks is the
 * host's business (src/ui/host): it is built on this.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Chalk, type ChalkInstance } from 'chalk';
import { AbortedError } from '../core/errors.js';

export interface Streams {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean };
}

export interface IoOptions {
  json: boolean;
  /** --no-color, NO_COLOR, or not a TTY turn colors off */
  color: boolean;
  quiet: boolean;
  debug: boolean;
  /** CI=true: no live views, no prompts */
  ci: boolean;
  /** --yes: questions are answered yes */
  yes: boolean;
}

export class Io {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  readonly ci: boolean;
  readonly yes: boolean;
  /** colors for stdout */
  readonly style: ChalkInstance;
  /** colors for stderr */
  readonly errStyle: ChalkInstance;

  constructor(
    readonly streams: Streams,
    options: IoOptions,
  ) {
    this.json = options.json;
    this.quiet = options.quiet;
    this.debug = options.debug;
    this.ci = options.ci;
    this.yes = options.yes;
    this.style = new Chalk({ level: options.color && streams.stdout.isTTY ? 1 : 0 });
    this.errStyle = new Chalk({ level: options.color && streams.stderr.isTTY ? 1 : 0 });
  }

  /** stdout is a terminal */
  get isTTY(): boolean {
    return Boolean(this.streams.stdout.isTTY);
  }

  /** Live views and spinners: stderr is a terminal, not CI, not --json, not --quiet. */
  get canAnimate(): boolean {
    return Boolean(this.streams.stderr.isTTY) && !this.ci && !this.json && !this.quiet;
  }

  /** Prompts are possible: stdin and stderr are terminals and not CI. */
  get canPrompt(): boolean {
    return Boolean(this.streams.stdin.isTTY) && Boolean(this.streams.stderr.isTTY) && !this.ci;
  }

  /** Writes data to stdout (a newline is added when missing). */
  out(text: string): void {
    this.streams.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  /** Writes a line to stderr, unless --quiet. */
  info(text: string): void {
    if (!this.quiet) this.streams.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A warning on stderr (shown even with --quiet). */
  warn(text: string): void {
    this.streams.stderr.write(`${this.errStyle.yellow('warning:')} ${text}\n`);
  }

  /** Debug detail on stderr, only with --debug. */
  debugLine(text: string): void {
    if (this.debug) this.streams.stderr.write(`${this.errStyle.dim(`debug: ${text}`)}\n`);
  }

  /** One NDJSON record on stdout (streaming commands with --json). */
  jsonLine(value: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Reads one line typed by the user (stderr shows the prompt). */
  async ask(prompt: string): Promise<string> {
    const rl = createInterface({ input: this.streams.stdin, output: this.streams.stderr, terminal: true });
    try {
      return await new Promise<string>((resolve, reject) => {
        rl.question(prompt, resolve);
        rl.once('close', () => reject(new AbortedError('no answer given')));
      });
    } finally {
      rl.close();
    }
  }
}

/** Renders rows as an aligned table (no borders); the first row is the header. */
export function table(rows: string[][], style?: ChalkInstance): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => visibleLength(r[col] ?? ''))));
  return rows
    .map((row, i) => {
      const line = row
        .map((cell, col) => (col === row.length - 1 ? cell : cell + ' '.repeat(widths[col] - visibleLength(cell))))
        .join('  ')
        .trimEnd();
      return i === 0 && style ? style.bold(line) : line;
    })
    .join('\n');
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
