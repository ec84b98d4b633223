/**
 * What the deploy commands (`dags push|diff`, `releases list|show`, `rollback`) share: the ports the
 * deploy core needs, built from the handler context (its messages and questions go to the host).
 */
import { hostname, userInfo } from 'node:os';
import type { SelectedEnvironment } from '../../../core/config/load.js';
import type { DeployPorts } from '../../../core/deploy/ports.js';
import type { ProjectSources } from '../../../core/deploy/push.js';
import type { GitInfo } from '../../../core/deploy/records.js';
import type { LogsPort } from '../../../core/logs/port.js';
import { historyTarget, type HistoryTarget } from '../../../core/deploy/target.js';
import { msg } from '../../../core/messages.js';
import { defaultPollMs, type Context } from '../../context.js';

export interface DeployCommand {
  selected: SelectedEnvironment;
  ports: DeployPorts;
  /** the local emulator, or an overridden endpoint */
  local: boolean;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function currentUser(env: Context['env']): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}

/** `--poll` and `--timeout` where the command has them (milliseconds, parsed by the spec). */
export interface WaitOptions {
  poll?: number | undefined;
  timeout?: number | undefined;
}

export async function deployCommand(ctx: Context, options: WaitOptions = {}): Promise<DeployCommand> {
  const selected = ctx.environment();
  const aws = await ctx.aws();
  const [{ mwaaApi }, { s3Api }] = await Promise.all([import('../../../aws/mwaa.js'), import('../../../aws/s3.js')]);
  const local = aws.settings.local === true;
  const pollMs = options.poll ?? defaultPollMs(aws.settings);
  const ports: DeployPorts = {
    s3: s3Api(await aws.s3(), { uploader: () => aws.s3Uploader() }),
    mwaa: mwaaApi(await aws.mwaa()),
    logs: lazyLogs(() => aws.logs()),
    clock: ctx.clock,
    events: ctx.host.notify,
    signal: ctx.signal,
    pollMs,
    ...(options.timeout !== undefined ? { waitTimeoutMs: options.timeout } : {}),
    actor: { user: currentUser(ctx.env), host: hostname(), pid: process.pid },
    isProcessAlive,
    request: ctx.host.request,
  };
  return { selected, ports, local };
}

/** The CloudWatch Logs port, loading its SDK client only when a deploy reads pip output. */
function lazyLogs(client: () => Promise<import('@aws-sdk/client-cloudwatch-logs').CloudWatchLogsClient>): LogsPort {
  let port: Promise<LogsPort> | undefined;
  const get = () =>
    (port ??= (async () => {
      const { cloudWatchLogs } = await import('../../../aws/logs.js');
      return cloudWatchLogs(await client());
    })());
  return {
    filterLogEvents: async (input, signal) => (await get()).filterLogEvents(input, signal),
    describeLogStreams: async (input, signal) => (await get()).describeLogStreams(input, signal),
    getLogEvents: async (input, signal) => (await get()).getLogEvents(input, signal),
  };
}

/** The project's sources from the selected mwaa.yaml entry, as absolute paths. */
export function projectSources(selected: SelectedEnvironment): ProjectSources {
  const e = selected.entry;
  return {
    projectDir: selected.source.dir,
    ...(e.dags ? { dags: selected.path(e.dags) } : {}),
    ...(e.plugins ? { plugins: selected.path(e.plugins) } : {}),
    ...(e.requirements ? { requirements: selected.path(e.requirements) } : {}),
    ...(e.startupScript ? { startupScript: selected.path(e.startupScript) } : {}),
  };
}

export async function projectGit(ctx: Context, selected: SelectedEnvironment): Promise<GitInfo | undefined> {
  const { gitInfo } = await import('../../git.js');
  return gitInfo(selected.source.dir, ctx.env);
}

/**
 * Where `releases list|show` read the history (core's historyTarget): the environment's bucket, or
 * mwaa.yaml's when the environment does not exist, which is then said once, before the history.
 */
export async function releasesTarget(ctx: Context, cmd: DeployCommand): Promise<HistoryTarget> {
  const target = await historyTarget(cmd.ports, cmd.selected.entry.name, cmd.selected.entry.bucket);
  if (!target.exists) {
    ctx.host.notify(
      msg(
        'releases.no-environment',
        { environment: target.name, bucket: target.bucket },
        `environment ${target.name} does not exist; these are the releases recorded in s3://${target.bucket} (mwaa.yaml's bucket)`,
      ),
    );
  }
  return target;
}
