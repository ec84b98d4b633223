/**
 * The simulated scheduler's run creation: scheduled runs of unpaused DAGs (cron, presets, timedelta,
 * `@once`) at the logical dates and data intervals Airflow gives them, with catch-up, start/end dates
 * and max_active_runs; dataset/asset-triggered runs; the runs TriggerDagRunOperator tasks create.
 * Every run is created with the instant it was due (not the instant a request noticed it), so the
 * result does not depend on how often the emulator is asked. See README.md in this folder, "Scheduler".
 */
import type { EnvironmentRecord } from '../contract.js';
import type { BagDag } from './dagbag.js';
import { isoformat } from './dates.js';
import { cronNext, cronPrev, effectiveSchedule, parseCron } from './schedule.js';
import type { RunTask } from './timeline.js';
import type { AfVersion } from './versions.js';

/** Airflow's default `max_active_runs_per_dag`. */
export const DEFAULT_MAX_ACTIVE_RUNS = 16;
/** At most this many runs are created per DAG and request (the rest on the next requests). */
const MAX_NEW_RUNS = 200;

function configInt(rec: EnvironmentRecord, key: string, dflt: number): number {
  const v = ((rec.AirflowConfigurationOptions ?? {}) as Record<string, unknown>)[key];
  const n = Number(v);
  return v === undefined || v === null || !Number.isInteger(n) ? dflt : n;
}

/** The task snapshot a run is simulated from (the DAG's tasks as they are when the run is created). */
export function snapshotTasks(dag: BagDag, rec: EnvironmentRecord): RunTask[] {
  const defaultRetries = dag.defaultRetries ?? configInt(rec, 'core.default_task_retries', 0);
  return [...dag.tasks.values()].map((t) => {
    const retries = t.retries ?? defaultRetries;
    const retryDelay = t.retryDelayUs ?? dag.defaultRetryDelayUs;
    return {
      id: t.taskId,
      op: t.operator,
      up: t.upstream.slice(),
      rule: t.triggerRule,
      owner: t.owner ?? dag.defaultOwner ?? 'airflow',
      ...(t.bashCommand !== undefined ? { bash: t.bashCommand } : {}),
      ...(t.pythonCallable !== undefined ? { callable: t.pythonCallable } : {}),
      prints: t.prints,
      ...(retries > 0 ? { retries } : {}),
      ...(retryDelay !== undefined ? { retryDelayUs: retryDelay } : {}),
      ...(t.sensor ? { sensor: { ...t.sensor } } : {}),
      ...(t.triggerDagId !== undefined ? { triggerDagId: t.triggerDagId, waitForCompletion: t.waitForCompletion === true } : {}),
      ...(t.mapLength !== undefined ? { mapLength: t.mapLength } : {}),
      ...(t.outlets ? { outlets: t.outlets.slice() } : {}),
    };
  });
}

/** One scheduled interval: the run's logical date, data interval and the instant it is due. */
export interface Interval {
  logical: number;
  dataInterval: [number, number];
  due: number;
}

/**
 * The interval after `last` (the latest scheduled run's logical date), or the first one. Airflow 2
 * cron and timedelta schedules, and timedelta on Airflow 3, are data-interval timetables (the run of
 * [start, end) is due at `end`); cron on Airflow 3 is CronTriggerTimetable (logical date = due = the
 * fire time, empty data interval). `catchupAt`: without catch-up, the first run (or the first after
 * a pause) is the latest interval due at that instant — but a cron trigger's first run is the next fire
 * time (CronTriggerTimetable's run_immediately=False).
 */
export function nextInterval(
  dag: BagDag,
  v: AfVersion,
  last: number | undefined,
  catchup: boolean,
  catchupAt: number,
): Interval | undefined {
  const s = effectiveSchedule(dag.schedule, v.af3);
  const startDate = dag.startDate;
  if (startDate === undefined) return undefined;
  if (s.kind === 'cron') {
    const c = parseCron(s.expr);
    if (!c) return undefined;
    const triggerStyle = v.af3;
    const make = (logical: number): Interval | undefined => {
      if (triggerStyle) return { logical, dataInterval: [logical, logical], due: logical };
      const end = cronNext(c, logical);
      return end === undefined ? undefined : { logical, dataInterval: [logical, end], due: end };
    };
    let logical: number | undefined;
    if (last !== undefined) logical = cronNext(c, last);
    else logical = cronPrev(c, startDate, true) === startDate ? startDate : cronNext(c, startDate);
    if (logical === undefined) return undefined;
    let it = make(logical);
    if (!catchup && it && it.due < catchupAt) {
      // the latest interval already due at catchupAt; except a cron trigger's first run (run_immediately=False),
      // which waits for the next fire time
      const lastFire = cronPrev(c, catchupAt, true);
      let latest = lastFire === undefined ? undefined : triggerStyle ? lastFire : cronPrev(c, lastFire, false);
      if (triggerStyle && last === undefined && lastFire !== catchupAt) latest = cronNext(c, catchupAt);
      if (latest !== undefined && latest > logical) it = make(latest);
    }
    return it;
  }
  if (s.kind === 'delta') {
    let logical = last !== undefined ? last + s.us : startDate;
    if (!catchup && logical + s.us < catchupAt)
      logical = Math.max(logical, startDate + Math.floor((catchupAt - startDate) / s.us - 1) * s.us);
    return { logical, dataInterval: [logical, logical + s.us], due: logical + s.us };
  }
  if (s.kind === 'once')
    return last === undefined ? { logical: startDate, dataInterval: [startDate, startDate], due: startDate } : undefined;
  return undefined;
}

/** `scheduled__<logical date>` */
export function scheduledRunId(logical: number): string {
  return `scheduled__${isoformat(logical)}`;
}

/** `dataset_triggered__<time>` (Airflow 2) / `asset_triggered__<time>` (Airflow 3) */
export function datasetRunId(v: AfVersion, at: number): string {
  return `${v.af3 ? 'asset' : 'dataset'}_triggered__${isoformat(at)}`;
}

/** The catch-up default: `scheduler.catchup_by_default` (True on Airflow 2, False on Airflow 3). */
export function catchupOf(dag: BagDag, v: AfVersion, rec: EnvironmentRecord): boolean {
  if (dag.catchup !== null) return dag.catchup;
  const raw = ((rec.AirflowConfigurationOptions ?? {}) as Record<string, unknown>)['scheduler.catchup_by_default'];
  if (raw === undefined || raw === null) return !v.af3;
  return ['t', 'true', '1', 'yes', 'on'].includes(String(raw).trim().toLowerCase());
}

export { MAX_NEW_RUNS };
