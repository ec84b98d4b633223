/**
 * nextInterval (scheduler.ts): the logical dates, data intervals and due instants of scheduled runs for
 * cron, preset, timedelta and @once schedules, with and without catch-up, on Airflow 2 and 3.
 */
import { describe, expect, it } from 'vitest';
import type { BagDag } from '../../src/local/airflow/dagbag.js';
import type { ScheduleSpec } from '../../src/local/airflow/dagfile.js';
import { nextInterval } from '../../src/local/airflow/scheduler.js';
import { afVersion } from '../../src/local/airflow/versions.js';

const us = (iso: string): number => Date.parse(iso) * 1000;
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t / 1000).toISOString());
const AF2 = afVersion('2.10.3');
const AF3 = afVersion('3.0.6');

function dag(schedule: ScheduleSpec, startDate?: number): BagDag {
  return { schedule, startDate, catchup: null } as unknown as BagDag;
}
function show(i: ReturnType<typeof nextInterval>) {
  return i && { logical: iso(i.logical), interval: i.dataInterval.map(iso), due: iso(i.due) };
}

describe('nextInterval', () => {
  const hourly = dag({ kind: 'cron', expr: '@hourly' }, us('2024-01-01T00:00:00Z'));
  const at = us('2024-01-01T10:30:00Z');

  it('Airflow 2 cron: the interval [start, end) is due at its end; catch-up starts at start_date', () => {
    expect(show(nextInterval(hourly, AF2, undefined, true, at))).toEqual({
      logical: '2024-01-01T00:00:00.000Z',
      interval: ['2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z'],
      due: '2024-01-01T01:00:00.000Z',
    });
    expect(show(nextInterval(hourly, AF2, us('2024-01-01T04:00:00Z'), true, at))?.logical).toBe('2024-01-01T05:00:00.000Z');
  });

  it('Airflow 2 cron without catch-up: the latest interval already due (09:00-10:00 at 10:30)', () => {
    expect(show(nextInterval(hourly, AF2, undefined, false, at))).toMatchObject({
      logical: '2024-01-01T09:00:00.000Z',
      due: '2024-01-01T10:00:00.000Z',
    });
  });

  it('Airflow 3 cron trigger: logical date = due = fire time; the first run without catch-up waits for the next fire', () => {
    expect(show(nextInterval(hourly, AF3, undefined, true, at))).toEqual({
      logical: '2024-01-01T00:00:00.000Z',
      interval: ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
      due: '2024-01-01T00:00:00.000Z',
    });
    expect(show(nextInterval(hourly, AF3, undefined, false, at))?.logical).toBe('2024-01-01T11:00:00.000Z');
    // after a pause (a run exists), the latest fire time at once
    expect(show(nextInterval(hourly, AF3, us('2024-01-01T02:00:00Z'), false, at))?.logical).toBe('2024-01-01T10:00:00.000Z');
  });

  it('timedelta: intervals from start_date; without catch-up the latest complete one', () => {
    const every6h = dag({ kind: 'delta', us: 6 * 3600e6 }, us('2024-01-01T00:00:00Z'));
    expect(show(nextInterval(every6h, AF3, undefined, true, at))).toMatchObject({
      logical: '2024-01-01T00:00:00.000Z',
      due: '2024-01-01T06:00:00.000Z',
    });
    expect(show(nextInterval(every6h, AF2, undefined, false, us('2024-01-02T13:00:00Z')))).toMatchObject({
      logical: '2024-01-02T06:00:00.000Z',
      due: '2024-01-02T12:00:00.000Z',
    });
  });

  it('@once runs once at start_date; None, datasets and a missing start_date never', () => {
    const once = dag({ kind: 'once' }, us('2024-01-01T00:00:00Z'));
    expect(show(nextInterval(once, AF2, undefined, false, at))?.due).toBe('2024-01-01T00:00:00.000Z');
    expect(nextInterval(once, AF2, us('2024-01-01T00:00:00Z'), false, at)).toBeUndefined();
    expect(nextInterval(dag({ kind: 'none' }, us('2024-01-01T00:00:00Z')), AF2, undefined, true, at)).toBeUndefined();
    expect(nextInterval(dag({ kind: 'dataset', uris: ['s3://x'] }, us('2024-01-01T00:00:00Z')), AF2, undefined, true, at)).toBeUndefined();
    expect(nextInterval(dag({ kind: 'cron', expr: '@daily' }), AF2, undefined, true, at)).toBeUndefined();
  });

  it('a missing schedule is one day on Airflow 2 and none on Airflow 3', () => {
    const dflt = dag({ kind: 'default' }, us('2024-01-01T00:00:00Z'));
    expect(show(nextInterval(dflt, AF2, undefined, true, at))?.due).toBe('2024-01-02T00:00:00.000Z');
    expect(nextInterval(dflt, AF3, undefined, true, at)).toBeUndefined();
  });
});
