import { describe, expect, it } from 'vitest';
import {
  logGroupNameFromArn,
  parseTaskStream,
  requireLogGroup,
  resolveLogGroup,
  tailTaskLog,
  taskStreamPrefix,
  taskStreamSelector,
} from '../../src/core/logs/address.js';
import { memoryLogs } from '../../src/core/logs/memory.js';
import { MwaaError } from '../../src/core/errors.js';

const ENV = {
  Name: 'analytics-dev',
  LoggingConfiguration: {
    TaskLogs: {
      Enabled: true,
      LogLevel: 'INFO',
      CloudWatchLogGroupArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:airflow-analytics-dev-Task:*',
    },
    SchedulerLogs: { Enabled: false, LogLevel: 'WARNING' },
    WorkerLogs: {
      Enabled: true,
      LogLevel: 'WARNING',
      CloudWatchLogGroupArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:custom-worker-group:*',
    },
  },
};

describe('log groups', () => {
  it('takes the group from the ARN without the trailing :*', () => {
    const task = resolveLogGroup(ENV, 'task');
    expect(task).toMatchObject({
      group: 'airflow-analytics-dev-Task',
      arn: 'arn:aws:logs:eu-west-1:123456789012:log-group:airflow-analytics-dev-Task',
      enabled: true,
      level: 'INFO',
      source: 'environment',
    });
    expect(resolveLogGroup(ENV, 'worker').group).toBe('custom-worker-group');
  });

  it('falls back to airflow-<Env>-<Component>', () => {
    expect(resolveLogGroup(undefined, 'dag-processing', 'demo')).toMatchObject({
      group: 'airflow-demo-DAGProcessing',
      enabled: undefined,
      source: 'default',
    });
    expect(resolveLogGroup({ Name: 'x' }, 'webserver').group).toBe('airflow-x-WebServer');
    expect(resolveLogGroup(ENV, 'scheduler')).toMatchObject({ group: 'airflow-analytics-dev-Scheduler', enabled: false });
  });

  it('says how to enable a disabled component (exit 3)', () => {
    let error: unknown;
    try {
      requireLogGroup(ENV, 'scheduler');
    } catch (e) {
      error = e;
    }
    expect(MwaaError.is(error)).toBe(true);
    const e = error as MwaaError;
    expect(e.exitCode).toBe(3);
    expect(e.code).toBe('logs.disabled');
    expect(e.message).toContain('scheduler logging is disabled');
    expect(e.hint).toContain('logging:');
    expect(e.hint).toContain('mwaa env update');
  });

  it('parses only log-group ARNs', () => {
    expect(logGroupNameFromArn('arn:aws:logs:us-east-1:1:log-group:g-1:*')).toBe('g-1');
    expect(logGroupNameFromArn('arn:aws:logs:us-east-1:1:log-group:g-1')).toBe('g-1');
    expect(logGroupNameFromArn('not-an-arn')).toBeUndefined();
  });
});

