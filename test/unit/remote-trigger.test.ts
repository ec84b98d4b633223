/**
 * The version-aware Airflow operations and trigger/wait logic against a scripted CLI runner that
 * answers like Airflow 2.10 / 3.0 would, and the task log tail reader.
 */
import { describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/clock.js';
import { MwaaError } from '../../src/core/errors.js';
import { recordEvents } from '../../src/core/events.js';
import { RemoteAirflow, type CliRunner } from '../../src/core/remote/airflow.js';
import type { CliResult } from '../../src/core/remote/client.js';
import { parseAirflowVersion } from '../../src/core/remote/commands.js';
import { parseConf } from '../../src/core/remote/conf.js';
import type { LogsPort } from '../../src/core/logs/port.js';
import { failedTaskLogTail } from '../../src/core/remote/task-log.js';
import { triggerDag, waitForRun } from '../../src/core/remote/trigger.js';

type Answer = { stdout?: string; stderr?: string };

function runner(answer: (args: string[]) => Answer): CliRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async run(args): Promise<CliResult> {
      calls.push([...args]);
      const a = answer([...args]);
      return { args: [...args], commandLine: args.join(' '), stdout: a.stdout ?? '', stderr: a.stderr ?? '', attempts: 1, durationMs: 1 };
    },
  };
}

const DAGS_210 = JSON.stringify([
  { dag_id: 'etl', fileloc: '/usr/local/airflow/dags/etl.py', owners: ['airflow'], is_paused: 'False', schedule_interval: null, tags: [] },
  {
    dag_id: 'paused_one',
    fileloc: '/usr/local/airflow/dags/p.py',
    owners: ['airflow'],
    is_paused: 'True',
    schedule_interval: null,
    tags: [],
  },
]);

const TRIGGERED = (dag: string, conf: unknown = {}) =>
  `[2024-11-05T10:00:00.000+0000] {x.py:1} INFO - something\n${JSON.stringify([
    {
      conf,
      dag_id: dag,
      dag_run_id: 'manual__2024-11-05T10:00:00+00:00',
      logical_date: '2024-11-05 10:00:00+00:00',
      external_trigger: 'True',
      state: 'queued',
    },
  ])}\n`;

const tasksJson = (states: Array<[string, string | null]>) =>
  JSON.stringify(
    states.map(([task_id, state]) => ({
      dag_id: 'etl',
      execution_date: '2024-11-05T10:00:00+00:00',
      task_id,
      state,
      start_date: state && state !== 'queued' ? '2024-11-05T10:00:01+00:00' : '',
      end_date: state === 'success' || state === 'failed' ? '2024-11-05T10:00:03+00:00' : '',
    })),
  );

