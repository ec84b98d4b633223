/**
 * `mwaa logs` against the local emulator, in-process: task logs written in MWAA's stream-name format, components, requirements logs after a failed update, time ranges and filters,
 * Airflow 3 JSON events, following, and the error paths (exit 3 / 4).
 */
import { UpdateEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator, untilStatus } from '../helpers/emulator.js';
import { createEnvironment, liveCli, project, putEvents, putObject, versionedBucket } from './logs-helpers.js';

const ENV = 'logs-env';
const BUCKET = 'logs-bucket';
const TASK = `airflow-${ENV}-Task`;
const SCHEDULER = `airflow-${ENV}-Scheduler`;
const RUN_A = 'manual__2026-01-01T08:00:00+00:00';
const RUN_A_STREAM = 'manual__2026-01-01T08_00_00+00_00';
const RUN_B_STREAM = 'scheduled__2026-01-02T00_00_00+00_00';

let emu: TestEmulator;
let dir: string;
let cleanup: () => void;
let now: number;
const savedEnv = { ...process.env };

const mwaa = (...argv: string[]) => runCli(['--endpoint-url', emu.url, ...argv], { cwd: dir, env: baseEnv(emu.env) });
const stream = (run: string, task: string, attempt: number, dag = 'etl') =>
  `dag_id=${dag}/run_id=${run}/task_id=${task}/attempt=${attempt}.log`;
const airflow2 = (level: string, text: string) => `[2026-01-01T08:00:00.000+0000] {taskinstance.py:1} ${level} - ${text}`;

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 0.2, updateSeconds: 0.2, denyPackages: ['no-such-package'] } });
  // The in-process CLI resolves credentials with the SDK's default chain, which reads process.env (not
  // the env given to runCli): give it the emulator's dummy credentials for this file.
  Object.assign(process.env, emu.env);
  ({ dir, cleanup } = tempDir('mwaa-logs-'));
  project(dir, ENV, BUCKET);
  await versionedBucket(emu, BUCKET);
  const good = await putObject(emu, BUCKET, 'requirements.txt', 'apache-airflow-providers-amazon==8.0.0\n');
  const startup = await putObject(emu, BUCKET, 'startup.sh', '#!/bin/sh\necho "hello from startup"\n');
  await createEnvironment(emu, BUCKET, ENV, {
    RequirementsS3Path: 'requirements.txt',
    RequirementsS3ObjectVersion: good,
    StartupScriptS3Path: 'startup.sh',
    StartupScriptS3ObjectVersion: startup,
    LoggingConfiguration: {
      TaskLogs: { Enabled: true, LogLevel: 'INFO' },
      SchedulerLogs: { Enabled: true, LogLevel: 'INFO' },
      WorkerLogs: { Enabled: true, LogLevel: 'INFO' },
      WebserverLogs: { Enabled: false, LogLevel: 'INFO' },
      DagProcessingLogs: { Enabled: false, LogLevel: 'INFO' },
    },
  });
  await untilStatus(emu, ENV, 'AVAILABLE');
  now = emu.world.clock.now();

  // run A (older): extract failed once then succeeded, load ran once
  await putEvents(emu, TASK, stream(RUN_A_STREAM, 'extract', 1), [
    { timestamp: now - 50_000, message: airflow2('INFO', 'extract try 1 starting') },
    {
      timestamp: now - 49_000,
      message: `${airflow2('ERROR', 'extract try 1 failed')}\nTraceback (most recent call last):\nValueError: boom`,
    },
  ]);
  await putEvents(emu, TASK, stream(RUN_A_STREAM, 'extract', 2), [
    { timestamp: now - 48_000, message: airflow2('INFO', 'extract try 2 ok') },
  ]);
  await putEvents(emu, TASK, stream(RUN_A_STREAM, 'load', 1), [{ timestamp: now - 47_000, message: airflow2('INFO', 'load ok') }]);
  // run B (created last): the latest run
  await putEvents(emu, TASK, stream(RUN_B_STREAM, 'extract', 1), [{ timestamp: now - 20_000, message: airflow2('INFO', 'run B extract') }]);
  // another DAG, with old and recent events
  await putEvents(emu, TASK, stream('manual__x', 'send', 1, 'report'), [
    { timestamp: now - 3 * 3_600_000, message: airflow2('INFO', 'report three hours ago') },
    { timestamp: now - 30 * 60_000, message: airflow2('ERROR', 'report thirty minutes ago') },
    { timestamp: now - 60_000, message: airflow2('INFO', 'report one minute ago') },
  ]);
  // an Airflow 3 task: JSON events
  await putEvents(emu, TASK, stream('manual__af3', 'hello', 1, 'af3'), [
    {
      timestamp: now - 10_000,
      message: JSON.stringify({
        timestamp: new Date(now - 10_000).toISOString(),
        level: 'info',
        event: 'Task started',
        logger: 'airflow.task',
      }),
    },
    {
      timestamp: now - 9_000,
      message: JSON.stringify({
        timestamp: new Date(now - 9_000).toISOString(),
        level: 'error',
        event: 'Task failed with exception',
        logger: 'task',
        error_detail: [
          { exc_type: 'KeyError', exc_value: "'id'", frames: [{ filename: '/usr/local/airflow/dags/af3.py', lineno: 7, name: 'hello' }] },
        ],
      }),
    },
  ]);
  // the scheduler component
  await putEvents(emu, SCHEDULER, 'scheduler_ip-10-0-0-1.ec2.internal_1767225600.log', [
    { timestamp: now - 5_000, message: 'INFO - Starting the scheduler' },
  ]);
}, 30_000);

