/**
 * The emulated Airflow web server end to end: DAG files uploaded with the S3 SDK client, an environment
 * created with the MWAA SDK client, CLI tokens from CreateCliToken, commands POSTed to
 * http://<WebServerHostname>/aws_mwaa/cli; task logs read back with the CloudWatch Logs client.
 * Outputs are checked against the formats of Airflow 2.10's CLI (src/local/airflow/README.md, "Commands").
 */
import { DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateCliTokenCommand, CreateEnvironmentCommand, CreateWebLoginTokenCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shlexQuote } from '../../src/local/airflow/shlex.js';
import { startTestEmulator, type TestEmulator, untilStatus } from '../helpers/emulator.js';

const BUCKET = 'airflow-cli-test';
const ENV = 'af-env';

const ETL = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("etl", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, default_args={"owner": "data"}) as dag:
    extract = BashOperator(task_id="extract", bash_command="echo extracting")
    transform = BashOperator(task_id="transform", bash_command="echo transforming")
    load = BashOperator(task_id="load", bash_command="echo loading")
    extract >> transform >> load
`;

const TASKFLOW = `import os
import pendulum
from airflow.decorators import dag, task

@dag(dag_id=os.path.basename(__file__).replace(".py", ""), schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False, is_paused_upon_creation=False)
def pipeline():
    @task
    def extract():
        print("pulled 3 rows")
        return [1, 2, 3]

    @task(task_id="sum_rows")
    def total(rows):
        return sum(rows)

    total(extract())

pipeline()
`;

const BROKEN = `from airflow import DAG
with DAG("broken", schedule=None) as dag:
    x = (1,
`;

let emu: TestEmulator;

interface CliOut {
  status: number;
  stdout: string;
  stderr: string;
  exit: string | null;
  raw: string;
}

async function token(env = ENV): Promise<{ CliToken: string; WebServerHostname: string }> {
  const t = await emu.mwaa.send(new CreateCliTokenCommand({ Name: env }));
  return { CliToken: t.CliToken!, WebServerHostname: t.WebServerHostname! };
}

async function post(body: string | Uint8Array, auth: string | undefined, host?: string): Promise<Response> {
  const h = host ?? (await token()).WebServerHostname;
  return fetch(`http://${h}/aws_mwaa/cli`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', ...(auth ? { authorization: auth } : {}) },
    body,
  });
}

async function cli(command: string, env = ENV): Promise<CliOut> {
  const t = await token(env);
  const res = await post(command, `Bearer ${t.CliToken}`, t.WebServerHostname);
  const raw = await res.text();
  if (res.status !== 200) return { status: res.status, stdout: '', stderr: '', exit: null, raw };
  const j = JSON.parse(raw) as { stdout: string; stderr: string };
  expect(Object.keys(j).sort()).toEqual(['stderr', 'stdout']);
  return {
    status: res.status,
    stdout: Buffer.from(j.stdout, 'base64').toString('utf8'),
    stderr: Buffer.from(j.stderr, 'base64').toString('utf8'),
    exit: res.headers.get('x-mwaa-local-exit-code'),
    raw,
  };
}

/** the payload is the last stdout line that parses as a JSON array */
function jsonPayload(stdout: string): any[] {
  const lines = stdout.split('\n').filter((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const v = JSON.parse(lines[i]);
      if (Array.isArray(v)) return v;
    } catch {
      // a log line
    }
  }
  throw new Error(`no JSON array in stdout:\n${stdout}`);
}