describe('RemoteAirflow arguments per version', () => {
  it('Airflow 2 lists runs with -d and asks dags state by logical date; Airflow 3 uses positional ids and the run id', async () => {
    const r2 = runner((args) => (args[1] === 'state' ? { stdout: 'running\n' } : { stdout: '[]\n' }));
    const a2 = new RemoteAirflow(r2, parseAirflowVersion('2.10.3'));
    await a2.listRuns('etl');
    await a2.runState({ dagId: 'etl', runId: 'manual__x', logicalDate: '2024-11-05 10:00:00+00:00' });
    expect(r2.calls).toEqual([
      ['dags', 'list-runs', '-d', 'etl', '-o', 'json'],
      ['dags', 'state', 'etl', '2024-11-05 10:00:00+00:00'],
    ]);
    const r3 = runner((args) => (args[1] === 'state' ? { stdout: 'queued\n' } : { stdout: '[]\n' }));
    const a3 = new RemoteAirflow(r3, parseAirflowVersion('3.0.6'));
    await a3.listRuns('etl');
    await a3.runState({ dagId: 'etl', runId: 'manual__y_Ab3dE5gH' });
    expect(r3.calls).toEqual([
      ['dags', 'list-runs', 'etl', '-o', 'json'],
      ['dags', 'state', 'etl', 'manual__y_Ab3dE5gH'],
    ]);
  });

  it('Airflow 2 without a logical date finds the run state in list-runs', async () => {
    const r = runner(() => ({
      stdout: JSON.stringify([{ dag_id: 'etl', run_id: 'mine', state: 'running', execution_date: '', start_date: '', end_date: '' }]),
    }));
    const a = new RemoteAirflow(r, parseAirflowVersion('2.10.3'));
    expect(await a.runState({ dagId: 'etl', runId: 'mine' })).toEqual({ state: 'running' });
    expect(await a.runState({ dagId: 'etl', runId: 'other' })).toEqual({ state: undefined });
  });

  it('asks dags list for schedule and tags columns (2.9+), not on 2.8, and falls back when --columns is refused', async () => {
    const r = runner((args) =>
      args.includes('--columns')
        ? { stderr: 'airflow command error: unrecognized arguments: --columns, see help above.\n' }
        : { stdout: DAGS_210 },
    );
    const listing = await new RemoteAirflow(r, parseAirflowVersion('2.10.3')).listDags();
    expect(listing.dags.map((d) => d.dagId)).toEqual(['etl', 'paused_one']);
    expect(r.calls).toEqual([
      ['dags', 'list', '-o', 'json', '--columns', 'dag_id,fileloc,owners,is_paused,schedule_interval,tags'],
      ['dags', 'list', '-o', 'json'],
    ]);
    const old = runner(() => ({ stdout: DAGS_210 }));
    await new RemoteAirflow(old, parseAirflowVersion('2.8.1')).listDags();
    expect(old.calls).toEqual([['dags', 'list', '-o', 'json']]);
  });

  it('reports import errors announced on stderr without failing', async () => {
    const r = runner(() => ({
      stdout: DAGS_210,
      stderr: 'Error: Failed to load all files. For details, run `airflow dags list-import-errors`\n',
    }));
    const listing = await new RemoteAirflow(r, parseAirflowVersion('2.10.3')).listDags();
    expect(listing.importErrors).toBe(true);
    expect(listing.dags).toHaveLength(2);
  });

  it('turns unparseable output into an error that quotes what was printed', async () => {
    const r = runner(() => ({ stdout: 'No data found\n', stderr: '' }));
    const error = await new RemoteAirflow(r, parseAirflowVersion('2.10.3')).taskStates('etl', 'r').catch((e: unknown) => e);
    expect(MwaaError.is(error) && error.code).toBe('remote.unparseable');
    expect((error as Error).message).toContain('No data found');
  });
});

