import { describe, expect, it } from 'vitest';
import { failure } from '../helpers/errors.js';
import { recordEvents } from '../../src/core/events.js';
import { memoryLogs } from '../../src/core/logs/memory.js';
import { resolveLogsQuery, type LogsAddressRequest } from '../../src/core/logs/query.js';

const G = 'airflow-demo-Task';
const ENV = {
  Name: 'demo',
  LoggingConfiguration: {
    TaskLogs: { Enabled: true, LogLevel: 'INFO', CloudWatchLogGroupArn: `arn:aws:logs:us-east-1:123456789012:log-group:${G}:*` },
    WorkerLogs: {
      Enabled: true,
      LogLevel: 'INFO',
      CloudWatchLogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:airflow-demo-Worker:*',
    },
    SchedulerLogs: {
      Enabled: true,
      LogLevel: 'INFO',
      CloudWatchLogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:airflow-demo-Scheduler:*',
    },
    WebserverLogs: { Enabled: false, LogLevel: 'INFO' },
    DagProcessingLogs: { Enabled: false, LogLevel: 'INFO' },
  },
};

function world() {
  const logs = memoryLogs();
  const put = (stream: string, created: number) => logs.put(G, stream, [{ timestamp: created, message: stream }], created);
  put('dag_id=etl/run_id=manual__2026-01-01T00_00_00+00_00/task_id=extract/attempt=1.log', 1000);
  put('dag_id=etl/run_id=manual__2026-01-01T00_00_00+00_00/task_id=load/attempt=1.log', 1100);
  // created later although its name sorts first
  put('dag_id=etl/run_id=backfill__2025-12-01T00_00_00+00_00/task_id=extract/attempt=1.log', 5000);
  put('dag_id=etl/run_id=backfill__2025-12-01T00_00_00+00_00/task_id=extract/attempt=2.log', 5500);
  put('dag_id=etl/run_id=scheduled__2025-12-31T00_00_00+00_00/task_id=extract/attempt=1.log', 500);
  put('dag_id=etl/run_id=scheduled__2025-12-31T00_00_00+00_00/task_id=fan/map_index=0/attempt=1.log', 600);
  put('dag_id=etl/run_id=scheduled__2025-12-31T00_00_00+00_00/task_id=fan/map_index=1/attempt=1.log', 600);
  put('dag_id=report/run_id=manual__x/task_id=send/attempt=1.log', 700);
  return logs;
}

const req = (r: Partial<LogsAddressRequest>): LogsAddressRequest => ({ envName: 'demo', environment: ENV, ...r });

