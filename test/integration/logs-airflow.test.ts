/**
 * `mwaa logs` on runs triggered through the emulator's Airflow (CreateCliToken + POST `dags trigger` to
 * http://<WebServerHostname>/aws_mwaa/cli, then the clock moved on): the task logs the emulator writes
 * with MWAA's stream names, Airflow 2.10 text and Airflow 3 JSON events, a failed task, and
 * tailTaskLog (used by `mwaa trigger --wait`) over the real SDK port.
 */
import { CreateCliTokenCommand } from '@aws-sdk/client-mwaa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailTaskLog } from '../../src/core/logs/address.js';
import { cloudWatchLogs } from '../../src/aws/logs.js';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator, untilStatus } from '../helpers/emulator.js';
import { createEnvironment, liveCli, project, putObject, versionedBucket, ETL_DAG as ETL } from './logs-helpers.js';

const BUCKET = 'logs-airflow-bucket';
const AF2 = 'logs-af2';
const AF3 = 'logs-af3';

let emu: TestEmulator;
let af2: { dir: string; cleanup: () => void };
let af3: { dir: string; cleanup: () => void };
const savedEnv = { ...process.env };

async function airflow(env: string, command: string): Promise<{ stdout: string; stderr: string }> {
  const t = await emu.mwaa.send(new CreateCliTokenCommand({ Name: env }));
  const res = await fetch(`http://${t.WebServerHostname}/aws_mwaa/cli`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.CliToken}`, 'content-type': 'text/plain' },
    body: command,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { stdout: string; stderr: string };
  return { stdout: Buffer.from(body.stdout, 'base64').toString('utf8'), stderr: Buffer.from(body.stderr, 'base64').toString('utf8') };
}

/** The run ids of a DAG, from `dags list-runs -o json` (the payload is the last JSON array line). */
async function runIds(env: string): Promise<string[]> {
  const { stdout } = await airflow(env, 'dags list-runs -d etl -o json');
  const line = stdout
    .trimEnd()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('['));
  return (JSON.parse(line!) as Array<{ run_id: string }>).map((r) => r.run_id);
}

const mwaa = (dir: string, ...argv: string[]) => runCli(['--endpoint-url', emu.url, ...argv], { cwd: dir, env: baseEnv(emu.env) });

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 0.5, taskSeconds: 1 } });
  Object.assign(process.env, emu.env); // the in-process CLI's SDK reads credentials from process.env
  await versionedBucket(emu, BUCKET);
  await putObject(emu, BUCKET, 'dags/etl.py', ETL);
  const logging = { TaskLogs: { Enabled: true, LogLevel: 'INFO' as const } };
  await createEnvironment(emu, BUCKET, AF2, { AirflowVersion: '2.10.3', LoggingConfiguration: logging });
  await createEnvironment(emu, BUCKET, AF3, { AirflowVersion: '3.0.6', LoggingConfiguration: logging });
  await untilStatus(emu, AF2, 'AVAILABLE');
  await untilStatus(emu, AF3, 'AVAILABLE');
  af2 = tempDir('mwaa-logs-af2-');
  project(af2.dir, AF2, BUCKET);
  af3 = tempDir('mwaa-logs-af3-');
  project(af3.dir, AF3, BUCKET);

  await emu.advance(2);
  // Airflow 2: a run that succeeds (run id given), then one where transform fails (generated run id)
  await airflow(AF2, 'dags unpause etl');
  await airflow(AF2, 'dags trigger etl -r first_run');
  await emu.advance(12);
  await emu.failTask(AF2, 'etl', 'transform');
  await emu.advance(1.1);
  await airflow(AF2, 'dags trigger etl');
  await emu.advance(12);
  // Airflow 3: one run
  await airflow(AF3, 'dags unpause etl');
  await airflow(AF3, 'dags trigger etl -r af3_run');
  await emu.advance(12);
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await emu?.close();
  af2?.cleanup();
  af3?.cleanup();
});

describe('logs of runs triggered through the emulated Airflow', () => {
  it('all tasks of a run, in dependency order', async () => {
    const r = await mwaa(af2.dir, 'logs', 'etl', '--run', 'first_run');
    expect(r.code).toBe(0);
    const out = r.stdout;
    const at = (text: string) => out.indexOf(text);
    expect(at('extract#1')).toBeGreaterThanOrEqual(0);
    expect(at('extract#1')).toBeLessThan(at('transform#1'));
    expect(at('transform#1')).toBeLessThan(at('load#1'));
    expect(out).toMatch(/extract#1 +\[.*\] \{subprocess\.py:\d+\} INFO - extracting/);
    expect(out).toContain('Marking task as SUCCESS. dag_id=etl, task_id=load, run_id=first_run');
  });

  it('--run latest, one task: the failed transform with its traceback, lines kept', async () => {
    const ids = await runIds(AF2);
    const failing = ids.find((id) => id !== 'first_run')!;
    expect(failing).toMatch(/^manual__.*:/); // a generated run id with colons
    const r = await mwaa(af2.dir, 'logs', 'etl', '--run', 'latest', '--task', 'transform');
    expect(r.code).toBe(0);
    // the remote Airflow names the newest run (its state too)
    expect(r.stderr).toContain(`latest run of etl: ${failing} (failed)`);
    expect(r.stdout).toContain('ERROR - Task failed with exception');
    const lines = r.stdout.split('\n');
    const tb = lines.findIndex((l) => l.trim() === 'Traceback (most recent call last):');
    expect(tb).toBeGreaterThan(0);
    // continuation lines carry no time of their own
    expect(lines[tb]).toMatch(/^ +Traceback/);
    expect(r.stdout).toContain('was made to fail by the mwaa local emulator');
    expect(r.stdout).not.toContain('extract#1');

    // the same run addressed by its id with colons, one try
    const one = await mwaa(af2.dir, 'logs', 'etl', '--run', failing, '--task', 'transform', '--try', '1', '--filter', 'FAILED');
    expect(one.code).toBe(0);
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(one.stdout).toContain('Marking task as FAILED');
  });

  it('a task that never ran (upstream failed) is not found, and the tasks that did run are listed', async () => {
    const r = await mwaa(af2.dir, 'logs', 'etl', '--run', 'latest', '--task', 'load');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/tasks with logs in this run:\n\s+extract\n\s+transform/);
  });

  it('tailTaskLog gives the last lines of the failed task over the real SDK port', async () => {
    const failing = (await runIds(AF2)).find((id) => id !== 'first_run')!;
    const tail = await tailTaskLog({
      logs: cloudWatchLogs(emu.logs),
      group: `airflow-${AF2}-Task`,
      dagId: 'etl',
      runId: failing,
      taskId: 'transform',
      lines: 40,
    });
    expect(tail.try).toBe(1);
    expect(tail.stream).toBe(`dag_id=etl/run_id=${failing.replaceAll(':', '_')}/task_id=transform/attempt=1.log`);
    expect(tail.lines.length).toBeLessThanOrEqual(40);
    expect(tail.lines.join('\n')).toContain('AirflowException: Task transform of DAG etl was made to fail by the mwaa local emulator');
  });

  it('--run latest right after a trigger: the new run has no logs yet, --follow waits for it', async () => {
    await emu.advance(1.1);
    await airflow(AF2, 'dags trigger etl -r newest_run');
    // no clock moved: the run is queued and has no task logs
    const now = await mwaa(af2.dir, 'logs', 'etl', '--run', 'latest', '--task', 'extract');
    expect(now.code).toBe(0);
    expect(now.stderr).toMatch(
      /latest run of etl: newest_run \((queued|running)\) has no logs yet \(--follow waits for them\); showing manual__/,
    );

    const live = liveCli(emu, ['logs', 'etl', '--run', 'latest', '--follow', '--interval', '100ms'], af2.dir);
    // the follow has chosen its run: with no clock moved, that run has written nothing yet
    await live.waitForStderr('latest run of etl: newest_run');
    expect(live.stdout()).toBe('');
    await emu.advance(12);
    await live.waitFor('Marking task as SUCCESS. dag_id=etl, task_id=load, run_id=newest_run');
    live.interrupt();
    expect(await live.done).toBe(0);
    expect(live.stderr()).toMatch(/latest run of etl: newest_run/);
    expect(live.stdout()).not.toContain('first_run');
  });

  it('when the remote Airflow fails, --run latest falls back to the log streams', async () => {
    await emu.fault({ service: 'airflow', operation: 'cli', times: 5, error: { status: 500, code: 'InternalServerError' } });
    try {
      const r = await mwaa(af2.dir, '--debug', 'logs', 'etl', '--run', 'latest', '--task', 'load');
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('the remote Airflow could not list the runs of etl');
      expect(r.stderr).toContain('latest run of etl: newest_run');
      expect(r.stdout).toContain('run_id=newest_run');
    } finally {
      await emu.clearFaults();
    }
  });

  it('--follow --run <a run that does not exist>: exit 3 at once instead of waiting forever', async () => {
    const r = await mwaa(af2.dir, 'logs', 'etl', '--run', 'manual__1999-01-01T00:00:00+00:00', '--follow', '--interval', '100ms');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(
      /^error: run "manual__1999-01-01T00:00:00\+00:00" of DAG "etl" does not exist in the environment's Airflow; there is nothing to follow$/m,
    );
    expect(r.stdout).toBe('');
  });

  it('--follow --run <a run just triggered, no logs yet>: waits for its logs', async () => {
    await emu.advance(1.1);
    await airflow(AF2, 'dags trigger etl -r follow_me');
    const live = liveCli(emu, ['logs', 'etl', '--run', 'follow_me', '--follow', '--interval', '100ms'], af2.dir);
    for (const end = Date.now() + 10_000; !live.stderr().includes('no logs for run follow_me of DAG "etl" yet; waiting for them'); ) {
      if (Date.now() > end) throw new Error(`never waited for the run's logs; stderr:\n${live.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await emu.advance(12);
    await live.waitFor('Marking task as SUCCESS. dag_id=etl, task_id=load, run_id=follow_me');
    live.interrupt();
    expect(await live.done).toBe(0);
  });

  it('Airflow 3: JSON events rendered as lines, and raw with --json', async () => {
    const r = await mwaa(af3.dir, 'logs', 'etl', '--run', 'af3_run', '--task', 'extract');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('{"timestamp"');
    expect(r.stdout).toMatch(/extract#1 +INFO airflow\.task\.hooks\.[\w.]+SubprocessHook: extracting/);

    const j = await mwaa(af3.dir, 'logs', 'etl', '--run', 'af3_run', '--task', 'extract', '--json');
    expect(j.code).toBe(0);
    const records = j.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.length).toBeGreaterThan(3);
    for (const rec of records) {
      expect(rec.stream).toBe('dag_id=etl/run_id=af3_run/task_id=extract/attempt=1.log');
      expect(rec.structured).toEqual(JSON.parse(rec.message));
    }
    expect(records.map((x) => x.structured.event)).toContain('extracting');
  });
});
