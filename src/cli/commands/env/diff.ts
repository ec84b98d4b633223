import { withLocalDefaults } from '../../../core/env/local.js';
import { planEnvironment, renderPlan } from '../../../core/env/plan.js';
import { assertValidEnvironment } from '../../../core/env/validate.js';
import type { Handler } from '../../spec.js';
import { planJson } from './plan-json.js';
import { envCommand } from './shared.js';
import type { envDiffCommand } from '../../specs/env.js';

export const run: Handler<typeof envDiffCommand> = async (ctx, { options }) => {
  const env = await envCommand(ctx, options);
  const { selected } = env;
  const live = await env.ports.api.getEnvironment(selected.entry.name);
  assertValidEnvironment(selected, live ? { operation: 'diff', live } : { operation: 'create', local: env.local }, env.ports.events);
  const plan = planEnvironment(selected.entry, live, env.region, {
    createSettings: env.local ? withLocalDefaults(selected.entry.environment) : undefined,
  });
  ctx.host.result(planJson(plan), () => renderPlan(plan, ctx.host.style));
};
