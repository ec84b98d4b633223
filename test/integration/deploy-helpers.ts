/**
 * Helpers of the deploy integration tests: an emulator with a versioned bucket and an AVAILABLE
 * environment, a project folder with mwaa.yaml, the in-process CLI pointed at it, and a snapshot of what
 * a deploy must leave unchanged when it fails: every (key, latest VersionId) in the bucket (delete
 * markers included) and the environment's pinned artifact versions.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CreateEnvironmentCommand, GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { GetObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { baseEnv, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { startTestEmulator, TEST_ACCOUNT_ID, type TestEmulator, untilStatus } from '../helpers/emulator.js';
import { goodBucket } from './env-helpers.js';

export const BUCKET = 'deploy-test-bucket';
export const ENV_NAME = 'deploytest';

export interface DeployWorld {
  emu: TestEmulator;
  dir: string;
  cli(
    argv: string[],
    options?: { cwd?: string; signal?: AbortSignal; env?: Record<string, string>; tty?: boolean; input?: string },
  ): Promise<CliResult>;
  close(): Promise<void>;
}

/**
 * `speed`: the emulator's clock speed (see startTestEmulator); the in-process CLI runs on its clock.
 * Files that spawn `mwaa` processes keep 1: a process tells time by the system clock.
 */
export async function startDeployWorld(
  options: { denyPackages?: string[]; updateSeconds?: number; speed?: number } = {},
): Promise<DeployWorld> {
  const speed = options.speed ?? 1;
  const emu = await startTestEmulator({
    speed,
    sim: {
      createSeconds: 0.2 * speed,
      updateSeconds: (options.updateSeconds ?? 0.4) * speed,
      deleteSeconds: 0.2 * speed,
      denyPackages: options.denyPackages ?? [],
    },
  });
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'])
    process.env[key] = emu.env[key];
  delete process.env.AWS_PROFILE;
  const { dir, cleanup } = tempDir('mwaa-deploy-');
  return {
    emu,
    dir,
    cli: (argv, o = {}) =>
      runCli(['--endpoint-url', emu.url, ...argv], {
        cwd: o.cwd ?? dir,
        env: baseEnv({ ...emu.env, ...(o.env ?? {}) }),
        clock: emu.clock,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.tty ? { tty: true } : {}),
        ...(o.input !== undefined ? { input: o.input } : {}),
      }),
    async close() {
      await emu.close();
      cleanup();
    },
  };
}

