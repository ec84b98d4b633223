/** `mwaa dags push`: deploy the project as one release (DESIGN §5). */
import { formatDuration } from '../../../core/duration.js';
import { push, type PushResult } from '../../../core/deploy/push.js';
import type { ReleaseRecord } from '../../../core/deploy/records.js';
import type { MwaaEvent } from '../../../core/events.js';
import { renderPlan, type PlanJson } from '../../../ui/views/deploy-text.js';
import type { Handler } from '../../spec.js';
import { commandLine, deployCommand, deployRenderer, projectGit, projectSources } from '../releases/shared.js';

export const run: Handler = async (ctx, { options }) => {
  const selected = ctx.environment();
  const dryRun = options.dryRun === true;
  if (dryRun) return runDiff(ctx, options);
  const renderer = await deployRenderer(ctx, `Deploying to ${selected.entry.name}`);
  const events = (event: MwaaEvent) => {
    // the plan is shown before anything changes
    if (event.code === 'deploy.plan' && !ctx.io.json) {
      const plan = (event.data as { plan: PlanJson }).plan;
      if (!plan.empty || ctx.io.debug) renderer.note(renderPlan(plan, ctx.io.errStyle, { maxLines: 20 }));
    }
    renderer.events(event);
  };
  const cmd = await deployCommand(ctx, options, events);
  let result: PushResult;
  try {
    result = await push(
      {
        environment: selected.entry.name,
        sources: projectSources(selected),
        ...(selected.entry.bucket ? { configBucket: selected.entry.bucket } : {}),
        prune: options.prune !== false,
        wait: options.wait !== false,
        dryRun: false,
        ...(typeof options.message === 'string' ? { message: options.message } : {}),
        git: projectGit(ctx, selected),
        concurrency: typeof options.concurrency === 'number' ? options.concurrency : 16,
        forceUnlock: options.forceUnlock === true,
        yes: ctx.io.yes,
        command: commandLine(ctx, ['dags', 'push']),
      },
      cmd.ports,
    );
  } catch (error) {
    await renderer.finish({ ok: false, message: (error as Error).message.split('\n')[0] });
    throw error;
  }
  const text = resultText(result);
  await renderer.finish({ ok: true, message: text.split('\n')[0] });
  if (result.status === 'deployed' && result.release) {
    ctx.io.result(result.release, () => text);
  } else {
    ctx.io.result({ status: result.status, environment: result.plan.environment, recovered: result.recovered.map((r) => r.id) }, () => text);
  }
};

function resultText(result: PushResult): string {
  const recovered = result.recovered.length ? `Rolled back unfinished release${result.recovered.length === 1 ? '' : 's'} ${result.recovered.map((r) => r.id).join(', ')}.\n` : '';
  if (result.status === 'up-to-date') return `${recovered}Nothing to deploy: ${result.plan.environment} already matches the project.`;
  const r = result.release as ReleaseRecord;
  const c = r.counts;
  return (
    `${recovered}Deployed release ${r.id} to ${r.environment}: ${c.added} added, ${c.changed} changed, ${c.removed} removed, ${c.unchanged} unchanged; ` +
    `environment update: ${r.envUpdate.needed ? (result.release?.durations.envUpdateMs !== undefined ? 'done' : 'started (not awaited: --no-wait)') : 'no'} ` +
    `(${formatDuration(r.durations.totalMs ?? 0)}).`
  );
}

/** `dags push --dry-run` is `dags diff`. */
async function runDiff(ctx: Parameters<Handler>[0], options: Record<string, unknown>): Promise<void> {
  const { run: diff } = await import('./diff.js');
  await diff(ctx, { args: [], options });
}
