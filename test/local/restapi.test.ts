/**
 * MWAA InvokeRestApi against the emulator over HTTP (client-mwaa 3.523.0 has no InvokeRestApiCommand,
 * so requests are signed-looking POST /restapi/{Name} calls): the Airflow REST API v1 of an Airflow
 * 2.10 environment and v2 of an Airflow 3 environment, answered from the same simulated Airflow the
 * CLI endpoint uses. The boto3 end-to-end check is restapi-boto3.test.ts.
 */
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateCliTokenCommand, CreateEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator, untilStatus } from '../helpers/emulator.js';

const BUCKET = 'restapi-test';
const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20260101/us-east-1/airflow/aws4_request, SignedHeaders=host, Signature=00';

const ETL = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("etl", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, tags=["team-a"], default_args={"owner": "data"}) as dag:
    extract = BashOperator(task_id="extract", bash_command="echo extracting")
    load = BashOperator(task_id="load", bash_command="echo loading")
    extract >> load
`;
const OTHERS = `from airflow import DAG
from airflow.operators.empty import EmptyOperator

for name in ["alpha", "beta", "gamma"]:
    with DAG(name, schedule=None, tags=["team-b"]) as d:
        EmptyOperator(task_id="noop")
`;
const BROKEN = `from airflow import DAG
with DAG("broken", schedule=None) as dag:
    x = (1,
`;

let emu: TestEmulator;

interface Invoked {
  /** HTTP status of InvokeRestApi */
  status: number;
  /** x-amzn-errortype */
  error: string | null;
  json: any;
}

async function invoke(
  env: string,
  Path: string,
  Method = 'GET',
  extra: { QueryParameters?: unknown; Body?: unknown } = {},
): Promise<Invoked> {
  const res = await fetch(`${emu.url}/restapi/${encodeURIComponent(env)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: AUTH },
    body: JSON.stringify({ Path, Method, ...extra }),
  });
  const text = await res.text();
  return { status: res.status, error: res.headers.get('x-amzn-errortype'), json: text ? JSON.parse(text) : undefined };
}

/** The Airflow answer of a successful InvokeRestApi (asserting it was one). */
async function ok(
  env: string,
  Path: string,
  Method = 'GET',
  extra: { QueryParameters?: unknown; Body?: unknown } = {},
  code = 200,
): Promise<any> {
  const r = await invoke(env, Path, Method, extra);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  expect(r.json.RestApiStatusCode).toBe(code);
  return r.json.RestApiResponse;
}

/** An Airflow 4xx/5xx: InvokeRestApi answers HTTP 400 with the exception type and Airflow's status/body. */
async function airflowError(
  env: string,
  Path: string,
  Method = 'GET',
  extra: { QueryParameters?: unknown; Body?: unknown } = {},
): Promise<{ type: string; code: number; body: any }> {
  const r = await invoke(env, Path, Method, extra);
  expect(r.status, JSON.stringify(r.json)).toBe(400);
  return { type: r.error ?? '', code: r.json.RestApiStatusCode, body: r.json.RestApiResponse };
}

async function createEnv(name: string, version: string): Promise<void> {
  await emu.mwaa.send(
    new CreateEnvironmentCommand({
      Name: name,
      AirflowVersion: version,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/mwaa',
      SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
      DagS3Path: 'dags',
      NetworkConfiguration: { SubnetIds: ['subnet-1', 'subnet-2'], SecurityGroupIds: ['sg-1'] },
      LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } },
    }),
  );
}

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 1, taskSeconds: 2 } });
  await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  for (const [key, body] of [
    ['dags/etl.py', ETL],
    ['dags/others.py', OTHERS],
    ['dags/broken.py', BROKEN],
  ]) {
    await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }
  await createEnv('rest2', '2.10.3');
  await createEnv('rest3', '3.0.6');
  await createEnv('rest33', '3.3.1');
  await untilStatus(emu, 'rest2', 'AVAILABLE', { advanceSeconds: 1 });
  await untilStatus(emu, 'rest3', 'AVAILABLE', { advanceSeconds: 1 });
  await untilStatus(emu, 'rest33', 'AVAILABLE', { advanceSeconds: 1 });
}, 60_000);

