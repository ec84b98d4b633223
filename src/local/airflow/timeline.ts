/**
 * The simulated scheduler: given a DAG run (its tasks and dependencies as they were when it was
 * triggered), the DAG's pause history and the task duration, computes when every task instance is
 * queued, running and finished, and how the run ends. A pure function: the same inputs always give the
 * same timeline, so states are recomputed on demand from the persisted state and the clock.
 *
 *   run:  queued at run_after; running once the DAG is unpaused + T/2 (scheduler pick-up)
 *   task: ready when its trigger rule is satisfied (default all_success); queued at the first unpaused
 *         instant from then, running T/4 later, finished T after being queued (T = taskSeconds).
 *         EmptyOperator tasks are marked success directly by the scheduler (no queued/running, no log).
 *         A task named by fail-task fails; all_success downstream tasks become upstream_failed.
 *   end:  when every task is finished (at the next unpaused instant), failed if a leaf task failed or
 *         is upstream_failed, else success.
 */

import type { SensorDef } from './dagfile.js';

export interface RunTask {
  id: string;
  op: string;
  up: string[];
  rule: string;
  owner: string;
  bash?: string;
  callable?: string;
  prints: string[];
  /** number of retries (absent: 0) and the delay between tries (absent: 300 s) */
  retries?: number;
  retryDelayUs?: number;
  /** sensor arguments (ExternalTaskSensor when externalDagId is set) */
  sensor?: SensorDef;
  /** TriggerDagRunOperator */
  triggerDagId?: string;
  waitForCompletion?: boolean;
  /** mapped over a literal list of this many items */
  mapLength?: number;
  /** dataset/asset URIs this task updates when it succeeds */
  outlets?: string[];
}

export type TiState = 'queued' | 'running' | 'success' | 'failed' | 'upstream_failed' | 'skipped' | 'up_for_retry' | 'up_for_reschedule';
type Final = 'success' | 'failed' | 'upstream_failed' | 'skipped';

/** One poke of a sensor (or of TriggerDagRunOperator waiting for completion). */
export interface Poke {
  at: number;
  end: number;
  /** what the poke saw (the external state), null: nothing yet */
  seen: string | null;
  /** the poke's decision: keep waiting, or how the try ends */
  result: 'wait' | 'success' | 'failed' | 'timeout' | 'skipped';
}

/** One try of a task instance (a stream `attempt=<n>.log`). */
export interface Attempt {
  n: number;
  queued: number;
  start: number;
  end: number;
  /** how the try ends: up_for_retry when another try follows */
  outcome: 'success' | 'failed' | 'up_for_retry' | 'skipped';
  /** why a try failed: an injected failure, the sensor's failed_states, its timeout, a failed triggered run */
  reason?: 'fail-task' | 'failed_states' | 'timeout' | 'triggered_failed';
  pokes?: Poke[];
  /** reschedule mode: each poke is a short execution; between pokes the task is up_for_reschedule */
  reschedule?: boolean;
  /** the run a TriggerDagRunOperator try creates */
  triggered?: { dagId: string; runId: string };
}

export interface TiTimeline {
  id: string;
  /** -1: not mapped */
  mapIndex: number;
  /** terminal state */
  final: Final;
  /** when the task was first queued (Infinity: never, while paused) */
  queued: number;
  /** first running start (= queued for tasks that never run) */
  start: number;
  end: number;
  /** ran on a worker (has logs) */
  ran: boolean;
  /** the state from each instant on, in time order (the last one is `final` at `end`) */
  spans: Array<[number, TiState]>;
  attempts: Attempt[];
}

export interface RunTimeline {
  /** when the run left `queued` */
  start: number;
  end: number;
  final: 'success' | 'failed';
  /** one per task; a mapped task's entry sums up its instances */
  tis: Map<string, TiTimeline>;
  /** the instances of mapped tasks, by map index */
  maps: Map<string, TiTimeline[]>;
}

/**
 * What a run's timeline may depend on outside the run: other runs (ExternalTaskSensor,
 * TriggerDagRunOperator), the run's place among its DAG's active runs (max_active_runs), and how many
 * times an injected failure repeats.
 */
export interface TimelineEnv {
  /** state at `at` of a task (taskId) or of the run (taskId null) of another DAG's run at logicalDate */
  external?(dagId: string, logicalDate: number, taskId: string | null, at: number): string | null;
  /** the end and final state of a run this run triggered (undefined: not created yet) */
  childRun?(dagId: string, runId: string): { end: number; final: string } | undefined;
  /** the run id a TriggerDagRunOperator try starting at `at` gives its run */
  childRunId?(at: number): string;
  /** the run may not leave `queued` before this instant (max_active_runs) */
  notBefore?: number;
  /** the run's logical date (sensors look for the same date) */
  logicalDate?: number;
}

