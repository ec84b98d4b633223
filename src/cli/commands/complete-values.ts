/** `mwaa __complete envs`: the environment keys of the nearest mwaa.yaml, one per line; silent on any error. */
import type { Handler } from '../spec.js';
import type { __completeCommand } from '../specs/core.js';

export const run: Handler<typeof __completeCommand> = async (ctx, { args }) => {
  if (args[0] !== 'envs') return;
  try {
    ctx.host.result(Object.keys(ctx.config().config.environments), (keys) => keys.join('\n'));
  } catch {
    // completion must never print errors into the user's command line
  }
};
