/**
 * `mwaa logs` as a real process (the built bin/mwaa.cjs; `npm run build` first, as `npm test` does):
 * --follow stopping on SIGINT with exit 0, and `mwaa logs … | head` ending without an EPIPE stack trace,
 * with and without --follow.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, tempDir } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator, untilStatus } from '../helpers/emulator.js';
import { createEnvironment, project, putEvents, versionedBucket } from './logs-helpers.js';

const ENV = 'logs-proc';
const BUCKET = 'logs-proc-bucket';
const TASK = `airflow-${ENV}-Task`;
const SCHEDULER = `airflow-${ENV}-Scheduler`;
const SCHEDULER_STREAM = 'scheduler_ip-10-0-0-9.ec2.internal_1767225600.log';
const RUN = 'manual__2026-02-01T00_00_00+00_00';
const stream = (task: string) => `dag_id=etl/run_id=${RUN}/task_id=${task}/attempt=1.log`;

let emu: TestEmulator;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  if (!existsSync(join(BIN, '..', '..', 'dist', 'main.cjs'))) throw new Error('dist/main.cjs is missing: run `npm run build` first');
  emu = await startTestEmulator({ sim: { createSeconds: 0.2 } });
  ({ dir, cleanup } = tempDir('mwaa-logs-proc-'));
  project(dir, ENV, BUCKET);
  await versionedBucket(emu, BUCKET);
  await createEnvironment(emu, BUCKET, ENV, {
    LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' }, SchedulerLogs: { Enabled: true, LogLevel: 'INFO' } },
  });
  await untilStatus(emu, ENV, 'AVAILABLE');
  const now = emu.world.clock.now();
  await putEvents(emu, TASK, stream('extract'), [{ timestamp: now - 5000, message: 'extract started' }]);
  // a big run for `| head`
  await putEvents(
    emu,
    TASK,
    stream('big'),
    Array.from({ length: 30_000 }, (_, i) => ({ timestamp: now - 4000 + Math.floor(i / 10), message: `big line ${i} ${'x'.repeat(60)}` })),
  );
  await putEvents(emu, SCHEDULER, SCHEDULER_STREAM, [{ timestamp: now - 1000, message: 'scheduler up' }]);
}, 60_000);

afterAll(async () => {
  await emu?.close();
  cleanup?.();
});

/**
 * The AWS SDK prints a NodeVersionSupportWarning on Node < 22 (not mwaa's output); everything else on
 * stderr counts.
 */
function ownStderr(text: string): string {
  return text.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?to show where the warning was created\)\n/g, '');
}

function waitUntil(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

/** Runs `mwaa <args> 2>err | head -n <n>` in bash; returns head's output, mwaa's exit status and stderr. */
function pipedToHead(
  args: string[],
  lines: number,
  whileRunning?: () => Promise<void>,
): Promise<{ head: string; status: number; stderr: string }> {
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const errFile = join(dir, `err-${Date.now()}.txt`);
  const statusFile = join(dir, `status-${Date.now()}.txt`);
  const script = `"${process.execPath}" "${BIN}" ${quoted} 2>"${errFile}" | head -n ${lines}; echo "\${PIPESTATUS[0]}" > "${statusFile}"`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: dir,
      env: baseEnv(emu.env) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let head = '';
    let running = true;
    // the calls made meanwhile are awaited (and their failure reported) before the result: one still in
    // flight when the test ends would fail against an emulator already closed, an unhandled rejection
    const meanwhile = (async () => {
      while (running && whileRunning) await whileRunning();
    })();
    let failure: unknown;
    meanwhile.catch((error) => (failure = error));
    child.stdout.on('data', (d) => (head += d));
    child.on('error', reject);
    child.on('close', () => {
      running = false;
      void meanwhile
        .catch(() => undefined)
        .then(() => {
          if (failure) reject(failure);
          else resolve({ head, status: Number(readFileSync(statusFile, 'utf8').trim()), stderr: ownStderr(readFileSync(errFile, 'utf8')) });
        });
    });
  });
}

describe('mwaa logs as a process', () => {
  it('--follow shows new events and a new stream, and exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', 'etl', '--run', RUN, '--follow', '--interval', '100ms'], {
      cwd: dir,
      env: baseEnv(emu.env) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    await waitUntil(() => out.includes('big line 29999'), 'the existing events');
    const t = emu.world.clock.now();
    await putEvents(emu, TASK, stream('extract'), [{ timestamp: t, message: 'extract later' }]);
    await putEvents(emu, TASK, stream('load'), [{ timestamp: t + 1, message: 'load new stream' }]);
    await waitUntil(() => out.includes('load new stream'), 'the new events');
    child.kill('SIGINT');
    const { code, signal } = await exited;
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(out.split('extract later').length).toBe(2);
    expect(ownStderr(err)).toBe('');
  });

  it('`mwaa logs | head` exits without an EPIPE stack trace', async () => {
    const r = await pipedToHead(['logs', 'etl', '--run', RUN, '--task', 'big'], 3);
    expect(r.head.trimEnd().split('\n')).toHaveLength(3);
    expect(r.head).toContain('big line 0 ');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('`mwaa logs --follow | head` exits 0 once head is gone and the next event comes', async () => {
    let n = 0;
    const r = await pipedToHead(['logs', '--component', 'scheduler', '--follow', '--interval', '100ms'], 2, async () => {
      await putEvents(emu, SCHEDULER, SCHEDULER_STREAM, [{ timestamp: emu.world.clock.now(), message: `tick ${n++}` }]);
      await new Promise((r) => setTimeout(r, 100));
    });
    expect(r.head.trimEnd().split('\n')).toHaveLength(2);
    expect(r.head).toContain('scheduler up');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
