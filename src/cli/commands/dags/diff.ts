/** `mwaa dags diff` (and `dags push --dry-run`): the deploy plan, changing nothing. */
import { planToJson } from '../../../core/deploy/plan.js';
import { push } from '../../../core/deploy/push.js';
import { renderPlan } from '../../../ui/views/deploy-text.js';
import type { Handler } from '../../spec.js';
import { deployCommand, projectSources } from '../releases/shared.js';
import type { dagsDiffCommand } from '../../specs/dags.js';

export const run: Handler<typeof dagsDiffCommand> = async (ctx, { options }) => {
  const selected = ctx.environment();
  // the plan is this command's result (stdout); the text hosts leave its message out
  const cmd = await deployCommand(ctx);
  const result = await push(
    {
      environment: selected.entry.name,
      sources: projectSources(selected),
      ...(selected.entry.bucket ? { configBucket: selected.entry.bucket } : {}),
      prune: options.prune !== false,
      wait: false, // a plan never waits for the environment
      concurrency: 1, // a plan uploads nothing (hashing has its own floor of 8 files at a time)
      dryRun: true,
    },
    cmd.ports,
  );
  const json = { ...planToJson(result.plan), ...(result.unfinished.length ? { unfinished: result.unfinished } : {}) };
  ctx.host.result(json, (plan) => {
    let text = renderPlan(plan, ctx.host.style);
    if (result.unfinished.length)
      text += `\nUnfinished release${result.unfinished.length === 1 ? '' : 's'}: ${result.unfinished.join(', ')} (\`mwaa recover\` finishes ${result.unfinished.length === 1 ? 'it' : 'them'}).`;
    return text;
  });
};
