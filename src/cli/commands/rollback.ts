/** `mwaa rollback [<release>]`: restore an earlier release, or finish rolling back an unfinished one. */
import { formatDuration } from '../../core/duration.js';
import { rollback, type RollbackResult } from '../../core/deploy/rollback.js';
import { renderRollbackPlan } from '../../ui/views/deploy-text.js';
import type { Handler } from '../spec.js';
import { deployCommand, projectGit } from './releases/shared.js';
import type { rollbackCommand } from '../specs/dags.js';

export const run: Handler<typeof rollbackCommand> = async (ctx, { args, options }) => {
  const selected = ctx.environment();
  const dryRun = options.dryRun === true;
  const releaseId = typeof args[0] === 'string' ? args[0] : undefined;
  const cmd = await deployCommand(ctx, options);
  // a dry run's plan is its result; otherwise the plan is shown above the live view, and the question
  // suspends the view until it is answered
  const view = dryRun ? undefined : await ctx.host.view('deploy', { title: `Rolling back ${selected.entry.name}`, plan: 'rollback' });
  let result: RollbackResult;
  try {
    result = await rollback(
      {
        environment: selected.entry.name,
        ...(selected.entry.bucket ? { configBucket: selected.entry.bucket } : {}),
        ...(releaseId ? { releaseId } : {}),
        wait: options.wait,
        dryRun,
        yes: ctx.globals.yes,
        ...(options.message !== undefined ? { message: options.message } : {}),
        git: await projectGit(ctx, selected),
        concurrency: options.concurrency,
        forceUnlock: options.forceUnlock === true,
        command: ctx.commandLine(['rollback']),
      },
      cmd.ports,
    );
  } catch (error) {
    await view?.finish({ ok: false, message: (error as Error).message.split('\n')[0] });
    throw error;
  }
  const text = resultText(result, ctx.host.style);
  await view?.finish({ ok: true, message: text.split('\n')[0] });
  if (result.release) ctx.host.result(result.release, () => text);
  else {
    ctx.host.result(
      {
        status: result.status,
        ...(result.plan ? { plan: result.plan } : {}),
        recovered: result.recovered.map((r) => ({ id: r.id, status: r.status })),
      },
      () => text,
    );
  }
};

function resultText(result: RollbackResult, style: Parameters<typeof renderRollbackPlan>[1]): string {
  const lines: string[] = [];
  for (const r of result.recovered)
    lines.push(`Rolled back unfinished release ${r.id}: the bucket and the environment are as they were before it.`);
  if (result.status === 'dry-run' && result.plan) lines.push(renderRollbackPlan(result.plan, style));
  else if (result.status === 'dry-run') lines.push('Dry run: the unfinished releases above would be rolled back first.');
  else if (result.status === 'up-to-date' && result.plan)
    lines.push(`Nothing to do: ${result.plan.environment} already matches release ${result.plan.target}.`);
  else if (result.release) {
    const r = result.release;
    lines.push(
      `Rolled back ${r.environment} to release ${r.target} as release ${r.id}: ${r.counts.changed} restored, ${r.counts.removed} removed; ` +
        `environment update: ${r.envUpdate.needed ? 'yes' : 'no'} (${formatDuration(r.durations.totalMs ?? 0)}).`,
    );
  }
  return lines.join('\n');
}
