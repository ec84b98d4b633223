import { createEnvironment } from '../../../core/env/operations.js';
import type { Handler } from '../../spec.js';
import { envCommand, renderWait, resultJson, resultText, waitSettings } from './shared.js';
import type { envCreateCommand } from '../../specs/env.js';

export const run: Handler<typeof envCreateCommand> = async (ctx, { options }) => {
  const env = await envCommand(ctx, options);
  const settings = waitSettings(ctx, env, options);
  const result = await renderWait(ctx, env, 'create', (ports, hooks) =>
    createEnvironment(env.selected, ports, { ...settings, ...hooks, region: env.region, local: env.local }),
  );
  ctx.host.result(resultJson(result, { created: true }), () =>
    resultText(
      result,
      `Environment ${result.name} created`,
      `Environment ${result.name} is being created (${result.status}); follow it with \`${settings.resumeCommand}\`.`,
      env,
    ),
  );
};
