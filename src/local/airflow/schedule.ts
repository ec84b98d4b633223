/**
 * Timetables, as far as the CLI shows them: the data interval of a manual run
 * (`infer_manual_data_interval`) and the intervals `dags next-execution` prints. Cron expressions are
 * evaluated in UTC with croniter's semantics (day-of-month OR day-of-week when both are restricted).
 */
import { CRON_PRESETS, type ScheduleSpec } from './dagfile.js';

const DAY_US = 86_400_000_000;
const MIN_US = 60_000_000;

interface Cron {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domStar: boolean;
  dowStar: boolean;
}

const NAMES: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};

function field(text: string, min: number, max: number): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepStr] = part.split('/');
    const step = stepStr === undefined ? 1 : Number(stepStr);
    if (!Number.isInteger(step) || step < 1) return undefined;
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
    } else {
      const [a, b] = range.split('-');
      const num = (s: string): number => NAMES[s.toLowerCase()] ?? Number(s);
      lo = num(a);
      hi = b === undefined ? (stepStr === undefined ? lo : max) : num(b);
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) return undefined;
    if (max === 6 && hi === 7) hi = 7;
    for (let x = lo; x <= hi; x += step) out.add(max === 6 && x === 7 ? 0 : x);
  }
  return out;
}

export function parseCron(expr: string): Cron | undefined {
  const e = (CRON_PRESETS[expr] ?? expr).trim().split(/\s+/);
  if (e.length !== 5) return undefined;
  const minute = field(e[0], 0, 59);
  const hour = field(e[1], 0, 23);
  const dom = field(e[2], 1, 31);
  const month = field(e[3], 1, 12);
  const dow = field(e[4], 0, 6);
  if (!minute || !hour || !dom || !month || !dow) return undefined;
  return { minute, hour, dom, month, dow, domStar: e[2] === '*' || e[2] === '?', dowStar: e[4] === '*' || e[4] === '?' };
}

function dayMatches(c: Cron, d: Date): boolean {
  if (!c.month.has(d.getUTCMonth() + 1)) return false;
  const domOk = c.dom.has(d.getUTCDate());
  const dowOk = c.dow.has(d.getUTCDay());
  if (c.domStar && c.dowStar) return true;
  if (c.domStar) return dowOk;
  if (c.dowStar) return domOk;
  return domOk || dowOk;
}

/** The latest fire time <= t (inclusive when `inclusive`). */
export function cronPrev(c: Cron, t: number, inclusive: boolean): number | undefined {
  const limit = inclusive ? t : t - 1;
  const floorMin = Math.floor(limit / MIN_US) * MIN_US;
  let day = Math.floor(floorMin / DAY_US) * DAY_US;
  for (let k = 0; k < 366 * 30; k++, day -= DAY_US) {
    const d = new Date(day / 1000);
    if (!dayMatches(c, d)) continue;
    const hours = [...c.hour].sort((a, b) => b - a);
    const minutes = [...c.minute].sort((a, b) => b - a);
    for (const h of hours) {
      for (const m of minutes) {
        const at = day + (h * 60 + m) * MIN_US;
        if (at <= floorMin) return at;
      }
    }
  }
  return undefined;
}

/** The earliest fire time > t. */
export function cronNext(c: Cron, t: number): number | undefined {
  let day = Math.floor(t / DAY_US) * DAY_US;
  for (let k = 0; k < 366 * 30; k++, day += DAY_US) {
    const d = new Date(day / 1000);
    if (!dayMatches(c, d)) continue;
    const hours = [...c.hour].sort((a, b) => a - b);
    const minutes = [...c.minute].sort((a, b) => a - b);
    for (const h of hours) {
      for (const m of minutes) {
        const at = day + (h * 60 + m) * MIN_US;
        if (at > t) return at;
      }
    }
  }
  return undefined;
}

/** Airflow 2 resolves a missing schedule to timedelta(days=1); Airflow 3 to None. */
export function effectiveSchedule(s: ScheduleSpec, af3: boolean): ScheduleSpec {
  if (s.kind === 'default') return af3 ? { kind: 'none' } : { kind: 'delta', us: DAY_US };
  return s;
}

/** timetable.infer_manual_data_interval(run_after) */
export function manualDataInterval(s: ScheduleSpec, runAfter: number, af3: boolean): [number, number] {
  const eff = effectiveSchedule(s, af3);
  if (!af3 && eff.kind === 'delta') return [runAfter - eff.us, runAfter];
  if (!af3 && eff.kind === 'cron') {
    const c = parseCron(eff.expr);
    if (c) {
      const end = cronPrev(c, runAfter, true);
      const start = end === undefined ? undefined : cronPrev(c, end, false);
      if (end !== undefined && start !== undefined) return [start, end];
    }
  }
  // Null/Once/Continuous/Dataset timetables, and Airflow 3's trigger timetables: exact
  return [runAfter, runAfter];
}

/** Starts of the next `n` data intervals the scheduler would create (approximation, see README). */
export function nextExecutions(
  s: ScheduleSpec,
  af3: boolean,
  now: number,
  startDate: number | undefined,
  catchup: boolean,
  n: number,
): Array<number | null> {
  const eff = effectiveSchedule(s, af3);
  const out: Array<number | null> = [];
  if (eff.kind === 'cron') {
    const c = parseCron(eff.expr);
    if (!c) return [null];
    let start: number | undefined;
    if (catchup && startDate !== undefined) start = cronPrev(c, startDate, true) === startDate ? startDate : cronNext(c, startDate);
    else {
      const latest = cronPrev(c, now, true);
      start = latest === undefined ? undefined : af3 ? cronNext(c, now) : cronPrev(c, latest, false);
    }
    for (let i = 0; i < n; i++) {
      if (start === undefined) {
        out.push(null);
        break;
      }
      out.push(start);
      start = cronNext(c, start);
    }
    return out;
  }
  if (eff.kind === 'delta') {
    let start = catchup && startDate !== undefined ? startDate : now - eff.us;
    if (!(catchup && startDate !== undefined)) start = Math.floor(start / 1_000_000) * 1_000_000;
    for (let i = 0; i < n; i++) {
      out.push(start);
      start += eff.us;
    }
    return out;
  }
  return [null];
}