async function put(key: string, body: string): Promise<void> {
  await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function states(runId: string, dag = 'etl'): Promise<Record<string, string | null>> {
  const r = await cli(`tasks states-for-dag-run ${dag} ${shlexQuote(runId)} -o json`);
  expect(r.exit).toBe('0');
  return Object.fromEntries(jsonPayload(r.stdout).map((x) => [x.task_id, x.state]));
}

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 1, taskSeconds: 2 } });
  await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  await put('dags/etl.py', ETL);
  await put('dags/taskflow.py', TASKFLOW);
  await put('dags/broken.py', BROKEN);
  await put('dags/helpers/util.py', 'def helper():\n    return (1,\n'); // no "airflow"/"dag" words: never parsed
  await put('dags/README.md', 'not python');
  await emu.mwaa.send(
    new CreateEnvironmentCommand({
      Name: ENV,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/mwaa',
      SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
      DagS3Path: 'dags',
      AirflowVersion: '2.10.3',
      NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
      LoggingConfiguration: {
        TaskLogs: { Enabled: true, LogLevel: 'INFO' },
        WebserverLogs: { Enabled: true, LogLevel: 'INFO' },
        SchedulerLogs: { Enabled: true, LogLevel: 'INFO' },
        DagProcessingLogs: { Enabled: true, LogLevel: 'INFO' },
      },
    }),
  );
  await untilStatus(emu, ENV, 'AVAILABLE', { advanceSeconds: 1 });
});

afterAll(async () => {
  await emu?.close();
});

describe('the /aws_mwaa/cli endpoint', () => {
  it('answers version with the environment Airflow version and exit 0', async () => {
    const r = await cli('version');
    expect(r).toMatchObject({ status: 200, stdout: '2.10.3\n', stderr: '', exit: '0' });
  });

  it('refuses a missing, unknown or expired token', async () => {
    expect((await post('version', undefined)).status).toBe(401);
    expect((await post('version', 'Bearer not-a-real-token')).status).toBe(403);
    const t = await token();
    expect((await post('version', `Bearer ${t.CliToken}`, t.WebServerHostname)).status).toBe(200);
    await emu.advance(61);
    const expired = await post('version', `Bearer ${t.CliToken}`, t.WebServerHostname);
    expect(expired.status).toBe(403);
    expect(expired.headers.get('x-mwaa-local-reason')).toBe('expired token');
  });

  it('answers commands MWAA does not support with HTTP 500', async () => {
    for (const cmd of ['pools list', 'users create -u x', 'dags', 'webserver', 'trigger_dag etl', '']) {
      const r = await cli(cmd);
      expect(r.status, cmd).toBe(500);
    }
  });

  it('answers supported commands the emulator does not implement with a NotImplementedError traceback', async () => {
    const r = await cli('dags report');
    expect(r.status).toBe(200);
    expect(r.exit).toBe('1');
    expect(r.stderr).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(r.stderr.trimEnd().split('\n').pop()).toMatch(/^NotImplementedError: /);
  });

  it('never crashes on malformed bodies', async () => {
    const t = await token();
    const bodies: Array<string | Uint8Array> = [
      "dags trigger etl -c '{unclosed",
      'dags trigger etl \\',
      new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0x41]),
      'x'.repeat(100_000),
      '\u0000\u0001 dags list',
      'dags list -o',
      'dags list --columns',
      'variables get',
      'dags trigger "" -c "[1, 2]"',
      'tasks state a b c --map-index x',
    ];
    for (let i = 0; i < 40; i++) bodies.push(new Uint8Array(Array.from({ length: 64 }, (_, k) => (i * 131 + k * 17) % 256)));
    for (const b of bodies) {
      const res = await post(b, `Bearer ${t.CliToken}`, t.WebServerHostname);
      expect([200, 500]).toContain(res.status);
      await res.arrayBuffer();
    }
    const h = await fetch(`${emu.url}/_mwaa_local/health`);
    expect(h.status).toBe(200);
    expect((await cli('version')).stdout).toBe('2.10.3\n');
  });

  it('serves the web login page for CreateWebLoginToken tokens', async () => {
    const w = await emu.mwaa.send(new CreateWebLoginTokenCommand({ Name: ENV }));
    const pageRes = await fetch(`http://${w.WebServerHostname}/aws_mwaa/aws-console-sso?login=true`);
    expect(pageRes.status).toBe(200);
    expect(await pageRes.text()).toContain('/aws_mwaa/login');
    const ok = await fetch(`http://${w.WebServerHostname}/aws_mwaa/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(w.WebToken!)}`,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toMatch(/^session=/);
    const bad = await fetch(`http://${w.WebServerHostname}/aws_mwaa/login`, { method: 'POST', body: 'token=nope' });
    expect(bad.status).toBe(403);
    const cliWithWebToken = await post('version', `Bearer ${w.WebToken}`, w.WebServerHostname);
    expect(cliWithWebToken.status).toBe(403);
  });
});

