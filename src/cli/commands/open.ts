/**
 * `mwaa open [--print]`: a web login token (CreateWebLoginToken, valid 60 s) turned into the Airflow UI
 * login URL `https://<host>/aws_mwaa/aws-console-sso?login=true#<token>` (README "`mwaa open`"),
 * opened in the browser when there is someone at a screen, else printed. On a local environment the
 * URL logs in to the emulator's read-only Airflow UI (src/local/airflow/README.md, "Web UI").
 */
import { spawn } from 'node:child_process';
import { AuthError, FailedError, MwaaError } from '../../core/errors.js';
import { webServerBaseUrl } from '../../core/remote/client.js';
import { requireRunning } from '../../core/remote/session.js';
import type { Context } from '../context.js';
import { requireEnvironment } from '../../core/ports/mwaa.js';
import type { Handler } from '../spec.js';
import type { openCommand } from '../specs/remote.js';

export function loginUrl(hostname: string, token: string): string {
  return `${webServerBaseUrl(hostname)}/aws_mwaa/aws-console-sso?login=true#${token}`;
}

/** The command that opens a URL on this machine, when a browser can be shown. */
export function browserCommand(
  ctx: Pick<Context, 'env' | 'interactive'>,
  platform: NodeJS.Platform = process.platform,
): { cmd: string; args: string[] } | undefined {
  if (!ctx.interactive) return undefined;
  if (ctx.env.BROWSER) return { cmd: ctx.env.BROWSER, args: [] };
  if (platform === 'darwin') return { cmd: 'open', args: [] };
  if (platform === 'win32') return { cmd: 'rundll32', args: ['url.dll,FileProtocolHandler'] };
  if (ctx.env.DISPLAY || ctx.env.WAYLAND_DISPLAY) return { cmd: 'xdg-open', args: [] };
  return undefined;
}

function openBrowser(command: { cmd: string; args: string[] }, url: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const child = spawn(command.cmd, [...command.args, url], { detached: true, stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

export const run: Handler<typeof openCommand> = async (ctx, { options }) => {
  const envName = ctx.environment().entry.name;
  const { mwaaApi } = await import('../../aws/mwaa.js');
  const aws = await ctx.aws();
  if (aws.settings.embedded) {
    // the embedded emulator (and so its Airflow UI) stops when this command ends: the URL would be dead
    throw new FailedError(
      'local.ui-embedded',
      `the embedded local emulator stops when this command ends, so its Airflow UI cannot be opened`,
      {
        hint: 'run `mwaa local start` in another terminal, then `mwaa open` again (it uses that server)',
      },
    );
  }
  const api = mwaaApi(await aws.mwaa());
  const env = await requireEnvironment(api, envName);
  requireRunning(env, ctx.host.notify);
  let token: { token: string; hostname: string };
  try {
    token = await api.createWebLoginToken(envName);
  } catch (error) {
    if (MwaaError.is(error) && error instanceof AuthError && !/expired/i.test(error.message)) {
      throw new AuthError(error.message, {
        code: 'remote.web-token-denied',
        cause: error,
        hint:
          `allow the IAM action airflow:CreateWebLoginToken on arn:aws:airflow:<region>:<account>:role/${envName}/<Admin|Op|User|Viewer> ` +
          '(the Airflow role you log in as) for your role',
      });
    }
    throw error;
  }
  const url = loginUrl(token.hostname || (env.WebserverUrl ?? ''), token.token);
  const browser = options.print === true ? undefined : browserCommand(ctx);
  if (browser && (await openBrowser(browser, url))) {
    ctx.host.info(`Opened the Airflow UI of ${envName} in your browser (the login link is valid for 60 seconds).`);
    return;
  }
  ctx.host.result({ environment: envName, url, expiresInSeconds: 60 }, (r) => r.url);
  ctx.host.info('The login URL is valid for 60 seconds and logs in whoever opens it.');
};
