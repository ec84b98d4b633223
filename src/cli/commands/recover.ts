/** `mwaa recover`: finish what an interrupted deploy left; change nothing when nothing is unfinished. */
import { recover, type RecoverResult } from '../../core/deploy/rollback.js';
import type { Handler } from '../spec.js';
import { deployCommand } from './releases/shared.js';
import type { recoverCommand } from '../specs/dags.js';

export const run: Handler<typeof recoverCommand> = async (ctx, { options }) => {
  const selected = ctx.environment();
  const cmd = await deployCommand(ctx, options);
  const result = await recover(
    {
      environment: selected.entry.name,
      ...(selected.entry.bucket ? { configBucket: selected.entry.bucket } : {}),
      dryRun: options.dryRun === true,
      yes: ctx.globals.yes,
      forceUnlock: options.forceUnlock === true,
      command: ctx.commandLine(['recover']),
    },
    cmd.ports,
  );
  ctx.host.result(
    {
      status: result.status,
      environment: result.environment,
      ...(result.current ? { current: result.current } : {}),
      unfinished: result.unfinished,
      recovered: result.recovered.map((r) => ({ id: r.id, status: r.status })),
      ...(result.staleLock ? { staleLock: result.staleLock } : {}),
    },
    () => resultText(result),
  );
};

export function resultText(result: RecoverResult): string {
  const lines: string[] = [];
  const current = result.current ? `release ${result.current} is current and complete` : `${result.environment} has no releases yet`;
  if (result.status === 'nothing-to-recover') {
    lines.push(`Nothing to recover; ${current}. Nothing was changed.`);
    if (result.staleLock) {
      lines.push(
        `A deploy lock is left by ${result.staleLock.holder.owner} (pid ${result.staleLock.holder.pid}): ${result.staleLock.reason}; the next deploy takes it over.`,
      );
    }
  } else if (result.status === 'dry-run') {
    lines.push(
      `Dry run: mwaa recover would roll back ${result.unfinished.join(', ')} from ${result.unfinished.length === 1 ? 'its journal' : 'their journals'}. Nothing was changed.`,
    );
  } else {
    for (const r of result.recovered)
      lines.push(`Rolled back unfinished release ${r.id}: the bucket and the environment are as they were before it.`);
    lines.push(result.current ? `Release ${result.current} is current.` : `${result.environment} has no succeeded release.`);
  }
  return lines.join('\n');
}
