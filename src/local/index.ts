/**
 * The local MWAA emulator: one HTTP server for S3, CloudWatch Logs, the MWAA API and the Airflow web
 * server, over a state directory. See README.md in this folder.
 *
 *   startEmulator(opts)            serve a state directory (mode "server" for `mwaa local start`,
 *                                  "embedded" for a --local run); fails with EmulatorBusyError when a
 *                                  live process already owns the directory
 *   connectOrStartEmbedded(opts)   what --local uses: reuse a live `mwaa local start` server on the
 *                                  directory, else wait for a live embedded owner to finish, else start
 *                                  an embedded instance on an ephemeral port
 */
import { mkdirSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createClock } from './clock.js';
import { createAirflowStore, handleAirflow, handleAirflowControl } from './airflow/index.js';
import type { SimOptions, World } from './contract.js';
import { createControlHandler } from './control.js';
import { createFaults } from './faults.js';
import { createLogsStore, handleLogs } from './logs/index.js';
import { createMwaaStore, handleMwaa, handleMwaaControl } from './mwaa/index.js';
import { createS3Store, handleS3 } from './s3/index.js';
import { handleSts } from './sts/index.js';
import { createEmulatorServer } from './server.js';
import { type OwnerMode, type OwnerRecord, acquireOwner, openStateDir, readOwnerStatus } from './state.js';

export type { World, SimOptions } from './contract.js';

export const DEFAULT_REGION = 'us-east-1';
export const ACCOUNT_ID = '123456789012';

/** Defaults of the simulation (see SimOptions in contract.ts). */
export const DEFAULT_SIM_OPTIONS: Readonly<SimOptions> = Object.freeze({
  createSeconds: 3,
  updateSeconds: 3,
  deleteSeconds: 2,
  taskSeconds: 1,
  denyPackages: [],
});

export interface StartEmulatorOptions {
  stateDir: string;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (an ephemeral port) */
  port?: number;
  /** "server" for `mwaa local start`, "embedded" for a --local run (default "server") */
  mode?: OwnerMode;
  sim?: Partial<SimOptions>;
  /** default us-east-1 */
  region?: string;
  /** compact the journal into a snapshot once it exceeds this many bytes (default 32 MiB) */
  compactBytes?: number;
  /**
   * simulated milliseconds per real millisecond (default 1): tests run the simulation faster than real
   * time; time gained this way is not journalled, so a crashed emulator restarts from its last snapshot's time
   */
  clockSpeed?: number;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:45123 */
  url: string;
  port: number;
  world: World;
  stateDir: string;
  /** Stops serving, writes a snapshot, releases the state directory. Idempotent. */
  close(): Promise<void>;
}

/** The state directory is owned by another live process. */
export class EmulatorBusyError extends Error {
  constructor(
    readonly stateDir: string,
    readonly owner: OwnerRecord,
  ) {
    super(
      `the local emulator state directory ${stateDir} is in use by process ${owner.pid} ` +
        `(${owner.mode}${owner.url ? ` at ${owner.url}` : ''}, since ${owner.startedAt})`,
    );
    this.name = 'EmulatorBusyError';
  }
}

function formatUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