afterAll(async () => {
  process.env = savedEnv;
  await emu?.close();
  cleanup?.();
});

describe('task logs of a run', () => {
  it('all tasks of a run, in time order, labelled task#try', async () => {
    const r = await mwaa('logs', 'etl', '--run', RUN_A, '--utc');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6); // 4 events, one of them three lines long
    expect(lines[0]).toBe(`${new Date(now - 50_000).toISOString()}  extract#1  ${airflow2('INFO', 'extract try 1 starting')}`);
    expect(lines[1]).toContain('extract#1  [2026-01-01T08:00:00.000+0000] {taskinstance.py:1} ERROR - extract try 1 failed');
    // continuation lines of a multi-line message keep their lines, aligned under the message
    expect(lines[2]).toBe(`${' '.repeat(lines[1].indexOf('[2026'))}Traceback (most recent call last):`);
    expect(lines[3].trim()).toBe('ValueError: boom');
    expect(lines[4]).toContain('extract#2  ');
    expect(lines[5]).toContain('load#1     ');
    expect(r.stdout).not.toContain('run B');
  });

  it('one task, one try', async () => {
    const task = await mwaa('logs', 'etl', '--run', RUN_A, '--task', 'extract');
    expect(task.code).toBe(0);
    expect(task.stdout).toContain('extract try 1 starting');
    expect(task.stdout).toContain('extract try 2 ok');
    expect(task.stdout).not.toContain('load ok');

    const one = await mwaa('logs', 'etl', '--run', RUN_A_STREAM, '--task', 'extract', '--try', '2');
    expect(one.code).toBe(0);
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(one.stdout).toContain('extract#2');
    expect(one.stdout).toContain('extract try 2 ok');
  });

  it('--run latest: the newest run of the DAG', async () => {
    const r = await mwaa('logs', 'etl', '--run', 'latest');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('run B extract');
    expect(r.stdout).not.toContain('extract try');
    expect(r.stderr).toContain(`latest run of etl: ${RUN_B_STREAM}`);
  });

  it('colors levels on a terminal only', async () => {
    const tty = await runCli(['--endpoint-url', emu.url, 'logs', 'etl', '--run', RUN_A, '--task', 'extract', '--try', '1'], {
      cwd: dir,
      env: baseEnv(emu.env),
      tty: true,
    });
    expect(tty.code).toBe(0);
    const sgr = '\u001b\\[[0-9;]+m';
    expect(tty.stdout).toMatch(new RegExp(`\\} (${sgr})+ERROR(${sgr})+ - extract try 1 failed`));
    const plain = await mwaa('logs', 'etl', '--run', RUN_A, '--task', 'extract', '--try', '1');
    expect(plain.stdout).not.toContain('\u001b[');
    const noColor = await runCli(
      ['--endpoint-url', emu.url, '--no-color', 'logs', 'etl', '--run', RUN_A, '--task', 'extract', '--try', '1'],
      {
        cwd: dir,
        env: baseEnv(emu.env),
        tty: true,
      },
    );
    expect(noColor.stdout).not.toContain('\u001b[');
  });

  it('--limit stops after n events', async () => {
    const r = await mwaa('logs', 'etl', '--run', RUN_A, '--limit', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('extract try 1 failed');
    expect(r.stdout).not.toContain('try 2');
  });
});