/** A versioned bucket with all public access blocked, and an AVAILABLE environment on it. */
export async function createEnvironment(emu: TestEmulator, name = ENV_NAME, bucket = BUCKET): Promise<void> {
  await goodBucket(emu, bucket);
  await emu.mwaa.send(
    new CreateEnvironmentCommand({
      Name: name,
      ExecutionRoleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/mwaa-exec`,
      SourceBucketArn: `arn:aws:s3:::${bucket}`,
      DagS3Path: 'dags',
      AirflowVersion: '2.10.3',
      NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
      LoggingConfiguration: {
        WorkerLogs: { Enabled: true, LogLevel: 'INFO' },
        SchedulerLogs: { Enabled: true, LogLevel: 'INFO' },
      },
    }),
  );
  await untilStatus(emu, name, 'AVAILABLE');
}

export interface ProjectFiles {
  [rel: string]: string;
}

/** Writes the project: mwaa.yaml and the given files (relative paths). */
export function writeProject(
  dir: string,
  files: ProjectFiles,
  entry: { plugins?: boolean; requirements?: boolean; startupScript?: boolean } = {},
): void {
  const lines = [
    'environments:',
    '  test:',
    `    name: ${ENV_NAME}`,
    `    bucket: ${BUCKET}`,
    '    region: us-east-1',
    '    dags: ./dags',
    ...(entry.plugins ? ['    plugins: ./plugins'] : []),
    ...(entry.requirements ? ['    requirements: ./requirements.txt'] : []),
    ...(entry.startupScript ? ['    startupScript: ./startup.sh'] : []),
    '',
  ];
  writeFileSync(join(dir, 'mwaa.yaml'), lines.join('\n'));
  mkdirSync(join(dir, 'dags'), { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

export function removeFile(dir: string, rel: string): void {
  rmSync(join(dir, rel));
}

/** A copy of the project in a new folder: every mtime is new, like a fresh clone. */
export function cloneProject(dir: string): { dir: string; cleanup: () => void } {
  const clone = tempDir('mwaa-clone-');
  cpSync(dir, clone.dir, { recursive: true, preserveTimestamps: false });
  rmSync(join(clone.dir, '.mwaa'), { recursive: true, force: true });
  return clone;
}

export function dagFile(name: string, extra = ''): string {
  return `from airflow import DAG\nfrom datetime import datetime\n\nwith DAG("${name}", start_date=datetime(2024, 1, 1), schedule=None) as dag:\n    pass\n${extra}`;
}

export interface Snapshot {
  /** key -> latest VersionId (a delete marker's id for a deleted key), tool state excluded */
  latest: Record<string, string>;
  /** number of versions and delete markers of all user keys */
  versions: number;
  /** the same, tool state (.mwaa/) included */
  allVersions: number;
  pins: Record<string, string | undefined>;
}

export async function snapshot(emu: TestEmulator, bucket = BUCKET, name = ENV_NAME): Promise<Snapshot> {
  const latest: Record<string, string> = {};
  let versions = 0;
  let allVersions = 0;
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await emu.s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
    );
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      allVersions++;
      if (!v.Key || v.Key.startsWith('.mwaa/')) continue;
      versions++;
      if (v.IsLatest) latest[v.Key] = `${'ETag' in v ? '' : 'marker:'}${v.VersionId}`;
    }
    if (!page.IsTruncated) break;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
  const env = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: name }))).Environment ?? {};
  return {
    latest,
    versions,
    allVersions,
    pins: {
      PluginsS3Path: env.PluginsS3Path,
      PluginsS3ObjectVersion: env.PluginsS3ObjectVersion,
      RequirementsS3Path: env.RequirementsS3Path,
      RequirementsS3ObjectVersion: env.RequirementsS3ObjectVersion,
      StartupScriptS3Path: env.StartupScriptS3Path,
      StartupScriptS3ObjectVersion: env.StartupScriptS3ObjectVersion,
    },
  };
}

/** The live (not deleted) keys of the snapshot. */
export function liveKeys(s: Snapshot): string[] {
  return Object.entries(s.latest)
    .filter(([, v]) => !v.startsWith('marker:'))
    .map(([k]) => k)
    .sort();
}

export async function objectText(emu: TestEmulator, key: string, bucket = BUCKET): Promise<string | undefined> {
  try {
    const out = await emu.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body?.transformToString();
  } catch {
    return undefined;
  }
}

export interface SlowProxy {
  url: string;
  /** requests that were delayed */
  delayed: number;
  /** requests received whole and not yet answered by the emulator (they land even when their client died) */
  inflight: number;
  close(): Promise<void>;
}

/** An HTTP proxy in front of the emulator that delays the requests `slow` selects (to catch a deploy mid-upload). */
export async function slowProxy(
  target: () => string,
  delayMs: number,
  slow: (method: string, path: string) => boolean,
): Promise<SlowProxy> {
  const { createServer, request } = await import('node:http');
  const state = { delayed: 0, inflight: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.inflight++;
      let settled = false;
      const settle = () => {
        if (!settled) state.inflight--;
        settled = true;
      };
      const forward = () => {
        const url = new URL(req.url ?? '/', target());
        const out = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (upstream) => {
          upstream.on('end', settle);
          upstream.on('error', settle);
          res.on('error', () => {}); // the client may be gone (kill -9)
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        });
        out.on('error', (e) => {
          settle();
          res.writeHead(502);
          res.end(String(e));
        });
        out.end(Buffer.concat(chunks));
      };
      if (slow(req.method ?? 'GET', req.url ?? '/')) {
        state.delayed++;
        setTimeout(forward, delayMs);
      } else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get delayed() {
      return state.delayed;
    },
    get inflight() {
      return state.inflight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
