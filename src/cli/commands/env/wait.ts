import { NotFoundError } from '../../../core/errors.js';
import { formatDuration } from '../../../core/duration.js';
import { airflowUiUrl } from '../../../core/env/summary.js';
import { waitForEnvironment } from '../../../core/env/wait.js';
import type { Handler } from '../../spec.js';
import { airflowUiLine, envCommand, renderWait, waitSettings } from './shared.js';
import type { envWaitCommand } from '../../specs/env.js';

export const run: Handler<typeof envWaitCommand> = async (ctx, { options }) => {
  const env = await envCommand(ctx, options);
  const settings = waitSettings(ctx, env, options);
  const name = env.selected.entry.name;
  let until = options.until;
  if (!until) {
    const live = await env.ports.api.getEnvironment(name);
    if (!live) {
      throw new NotFoundError(`environment "${name}" does not exist`, {
        code: 'env.not-found',
        hint: 'create it with `mwaa env create`, or check the region and the name in mwaa.yaml; after `mwaa env delete`, `mwaa env wait --until deleted` confirms the deletion (exit 0)',
      });
    }
    until = live.Status === 'DELETING' ? 'deleted' : 'available';
  }
  const result = await renderWait(ctx, env, until === 'deleted' ? 'delete' : 'wait', (ports, hooks) =>
    waitForEnvironment({ ...ports, ...settings, ...hooks, name, until, mustBeDeleting: options.until === 'deleted' }),
  );
  const status = result.environment?.Status ?? (until === 'deleted' ? 'DELETED' : 'UNKNOWN');
  const url = result.environment ? airflowUiUrl(result.environment) : undefined;
  ctx.host.result(
    {
      name,
      status,
      elapsedMs: result.elapsedMs,
      timeline: result.timeline.map((t) => ({ status: t.status, at: new Date(t.at).toISOString() })),
      webserverUrl: url,
    },
    () =>
      [
        until === 'deleted'
          ? `Environment ${name} is deleted (waited ${formatDuration(result.elapsedMs)}).`
          : `Environment ${name} is ${status} (waited ${formatDuration(result.elapsedMs)}).`,
        ...(url && status === 'AVAILABLE' ? [airflowUiLine(url, env)] : []),
      ].join('\n'),
  );
};
