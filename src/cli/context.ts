/**
 * The handler context: everything a command needs, resolved once from the global options and the
 * process environment. Handlers never read process.argv, process.env or globals.
 */
import { join } from 'node:path';
import type { AwsClients, AwsSettings } from '../aws/clients.js';
import { systemClock, type Clock } from '../core/clock.js';
import { loadConfig, selectEnvironment, type LoadedConfig, type SelectedEnvironment } from '../core/config/load.js';
import { FailedError, UsageError } from '../core/errors.js';
import { DEFAULT_POLL_MS, FAST_POLL_MS } from '../core/env/wait.js';
import { msg } from '../core/messages.js';
import { Mutations } from '../core/mutations.js';
import type { GlobalOptions } from './globals.js';
import { createHost, type IoHost } from '../ui/host/index.js';
import type { Io } from '../ui/io.js';

export interface Context {
  /** the streams and their colors (handlers report through `host`) */
  io: Io;
  /** where output goes and how it looks: chosen once for the run (plain text, live views, or JSON) */
  host: IoHost;
  globals: GlobalOptions;
  clock: Clock;
  /** a person can be asked (a terminal, not CI, not --json) */
  interactive: boolean;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** aborted on Ctrl-C / SIGTERM */
  signal: AbortSignal;
  /** what this run has sent that changes something; checks the signal before each such call */
  mutations: Mutations;
  /** mwaa.yaml (loaded once; throws ConfigError when missing or invalid) */
  config(): LoadedConfig;
  /** the environment chosen by -e / MWAA_ENV / the only one */
  environment(): SelectedEnvironment;
  /** AWS clients for the chosen environment (or for the global options alone when there is no config) */
  aws(options?: { requireConfig?: boolean }): Promise<AwsClients>;
  /** the AWS settings, once aws() has resolved them (undefined before) */
  awsSettings(): AwsSettings | undefined;
  /** registers cleanup work run when the command ends (e.g. stopping the embedded emulator) */
  onExit(fn: () => Promise<void> | void): void;
  /**
   * `mwaa [-c file] [-e key] [--local] [--endpoint-url url] <words>`: a command line for hints and the
   * deploy lock that reaches the same environment as this run (no values that could be secrets).
   */
  commandLine(words: string[]): string;
}

/**
 * Time between status reads when `--poll` is not given: an emulator (embedded, or reached through an
 * endpoint override) answers in simulated time, so a quarter second; AWS, 15 seconds.
 */
export function defaultPollMs(settings: AwsSettings): number {
  return settings.local === true || settings.endpoints.mwaa ? FAST_POLL_MS : DEFAULT_POLL_MS;
}

export interface ContextDeps {
  io: Io;
  /** the host (default: the one `createHost` chooses for `io`) */
  host?: IoHost;
  globals: GlobalOptions;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  clock?: Clock;
}

/** Where the local emulator keeps its state: .mwaa/local beside mwaa.yaml, else in the working folder. */
export function localStateDir(configDir: string | undefined, cwd: string): string {
  return join(configDir ?? cwd, '.mwaa', 'local');
}

export function createContext(deps: ContextDeps): Context & { runExitHooks(): Promise<void> } {
  const exitHooks: Array<() => Promise<void> | void> = [];
  let config: LoadedConfig | undefined;
  let selected: SelectedEnvironment | undefined;
  let clients: Promise<AwsClients> | undefined;
  let resolved: AwsSettings | undefined;

  const host = deps.host ?? createHost(deps.io);
  const ctx = {
    io: deps.io,
    host,
    globals: deps.globals,
    clock: deps.clock ?? systemClock,
    // read when asked: it opens stdin (to see whether it is a terminal), which most commands never need
    get interactive() {
      return host.interactive;
    },
    cwd: deps.cwd,
    env: deps.env,
    signal: deps.signal,
    mutations: new Mutations(deps.signal),
    config() {
      config ??= loadConfig({ cwd: deps.cwd, configPath: deps.globals.config ?? deps.env.MWAA_CONFIG });
      return config;
    },
    environment() {
      selected ??= selectEnvironment(ctx.config(), { flag: deps.globals.env, envVar: deps.env.MWAA_ENV || undefined });
      return selected;
    },
    aws(options: { requireConfig?: boolean } = {}) {
      clients ??= (async () => {
        const requireConfig = options.requireConfig ?? true;
        let entry: SelectedEnvironment | undefined;
        if (requireConfig) entry = ctx.environment();
        const settings = await resolveAwsSettings(deps, host, entry, (fn) => exitHooks.push(fn));
        resolved = settings;
        const { createAwsClients } = await import('../aws/clients.js');
        return createAwsClients(settings);
      })();
      return clients;
    },
    awsSettings() {
      return resolved;
    },
    onExit(fn: () => Promise<void> | void) {
      exitHooks.push(fn);
    },
    commandLine(words: string[]) {
      const g = deps.globals;
      const parts = ['mwaa'];
      if (g.config) parts.push('-c', g.config);
      if (g.env) parts.push('-e', g.env);
      if (g.local) parts.push('--local');
      if (g.endpointUrl) parts.push('--endpoint-url', g.endpointUrl);
      return [...parts, ...words].join(' ');
    },
    async runExitHooks() {
      for (const hook of exitHooks.splice(0).reverse()) await hook();
    },
  };
  return ctx;
}