export type PauseHistory = Array<[number, boolean]>;

/** The first instant >= t at which the DAG is not paused (Infinity if it stays paused). */
export function firstUnpaused(history: PauseHistory, t: number): number {
  if (!Number.isFinite(t)) return t;
  let paused = history.length ? history[0][1] : false;
  for (const [at, p] of history) {
    if (at <= t) paused = p;
    else break;
  }
  if (!paused) return t;
  for (const [at, p] of history) if (at > t && !p) return at;
  return Infinity;
}

const EMPTY_OPERATORS = new Set(['EmptyOperator', 'DummyOperator']);

function jitter(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % 997;
}

const DEFAULT_RETRY_DELAY = 300_000_000;
const DEFAULT_POKE_INTERVAL = 60_000_000;
const DEFAULT_SENSOR_TIMEOUT = 7 * 86_400_000_000;
/** at most this many pokes per try are simulated (then the sensor times out) */
const MAX_POKES = 5000;

export function computeTimeline(
  run: {
    runId: string;
    runAfter: number;
    taskSeconds: number;
    tasks: RunTask[];
    fail: Record<string, string>;
    failTimes?: Record<string, number>;
  },
  history: PauseHistory,
  env: TimelineEnv = {},
): RunTimeline {
  const T = Math.max(1, Math.round(run.taskSeconds * 1_000_000));
  const decide = (t: number): number => firstUnpaused(history, t);
  const start = Math.max(decide(run.runAfter) + Math.round(T / 2) + jitter(run.runId), env.notBefore ?? -Infinity);
  const byId = new Map(run.tasks.map((t) => [t.id, t]));
  const down = new Map<string, string[]>(run.tasks.map((t) => [t.id, []]));
  for (const t of run.tasks) for (const u of t.up) if (byId.has(u)) down.get(u)!.push(t.id);
  const tis = new Map<string, TiTimeline>();
  const maps = new Map<string, TiTimeline[]>();
  // Kahn's algorithm in file order
  const indeg = new Map(run.tasks.map((t) => [t.id, t.up.filter((u) => byId.has(u)).length]));
  const ready = run.tasks.filter((t) => indeg.get(t.id) === 0).map((t) => t.id);
  const order: string[] = [];
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    for (const d of down.get(id)!) {
      indeg.set(d, indeg.get(d)! - 1);
      if (indeg.get(d) === 0) ready.push(d);
    }
  }
  for (const id of order) {
    const t = byId.get(id)!;
    const ups = t.up.filter((u) => tis.has(u)).map((u) => tis.get(u)!);
    const ends = (pred: (x: TiTimeline) => boolean): number[] => ups.filter(pred).map((x) => x.end);
    const min = (xs: number[]): number => Math.min(...xs);
    const max = (xs: number[]): number => (xs.length ? Math.max(...xs) : start);
    const isFail = (x: TiTimeline): boolean => x.final === 'failed' || x.final === 'upstream_failed';
    let outcome: { kind: 'run'; at: number } | { kind: 'upstream_failed' | 'skipped'; at: number };
    const allEnd = max(ups.map((x) => x.end));
    switch (ups.length === 0 ? 'always' : t.rule) {
      case 'always':
      case 'dummy':
        outcome = { kind: 'run', at: start };
        break;
      case 'all_done':
        outcome = { kind: 'run', at: allEnd };
        break;
      case 'all_failed':
        outcome = ups.some((x) => !isFail(x)) ? { kind: 'skipped', at: min(ends((x) => !isFail(x))) } : { kind: 'run', at: allEnd };
        break;
      case 'one_success':
        outcome = ups.some((x) => x.final === 'success')
          ? { kind: 'run', at: min(ends((x) => x.final === 'success')) }
          : { kind: 'upstream_failed', at: allEnd };
        break;
      case 'one_failed':
        outcome = ups.some(isFail) ? { kind: 'run', at: min(ends(isFail)) } : { kind: 'skipped', at: allEnd };
        break;
      case 'none_failed':
      case 'none_failed_or_skipped':
      case 'none_failed_min_one_success':
        outcome = ups.some(isFail) ? { kind: 'upstream_failed', at: min(ends(isFail)) } : { kind: 'run', at: allEnd };
        break;
      case 'none_skipped':
        outcome = ups.some((x) => x.final === 'skipped')
          ? { kind: 'skipped', at: min(ends((x) => x.final === 'skipped')) }
          : { kind: 'run', at: allEnd };
        break;
      default: // all_success
        if (ups.some(isFail)) outcome = { kind: 'upstream_failed', at: min(ends(isFail)) };
        else if (ups.some((x) => x.final === 'skipped')) outcome = { kind: 'skipped', at: min(ends((x) => x.final === 'skipped')) };
        else outcome = { kind: 'run', at: allEnd };
    }
    const at = decide(outcome.at);
    if (outcome.kind !== 'run') {
      tis.set(id, settled(id, -1, outcome.kind, at));
    } else if (t.mapLength !== undefined) {
      if (t.mapLength === 0) {
        tis.set(id, settled(id, -1, 'skipped', at));
        continue;
      }
      const instances: TiTimeline[] = [];
      for (let i = 0; i < t.mapLength; i++) instances.push(execute(t, i, at + jitter(`${run.runId}/${id}/${i}`)));
      maps.set(id, instances);
      tis.set(id, summary(id, instances));
    } else if (EMPTY_OPERATORS.has(t.op) && !run.fail[id]) {
      tis.set(id, settled(id, -1, 'success', at + Math.round(T / 20)));
    } else {
      tis.set(id, execute(t, -1, at + jitter(`${run.runId}/${id}`)));
    }
  }
  const lastEnd = Math.max(start, ...[...tis.values()].map((x) => x.end));
  const leaves = run.tasks.filter((t) => down.get(t.id)!.length === 0);
  const failed = leaves.some((t) => {
    const f = tis.get(t.id)?.final;
    return f === 'failed' || f === 'upstream_failed';
  });
  return { start, end: decide(lastEnd) + jitter(`${run.runId}#end`), final: failed ? 'failed' : 'success', tis, maps };

  /** The tries of one task instance that becomes ready at `ready`. */
  function execute(t: RunTask, mapIndex: number, ready: number): TiTimeline {
    const maxTries = 1 + Math.max(0, t.retries ?? 0);
    const failTimes = run.fail[t.id] === undefined ? 0 : (run.failTimes?.[t.id] ?? Infinity);
    const attempts: Attempt[] = [];
    const spans: Array<[number, TiState]> = [];
    let q = decide(ready);
    let firstStart: number | undefined;
    let final: Final = 'success';
    for (let n = 1; n <= maxTries; n++) {
      const a: Attempt = { n, queued: q, start: q + Math.round(T / 4), end: q + T, outcome: 'success' };
      firstStart ??= a.start;
      spans.push([a.queued, 'queued'], [a.start, 'running']);
      if (n <= failTimes) {
        a.outcome = 'failed';
        a.reason = 'fail-task';
      } else if (t.sensor?.externalDagId !== undefined && env.external) {
        sense(t, a, spans, firstStart);
      } else if (t.triggerDagId !== undefined && env.childRunId) {
        trigger(t, a);
      }
      attempts.push(a);
      if (a.outcome === 'failed' && a.reason !== 'timeout' && n < maxTries) {
        a.outcome = 'up_for_retry';
        spans.push([a.end, 'up_for_retry']);
        q = decide(a.end + (t.retryDelayUs ?? DEFAULT_RETRY_DELAY));
        continue;
      }
      final = a.outcome === 'up_for_retry' ? 'failed' : a.outcome;
      break;
    }
    const last = attempts[attempts.length - 1];
    spans.push([last.end, final]);
    return {
      id: t.id,
      mapIndex,
      final,
      queued: attempts[0].queued,
      start: firstStart ?? attempts[0].start,
      end: last.end,
      ran: true,
      spans,
      attempts,
    };
  }

  /** ExternalTaskSensor: pokes until the external task (or run) of the same logical date is in allowed_states. */
  function sense(t: RunTask, a: Attempt, spans: Array<[number, TiState]>, firstStart: number): void {
    const s = t.sensor!;
    const interval = Math.max(1, s.pokeIntervalUs ?? DEFAULT_POKE_INTERVAL);
    const timeout = s.timeoutUs ?? DEFAULT_SENSOR_TIMEOUT;
    const allowed = s.allowedStates ?? ['success'];
    const failedStates = s.failedStates ?? [];
    const reschedule = s.mode === 'reschedule';
    const pokeTime = Math.max(1, Math.round(T / 4));
    const target = (env.logicalDate ?? run.runAfter) - (s.executionDeltaUs ?? 0);
    a.pokes = [];
    a.reschedule = reschedule;
    // the timeout counts from the first try's start in reschedule mode, from this try's in poke mode
    const since = reschedule ? firstStart : a.start;
    let p = a.start;
    for (let k = 0; k < MAX_POKES; k++) {
      const seen = env.external!(s.externalDagId!, target, s.externalTaskId ?? null, p);
      const poke: Poke = { at: p, end: p + pokeTime, seen, result: 'wait' };
      a.pokes.push(poke);
      if (reschedule && k > 0) spans.push([p, 'running']);
      if (seen !== null && allowed.includes(seen)) poke.result = 'success';
      else if (seen !== null && failedStates.includes(seen)) poke.result = s.softFail ? 'skipped' : 'failed';
      else if (poke.end - since > timeout || k === MAX_POKES - 1) poke.result = s.softFail ? 'skipped' : 'timeout';
      if (poke.result !== 'wait') {
        a.end = poke.end;
        if (poke.result === 'success') a.outcome = 'success';
        else if (poke.result === 'skipped') a.outcome = 'skipped';
        else {
          a.outcome = 'failed';
          a.reason = poke.result === 'timeout' ? 'timeout' : 'failed_states';
        }
        return;
      }
      if (reschedule) spans.push([poke.end, 'up_for_reschedule']);
      p = decide(poke.end + interval);
      if (!Number.isFinite(p)) {
        a.end = Infinity;
        return;
      }
    }
  }

  /** TriggerDagRunOperator: creates a run of the other DAG; with wait_for_completion, pokes until it ends. */
  function trigger(t: RunTask, a: Attempt): void {
    const childId = env.childRunId!(a.start);
    a.triggered = { dagId: t.triggerDagId!, runId: childId };
    if (!t.waitForCompletion) return;
    const interval = Math.max(1, t.sensor?.pokeIntervalUs ?? DEFAULT_POKE_INTERVAL);
    const child = env.childRun?.(t.triggerDagId!, childId);
    a.pokes = [];
    if (!child || !Number.isFinite(child.end)) {
      a.end = Infinity;
      return;
    }
    let p = a.start + interval;
    while (p < child.end) p += interval;
    a.pokes.push({ at: p, end: p + Math.round(T / 4), seen: child.final, result: child.final === 'success' ? 'success' : 'failed' });
    a.end = p + Math.round(T / 4);
    if (child.final !== 'success') {
      a.outcome = 'failed';
      a.reason = 'triggered_failed';
    }
  }
}

