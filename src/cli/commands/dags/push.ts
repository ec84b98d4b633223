/** `mwaa dags push`: deploy the project as one release. */
import { formatDuration } from '../../../core/duration.js';
import { push, type PushResult } from '../../../core/deploy/push.js';
import type { ReleaseRecord } from '../../../core/deploy/records.js';
import type { Handler } from '../../spec.js';
import { deployCommand, projectGit, projectSources } from '../releases/shared.js';
import type { dagsPushCommand } from '../../specs/dags.js';
import { checkBeforePush, checkMode, remindImportErrors, startVerify, type Verifier } from './push-guards.js';

/** How long `--verify` waits for MWAA to sync and parse the DAG files (the emulator reads them at once). */
const VERIFY_WAIT_MS = 30_000;

export const run: Handler<typeof dagsPushCommand> = async (ctx, { options }) => {
  const selected = ctx.environment();
  const dryRun = options.dryRun === true;
  if (dryRun) return runDiff(ctx, options);
  const mode = checkMode(options.check);
  const cmd = await deployCommand(ctx, options);
  let verifier: Verifier | undefined;
  if (options.verify === true) {
    // the emulator (or an overridden MWAA endpoint, as for the poll interval) parses DAG files at once
    const settings = ctx.awsSettings();
    const emulated = settings !== undefined && (settings.local === true || Boolean(settings.endpoints.mwaa));
    const waitMs = options.verifyWait ?? (emulated ? 0 : VERIFY_WAIT_MS);
    verifier = await startVerify(ctx, cmd, { waitMs, wait: options.wait, concurrency: options.concurrency });
  }
  // the view shows the plan before anything changes
  const view = await ctx.host.view('deploy', { title: `Deploying to ${selected.entry.name}`, plan: 'push' });
  let result: PushResult;
  try {
    result = await push(
      {
        environment: selected.entry.name,
        sources: projectSources(selected),
        ...(selected.entry.bucket ? { configBucket: selected.entry.bucket } : {}),
        prune: options.prune,
        wait: options.wait,
        dryRun: false,
        ...(options.message !== undefined ? { message: options.message } : {}),
        git: () => projectGit(ctx, selected),
        concurrency: options.concurrency,
        forceUnlock: options.forceUnlock === true,
        yes: ctx.globals.yes,
        command: ctx.commandLine(['dags', 'push']),
        // the check, once the plan has something to deploy: on errors nothing is deployed (exit 2)
        ...(mode !== 'off' ? { gate: (environment) => checkBeforePush(ctx, cmd, mode, options.python, environment) } : {}),
      },
      cmd.ports,
    );
  } catch (error) {
    await view.finish({ ok: false, message: (error as Error).message.split('\n')[0] });
    throw error;
  }
  const text = resultText(result);
  await view.finish({ ok: true, message: text.split('\n')[0] });
  if (result.status === 'deployed' && result.release) {
    if (verifier) await verifier.after(result.release);
    else if (options.wait && result.release.envUpdate.needed) await remindImportErrors(ctx, cmd);
  }
  if (result.status === 'deployed' && result.release) {
    ctx.host.result(result.release, () => text);
  } else {
    ctx.host.result(
      { status: result.status, environment: result.plan.environment, recovered: result.recovered.map((r) => r.id) },
      () => text,
    );
  }
};

function resultText(result: PushResult): string {
  const recovered = result.recovered.length
    ? `Rolled back unfinished release${result.recovered.length === 1 ? '' : 's'} ${result.recovered.map((r) => r.id).join(', ')}.\n`
    : '';
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
async function runDiff(ctx: Parameters<Handler>[0], options: { prune: boolean }): Promise<void> {
  const { run: diff } = await import('./diff.js');
  await diff(ctx, { args: [], options: { prune: options.prune }, given: new Set() });
}
