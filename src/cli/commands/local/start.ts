/** `mwaa local start`: serves the emulator in the foreground until Ctrl-C. */
import { UsageError } from '../../../core/errors.js';
import { findConfigFile } from '../../../core/config/load.js';
import { localStateDir } from '../../context.js';
import { msg } from '../../../core/messages.js';
import type { Handler } from '../../spec.js';
import { dirname, resolve } from 'node:path';
import type { localStartCommand } from '../../specs/local.js';

export const run: Handler<typeof localStartCommand> = async (ctx, { options }) => {
  const { port } = options;
  const configFile = ctx.globals.config ? resolve(ctx.cwd, ctx.globals.config) : findConfigFile(ctx.cwd);
  const stateDir = options.stateDir
    ? resolve(ctx.cwd, options.stateDir)
    : localStateDir(configFile ? dirname(configFile) : undefined, ctx.cwd);
  const sim = Object.fromEntries(
    Object.entries({
      createSeconds: options.createSeconds,
      updateSeconds: options.updateSeconds,
      deleteSeconds: options.deleteSeconds,
      taskSeconds: options.taskSeconds,
      denyPackages: options.denyPackage,
    }).filter(([, v]) => v !== undefined),
  );

  const { startEmulator, EmulatorBusyError, DEFAULT_REGION } = await import('../../../local/index.js');
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator({ stateDir, host: options.host, port, mode: 'server', sim });
  } catch (error) {
    if (error instanceof EmulatorBusyError) {
      throw new UsageError(error.message, {
        code: 'local.busy',
        hint: 'stop that process, or pass --state-dir <dir> for a separate emulator',
      });
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(`port ${port} is already in use`, { hint: 'pass --port <n>, or --port 0 for any free port' });
    }
    throw error;
  }

  // What any AWS SDK or CLI needs: the AWS CLI v1 and boto3 read AWS_DEFAULT_REGION, and they prefix
  // MWAA hosts with "api."/"env." unless host prefix injection is disabled.
  const env = {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'mwaa-local',
    AWS_SECRET_ACCESS_KEY: 'mwaa-local',
    AWS_REGION: DEFAULT_REGION,
    AWS_DEFAULT_REGION: DEFAULT_REGION,
    AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
  };
  // one record: the server runs until Ctrl-C
  ctx.host.stream();
  ctx.host.record({ url: emulator.url, stateDir, env }, () =>
    [
      `mwaa local emulator listening on ${emulator.url}`,
      `state: ${stateDir}`,
      '',
      'Point a client at it with:',
      ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  await new Promise<void>((resolveStop) => {
    if (ctx.signal.aborted) resolveStop();
    ctx.signal.addEventListener('abort', () => resolveStop(), { once: true });
  });
  await emulator.close();
  ctx.host.notify(msg('local.stopped', { stateDir }, 'stopped; the state is kept for the next start'));
};
