/**
 * The live host (a terminal: stderr is a TTY, not CI, not --json, not --quiet): like the plain host,
 * but an operation with a live view (env wait, deploy, rollback, trigger --wait) is drawn with ink and
 * updated by the messages. The ink views are loaded only when one opens.
 *
 * A question is asked by the host and nowhere else (`request`): the views claim the screen on the Io,
 * and the Io's prompt suspends the view on screen while the question is shown, then resumes it.
 */
import type { AnyMessage, MessageCode } from '../../core/messages.js';
import type { Io } from '../io.js';
import { renderPlan, renderRollbackPlan } from '../views/deploy-text.js';
import { PlainHost, type ActiveView } from './plain.js';
import type { ActivityView, HostKind, ViewKind, ViewOptions, ViewOutcome } from './types.js';

/** A mounted ink view. */
interface Mounted {
  event(message: AnyMessage): void;
  finish(outcome: ViewOutcome): Promise<void>;
}

export class LiveHost extends PlainHost {
  override readonly kind: HostKind = 'live';

  constructor(
    io: Io,
    /** the views' clock */
    private readonly now: () => number = Date.now,
  ) {
    super(io);
  }

  override async view<K extends ViewKind>(kind: K, options: ViewOptions[K]): Promise<ActivityView> {
    if (kind === 'deploy') return this.deployView(options as ViewOptions['deploy']);
    if (kind === 'env-wait') return this.envWaitView(options as ViewOptions['env-wait']);
    return this.triggerView(options as ViewOptions['trigger']);
  }

  /** Puts a mounted view on screen: the messages it is fed, and its last frame. */
  private show(view: ActiveView, mounted: () => Mounted | undefined, link?: (url: string | undefined) => void): ActivityView {
    return this.open(view, {
      link,
      finish: async (outcome) => {
        await mounted()?.finish(outcome);
      },
    });
  }

  private async deployView(options: ViewOptions['deploy']): Promise<ActivityView> {
    const { startDeployView } = await (await import('./view-modules.js')).deployView();
    const lines = this.deployLines(options);
    let live: ReturnType<typeof startDeployView> | undefined;
    let plan: AnyMessage | undefined;
    const start = () => {
      live = startDeployView({ target: this.io.liveTarget(), title: options.title, clock: this.now });
      if (plan) live.event(plan); // the plan summary, already shown as text
    };
    if (!options.startOn) start();
    const startOn: MessageCode | undefined = options.startOn;
    const view: ActiveView = {
      notify: (m) => {
        if (!live && m.code === startOn) start();
        if (!live) {
          if (m.code === 'deploy.plan' || m.code === 'deploy.rollback.plan') plan = m;
          return lines.notify(m);
        }
        if (m.code === 'deploy.plan') {
          if (options.plan === 'push' && (!m.data.plan.empty || this.debug))
            live.note(renderPlan(m.data.plan, this.errStyle, { maxLines: 20 }));
        } else if (m.code === 'deploy.rollback.plan') {
          if (options.plan === 'rollback') live.note(renderRollbackPlan(m.data.plan, this.errStyle, { maxLines: 20 }));
        } else if (m.level === 'debug') {
          return this.line(m);
        }
        live.event(m);
      },
    };
    return this.show(view, () => live);
  }

  private async envWaitView(options: ViewOptions['env-wait']): Promise<ActivityView> {
    const { startEnvWaitView } = await (await import('./view-modules.js')).envWaitView();
    let live: ReturnType<typeof startEnvWaitView> | undefined;
    let url: string | undefined;
    // the view starts at the first status change: until then, messages are lines
    const view: ActiveView = {
      notify: (m) => {
        if (!live && m.code === 'env.status.changed') {
          live = startEnvWaitView({
            target: this.io.liveTarget(),
            name: options.name,
            operation: options.operation,
            startedAt: options.startedAt,
            clock: this.now,
          });
          live.webserverUrl(url);
        }
        if (live) live.event(m);
        else this.line(m);
      },
    };
    return this.show(
      view,
      () => live,
      (next) => {
        url = next ?? url;
        live?.webserverUrl(url);
      },
    );
  }

  private async triggerView(options: ViewOptions['trigger']): Promise<ActivityView> {
    const { startTriggerView } = await (await import('./view-modules.js')).triggerView();
    const live = startTriggerView({ target: this.io.liveTarget(), ...options, clock: this.now });
    const view: ActiveView = {
      notify: (m) => {
        if (m.level === 'debug') this.line(m);
        else live.event(m);
      },
    };
    return this.show(view, () => live);
  }
}
