/**
 * Opening a remote Airflow session on an environment: GetEnvironment (exit 3 when missing), the
 * status check (commands need a running web server), the Airflow version (for the supported-command
 * table and the version-specific arguments), and a RemoteCli minting tokens with CreateCliToken.
 */
import { requireEnvironment, type EnvironmentInfo, type MwaaApi } from '../ports/mwaa.js';
import type { Clock } from '../clock.js';
import { FailedError } from '../errors.js';
import { noEvents, type EventSink } from '../events.js';
import { RemoteAirflow, type AirflowOps } from './airflow.js';
import { RemoteCli, webServerBaseUrl, type HttpPost } from './client.js';
import { parseAirflowVersion, type AirflowVersion } from './commands.js';
import { RestAirflow } from './rest.js';
import { FallbackAirflow, initialTransport, type TransportChoice } from './transport.js';
import { msg } from '../messages.js';

export interface SessionOptions {
  api: MwaaApi;
  envName: string;
  clock: Clock;
  events?: EventSink;
  signal?: AbortSignal;
  http?: HttpPost;
  /** client tuning (tests) */
  retries?: number;
  baseDelayMs?: number;
  /** the environment, when the caller already read it */
  env?: EnvironmentInfo;
  /** --transport: undefined picks REST where Airflow has InvokeRestApi, with the CLI token as fallback */
  transport?: TransportChoice;
}

export interface RemoteSession {
  env: EnvironmentInfo;
  version: AirflowVersion | undefined;
  cli: RemoteCli;
  /** the tool's own Airflow operations, on the chosen transport */
  airflow: AirflowOps;
  /** the CLI-token operations (for what REST lacks) */
  cliAirflow: RemoteAirflow;
  /** InvokeRestApi operations (`mwaa api`) */
  rest: RestAirflow;
  /** https://<web server> (http for a loopback host) */
  webBaseUrl(): string;
}

/** Statuses in which the web server answers. UPDATE_FAILED: MWAA rolled back to the previous, working setup. */
const USABLE = new Set(['AVAILABLE', 'UPDATE_FAILED']);

/** Throws (exit 1, naming the status) unless the environment's web server can run commands. */
export function requireRunning(env: EnvironmentInfo, events: EventSink = noEvents): void {
  const status = env.Status ?? 'UNKNOWN';
  if (status === 'UPDATE_FAILED') {
    events(
      msg(
        'remote.env.update-failed',
        undefined,
        `environment ${env.Name} is UPDATE_FAILED: its last update failed and MWAA rolled it back; commands run on the previous setup`,
      ),
    );
  }
  if (USABLE.has(status)) return;
  const hint =
    status === 'CREATING' ||
    status === 'UPDATING' ||
    status === 'ROLLING_BACK' ||
    status === 'MAINTENANCE' ||
    status === 'CREATING_SNAPSHOT'
      ? 'wait until it is AVAILABLE (`mwaa env wait`) and try again'
      : status === 'CREATE_FAILED'
        ? 'see why with `mwaa env show`, fix mwaa.yaml and create it again'
        : status === 'DELETING' || status === 'DELETED'
          ? 'the environment is being deleted'
          : 'see `mwaa env show` for details';
  throw new FailedError(
    'remote.env-not-available',
    `environment "${env.Name}" is ${status}, not AVAILABLE: its Airflow web server cannot run commands now`,
    {
      hint,
      details: { status },
    },
  );
}

export async function openSession(options: SessionOptions): Promise<RemoteSession> {
  const events = options.events ?? noEvents;
  const env = options.env ?? (await requireEnvironment(options.api, options.envName));
  if (!options.env) requireRunning(env, events);
  const version = parseAirflowVersion(env.AirflowVersion);
  const cli = new RemoteCli({
    envName: options.envName,
    mintToken: () => options.api.createCliToken(options.envName),
    clock: options.clock,
    http: options.http,
    events,
    signal: options.signal,
    accessMode: env.WebserverAccessMode,
    retries: options.retries,
    baseDelayMs: options.baseDelayMs,
  });
  const cliAirflow = new RemoteAirflow(cli, version);
  const rest = new RestAirflow({
    invoke: (request) => options.api.invokeRestApi(request),
    envName: options.envName,
    version,
    clock: options.clock,
    signal: options.signal,
    events,
  });
  const start = initialTransport(options.transport, version);
  const airflow: AirflowOps =
    start.transport === 'cli' ? cliAirflow : start.fallback ? new FallbackAirflow(rest, () => cliAirflow, events) : rest;
  events(
    msg('remote.transport', start, `transport: ${start.transport}${start.fallback ? ' (the CLI token if InvokeRestApi is refused)' : ''}`),
  );
  return {
    env,
    version,
    cli,
    airflow,
    cliAirflow,
    rest,
    webBaseUrl() {
      const host = cli.webServerHostname ?? env.WebserverUrl ?? '';
      return webServerBaseUrl(host);
    },
  };
}
