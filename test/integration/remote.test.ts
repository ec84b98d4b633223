/**
 * `mwaa trigger`, `mwaa airflow`, `mwaa dags list` and `mwaa open` against the local emulator
 * (in-process, ephemeral port). The environment is made directly with the SDK clients (bucket, DAG
 * files, CreateEnvironment) so these tests do not depend on `env create` / `dags push`.
 *
 * Seeing the CLI tokens: the CLI calls the web server through the remote client's default transport
 * (`defaultTransport.post`, node:http), so this file wraps it in-process and records the Authorization header of
 * every `/aws_mwaa/cli` request — the exact token values the CLI minted and used, whatever their
 * format. A token we minted ourselves with CreateCliToken would be a different value and prove
 * nothing. The same wrapper records the HTTP statuses (to see a refused, expired token) and can run a
 * hook after a request (to expire the token mid-command by advancing the emulator's clock).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { startTestEmulator, TEST_ACCOUNT_ID, type TestEmulator, untilStatus } from '../helpers/emulator.js';
import { defaultTransport } from '../../src/core/remote/client.js';

const ENV = 'remote-demo';
const ENV3 = 'remote-demo-af3';
const BUCKET = 'remote-demo-bucket';

const ETL = `from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="etl",
    start_date=datetime(2024, 1, 1),
    schedule="@daily",
    catchup=False,
    tags=["team-a", "nightly"],
) as dag:
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

/** Everything a "tricky" conf can hold: quotes of both kinds, spaces, unicode, newlines, backslashes, shell syntax. */
const TRICKY_CONF = {
  msg: `it's a "quoted" value   with  spaces`,
  unicode: 'ünïcødé 日本語 😀',
  newline: 'line1\nline2\r\n\tindented',
  backslash: 'C:\\path\\to\\n and \\"',
  shell: '$HOME `id` $(id) ; | & > * ?',
  nested: { list: [1, 2.5, null, true, 'x y'], empty: {} },
};

let emu: TestEmulator;
const savedEnv = { ...process.env };
let dir: string;
let cleanup: () => void;

// ---- transport interception -----------------------------------------------------------------------
const realPost = defaultTransport.post;
const seenTokens = new Set<string>();
const cliRequests: Array<{ body: string; status: number }> = [];
let afterCliRequest: ((n: number) => Promise<void>) | undefined;

defaultTransport.post = async (url, init) => {
  const response = await realPost(url, init);
  if (url.includes('/aws_mwaa/cli')) {
    const auth = Object.entries(init.headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1] ?? '';
    if (auth.startsWith('Bearer ')) seenTokens.add(auth.slice('Bearer '.length));
    cliRequests.push({ body: init.body, status: response.status });
    if (afterCliRequest) await afterCliRequest(cliRequests.length);
  }
  return response;
};

/** This file covers the CLI-token transport (REST, the default where Airflow has it, is forced off). */
const CLI_TRANSPORT = { MWAA_TRANSPORT: 'cli' };

async function cli(...argv: string[]): Promise<CliResult> {
  return runCli(argv, { cwd: dir, env: baseEnv({ ...emu.env, ...CLI_TRANSPORT }), clock: emu.clock });
}

