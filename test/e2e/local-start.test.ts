import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, baseEnv, spawnCli, tempDir } from '../helpers/cli.js';
import { onPath } from '../helpers/tools.js';

const built = existsSync(join(ROOT, 'dist', 'main.cjs'));
const hasAwsCli = onPath('aws');

/** Runs a program asynchronously (the emulator in this process must keep serving meanwhile). */
function run(cmd: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: env as NodeJS.ProcessEnv });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}
const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** Starts `mwaa local start` and resolves with its announced URL once it listens. */
function startServer(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'local', 'start', '--port', '0', '--json', ...args], {
    cwd: dir,
    env: baseEnv() as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const ready = new Promise<{ url: string; stateDir: string; env: Record<string, string> }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(JSON.parse(line)));
    child.once('close', () => reject(new Error(`server exited early: ${stderr}`)));
  });
  return { child, ready, exited, stderr: () => stderr };
}

function s3(url: string) {
  return new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'mwaa-local', secretAccessKey: 'mwaa-local' },
  });
}

describe.skipIf(!built)('mwaa local start', () => {
  it('serves the AWS APIs, prints what a client needs, stops on Ctrl-C and keeps its state', async () => {
    const first = startServer([]);
    const info = await first.ready;
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.stateDir).toBe(join(dir, '.mwaa', 'local'));
    expect(info.env).toMatchObject({
      AWS_ENDPOINT_URL: info.url,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
    });
    if (hasAwsCli) {
      // the README's AWS CLI commands, with exactly the printed variables
      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        ...info.env,
      };
      const aws = (...args: string[]) => run('aws', args, env);
      expect((await aws('s3', 'mb', 's3://readme-bucket')).code).toBe(0);
      expect((await aws('s3', 'ls')).stdout).toMatch(/readme-bucket/);
      const envs = await aws('mwaa', 'list-environments');
      expect(envs.code).toBe(0);
      expect(JSON.parse(envs.stdout)).toEqual({ Environments: [] });
    }
    const health = await fetch(`${info.url}/_mwaa_local/health`);
    expect(await health.json()).toEqual({ ok: true });
    await s3(info.url).send(new CreateBucketCommand({ Bucket: 'kept-across-restarts' }));

    // a second server over the same state directory is refused while the first runs
    const second = await spawnCli(['local', 'start', '--port', '0'], { cwd: dir });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/is in use by process/);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toMatch(/stopped; the state is kept/);

    const again = startServer([]);
    const info2 = await again.ready;
    const buckets = await s3(info2.url).send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toContain('kept-across-restarts');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('rejects a bad port and bad durations', async () => {
    const port = await spawnCli(['local', 'start', '--port', 'http'], { cwd: dir });
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port must be a port number/);
    const secs = await spawnCli(['local', 'start', '--update-seconds', '-1'], { cwd: dir });
    expect(secs.code).toBe(2);
    expect(secs.stderr).toMatch(/--update-seconds must be a number of seconds ≥ 0, got "-1"/);
  });
});
