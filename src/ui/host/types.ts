/**
 * The I/O host: the one place that decides how a command's output looks. A handler says what happened
 * (notify a message, ask a question, end with a result, stream records, show the live view of an
 * operation) and the host chosen for the run renders it: plain text (pipes, CI, --quiet), live views on
 * a terminal, or JSON (--json).
 */
import type { ChalkInstance } from 'chalk';
import type { MessageCode, Notify, Request } from '../../core/messages.js';

export type HostKind = 'plain' | 'live' | 'json';

/** How an operation ended, for the last frame of its live view. */
export interface ViewOutcome {
  ok: boolean;
  message: string;
}

/** The operations that have a live view, and what each needs to start. */
export interface ViewOptions {
  /** waiting for an environment (env create|update|delete|wait) */
  'env-wait': { name: string; operation: 'create' | 'update' | 'delete' | 'wait'; startedAt: number };
  /**
   * a deploy or a rollback; `plan` says which plan message is shown as text before the work starts;
   * `startOn`: the live view starts at the first message with this code (until then messages are lines)
   */
  deploy: { title: string; plan: 'push' | 'rollback'; startOn?: MessageCode };
  /** `trigger --wait`: the run and its tasks */
  trigger: { dagId: string; runId: string; url: string; startedAt: number };
}

export type ViewKind = keyof ViewOptions;

/**
 * The live view of an operation, or its plain-line or JSON equivalent. While it is open, the host's
 * notify feeds it.
 */
export interface ActivityView {
  /** the Airflow UI address, once known */
  link(url: string | undefined): void;
  /** shows the outcome and closes the view (idempotent) */
  finish(outcome: ViewOutcome): Promise<void>;
}

export interface IoHost {
  readonly kind: HostKind;
  /** colors for stdout / stderr (none without a terminal, with NO_COLOR or --no-color) */
  readonly style: ChalkInstance;
  readonly errStyle: ChalkInstance;
  readonly debug: boolean;
  /** a question can be put to a person (a terminal, not CI, not --json) */
  readonly interactive: boolean;
  /** reports a message (progress, warnings, debug detail) */
  readonly notify: Notify;
  /** asks a question: --yes answers yes; otherwise a prompt, or AbortedError naming --yes */
  readonly request: Request;
  /** the result of a command that ends: one JSON document with --json, else the text */
  result<T>(value: T, text: (value: T) => string): void;
  /**
   * declares a streaming command: its records go to stdout one at a time (NDJSON with --json); with
   * `messages`, its messages are part of that stream (stdout) instead of progress (stderr)
   */
  stream(options?: { messages?: boolean }): void;
  /** one record of a streaming command: a JSON line with --json, else the text */
  record<T>(value: T, text: (value: T) => string): void;
  /** how records are turned into output, for streams that write with backpressure themselves */
  recordFormat<A extends unknown[]>(json: (...args: A) => unknown, text: (...args: A) => string): (...args: A) => string;
  /** text for a reader on stdout; with --json the result carries it instead */
  print(text: string): void;
  /** a line for a reader on stderr (not with --json or --quiet) */
  info(text: string): void;
  /** a warning (a JSON line on stderr with --json) */
  warn(text: string): void;
  /** text passed on as it is (a remote command's output, log excerpts); with --json the result or error carries it */
  passthrough(output: { stdout?: string; stderr?: string }): void;
  /** opens the live view of an operation (its line or JSON equivalent without a terminal) */
  view<K extends ViewKind>(kind: K, options: ViewOptions[K]): Promise<ActivityView>;
}
