import { requireEnvironment } from '../../../core/ports/mwaa.js';
import { AbortedError } from '../../../core/errors.js';
import { deleteEnvironment } from '../../../core/env/operations.js';
import { question } from '../../../core/messages.js';
import type { Handler } from '../../spec.js';
import { envCommand, renderWait, resultJson, waitSettings } from './shared.js';
import { formatDuration } from '../../../core/duration.js';
import type { envDeleteCommand } from '../../specs/env.js';

export const run: Handler<typeof envDeleteCommand> = async (ctx, { options }) => {
  const env = await envCommand(ctx, options);
  // resuming says "deleted" (exit 0) also once the environment is gone
  const settings = { ...waitSettings(ctx, env, options), resumeCommand: ctx.commandLine(['env', 'wait', '--until', 'deleted']) };
  const name = env.selected.entry.name;
  const live = await requireEnvironment(env.ports.api, name);
  if (live.Status !== 'DELETING') {
    const typed = await ctx.host.request(
      question(
        'env.delete',
        { name, status: live.Status ?? 'UNKNOWN', airflowVersion: live.AirflowVersion },
        `Type the environment name (${name}) to delete it`,
      ),
    );
    if (!typed) throw new AbortedError(`the name did not match; environment ${name} was not deleted`);
  }
  const result = await renderWait(ctx, env, 'delete', (ports, hooks) => deleteEnvironment(live, ports, { ...settings, ...hooks }));
  ctx.host.result(resultJson(result, { deleted: result.waited }), () =>
    result.waited
      ? `Environment ${name} deleted in ${formatDuration(result.elapsedMs)}.`
      : `Environment ${name} is being deleted; follow it with \`${settings.resumeCommand}\`.`,
  );
};