describe('triggerDag', () => {
  it('checks the DAG, triggers with the conf text as given and returns the run', async () => {
    const conf = parseConf('{"msg": "it\'s \\"quoted\\"", "ü": "😀",\n "nl": "a\\nb"}');
    const r = runner((args) => (args[1] === 'list' ? { stdout: DAGS_210 } : { stdout: TRIGGERED('etl', { msg: 'x' }) }));
    const { sink, events } = recordEvents();
    const run = await triggerDag(new RemoteAirflow(r, parseAirflowVersion('2.10.3')), { dagId: 'etl', conf, unpause: false }, sink);
    expect(run).toMatchObject({
      dagId: 'etl',
      runId: 'manual__2024-11-05T10:00:00+00:00',
      logicalDate: '2024-11-05 10:00:00+00:00',
      paused: false,
      unpaused: false,
    });
    expect(r.calls[1]).toEqual(['dags', 'trigger', 'etl', '-c', conf.text, '-o', 'json']);
    expect(events.map((e) => e.code)).toEqual(['trigger.run.created']);
  });

  it('a missing DAG is exit 3 with close names, before anything is triggered', async () => {
    const r = runner(() => ({ stdout: DAGS_210 }));
    const error = await triggerDag(new RemoteAirflow(r, parseAirflowVersion('2.10.3')), { dagId: 'etll', unpause: false }).catch(
      (e: unknown) => e,
    );
    expect(MwaaError.is(error) && error.exitCode).toBe(3);
    expect((error as MwaaError).hint).toContain('"etl"');
    expect(r.calls.every((c) => c[1] !== 'trigger')).toBe(true);
  });

  it('warns about a paused DAG, or unpauses it first with --unpause', async () => {
    const r = runner((args) =>
      args[1] === 'list'
        ? { stdout: DAGS_210 }
        : args[1] === 'unpause'
          ? { stdout: '[{"dag_id": "paused_one", "is_paused": "False"}]\n' }
          : { stdout: TRIGGERED('paused_one') },
    );
    const airflow = new RemoteAirflow(r, parseAirflowVersion('2.10.3'));
    const warned = recordEvents();
    const run = await triggerDag(airflow, { dagId: 'paused_one', unpause: false }, warned.sink);
    expect(run.paused).toBe(true);
    expect(warned.events.find((e) => e.code === 'trigger.dag.paused')?.level).toBe('warn');
    expect(r.calls.some((c) => c[1] === 'unpause')).toBe(false);
    const unpaused = recordEvents();
    const run2 = await triggerDag(airflow, { dagId: 'paused_one', unpause: true }, unpaused.sink);
    expect(run2).toMatchObject({ paused: false, unpaused: true });
    const order = r.calls.map((c) => c[1]);
    expect(order.lastIndexOf('unpause')).toBeLessThan(order.lastIndexOf('trigger'));
  });

  it('a duplicate run id fails with a hint; a remote DagNotFound is exit 3', async () => {
    const dup = runner((args) =>
      args[1] === 'list'
        ? { stdout: DAGS_210 }
        : {
            stderr:
              'Traceback (most recent call last):\n  File "x"\nairflow.exceptions.DagRunAlreadyExists: A DAG Run already exists for DAG etl at 2024-11-05 with run id r1\n',
          },
    );
    const e1 = await triggerDag(new RemoteAirflow(dup, parseAirflowVersion('2.10.3')), { dagId: 'etl', runId: 'r1', unpause: false }).catch(
      (e: unknown) => e,
    );
    expect(MwaaError.is(e1) && e1.code).toBe('trigger.run-exists');
    const gone = runner((args) =>
      args[1] === 'list'
        ? { stdout: DAGS_210 }
        : { stderr: 'Traceback (most recent call last):\nairflow.exceptions.DagNotFound: Dag id etl not found in DagModel\n' },
    );
    const e2 = await triggerDag(new RemoteAirflow(gone, parseAirflowVersion('2.10.3')), { dagId: 'etl', unpause: false }).catch(
      (e: unknown) => e,
    );
    expect(MwaaError.is(e2) && e2.exitCode).toBe(3);
  });
  it('triggers again after a second when Airflow 2 refuses a run with the same logical date (no run was created)', async () => {
    let attempts = 0;
    const clash =
      'Traceback (most recent call last):\nairflow.exceptions.DagRunAlreadyExists: A DAG Run already exists for DAG etl at 2024-11-05 10:00:00+00:00 with run id manual__2024-11-05T10:00:00+00:00\n';
    const r = runner((args) => {
      if (args[1] === 'list') return { stdout: DAGS_210 };
      return ++attempts < 2 ? { stderr: clash } : { stdout: TRIGGERED('etl') };
    });
    const clock = fakeClock(Date.parse('2024-11-05T10:00:00Z'));
    const run = await triggerDag(new RemoteAirflow(r, parseAirflowVersion('2.10.3')), { dagId: 'etl', unpause: false }, undefined, {
      clock,
    });
    expect(run.runId).toBe('manual__2024-11-05T10:00:00+00:00');
    expect(clock.sleeps).toEqual([1000]);
    expect(r.calls.filter((c) => c[1] === 'trigger')).toHaveLength(2);
    // a user-chosen run id on another run's logical date is retried too, but not forever
    const always = runner((args) => (args[1] === 'list' ? { stdout: DAGS_210 } : { stderr: clash }));
    const clock2 = fakeClock(Date.parse('2024-11-05T10:00:00Z'));
    const error = await triggerDag(
      new RemoteAirflow(always, parseAirflowVersion('2.10.3')),
      { dagId: 'etl', runId: 'mine', unpause: false },
      undefined,
      { clock: clock2 },
    ).catch((e: unknown) => e);
    expect(MwaaError.is(error) && error.code).toBe('trigger.run-exists');
    expect((error as MwaaError).hint).toMatch(/logical date/);
    expect(clock2.sleeps).toEqual([1000, 1000]);
  });
});

