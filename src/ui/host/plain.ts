/**
 * The plain-text host (pipes, CI, --quiet, a terminal without animation): results and records as text
 * on stdout; messages as lines on stderr (warnings always, debug detail with --debug); deploy progress
 * throttled to every 10%; questions asked on the terminal when there is one.
 */
import type { ChalkInstance } from 'chalk';
import type { AnyMessage, AnyQuestion } from '../../core/messages.js';
import type { Io } from '../io.js';
import { renderPlan, renderRollbackPlan } from '../views/deploy-text.js';
import { askOnTerminal, unanswerable } from './questions.js';
import type { ActivityView, HostKind, IoHost, ViewKind, ViewOptions, ViewOutcome } from './types.js';

/** What an open view does with the messages the host is given. */
export interface ActiveView {
  notify(message: AnyMessage): void;
}

export class PlainHost implements IoHost {
  readonly kind: HostKind = 'plain';
  readonly style: ChalkInstance;
  readonly errStyle: ChalkInstance;
  readonly debug: boolean;
  /** the open view, which messages go to */
  protected active: ActiveView | undefined;

  constructor(protected readonly io: Io) {
    this.style = io.style;
    this.errStyle = io.errStyle;
    this.debug = io.debug;
  }

  get interactive(): boolean {
    return this.io.canPrompt;
  }

  readonly notify = (message: AnyMessage): void => {
    if (this.active) this.active.notify(message);
    else this.line(message);
  };

  readonly request = async (q: AnyQuestion): Promise<boolean> => {
    if (this.io.yes) return true;
    if (!this.interactive) throw unanswerable(q);
    return this.ask(q);
  };

  protected ask(q: AnyQuestion): Promise<boolean> {
    return askOnTerminal(this.io, q);
  }

  /** A message as a line on stderr. */
  line(message: AnyMessage): void {
    switch (message.code) {
      case 'deploy.plan':
      case 'deploy.rollback.plan':
        return; // shown as text by the deploy view, or the result of the command
      case 'trigger.run.finished':
        if (message.data.succeeded && this.kind === 'plain') this.io.info(message.message);
        return; // the live view shows it; a failed run is the error
    }
    switch (message.level) {
      case 'warn':
        this.io.warn(message.message);
        break;
      case 'debug':
        this.io.debugLine(message.message);
        break;
      default:
        this.io.info(message.message);
    }
  }

  result<T>(value: T, text: (value: T) => string): void {
    const rendered = text(value);
    if (rendered !== '') this.io.out(rendered);
  }

  stream(): void {}

  record<T>(value: T, text: (value: T) => string): void {
    this.io.out(text(value));
  }

  recordFormat<A extends unknown[]>(_json: (...args: A) => unknown, text: (...args: A) => string): (...args: A) => string {
    return text;
  }

  print(text: string): void {
    this.io.out(text);
  }

  info(text: string): void {
    this.io.info(text);
  }

  warn(text: string): void {
    this.io.warn(text);
  }

  passthrough(output: { stdout?: string; stderr?: string }): void {
    if (output.stdout) this.io.streams.stdout.write(output.stdout);
    if (output.stderr) this.io.streams.stderr.write(output.stderr);
  }

  async view<K extends ViewKind>(kind: K, options: ViewOptions[K]): Promise<ActivityView> {
    const view = kind === 'deploy' ? this.deployLines(options as ViewOptions['deploy']) : { notify: (m: AnyMessage) => this.line(m) };
    if (kind === 'trigger') this.io.info(`Airflow UI: ${(options as ViewOptions['trigger']).url}`);
    return this.open(view);
  }

  /** Makes `view` the one messages go to until it finishes. */
  protected open(view: ActiveView, handle: Partial<ActivityView> = {}): ActivityView {
    this.active = view;
    let finished = false;
    return {
      link: (url) => handle.link?.(url),
      finish: async (outcome: ViewOutcome) => {
        if (finished) return;
        finished = true;
        if (this.active === view) this.active = undefined;
        await handle.finish?.(outcome);
      },
    };
  }

  /** A deploy as lines: the plan as text, upload progress every 10% (one line per file with --debug). */
  protected deployLines(options: ViewOptions['deploy']): ActiveView {
    let lastStep = -1;
    return {
      notify: (m) => {
        switch (m.code) {
          case 'deploy.plan':
            if (options.plan === 'push' && (!m.data.plan.empty || this.debug))
              this.io.info(renderPlan(m.data.plan, this.errStyle, { maxLines: 20 }));
            return;
          case 'deploy.rollback.plan':
            if (options.plan === 'rollback') this.io.info(renderRollbackPlan(m.data.plan, this.errStyle, { maxLines: 20 }));
            return;
          case 'deploy.upload.done':
          case 'deploy.delete.done': {
            const d = m.data;
            if (this.debug) return this.io.debugLine(m.message);
            if (!d.total || !d.done) return;
            const step = Math.floor((d.done / d.total) * 10);
            if (d.done === 1) lastStep = -1;
            if (step === lastStep && d.done !== d.total) return;
            lastStep = step;
            const bytes =
              m.code === 'deploy.upload.done' && m.data.bytesTotal
                ? ` (${Math.round((m.data.bytesDone / m.data.bytesTotal) * 100)}% of the bytes)`
                : '';
            this.io.info(`  ${m.code === 'deploy.delete.done' ? 'deleted' : 'uploaded'} ${d.done}/${d.total} files${bytes}`);
            return;
          }
          default:
            this.line(m);
        }
      },
    };
  }
}
