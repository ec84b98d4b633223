/**
 * Test helper: an in-process local emulator on an ephemeral port, over a fresh temporary state
 * directory, with AWS SDK v3 clients pointed at it.
 *
 *   const emu = await startTestEmulator();
 *   await emu.s3.send(new CreateBucketCommand({ Bucket: 'b' }));
 *   await emu.fault({ service: 's3', operation: 'PutObject', match: { Key: 'dags/a.py' } });
 *   await emu.delay({ service: 's3', operation: 'DeleteObject', match: { Key: '.mwaa/lock.json' }, delayMs: 1500 });
 *   spawn('node', ['bin/mwaa.cjs', ...], { env: { ...process.env, ...emu.env } });
 *   await emu.close();                       // stops the server and removes the temp dir
 *
 * The emulator owns its state directory in "server" mode, so a spawned `mwaa --local` process given
 * the same directory reuses this server (and sees the faults and clock set here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetEnvironmentCommand, MWAAClient } from '@aws-sdk/client-mwaa';
import { S3Client } from '@aws-sdk/client-s3';
import { systemClock, type Clock as CoreClock } from '../../src/core/clock.js';
import type { FaultSpec, SimOptions, World } from '../../src/local/contract.js';
import { startEmulator } from '../../src/local/index.js';

export const TEST_REGION = 'us-east-1';
export const TEST_ACCOUNT_ID = '123456789012';
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

export interface TestEmulatorOptions {
  /** simulation knobs; by default the same short durations as `mwaa local start` */
  sim?: Partial<SimOptions>;
  /** serve this directory instead of a fresh temporary one (it is then not removed by close()) */
  stateDir?: string;
  /**
   * simulated seconds per real second (default 1). With 20, an environment's 3 s of CREATING take 150 ms,
   * and a CLI run in this process with `clock: emu.clock` polls every 250/20 ms: the whole simulated
   * world, the CLI's waits included, runs 20 times faster, and no test waits on simulated time.
   */
  speed?: number;
}

/**
 * A fault as POST /_mwaa_local/faults takes it. Without `delayMs`, `error` defaults to 500
 * InternalError; with `delayMs` and no `error` the calls are only held that long (real time), then
 * served normally.
 */
export type FaultInput = FaultSpec;

/** A delay-only fault: the matching calls are held delayMs of real time, then served. */
export type DelayInput = Omit<FaultSpec, 'error' | 'delayMs'> & { delayMs: number };

export interface ControlResponse {
  status: number;
  /** parsed JSON body (undefined when the body is empty or not JSON) */
  body: any;
}

export interface TestEmulator {
  /** base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  stateDir: string;
  /** the emulator's world (stores, clock), for assertions that the API cannot make */
  world: World;
  /**
   * The emulator's clock as the CLI's clock (pass it to runCli): the CLI tells time by the emulator and
   * sleeps 1/speed of what it asks for, so its polling keeps pace with a sped-up emulator.
   */
  clock: CoreClock;
  region: string;
  accountId: string;
  /** path-style S3 client */
  s3: S3Client;
  logs: CloudWatchLogsClient;
  /** MWAA client with disableHostPrefix */
  mwaa: MWAAClient;
  /**
   * The variables a spawned `mwaa` (or `aws`) process needs: AWS_ENDPOINT_URL, dummy credentials,
   * AWS_REGION/AWS_DEFAULT_REGION, no IMDS, no config files. Merge it over a clean environment, e.g.
   * childEnv() below (vitest.config sets AWS_PROFILE="", which the AWS CLI rejects).
   */
  env: Record<string, string>;
  /** process.env without any AWS_* variable, plus env and `extra`: ready for spawn(..., { env }) */
  childEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** raw call to the control endpoint, e.g. control('POST', '/_mwaa_local/clock', { advanceSeconds: 5 }) */
  control(method: string, path: string, body?: unknown): Promise<ControlResponse>;
  /** injects a fault; returns its id */
  fault(spec: FaultInput): Promise<string>;
  /** injects a delay-only fault (the calls wait delayMs, then are served); returns its id */
  delay(spec: DelayInput): Promise<string>;
  /** the pending faults with their counters (GET /_mwaa_local/faults) */
  faults(): Promise<Array<{ id: string; spec: FaultSpec; seen: number; fired: number }>>;
  clearFaults(): Promise<void>;
  /** the next update of this environment fails with the given error */
  failNextUpdate(envName: string, errorCode: string, errorMessage?: string): Promise<void>;
  /** the next run of this task fails */
  failTask(envName: string, dagId: string, taskId: string): Promise<void>;
  /** moves the simulated clock forward */
  advance(seconds: number): Promise<void>;
  /** stops the emulator and starts it again over the same state directory (same URL not guaranteed: see url) */
  restart(): Promise<void>;
  /** stops the emulator, destroys the clients and removes the temporary state directory */
  close(): Promise<void>;
}