/** A task instance the scheduler decides without running it (upstream_failed, skipped, EmptyOperator). */
function settled(id: string, mapIndex: number, final: Final, at: number): TiTimeline {
  return { id, mapIndex, final, queued: at, start: at, end: at, ran: false, spans: [[at, final]], attempts: [] };
}

/** The summary entry of a mapped task: running while any instance runs, failed if any failed. */
function summary(id: string, xs: TiTimeline[]): TiTimeline {
  const queued = Math.min(...xs.map((x) => x.queued));
  const start = Math.min(...xs.map((x) => x.start));
  const end = Math.max(...xs.map((x) => x.end));
  const final: Final = xs.some((x) => x.final === 'failed')
    ? 'failed'
    : xs.some((x) => x.final === 'upstream_failed')
      ? 'upstream_failed'
      : 'success';
  return {
    id,
    mapIndex: -1,
    final,
    queued,
    start,
    end,
    ran: false,
    spans: [
      [queued, 'queued'],
      [start, 'running'],
      [end, final],
    ],
    attempts: [],
  };
}

/** The state of a task instance at `now` (null = not yet scheduled). */
export function tiStateAt(ti: TiTimeline | undefined, now: number): TiState | null {
  if (!ti) return null;
  let st: TiState | null = null;
  for (const [at, s] of ti.spans) {
    if (at > now) break;
    st = s;
  }
  return st;
}

/** The try number a task instance shows at `now` (0 before its first try). */
export function tryNumberAt(ti: TiTimeline | undefined, now: number): number {
  if (!ti) return 0;
  let n = 0;
  for (const a of ti.attempts) if (a.queued <= now) n = a.n;
  return n;
}

export function runStateAt(tl: RunTimeline, now: number): 'queued' | 'running' | 'success' | 'failed' {
  if (now < tl.start) return 'queued';
  if (now < tl.end) return 'running';
  return tl.final;
}
