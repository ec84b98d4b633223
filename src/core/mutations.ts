/**
 * The cancellation contract of every command: what a run has sent that changes something, and the
 * interrupted error (exit 130) that says so.
 *
 * Before each call that changes something (an S3 write, CreateEnvironment, UpdateEnvironment,
 * DeleteEnvironment, a remote `dags trigger` or `dags unpause`) the code calls `before()` (or wraps the
 * call in `send()`): when the signal is already aborted it throws the interrupted error and the call is
 * not made; otherwise the mutation is recorded. The interrupted error is then built from the record:
 *
 * - nothing sent: "interrupted; nothing was changed"
 * - something sent: "interrupted after <what> was sent; <what happens next>", with the hint of the
 *   last mutation (e.g. the command that follows an environment operation).
 */
import { InterruptedError } from './errors.js';

export interface MutationSpec {
  /** what is sent, e.g. "DeleteEnvironment analytics-dev" */
  description: string;
  /** what happens after it was sent, e.g. "AWS goes on deleting the environment" */
  next: string;
  /** how to follow or undo it, e.g. "follow it with `mwaa env wait`" */
  hint?: string;
}

interface SentMutation extends MutationSpec {
  /** pending: sent, no answer yet; done: answered; failed: refused (it changed nothing) */
  state: 'pending' | 'done' | 'failed';
}

export class Mutations {
  private readonly sent: SentMutation[] = [];

  constructor(private readonly signal?: AbortSignal) {}

  /** true once a mutation was sent (and not refused) */
  get changed(): boolean {
    return this.sent.some((m) => m.state !== 'failed');
  }

  /** Throws the interrupted error when the signal is aborted (a point where the command may stop). */
  checkpoint(): void {
    if (this.signal?.aborted) throw this.interrupted();
  }

  /** Throws the interrupted error when the signal is aborted; records the mutation otherwise. */
  before(spec: MutationSpec): { done(): void; failed(): void } {
    this.checkpoint();
    const entry: SentMutation = { ...spec, state: 'pending' };
    this.sent.push(entry);
    return {
      done: () => {
        entry.state = 'done';
      },
      failed: () => {
        // refused while the signal was not aborted: it changed nothing. An abort in flight leaves it
        // uncertain (the request may have arrived), so it stays recorded.
        if (!this.signal?.aborted) entry.state = 'failed';
        else entry.state = 'pending';
      },
    };
  }

  /** `before()`, then the call; the record notes whether it was answered. */
  async send<T>(spec: MutationSpec, call: () => Promise<T>): Promise<T> {
    const sent = this.before(spec);
    try {
      const result = await call();
      sent.done();
      return result;
    } catch (error) {
      sent.failed();
      throw error;
    }
  }

  /**
   * The interrupted error for this run. `during` says what the command was doing when it stopped
   * (e.g. "while waiting for environment x (status DELETING after 3s)").
   */
  interrupted(options: { during?: string; cause?: unknown } = {}): InterruptedError {
    const during = options.during ? ` ${options.during}` : '';
    const sent = this.sent.filter((m) => m.state !== 'failed');
    if (sent.length === 0)
      return new InterruptedError(`interrupted${during}; nothing was changed`, { cause: options.cause, details: { changed: false } });
    const what = sent
      .map((m) => (m.state === 'pending' ? `${m.description} (no answer yet: it may or may not have been applied)` : m.description))
      .join(', ');
    const unique = (values: Array<string | undefined>) => [...new Set(values.filter((v): v is string => Boolean(v)))];
    const hints = unique(sent.map((m) => m.hint));
    return new InterruptedError(
      `interrupted${during} after ${what} ${sent.length === 1 ? 'was' : 'were'} sent; ${unique(sent.map((m) => m.next)).join('; ')}`,
      {
        cause: options.cause,
        hint: hints.length ? hints.join('; ') : undefined,
        details: { changed: true, sent: sent.map((m) => m.description) },
      },
    );
  }
}

/** True for the error of an aborted call (an AbortSignal's AbortError, or the SDK's "Request aborted"). */
export function isAbortError(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | undefined;
  return e?.name === 'AbortError' || /^request aborted|this operation was aborted/i.test(e?.message ?? '');
}