describe('dags list / list-import-errors', () => {
  it('lists the parsed DAGs as JSON, sorted, with string booleans, and warns about import errors', async () => {
    const r = await cli('dags list -o json');
    expect(r.exit).toBe('0');
    expect(r.stdout).toBe(
      '[{"dag_id": "etl", "fileloc": "/usr/local/airflow/dags/etl.py", "owners": ["data"], "is_paused": "True"}, ' +
        '{"dag_id": "taskflow", "fileloc": "/usr/local/airflow/dags/taskflow.py", "owners": ["airflow"], "is_paused": "False"}]\n',
    );
    expect(r.stderr).toBe('Error: Failed to load all files. For details, run `airflow dags list-import-errors`\n');
  });

  it('renders the default table format', async () => {
    const r = await cli('dags list');
    expect(r.stdout).toBe(
      [
        'dag_id   | fileloc                             | owners  | is_paused',
        '=========+=====================================+=========+==========',
        'etl      | /usr/local/airflow/dags/etl.py      | data    | True     ',
        'taskflow | /usr/local/airflow/dags/taskflow.py | airflow | False    ',
        ' '.repeat(68),
        '',
      ].join('\n'),
    );
  });

  it('renders yaml and plain, and honours --columns with the invalid-columns warning', async () => {
    const y = await cli('dags list -o yaml --columns dag_id,is_paused');
    expect(y.stdout).toBe("- dag_id: etl\n  is_paused: 'True'\n- dag_id: taskflow\n  is_paused: 'False'\n\n");
    const p = await cli('dags list -o plain --columns dag_id,nope');
    expect(p.stdout).toBe('dag_id\netl\ntaskflow\n');
    expect(p.stderr.split('\n')[0]).toMatch(
      /^Error: Ignoring the following invalid columns: \['nope'\]\. {2}List of valid columns: \['dag_id', /,
    );
  });

  it('lists import errors with exit 1', async () => {
    const r = await cli('dags list-import-errors -o json');
    expect(r.exit).toBe('1');
    const rows = jsonPayload(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0].filepath).toBe('/usr/local/airflow/dags/broken.py');
    expect(rows[0].error).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(rows[0].error).toContain('  File "/usr/local/airflow/dags/broken.py", line 3\n    x = (1,\n        ^\n');
    expect(rows[0].error.endsWith("SyntaxError: '(' was never closed\n")).toBe(true);
  });

  it('answers an empty import-error list with exit 0', async () => {
    await emu.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'dags/broken.py' }));
    try {
      const r = await cli('dags list-import-errors');
      expect(r).toMatchObject({ stdout: 'No data found\n', exit: '0' });
      expect((await cli('dags list-import-errors -o json')).stdout).toBe('[]\n');
    } finally {
      await put('dags/broken.py', BROKEN);
    }
  });
});

describe('argument parsing', () => {
  it('reports argparse errors with help on stdout and exit 2', async () => {
    const r = await cli('dags list-runs');
    expect(r.exit).toBe('2');
    expect(r.stdout).toMatch(/^Usage: airflow dags list-runs /);
    expect(r.stderr).toBe('\nairflow dags list-runs command error: the following arguments are required: -d/--dag-id, see help above.\n');
    expect((await cli('dags list-runs -d etl --state bogus')).stderr).toBe(
      "\nairflow dags list-runs command error: argument --state: invalid choice: 'bogus' (choose from 'queued', 'running', 'success', 'failed'), see help above.\n",
    );
    expect((await cli('dags list -o xml')).stderr).toBe(
      "\nairflow dags list command error: argument -o/--output: invalid choice: 'xml' (choose from 'table', 'json', 'yaml', 'plain'), see help above.\n",
    );
    expect((await cli('dags state etl manual__2024-01-01T00:00:00+00:00')).stderr).toBe(
      "\nairflow dags state command error: argument execution_date: invalid parse value: 'manual__2024-01-01T00:00:00+00:00', see help above.\n",
    );
    expect((await cli('dags list --bogus')).stderr).toBe('\nairflow command error: unrecognized arguments: --bogus, see help above.\n');
  });

  it('prints help for -h with exit 0', async () => {
    const r = await cli('dags trigger -h');
    expect(r.exit).toBe('0');
    expect(r.stdout).toMatch(/^Usage: airflow dags trigger /);
  });
});

