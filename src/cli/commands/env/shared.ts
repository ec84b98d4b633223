/** What the `mwaa env …` handlers share: ports for the core, the wait rendering, result text. */
import type { AwsClients } from '../../../aws/clients.js';
import type { BucketApi } from '../../../core/ports/bucket.js';
import type { EnvironmentInfo } from '../../../core/ports/mwaa.js';
import type { SelectedEnvironment } from '../../../core/config/load.js';
import { formatDuration } from '../../../core/duration.js';
import type { EnvPorts, OperationResult, WaitSettings } from '../../../core/env/operations.js';
import { airflowUiUrl } from '../../../core/env/summary.js';
import { defaultPollMs, type Context } from '../../context.js';
import type { ViewOptions } from '../../../ui/host/index.js';

export interface EnvCommand {
  selected: SelectedEnvironment;
  aws: AwsClients;
  ports: EnvPorts;
  /** the region calls go to (resolved like the AWS CLI) */
  region: string | undefined;
  /** the local emulator (embedded) */
  local: boolean;
  /** poll interval: 15 s against AWS, 250 ms against the emulator or an overridden endpoint */
  pollMs: number;
}

/** Resolves the selected environment, the AWS clients and the ports the core needs. */
export async function envCommand(ctx: Context, options: { poll?: number | undefined } = {}): Promise<EnvCommand> {
  const selected = ctx.environment();
  const aws = await ctx.aws();
  const { mwaaApi } = await import('../../../aws/mwaa.js');
  const mwaaClient = await aws.mwaa();
  const api = mwaaApi(mwaaClient);
  let region = aws.settings.region;
  if (!region) {
    try {
      region = await mwaaClient.config.region();
    } catch {
      region = undefined;
    }
  }
  const local = aws.settings.local === true;
  const pollMs = options.poll ?? defaultPollMs(aws.settings);
  const ports: EnvPorts = {
    api,
    bucket: lazyBucketApi(aws),
    clock: ctx.clock,
    events: ctx.host.notify,
    signal: ctx.signal,
    mutations: ctx.mutations,
  };
  return { selected, aws, ports, region, local, pollMs };
}

/**
 * The bucket checks, with the S3 client loaded on their first call: most env commands (show, list, wait,
 * diff) never make one, and loading the client would be most of their start-up.
 */
function lazyBucketApi(aws: AwsClients): BucketApi {
  let api: Promise<BucketApi> | undefined;
  const get = () =>
    (api ??= Promise.all([import('../../../aws/s3-bucket.js'), aws.s3()]).then(([{ s3BucketApi }, client]) => s3BucketApi(client)));
  return {
    head: async (bucket) => (await get()).head(bucket),
    location: async (bucket) => (await get()).location(bucket),
    versioning: async (bucket) => (await get()).versioning(bucket),
    publicAccessBlock: async (bucket) => (await get()).publicAccessBlock(bucket),
    create: async (bucket, region) => (await get()).create(bucket, region),
  };
}

/** `--no-wait` and `--timeout` (its default is in the spec), with the poll interval envCommand chose. */
export function waitSettings(ctx: Context, env: EnvCommand, options: { wait?: boolean; timeout: number }): WaitSettings {
  return {
    wait: options.wait !== false,
    timeoutMs: options.timeout,
    pollMs: env.pollMs,
    resumeCommand: ctx.commandLine(['env', 'wait']),
  };
}

/**
 * Runs an operation that may wait, in the host's view of it: on a terminal a live view (from the first
 * status change), otherwise one line per status change, or NDJSON with --json.
 */
export async function renderWait<T>(
  ctx: Context,
  env: EnvCommand,
  operation: ViewOptions['env-wait']['operation'],
  run: (ports: EnvPorts, hooks: Pick<WaitSettings, 'onPoll'>) => Promise<T>,
): Promise<T> {
  const view = await ctx.host.view('env-wait', { name: env.selected.entry.name, operation, startedAt: ctx.clock.now() });
  const onPoll = (environment: EnvironmentInfo | undefined) => view.link(environment ? airflowUiUrl(environment) : undefined);
  try {
    const result = await run(env.ports, { onPoll });
    await view.finish({ ok: true, message: 'done' });
    return result;
  } catch (error) {
    await view.finish({ ok: false, message: (error as Error).message.split('\n')[0] });
    throw error;
  }
}

/** An operation's result for --json. */
export function resultJson(result: OperationResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: result.name,
    arn: result.arn,
    status: result.status,
    waited: result.waited,
    elapsedMs: result.elapsedMs,
    timeline: result.timeline.map((t) => ({ status: t.status, at: new Date(t.at).toISOString() })),
    webserverUrl: result.environment ? airflowUiUrl(result.environment) : undefined,
    ...extra,
  };
}

/** Text lines after an operation: what happened, and the Airflow UI address. */
export function resultText(result: OperationResult, done: string, pending: string, env?: EnvCommand): string {
  const lines: string[] = [];
  if (result.waited) lines.push(`${done} in ${formatDuration(result.elapsedMs)} (${result.status}).`);
  else lines.push(pending);
  const url = result.environment ? airflowUiUrl(result.environment) : undefined;
  if (url && result.status === 'AVAILABLE') lines.push(airflowUiLine(url, env));
  return lines.join('\n');
}

/**
 * "Airflow UI: <url>", unless the embedded local emulator serves it: that one stops with the command,
 * so its address would be dead by the time anyone opens it.
 */
export function airflowUiLine(url: string, env?: Pick<EnvCommand, 'aws'>): string {
  if (env?.aws.settings.embedded) {
    return 'Airflow UI: none once this command ends (the embedded local emulator stops with it); run `mwaa local start` in another terminal to keep one';
  }
  return `Airflow UI: ${url}`;
}
