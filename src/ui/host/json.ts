/**
 * The JSON host (--json): a command that ends prints one JSON document on stdout; a streaming command
 * prints one JSON object per line on stdout; messages are NDJSON on stderr (on stdout when they are the
 * stream); errors are one `{"error": {...}}` line on stdout (see reportError). Nothing decorative, and no
 * questions: they fail closed naming --yes.
 */
import type { ChalkInstance } from 'chalk';
import { jsonPieces } from '../../core/json.js';
import { msg, type AnyMessage, type AnyQuestion } from '../../core/messages.js';
import type { Io } from '../io.js';
import { unanswerable } from './questions.js';
import type { ActivityView, HostKind, IoHost, ViewKind, ViewOptions } from './types.js';

export class JsonHost implements IoHost {
  readonly kind: HostKind = 'json';
  readonly style: ChalkInstance;
  readonly errStyle: ChalkInstance;
  readonly debug: boolean;
  readonly interactive = false;
  private messagesOnStdout = false;

  constructor(private readonly io: Io) {
    this.style = io.style;
    this.errStyle = io.errStyle;
    this.debug = io.debug;
  }

  readonly notify = (message: AnyMessage): void => {
    if (message.level === 'debug' && !this.debug) return;
    const stream = this.messagesOnStdout ? this.io.streams.stdout : this.io.streams.stderr;
    // in pieces: a plan message lists every file of a first push
    let previous: string | undefined;
    for (const piece of jsonPieces({ time: Date.now(), ...message })) {
      if (previous !== undefined) stream.write(previous);
      previous = piece;
    }
    stream.write(`${previous}\n`);
  };

  readonly request = async (q: AnyQuestion): Promise<boolean> => {
    if (this.io.yes) return true;
    throw unanswerable(q);
  };

  result<T>(value: T): void {
    // in pieces, made as the reader takes them: a release record of 20,000 files would otherwise be one
    // string of several megabytes, or all its pieces queued at once for a pipe
    this.io.outPieces(withNewline(jsonPieces(value, 2)));
  }

  stream(options: { messages?: boolean } = {}): void {
    this.messagesOnStdout = options.messages === true;
  }

  record<T>(value: T): void {
    this.io.jsonLine(value);
  }

  recordFormat<A extends unknown[]>(json: (...args: A) => unknown): (...args: A) => string {
    return (...args) => `${JSON.stringify(json(...args))}\n`;
  }

  print(): void {}

  info(): void {}

  warn(text: string): void {
    this.notify(msg('cli.warning', undefined, text));
  }

  passthrough(): void {}

  async view<K extends ViewKind>(kind: K, options: ViewOptions[K]): Promise<ActivityView> {
    if (kind === 'trigger') {
      const { url } = options as ViewOptions['trigger'];
      this.notify(msg('trigger.run.url', { url }, `Airflow UI: ${url}`));
    }
    return { link: () => {}, finish: async () => {} };
  }
}

function* withNewline(pieces: Iterable<string>): Generator<string> {
  yield* pieces;
  yield '\n';
}