export async function startEmulator(opts: StartEmulatorOptions): Promise<RunningEmulator> {
  const stateDir = resolve(opts.stateDir);
  const host = opts.host ?? '127.0.0.1';
  const mode = opts.mode ?? 'server';
  const sim: SimOptions = { ...DEFAULT_SIM_OPTIONS, denyPackages: [...DEFAULT_SIM_OPTIONS.denyPackages], ...(opts.sim ?? {}) };
  mkdirSync(stateDir, { recursive: true });

  const lease = acquireOwner(stateDir, mode);
  if ('busy' in lease) throw new EmulatorBusyError(stateDir, lease.busy);
  const releaseOnExit = (): void => lease.release();
  process.on('exit', releaseOnExit);

  let state: ReturnType<typeof openStateDir> | undefined;
  try {
    // past compactBytes the state directory compacts in the background, between requests (state.ts)
    state = openStateDir(stateDir, { compactBytes: opts.compactBytes, autoCompact: true });
    const persist = state.persist;
    const clock = createClock(persist, Date.now, opts.clockSpeed);
    const faults = createFaults();
    let baseUrl = '';
    // the stores are filled in below, in dependency order (mwaa needs s3/logs, airflow needs mwaa)
    const world = {
      clock,
      faults,
      persist,
      sim,
      region: opts.region ?? DEFAULT_REGION,
      accountId: ACCOUNT_ID,
      baseUrl: () => baseUrl,
      tick(): void {
        const now = clock.now();
        world.mwaa.tick(now);
        world.airflow.tick(now);
      },
    } as Omit<World, 's3' | 'logs' | 'mwaa' | 'airflow'> as World;
    world.s3 = createS3Store(persist, clock);
    world.logs = createLogsStore(persist, clock, world.region);
    world.mwaa = createMwaaStore(world);
    world.airflow = createAirflowStore(world);
    state.load([clock, world.s3, world.logs, world.mwaa, world.airflow]);

    const st = state;
    const server = createEmulatorServer({
      world,
      handlers: {
        s3: handleS3,
        logs: handleLogs,
        mwaa: handleMwaa,
        sts: handleSts,
        airflow: handleAirflow,
        control: createControlHandler({
          faults,
          clock,
          mwaaControl: handleMwaaControl,
          airflowControl: handleAirflowControl,
        }),
      },
    });
    await new Promise<void>((res, rej) => {
      const onError = (e: Error): void => rej(e);
      server.once('error', onError);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', onError);
        res();
      });
    });
    server.on('error', () => undefined);
    const port = (server.address() as AddressInfo).port;
    baseUrl = formatUrl(host, port);
    lease.setUrl(baseUrl);

    let closing: Promise<void> | undefined;
    return {
      url: baseUrl,
      port,
      world,
      stateDir,
      close(): Promise<void> {
        closing ??= new Promise<void>((res) => {
          // requests held by a delay fault end now (with a 500 on a connection about to be closed):
          // neither close() nor the process waits for them, and none is served after the state closes
          faults.close();
          server.close(() => res());
          server.closeAllConnections();
        }).finally(() => {
          try {
            st.close({ compact: true });
          } finally {
            lease.release();
            process.off('exit', releaseOnExit);
          }
        });
        return closing;
      },
    };
  } catch (e) {
    try {
      state?.close({ compact: false });
    } catch {
      /* ignore */
    }
    lease.release();
    process.off('exit', releaseOnExit);
    throw e;
  }
}

export interface ConnectOptions {
  stateDir: string;
  sim?: Partial<SimOptions>;
  /** how long to wait for a live embedded owner to finish (default 30 000 ms) */
  waitMs?: number;
  /** poll interval while waiting (default 100 ms) */
  pollMs?: number;
  /** called once when another live process holds the state directory and this call starts waiting */
  onWait?: (owner: OwnerRecord) => void;
}

export interface EmulatorConnection {
  url: string;
  /** true when this process started the emulator (close() stops it); false when a server was reused */
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Whether a `mwaa local start` server answers its health check within 2 s. node:http, not fetch: fetch
 * loads undici (and its WebAssembly HTTP parser), which took ~35 ms of a `--local` command's start-up.
 */
function isHealthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet(`${url}/_mwaa_local/health`, { timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && (JSON.parse(body) as { ok?: unknown }).ok === true);
        } catch {
          resolve(false);
        }
      });
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function connectOrStartEmbedded(opts: ConnectOptions): Promise<EmulatorConnection> {
  const stateDir = resolve(opts.stateDir);
  const deadline = Date.now() + (opts.waitMs ?? 30_000);
  const poll = opts.pollMs ?? 100;
  let waited = false;
  for (;;) {
    const status = readOwnerStatus(stateDir);
    if (status.state === 'live') {
      const owner = status.owner;
      if (owner.mode === 'server' && owner.url && (await isHealthy(owner.url))) {
        return { url: owner.url, embedded: false, close: async () => undefined };
      }
      if (Date.now() >= deadline) throw new EmulatorBusyError(stateDir, owner);
      if (!waited) opts.onWait?.(owner);
      waited = true;
      await sleep(poll);
      continue;
    }
    try {
      const em = await startEmulator({ stateDir, mode: 'embedded', port: 0, sim: opts.sim });
      return { url: em.url, embedded: true, close: () => em.close() };
    } catch (e) {
      if (!(e instanceof EmulatorBusyError)) throw e;
      if (Date.now() >= deadline) throw e;
      await sleep(poll);
    }
  }
}
