import { requireEnvironment } from '../../../core/ports/mwaa.js';
import { renderSummary, summarizeEnvironment } from '../../../core/env/summary.js';
import type { Handler } from '../../spec.js';
import { envCommand } from './shared.js';
import type { envShowCommand } from '../../specs/env.js';

export const run: Handler<typeof envShowCommand> = async (ctx, { options }) => {
  const env = await envCommand(ctx, options);
  const live = await requireEnvironment(env.ports.api, env.selected.entry.name);
  const summary = summarizeEnvironment(live);
  ctx.host.result(summary, (s) => renderSummary(s, ctx.clock.now()));
};