describe('resolveLogsQuery: task logs', () => {
  it('a run, a task, a try', async () => {
    const logs = world();
    const run = await resolveLogsQuery(logs, req({ dagId: 'etl', runId: 'manual__2026-01-01T00:00:00+00:00' }));
    expect(run.sources).toEqual([{ group: G, streamPrefix: 'dag_id=etl/run_id=manual__2026-01-01T00_00_00+00_00/' }]);
    expect(run.bounded).toBe(true);
    expect(run.label).toEqual({ dagId: 'etl', runId: 'manual__2026-01-01T00_00_00+00_00' });

    const task = await resolveLogsQuery(logs, req({ dagId: 'etl', runId: 'manual__2026-01-01T00_00_00+00_00', taskId: 'load' }));
    expect(task.sources[0].streamPrefix).toBe('dag_id=etl/run_id=manual__2026-01-01T00_00_00+00_00/task_id=load/');

    const mapped = await resolveLogsQuery(
      logs,
      req({ dagId: 'etl', runId: 'scheduled__2025-12-31T00_00_00+00_00', taskId: 'fan', try: 1 }),
    );
    expect(mapped.sources[0].match!('dag_id=etl/run_id=scheduled__2025-12-31T00_00_00+00_00/task_id=fan/map_index=1/attempt=1.log')).toBe(
      true,
    );
  });

  it('--run latest is the run whose first stream was created last', async () => {
    const rec = recordEvents();
    const q = await resolveLogsQuery(world(), req({ dagId: 'etl', runId: 'latest' }), { events: rec.sink });
    expect(q.address?.runId).toBe('backfill__2025-12-01T00_00_00+00_00');
    expect(rec.events.find((e) => e.code === 'logs.run.latest')?.data).toMatchObject({ runId: 'backfill__2025-12-01T00_00_00+00_00' });
  });

  it('--run latest asks the remote Airflow first, and falls back to the streams', async () => {
    const rec = recordEvents();
    // the remote's newest run has logs: it is used
    const remote = async () => ({ runId: 'manual__2026-01-01T00:00:00+00:00', state: 'success' });
    const q = await resolveLogsQuery(world(), req({ dagId: 'etl', runId: 'latest', latestRun: remote }), { events: rec.sink });
    expect(q.sources[0].streamPrefix).toBe('dag_id=etl/run_id=manual__2026-01-01T00_00_00+00_00/');
    expect(rec.events.find((e) => e.code === 'logs.run.latest')?.message).toBe(
      'latest run of etl: manual__2026-01-01T00:00:00+00:00 (success)',
    );

    // the remote's newest run has no logs yet: the newest run with logs is shown, and said so
    const queued = async () => ({ runId: 'manual__just_now', state: 'queued' });
    const rec2 = recordEvents();
    const q2 = await resolveLogsQuery(world(), req({ dagId: 'etl', runId: 'latest', latestRun: queued }), { events: rec2.sink });
    expect(q2.address?.runId).toBe('backfill__2025-12-01T00_00_00+00_00');
    expect(rec2.events.find((e) => e.code === 'logs.run.latest')?.message).toContain('manual__just_now (queued) has no logs yet');

    // ... but when following, that run is waited for
    const q3 = await resolveLogsQuery(world(), req({ dagId: 'etl', runId: 'latest', latestRun: queued, follow: true }));
    expect(q3.sources[0].streamPrefix).toBe('dag_id=etl/run_id=manual__just_now/');

    // a DAG with no logs at all but a run in Airflow exists (first run of a new DAG)
    const q4 = await resolveLogsQuery(world(), req({ dagId: 'brand_new', runId: 'latest', latestRun: queued, follow: true }));
    expect(q4.sources[0].streamPrefix).toBe('dag_id=brand_new/run_id=manual__just_now/');

    // the remote fails: the streams decide
    const failing = async () => {
      throw new Error('HTTP 503');
    };
    const q5 = await resolveLogsQuery(world(), req({ dagId: 'etl', runId: 'latest', latestRun: failing }));
    expect(q5.address?.runId).toBe('backfill__2025-12-01T00_00_00+00_00');
    expect((await failure(resolveLogsQuery(world(), req({ dagId: 'nope', runId: 'latest', latestRun: failing })))).code).toBe(
      'logs.dag-not-found',
    );
  });

  it('a DAG without a run: every run of the DAG, not bounded', async () => {
    const q = await resolveLogsQuery(world(), req({ dagId: 'etl' }));
    expect(q.sources).toEqual([{ group: G, streamPrefix: 'dag_id=etl/' }]);
    expect(q.bounded).toBe(false);
  });

  it('unknown DAG: exit 3 listing the DAGs that have logs', async () => {
    const e = await failure(resolveLogsQuery(world(), req({ dagId: 'etl2' })));
    expect(e.exitCode).toBe(3);
    expect(e.code).toBe('logs.dag-not-found');
    expect(e.message).toContain('DAGs with task logs:\n  etl\n  report');
    // also when following: a typo would otherwise wait forever
    expect((await failure(resolveLogsQuery(world(), req({ dagId: 'etl2', follow: true })))).code).toBe('logs.dag-not-found');
  });

  it('unknown run: exit 3 listing the runs of the DAG, newest first', async () => {
    const e = await failure(resolveLogsQuery(world(), req({ dagId: 'etl', runId: 'manual__nope' })));
    expect(e.exitCode).toBe(3);
    expect(e.code).toBe('logs.run-not-found');
    const lines = e.message.split('\n');
    expect(lines[0]).toBe('no logs for run "manual__nope" of DAG "etl"');
    expect(lines.slice(2).map((l) => l.trim().split(' ')[0])).toEqual([
      'backfill__2025-12-01T00_00_00+00_00',
      'manual__2026-01-01T00_00_00+00_00',
      'scheduled__2025-12-31T00_00_00+00_00',
    ]);
    expect(e.details?.runs).toHaveLength(3);
  });

  it('unknown task and unknown try list what exists', async () => {
    const t = await failure(
      resolveLogsQuery(world(), req({ dagId: 'etl', runId: 'manual__2026-01-01T00_00_00+00_00', taskId: 'transform' })),
    );
    expect(t.code).toBe('logs.task-not-found');
    expect(t.message).toContain('tasks with logs in this run:\n  extract\n  load');
    const y = await failure(
      resolveLogsQuery(world(), req({ dagId: 'etl', runId: 'backfill__2025-12-01T00_00_00+00_00', taskId: 'extract', try: 3 })),
    );
    expect(y.code).toBe('logs.try-not-found');
    expect(y.message).toContain('try 1');
    expect(y.message).toContain('try 2');
  });

  it('following a run or task that has no logs yet waits (with a warning) instead of failing', async () => {
    const rec = recordEvents();
    const q = await resolveLogsQuery(world(), req({ dagId: 'etl', runId: 'manual__new', taskId: 'extract', follow: true }), {
      events: rec.sink,
    });
    expect(q.sources[0].streamPrefix).toBe('dag_id=etl/run_id=manual__new/task_id=extract/');
    expect(rec.events.map((e) => [e.code, e.level])).toContainEqual(['logs.waiting', 'warn']);
  });

  it('refuses addresses that do not make sense (exit 2)', async () => {
    const logs = world();
    for (const r of [
      { runId: 'x' },
      { dagId: 'etl', taskId: 'extract' },
      { dagId: 'etl', runId: 'x', try: 1 },
      { dagId: 'etl', component: 'scheduler' as const },
    ]) {
      expect((await failure(resolveLogsQuery(logs, req(r)))).exitCode).toBe(2);
    }
  });

  it('a missing Task log group is exit 3', async () => {
    const e = await failure(resolveLogsQuery(memoryLogs(), req({ dagId: 'etl' })));
    expect(e).toMatchObject({ exitCode: 3, code: 'logs.group-not-found' });
  });
});

