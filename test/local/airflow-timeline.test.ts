/**
 * The run simulation (timeline.ts) on its own: sensor semantics against a given external world
 * (execution_delta, allowed/failed states, soft_fail, poke vs reschedule, timeout), retries and mapped
 * instances. Times are microseconds; T = 1 s.
 */
import { describe, expect, it } from 'vitest';
import { computeTimeline, tiStateAt, tryNumberAt, type RunTask, type TimelineEnv } from '../../src/local/airflow/timeline.js';

const S = 1_000_000;
const HOUR = 3600 * S;
const task = (id: string, extra: Partial<RunTask> = {}): RunTask => ({
  id,
  op: 'BashOperator',
  up: [],
  rule: 'all_success',
  owner: 'a',
  prints: [],
  ...extra,
});
const run = (tasks: RunTask[], fail: Record<string, string> = {}, failTimes?: Record<string, number>) => ({
  runId: 'r',
  runAfter: 10 * HOUR,
  taskSeconds: 1,
  tasks,
  fail,
  failTimes,
});
const unpaused: Array<[number, boolean]> = [[0, false]];

describe('ExternalTaskSensor', () => {
  const sensor = (extra: Partial<NonNullable<RunTask['sensor']>> = {}) =>
    task('wait', { op: 'ExternalTaskSensor', sensor: { externalDagId: 'up', externalTaskId: 't', pokeIntervalUs: 60 * S, ...extra } });

  it('looks for the logical date minus execution_delta and succeeds at the first poke that sees an allowed state', () => {
    const asked: number[] = [];
    const env: TimelineEnv = {
      logicalDate: 10 * HOUR,
      external: (dagId, date, taskId, at) => {
        asked.push(date);
        expect([dagId, taskId]).toEqual(['up', 't']);
        return at >= 10 * HOUR + 100 * S ? 'success' : 'running';
      },
    };
    const tl = computeTimeline(run([sensor({ executionDeltaUs: HOUR, mode: 'reschedule' })]), unpaused, env);
    expect(new Set(asked)).toEqual(new Set([9 * HOUR]));
    const ti = tl.tis.get('wait')!;
    expect(ti.final).toBe('success');
    expect(ti.attempts).toHaveLength(1);
    expect(ti.attempts[0].pokes!.map((p) => p.result)).toEqual(['wait', 'wait', 'success']);
    // reschedule mode: up_for_reschedule between pokes, running during them
    const [p0, p1] = ti.attempts[0].pokes!;
    expect(tiStateAt(ti, p0.at + 1)).toBe('running');
    expect(tiStateAt(ti, p0.end + 1)).toBe('up_for_reschedule');
    expect(tiStateAt(ti, p1.at + 1)).toBe('running');
  });

  it('poke mode stays running; failed_states fail the try (then retries apply); soft_fail skips instead', () => {
    const env: TimelineEnv = { logicalDate: 10 * HOUR, external: () => 'failed' };
    const poke = computeTimeline(run([sensor({ failedStates: ['failed'], mode: 'poke' })]), unpaused, {
      ...env,
      external: (_d, _l, _t, at) => (at > 10 * HOUR + 200 * S ? 'failed' : 'running'),
    });
    const ti = poke.tis.get('wait')!;
    expect(ti.final).toBe('failed');
    expect(ti.attempts[0].reason).toBe('failed_states');
    expect(tiStateAt(ti, ti.attempts[0].pokes![1].end + 1)).toBe('running');

    const retried = computeTimeline(
      run([sensor({ failedStates: ['failed'] }) as RunTask].map((t) => ({ ...t, retries: 1, retryDelayUs: 30 * S }))),
      unpaused,
      env,
    ).tis.get('wait')!;
    expect(retried.attempts.map((a) => a.outcome)).toEqual(['up_for_retry', 'failed']);
    expect(tiStateAt(retried, retried.attempts[0].end + 1)).toBe('up_for_retry');
    expect(tryNumberAt(retried, retried.end)).toBe(2);

    const soft = computeTimeline(
      run([sensor({ failedStates: ['failed'], softFail: true }), task('after', { up: ['wait'] })]),
      unpaused,
      env,
    );
    expect(soft.tis.get('wait')!.final).toBe('skipped');
    expect(soft.tis.get('after')!.final).toBe('skipped');
  });

  it('times out after `timeout` without retrying, and the run fails', () => {
    const tl = computeTimeline(run([sensor({ timeoutUs: 300 * S, mode: 'reschedule' })].map((t) => ({ ...t, retries: 3 }))), unpaused, {
      logicalDate: 10 * HOUR,
      external: () => null,
    });
    const ti = tl.tis.get('wait')!;
    expect(ti.final).toBe('failed');
    expect(ti.attempts).toHaveLength(1);
    expect(ti.attempts[0].reason).toBe('timeout');
    expect(ti.end - ti.start).toBeGreaterThan(300 * S);
    expect(ti.end - ti.start).toBeLessThan(400 * S);
    expect(tl.final).toBe('failed');
  });
});

describe('retries and mapped instances', () => {
  it('fail-task with times fails only the first tries; without times every try', () => {
    const t = task('load', { retries: 2, retryDelayUs: 10 * S });
    const twice = computeTimeline(run([t], { load: 'boom' }, { load: 2 }), unpaused).tis.get('load')!;
    expect(twice.attempts.map((a) => a.outcome)).toEqual(['up_for_retry', 'up_for_retry', 'success']);
    expect(twice.attempts[1].queued - twice.attempts[0].end).toBe(10 * S);
    const always = computeTimeline(run([t], { load: 'boom' }), unpaused).tis.get('load')!;
    expect(always.attempts.map((a) => a.outcome)).toEqual(['up_for_retry', 'up_for_retry', 'failed']);
  });

  it('a mapped task has one instance per item, downstream waits for all, an empty list skips', () => {
    const tl = computeTimeline(run([task('m', { mapLength: 3 }), task('after', { up: ['m'] })]), unpaused);
    const maps = tl.maps.get('m')!;
    expect(maps.map((x) => x.mapIndex)).toEqual([0, 1, 2]);
    expect(tl.tis.get('after')!.queued).toBeGreaterThanOrEqual(Math.max(...maps.map((x) => x.end)));
    const empty = computeTimeline(run([task('m', { mapLength: 0 }), task('after', { up: ['m'] })]), unpaused);
    expect(empty.tis.get('m')!.final).toBe('skipped');
    expect(empty.tis.get('after')!.final).toBe('skipped');
  });
});
