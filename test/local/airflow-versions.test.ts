/**
 * Version differences of the emulated Airflow CLI (Airflow 3.0 / 3.2 / 2.8 vs 2.10,
 * src/local/airflow/README.md "Commands"), the web server's availability by environment status, injected faults on the cli
 * operation, the fail-task control endpoint's validation, and an environment with task logs disabled.
 */
import { DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateCliTokenCommand, CreateEnvironmentCommand, GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const BUCKET = 'airflow-versions-test';
let emu: TestEmulator;

const DAG = `from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator
with DAG("hello", schedule=None, is_paused_upon_creation=False) as dag:
    first = BashOperator(task_id="first", bash_command="echo one")
    second = BashOperator(task_id="second", bash_command="echo two")
    first >> second
`;

async function createEnv(name: string, version: string, taskLogs = true, wait = true): Promise<void> {
  await emu.mwaa.send(
    new CreateEnvironmentCommand({
      Name: name,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/mwaa',
      SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
      DagS3Path: 'dags',
      AirflowVersion: version,
      NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
      LoggingConfiguration: { TaskLogs: { Enabled: taskLogs, LogLevel: 'INFO' }, WebserverLogs: { Enabled: true, LogLevel: 'WARNING' } },
    }),
  );
  if (!wait) return;
  for (let i = 0; i < 30; i++) {
    if ((await emu.mwaa.send(new GetEnvironmentCommand({ Name: name }))).Environment?.Status === 'AVAILABLE') return;
    await emu.advance(1);
  }
  throw new Error(`${name} not AVAILABLE`);
}

async function raw(env: string, command: string): Promise<Response> {
  const t = await emu.mwaa.send(new CreateCliTokenCommand({ Name: env }));
  return fetch(`http://${t.WebServerHostname}/aws_mwaa/cli`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.CliToken}` },
    body: command,
  });
}

async function cli(env: string, command: string): Promise<{ stdout: string; stderr: string; exit: string | null }> {
  const res = await raw(env, command);
  expect(res.status).toBe(200);
  const j = (await res.json()) as { stdout: string; stderr: string };
  return {
    stdout: Buffer.from(j.stdout, 'base64').toString(),
    stderr: Buffer.from(j.stderr, 'base64').toString(),
    exit: res.headers.get('x-mwaa-local-exit-code'),
  };
}

const lastJson = (s: string): any[] => JSON.parse(s.trim().split('\n').pop()!);

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 1, taskSeconds: 1 } });
  await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/hello.py', Body: DAG }));
  await createEnv('af30', '3.0.6');
  await createEnv('af32', '3.2.1');
  await createEnv('af28', '2.8.1');
  await createEnv('nologs', '2.10.3', false);
});

afterAll(async () => {
  await emu?.close();
});

describe('Airflow 3.0', () => {
  it('takes the dag id of list-runs positionally and rejects -d as an unrecognized argument', async () => {
    expect(lastJson((await cli('af30', 'dags list-runs hello -o json')).stdout)).toEqual([]);
    const r = await cli('af30', 'dags list-runs -d hello');
    expect(r.exit).toBe('2');
    expect(r.stderr).toBe('\nairflow command error: unrecognized arguments: -d, see help above.\n');
  });

  it('triggers without a logical date, with a random run id suffix and no external_trigger', async () => {
    const r = await cli('af30', 'dags trigger hello -o json');
    expect(r.exit).toBe('0');
    const row = lastJson(r.stdout)[0];
    expect(Object.keys(row)).toEqual([
      'conf',
      'dag_id',
      'dag_run_id',
      'data_interval_start',
      'data_interval_end',
      'end_date',
      'last_scheduling_decision',
      'logical_date',
      'run_type',
      'start_date',
      'state',
    ]);
    expect(row.dag_run_id).toMatch(/^manual__\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00_[A-Za-z0-9]{8}$/);
    expect(row).toMatchObject({ logical_date: null, data_interval_start: null, data_interval_end: null, conf: {}, state: 'queued' });
    const runs = lastJson((await cli('af30', 'dags list-runs hello -o json')).stdout);
    expect(Object.keys(runs[0])).toEqual(['dag_id', 'run_id', 'state', 'run_after', 'logical_date', 'start_date', 'end_date']);
    expect(runs[0].logical_date).toBe('');
    await emu.advance(6);
    const st = lastJson((await cli('af30', `tasks states-for-dag-run hello ${row.dag_run_id} -o json`)).stdout);
    expect(st.map((x: any) => [x.task_id, x.state, x.logical_date])).toEqual([
      ['first', 'success', ''],
      ['second', 'success', ''],
    ]);
    expect((await cli('af30', `dags state hello ${row.dag_run_id}`)).stdout).toBe('success\n');
    // task logs are structlog JSON events
    const stream = `dag_id=hello/run_id=${row.dag_run_id.replace(/:/g, '_')}/task_id=first/attempt=1.log`;
    const ev = await emu.logs.send(
      new GetLogEventsCommand({ logGroupName: 'airflow-af30-Task', logStreamName: stream, startFromHead: true }),
    );
    const events = ev.events!.map((e) => JSON.parse(e.message!));
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((e) => typeof e.timestamp === 'string' && typeof e.event === 'string' && typeof e.level === 'string')).toBe(true);
    expect(events.some((e) => e.event === 'one')).toBe(true);
  });

  it('prints the new is_paused value on pause', async () => {
    expect((await cli('af30', 'dags pause hello -o json')).stdout).toBe('[{"dag_id": "hello", "is_paused": "True"}]\n');
  });

  it('lists DAGs with bundle columns', async () => {
    expect((await cli('af30', 'dags list -o json')).stdout).toBe(
      '[{"dag_id": "hello", "fileloc": "/usr/local/airflow/dags/hello.py", "owners": ["airflow"], "is_paused": "True", "bundle_name": "dags-folder", "bundle_version": null}]\n',
    );
  });
});

describe('Airflow 3.2', () => {
  it('prints the previous is_paused value, a run id without suffix, triggering_user_name, and the new missing-variable message', async () => {
    expect((await cli('af32', 'dags pause hello -o json')).stdout).toBe('[{"dag_id": "hello", "is_paused": "False"}]\n');
    const row = lastJson((await cli('af32', 'dags trigger hello -o json')).stdout)[0];
    expect(row.dag_run_id).toMatch(/^manual__\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
    expect(row.triggering_user_name).toBe('airflow');
    expect((await cli('af32', 'variables get nope')).stderr).toBe('Variable nope does not exist.\n');
    const st = lastJson((await cli('af32', `tasks states-for-dag-run hello ${row.dag_run_id} -o json`)).stdout);
    expect(st.map((x: any) => x.state)).toEqual(['', '']); // paused: nothing scheduled, null state printed as ""
  });
});

describe('Airflow 2.8', () => {
  it('uses the old dags list mapper and pause message', async () => {
    expect((await cli('af28', 'dags list -o json')).stdout).toBe(
      '[{"dag_id": "hello", "filepath": "hello.py", "owner": "airflow", "paused": "False"}]\n',
    );
    expect((await cli('af28', 'dags pause hello')).stdout).toBe('Dag: hello, paused: True\n');
    expect((await cli('af28', 'dags pause nope')).stderr).toBe("DAG: nope does not exist in 'dag' table\n");
  });
});

describe('an environment with task logs disabled', () => {
  it('prints the MWAA handler notice first and writes no task log', async () => {
    const v = await cli('nologs', 'version');
    expect(v.stdout).toBe('CloudWatch logging is disabled for TaskLogHandler\n2.10.3\n');
    // the web server log level is WARNING: no INFO record on stdout
    const t = await cli('nologs', 'dags trigger hello -r r1 -o json');
    expect(t.stdout.split('\n')[0]).toBe('CloudWatch logging is disabled for TaskLogHandler');
    expect(lastJson(t.stdout)[0].dag_run_id).toBe('r1');
    await emu.advance(6);
    const states = lastJson((await cli('nologs', 'tasks states-for-dag-run hello r1 -o json')).stdout);
    expect(states.map((x: any) => x.state)).toEqual(['success', 'success']);
    const streams = await emu.logs.send(new DescribeLogStreamsCommand({ logGroupName: 'airflow-nologs-Task' })).catch((e: Error) => e);
    if (streams instanceof Error) expect(streams.name).toBe('ResourceNotFoundException');
    else expect(streams.logStreams).toEqual([]);
  });
});

describe('availability, faults and the control endpoint', () => {
  it('answers 503 while the environment is not serving', async () => {
    await createEnv('creating', '2.10.3', true, false);
    const res = await raw('creating', 'version');
    expect(res.status).toBe(503);
    await res.text();
  });

  it('fails cli calls with an injected fault, matching on the command', async () => {
    await emu.fault({
      service: 'airflow',
      operation: 'cli',
      match: { Command: 'dags list' },
      error: { status: 503, code: 'ServiceUnavailable', message: 'too many CLI calls' },
    });
    const hit = await raw('af30', 'dags list -o json');
    expect(hit.status).toBe(503);
    await hit.text();
    expect((await cli('af30', 'version')).stdout).toBe('3.0.6\n');
    expect((await raw('af30', 'dags list -o json')).status).toBe(200);
  });

  it('validates fail-task requests', async () => {
    const path = '/_mwaa_local/airflow/af30/fail-task';
    expect((await emu.control('POST', path, { dagId: 'hello' })).status).toBe(400);
    expect((await emu.control('POST', path, { dagId: 'hello', taskId: 7 })).status).toBe(400);
    expect((await emu.control('POST', path, [1])).status).toBe(400);
    expect((await emu.control('POST', '/_mwaa_local/airflow/nope/fail-task', { dagId: 'a', taskId: 'b' })).status).toBe(404);
    expect((await emu.control('GET', path)).status).toBe(405);
    expect((await emu.control('POST', '/_mwaa_local/airflow/af30/other', {})).status).toBe(404);
    const bad = await fetch(`${emu.url}${path}`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    const ok = await emu.control('POST', path, { dagId: 'hello', taskId: 'second', message: 'disk full' });
    expect(ok).toMatchObject({ status: 200, body: { ok: true, runId: null } });
  });

  it('binds a failure to a run whose task has not started yet', async () => {
    await cli('af30', 'dags unpause hello');
    const row = lastJson((await cli('af30', 'dags trigger hello -o json')).stdout)[0];
    // the pending failure from the previous test was bound at trigger time
    await emu.advance(6);
    const st = lastJson((await cli('af30', `tasks states-for-dag-run hello ${row.dag_run_id} -o json`)).stdout);
    expect(st.map((x: any) => x.state)).toEqual(['success', 'failed']);
    const stream = `dag_id=hello/run_id=${row.dag_run_id.replace(/:/g, '_')}/task_id=second/attempt=1.log`;
    const ev = await emu.logs.send(
      new GetLogEventsCommand({ logGroupName: 'airflow-af30-Task', logStreamName: stream, startFromHead: true }),
    );
    const failure = ev.events!.map((e) => JSON.parse(e.message!)).find((e) => e.level === 'error');
    expect(failure.event).toBe('Task failed with exception');
    expect(failure.error_detail[0].exc_value).toBe('disk full');
    // a failure posted while a run is in progress goes to that run
    const next = lastJson((await cli('af30', 'dags trigger hello -o json')).stdout)[0];
    const bound = await emu.control('POST', '/_mwaa_local/airflow/af30/fail-task', { dagId: 'hello', taskId: 'second' });
    expect(bound.body.runId).toBe(next.dag_run_id);
    await emu.advance(6);
    expect(lastJson((await cli('af30', `dags list-runs hello -o json`)).stdout).find((x: any) => x.run_id === next.dag_run_id).state).toBe(
      'failed',
    );
  });
});