describe('variables', () => {
  it('round-trips set / get / list / delete, and fails get of a missing key like Airflow', async () => {
    const value = `it's "quoted" ünïcode\nsecond line`;
    const set = await cli(`variables set greeting ${shlexQuote(value)} --description 'a test'`);
    expect(set).toMatchObject({ stdout: 'Variable greeting created\n', exit: '0' });
    expect((await cli('variables get greeting')).stdout).toBe(`${value}\n`);
    await cli(`variables set cfg '{"a": 1, "b": [true, null]}'`);
    expect((await cli('variables get cfg -j')).stdout).toBe("{'a': 1, 'b': [True, None]}\n");
    expect((await cli('variables get greeting --json')).stderr).toBe('Expecting value: line 1 column 1 (char 0)\n');
    expect((await cli('variables set cfg2 plain -j')).exit).toBe('0');
    expect((await cli('variables get cfg2')).stdout).toBe('"plain"\n');
    expect(jsonPayload((await cli('variables list -o json')).stdout)).toEqual([{ key: 'greeting' }, { key: 'cfg' }, { key: 'cfg2' }]);
    expect((await cli('variables delete cfg')).stdout).toBe('Variable cfg deleted\n');
    expect((await cli('variables delete cfg')).stdout).toBe('Variable cfg deleted\n');
    const missing = await cli('variables get cfg');
    expect(missing).toMatchObject({ stdout: '', stderr: 'Variable cfg does not exist\n', exit: '1' });
    expect((await cli('variables get cfg -d fallback')).stdout).toBe('fallback\n');
    expect((await cli('variables list')).stdout.split('\n').slice(0, 4)).toEqual(['key     ', '========', 'greeting', 'cfg2    ']);
  });
});

