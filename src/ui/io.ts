/**
 * The streams a command writes to, their colors, and what the terminal allows (animation, prompts).
 * Data goes to stdout, everything else (progress, warnings, errors) to stderr. How output looks is the
 * host's business (src/ui/host): it is built on this.
 */
import type { Readable, Writable } from 'node:stream';
import { Chalk, type ChalkInstance } from 'chalk';
import { AbortedError, InterruptedError } from '../core/errors.js';
import { stripVTControlCharacters } from 'node:util';

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
  /** $FORCE_COLOR: "0" or "false" turns colours off, any other value turns them on without a terminal */
  forceColor?: string;
}

/**
 * Whether text for a stream is coloured. Asking for no colour wins (--no-color, NO_COLOR: `color` is
 * false); then FORCE_COLOR ("0"/"false": no, anything else: yes, even into a pipe); else only a terminal.
 */
export function colorLevel(options: Pick<IoOptions, 'color' | 'forceColor'>, isTTY: boolean | undefined): 0 | 1 {
  if (!options.color) return 0;
  if (options.forceColor !== undefined) return options.forceColor === '0' || options.forceColor === 'false' ? 0 : 1;
  return isTTY ? 1 : 0;
}

/**
 * A live view drawing on stderr (src/ui/views/live.tsx). While one is on screen, the Io writes stderr
 * lines above it, and a question suspends it: its frame is erased and its clock stops until the answer
 * has been read, then it is drawn again below the question.
 */
export interface LiveScreen {
  /** prints text above the live frame (a newline is added when missing) */
  printAbove(text: string): void;
  suspend(): void;
  resume(): void;
}

/** What a live view needs from the Io: the stream it draws on, whether it may colour, and the screen. */
export interface LiveTarget {
  stream: NodeJS.WriteStream;
  color: boolean;
  /** the view is on screen (questions suspend it, stderr lines go above it) until the returned function is called */
  claim(view: LiveScreen): () => void;
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
  /** the live view on screen, if any */
  private live: LiveScreen | undefined;
  /** stdout pieces still being written (outPieces) */
  private pending: Promise<void> | undefined;

  constructor(
    readonly streams: Streams,
    options: IoOptions,
  ) {
    this.json = options.json;
    this.quiet = options.quiet;
    this.debug = options.debug;
    this.ci = options.ci;
    this.yes = options.yes;
    this.style = new Chalk({ level: colorLevel(options, streams.stdout.isTTY) });
    this.errStyle = new Chalk({ level: colorLevel(options, streams.stderr.isTTY) });
  }

  /** Where a live view draws (stderr), and how it claims the screen so that questions suspend it. */
  liveTarget(): LiveTarget {
    return {
      stream: this.streams.stderr as NodeJS.WriteStream,
      color: this.errStyle.level > 0,
      claim: (view) => {
        this.live = view;
        return () => {
          if (this.live === view) this.live = undefined;
        };
      },
    };
  }

  /** stderr text: above the live view while one is on screen */
  private writeErr(text: string): void {
    if (this.live) this.live.printAbove(text);
    else this.streams.stderr.write(text);
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
    // on a terminal, stdout shares the screen with a live view: the view steps aside for the line
    const live = this.streams.stdout.isTTY ? this.live : undefined;
    live?.suspend();
    this.writeStdout(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    live?.resume();
  }

  /** stdout text, after whatever is left of a document still being written (outPieces) */
  private writeStdout(text: string): void {
    if (this.pending) this.outPieces([text]);
    else this.streams.stdout.write(text);
  }

  /**
   * Writes a document to stdout in pieces, each made once the reader has taken enough of the ones
   * before (the stream's 'drain'): a result of several megabytes (the release record of a first push of
   * 20,000 files) is never queued whole in memory, however slow the reader. A small document is written
   * at once. Later stdout writes wait their turn; `settled()` resolves when the last piece is written.
   */
  outPieces(pieces: Iterable<string>): void {
    const stream = this.streams.stdout;
    const iterator = pieces[Symbol.iterator]();
    const pump = async (): Promise<void> => {
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        if (!stream.write(next.value) && !stream.destroyed) await drained(stream);
        // the reader is gone (bin/mwaa.cjs drops what is left, and says so when it matters)
        if (stream.destroyed) return;
      }
    };
    const run = this.pending ? this.pending.then(pump) : pump();
    this.pending = run;
    void run.then(() => {
      if (this.pending === run) this.pending = undefined;
    });
  }

  /** Resolves once everything given to stdout so far has been handed to the stream. */
  async settled(): Promise<void> {
    while (this.pending) await this.pending;
  }

  /** Writes a line to stderr, unless --quiet. */
  info(text: string): void {
    if (!this.quiet) this.writeErr(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A warning on stderr (shown even with --quiet). */
  warn(text: string): void {
    this.writeErr(`${this.errStyle.yellow('warning:')} ${text}\n`);
  }

  /** Debug detail on stderr, only with --debug. */
  debugLine(text: string): void {
    if (this.debug) this.writeErr(`${this.errStyle.dim(`debug: ${text}`)}\n`);
  }

  /** One NDJSON record on stdout (streaming commands with --json). */
  jsonLine(value: unknown): void {
    this.writeStdout(`${JSON.stringify(value)}\n`);
  }

  /**
   * Reads one line typed by the user (stderr shows the prompt). A live view on screen is suspended
   * meanwhile (no spinner over the question) and drawn again below the answer.
   */
  async ask(prompt: string): Promise<string> {
    const live = this.live;
    live?.suspend();
    // node:readline (ten of Node's modules) is loaded by the commands that ask, not at every start-up
    const { createInterface } = await import('node:readline');
    const rl = createInterface({ input: this.streams.stdin, output: this.streams.stderr, terminal: true });
    try {
      return await new Promise<string>((resolve, reject) => {
        let answered = false;
        let interrupted = false;
        rl.question(prompt, (answer) => {
          answered = true;
          resolve(answer);
        });
        // Ctrl-C while the terminal is in readline's raw mode sends no SIGINT: it interrupts the command
        // all the same (exit 130); the question stays on screen, marked ^C as a shell does, where
        // readline would erase it
        rl.on('SIGINT', () => {
          interrupted = true;
          this.streams.stderr.write('^C');
          rl.close();
        });
        rl.once('close', () => {
          if (answered) return;
          // what follows starts on a line of its own, not after the question
          this.streams.stderr.write('\n');
          reject(interrupted ? new InterruptedError() : new AbortedError('no answer given'));
        });
      });
    } finally {
      rl.close();
      live?.resume();
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
  return stripVTControlCharacters(text).length;
}

/** Resolves when the stream has room again (or is closed or failed: nothing more will be taken). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
