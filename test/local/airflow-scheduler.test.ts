/**
 * The emulated Airflow's scheduler and task semantics through MWAA's CLI endpoint, on Airflow 2.10 and
 * 3.0 output formats: catch-up counts (and the version's catch-up default, max_active_runs), retries with
 * their try numbers and log streams, mapped task instances with map indexes, dataset/asset-triggered runs.
 * The clock is moved with POST /_mwaa_local/clock; nothing sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateCliTokenCommand, CreateEnvironmentCommand, GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shlexQuote } from '../../src/local/airflow/shlex.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const HOUR = 3_600_000;
let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 0.5, taskSeconds: 2 } });
}, 30_000);
afterAll(async () => emu?.close());

async function clockNow(): Promise<number> {
  return (await emu.control('GET', '/_mwaa_local/clock')).body.now as number;
}

function pyDatetime(ms: number): string {
  const d = new Date(ms);
  return `datetime(${d.getUTCFullYear()}, ${d.getUTCMonth() + 1}, ${d.getUTCDate()}, ${d.getUTCHours()})`;
}

function jsonPayload(stdout: string): any[] {
  const line = stdout
    .trimEnd()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('['));
  if (!line) throw new Error(`no JSON array in stdout:\n${stdout}`);
  return JSON.parse(line) as any[];
}

for (const version of ['2.10.3', '3.0.6']) {
  describe(`Airflow ${version}`, () => {
    const af3 = version.startsWith('3');
    const ENV = `sched-${af3 ? 'af3' : 'af2'}`;
    const BUCKET = `sched-bucket-${af3 ? 'af3' : 'af2'}`;
    const group = `airflow-${ENV}-Task`;

    async function cli(command: string): Promise<{ stdout: string; stderr: string; exit: string | null }> {
      const t = await emu.mwaa.send(new CreateCliTokenCommand({ Name: ENV }));
      const res = await fetch(`http://${t.WebServerHostname}/aws_mwaa/cli`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.CliToken}` },
        body: command,
      });
      expect(res.status).toBe(200);
      const j = (await res.json()) as { stdout: string; stderr: string };
      return {
        stdout: Buffer.from(j.stdout, 'base64').toString('utf8'),
        stderr: Buffer.from(j.stderr, 'base64').toString('utf8'),
        exit: res.headers.get('x-mwaa-local-exit-code'),
      };
    }
    const runs = async (dag: string) =>
      jsonPayload((await cli(af3 ? `dags list-runs ${dag} -o json` : `dags list-runs -d ${dag} -o json`)).stdout);
    const rows = async (dag: string, runId: string) =>
      jsonPayload((await cli(`tasks states-for-dag-run ${dag} ${shlexQuote(runId)} -o json`)).stdout);
    const put = (key: string, body: string) => emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    async function streams(prefix: string): Promise<string[]> {
      const r = await emu.logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: prefix }));
      return (r.logStreams ?? []).map((s) => s.logStreamName!).sort();
    }
    async function logText(stream: string): Promise<string> {
      const r = await emu.logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }));
      return (r.events ?? []).map((e) => e.message).join('\n');
    }
    async function triggered(dag: string): Promise<string> {
      const r = await cli(`dags trigger ${dag} -o json`);
      expect(r.exit, r.stderr).toBe('0');
      return jsonPayload(r.stdout)[0].dag_run_id as string;
    }

    beforeAll(async () => {
      await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
      await emu.mwaa.send(
        new CreateEnvironmentCommand({
          Name: ENV,
          AirflowVersion: version,
          ExecutionRoleArn: 'arn:aws:iam::123456789012:role/mwaa',
          SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
          DagS3Path: 'dags',
          NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
          LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' }, SchedulerLogs: { Enabled: true, LogLevel: 'INFO' } },
        }),
      );
      for (let i = 0; i < 50; i++) {
        if ((await emu.mwaa.send(new GetEnvironmentCommand({ Name: ENV }))).Environment?.Status === 'AVAILABLE') break;
        await emu.advance(1);
      }
    }, 30_000);

    it('catch-up creates a run per missed interval (at most max_active_runs at once); without it only the latest; the default follows the version', async () => {
      // five hours after an hour boundary + 5 minutes, so no boundary is crossed while the test runs
      const now = await clockNow();
      const h = Math.ceil(now / HOUR) * HOUR;
      await emu.advance((h + 5 * 60_000 - now) / 1000);
      const start = pyDatetime(h - 5 * HOUR);
      const dag = (id: string, catchup: string) =>
        `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\nwith DAG("${id}", schedule="@hourly", start_date=${start}${catchup}, max_active_runs=2) as dag:\n    BashOperator(task_id="t", bash_command="echo hi")\n`;
      await put('dags/catchup_on.py', dag('catchup_on', ', catchup=True'));
      await put('dags/catchup_off.py', dag('catchup_off', ', catchup=False'));
      await put('dags/catchup_default.py', dag('catchup_default', ''));
      for (const id of ['catchup_on', 'catchup_off', 'catchup_default']) expect((await cli(`dags unpause ${id}`)).exit).toBe('0');
      // right away: two runs of catchup_on, as max_active_runs=2 holds back the others
      expect(await runs('catchup_on')).toHaveLength(2);
      await emu.advance(60);
      // Airflow 2 runs each [H-5h, H-4h) ... [H-1h, H) at its end (5 runs); Airflow 3's cron trigger runs H-5h ... H (6)
      const on = await runs('catchup_on');
      expect(on).toHaveLength(af3 ? 6 : 5);
      expect(on.every((r) => r.state === 'success')).toBe(true);
      const first = new Date(h - 5 * HOUR).toISOString().replace('.000Z', '+00:00');
      expect(on.map((r) => r.run_id)).toContain(`scheduled__${first}`);
      // without catch-up: Airflow 2 runs the latest interval at once; Airflow 3's cron trigger waits for the next fire time
      expect(await runs('catchup_off')).toHaveLength(af3 ? 0 : 1);
      // the REST API (what InvokeRestApi answers) tells scheduled runs apart
      const rest = emu.world.airflow.invokeRestApi(ENV, {
        path: '/dags/catchup_on/dagRuns',
        method: 'GET',
        query: {},
        body: undefined,
      }) as { status: number; body: any };
      expect(rest.status).toBe(200);
      expect(rest.body.dag_runs[0]).toMatchObject({
        run_type: 'scheduled',
        state: 'success',
        ...(af3 ? { triggered_by: 'timetable' } : { external_trigger: false }),
      });
      expect(await runs('catchup_default')).toHaveLength(af3 ? 0 : 5);
      // an hour later each DAG has one run more (on Airflow 3, catchup_off's first)
      await emu.advance(3600);
      expect(await runs('catchup_off')).toHaveLength(af3 ? 1 : 2);
      expect(await runs('catchup_on')).toHaveLength(af3 ? 7 : 6);
    }, 60_000);

    it('retries: a task made to fail twice is up_for_retry between tries and succeeds on try 3, one log stream per try', async () => {
      await put(
        'dags/flaky.py',
        `from datetime import datetime, timedelta\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\nwith DAG("flaky", schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n    BashOperator(task_id="load", bash_command="echo loading", retries=2, retry_delay=timedelta(seconds=30))\n`,
      );
      expect((await cli('dags unpause flaky')).exit).toBe('0');
      const failed = await emu.control('POST', `/_mwaa_local/airflow/${ENV}/fail-task`, { dagId: 'flaky', taskId: 'load', times: 2 });
      expect(failed.body).toMatchObject({ ok: true, times: 2, runId: null });
      const runId = await triggered('flaky');
      await emu.advance(6);
      const st = await cli(`tasks state flaky load ${shlexQuote(runId)}`);
      expect(st.stdout, st.stderr).toBeTruthy();
      expect(st.stdout.trim().split('\n').pop()).toBe('up_for_retry');
      await emu.advance(70);
      expect(await rows('flaky', runId)).toMatchObject([{ task_id: 'load', state: 'success' }]);
      const prefix = `dag_id=flaky/run_id=${runId.replace(/:/g, '_')}/task_id=load/`;
      expect(await streams(prefix)).toEqual([1, 2, 3].map((n) => `${prefix}attempt=${n}.log`));
      const first = await logText(`${prefix}attempt=1.log`);
      const last = await logText(`${prefix}attempt=3.log`);
      if (af3) {
        expect(first).toContain('"event": "Task failed with exception"');
        expect(last).toContain('"event": "Try number 3 of 3"');
      } else {
        expect(first).toContain('Starting attempt 1 of 3');
        expect(first).toContain('Marking task as UP_FOR_RETRY.');
        expect(last).toContain('Starting attempt 3 of 3');
        expect(last).toContain("AIRFLOW_CTX_TRY_NUMBER='3'");
        expect(last).toContain('Marking task as SUCCESS.');
        // the scheduler's executor events carry the try numbers
        const sched = await emu.logs.send(new DescribeLogStreamsCommand({ logGroupName: `airflow-${ENV}-Scheduler` }));
        const events = await emu.logs.send(
          new GetLogEventsCommand({
            logGroupName: `airflow-${ENV}-Scheduler`,
            logStreamName: sched.logStreams![0].logStreamName!,
            startFromHead: true,
          }),
        );
        const loadEvents = (events.events ?? []).map((e) => e.message!).filter((m) => m.includes("task_id='load'"));
        expect(loadEvents.map((m) => /state (\w+) .*try_number=(\d)/.exec(m)!.slice(1).join('#'))).toEqual([
          'failed#1',
          'failed#2',
          'success#3',
        ]);
      }
    }, 60_000);

    it('mapped tasks: one instance per item of the literal list, with map indexes in states and log stream names', async () => {
      await put(
        'dags/mapped.py',
        `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\nfrom airflow.operators.empty import EmptyOperator\n\nwith DAG("mapped", schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n    echo = BashOperator.partial(task_id="echo").expand(bash_command=["echo a", "echo b", "echo c"])\n    done = EmptyOperator(task_id="done")\n    echo >> done\n`,
      );
      expect((await cli('dags unpause mapped')).exit).toBe('0');
      const runId = await triggered('mapped');
      await emu.advance(20);
      const got = await rows('mapped', runId);
      expect(got.map((r) => [r.task_id, r.map_index, r.state])).toEqual([
        ['echo', '0', 'success'],
        ['echo', '1', 'success'],
        ['echo', '2', 'success'],
        ['done', '', 'success'],
      ]);
      expect((await cli(`tasks state mapped echo ${shlexQuote(runId)} --map-index 1`)).stdout.trim().split('\n').pop()).toBe('success');
      const prefix = `dag_id=mapped/run_id=${runId.replace(/:/g, '_')}/task_id=echo/`;
      expect(await streams(prefix)).toEqual([0, 1, 2].map((i) => `${prefix}map_index=${i}/attempt=1.log`));
    }, 60_000);

    it('TriggerDagRunOperator with wait_for_completion creates the other run and succeeds once it has', async () => {
      await put(
        'dags/parent.py',
        `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.trigger_dagrun import TriggerDagRunOperator\n\nwith DAG("parent", schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n    TriggerDagRunOperator(task_id="kick", trigger_dag_id="child", wait_for_completion=True, poke_interval=10)\n`,
      );
      await put(
        'dags/child.py',
        `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\nwith DAG("child", schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n    BashOperator(task_id="work", bash_command="echo child")\n`,
      );
      for (const id of ['parent', 'child']) expect((await cli(`dags unpause ${id}`)).exit).toBe('0');
      const parent = await triggered('parent');
      await emu.advance(3);
      const children = await runs('child');
      expect(children).toHaveLength(1);
      expect(children[0].run_id).toMatch(/^manual__/);
      expect(await rows('parent', parent)).toMatchObject([{ task_id: 'kick', state: 'running' }]);
      await emu.advance(30);
      expect((await runs('child'))[0].state).toBe('success');
      expect(await rows('parent', parent)).toMatchObject([{ task_id: 'kick', state: 'success' }]);
    }, 60_000);

    it('a trigger waiting on a paused DAG stays running (its log so far is written) and finishes once that DAG is unpaused', async () => {
      await put(
        'dags/waiter.py',
        `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.trigger_dagrun import TriggerDagRunOperator\n\nwith DAG("waiter", schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n    TriggerDagRunOperator(task_id="kick", trigger_dag_id="sleeper", wait_for_completion=True, poke_interval=10)\n`,
      );
      await put(
        'dags/sleeper.py',
        `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\nwith DAG("sleeper", schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n    BashOperator(task_id="work", bash_command="echo late")\n`,
      );
      expect((await cli('dags unpause waiter')).exit).toBe('0');
      expect((await cli(`dags list-runs${af3 ? ' sleeper' : ' -d sleeper'}`)).exit).toBe('0'); // sleeper is seen, and stays paused
      const runId = await triggered('waiter');
      await emu.advance(30);
      expect(await rows('waiter', runId)).toMatchObject([{ task_id: 'kick', state: 'running' }]);
      expect((await runs('sleeper')).map((r) => r.state)).toEqual(['queued']);
      expect(await streams(`dag_id=waiter/run_id=${runId.replace(/:/g, '_')}/task_id=kick/`)).toHaveLength(1);
      expect((await cli('dags unpause sleeper')).exit).toBe('0');
      await emu.advance(30);
      expect(await rows('waiter', runId)).toMatchObject([{ task_id: 'kick', state: 'success' }]);
      const log = await logText(`dag_id=waiter/run_id=${runId.replace(/:/g, '_')}/task_id=kick/attempt=1.log`);
      expect(log).toContain('Waiting for sleeper on');
    }, 60_000);

    it('an ExternalTaskSensor whose external run never comes times out as configured (poke mode: running until then)', async () => {
      await put(
        'dags/lonely.py',
        `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.sensors.external_task import ExternalTaskSensor\n\nwith DAG("lonely", schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n    ExternalTaskSensor(task_id="wait", external_dag_id="nobody", external_task_id="t", poke_interval=30, timeout=120)\n`,
      );
      expect((await cli('dags unpause lonely')).exit).toBe('0');
      const runId = await triggered('lonely');
      await emu.advance(60);
      expect(await rows('lonely', runId)).toMatchObject([{ task_id: 'wait', state: 'running' }]);
      await emu.advance(120);
      expect(await rows('lonely', runId)).toMatchObject([{ task_id: 'wait', state: 'failed' }]);
      const log = await logText(`dag_id=lonely/run_id=${runId.replace(/:/g, '_')}/task_id=wait/attempt=1.log`);
      expect(log).toContain('AirflowSensorTimeout');
      expect(log.match(/Poking for tasks \['t'\] in dag nobody/g)?.length).toBeGreaterThanOrEqual(4);
    }, 60_000);

    it('a DAG scheduled on a dataset/asset runs when a task that updates it succeeds', async () => {
      const cls = af3 ? 'Asset' : 'Dataset';
      const imp = af3 ? 'from airflow.sdk import Asset' : 'from airflow.datasets import Dataset';
      await put(
        'dags/producer.py',
        `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n${imp}\n\nwith DAG("producer", schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n    BashOperator(task_id="produce", bash_command="echo orders", outlets=[${cls}("s3://lake/orders")])\n`,
      );
      await put(
        'dags/consumer.py',
        `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n${imp}\n\nwith DAG("consumer", schedule=[${cls}("s3://lake/orders")], start_date=datetime(2024, 1, 1)) as dag:\n    BashOperator(task_id="consume", bash_command="echo consuming")\n`,
      );
      for (const id of ['producer', 'consumer']) expect((await cli(`dags unpause ${id}`)).exit).toBe('0');
      expect(await runs('consumer')).toHaveLength(0);
      await triggered('producer');
      await emu.advance(20);
      const got = await runs('consumer');
      expect(got).toHaveLength(1);
      expect(got[0].run_id).toMatch(af3 ? /^asset_triggered__/ : /^dataset_triggered__/);
      expect(got[0].state).toBe('success');
    }, 60_000);
  });
}

describe('scheduled runs across a restart', () => {
  it('are replayed from the journal and not created twice; the scheduler carries on from them', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'mwaa-sched-restart-'));
    const NAME = 'restart-env';
    const BUCKET = 'restart-bucket';
    const listRuns = async (e: TestEmulator) => {
      const t = await e.mwaa.send(new CreateCliTokenCommand({ Name: NAME }));
      const res = await fetch(`http://${t.WebServerHostname}/aws_mwaa/cli`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.CliToken}` },
        body: 'dags list-runs -d hourly -o json',
      });
      const j = (await res.json()) as { stdout: string };
      return jsonPayload(Buffer.from(j.stdout, 'base64').toString('utf8'))
        .map((r) => r.run_id as string)
        .sort();
    };
    try {
      let e = await startTestEmulator({ stateDir, sim: { createSeconds: 0.5, taskSeconds: 1 } });
      await e.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await e.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
      await e.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'dags/hourly.py',
          Body: `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\nwith DAG("hourly", schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False, is_paused_upon_creation=False) as dag:\n    BashOperator(task_id="t", bash_command="echo hi")\n`,
        }),
      );
      await e.mwaa.send(
        new CreateEnvironmentCommand({
          Name: NAME,
          AirflowVersion: '2.10.3',
          ExecutionRoleArn: 'arn:aws:iam::123456789012:role/mwaa',
          SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
          DagS3Path: 'dags',
          NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
        }),
      );
      for (let i = 0; i < 20; i++) {
        if ((await e.mwaa.send(new GetEnvironmentCommand({ Name: NAME }))).Environment?.Status === 'AVAILABLE') break;
        await e.advance(1);
      }
      // a command parses the DAG folder: the DAG enters the database (unpaused on creation)
      expect(await listRuns(e)).toEqual([]);
      await e.advance(2 * 3600);
      const before = await listRuns(e);
      expect(before.length).toBeGreaterThanOrEqual(3);
      await e.close();

      e = await startTestEmulator({ stateDir, sim: { createSeconds: 0.5, taskSeconds: 1 } });
      try {
        expect(await listRuns(e)).toEqual(before);
        await e.advance(3600);
        const after = await listRuns(e);
        expect(after).toHaveLength(before.length + 1);
        expect(after.filter((id) => before.includes(id))).toEqual(before);
      } finally {
        await e.close();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 60_000);
});