describe('resolveLogsQuery: components', () => {
  it('a component is its whole group; a disabled one says how to enable it', async () => {
    const q = await resolveLogsQuery(world(), req({ component: 'worker' }));
    expect(q.sources).toEqual([{ group: 'airflow-demo-Worker' }]);
    const e = await failure(resolveLogsQuery(world(), req({ component: 'dag-processing' })));
    expect(e).toMatchObject({ exitCode: 3, code: 'logs.disabled' });
    expect(e.hint).toContain('dagProcessing: INFO');
    expect(e.hint).toContain('mwaa env update');
  });

  it('requirements and startup: their stream prefix in every enabled component group', async () => {
    const q = await resolveLogsQuery(world(), req({ component: 'requirements' }));
    expect(q.sources).toEqual([
      { group: 'airflow-demo-Worker', streamPrefix: 'requirements_install_' },
      { group: 'airflow-demo-Scheduler', streamPrefix: 'requirements_install_' },
    ]);
    expect(q.label.showGroup).toBe(true);
    const s = await resolveLogsQuery(world(), req({ component: 'startup' }));
    expect(s.sources.map((x) => x.streamPrefix)).toEqual(['startup_script_execution_', 'startup_script_execution_']);
  });

  it('without environment information the default group names are used', async () => {
    const q = await resolveLogsQuery(world(), { envName: 'gone', component: 'scheduler' });
    expect(q.sources).toEqual([{ group: 'airflow-gone-Scheduler' }]);
  });
});
