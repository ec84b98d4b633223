/**
 * `mwaa trigger --wait` as a real process (the built bin/mwaa.cjs; `npm run build` first, as `npm test`
 * does): Ctrl-C (SIGINT) stops waiting with exit 130 and leaves the run alone, and a CI-style step
 * (`--conf @conf.json --wait`, no terminal) ends with the run's result as its exit code.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateEnvironmentCommand, GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, tempDir } from '../helpers/cli.js';
import { startTestEmulator, TEST_ACCOUNT_ID, type TestEmulator } from '../helpers/emulator.js';

const ENV = 'remote-proc';
const BUCKET = 'remote-proc-bucket';
const DAG = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="nightly", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    BashOperator(task_id="only", bash_command="echo hi")
`;

/** 60 tasks one after the other: a run that is still going when the test interrupts the wait */
const LONG = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="long", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
${Array.from({ length: 60 }, (_, i) => `    t${i} = BashOperator(task_id="t${i}", bash_command="echo ${i}")`).join('\n')}
    ${Array.from({ length: 60 }, (_, i) => `t${i}`).join(' >> ')}
`;

let emu: TestEmulator;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  if (!existsSync(join(BIN, '..', '..', 'dist', 'main.cjs'))) throw new Error('dist/main.cjs is missing: run `npm run build` first');
  emu = await startTestEmulator({ sim: { taskSeconds: 0.2 } });
  await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/nightly.py', Body: DAG }));
  await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/long.py', Body: LONG }));
  await emu.mwaa.send(
    new CreateEnvironmentCommand({
      Name: ENV,
      AirflowVersion: '2.10.3',
      ExecutionRoleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/mwaa-exec`,
      SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
      DagS3Path: 'dags',
      NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
      LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } },
    }),
  );
  for (let i = 0; i < 100; i++) {
    if ((await emu.mwaa.send(new GetEnvironmentCommand({ Name: ENV }))).Environment?.Status === 'AVAILABLE') break;
    await emu.advance(5);
  }
  ({ dir, cleanup } = tempDir('mwaa-remote-proc-'));
  writeFileSync(join(dir, 'mwaa.yaml'), `environments:\n  ci:\n    name: ${ENV}\n    region: us-east-1\n    bucket: ${BUCKET}\n`);
}, 60_000);

afterAll(async () => {
  await emu?.close();
  cleanup?.();
});

interface Running {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  stdoutHas(re: RegExp): Promise<void>;
  stderrHas(re: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

function start(argv: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd: dir,
    env: baseEnv({ ...emu.env, CI: 'true', MWAA_TRANSPORT: 'cli' }) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d) => {
    stdout += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of waiters.splice(0)) w();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    done,
    async stdoutHas(re) {
      const deadline = Date.now() + 20_000;
      while (!re.test(stdout)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in stdout: ${stdout} / ${stderr}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    async stderrHas(re) {
      const deadline = Date.now() + 20_000;
      while (!re.test(stderr)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in stderr: ${stdout} / ${stderr}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    kill: (signal) => child.kill(signal),
  };
}

describe('mwaa trigger --wait (process)', () => {
  it('Ctrl-C stops waiting with exit 130 and the run goes on untouched', async () => {
    const proc = start(['trigger', 'long', '--unpause', '--wait', '--poll', '200ms']);
    await proc.stdoutHas(/manual__\S+\n/);
    // a poll has reported a task (any: on a loaded machine the first poll may come after t0 ended)
    await proc.stderrHas(/^t\d+: \w+/m);
    proc.kill('SIGINT');
    const result = await proc.done;
    expect(result.code, result.stderr).toBe(130);
    const runId = result.stdout.trim();
    expect(result.stderr).toMatch(new RegExp(`stopped waiting; run ${runId.replace(/[+.]/g, '\\$&')} of long goes on`));
    // the run is still there, still going
    const state = start(['airflow', 'dags', 'list-runs', '-d', 'long', '-o', 'json']);
    const listed = await state.done;
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout.trim().split('\n').pop()!) as Array<{ run_id: string; state: string }>;
    expect(rows.find((r) => r.run_id === runId)?.state).toMatch(/^(queued|running)$/);
  });

  it('--wait on a paused DAG without --unpause: exit 1 before anything is triggered', async () => {
    const result = await start(['trigger', 'nightly', '--wait', '--poll', '200ms']).done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: DAG nightly is paused: a run cannot start until it is unpaused; nothing was triggered$/m);
    const listed = await start(['airflow', 'dags', 'list-runs', '-d', 'nightly', '-o', 'json']).done;
    expect(JSON.parse(listed.stdout.trim().split('\n').pop()!)).toEqual([]);
  });

  it('a CI step: --conf @conf.json --wait exits 0 when the run succeeds and 1 when it fails', async () => {
    writeFileSync(join(dir, 'conf.json'), '{"date": "2024-01-31", "note": "from CI"}\n');
    const ok = await start(['trigger', 'nightly', '--conf', '@conf.json', '--unpause', '--wait', '--poll', '100ms', '--timeout', '2m'])
      .done;
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/only: success/);
    await emu.failTask(ENV, 'nightly', 'only');
    const failed = await start(['trigger', 'nightly', '--conf', '@conf.json', '--wait', '--poll', '100ms', '--timeout', '2m']).done;
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/task only failed; the last \d+ lines? of its log/);
  });
});
