/**
 * `mwaa logs` finds the emulator's task logs by DAG / run / task / try / map index: a mapped task with a
 * retry, whose first try fails in every map index, on Airflow 2.10 and 3.0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator, untilStatus } from '../helpers/emulator.js';
import { createEnvironment, project, putObject, versionedBucket } from './logs-helpers.js';

const BUCKET = 'logs-mapped-bucket';
const MAPPED = `from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("fanout", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    BashOperator.partial(task_id="echo", retries=1, retry_delay=timedelta(seconds=10)).expand(bash_command=["echo a", "echo b", "echo c"])
`;

let emu: TestEmulator;
const savedEnv = { ...process.env };
const dirs: Array<() => void> = [];

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 0.5, taskSeconds: 1 } });
  Object.assign(process.env, emu.env);
  await versionedBucket(emu, BUCKET);
  await putObject(emu, BUCKET, 'dags/fanout.py', MAPPED);
}, 30_000);

afterAll(async () => {
  process.env = savedEnv;
  await emu?.close();
  for (const c of dirs) c();
});

for (const version of ['2.10.3', '3.0.6']) {
  describe(`mapped task logs on Airflow ${version}`, () => {
    const name = `mapped-${version.startsWith('3') ? 'af3' : 'af2'}`;
    let dir: string;
    const mwaa = (...argv: string[]) => runCli(['--endpoint-url', emu.url, ...argv], { cwd: dir, env: baseEnv(emu.env) });

    beforeAll(async () => {
      const d = tempDir('mwaa-logs-mapped-');
      dirs.push(d.cleanup);
      dir = d.dir;
      await createEnvironment(emu, BUCKET, name, {
        AirflowVersion: version,
        LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } },
      });
      await untilStatus(emu, name, 'AVAILABLE');
      project(dir, name, BUCKET);
    }, 30_000);

    it('one stream per map index and try, each found with --map-index and --try', async () => {
      expect((await mwaa('airflow', 'dags', 'unpause', 'fanout')).code).toBe(0);
      const fail = await emu.control('POST', `/_mwaa_local/airflow/${name}/fail-task`, { dagId: 'fanout', taskId: 'echo', times: 1 });
      expect(fail.status).toBe(200);
      const t = await mwaa('--json', 'trigger', 'fanout');
      expect(t.code, t.stderr).toBe(0);
      const runId = (JSON.parse(t.stdout) as { runId: string }).runId;
      await emu.advance(30);

      const all = await mwaa('logs', 'fanout', '--run', runId, '--task', 'echo', '--json');
      expect(all.code, all.stderr).toBe(0);
      const streams = new Set(
        all.stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { stream: string }).stream.split('/task_id=echo/')[1]),
      );
      expect([...streams].sort()).toEqual([
        'map_index=0/attempt=1.log',
        'map_index=0/attempt=2.log',
        'map_index=1/attempt=1.log',
        'map_index=1/attempt=2.log',
        'map_index=2/attempt=1.log',
        'map_index=2/attempt=2.log',
      ]);

      const one = await mwaa('logs', 'fanout', '--run', runId, '--task', 'echo', '--map-index', '1', '--try', '2', '--json');
      expect(one.code, one.stderr).toBe(0);
      const lines = one.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { stream: string; message: string });
      expect(new Set(lines.map((l) => l.stream.split('/task_id=echo/')[1]))).toEqual(new Set(['map_index=1/attempt=2.log']));
      expect(lines.some((l) => /Starting attempt 2 of 2|Try number 2 of 2/.test(l.message))).toBe(true);

      const text = await mwaa('logs', 'fanout', '--run', runId, '--task', 'echo', '--map-index', '2');
      expect(text.stdout).toMatch(/echo\[2\]#1/);
      expect(text.stdout).toMatch(/echo\[2\]#2/);
    }, 60_000);
  });
}