describe('waitForRun', () => {
  /** A run that advances one step per poll. */
  function scripted(steps: Array<{ run: string; tasks: Array<[string, string | null]> }>) {
    let poll = 0;
    return runner((args) => {
      if (args[1] === 'state') return { stdout: `${steps[Math.min(poll, steps.length - 1)].run}, {"a": "b"}\n` };
      if (args[1] === 'states-for-dag-run') return { stdout: `${tasksJson(steps[Math.min(poll++, steps.length - 1)].tasks)}\n` };
      return { stdout: '[]' };
    });
  }
  const run = { dagId: 'etl', runId: 'manual__2024-11-05T10:00:00+00:00', logicalDate: '2024-11-05 10:00:00+00:00' };

  it('polls until the run succeeds, reporting each change once, with backoff while nothing changes', async () => {
    const r = scripted([
      { run: 'queued', tasks: [] },
      {
        run: 'running',
        tasks: [
          ['extract', 'running'],
          ['load', null],
        ],
      },
      {
        run: 'running',
        tasks: [
          ['extract', 'running'],
          ['load', null],
        ],
      },
      {
        run: 'running',
        tasks: [
          ['extract', 'running'],
          ['load', null],
        ],
      },
      {
        run: 'running',
        tasks: [
          ['extract', 'success'],
          ['load', 'running'],
        ],
      },
      {
        run: 'success',
        tasks: [
          ['extract', 'success'],
          ['load', 'success'],
        ],
      },
    ]);
    const clock = fakeClock(Date.parse('2024-11-05T10:00:00Z'));
    const { sink, events } = recordEvents();
    const outcome = await waitForRun(new RemoteAirflow(r, parseAirflowVersion('2.10.3')), run, { clock, pollMs: 1000, events: sink });
    expect(outcome).toMatchObject({ state: 'success', succeeded: true });
    expect(outcome.tasks.map((t) => [t.taskId, t.state])).toEqual([
      ['extract', 'success'],
      ['load', 'success'],
    ]);
    const changes = events.filter((e) => e.code === 'trigger.task.state').map((e) => e.message);
    expect(changes).toEqual(['extract: running', 'extract: success (2s)', 'load: running', 'load: success (2s)']);
    expect(events.filter((e) => e.code === 'trigger.run.state').map((e) => e.data?.state)).toEqual(['queued', 'running', 'success']);
    // 1 s after a change, then 1.5 s and 2.25 s while nothing changed, back to 1 s after a change
    expect(clock.sleeps).toEqual([1000, 1000, 1500, 2250, 1000]);
  });

  it('a failed run is not a success and keeps the failed task', async () => {
    const r = scripted([
      { run: 'running', tasks: [['extract', 'running']] },
      {
        run: 'failed',
        tasks: [
          ['extract', 'failed'],
          ['load', 'upstream_failed'],
        ],
      },
    ]);
    const outcome = await waitForRun(new RemoteAirflow(r, parseAirflowVersion('2.10.3')), run, {
      clock: fakeClock(Date.parse('2024-11-05T10:00:00Z')),
      pollMs: 10,
    });
    expect(outcome).toMatchObject({ state: 'failed', succeeded: false });
    expect(outcome.tasks.filter((t) => t.state === 'failed').map((t) => t.taskId)).toEqual(['extract']);
  });

  it('times out with exit 1 and leaves the run alone', async () => {
    const r = scripted([{ run: 'running', tasks: [['extract', 'running']] }]);
    const clock = fakeClock(Date.parse('2024-11-05T10:00:00Z'));
    const error = await waitForRun(new RemoteAirflow(r, parseAirflowVersion('2.10.3')), run, {
      clock,
      pollMs: 1000,
      timeoutMs: 5000,
    }).catch((e: unknown) => e);
    expect(MwaaError.is(error) && error.code).toBe('trigger.timeout');
    expect((error as MwaaError).exitCode).toBe(1);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(r.calls.every((c) => ['state', 'states-for-dag-run'].includes(c[1]))).toBe(true);
  });

  it('Ctrl-C stops waiting with exit 130', async () => {
    const controller = new AbortController();
    const r = runner((args) => {
      if (args[1] === 'state') return { stdout: 'running\n' };
      controller.abort(new Error('SIGINT'));
      return { stdout: tasksJson([['extract', 'running']]) };
    });
    const error = await waitForRun(new RemoteAirflow(r, parseAirflowVersion('2.10.3')), run, {
      clock: fakeClock(Date.parse('2024-11-05T10:00:00Z')),
      pollMs: 10,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(MwaaError.is(error) && error.exitCode).toBe(130);
    expect((error as Error).message).toContain('goes on');
  });

  it('a run that disappears is exit 3', async () => {
    const r = runner((args) => (args[1] === 'state' ? { stdout: 'None\n' } : { stdout: '[]\n' }));
    const error = await waitForRun(new RemoteAirflow(r, parseAirflowVersion('2.10.3')), run, {
      clock: fakeClock(Date.parse('2024-11-05T10:00:00Z')),
      pollMs: 10,
    }).catch((e: unknown) => e);
    expect(MwaaError.is(error) && error.exitCode).toBe(3);
  });
});

describe("failed task log tail (over the logs area's addressing)", () => {
  const env = {
    Name: 'demo',
    LoggingConfiguration: {
      TaskLogs: {
        Enabled: true,
        LogLevel: 'INFO',
        CloudWatchLogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:airflow-demo-Task:*',
      },
    },
  };
  /** A LogsPort holding streams -> messages. */
  function logsPort(streams: Record<string, string[]>, fail?: Error): LogsPort & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      async filterLogEvents() {
        return { events: [] };
      },
      async describeLogStreams(input) {
        asked.push(`describe ${input.group} ${input.prefix}`);
        if (fail) throw fail;
        return {
          streams: Object.keys(streams)
            .filter((s) => s.startsWith(input.prefix ?? ''))
            .map((logStreamName, i) => ({ logStreamName, lastEventTimestamp: i })),
        };
      },
      async getLogEvents(input) {
        asked.push(`get ${input.stream} ${input.limit}`);
        return { events: (streams[input.stream] ?? []).slice(-(input.limit ?? 20)).map((message, i) => ({ timestamp: i, message })) };
      },
    };
  }

  it("reads the last lines of the highest attempt in the environment's Task group", async () => {
    const logs = logsPort({
      'dag_id=etl/run_id=r_1/task_id=load/attempt=1.log': ['first try'],
      'dag_id=etl/run_id=r_1/task_id=load/attempt=2.log': ['a', 'b', 'ValueError: boom'],
      'dag_id=etl/run_id=r_1/task_id=other/attempt=3.log': ['not this'],
    });
    const tail = await failedTaskLogTail(logs, env, { dagId: 'etl', runId: 'r:1', taskId: 'load' }, { lines: 2 });
    expect(tail).toMatchObject({
      group: 'airflow-demo-Task',
      stream: 'dag_id=etl/run_id=r_1/task_id=load/attempt=2.log',
      lines: ['b', 'ValueError: boom'],
    });
    expect(logs.asked[0]).toBe('describe airflow-demo-Task dag_id=etl/run_id=r_1/task_id=load/');
  });

  it('says why there is nothing to show instead of failing', async () => {
    expect((await failedTaskLogTail(logsPort({}), env, { dagId: 'd', runId: 'r', taskId: 't' })).note).toMatch(/no log stream/);
    const disabled = { Name: 'x', LoggingConfiguration: { TaskLogs: { Enabled: false, LogLevel: 'INFO' } } };
    expect((await failedTaskLogTail(logsPort({}), disabled, { dagId: 'd', runId: 'r', taskId: 't' })).note).toMatch(/disabled/);
    const broken = await failedTaskLogTail(logsPort({}, new Error('AccessDenied')), env, { dagId: 'd', runId: 'r', taskId: 't' });
    expect(broken).toMatchObject({ lines: [], note: expect.stringContaining('AccessDenied') });
  });
});
