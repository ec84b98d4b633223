/** `mwaa releases list`: the deploy history of the environment, newest first. */
import { ReleaseStore, releasesOf } from '../../../core/deploy/records.js';
import { runningHolder } from '../../../core/deploy/lock.js';
import { ownerScoped } from '../../../core/deploy/target.js';
import { renderReleaseList } from '../../../ui/views/deploy-text.js';
import type { Handler } from '../../spec.js';
import { deployCommand, releasesTarget } from './shared.js';
import type { releasesListCommand } from '../../specs/dags.js';

export const run: Handler<typeof releasesListCommand> = async (ctx, { options }) => {
  const cmd = await deployCommand(ctx);
  const target = await releasesTarget(ctx, cmd);
  const ports = ownerScoped(cmd.ports, target);
  const [index, holder] = await Promise.all([new ReleaseStore(ports.s3, target.bucket).readIndex(), runningHolder(ports, target.bucket)]);
  const limit = options.limit;
  const running = holder?.releaseId;
  // in-progress means running (its deploy holds the lock) or unfinished (`mwaa recover` finishes it)
  const releases = releasesOf(index, target.name)
    .reverse()
    .slice(0, limit)
    .map((r) => (r.status === 'in-progress' || r.status === 'rollback-incomplete' ? { ...r, running: r.id === running } : r));
  const current = index.current[target.name];
  ctx.host.result({ environment: target.name, bucket: target.bucket, current: current ?? null, releases }, () =>
    renderReleaseList(releases, current, ctx.host.style, running),
  );
};