describe('time ranges and filters', () => {
  it('a DAG without a run: the last 10 minutes by default, --since further back', async () => {
    const recent = await mwaa('logs', 'report');
    expect(recent.code).toBe(0);
    expect(recent.stdout).toContain('report one minute ago');
    expect(recent.stdout).not.toContain('thirty minutes ago');
    // labels carry the run when the address does not fix it
    expect(recent.stdout).toContain('manual__x/send#1');

    const hour = await mwaa('logs', 'report', '--since', '1h');
    expect(hour.stdout).toContain('thirty minutes ago');
    expect(hour.stdout).not.toContain('three hours ago');

    const window = await mwaa('logs', 'report', '--since', '4h', '--until', '10m');
    expect(window.stdout).toContain('three hours ago');
    expect(window.stdout).toContain('thirty minutes ago');
    expect(window.stdout).not.toContain('one minute ago');
  });

  it('--filter passes a CloudWatch filter pattern', async () => {
    const r = await mwaa('logs', 'report', '--since', '4h', '--filter', 'ERROR');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain('report thirty minutes ago');
  });

  it('says so on stderr when nothing matched', async () => {
    const r = await mwaa('logs', 'report', '--filter', 'NOTHING_LIKE_THIS');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no log events');
    expect(r.stderr).toContain('--since');
  });

  it('rejects a bad --since with exit 2', async () => {
    const r = await mwaa('logs', 'report', '--since', 'yesterday-ish');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid --since');
  });
});

describe('Airflow 3 JSON events', () => {
  it('are rendered as text lines with their traceback', async () => {
    const r = await mwaa('logs', 'af3', '--run', 'manual__af3');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/hello#1 {2}INFO airflow\.task: Task started$/);
    expect(lines[1]).toMatch(/hello#1 {2}ERROR task: Task failed with exception$/);
    expect(lines.slice(2).map((l) => l.trim())).toEqual([
      'Traceback (most recent call last):',
      'File "/usr/local/airflow/dags/af3.py", line 7, in hello',
      "KeyError: 'id'",
    ]);
  });

  it('--json gives the raw structure as NDJSON', async () => {
    const r = await mwaa('logs', 'af3', '--run', 'manual__af3', '--json');
    expect(r.code).toBe(0);
    const records = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      group: TASK,
      stream: 'dag_id=af3/run_id=manual__af3/task_id=hello/attempt=1.log',
      timestamp: now - 10_000,
      structured: { level: 'info', event: 'Task started', logger: 'airflow.task' },
    });
    expect(JSON.parse(records[1].message).error_detail[0].exc_type).toBe('KeyError');
    expect(typeof records[0].eventId).toBe('string');
  });
});

describe('components', () => {
  it('scheduler logs, labelled prefix@host', async () => {
    const r = await mwaa('logs', '--component', 'scheduler');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/scheduler@ip-10-0-0-1 {2}INFO - Starting the scheduler/);
  });

  it('a disabled component: exit 3 and how to enable it', async () => {
    const r = await mwaa('logs', '--component', 'webserver');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('webserver logging is disabled for environment "logs-env"');
    expect(r.stderr).toContain('logging:');
    expect(r.stderr).toContain('mwaa env update');
  });

  it('startup script logs, from every component group with logging on', async () => {
    const r = await mwaa('logs', '--component', 'startup');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Worker startup_script_execution@ip-[\d-]+ +hello from startup/);
    expect(r.stdout).toMatch(/Scheduler startup_script_execution@ip-[\d-]+ +hello from startup/);
    // the web server's logging is off: nothing from it
    expect(r.stdout).not.toContain('WebServer');
  });

  it('requirements logs after a failed update, across the component groups', async () => {
    const bad = await putObject(emu, BUCKET, 'requirements.txt', 'apache-airflow-providers-amazon==8.0.0\nno-such-package==1.0\n');
    await emu.mwaa.send(
      new UpdateEnvironmentCommand({ Name: ENV, RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: bad }),
    );
    await untilStatus(emu, ENV, 'UPDATE_FAILED');
    const r = await mwaa('logs', '--component', 'requirements');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ERROR: Could not find a version that satisfies the requirement no-such-package==1.0');
    // both groups, labelled with their component
    expect(r.stdout).toMatch(/Worker requirements_install@ip-[\d-]+ /);
    expect(r.stdout).toMatch(/Scheduler requirements_install@ip-[\d-]+ /);
    // the earlier, successful install is there too
    expect(r.stdout).toContain('Successfully installed apache-airflow-providers-amazon-8.0.0');

    const filtered = await mwaa('logs', '--component', 'requirements', '--filter', 'ERROR');
    expect(filtered.stdout).not.toContain('Successfully installed');
    expect(filtered.stdout).toContain('No matching distribution found for no-such-package==1.0');
  });
});

