/** `mwaa releases show <id>`: one release with every key's version and sha256, artifacts, durations. */
import { NotFoundError } from '../../../core/errors.js';
import { ReleaseStore, resolveReleaseId } from '../../../core/deploy/records.js';
import { ownerScoped } from '../../../core/deploy/target.js';
import { renderRelease } from '../../../ui/views/deploy-text.js';
import type { Handler } from '../../spec.js';
import { deployCommand, releasesTarget } from './shared.js';
import type { releasesShowCommand } from '../../specs/dags.js';

export const run: Handler<typeof releasesShowCommand> = async (ctx, { args }) => {
  const cmd = await deployCommand(ctx);
  const target = await releasesTarget(ctx, cmd);
  const { s3 } = ownerScoped(cmd.ports, target);
  const store = new ReleaseStore(s3, target.bucket);
  const index = await store.readIndex();
  const id = resolveReleaseId(index, target.name, String(args[0]));
  const record = await store.read(id);
  if (!record) {
    throw new NotFoundError(`release ${id} is listed but its record is missing from s3://${target.bucket}/.mwaa/releases/`, {
      code: 'release.not-found',
    });
  }
  const current = index.current[target.name];
  ctx.host.result({ ...record, current: record.id === current }, () => renderRelease(record, current, ctx.host.style));
};
