/**
 * The local MWAA emulator: one HTTP server for S3, CloudWatch Logs, the MWAA API and the Airflow web
 * server, over a state directory. See README.md in this folder.
 *
 *   startEmulator(opts)            serve a state directory (mode "server" for `mwaa local start`,
 *                                  "embedded" for a --local run); fails with EmulatorBusyError when a
 *                                  live process already owns the directory
 *   connectOrStartEmbedded(opts)   what --local uses (connect.ts, re-exported here): reuse a live
 *                                  `mwaa local start` server on the directory, else wait for a live
 *                                  embedded owner to finish, else start an embedded instance on an
 *                                  ephemeral port
 */
import { mkdirSync } from 'node:fs';
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
import { EmulatorBusyError } from './connect.js';
import { type OwnerMode, acquireOwner, openStateDir } from './state.js';

export type { World, SimOptions } from './contract.js';
export { EmulatorBusyError, connectOrStartEmbedded, type ConnectOptions, type EmulatorConnection } from './connect.js';

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