describe('errors', () => {
  it('unknown DAG: exit 3 listing the DAGs with logs', async () => {
    const r = await mwaa('logs', 'etl2');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no task logs for DAG "etl2"');
    expect(r.stderr).toMatch(/DAGs with task logs:\n\s+af3\n\s+etl\n\s+report/);
  });

  it('unknown run: exit 3 listing the runs found for the DAG, newest first', async () => {
    const r = await mwaa('logs', 'etl', '--run', 'manual__nope');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no logs for run "manual__nope" of DAG "etl"');
    const b = r.stderr.indexOf(RUN_B_STREAM);
    const a = r.stderr.indexOf(RUN_A_STREAM);
    expect(b).toBeGreaterThan(0);
    expect(a).toBeGreaterThan(b);
    expect(r.stderr).toContain('hint: pass one of these to --run, or --run latest');
  });

  it('unknown task: exit 3 listing the tasks of the run; --json gives them as details', async () => {
    const r = await mwaa('logs', 'etl', '--run', RUN_A, '--task', 'transform', '--json');
    expect(r.code).toBe(3);
    const body = JSON.parse(r.stdout);
    expect(body.error).toMatchObject({ code: 'logs.task-not-found', exitCode: 3, details: { tasks: ['extract', 'load'] } });
  });

  it('bad combinations are usage errors (exit 2)', async () => {
    expect((await mwaa('logs', 'etl', '--task', 'extract')).code).toBe(2);
    expect((await mwaa('logs', '--run', 'latest')).code).toBe(2);
    expect((await mwaa('logs', 'etl', '--run', 'latest', '--try', '0')).code).toBe(2);
    expect((await mwaa('logs', 'etl', '--follow', '--until', '1m')).code).toBe(2);
  });

  it('a missing log group: exit 3 naming it', async () => {
    const other = tempDir('mwaa-logs-ghost-');
    try {
      project(other.dir, 'ghost-env', BUCKET);
      const r = await runCli(['--endpoint-url', emu.url, 'logs', '--component', 'worker'], { cwd: other.dir, env: baseEnv(emu.env) });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('environment "ghost-env" was not found');
      expect(r.stderr).toContain('log group airflow-ghost-env-Worker does not exist');
    } finally {
      other.cleanup();
    }
  });

  it('access denied: exit 4', async () => {
    await emu.fault({
      service: 'logs',
      operation: 'FilterLogEvents',
      error: { status: 400, code: 'AccessDeniedException', message: 'User is not authorized to perform: logs:FilterLogEvents' },
    });
    try {
      const r = await mwaa('logs', '--component', 'scheduler');
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('FilterLogEvents');
      expect(r.stderr).toContain('AccessDeniedException');
    } finally {
      await emu.clearFaults();
    }
  });

  it('throttling: the SDK retries, then mwaa backs off and carries on', async () => {
    // 3 failures exhaust the SDK's 3 attempts; mwaa then backs off and asks again
    await emu.fault({
      service: 'logs',
      operation: 'FilterLogEvents',
      times: 3,
      error: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    });
    try {
      const r = await mwaa('logs', 'etl', '--run', RUN_A);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('load ok');
      expect(r.stderr).toContain('throttling');
    } finally {
      await emu.clearFaults();
    }
  });
});

describe('--follow', () => {
  it('shows events written after it started, including a new stream, and exits 0 on Ctrl-C', async () => {
    const live = liveCli(emu, ['logs', 'etl', '--run', RUN_B_STREAM, '--follow', '--interval', '100ms'], dir);
    await live.waitFor('run B extract');
    const t = emu.world.clock.now();
    await putEvents(emu, TASK, stream(RUN_B_STREAM, 'extract', 1), [{ timestamp: t, message: airflow2('INFO', 'run B extract later') }]);
    // a task that starts after following began: a new stream
    await putEvents(emu, TASK, stream(RUN_B_STREAM, 'load', 1), [{ timestamp: t + 1, message: airflow2('INFO', 'run B load new stream') }]);
    await live.waitFor('run B load new stream');
    live.interrupt();
    expect(await live.done).toBe(0);
    const out = live.stdout();
    // each event once, despite the polls overlapping
    expect(out.split('run B extract later').length).toBe(2);
    expect(out.split('run B extract\n').length).toBe(2);
    expect(out).toMatch(/load#1 +\[/);
    expect(live.stderr()).not.toContain('error');
  });

  it('waits for a task that has not started yet', async () => {
    const live = liveCli(emu, ['logs', 'etl', '--run', RUN_B_STREAM, '--task', 'report_task', '--follow', '--interval', '100ms'], dir);
    await live.waitForStderr('waiting');
    await putEvents(emu, TASK, stream(RUN_B_STREAM, 'report_task', 1), [
      { timestamp: emu.world.clock.now(), message: 'report_task started' },
    ]);
    await live.waitFor('report_task started');
    live.interrupt();
    expect(await live.done).toBe(0);
  });

  it('stops quietly with exit 0 when its output closes', async () => {
    const live = liveCli(emu, ['logs', '--component', 'scheduler', '--follow', '--interval', '100ms'], dir);
    await live.waitFor('Starting the scheduler');
    live.closeStdout();
    await putEvents(emu, SCHEDULER, 'scheduler_ip-10-0-0-1.ec2.internal_1767225600.log', [
      { timestamp: emu.world.clock.now(), message: 'after close' },
    ]);
    expect(await live.done).toBe(0);
    expect(live.stderr()).toBe('');
  });
});