describe('DAG runs', () => {
  const conf = {
    msg: `it's "quoted" -- and spaced`,
    uni: 'héllo ☃ 😀',
    nl: 'a\nb\tc',
    n: 1.5,
    big: 12345678901234567890n,
    nested: { list: [1, 'two', null, true] },
  };
  const confJson = `{"msg": "it's \\"quoted\\" -- and spaced", "uni": "héllo ☃ 😀", "nl": "a\\nb\\tc", "n": 1.5, "big": 12345678901234567890, "nested": {"list": [1, "two", null, true]}}`;
  let runId = '';
  let logical = '';

  it('keeps a triggered run of a paused DAG queued', async () => {
    const r = await cli(`dags trigger etl -r paused_run -c ${shlexQuote(confJson)} -o json`);
    expect(r.exit).toBe('0');
    const row = jsonPayload(r.stdout)[0];
    expect(row.state).toBe('queued');
    await emu.advance(30);
    expect(await states('paused_run')).toEqual({ extract: null, transform: null, load: null });
    expect(jsonPayload((await cli('dags list-runs -d etl -o json')).stdout).find((x) => x.run_id === 'paused_run').state).toBe('queued');
  });

  it('unpauses and triggers with a tricky conf, printing what Airflow prints', async () => {
    const u = await cli('dags unpause etl');
    expect(u.stdout).toBe('dag_id | is_paused\n=======+==========\netl    | False    \n                  \n');
    expect((await cli('dags unpause etl')).stdout).toBe('No paused DAGs were found\n');
    await emu.advance(1.5);
    const r = await cli(`dags trigger etl -c ${shlexQuote(confJson)} -o json`);
    expect(r.exit).toBe('0');
    expect(r.stdout.split('\n')[0]).toMatch(
      /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000\] \{__init__\.py:\d+\} INFO - Loaded API auth backend: /,
    );
    const row = jsonPayload(r.stdout)[0];
    expect(Object.keys(row)).toEqual([
      'conf',
      'dag_id',
      'dag_run_id',
      'data_interval_start',
      'data_interval_end',
      'end_date',
      'external_trigger',
      'last_scheduling_decision',
      'logical_date',
      'run_type',
      'start_date',
      'state',
    ]);
    expect(row.conf).toEqual({
      msg: conf.msg,
      uni: conf.uni,
      nl: conf.nl,
      n: '1.5',
      big: '12345678901234567890',
      nested: { list: ['1', 'two', null, 'True'] },
    });
    expect(row).toMatchObject({
      dag_id: 'etl',
      external_trigger: 'True',
      run_type: 'manual',
      state: 'queued',
      end_date: null,
      start_date: null,
    });
    expect(row.dag_run_id).toMatch(/^manual__\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(row.logical_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$/);
    expect(row.data_interval_start).toBe(row.logical_date);
    runId = row.dag_run_id;
    logical = row.logical_date.replace(' ', 'T');
    // the conf comes back intact (json.dumps of the stored dict) from dags state
    const st = await cli(`dags state etl ${logical}`);
    expect(st.stdout).toBe(
      `queued, {"msg": "it's \\"quoted\\" -- and spaced", "uni": "h\\u00e9llo \\u2603 \\ud83d\\ude00", "nl": "a\\nb\\tc", "n": 1.5, "big": 12345678901234567890, "nested": {"list": [1, "two", null, true]}}\n`,
    );
    // a second trigger at the same execution date collides (as one in the same second does)
    const dup = await cli(`dags trigger -e ${logical} etl`);
    expect(dup.exit).toBe('1');
    expect(dup.stderr.trimEnd().split('\n').pop()).toBe(
      `airflow.exceptions.DagRunAlreadyExists: A DAG Run already exists for DAG etl at ${row.logical_date} with run id ${runId}`,
    );
  });

  it('moves tasks queued -> running -> success in dependency order', async () => {
    const seen: Array<Record<string, string | null>> = [];
    for (let i = 0; i < 16; i++) {
      seen.push(await states(runId));
      await emu.advance(0.5);
    }
    seen.push(await states(runId));
    const order = (t: string, s: string): number => seen.findIndex((x) => x[t] === s);
    expect(order('extract', 'running')).toBeGreaterThanOrEqual(0);
    expect(order('extract', 'running')).toBeLessThan(order('extract', 'success'));
    expect(order('extract', 'success')).toBeLessThanOrEqual(
      order('transform', 'queued') === -1 ? order('transform', 'running') : order('transform', 'queued'),
    );
    expect(order('transform', 'running')).toBeGreaterThan(order('extract', 'running'));
    expect(order('load', 'running')).toBeGreaterThan(order('transform', 'running'));
    // never two tasks running at once in a chain
    for (const s of seen) expect(Object.values(s).filter((x) => x === 'running').length).toBeLessThanOrEqual(1);
    expect(seen[seen.length - 1]).toEqual({ extract: 'success', transform: 'success', load: 'success' });
    const runs = jsonPayload((await cli('dags list-runs -d etl -o json')).stdout);
    const run = runs.find((x) => x.run_id === runId);
    expect(Object.keys(run)).toEqual(['dag_id', 'run_id', 'state', 'execution_date', 'start_date', 'end_date']);
    expect(run.state).toBe('success');
    expect(run.execution_date).toBe(logical);
    expect(run.end_date > run.start_date).toBe(true);
    expect((await cli(`dags state etl ${logical}`)).stdout.startsWith('success, {')).toBe(true);
    const table = (await cli('dags list-runs -d etl')).stdout.split('\n');
    expect(table[0]).toMatch(/^dag_id \| run_id +\| state +\| execution_date +\| start_date +\| end_date +$/);
    expect(table[1]).toMatch(/^=======\+=+\+=+\+=+\+=+\+=+$/);
    expect(table.find((l) => l.includes(runId))).toMatch(
      new RegExp(`^etl +\\| ${runId.replace(/\+/g, '\\+')} +\\| success +\\| ${logical.replace(/\+/g, '\\+')} +\\| \\S+ +\\| \\S+ *$`),
    );
    const tis = (await cli(`tasks states-for-dag-run etl ${shlexQuote(runId)}`)).stdout.split('\n');
    expect(tis[0]).toMatch(/^dag_id \| execution_date +\| task_id +\| state +\| start_date +\| end_date +$/);
    expect(tis.slice(2, 5).map((l) => l.split('|')[2].trim())).toEqual(['extract', 'transform', 'load']);
    expect((await cli(`tasks state etl load ${shlexQuote(runId)}`)).stdout).toBe('success\n');
    const ok = jsonPayload((await cli('dags list-runs -d etl --state success -o json')).stdout);
    expect(ok.map((x) => x.run_id)).toContain(runId);
    expect(ok.every((x) => x.state === 'success')).toBe(true);
    expect(jsonPayload((await cli('dags list-runs -d etl --state running -o json')).stdout)).toEqual([]);
  });

  it('writes task logs with the real stream names and Airflow log lines', async () => {
    const group = `airflow-${ENV}-Task`;
    const prefix = `dag_id=etl/run_id=${runId.replace(/:/g, '_')}/`;
    const streams = await emu.logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: prefix }));
    expect(streams.logStreams!.map((s) => s.logStreamName).sort()).toEqual(
      ['extract', 'load', 'transform'].map((t) => `${prefix}task_id=${t}/attempt=1.log`),
    );
    const ev = await emu.logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: `${prefix}task_id=extract/attempt=1.log`, startFromHead: true }),
    );
    const lines = ev.events!.map((e) => e.message!);
    expect(lines.every((l) => /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000\] \{[\w.]+:\d+\} /.test(l))).toBe(true);
    expect(lines.some((l) => l.endsWith('INFO - extracting'))).toBe(true);
    expect(lines.some((l) => l.includes(`INFO - Marking task as SUCCESS. dag_id=etl, task_id=extract, run_id=${runId}`))).toBe(true);
    const ts = ev.events!.map((e) => e.timestamp!);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
  });

  it('fails a task on request: failed + upstream_failed, and the log says why', async () => {
    await emu.failTask(ENV, 'etl', 'transform');
    await emu.advance(1.1);
    const r = await cli('dags trigger etl -r failing_run -o json');
    expect(r.exit).toBe('0');
    await emu.advance(12);
    expect(await states('failing_run')).toEqual({ extract: 'success', transform: 'failed', load: 'upstream_failed' });
    const run = jsonPayload((await cli('dags list-runs -d etl -o json')).stdout).find((x) => x.run_id === 'failing_run');
    expect(run.state).toBe('failed');
    const ev = await emu.logs.send(
      new GetLogEventsCommand({
        logGroupName: `airflow-${ENV}-Task`,
        logStreamName: 'dag_id=etl/run_id=failing_run/task_id=transform/attempt=1.log',
        startFromHead: true,
      }),
    );
    const text = ev.events!.map((e) => e.message).join('\n');
    expect(text).toContain('ERROR - Task failed with exception\nTraceback (most recent call last):\n');
    expect(text).toContain('airflow.exceptions.AirflowException: Task transform of DAG etl was made to fail by the mwaa local emulator');
    expect(text).toContain('INFO - Marking task as FAILED. dag_id=etl, task_id=transform, run_id=failing_run');
    const load = await emu.logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: `airflow-${ENV}-Task`,
        logStreamNamePrefix: 'dag_id=etl/run_id=failing_run/task_id=load/',
      }),
    );
    expect(load.logStreams).toEqual([]);
    // the failure was used up: the next run succeeds
    await emu.advance(1.1);
    await cli('dags trigger etl -r after_failure');
    await emu.advance(12);
    expect(await states('after_failure')).toEqual({ extract: 'success', transform: 'success', load: 'success' });
  });

  it('releases the queued run of the paused DAG once unpaused', async () => {
    expect(await states('paused_run')).toEqual({ extract: 'success', transform: 'success', load: 'success' });
  });

  it('pauses with table output and reports errors for unknown DAGs and runs', async () => {
    expect((await cli('dags pause etl -o json')).stdout).toBe('[{"dag_id": "etl", "is_paused": "True"}]\n');
    expect((await cli('dags pause nope')).stdout).toBe('No unpaused DAGs were found\n');
    const lr = await cli('dags list-runs -d nope');
    expect(lr).toMatchObject({ stderr: "DAG: nope does not exist in 'dag' table\n", exit: '1' });
    const tr = await cli('dags trigger nope');
    expect(tr.stderr.trimEnd().split('\n').pop()).toBe('airflow.exceptions.DagNotFound: Dag id nope not found in DagModel');
    const bad = await cli(`dags trigger etl -c '{"a": }'`);
    expect(bad.stderr.trimEnd().split('\n').pop()).toBe('json.decoder.JSONDecodeError: Expecting value: line 1 column 7 (char 6)');
    const nr = await cli('tasks states-for-dag-run etl no_such_run');
    expect(nr.stderr.trimEnd().split('\n').pop()).toBe(
      'airflow.exceptions.AirflowException: Error parsing the supplied execution_date. Error: Invalid date string: no_such_run',
    );
    expect((await cli('dags state etl 2001-01-01')).stdout).toBe('None\n');
    await cli('dags unpause etl');
  });

  it('runs TaskFlow DAGs in data-dependency order with print() output in the log', async () => {
    const r = await cli('dags trigger taskflow -r tf_run');
    expect(r.exit).toBe('0');
    expect((await cli('tasks list taskflow')).stdout).toBe('extract\nsum_rows\n');
    await emu.advance(2.5);
    const mid = await states('tf_run', 'taskflow');
    expect(mid.sum_rows).toBeNull();
    await emu.advance(6);
    expect(await states('tf_run', 'taskflow')).toEqual({ extract: 'success', sum_rows: 'success' });
    const ev = await emu.logs.send(
      new GetLogEventsCommand({
        logGroupName: `airflow-${ENV}-Task`,
        logStreamName: 'dag_id=taskflow/run_id=tf_run/task_id=extract/attempt=1.log',
        startFromHead: true,
      }),
    );
    expect(ev.events!.some((e) => e.message!.endsWith('INFO - pulled 3 rows'))).toBe(true);
  });

  it('writes scheduler and dag-processing lines when those logs are enabled', async () => {
    const sched = await emu.logs.send(
      new DescribeLogStreamsCommand({ logGroupName: `airflow-${ENV}-Scheduler`, logStreamNamePrefix: 'scheduler_' }),
    );
    expect(sched.logStreams!.length).toBeGreaterThan(0);
    const ev = await emu.logs.send(
      new GetLogEventsCommand({
        logGroupName: `airflow-${ENV}-Scheduler`,
        logStreamName: sched.logStreams![0].logStreamName!,
        startFromHead: true,
      }),
    );
    expect(ev.events!.some((e) => /DagRun Finished: dag_id=etl, .*run_id=failing_run, .*state=failed/.test(e.message!))).toBe(true);
    const dp = await emu.logs.send(
      new GetLogEventsCommand({ logGroupName: `airflow-${ENV}-DAGProcessing`, logStreamName: 'broken.py.log', startFromHead: true }),
    );
    expect(dp.events!.some((e) => e.message!.includes("SyntaxError: '(' was never closed"))).toBe(true);
  });

  it('keeps runs, variables and pause state across a restart', async () => {
    await emu.restart();
    expect(jsonPayload((await cli('dags list-runs -d etl -o json')).stdout).map((x) => x.run_id)).toEqual(
      expect.arrayContaining(['paused_run', runId, 'failing_run', 'after_failure']),
    );
    expect((await cli('variables get greeting')).exit).toBe('0');
    expect(jsonPayload((await cli('dags list -o json')).stdout).find((x) => x.dag_id === 'etl').is_paused).toBe('False');
    expect(await states('failing_run')).toEqual({ extract: 'success', transform: 'failed', load: 'upstream_failed' });
  });
});
