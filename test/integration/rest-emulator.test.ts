/**
 * The REST transport (InvokeRestApi, the default from Airflow 2.4.3 on) end to end against the local
 * emulator, on Airflow 2.10 (API v1) and 3.0 (API v2): trigger, trigger --wait (success and a failed
 * task with its log tail), dags list, dags pause|unpause, mwaa api, and the fallback to the CLI token
 * when InvokeRestApi is denied. CLI-token requests go through `fetch`, so wrapping it counts them:
 * on REST there must be none.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseEnv, runCli, spawnCli, tempDir, type CliResult } from '../helpers/cli.js';
import { startTestEmulator, TEST_ACCOUNT_ID, type TestEmulator, untilStatus } from '../helpers/emulator.js';
import { python } from '../helpers/python.js';
import { boto3Missing } from '../helpers/tools.js';
import { defaultTransport } from '../../src/core/remote/client.js';

const BUCKET = 'rest-demo-bucket';
const ENVS = { af2: 'rest-demo', af3: 'rest-demo-af3' } as const;

const ETL = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="etl", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False, tags=["team-a"]) as dag:
    extract = BashOperator(task_id="extract", bash_command="echo extracting")
    transform = BashOperator(task_id="transform", bash_command="echo transforming")
    load = BashOperator(task_id="load", bash_command="echo loading")
    extract >> transform >> load
`;

const REPORT = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="report", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:
    BashOperator(task_id="build", bash_command="echo report")
`;

let emu: TestEmulator;
const savedEnv = { ...process.env };
let dir: string;
let cleanup: () => void;

// the CLI-token requests, seen through the remote client's default transport
const realPost = defaultTransport.post;
let cliRequests = 0;
defaultTransport.post = async (url, init) => {
  if (url.includes('/aws_mwaa/cli')) cliRequests++;
  return realPost(url, init);
};

async function cli(...argv: string[]): Promise<CliResult> {
  return runCli(argv, { cwd: dir, env: baseEnv(emu.env), clock: emu.clock });
}

beforeAll(async () => {
  // 5× real time (a simulated second of task in 200 ms; the CLI on emu.clock polls 5× as often); creating
  // takes an hour of simulated time, so that an environment stays CREATING until the clock is advanced
  emu = await startTestEmulator({ speed: 5, sim: { taskSeconds: 1, createSeconds: 3600 } });
  Object.assign(process.env, emu.env);
  await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/etl.py', Body: ETL }));
  await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/report.py', Body: REPORT }));
  for (const [name, version] of [
    [ENVS.af2, '2.10.3'],
    [ENVS.af3, '3.0.6'],
  ]) {
    await emu.mwaa.send(
      new CreateEnvironmentCommand({
        Name: name,
        AirflowVersion: version,
        ExecutionRoleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/mwaa-exec`,
        SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
        DagS3Path: 'dags',
        NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
        LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } },
        WebserverAccessMode: 'PUBLIC_ONLY',
      }),
    );
  }
  await untilStatus(emu, ENVS.af2, 'AVAILABLE', { advanceSeconds: 60 });
  await untilStatus(emu, ENVS.af3, 'AVAILABLE', { advanceSeconds: 60 });
  ({ dir, cleanup } = tempDir('mwaa-rest-emu-'));
  writeFileSync(
    join(dir, 'mwaa.yaml'),
    [
      'environments:',
      ...Object.entries(ENVS).flatMap(([key, name]) => [
        `  ${key}:`,
        `    name: ${name}`,
        '    region: us-east-1',
        `    bucket: ${BUCKET}`,
      ]),
      '',
    ].join('\n'),
  );
}, 60_000);

beforeEach(() => {
  cliRequests = 0;
});

afterEach(async () => {
  await emu.clearFaults();
});

afterAll(async () => {
  defaultTransport.post = realPost;
  process.env = savedEnv;
  cleanup?.();
  await emu?.close();
});

for (const key of ['af2', 'af3'] as const) {
  describe(`REST transport on ${key === 'af2' ? 'Airflow 2.10 (API v1)' : 'Airflow 3.0 (API v2)'}`, () => {
    it('dags list --json, without a CLI token', async () => {
      const r = await cli('-e', key, '--json', 'dags', 'list');
      expect(r.code, r.stderr).toBe(0);
      const dags = JSON.parse(r.stdout) as Array<{ dagId: string; paused: boolean; tags: string[] }>;
      expect(dags.map((d) => d.dagId)).toEqual(['etl', 'report']);
      expect(dags[0].tags).toEqual(['team-a']);
      expect(cliRequests).toBe(0);
    });

    it('dags pause / unpause show in the list; an unknown DAG is exit 3', async () => {
      expect((await cli('-e', key, 'dags', 'pause', 'report')).code).toBe(0);
      let dags = JSON.parse((await cli('-e', key, '--json', 'dags', 'list')).stdout) as Array<{ dagId: string; paused: boolean }>;
      expect(dags.find((d) => d.dagId === 'report')?.paused).toBe(true);
      expect((await cli('-e', key, 'dags', 'unpause', 'report')).code).toBe(0);
      dags = JSON.parse((await cli('-e', key, '--json', 'dags', 'list')).stdout) as Array<{ dagId: string; paused: boolean }>;
      expect(dags.find((d) => d.dagId === 'report')?.paused).toBe(false);
      const missing = await cli('-e', key, 'dags', 'pause', 'nope');
      expect(missing.code, missing.stderr).toBe(3);
      expect(cliRequests).toBe(0);
    });

    it('trigger --wait exits 0 when the run succeeds, with the task states', async () => {
      const r = await cli('-e', key, 'trigger', 'etl', '--unpause', '--conf', '{"k": "v"}', '--wait', '--poll', '100ms', '--timeout', '2m');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toMatch(/^manual__/);
      for (const task of ['extract', 'transform', 'load']) expect(r.stderr).toMatch(new RegExp(`${task}: success`));
      expect(cliRequests).toBe(0);
      // the conf arrived: read the run back through mwaa api
      const run = await cli('-e', key, 'api', `/dags/etl/dagRuns`, '-f', 'limit=100');
      const runs = (JSON.parse(run.stdout) as { dag_runs: Array<{ dag_run_id: string; conf: unknown }> }).dag_runs;
      expect(runs.find((x) => x.dag_run_id === r.stdout.trim())?.conf).toEqual({ k: 'v' });
    });

    it.skipIf(boto3Missing() !== '')('mwaa api and boto3 invoke_rest_api get the same answers', async () => {
      const paths = [
        '/dags',
        '/dags/etl',
        '/dags/etl/details',
        '/importErrors',
        '/pools',
        '/variables',
        key === 'af2' ? '/health' : '/monitor/health',
        '/version',
        '/dags/nope',
      ];
      const script = [
        'import json, sys, boto3',
        'client = boto3.client("mwaa")',
        'for path in sys.argv[2:]:',
        '    try:',
        '        r = client.invoke_rest_api(Name=sys.argv[1], Path=path, Method="GET")',
        '        print(json.dumps({"path": path, "code": r["RestApiStatusCode"], "body": r.get("RestApiResponse")}))',
        '    except client.exceptions.RestApiClientException as e:',
        '        print(json.dumps({"path": path, "code": e.response.get("RestApiStatusCode"), "body": e.response.get("RestApiResponse")}))',
      ].join('\n');
      // asynchronous: the emulator answering boto3 runs in this process
      const py = await python(script, emu.childEnv({ AWS_DISABLE_HOST_PREFIX_INJECTION: 'true', AWS_MAX_ATTEMPTS: '1' }), [
        ENVS[key],
        ...paths,
      ]);
      expect(py.code, py.stderr).toBe(0);
      const boto = py.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { path: string; code: number; body: unknown });
      // the health answer carries heartbeat times that move between two calls
      const steady = (body: unknown) => JSON.parse(JSON.stringify(body).replace(/"latest_[a-z_]*heartbeat":"[^"]*"/g, '"heartbeat":"…"'));
      for (const b of boto) {
        const r = await cli('-e', key, 'api', b.path);
        if (b.code === 404) {
          expect(r.code, b.path).toBe(3);
          continue;
        }
        expect(r.code, `${b.path}: ${r.stderr}`).toBe(0);
        expect(b.code, b.path).toBe(200);
        expect(steady(JSON.parse(r.stdout)), b.path).toEqual(steady(b.body));
      }
      expect(boto.map((b) => b.path)).toEqual(paths);
    });

    it('trigger --wait succeeds while the CLI endpoint and CreateCliToken fail: REST needs neither', async () => {
      await emu.fault({
        service: 'airflow',
        operation: 'cli',
        times: 1000,
        error: { status: 500, code: 'InternalError', message: 'the CLI endpoint is down' },
      });
      await emu.fault({
        service: 'mwaa',
        operation: 'CreateCliToken',
        times: 1000,
        error: { status: 500, code: 'InternalServerException', message: 'no CLI tokens today' },
      });
      const r = await cli('-e', key, 'trigger', 'etl', '--unpause', '--wait', '--poll', '100ms', '--timeout', '2m');
      expect(r.code, r.stderr).toBe(0);
      for (const task of ['extract', 'transform', 'load']) expect(r.stderr).toMatch(new RegExp(`${task}: success`));
      // and the same command forced onto the CLI token fails, so the faults did bite
      const forced = await cli('-e', key, 'trigger', 'etl', '--transport', 'cli');
      expect(forced.code).not.toBe(0);
    });

    it('trigger --wait exits 1 naming the failed task and prints the tail of its log', async () => {
      await emu.failTask(ENVS[key], 'etl', 'transform');
      const r = await cli('-e', key, 'trigger', 'etl', '--unpause', '--wait', '--poll', '100ms', '--timeout', '2m');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/task transform failed; the last \d+ lines? of its log/);
      expect(r.stderr).toMatch(/error: run .* of etl failed \(1 failed task: transform\)/);
      expect(cliRequests).toBe(0);
    });

    it('trigger prints the run id; the run has the conf as sent', async () => {
      const r = await cli('-e', key, 'trigger', 'report', '--conf', '{"k": "v", "n": [1, null]}');
      expect(r.code, r.stderr).toBe(0);
      const runId = r.stdout.trim();
      expect(runId).toMatch(/^manual__/);
      const runs = JSON.parse((await cli('-e', key, 'api', '/dags/report/dagRuns', '--paginate')).stdout) as Array<{
        dag_run_id: string;
        conf: unknown;
      }>;
      expect(runs.find((x) => x.dag_run_id === runId)?.conf).toEqual({ k: 'v', n: [1, null] });
      expect(cliRequests).toBe(0);
    });

    it('an unknown DAG is exit 3', async () => {
      const r = await cli('-e', key, 'trigger', 'elt');
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('"etl"');
    });

    it('mwaa api: GET with fields, --paginate, 404 exit 3', async () => {
      const one = await cli('-e', key, 'api', '/dags', '-f', 'limit=1');
      expect(one.code, one.stderr).toBe(0);
      expect(JSON.parse(one.stdout)).toMatchObject({ total_entries: 2 });
      const all = await cli('-e', key, 'api', '/dags', '-f', 'limit=1', '--paginate');
      expect(all.code, all.stderr).toBe(0);
      expect((JSON.parse(all.stdout) as Array<{ dag_id: string }>).map((d) => d.dag_id)).toEqual(['etl', 'report']);
      const missing = await cli('-e', key, 'api', '/variables/nope');
      expect(missing.code).toBe(3);
      // a variable set with -f fields in the body, read back, deleted (204: nothing printed)
      const set = await cli('-e', key, 'api', '/variables', '-X', 'POST', '-f', 'key=team', '-f', 'value=data eng');
      expect(set.code, set.stderr).toBe(0);
      expect(JSON.parse((await cli('-e', key, 'api', '/variables/team')).stdout)).toMatchObject({ key: 'team', value: 'data eng' });
      const del = await cli('-e', key, 'api', '/variables/team', '-X', 'DELETE');
      expect(del.code, del.stderr).toBe(0);
      expect(del.stdout).toBe('');
      expect((await cli('-e', key, 'api', '/variables/team')).code).toBe(3);
    });
  });
}

/** mwaa in-process with Ctrl-C (the signal) `afterMs` after it started. */
async function interrupted(afterMs: number, ...argv: string[]): Promise<CliResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('interrupted')), afterMs);
  try {
    return await runCli(argv, { cwd: dir, env: baseEnv(emu.env), clock: emu.clock, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

describe('Ctrl-C on the REST transport (the cancellation contract)', () => {
  it('before the PATCH of dags pause: exit 130, nothing was changed', async () => {
    const paused = async () =>
      (JSON.parse((await cli('-e', 'af2', '--json', 'dags', 'list')).stdout) as Array<{ dagId: string; paused: boolean }>).find(
        (d) => d.dagId === 'report',
      )?.paused;
    const before = await paused();
    await emu.delay({ service: 'mwaa', operation: 'GetEnvironment', delayMs: 1500 });
    const r = await interrupted(300, '-e', 'af2', 'dags', 'pause', 'report');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^error: interrupted; nothing was changed$/m);
    await emu.clearFaults();
    expect(await paused()).toBe(before);
  });

  it('while the POST of a trigger has no answer: exit 130 saying it was sent and the run goes on', async () => {
    await emu.delay({
      service: 'mwaa',
      operation: 'InvokeRestApi',
      match: { Path: '/dags/report/dagRuns', Method: 'POST' },
      delayMs: 1500,
    });
    const r = await interrupted(600, '-e', 'af2', 'trigger', 'report');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(
      /^error: interrupted after POST \/dags\/report\/dagRuns \(no answer yet: it may or may not have been applied\) was sent; the run of report goes on in Airflow$/m,
    );
    expect(cliRequests).toBe(0);
  });

  it('while mwaa api -X POST has no answer: exit 130 saying the call was sent', async () => {
    await emu.delay({ service: 'mwaa', operation: 'InvokeRestApi', match: { Path: '/variables', Method: 'POST' }, delayMs: 1500 });
    const r = await interrupted(300, '-e', 'af2', 'api', '/variables', '-X', 'POST', '-f', 'key=held', '-f', 'value=x');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(
      /^error: interrupted after POST \/variables \(no answer yet: it may or may not have been applied\) was sent; /m,
    );
  });
});

describe('the built CLI (npm run build first)', () => {
  it('mwaa api through bin/mwaa.cjs: the bundle finds the SDK pieces InvokeRestApi is built from', async () => {
    const r = await spawnCli(['-e', 'af3', 'api', '/dags', '-f', 'limit=1'], { cwd: dir, env: baseEnv(emu.env) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ total_entries: 2, dags: [{ dag_id: 'etl' }] });
  });
});

describe('fallback to the CLI token', () => {
  it('InvokeRestApi denied: dags list still works, through the CLI token, saying why once', async () => {
    await emu.fault({
      service: 'mwaa',
      operation: 'InvokeRestApi',
      error: { status: 403, code: 'AccessDeniedException', message: 'User is not authorized to perform: airflow:InvokeRestApi' },
    });
    const r = await cli('-e', 'af2', 'dags', 'list');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^etl\s/m);
    expect(r.stderr.match(/using the Airflow CLI token/g)).toHaveLength(1);
    expect(cliRequests).toBeGreaterThan(0);
  });

  it('"update your environment" (Airflow before 2.4.3): trigger falls back to the CLI token', async () => {
    await emu.fault({
      service: 'mwaa',
      operation: 'InvokeRestApi',
      error: { status: 400, code: 'ValidationException', message: 'Update your environment to use InvokeRestApi.' },
    });
    const r = await cli('-e', 'af2', 'trigger', 'report');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^manual__/);
    expect(r.stderr).toMatch(/Update your environment.*using the Airflow CLI token/);
    expect(cliRequests).toBeGreaterThan(0);
  });

  it('--transport rest does not fall back: exit 4 naming airflow:InvokeRestApi', async () => {
    await emu.fault({
      service: 'mwaa',
      operation: 'InvokeRestApi',
      error: { status: 403, code: 'AccessDeniedException', message: 'User is not authorized' },
    });
    const r = await cli('-e', 'af2', 'dags', 'list', '--transport', 'rest');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('airflow:InvokeRestApi');
    expect(cliRequests).toBe(0);
  });
});
