/**
 * The cross-DAG example (examples/cross-dag) on the emulator, driven by the mwaa CLI: two hourly DAGs,
 * the downstream one waiting for the upstream one with an ExternalTaskSensor in reschedule mode.
 * The clock is advanced to instants relative to a coming full hour H (tasks take 120 simulated seconds):
 *   H+60 s the runs start; upstream.extract runs H+90..H+180; the sensor pokes at H+90 (until H+120),
 *   is up_for_reschedule until its next poke at H+180, ... and succeeds once upstream.publish has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, ROOT, runCli, tempDir } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator, untilStatus } from '../helpers/emulator.js';
import { createEnvironment, project, putObject, versionedBucket } from './logs-helpers.js';

const BUCKET = 'cross-dag-bucket';
const HOUR = 3_600_000;
const EXAMPLE = join(ROOT, 'examples', 'cross-dag', 'dags');

let emu: TestEmulator;
const savedEnv = { ...process.env };
const dirs: Array<{ dir: string; cleanup: () => void }> = [];

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 0.5, taskSeconds: 120 } });
  Object.assign(process.env, emu.env);
  await versionedBucket(emu, BUCKET);
  for (const f of ['upstream.py', 'downstream.py']) await putObject(emu, BUCKET, `dags/${f}`, readFileSync(join(EXAMPLE, f), 'utf8'));
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await emu?.close();
  for (const d of dirs) d.cleanup();
});

async function clockNow(): Promise<number> {
  return (await emu.control('GET', '/_mwaa_local/clock')).body.now as number;
}

/** Moves the clock to `target` (ms); a target already passed is left alone. */
async function advanceTo(target: number): Promise<void> {
  const now = await clockNow();
  if (target > now) await emu.advance((target - now) / 1000);
}

/**
 * The first full hour at least 15 minutes away: the runs created before it (at unpausing, or at an
 * earlier hour) have finished by then, so with max_active_runs=1 the runs due at it start at once.
 */
function nextQuietHour(now: number): number {
  return Math.ceil((now + 15 * 60_000) / HOUR) * HOUR;
}

interface TiRow {
  task_id: string;
  state: string | null;
}

for (const version of ['2.10.3', '3.0.6']) {
  describe(`the cross-DAG example on Airflow ${version}`, () => {
    const af3 = version.startsWith('3');
    const name = `cross-${af3 ? 'af3' : 'af2'}`;
    let dir: string;
    const mwaa = (...argv: string[]) => runCli(['--endpoint-url', emu.url, ...argv], { cwd: dir, env: baseEnv(emu.env) });

    async function airflowJson<T>(...argv: string[]): Promise<T> {
      const r = await mwaa('airflow', ...argv, '-o', 'json');
      expect(r.code, r.stderr).toBe(0);
      const line = r.stdout
        .trimEnd()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('['));
      return JSON.parse(line!) as T;
    }
    const listRuns = (dag: string) =>
      airflowJson<Array<{ run_id: string; state: string; logical_date?: string; execution_date?: string }>>(
        ...(af3 ? ['dags', 'list-runs', dag] : ['dags', 'list-runs', '-d', dag]),
      );
    const states = async (dag: string, runId: string) =>
      Object.fromEntries((await airflowJson<TiRow[]>('tasks', 'states-for-dag-run', dag, runId)).map((r) => [r.task_id, r.state]));
    const logical = (r: { logical_date?: string; execution_date?: string }) => (af3 ? r.logical_date : r.execution_date);

    /** The logical date (ISO) of the run due at the hour boundary H. */
    const logicalFor = (h: number) => new Date(af3 ? h : h - HOUR).toISOString().replace('.000Z', '+00:00');

    async function runFor(dag: string, date: string): Promise<string> {
      const runs = (await listRuns(dag)).filter((r) => logical(r) === date);
      expect(
        runs.map((r) => r.run_id),
        `${dag} runs for ${date}`,
      ).toHaveLength(1);
      return runs[0].run_id;
    }

    beforeAll(async () => {
      const d = tempDir('mwaa-cross-dag-');
      dirs.push(d);
      dir = d.dir;
      await createEnvironment(emu, BUCKET, name, {
        AirflowVersion: version,
        LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } },
      });
      await untilStatus(emu, name, 'AVAILABLE');
      project(dir, name, BUCKET);
      for (const dag of ['upstream', 'downstream']) {
        const r = await mwaa('airflow', 'dags', 'unpause', dag);
        expect(r.code, r.stderr).toBe(0);
      }
    }, 60_000);

    it('advancing to the next hour gives one run of each DAG for the same logical date; the sensor waits up_for_reschedule, then both succeed', async () => {
      const h = nextQuietHour(await clockNow());
      await advanceTo(h + 150_000);
      const date = logicalFor(h);
      const up = await runFor('upstream', date);
      const down = await runFor('downstream', date);
      expect(up).toBe(`scheduled__${date}`);
      expect(down).toBe(`scheduled__${date}`);
      expect(await states('upstream', up)).toMatchObject({ extract: 'running' });
      expect(await states('downstream', down)).toMatchObject({ wait_for_upstream: 'up_for_reschedule', report: null });

      const cli = await mwaa('airflow', 'tasks', 'state', 'downstream', 'wait_for_upstream', down);
      expect(cli.stdout.trim().split('\n').pop()).toBe('up_for_reschedule');

      await advanceTo(h + 20 * 60_000);
      expect((await listRuns('upstream')).find((r) => r.run_id === up)?.state).toBe('success');
      expect((await listRuns('downstream')).find((r) => r.run_id === down)?.state).toBe('success');
      expect(await states('downstream', down)).toEqual({ wait_for_upstream: 'success', report: 'success' });

      // the sensor's pokes are in its log, one stream for its one try
      const logs = await mwaa('logs', 'downstream', '--run', down, '--task', 'wait_for_upstream', '--json');
      expect(logs.code, logs.stderr).toBe(0);
      const events = logs.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { stream: string; message: string });
      expect(new Set(events.map((e) => e.stream))).toEqual(
        new Set([`dag_id=downstream/run_id=${down.replace(/:/g, '_')}/task_id=wait_for_upstream/attempt=1.log`]),
      );
      const text = events.map((e) => e.message).join('\n');
      expect(text.match(/Poking for tasks \['publish'\] in dag upstream/g)?.length).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/UP_FOR_RESCHEDULE/);
    }, 120_000);

    it('with the upstream task made to fail (every try), the sensor ends failed per failed_states and the downstream run fails', async () => {
      const h = nextQuietHour(await clockNow());
      const failed = await emu.control('POST', `/_mwaa_local/airflow/${name}/fail-task`, { dagId: 'upstream', taskId: 'extract' });
      expect(failed.status).toBe(200);
      await advanceTo(h + 30 * 60_000);
      const date = logicalFor(h);
      const up = await runFor('upstream', date);
      const down = await runFor('downstream', date);
      expect(await states('upstream', up)).toEqual({ extract: 'failed', publish: 'upstream_failed' });
      expect(await states('downstream', down)).toEqual({ wait_for_upstream: 'failed', report: 'upstream_failed' });
      expect((await listRuns('downstream')).find((r) => r.run_id === down)?.state).toBe('failed');
      // extract has retries=1: two tries, two streams
      const logs = await mwaa('logs', 'upstream', '--run', up, '--task', 'extract', '--json');
      const streams = new Set(
        logs.stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { stream: string }).stream.replace(/^.*\//, '')),
      );
      expect(streams).toEqual(new Set(['attempt=1.log', 'attempt=2.log']));
    }, 120_000);
  });
}