async function createEnvironment(name: string, airflowVersion: string): Promise<void> {
  await emu.mwaa.send(
    new CreateEnvironmentCommand({
      Name: name,
      AirflowVersion: airflowVersion,
      ExecutionRoleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/mwaa-exec`,
      SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
      DagS3Path: 'dags',
      NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
      LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } },
      WebserverAccessMode: 'PUBLIC_ONLY',
    }),
  );
}

beforeAll(async () => {
  // 5× real time (a simulated second of task in 200 ms; the CLI on emu.clock polls 5× as often); creating
  // takes an hour of simulated time, so that an environment stays CREATING until the clock is advanced
  emu = await startTestEmulator({ speed: 5, sim: { taskSeconds: 1, createSeconds: 3600 } });
  // The in-process CLI resolves credentials with the SDK's default chain, which reads process.env (not
  // the env given to runCli): give it the emulator's dummy credentials for this file.
  Object.assign(process.env, emu.env);
  await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/etl.py', Body: ETL }));
  await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/report.py', Body: REPORT }));
  await createEnvironment(ENV, '2.10.3');
  await createEnvironment(ENV3, '3.0.6');
  await untilStatus(emu, ENV, 'AVAILABLE', { advanceSeconds: 60 });
  await untilStatus(emu, ENV3, 'AVAILABLE', { advanceSeconds: 60 });
  ({ dir, cleanup } = tempDir('mwaa-remote-'));
  writeFileSync(
    join(dir, 'mwaa.yaml'),
    [
      'environments:',
      '  dev:',
      `    name: ${ENV}`,
      '    region: us-east-1',
      `    bucket: ${BUCKET}`,
      '  af3:',
      `    name: ${ENV3}`,
      '    region: us-east-1',
      `    bucket: ${BUCKET}`,
      '  creating:',
      '    name: remote-creating',
      '    region: us-east-1',
      `    bucket: ${BUCKET}`,
      '',
    ].join('\n'),
  );
}, 60_000);

afterEach(() => {
  afterCliRequest = undefined;
});

afterAll(async () => {
  defaultTransport.post = realPost;
  process.env = savedEnv;
  cleanup?.();
  await emu?.close();
});

/** The trigger's JSON document (no --wait). */
function triggered(r: CliResult): { runId: string; logicalDate: string | null; dagId: string; url: string } {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('mwaa dags list', () => {
  it('lists the DAGs as a table', async () => {
    const r = await cli('-e', 'dev', 'dags', 'list');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DAG\s+PAUSED\s+SCHEDULE\s+OWNERS\s+TAGS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['etl', 'report']);
  });

  it('lists the DAGs as JSON', async () => {
    const r = await cli('-e', 'dev', '--json', 'dags', 'list');
    expect(r.code, r.stderr).toBe(0);
    const dags = JSON.parse(r.stdout) as Array<{
      dagId: string;
      paused: boolean;
      owners: string[];
      tags: string[];
      fileloc: string | null;
    }>;
    expect(dags.map((d) => d.dagId)).toEqual(['etl', 'report']);
    const etl = dags.find((d) => d.dagId === 'etl')!;
    expect(typeof etl.paused).toBe('boolean');
    expect(etl.owners).toEqual(['airflow']);
    expect(etl.fileloc).toBe('/usr/local/airflow/dags/etl.py');
  });

  it('lists no import errors as an empty JSON list', async () => {
    const r = await cli('-e', 'dev', '--json', 'dags', 'list', '--import-errors');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

describe('mwaa trigger', () => {
  it('delivers a tricky --conf @file to Airflow intact (read back with dags state)', async () => {
    const file = join(dir, 'conf.json');
    writeFileSync(file, `${JSON.stringify(TRICKY_CONF, null, 2)}\n`); // pretty-printed: real newlines in the JSON text
    const run = triggered(await cli('-e', 'dev', '--json', 'trigger', 'etl', '--conf', '@conf.json'));
    expect(run.logicalDate).toBeTruthy();
    const state = await cli('-e', 'dev', 'airflow', 'dags', 'state', 'etl', run.logicalDate!);
    expect(state.code, state.stderr).toBe(0);
    const line = state.stdout.trimEnd().split('\n').pop()!;
    const m = /^(\w+), (\{.*\})$/.exec(line);
    expect(m, line).not.toBeNull();
    expect(JSON.parse(m![2])).toEqual(TRICKY_CONF);
    // and the run is in list-runs under the id the trigger printed
    const runs = await cli('-e', 'dev', 'airflow', 'dags', 'list-runs', '-d', 'etl', '-o', 'json');
    expect(runs.code, runs.stderr).toBe(0);
    const rows = JSON.parse(runs.stdout.trimEnd().split('\n').pop()!) as Array<{ run_id: string }>;
    expect(rows.map((r) => r.run_id)).toContain(run.runId);
  });

  it('delivers a tricky inline --conf intact (single quotes, newlines, unicode)', async () => {
    const text = `{"q": "it's", "nl": "a\\nb", "u": "😀", "literal newline in text": [\n1,\n2]}`;
    const run = triggered(await cli('-e', 'dev', '--json', 'trigger', 'report', '--conf', text, '--run-id', 'manual__tricky_inline'));
    expect(run.runId).toBe('manual__tricky_inline');
    const state = await cli('-e', 'dev', 'airflow', 'dags', 'state', 'report', run.logicalDate!);
    expect(state.code, state.stderr).toBe(0);
    const conf = JSON.parse(
      state.stdout
        .trimEnd()
        .split('\n')
        .pop()!
        .replace(/^\w+, /, ''),
    );
    expect(conf).toEqual(JSON.parse(text));
  });

  it('prints the run id on stdout and the Airflow UI link on stderr', async () => {
    const r = await cli('-e', 'dev', 'trigger', 'report');
    expect(r.code, r.stderr).toBe(0);
    const runId = r.stdout.trim();
    expect(runId).toMatch(/^manual__/);
    expect(r.stderr).toContain(`/dags/report/grid?dag_run_id=${encodeURIComponent(runId)}`);
    expect(r.stderr).toMatch(/Airflow UI: http:\/\/localhost:\d+\//);
  });

  it('--wait exits 0 when the run succeeds, reporting task states', async () => {
    const r = await cli('-e', 'dev', 'trigger', 'etl', '--unpause', '--wait', '--poll', '100ms', '--timeout', '2m');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^manual__/);
    for (const task of ['extract', 'transform', 'load']) expect(r.stderr).toMatch(new RegExp(`${task}: success`));
    expect(r.stderr).toMatch(/succeeded/);
  });

  it('--wait --json streams NDJSON ending with the outcome', async () => {
    const r = await cli('-e', 'dev', '--json', 'trigger', 'etl', '--unpause', '--wait', '--poll', '100ms', '--timeout', '2m');
    expect(r.code, r.stderr).toBe(0);
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { code: string; data?: Record<string, unknown> });
    const created = records.find((rec) => rec.code === 'trigger.run.created');
    expect(created?.data).toMatchObject({ dagId: 'etl', runId: expect.stringMatching(/^manual__/) });
    expect(records.filter((rec) => rec.code === 'trigger.task.state').length).toBeGreaterThanOrEqual(3);
    const last = records[records.length - 1];
    expect(last.code).toBe('trigger.run.finished');
    expect(last.data).toMatchObject({ dagId: 'etl', state: 'success', succeeded: true, failedTaskLogs: [] });
    expect((last.data!.tasks as Array<{ taskId: string; state: string }>).map((t) => [t.taskId, t.state])).toEqual(
      expect.arrayContaining([
        ['extract', 'success'],
        ['transform', 'success'],
        ['load', 'success'],
      ]),
    );
  });

  it('--wait on a terminal draws the live view of the tasks', async () => {
    const r = await runCli(['-e', 'dev', 'trigger', 'etl', '--unpause', '--wait', '--poll', '100ms', '--timeout', '2m'], {
      cwd: dir,
      env: baseEnv({ ...emu.env, ...CLI_TRANSPORT }),
      clock: emu.clock,
      tty: true,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^manual__/);
    // the final frame: the run and every task with its state
    const screen = stripVTControlCharacters(r.stderr);
    expect(screen).toMatch(/✔ etl manual__\S+\s+success/);
    for (const task of ['extract', 'transform', 'load']) expect(screen).toMatch(new RegExp(`✔ ${task}\\s+success`));
    expect(screen).toContain('succeeded');
  });

  it("--wait exits 1 when a task fails and prints the tail of that task's log", async () => {
    await emu.failTask(ENV, 'etl', 'transform');
    const r = await cli('-e', 'dev', 'trigger', 'etl', '--unpause', '--wait', '--poll', '100ms', '--timeout', '2m');
    expect(r.code, r.stderr).toBe(1);
    const runId = r.stdout.trim();
    expect(r.stderr).toMatch(
      /task transform failed; the last \d+ lines? of its log \(airflow-remote-demo-Task dag_id=etl\/run_id=.*\/task_id=transform\/attempt=\d+\.log\)/,
    );
    expect(r.stderr).toMatch(/error: run .* of etl failed \(1 failed task: transform\)/);
    // what was printed is the end of the real stream
    const stream = /\((airflow-remote-demo-Task) (dag_id=[^)]+)\)/.exec(r.stderr)!;
    expect(stream[2]).toBe(`dag_id=etl/run_id=${runId.replace(/:/g, '_')}/task_id=transform/attempt=1.log`);
    const events = await emu.logs.send(
      new GetLogEventsCommand({ logGroupName: stream[1], logStreamName: stream[2], startFromHead: false, limit: 5 }),
    );
    const lastLine = events.events!.at(-1)!.message!.trimEnd().split('\n').pop()!;
    expect(lastLine.length).toBeGreaterThan(0);
    expect(r.stderr).toContain(lastLine);
    expect(r.stderr).not.toMatch(/task (extract|load) failed/);
  });

  it('renews an expired token transparently in the middle of a command', async () => {
    const before = cliRequests.length;
    const tokensBefore = seenTokens.size;
    afterCliRequest = async (n) => {
      if (n === before + 1) await emu.advance(61); // the token of the first call is now expired
    };
    // on the system clock, the CLI does not know that the emulator's hour moved: it learns from the 401
    const r = await runCli(['-e', 'dev', 'trigger', 'report'], { cwd: dir, env: baseEnv({ ...emu.env, ...CLI_TRANSPORT }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^manual__/);
    const statuses = cliRequests.slice(before).map((c) => c.status);
    expect(statuses[0]).toBe(200);
    expect(statuses.filter((s) => s === 401 || s === 403)).toHaveLength(1); // the expired token, refused once
    expect(statuses.at(-1)).toBe(200);
    expect(seenTokens.size).toBeGreaterThanOrEqual(tokensBefore + 2);
  });

  it('rejects invalid --conf JSON with exit 2 and the position, before calling anything', async () => {
    const before = cliRequests.length;
    const r = await cli('-e', 'dev', 'trigger', 'etl', '--conf', '{"a": 1,\n "b": }');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--conf is not valid JSON: .* at line 2, column 7/);
    expect(cliRequests.length).toBe(before);
    const missing = await cli('-e', 'dev', 'trigger', 'etl', '--conf', '@nope.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json');
  });

  it('rejects a --poll of 0 and a --log-lines of 0 with exit 2 before calling anything; warns when they are given without --wait', async () => {
    const before = cliRequests.length;
    const poll = await cli('-e', 'dev', 'trigger', 'etl', '--wait', '--poll', '0s');
    expect(poll.code).toBe(2);
    expect(poll.stderr).toMatch(/^error: option '--poll <duration>' argument '0s' is invalid\. --poll must be longer than 0$/m);
    const lines = await cli('-e', 'dev', 'trigger', 'etl', '--wait', '--log-lines', '0');
    expect(lines.code).toBe(2);
    expect(lines.stderr).toMatch(
      /^error: option '--log-lines <n>' argument '0' is invalid\. --log-lines must be a whole number from 1 to 10000, not "0"$/m,
    );
    expect(cliRequests.length).toBe(before);
    // the defaults (5s, 20, 2h) are not "given": no warning for a plain trigger
    const plain = await cli('-e', 'dev', 'trigger', 'etl', '--unpause');
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toMatch(/only apply with --wait/);
    const stray = await cli('-e', 'dev', 'trigger', 'etl', '--unpause', '--log-lines', '5');
    expect(stray.code, stray.stderr).toBe(0);
    expect(stray.stderr).toMatch(/^warning: --timeout, --poll and --log-lines only apply with --wait$/m);
  });

  it('an unknown DAG is exit 3 and nothing is triggered', async () => {
    const before = cliRequests.length;
    const r = await cli('-e', 'dev', 'trigger', 'etll');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/DAG "etll" is not in the environment/);
    expect(r.stderr).toContain('did you mean "etl"');
    expect(cliRequests.slice(before).some((c) => c.body.startsWith('dags trigger'))).toBe(false);
  });

  it('an environment that is not AVAILABLE is exit 1 with its status', async () => {
    await createEnvironment('remote-creating', '2.10.3');
    const r = await cli('-e', 'creating', 'trigger', 'etl');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/environment "remote-creating" is CREATING, not AVAILABLE/);
    expect(r.stderr).toContain('mwaa env wait');
  });

  it('works on Airflow 3 (positional list-runs, run ids with a suffix, dags state by run id)', async () => {
    const run = triggered(await cli('-e', 'af3', '--json', 'trigger', 'etl', '--conf', '{"v": 3}'));
    expect(run.runId).toMatch(/^manual__/);
    const state = await cli('-e', 'af3', 'airflow', 'dags', 'state', 'etl', run.runId);
    expect(state.code, state.stderr).toBe(0);
    expect(state.stdout.trimEnd().split('\n').pop()).toMatch(/^\w+, \{"v": 3\}$/);
    expect(run.url).toContain(`/dags/etl/runs/${encodeURIComponent(run.runId)}`);
    const waited = await cli('-e', 'af3', 'trigger', 'etl', '--unpause', '--wait', '--poll', '100ms', '--timeout', '2m');
    expect(waited.code, waited.stderr).toBe(0);
  });
});

describe('AWS permissions and a busy or failing web server', () => {
  afterEach(async () => {
    await emu.clearFaults();
  });

  it('CreateCliToken denied is exit 4 naming the IAM action', async () => {
    await emu.fault({
      service: 'mwaa',
      operation: 'CreateCliToken',
      error: { status: 403, code: 'AccessDeniedException', message: 'User is not authorized' },
    });
    const r = await cli('-e', 'dev', 'trigger', 'etl');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('airflow:CreateCliToken');
  });

  it('CreateWebLoginToken denied is exit 4 naming the IAM action', async () => {
    await emu.fault({
      service: 'mwaa',
      operation: 'CreateWebLoginToken',
      error: { status: 403, code: 'AccessDeniedException', message: 'User is not authorized' },
    });
    const r = await cli('-e', 'dev', 'open', '--print');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('airflow:CreateWebLoginToken');
    expect(r.stdout).toBe('');
  });

  it("a 503 (the web server's concurrency limit) is retried, and the run is triggered once", async () => {
    await emu.fault({
      service: 'airflow',
      operation: 'cli',
      match: { Command: 'dags trigger' },
      error: { status: 503, code: 'ServiceUnavailable' },
    });
    const before = cliRequests.length;
    const r = await cli('-e', 'dev', 'trigger', 'report');
    expect(r.code, r.stderr).toBe(0);
    const triggers = cliRequests.slice(before).filter((c) => c.body.startsWith('dags trigger'));
    expect(triggers.map((c) => c.status)).toEqual([503, 200]);
  });

  it('a 500 on a trigger is not repeated (the run may exist) and says what MWAA means by it', async () => {
    await emu.fault({
      service: 'airflow',
      operation: 'cli',
      match: { Command: 'dags trigger' },
      error: { status: 500, code: 'InternalServerError' },
    });
    const before = cliRequests.length;
    const r = await cli('-e', 'dev', 'trigger', 'report');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HTTP 500 to `dags trigger`/);
    expect(r.stderr).toContain('allow-list');
    expect(cliRequests.slice(before).filter((c) => c.body.startsWith('dags trigger'))).toHaveLength(1);
  });
});

describe('mwaa airflow', () => {
  it('passes a command through and prints its stdout', async () => {
    const r = await cli('-e', 'dev', 'airflow', 'version');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('2.10.3');
  });

  it('refuses unsupported commands locally, with the supported alternatives', async () => {
    const before = cliRequests.length;
    const pools = await cli('-e', 'dev', 'airflow', 'pools', 'list');
    expect(pools.code).toBe(2);
    expect(pools.stderr).toContain("`pools list` is not a command MWAA's remote Airflow CLI runs on Airflow 2 or 3");
    expect(pools.stderr).toContain('Airflow UI');
    expect(pools.stderr).toMatch(/MWAA runs these command groups: .*dags.*variables/);
    const typo = await cli('-e', 'dev', 'airflow', 'dags', 'lst');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/supported instead: `dags list`/);
    const run3 = await cli('-e', 'af3', 'airflow', 'tasks', 'run', 'etl', 'extract', 'x');
    expect(run3.code).toBe(2);
    expect(run3.stderr).toContain('`tasks test`');
    const legacy = await cli('-e', 'dev', 'airflow', 'trigger_dag', 'etl');
    expect(legacy.code).toBe(2);
    expect(legacy.stderr).toContain('`dags trigger`');
    expect(cliRequests.length).toBe(before);
  });

  it('exits 3 when the remote command says the DAG does not exist, with its stderr shown', async () => {
    const r = await cli('-e', 'dev', 'airflow', 'dags', 'list-runs', '-d', 'nope');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("does not exist in 'dag' table");
  });

  it('--json prints one document, also when the remote command failed', async () => {
    const ok = await cli('-e', 'dev', '--json', 'airflow', 'version');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ command: ['version'], stdout: '2.10.3\n', stderr: '' });
    const bad = await cli('-e', 'dev', '--json', 'airflow', 'variables', 'get', 'missing-var');
    expect(bad.code).toBe(3);
    const doc = JSON.parse(bad.stdout) as { error: { code: string; details: { stderr: string; command: string[] } } };
    expect(doc.error.code).toBe('remote.not-found');
    expect(doc.error.details.stderr).toMatch(/Variable missing-var does not exist/);
    expect(doc.error.details.command).toEqual(['variables', 'get', 'missing-var']);
  });

  it('exits 2 when Airflow rejects the arguments', async () => {
    const r = await cli('-e', 'dev', 'airflow', 'dags', 'list-runs', '--state', 'bogus', '-d', 'etl');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('see help above');
  });

  it('--help lists the supported commands without touching AWS', async () => {
    const r = await runCli(['airflow', '--help'], { cwd: dir, env: baseEnv() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Commands MWAA runs on Airflow 3:');
    expect(r.stdout).toMatch(/dags .*list-runs/);
  });
});

describe('mwaa open', () => {
  it('--print prints the login URL with a fresh web token in the fragment', async () => {
    const r = await cli('-e', 'dev', 'open', '--print');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^http:\/\/localhost:\d+\/aws_mwaa\/aws-console-sso\?login=true#\S{16,}$/);
    const again = await cli('-e', 'dev', 'open', '--print');
    expect(again.stdout.trim()).not.toBe(r.stdout.trim());
  });

  it('prints the URL when there is no terminal to open a browser from', async () => {
    const plain = await cli('-e', 'dev', 'open');
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.trim()).toMatch(/^http:\/\/localhost:\d+\/aws_mwaa\/aws-console-sso\?login=true#\S+$/);
    expect(plain.stderr).toContain('valid for 60 seconds');
    const r = await cli('-e', 'dev', '--json', 'open');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { url: string; expiresInSeconds: number };
    expect(doc.url).toMatch(/\/aws_mwaa\/aws-console-sso\?login=true#/);
    expect(doc.expiresInSeconds).toBe(60);
  });
});

describe('--debug never prints a CLI token', () => {
  it('scans all output of debug runs (success, failure, renewal) for every token the CLI used', async () => {
    seenTokens.clear();
    const outputs: CliResult[] = [];
    outputs.push(
      await cli(
        '--debug',
        '-e',
        'dev',
        'trigger',
        'etl',
        '--unpause',
        '--conf',
        '{"a": "b"}',
        '--wait',
        '--poll',
        '100ms',
        '--timeout',
        '2m',
      ),
    );
    outputs.push(await cli('--debug', '-e', 'dev', '--json', 'dags', 'list'));
    outputs.push(await cli('--debug', '-e', 'dev', 'airflow', 'dags', 'state', 'nope', '2024-01-01'));
    await emu.failTask(ENV, 'etl', 'load');
    outputs.push(await cli('--debug', '-e', 'dev', 'trigger', 'etl', '--unpause', '--wait', '--poll', '100ms', '--timeout', '2m'));
    const before = cliRequests.length;
    afterCliRequest = async (n) => {
      if (n === before + 1) await emu.advance(61);
    };
    outputs.push(await cli('--debug', '-e', 'dev', 'trigger', 'report'));
    afterCliRequest = undefined;

    expect(outputs.map((o) => o.code)).toEqual([0, 0, 3, 1, 0]);
    expect(seenTokens.size).toBeGreaterThanOrEqual(2);
    const all = outputs.map((o) => `${o.stdout}\n${o.stderr}`).join('\n');
    // the debug lines are there (so a leak in them would be seen) and show the header redacted
    expect(all).toContain('Authorization: Bearer ***');
    expect(all).toMatch(/debug: .*token/i);
    for (const token of seenTokens) {
      expect(token.length).toBeGreaterThan(8);
      expect(all.includes(token), 'a CLI token was printed').toBe(false);
      // nor a recognisable piece of it
      expect(all.includes(token.slice(-16)), 'the end of a CLI token was printed').toBe(false);
      expect(all.includes(Buffer.from(token).toString('base64').slice(0, 24)), 'a base64 token was printed').toBe(false);
    }
  });
});

describe('mwaa trigger: never waiting forever, and Ctrl-C before the trigger', () => {
  it('--wait on a paused DAG without --unpause: exit 1 saying the run cannot start, and nothing is triggered', async () => {
    const paused = await cli('-e', 'dev', 'airflow', 'dags', 'pause', 'report');
    expect(paused.code, paused.stderr).toBe(0);
    const before = cliRequests.length;
    const r = await cli('-e', 'dev', 'trigger', 'report', '--wait', '--poll', '100ms');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error: DAG report is paused: a run cannot start until it is unpaused; nothing was triggered$/m);
    expect(r.stderr).toMatch(/^hint: pass --unpause/m);
    expect(cliRequests.slice(before).some((c) => c.body.startsWith('dags trigger'))).toBe(false);
  });

  it('--timeout 0 waits as long as the run takes', async () => {
    const r = await cli('-e', 'dev', 'trigger', 'report', '--unpause', '--wait', '--poll', '100ms', '--timeout', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/succeeded/);
  });

  it('Ctrl-C after the DAG lookup: exit 130, "nothing was changed", no `dags trigger` sent', async () => {
    const controller = new AbortController();
    const before = cliRequests.length;
    // the first CLI request is `dags list` (the lookup): Ctrl-C once it has been answered
    afterCliRequest = async (n) => {
      if (n === before + 1) controller.abort(new Error('interrupted'));
    };
    const r = await runCli(['-e', 'dev', 'trigger', 'etl', '--unpause'], {
      cwd: dir,
      env: baseEnv({ ...emu.env, ...CLI_TRANSPORT }),
      signal: controller.signal,
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^error: interrupted; nothing was changed$/m);
    expect(cliRequests.slice(before).map((c) => c.body.split(' ').slice(0, 2).join(' '))).toEqual(['dags list']);
  });
});