/**
 * SDK v3 clients for an emulator at url: dummy credentials, us-east-1, path-style S3, MWAA without the
 * api./env. host prefix, and maxAttempts 1 (so an injected fault surfaces on the first call instead of
 * being retried away; build your own client when a test is about retries). Call .destroy() when done.
 */
export function makeClients(url: string): { s3: S3Client; logs: CloudWatchLogsClient; mwaa: MWAAClient } {
  const common = { endpoint: url, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    logs: new CloudWatchLogsClient(common),
    mwaa: new MWAAClient({ ...common, disableHostPrefix: true }),
  };
}

export async function startTestEmulator(opts: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const ownDir = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'mwaa-local-test-'));
  const speed = opts.speed ?? 1;
  const start = () => startEmulator({ stateDir, mode: 'server', port: 0, sim: opts.sim, clockSpeed: speed });
  let running = await start();
  let clients = makeClients(running.url);

  const control = async (method: string, path: string, body?: unknown): Promise<ControlResponse> => {
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  };
  const expectOk = (what: string, r: ControlResponse): void => {
    if (r.status !== 200) throw new Error(`${what} failed: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  };
  const destroyClients = (): void => {
    clients.s3.destroy();
    clients.logs.destroy();
    clients.mwaa.destroy();
  };

  const emu: TestEmulator = {
    url: running.url,
    port: running.port,
    stateDir,
    world: running.world,
    clock: {
      now: () => emu.world.clock.now(),
      sleep: (ms, signal) => systemClock.sleep(ms / speed, signal),
    },
    region: TEST_REGION,
    accountId: TEST_ACCOUNT_ID,
    s3: clients.s3,
    logs: clients.logs,
    mwaa: clients.mwaa,
    env: envFor(running.url),
    control,
    childEnv(extra = {}) {
      const clean: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) clean[k] = v;
      return { ...clean, ...emu.env, ...extra };
    },
    async fault(spec) {
      const r = await control('POST', '/_mwaa_local/faults', {
        ...spec,
        ...(spec.error === undefined && spec.delayMs === undefined
          ? { error: { status: 500, code: 'InternalError', message: 'injected fault' } }
          : {}),
      });
      expectOk('fault', r);
      return r.body.id as string;
    },
    async delay(spec) {
      const r = await control('POST', '/_mwaa_local/faults', spec);
      expectOk('delay', r);
      return r.body.id as string;
    },
    async faults() {
      const r = await control('GET', '/_mwaa_local/faults');
      expectOk('faults', r);
      return r.body.faults;
    },
    async clearFaults() {
      expectOk('clearFaults', await control('DELETE', '/_mwaa_local/faults'));
    },
    async failNextUpdate(envName, errorCode, errorMessage) {
      const r = await control('POST', `/_mwaa_local/environments/${encodeURIComponent(envName)}/fail-next-update`, {
        errorCode,
        ...(errorMessage !== undefined ? { errorMessage } : {}),
      });
      expectOk('failNextUpdate', r);
    },
    async failTask(envName, dagId, taskId) {
      expectOk('failTask', await control('POST', `/_mwaa_local/airflow/${encodeURIComponent(envName)}/fail-task`, { dagId, taskId }));
    },
    async advance(seconds) {
      expectOk('advance', await control('POST', '/_mwaa_local/clock', { advanceSeconds: seconds }));
    },
    async restart() {
      destroyClients();
      await running.close();
      running = await start();
      clients = makeClients(running.url);
      Object.assign(emu, {
        url: running.url,
        port: running.port,
        world: running.world,
        s3: clients.s3,
        logs: clients.logs,
        mwaa: clients.mwaa,
        env: envFor(running.url),
      });
    },
    async close() {
      destroyClients();
      await running.close();
      if (ownDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return emu;
}

/** The environment variables a spawned `mwaa` (or `aws`) process needs to talk to the emulator at url. */
export function envFor(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
    AWS_DEFAULT_REGION: TEST_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/**
 * Returns once environment `name` has `status`, reading it every 50 ms of the emulator's clock, or
 * moving that clock on by `advanceSeconds` between reads instead (a test that owns its simulated time
 * and does not wait for it). Throws naming the status it saw after `timeoutMs` of real time.
 */
export async function untilStatus(
  emu: TestEmulator,
  name: string,
  status: string,
  options: { advanceSeconds?: number; timeoutMs?: number } = {},
): Promise<void> {
  const end = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const seen = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: name }))).Environment?.Status;
    if (seen === status) return;
    if (Date.now() > end) throw new Error(`environment ${name} is ${seen}, not ${status}`);
    if (options.advanceSeconds !== undefined) await emu.advance(options.advanceSeconds);
    else await emu.clock.sleep(50);
  }
}