afterAll(async () => {
  await emu?.close();
});

const GENERATIONS = [
  { env: 'rest2', v: 1 as const, airflow: '2.10.3' },
  { env: 'rest3', v: 2 as const, airflow: '3.0.6' },
  { env: 'rest33', v: 2 as const, airflow: '3.3.1' },
];

describe.each(GENERATIONS)('InvokeRestApi on Airflow $airflow (API v$v)', ({ env, v, airflow }) => {
  const z = v === 1 ? '+00:00' : 'Z';

  it("GET /dags lists the DAGs in the generation's shape, filters, and pages with offset/limit and total_entries", async () => {
    const all = await ok(env, '/dags');
    expect(all.total_entries).toBe(4);
    expect(all.dags.map((d: any) => d.dag_id)).toEqual(['alpha', 'beta', 'etl', 'gamma']);
    const etl = all.dags.find((d: any) => d.dag_id === 'etl');
    expect(etl).toMatchObject({
      dag_id: 'etl',
      is_paused: true,
      fileloc: '/usr/local/airflow/dags/etl.py',
      owners: ['data'],
      max_active_runs: 16,
    });
    expect(etl.last_parsed_time.endsWith(z)).toBe(true);
    if (v === 1) {
      expect(etl.tags).toEqual([{ name: 'team-a' }]);
      expect(etl.schedule_interval).toEqual({ __type: 'CronExpression', value: '@daily' });
      expect(etl).toMatchObject({ is_active: true, root_dag_id: null, timetable_description: 'Cron: @daily' });
      expect(etl).not.toHaveProperty('is_stale');
    } else {
      expect(etl.tags).toEqual([{ name: 'team-a', dag_id: 'etl' }]);
      expect(etl).toMatchObject({ is_stale: false, bundle_name: 'dags-folder', relative_fileloc: 'etl.py', timetable_summary: '@daily' });
      expect(etl).not.toHaveProperty('schedule_interval');
      expect(etl).not.toHaveProperty('is_active');
    }
    const pageTwo = await ok(env, '/dags', 'GET', { QueryParameters: { offset: 1, limit: 2 } });
    expect(pageTwo.dags.map((d: any) => d.dag_id)).toEqual(['beta', 'etl']);
    expect(pageTwo.total_entries).toBe(4);
    const tagged = await ok(env, '/dags', 'GET', { QueryParameters: { tags: ['team-b'], order_by: '-dag_id' } });
    expect(tagged.dags.map((d: any) => d.dag_id)).toEqual(['gamma', 'beta', 'alpha']);
    expect((await ok(env, '/dags', 'GET', { QueryParameters: { dag_id_pattern: 'ET' } })).dags.map((d: any) => d.dag_id)).toEqual([
      'beta',
      'etl',
    ]);
    const bad = await airflowError(env, '/dags', 'GET', { QueryParameters: { limit: 'many' } });
    expect(bad.type).toBe('RestApiClientException');
    if (v === 1)
      expect(bad).toMatchObject({
        code: 400,
        body: { status: 400, title: 'Bad Request', detail: "Wrong type, expected 'integer' for query parameter 'limit'" },
      });
    else expect(bad).toMatchObject({ code: 422, body: { detail: [{ type: 'int_parsing', loc: ['query', 'limit'] }] } });
  });

  it('GET /dags/{id} answers the DAG, /details adds its definition, and 404 for an unknown DAG', async () => {
    const etl = await ok(env, '/dags/etl');
    expect(etl).toEqual((await ok(env, '/dags')).dags.find((d: any) => d.dag_id === 'etl'));
    const details = await ok(env, '/dags/etl/details');
    expect(details).toMatchObject({ ...etl, catchup: false, start_date: `2024-01-01T00:00:00${z}` });
    expect(details.timezone).toBe(v === 1 ? "Timezone('UTC')" : 'UTC');
    const missing = await airflowError(env, '/dags/nope');
    expect(missing.type).toBe('RestApiClientException');
    expect(missing.code).toBe(404);
    if (v === 1)
      expect(missing.body).toMatchObject({ status: 404, title: 'DAG not found', detail: 'The DAG with dag_id: nope was not found' });
    else expect(missing.body).toEqual({ detail: 'The Dag with ID: `nope` was not found' });
  });

  it('PATCH /dags/{id} pauses and unpauses (with update_mask), and refuses other fields', async () => {
    const un = await ok(env, '/dags/beta', 'PATCH', { QueryParameters: { update_mask: 'is_paused' }, Body: { is_paused: false } });
    expect(un).toMatchObject({ dag_id: 'beta', is_paused: false });
    expect((await ok(env, '/dags/beta')).is_paused).toBe(false);
    expect((await ok(env, '/dags', 'GET', { QueryParameters: { paused: false } })).dags.map((d: any) => d.dag_id)).toEqual(['beta']);
    expect((await ok(env, '/dags/beta', 'PATCH', { Body: { is_paused: true } })).is_paused).toBe(true);
    const mask = await airflowError(env, '/dags/beta', 'PATCH', {
      QueryParameters: { update_mask: ['description'] },
      Body: { is_paused: true },
    });
    expect(mask.code).toBe(400);
    expect(JSON.stringify(mask.body)).toMatch(/Only `is_paused` field can be (edited|updated) through the REST API/);
    const missing = await airflowError(env, '/dags/beta', 'PATCH', { Body: {} });
    if (v === 1) {
      // Airflow 2 reads patch_body["is_paused"] unchecked: a 500, which MWAA passes on as RestApiServerException
      expect(missing.type).toBe('RestApiServerException');
      expect(missing.code).toBe(500);
      expect(missing.body.title).toBe('Internal Server Error');
    } else {
      expect(missing.type).toBe('RestApiClientException');
      expect(missing.body.detail).toEqual([{ type: 'missing', loc: ['body', 'is_paused'], msg: 'Field required', input: {} }]);
    }
  });

  it('GET /importErrors reports the broken file', async () => {
    const r = await ok(env, '/importErrors');
    expect(r.total_entries).toBe(1);
    const [e] = r.import_errors;
    expect(e.import_error_id).toBe(1);
    expect(e.filename).toBe(v === 1 ? '/usr/local/airflow/dags/broken.py' : 'broken.py');
    expect(e.stack_trace).toMatch(/SyntaxError: '\(' was never closed/);
    expect(e.timestamp.endsWith(z)).toBe(true);
    if (v === 2) expect(e.bundle_name).toBe('dags-folder');
    expect(Object.keys(e).sort()).toEqual(
      v === 1
        ? ['filename', 'import_error_id', 'stack_trace', 'timestamp']
        : ['bundle_name', 'filename', 'import_error_id', 'stack_trace', 'timestamp'],
    );
  });

  it('POST /dags/{id}/dagRuns starts a run that progresses on the emulator clock and writes task logs like the CLI path', async () => {
    await ok(env, '/dags/etl', 'PATCH', { Body: { is_paused: false } });
    const body = {
      dag_run_id: 'rest_run_1',
      conf: { rows: 3, nested: { ok: true } },
      note: 'from REST',
      ...(v === 2 ? { logical_date: '2026-01-02T00:00:00Z' } : { logical_date: '2026-01-02T00:00:00+00:00' }),
    };
    const run = await ok(env, '/dags/etl/dagRuns', 'POST', { Body: body });
    expect(run).toMatchObject({
      dag_run_id: 'rest_run_1',
      dag_id: 'etl',
      state: 'queued',
      conf: body.conf,
      note: 'from REST',
      run_type: 'manual',
      start_date: null,
    });
    expect(run.logical_date).toBe(`2026-01-02T00:00:00${z}`);
    // Airflow 2 infers the cron interval that ends at the logical date; Airflow 3's default cron timetable has none
    expect(run.data_interval_start).toBe(v === 1 ? '2026-01-01T00:00:00+00:00' : '2026-01-02T00:00:00Z');
    if (v === 1) expect(run).toMatchObject({ execution_date: run.logical_date, external_trigger: true });
    else expect(run).toMatchObject({ triggered_by: 'rest_api', run_after: run.queued_at });
    if (v === 2) expect('triggering_user_name' in run).toBe(airflow !== '3.0.6'); // Airflow 3.1+
    const conflict = await airflowError(env, '/dags/etl/dagRuns', 'POST', { Body: body });
    expect(conflict.type).toBe('RestApiClientException');
    expect(conflict.code).toBe(409);
    const unknown = await airflowError(env, '/dags/nope/dagRuns', 'POST', { Body: v === 2 ? { logical_date: null } : {} });
    expect(unknown.code).toBe(404);
    const badConf = await airflowError(env, '/dags/etl/dagRuns', 'POST', {
      Body: v === 2 ? { logical_date: null, conf: 'x' } : { conf: 'x' },
    });
    expect(badConf.code).toBe(v === 1 ? 400 : 422);
    const naive = await airflowError(env, '/dags/etl/dagRuns', 'POST', { Body: { logical_date: '2026-03-01T00:00:00' } });
    if (v === 1)
      expect(naive.body).toMatchObject({ status: 400, title: 'Invalid datetime format', detail: 'Naive datetime is disallowed' });
    else
      expect(naive.body.detail).toEqual([
        { type: 'timezone_aware', loc: ['body', 'logical_date'], msg: 'Input should have timezone info', input: '2026-03-01T00:00:00' },
      ]);
    if (v === 1) {
      const clash = await airflowError(env, '/dags/etl/dagRuns', 'POST', {
        Body: { logical_date: '2026-03-01T00:00:00Z', execution_date: '2026-03-02T00:00:00Z' },
      });
      expect(clash.body).toMatchObject({ status: 400, title: 'logical_date conflicts with execution_date' });
      const sameDate = await airflowError(env, '/dags/etl/dagRuns', 'POST', {
        Body: { dag_run_id: 'other', logical_date: '2026-01-02T00:00:00Z' },
      });
      expect(sameDate).toMatchObject({
        code: 409,
        body: { detail: "DAGRun with DAG ID: 'etl' and DAGRun logical date: '2026-01-02 00:00:00+00:00' already exists" },
      });
    }

    // the run moves on with the simulated clock; its tasks finish in order
    let states: Record<string, string | null> = {};
    for (let i = 0; i < 20; i++) {
      const tis = await ok(env, '/dags/etl/dagRuns/rest_run_1/taskInstances');
      expect(tis.total_entries).toBe(2);
      states = Object.fromEntries(tis.task_instances.map((t: any) => [t.task_id, t.state]));
      if ((await ok(env, '/dags/etl/dagRuns/rest_run_1')).state === 'success') break;
      await emu.advance(1);
    }
    expect(states).toEqual({ extract: 'success', load: 'success' });
    const done = await ok(env, '/dags/etl/dagRuns/rest_run_1');
    expect(done.state).toBe('success');
    expect(done.end_date.endsWith(z)).toBe(true);
    const tis = await ok(env, '/dags/etl/dagRuns/rest_run_1/taskInstances');
    const extract = tis.task_instances.find((t: any) => t.task_id === 'extract');
    expect(extract).toMatchObject({ operator: 'BashOperator', try_number: 1, pool: 'default_pool', map_index: -1, priority_weight: 2 });
    expect(extract.duration).toBeGreaterThan(0);

    // task logs in CloudWatch, in the stream the CLI path's runs use
    const events = await emu.logs.send(
      new GetLogEventsCommand({
        logGroupName: `airflow-${env}-Task`,
        logStreamName: 'dag_id=etl/run_id=rest_run_1/task_id=extract/attempt=1.log',
        startFromHead: true,
      }),
    );
    expect((events.events ?? []).map((e) => e.message).join('\n')).toMatch(v === 1 ? /Marking task as SUCCESS/ : /extracting/);

    const runs = await ok(env, '/dags/etl/dagRuns');
    expect(runs.dag_runs.map((r: any) => r.dag_run_id)).toContain('rest_run_1');
    expect(runs.total_entries).toBe(runs.dag_runs.length);
    await ok(env, '/dags/etl', 'PATCH', { Body: { is_paused: true } });
  });

  it('a run triggered through REST is visible to the CLI endpoint (one Airflow behind both)', async () => {
    const t = await emu.mwaa.send(new CreateCliTokenCommand({ Name: env }));
    const res = await fetch(`http://${t.WebServerHostname}/aws_mwaa/cli`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.CliToken}`, 'content-type': 'text/plain' },
      body: `dags list-runs ${v === 1 ? '-d ' : ''}etl -o json`,
    });
    const out = JSON.parse(await res.text()) as { stdout: string };
    expect(Buffer.from(out.stdout, 'base64').toString('utf8')).toContain('"rest_run_1"');
  });

  it("POST /dags/~/dagRuns/~/taskInstances/list: task instances of any runs, filtered by the body, in the generation's shape", async () => {
    const LIST = '/dags/~/dagRuns/~/taskInstances/list';
    // a second run, of a paused DAG: its task has no state yet
    const logical = v === 1 ? '2026-02-01T00:00:00+00:00' : '2026-02-01T00:00:00Z';
    await ok(env, '/dags/alpha/dagRuns', 'POST', { Body: { dag_run_id: 'batch_run', logical_date: logical } });

    // how the REST transport reads a run's tasks: v1 by DAG and logical date, v2 by DAG and run id
    const mine = await ok(env, LIST, 'POST', {
      Body:
        v === 1
          ? { dag_ids: ['etl'], execution_date_gte: `2026-01-02T00:00:00${z}`, execution_date_lte: `2026-01-02T00:00:00${z}` }
          : { dag_ids: ['etl'], dag_run_ids: ['rest_run_1'], page_limit: 100 },
    });
    expect(mine.total_entries).toBe(2);
    expect(mine.task_instances.map((t: any) => [t.dag_run_id, t.task_id, t.state])).toEqual([
      ['rest_run_1', 'extract', 'success'],
      ['rest_run_1', 'load', 'success'],
    ]);
    const one = mine.task_instances[0];
    expect(one).toMatchObject({ dag_id: 'etl', operator: 'BashOperator', try_number: 1, pool: 'default_pool', map_index: -1 });
    if (v === 1) expect(one.execution_date).toBe(`2026-01-02T00:00:00${z}`);
    else expect(one).toMatchObject({ logical_date: `2026-01-02T00:00:00${z}` });
    if (v === 2) expect(typeof one.id).toBe('string');
    // the same as the run's own listing
    const own = await ok(env, '/dags/etl/dagRuns/rest_run_1/taskInstances');
    expect(mine.task_instances).toEqual(own.task_instances);

    // no filter: every run's task instances, oldest run first; a date range that matches nothing
    // (etl is unpaused with schedule @daily and catchup=False: on Airflow 2 the scheduler has made the run of its
    // latest interval; on Airflow 3 the first run waits for the next midnight)
    const all = await ok(env, LIST, 'POST', { Body: {} });
    const manual = (tis: any[]) => tis.filter((t: any) => !String(t.dag_run_id).startsWith('scheduled__'));
    expect(all.task_instances.filter((t: any) => String(t.dag_run_id).startsWith('scheduled__')).map((t: any) => t.dag_id)).toEqual(
      v === 1 ? ['etl', 'etl'] : [],
    );
    expect(manual(all.task_instances).map((t: any) => `${t.dag_id}/${t.dag_run_id}/${t.task_id}`)).toEqual([
      'etl/rest_run_1/extract',
      'etl/rest_run_1/load',
      'alpha/batch_run/noop',
    ]);
    const dateField = v === 1 ? 'execution_date' : 'logical_date';
    const none = await ok(env, LIST, 'POST', { Body: { [`${dateField}_gte`]: `2027-01-01T00:00:00${z}` } });
    expect(none).toEqual({ task_instances: [], total_entries: 0 });
    const byRunDate = await ok(env, LIST, 'POST', { Body: { [`${dateField}_gte`]: logical } });
    expect(manual(byRunDate.task_instances).map((t: any) => t.dag_run_id)).toEqual(['batch_run']);

    // state (v1 spells "no state" as "none", v2 as null), task ids, pages
    const done = await ok(env, LIST, 'POST', { Body: { dag_ids: ['etl', 'alpha'], state: ['success'] } });
    expect(manual(done.task_instances).map((t: any) => t.dag_id)).toEqual(['etl', 'etl']);
    const stateless = await ok(env, LIST, 'POST', { Body: { state: [v === 1 ? 'none' : null] } });
    expect(manual(stateless.task_instances).map((t: any) => [t.dag_run_id, t.state])).toEqual([['batch_run', null]]);
    const loads = await ok(env, LIST, 'POST', { Body: { task_ids: ['load'] } });
    expect(manual(loads.task_instances).map((t: any) => t.task_id)).toEqual(['load']);
    const paged = await ok(env, LIST, 'POST', { Body: { dag_run_ids: ['rest_run_1', 'batch_run'], page_offset: 1, page_limit: 1 } });
    expect(paged.total_entries).toBe(3);
    expect(paged.task_instances.map((t: any) => t.task_id)).toEqual(['load']);

    // errors in the generation's shape
    if (v === 1) {
      const unknownDag = await airflowError(env, LIST, 'POST', { Body: { dag_ids: ['nope'] } });
      expect(unknownDag).toMatchObject({
        code: 404,
        body: { status: 404, title: 'Not Found', detail: 'DAG with dag_id: nope was not found' },
      });
      const unknownField = await airflowError(env, LIST, 'POST', { Body: { dag_id: 'etl' } });
      expect(unknownField).toMatchObject({ code: 400, body: { status: 400, detail: "{'dag_id': ['Unknown field.']}" } });
      const notList = await airflowError(env, LIST, 'POST', { Body: { dag_ids: 'etl' } });
      expect(notList).toMatchObject({ code: 400, body: { detail: "'etl' is not of type 'array' - 'dag_ids'", type: 'about:blank' } });
      const naive = await airflowError(env, LIST, 'POST', { Body: { execution_date_gte: '2026-01-02T00:00:00' } });
      expect(naive.body.detail).toBe("{'execution_date_gte': ['Naive datetime is disallowed']}");
      // v1 has the route only with `~` in the path
      expect((await airflowError(env, '/dags/etl/dagRuns/~/taskInstances/list', 'POST', { Body: {} })).code).toBe(404);
    } else {
      expect(await ok(env, LIST, 'POST', { Body: { dag_ids: ['nope'] } })).toEqual({ task_instances: [], total_entries: 0 });
      const extra = await airflowError(env, LIST, 'POST', { Body: { dag_id: 'etl' } });
      expect(extra).toMatchObject({ code: 422, body: { detail: [{ type: 'extra_forbidden', loc: ['body', 'dag_id'] }] } });
      const notList = await airflowError(env, LIST, 'POST', { Body: { dag_ids: 'etl' } });
      expect(notList).toMatchObject({ code: 422, body: { detail: [{ type: 'list_type', loc: ['body', 'dag_ids'] }] } });
      const naive = await airflowError(env, LIST, 'POST', { Body: { logical_date_gte: '2026-01-02T00:00:00' } });
      expect(naive.body.detail).toEqual([
        { type: 'timezone_aware', loc: ['body', 'logical_date_gte'], msg: 'Input should have timezone info', input: '2026-01-02T00:00:00' },
      ]);
      // v2 takes the path's DAG as a filter
      const etlOnly = await ok(env, '/dags/etl/dagRuns/~/taskInstances/list', 'POST', { Body: {} });
      expect(manual(etlOnly.task_instances).map((t: any) => t.dag_id)).toEqual(['etl', 'etl']);
    }
    expect((await airflowError(env, LIST, 'GET')).code).toBe(405);
  });

  it("variables: POST, GET (one and all), DELETE, with the generation's status codes", async () => {
    const created = await ok(
      env,
      '/variables',
      'POST',
      { Body: { key: 'region', value: 'eu-west-1', description: 'where' } },
      v === 1 ? 200 : 201,
    );
    expect(created).toMatchObject({ key: 'region', value: 'eu-west-1', description: 'where' });
    expect(await ok(env, '/variables/region')).toMatchObject({ key: 'region', value: 'eu-west-1' });
    const list = await ok(env, '/variables');
    expect(list.variables.map((x: any) => x.key)).toEqual(['region']);
    expect(list.total_entries).toBe(1);
    if (v === 2) {
      const dup = await airflowError(env, '/variables', 'POST', { Body: { key: 'region', value: 'x' } });
      expect(dup.code).toBe(409);
    }
    const bad = await airflowError(env, '/variables', 'POST', { Body: { key: 'k' } });
    expect(bad.code).toBe(v === 1 ? 400 : 422);
    const del = await invoke(env, '/variables/region', 'DELETE');
    expect(del.json).toEqual({ RestApiStatusCode: 204 });
    if (v === 2) {
      // API v2 takes the rest of the path as the key; v1 routes stop at a "/"
      await ok(env, '/variables', 'POST', { Body: { key: 'team/owner', value: 'data' } }, 201);
      expect((await ok(env, '/variables/team/owner')).value).toBe('data');
      expect((await invoke(env, '/variables/team%2Fowner', 'DELETE')).json.RestApiStatusCode).toBe(204);
    } else {
      expect((await airflowError(env, '/variables/team/owner')).body.title).toBe('Not Found');
    }
    const gone = await airflowError(env, '/variables/region');
    expect(gone.code).toBe(404);
    const delMissing = await airflowError(env, '/variables/region', 'DELETE');
    expect(delMissing.code).toBe(404);
    expect(delMissing.body).toEqual(
      v === 1
        ? expect.objectContaining({ title: 'Variable not found', detail: null })
        : { detail: 'The Variable with key: `region` was not found' },
    );
  });

  it('pools, health and version', async () => {
    const pools = await ok(env, '/pools');
    expect(pools.total_entries).toBe(1);
    expect(pools.pools[0]).toMatchObject({ name: 'default_pool', slots: 128, description: 'Default pool' });
    const health = await ok(env, v === 1 ? '/health' : '/monitor/health');
    expect(health.metadatabase).toEqual({ status: 'healthy' });
    expect(health.scheduler.status).toBe('healthy');
    expect((await airflowError(env, v === 1 ? '/monitor/health' : '/health')).code).toBe(404);
    expect(await ok(env, '/version')).toEqual({ version: airflow, git_version: null });
  });

  it("unknown paths and methods get Airflow's 404/405 in the generation's shape", async () => {
    const nf = await airflowError(env, '/nothing/here');
    expect(nf.code).toBe(404);
    expect(nf.body).toEqual(
      v === 1 ? expect.objectContaining({ status: 404, title: 'Not Found', type: 'about:blank' }) : { detail: 'Not Found' },
    );
    const na = await airflowError(env, '/version', 'DELETE');
    expect(na.code).toBe(405);
    expect(na.body).toEqual(
      v === 1 ? expect.objectContaining({ status: 405, title: 'Method Not Allowed' }) : { detail: 'Method Not Allowed' },
    );
  });
});

describe('InvokeRestApi: MWAA-level behaviour', () => {
  it('validates Path length and Method, and answers 404 for an unknown environment', async () => {
    const long = await invoke('rest2', `/dags/${'x'.repeat(59)}`);
    expect(long.status).toBe(400);
    expect(long.error).toBe('ValidationException');
    expect(long.json.message).toMatch(/'path'/);
    expect((await invoke('rest2', `/dags/${'x'.repeat(58)}`)).json.RestApiStatusCode).toBe(404); // 64 characters: Airflow answers
    const method = await invoke('rest2', '/dags', 'OPTIONS');
    expect(method.error).toBe('ValidationException');
    const missing = await invoke('no-such-env', '/dags');
    expect(missing.status).toBe(404);
    expect(missing.error).toBe('ResourceNotFoundException');
  });

  it('an environment whose web server is not serving answers RestApiServerException 503', async () => {
    await createEnv('rest-new', '2.10.3');
    const r = await invoke('rest-new', '/dags');
    expect(r.status).toBe(400);
    expect(r.error).toBe('RestApiServerException');
    expect(r.json.RestApiStatusCode).toBe(503);
    await untilStatus(emu, 'rest-new', 'AVAILABLE', { advanceSeconds: 1 });
    expect((await invoke('rest-new', '/version')).json.RestApiStatusCode).toBe(200);
  });

  it('refuses responses over 6 MB with a ValidationException', async () => {
    const half = 'x'.repeat(3.2 * 1024 * 1024);
    await ok('rest3', '/variables', 'POST', { Body: { key: 'huge1', value: half } }, 201); // each answer fits
    await ok('rest3', '/variables', 'POST', { Body: { key: 'huge2', value: half } }, 201);
    expect((await ok('rest3', '/variables/huge2')).value.length).toBe(half.length);
    const r = await invoke('rest3', '/variables'); // both: over 6 MB
    expect(r.status).toBe(400);
    expect(r.error).toBe('ValidationException');
    expect(r.json.message).toMatch(/6 MB/);
    expect((await ok('rest3', '/variables', 'GET', { QueryParameters: { limit: 1 } })).total_entries).toBe(2);
    for (const k of ['huge1', 'huge2']) expect((await invoke('rest3', `/variables/${k}`, 'DELETE')).json.RestApiStatusCode).toBe(204);
  });

  it('faults: service mwaa, operation InvokeRestApi, matched on Path/Method; RestApi*Exception codes carry the Airflow status', async () => {
    await emu.fault({
      service: 'mwaa',
      operation: 'InvokeRestApi',
      match: { Path: '/pools', Method: 'GET' },
      error: { status: 503, code: 'RestApiServerException', message: 'scheduler busy' },
    });
    await emu.fault({
      service: 'mwaa',
      operation: 'InvokeRestApi',
      match: { Path: '/version' },
      error: { status: 500, code: 'InternalServerException', message: 'boom' },
    });
    expect((await invoke('rest2', '/dags')).status).toBe(200);
    const server = await invoke('rest2', '/pools');
    expect(server).toMatchObject({
      status: 400,
      error: 'RestApiServerException',
      json: { RestApiStatusCode: 503, RestApiResponse: { detail: 'scheduler busy' } },
    });
    expect((await invoke('rest2', '/pools')).status).toBe(200); // times: 1
    expect(await invoke('rest2', '/version')).toMatchObject({ status: 500, error: 'InternalServerException', json: { message: 'boom' } });
  });

  it('a REST-triggered run, its note and triggered_by survive a restart (journalled like a CLI run)', async () => {
    await ok('rest3', '/dags/gamma/dagRuns', 'POST', { Body: { logical_date: null, dag_run_id: 'kept', note: 'keep me' } });
    await ok('rest3', '/variables', 'POST', { Body: { key: 'kept', value: { a: [1, 2.5] } } }, 201);
    await emu.restart();
    expect(await ok('rest3', '/dags/gamma/dagRuns/kept')).toMatchObject({
      dag_run_id: 'kept',
      note: 'keep me',
      triggered_by: 'rest_api',
      state: 'queued',
    });
    expect((await ok('rest3', '/variables/kept')).value).toBe('{"a": [1, 2.5]}'); // a non-string value is stored as JSON text
  });

  it('faults: a delay holds only the matching call, which is then served against the state after the wait', async () => {
    await emu.delay({ service: 'mwaa', operation: 'InvokeRestApi', match: { Path: '/variables/late' }, delayMs: 400 });
    let settled = false;
    const delayed = invoke('rest3', '/variables/late').then((r) => {
      settled = true;
      return r;
    });
    await ok('rest3', '/variables', 'POST', { Body: { key: 'late', value: 'set meanwhile' } }, 201);
    expect(settled).toBe(false);
    const r = await delayed;
    expect(r.json).toMatchObject({ RestApiStatusCode: 200, RestApiResponse: { key: 'late', value: 'set meanwhile' } });
  });
});
