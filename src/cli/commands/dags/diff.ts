/** `mwaa dags diff` (and `dags push --dry-run`): the deploy plan, changing nothing. */
import { planToJson } from '../../../core/deploy/plan.js';
import { push } from '../../../core/deploy/push.js';
import type { MwaaEvent } from '../../../core/events.js';
import { renderPlan } from '../../../ui/views/deploy-text.js';
import type { Handler } from '../../spec.js';
import { deployCommand, plainDeployEvents, projectSources } from '../releases/shared.js';

export const run: Handler = async (ctx, { options }) => {
  const selected = ctx.environment();
  const base = plainDeployEvents(ctx, ctx.events());
  // the plan is this command's result (stdout), not a progress event
  const events = (event: MwaaEvent) => {
    if (event.code !== 'deploy.plan') base(event);
  };
  const cmd = await deployCommand(ctx, options, events);
  const result = await push(
    {
      environment: selected.entry.name,
      sources: projectSources(selected),
      ...(selected.entry.bucket ? { configBucket: selected.entry.bucket } : {}),
      prune: options.prune !== false,
      wait: options.wait !== false,
      dryRun: true,
    },
    cmd.ports,
  );
  const json = { ...planToJson(result.plan), ...(result.unfinished.length ? { unfinished: result.unfinished } : {}) };
  ctx.io.result(json, (plan) => {
    let text = renderPlan(plan as Parameters<typeof renderPlan>[0], ctx.io.style);
    if (result.unfinished.length) text += `\nUnfinished release${result.unfinished.length === 1 ? '' : 's'}: ${result.unfinished.join(', ')} (\`mwaa recover\` finishes ${result.unfinished.length === 1 ? 'it' : 'them'}).`;
    return text;
  });
};
