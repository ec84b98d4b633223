import { describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/clock.js';
import { FailedError } from '../../src/core/errors.js';
import { recordEvents } from '../../src/core/events.js';
import { memoryLogs } from '../../src/core/logs/memory.js';
import type { FilterInput, LogEvent, LogsPort } from '../../src/core/logs/port.js';
import { followLogs, readLogs, type LogOutput } from '../../src/core/logs/read.js';

const G = 'airflow-demo-Task';
const RUN = 'dag_id=etl/run_id=r1/';

type Written = LogEvent & { group: string };

function collect(): LogOutput & { events: Written[]; flushes: number[] } {
  const events: Written[] = [];
  const flushes: number[] = [];
  return {
    events,
    flushes,
    write: (e, group) => void events.push({ ...e, group }),
    flush: () => void flushes.push(events.length),
  };
}

const throttled = () =>
  new FailedError('aws.throttled', 'FilterLogEvents: AWS kept throttling the call after retries (ThrottlingException)');

describe('readLogs', () => {
  it('writes every event of every page in time order, flushing after each page', async () => {
    const logs = memoryLogs({ pageSize: 3 });
    logs.put(
      G,
      `${RUN}task_id=a/attempt=1.log`,
      [1, 3, 5, 7].map((t) => ({ timestamp: t, message: `a${t}` })),
    );
    logs.put(
      G,
      `${RUN}task_id=b/attempt=1.log`,
      [2, 4, 6].map((t) => ({ timestamp: t, message: `b${t}` })),
    );
    logs.put(G, 'dag_id=other/run_id=r/task_id=x/attempt=1.log', [{ timestamp: 1, message: 'other dag' }]);
    const out = collect();
    const result = await readLogs(logs, [{ group: G, streamPrefix: RUN }], out, { clock: fakeClock(1_000_000) });
    expect(out.events.map((e) => e.message)).toEqual(['a1', 'b2', 'a3', 'b4', 'a5', 'b6', 'a7']);
    expect(result).toEqual({ events: 7, lastTimestamp: 7 });
    // three pages of at most 3 events: a flush after each one, and a last one
    expect(out.flushes).toEqual([3, 6, 7, 7]);
  });

  it('stops at --limit, reading at most one page ahead', async () => {
    const logs = memoryLogs({ pageSize: 2 });
    logs.put(
      G,
      `${RUN}task_id=a/attempt=1.log`,
      Array.from({ length: 20 }, (_, i) => ({ timestamp: i, message: `m${i}` })),
    );
    const out = collect();
    await readLogs(logs, [{ group: G, streamPrefix: RUN }], out, { clock: fakeClock(1_000_000), limit: 3 });
    expect(out.events.map((e) => e.message)).toEqual(['m0', 'm1', 'm2']);
    // pages of 2: the first two are written from, the third was asked for while the second was written
    expect(logs.calls.filter((c) => c.operation === 'filterLogEvents').length).toBe(3);
  });

  it('passes the time range and filter pattern, and applies a stream predicate', async () => {
    const logs = memoryLogs();
    logs.put(G, `${RUN}task_id=a/attempt=1.log`, [
      { timestamp: 10, message: 'ERROR one' },
      { timestamp: 20, message: 'ERROR two' },
      { timestamp: 30, message: 'INFO three' },
    ]);
    logs.put(G, `${RUN}task_id=a/attempt=2.log`, [{ timestamp: 25, message: 'ERROR other try' }]);
    const out = collect();
    await readLogs(logs, [{ group: G, streamPrefix: `${RUN}task_id=a/`, match: (s) => s.endsWith('attempt=1.log') }], out, {
      clock: fakeClock(1_000_000),
      startTime: 15,
      endTime: 40,
      filterPattern: 'ERROR',
    });
    expect(out.events.map((e) => e.message)).toEqual(['ERROR two']);
    expect(logs.calls[0].input).toMatchObject({ startTime: 15, endTime: 40, filterPattern: 'ERROR', streamPrefix: `${RUN}task_id=a/` });
  });

  it('merges several groups by time and skips a group that does not exist', async () => {
    const logs = memoryLogs({ pageSize: 2 });
    logs.put(
      'airflow-demo-Worker',
      'requirements_install_ip-1_100.log',
      [1, 4, 5].map((t) => ({ timestamp: t, message: `w${t}` })),
    );
    logs.put(
      'airflow-demo-Scheduler',
      'requirements_install_ip-2_100.log',
      [2, 3, 6].map((t) => ({ timestamp: t, message: `s${t}` })),
    );
    const out = collect();
    const rec = recordEvents();
    await readLogs(
      logs,
      ['airflow-demo-Worker', 'airflow-demo-Scheduler', 'airflow-demo-WebServer'].map((group) => ({
        group,
        streamPrefix: 'requirements_install_',
      })),
      out,
      { clock: fakeClock(1_000_000), events: rec.sink },
    );
    expect(out.events.map((e) => e.message)).toEqual(['w1', 's2', 's3', 'w4', 'w5', 's6']);
    expect(out.events[1].group).toBe('airflow-demo-Scheduler');
    expect(rec.events.map((e) => e.code)).toContain('logs.group.missing');
  });

  it('fails with the group error when every group is missing', async () => {
    const logs = memoryLogs();
    await expect(
      readLogs(logs, [{ group: 'nope-1' }, { group: 'nope-2' }], collect(), { clock: fakeClock(1_000_000) }),
    ).rejects.toMatchObject({
      code: 'logs.group-not-found',
      exitCode: 3,
    });
    await expect(readLogs(logs, [{ group: 'nope' }], collect(), { clock: fakeClock(1_000_000) })).rejects.toMatchObject({
      code: 'logs.group-not-found',
    });
  });

  it('backs off and retries when throttled, then gives up after the retries', async () => {
    const logs = memoryLogs();
    logs.put(G, `${RUN}task_id=a/attempt=1.log`, [{ timestamp: 1, message: 'x' }]);
    logs.failNext('filterLogEvents', 2, throttled);
    const clock = fakeClock(1_000_000);
    const rec = recordEvents();
    const out = collect();
    await readLogs(logs, [{ group: G }], out, { clock, events: rec.sink });
    expect(out.events.map((e) => e.message)).toEqual(['x']);
    expect(clock.sleeps).toEqual([1000, 2000]);
    expect(rec.events.filter((e) => e.code === 'logs.throttled')).toHaveLength(2);

    logs.failNext('filterLogEvents', 10, throttled);
    await expect(readLogs(logs, [{ group: G }], collect(), { clock, throttleRetries: 2 })).rejects.toMatchObject({ code: 'aws.throttled' });
  });

  it('streams: events are written while later pages are requested, one page ahead at most', async () => {
    // a port producing 50 pages of 1,000 events lazily; it records how many events were written when each page was asked for
    const out = collect();
    const askedAt: number[] = [];
    const port: LogsPort = {
      async filterLogEvents(input: FilterInput) {
        const page = input.nextToken ? Number(input.nextToken) : 0;
        askedAt.push(out.events.length);
        const events = Array.from({ length: 1000 }, (_, i) => ({
          logStreamName: `${RUN}task_id=a/attempt=1.log`,
          timestamp: page * 1000 + i,
          message: `e${page * 1000 + i}`,
          eventId: String(page * 1000 + i),
        }));
        return { events, ...(page < 49 ? { nextToken: String(page + 1) } : {}) };
      },
      describeLogStreams: async () => ({ streams: [] }),
      getLogEvents: async () => ({ events: [] }),
    };
    const result = await readLogs(port, [{ group: G }], out, { clock: fakeClock(1_000_000) });
    expect(result.events).toBe(50_000);
    // page n+1 is asked for when page n arrives, before it is written
    expect(askedAt).toEqual(Array.from({ length: 50 }, (_, i) => Math.max(0, i - 1) * 1000));
  });
});

describe('followLogs', () => {
  it('prints events written after it started once each, including a new stream, and stops when aborted', async () => {
    const logs = memoryLogs();
    const start = 1_000_000;
    logs.put(G, `${RUN}task_id=a/attempt=1.log`, [{ timestamp: start - 1000, message: 'before' }]);
    const controller = new AbortController();
    const clock = fakeClock(start, (_ms, n) => {
      const t = clock.now();
      if (n === 1) logs.put(G, `${RUN}task_id=a/attempt=1.log`, [{ timestamp: t, message: 'a later' }]);
      // a task that starts later: a stream that did not exist when following began
      if (n === 2) logs.put(G, `${RUN}task_id=b/attempt=1.log`, [{ timestamp: t, message: 'b new stream' }]);
      // an event that arrives late (older than the newest seen, inside the overlap window)
      if (n === 3) logs.put(G, `${RUN}task_id=a/attempt=1.log`, [{ timestamp: t - 3000, message: 'a late' }]);
      if (n === 5) controller.abort(new Error('interrupted'));
    });
    const out = collect();
    const result = await followLogs(logs, [{ group: G, streamPrefix: RUN }], out, {
      clock,
      signal: controller.signal,
      startTime: start - 60_000,
      pollMs: 2000,
      overlapMs: 5000,
    });
    expect(out.events.map((e) => e.message)).toEqual(['before', 'a later', 'b new stream', 'a late']);
    expect(result.events).toBe(4);
    // later polls start at the newest event seen minus the overlap
    const starts = logs.calls.filter((c) => c.operation === 'filterLogEvents').map((c) => (c.input as FilterInput).startTime);
    expect(starts[0]).toBe(start - 60_000);
    expect(starts[starts.length - 1]).toBe(start + 4000 - 5000);
  });

  it('forgets event ids older than the window: memory stays bounded however many events', async () => {
    const logs = memoryLogs();
    logs.createGroup(G);
    const controller = new AbortController();
    const clock = fakeClock(1_000_000, (_ms, n) => {
      // 100 events per second of simulated time
      const t = clock.now();
      logs.put(
        G,
        's',
        Array.from({ length: 200 }, (_, i) => ({ timestamp: t - 2000 + i * 10, message: `m${n}-${i}` })),
      );
      if (n === 60) controller.abort();
    });
    const out = collect();
    const result = await followLogs(logs, [{ group: G }], out, {
      clock,
      signal: controller.signal,
      startTime: 0,
      pollMs: 2000,
      overlapMs: 3000,
    });
    expect(result.events).toBe(60 * 200 - 200); // the last batch is written after the abort
    expect(new Set(out.events.map((e) => e.eventId)).size).toBe(result.events);
    // ids within the 3 s window only (about 300 at 100 events/s), not the 11,800 events written
    expect(result.trackedIds).toBeLessThanOrEqual(400);
  });

  it('backs off while throttled and carries on', async () => {
    const logs = memoryLogs();
    logs.put(G, 's', [{ timestamp: 1_000_000, message: 'one' }]);
    logs.failNext('filterLogEvents', 3, throttled);
    const controller = new AbortController();
    const clock = fakeClock(1_000_000, (_ms, n) => {
      if (n === 4) logs.put(G, 's', [{ timestamp: clock.now(), message: 'two' }]);
      if (n === 5) controller.abort();
    });
    const rec = recordEvents();
    const out = collect();
    await followLogs(logs, [{ group: G }], out, {
      clock,
      signal: controller.signal,
      startTime: 0,
      pollMs: 1000,
      events: rec.sink,
      maxBackoffMs: 5000,
    });
    expect(clock.sleeps.slice(0, 4)).toEqual([1000, 2000, 4000, 1000]);
    expect(out.events.map((e) => e.message)).toEqual(['one', 'two']);
    expect(rec.events.filter((e) => e.code === 'logs.throttled')).toHaveLength(3);
  });

  it('loses no event when a poll is cut short by throttling after other sources were read', async () => {
    const logs = memoryLogs();
    const A = 'airflow-demo-Scheduler';
    const B = 'airflow-demo-Worker';
    logs.put(
      A,
      'a',
      Array.from({ length: 100 }, (_, i) => ({ timestamp: 900_000 + i * 10, message: `a${i}` })),
    );
    logs.put(
      B,
      'b',
      Array.from({ length: 100 }, (_, i) => ({ timestamp: 900_005 + i * 10, message: `b${i}` })),
    );
    // B's first request is throttled (after A's first page arrived); B's third too, mid-poll
    let bCalls = 0;
    const port: LogsPort = {
      ...logs,
      async filterLogEvents(input, signal) {
        if (input.group === B && (++bCalls === 1 || bCalls === 3)) throw throttled();
        return logs.filterLogEvents(input, signal);
      },
    };
    const controller = new AbortController();
    const clock = fakeClock(1_000_000, (_ms, n) => {
      if (n === 6) controller.abort();
    });
    const out = collect();
    await followLogs(port, [{ group: A }, { group: B }], out, {
      clock,
      signal: controller.signal,
      startTime: 0,
      pollMs: 1000,
      overlapMs: 50,
      pageSize: 10,
    });
    const messages = out.events.map((e) => e.message);
    expect(messages).toHaveLength(200);
    expect(new Set(messages).size).toBe(200);
    expect(new Set(out.events.map((e) => e.eventId)).size).toBe(200);
  });

  it('keeps the de-duplication memory bounded within the first poll too (50,000 events since --since)', async () => {
    const logs = memoryLogs();
    // one event per ms: the 3 s overlap window holds about 3,000 ids
    logs.put(
      G,
      's',
      Array.from({ length: 50_000 }, (_, i) => ({ timestamp: 900_000 + i, message: `m${i}` })),
    );
    const controller = new AbortController();
    const clock = fakeClock(1_000_000, () => controller.abort());
    const out = collect();
    const result = await followLogs(logs, [{ group: G }], out, {
      clock,
      signal: controller.signal,
      startTime: 0,
      pollMs: 2000,
      overlapMs: 3000,
      pageSize: 1000,
    });
    expect(result.events).toBe(50_000);
    expect(new Set(out.events.map((e) => e.eventId)).size).toBe(50_000);
    // the window plus one page (1,000 events, as asked) at most, not one id per event
    expect(result.peakTrackedIds).toBeGreaterThanOrEqual(3000);
    expect(result.peakTrackedIds).toBeLessThanOrEqual(3000 + 1000 + 1);
  });

  it('stops after --limit events', async () => {
    const logs = memoryLogs();
    logs.createGroup(G);
    const clock = fakeClock(1_000_000, () => logs.put(G, 's', [{ timestamp: clock.now(), message: 'tick' }]));
    const out = collect();
    const result = await followLogs(logs, [{ group: G }], out, { clock, startTime: 0, limit: 3, pollMs: 100 });
    expect(result.events).toBe(3);
    expect(out.events).toHaveLength(3);
  });

  it('fails on errors other than throttling', async () => {
    const logs = memoryLogs();
    await expect(followLogs(logs, [{ group: 'missing' }], collect(), { clock: fakeClock(1_000_000), startTime: 0 })).rejects.toMatchObject({
      code: 'logs.group-not-found',
    });
  });
});
