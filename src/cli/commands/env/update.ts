import { AbortedError } from '../../../core/errors.js';
import { applyUpdate, prepareUpdate } from '../../../core/env/operations.js';
import { question } from '../../../core/messages.js';
import { renderPlan } from '../../../core/env/plan.js';
import type { Handler } from '../../spec.js';
import { planJson } from './plan-json.js';
import { envCommand, renderWait, resultJson, resultText, waitSettings } from './shared.js';
import type { envUpdateCommand } from '../../specs/env.js';

export const run: Handler<typeof envUpdateCommand> = async (ctx, { options }) => {
  const env = await envCommand(ctx, options);
  const settings = waitSettings(ctx, env, options);
  const prepared = await prepareUpdate(env.selected, env.ports, env.region, 'update');
  const { plan } = prepared;
  const name = plan.name;
  if (plan.changes.length === 0) {
    ctx.host.result({ name, changed: false, plan: planJson(plan) }, () => renderPlan(plan));
    return;
  }
  // Ctrl-C while reading the environment: stop before showing a plan that will not be applied
  ctx.mutations.checkpoint();
  ctx.host.print(renderPlan(plan, ctx.host.style));
  const count = plan.changes.length;
  const confirmed = await ctx.host.request(
    question('confirm', undefined, `Apply ${count} change${count === 1 ? '' : 's'} to environment ${name}?`),
  );
  if (!confirmed) throw new AbortedError(`update of ${name} cancelled; nothing was changed`);
  const result = await renderWait(ctx, env, 'update', (ports, hooks) => applyUpdate(prepared, ports, { ...settings, ...hooks }));
  ctx.host.result(resultJson(result, { changed: true, plan: planJson(plan) }), () =>
    resultText(
      result,
      `Environment ${name} updated`,
      plan.update
        ? `Environment ${name} is being updated (${result.status}); follow it with \`${settings.resumeCommand}\`.`
        : `Environment ${name}: tags updated (no environment update needed).`,
      env,
    ),
  );
};
