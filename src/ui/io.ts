/**
 * The terminal side of the event port: where output goes and how it looks. Data goes to stdout,
 * everything else (progress, warnings, errors) to stderr. `--json` prints one JSON document on stdout
 * (or NDJSON for streaming commands) and nothing decorative.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Chalk, type ChalkInstance } from 'chalk';
import { AbortedError, InterruptedError } from '../core/errors.js';
import type { EventSink, MwaaEvent } from '../core/events.js';
import { jsonPieces } from '../core/json.js';

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
  /** CI=true: no spinners, no live views, no prompts */
  ci: boolean;
  /** --yes: confirmations are answered yes */
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

  /**
   * The result of a request/response command: with --json the value as one JSON document, else the
   * text the renderer makes of it.
   */
  result<T>(value: T, text: (value: T) => string): void {
    if (this.json) {
      // in pieces: a release record of 20,000 files would otherwise be one string of several megabytes
      for (const piece of jsonPieces(value, 2)) this.streams.stdout.write(piece);
      this.streams.stdout.write('\n');
    } else {
      const rendered = text(value);
      if (rendered !== '') this.out(rendered);
    }
  }

  /** One NDJSON record on stdout (streaming commands with --json). */
  jsonLine(value: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /**
   * The sink core code reports to. Text mode: info lines and warnings on stderr (debug ones with
   * --debug; progress only as lines, since spinners belong to live views). JSON mode: NDJSON on stderr,
   * or on stdout when `eventsOnStdout` (streaming commands whose output is the event stream).
   */
  events(options: { eventsOnStdout?: boolean } = {}): EventSink {
    return (event: MwaaEvent) => {
      const stamped = { time: Date.now(), ...event };
      if (this.json) {
        if (event.level === 'debug' && !this.debug) return;
        const stream = options.eventsOnStdout ? this.streams.stdout : this.streams.stderr;
        // in pieces: a plan event lists every file of a first push
        let previous: string | undefined;
        for (const piece of jsonPieces(stamped)) {
          if (previous !== undefined) stream.write(previous);
          previous = piece;
        }
        stream.write(`${previous}\n`);
        return;
      }
      switch (event.level) {
        case 'warn':
          this.warn(event.message);
          break;
        case 'debug':
          this.debugLine(event.message);
          break;
        default:
          this.info(event.message);
      }
    };
  }

  /**
   * Asks a yes/no question on stderr. Never defaults to yes: with --yes it is answered yes; without a
   * terminal it fails naming the flag to pass.
   */
  async confirm(question: string, options: { flag?: string } = {}): Promise<boolean> {
    if (this.yes) return true;
    const flag = options.flag ?? '--yes';
    if (!this.canPrompt) {
      throw new AbortedError(`${question.replace(/\?$/, '')}: confirmation needed, but there is no terminal to ask`, {
        hint: `pass ${flag} to confirm without a prompt`,
      });
    }
    const answer = await this.ask(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  }

  /** Reads one line typed by the user (stderr shows the prompt). */
  async ask(prompt: string): Promise<string> {
    const rl = createInterface({ input: this.streams.stdin, output: this.streams.stderr, terminal: true });
    try {
      return await new Promise<string>((resolve, reject) => {
        rl.question(prompt, resolve);
        // Ctrl-C at the prompt (the terminal is in raw mode: readline gets it, not the process) is an
        // interruption like any other: exit 130, and the runner says nothing was changed
        rl.once('SIGINT', () => {
          this.streams.stderr.write('\n');
          reject(new InterruptedError());
        });
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