/** The AWS CLI's own check of a region name: letters, digits and inner hyphens, at most 63. */
const REGION_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/** A malformed region is refused before any call (the SDK would build an endpoint URL from it). */
export function assertRegionName(region: string, source: string): void {
  if (REGION_NAME.test(region)) return;
  throw new UsageError(`${source} "${region}" is not a region name`, {
    code: 'aws.region-invalid',
    hint: 'use a region code such as eu-west-1 or us-east-1 (`aws ec2 describe-regions` lists them)',
  });
}

const LOCAL_CREDENTIALS = { accessKeyId: 'mwaa-local', secretAccessKey: 'mwaa-local' };

async function resolveAwsSettings(
  deps: ContextDeps,
  host: IoHost,
  entry: SelectedEnvironment | undefined,
  onExit: (fn: () => Promise<void>) => void,
): Promise<AwsSettings> {
  const { globals, env } = deps;
  if (globals.local && globals.endpointUrl) {
    throw new UsageError('--local and --endpoint-url cannot be used together', {
      hint: 'use --endpoint-url to reach a `mwaa local start` server, or --local for the embedded emulator',
    });
  }
  // an explicit --endpoint-url wins over `local: true` in mwaa.yaml (e.g. a `mwaa local start` server)
  const local = globals.local || (entry?.entry.local === true && !globals.endpointUrl);
  const region = globals.region ?? entry?.entry.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  if (region !== undefined)
    assertRegionName(
      region,
      globals.region !== undefined
        ? '--region'
        : entry?.entry.region !== undefined
          ? '`region:` in mwaa.yaml'
          : env.AWS_REGION
            ? 'AWS_REGION'
            : 'AWS_DEFAULT_REGION',
    );
  if (local) {
    const { connectOrStartEmbedded, EmulatorBusyError } = await import('../local/connect.js');
    const stateDir = localStateDir(entry?.source.dir, deps.cwd);
    let emulator: Awaited<ReturnType<typeof connectOrStartEmbedded>>;
    try {
      const waitSeconds = Number(env.MWAA_LOCAL_WAIT ?? 30);
      emulator = await connectOrStartEmbedded({
        stateDir,
        waitMs: (Number.isFinite(waitSeconds) && waitSeconds >= 0 ? waitSeconds : 30) * 1000,
        onWait: (owner) =>
          host.notify(
            msg(
              'local.busy.waiting',
              { pid: owner.pid },
              `the local emulator is in use by another mwaa command (pid ${owner.pid}); waiting for it to finish…`,
            ),
          ),
      });
    } catch (error) {
      if (!(error instanceof EmulatorBusyError)) throw error;
      throw new FailedError('local.busy', error.message, {
        hint: 'wait for that command, or run `mwaa local start` in another terminal: --local commands then share that server',
      });
    }
    onExit(() => emulator.close());
    return {
      region: region ?? 'us-east-1',
      endpoints: { s3: emulator.url, mwaa: emulator.url, logs: emulator.url },
      credentials: LOCAL_CREDENTIALS,
      local: true,
      embedded: emulator.embedded,
    };
  }
  const { resolveEndpoints } = await import('../aws/clients.js');
  // Like the AWS CLI: an explicit profile (--profile, or `profile:` in mwaa.yaml) wins; otherwise keys in
  // the environment handed to us win over AWS_PROFILE; otherwise the SDK's default chain decides.
  const explicitProfile = globals.profile ?? entry?.entry.profile;
  const credentials =
    !explicitProfile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
      : undefined;
  return {
    region,
    profile: explicitProfile ?? (env.AWS_PROFILE || undefined),
    endpoints: resolveEndpoints(globals.endpointUrl, env),
    credentials,
  };
}