describe('task stream prefixes', () => {
  it('builds each level of the address, replacing ":" with "_"', () => {
    const run = 'manual__2024-01-01T00:00:00+00:00';
    expect(taskStreamPrefix({ dagId: 'etl' })).toBe('dag_id=etl/');
    expect(taskStreamPrefix({ dagId: 'etl', runId: run })).toBe('dag_id=etl/run_id=manual__2024-01-01T00_00_00+00_00/');
    expect(taskStreamPrefix({ dagId: 'etl', runId: run, taskId: 'extract' })).toBe(
      'dag_id=etl/run_id=manual__2024-01-01T00_00_00+00_00/task_id=extract/',
    );
    expect(taskStreamPrefix({ dagId: 'etl', runId: run, taskId: 'extract', try: 2 })).toBe(
      'dag_id=etl/run_id=manual__2024-01-01T00_00_00+00_00/task_id=extract/attempt=2.log',
    );
    expect(taskStreamPrefix({ dagId: 'etl', runId: run, taskId: 'load', mapIndex: 3, try: 1 })).toBe(
      'dag_id=etl/run_id=manual__2024-01-01T00_00_00+00_00/task_id=load/map_index=3/attempt=1.log',
    );
    // a run id already in stream form is unchanged
    expect(taskStreamPrefix({ dagId: 'etl', runId: 'manual__2024-01-01T00_00_00+00_00' })).toBe(
      'dag_id=etl/run_id=manual__2024-01-01T00_00_00+00_00/',
    );
  });

  it('refuses parts without the one before them', () => {
    expect(() => taskStreamPrefix({ dagId: 'etl', taskId: 't' })).toThrow(/within a run/);
    expect(() => taskStreamPrefix({ dagId: 'etl', runId: 'r', try: 1 })).toThrow(/with a task/);
    expect(() => taskStreamPrefix({ dagId: 'etl', runId: 'r', taskId: 't', try: 0 })).toThrow(/invalid try/);
  });

  it('a try without a map index matches mapped and unmapped streams of that attempt only', () => {
    const sel = taskStreamSelector({ dagId: 'd', runId: 'r', taskId: 't', try: 1 });
    expect(sel.prefix).toBe('dag_id=d/run_id=r/task_id=t/');
    expect(sel.match!('dag_id=d/run_id=r/task_id=t/attempt=1.log')).toBe(true);
    expect(sel.match!('dag_id=d/run_id=r/task_id=t/attempt=1.log.trigger.7.log')).toBe(true);
    expect(sel.match!('dag_id=d/run_id=r/task_id=t/map_index=4/attempt=1.log')).toBe(true);
    expect(sel.match!('dag_id=d/run_id=r/task_id=t/attempt=10.log')).toBe(false);
    expect(sel.match!('dag_id=d/run_id=r/task_id=t/attempt=2.log')).toBe(false);
    expect(taskStreamSelector({ dagId: 'd', runId: 'r' }).match).toBeUndefined();
  });

  it('parses stream names back', () => {
    expect(parseTaskStream('dag_id=etl/run_id=scheduled__2024-01-01T00_00_00+00_00/task_id=load/map_index=2/attempt=3.log')).toEqual({
      dagId: 'etl',
      runId: 'scheduled__2024-01-01T00_00_00+00_00',
      taskId: 'load',
      mapIndex: 2,
      try: 3,
    });
    expect(parseTaskStream('dag_id=a/run_id=b/task_id=c/attempt=1.log.trigger.12.log')).toMatchObject({ try: 1, trigger: '12' });
    expect(parseTaskStream('scheduler_ip-10-0-0-1.ec2.internal_1700000000.log')).toBeUndefined();
  });
});

describe('tailTaskLog', () => {
  const group = 'airflow-demo-Task';
  const base = 'dag_id=etl/run_id=manual__2024-01-01T00_00_00+00_00/task_id=extract/';

  it('returns the last lines of the highest try, JSON events rendered and multi-line messages split', async () => {
    const logs = memoryLogs();
    logs.put(group, `${base}attempt=1.log`, [{ timestamp: 1000, message: 'first try failed' }]);
    logs.put(group, `${base}attempt=2.log`, [
      { timestamp: 2000, message: 'line a' },
      { timestamp: 2001, message: 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: boom' },
      { timestamp: 2002, message: '{"timestamp":"2024-01-01T00:00:02Z","level":"error","event":"Task failed","logger":"task"}' },
    ]);
    logs.put(group, 'dag_id=etl/run_id=manual__2024-01-01T00_00_00+00_00/task_id=extract_more/attempt=9.log', [
      { timestamp: 3000, message: 'another task' },
    ]);
    const tail = await tailTaskLog({ logs, group, dagId: 'etl', runId: 'manual__2024-01-01T00:00:00+00:00', taskId: 'extract', lines: 4 });
    expect(tail.stream).toBe(`${base}attempt=2.log`);
    expect(tail.try).toBe(2);
    expect(tail.lines).toEqual([
      'Traceback (most recent call last):',
      '  File "x.py", line 1',
      'ValueError: boom',
      'ERROR task: Task failed',
    ]);
  });

  it('honours an explicit try, and returns nothing for a task without streams', async () => {
    const logs = memoryLogs();
    logs.put(group, `${base}attempt=1.log`, [{ timestamp: 1000, message: 'try one' }]);
    logs.put(group, `${base}attempt=2.log`, [{ timestamp: 2000, message: 'try two' }]);
    expect(
      (await tailTaskLog({ logs, group, dagId: 'etl', runId: 'manual__2024-01-01T00_00_00+00_00', taskId: 'extract', try: 1 })).lines,
    ).toEqual(['try one']);
    expect(await tailTaskLog({ logs, group, dagId: 'etl', runId: 'manual__2024-01-01T00_00_00+00_00', taskId: 'nope' })).toEqual({
      lines: [],
    });
  });
});
