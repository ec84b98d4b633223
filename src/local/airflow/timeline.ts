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

export interface RunTask {
  id: string;
  op: string;
  up: string[];
  rule: string;
  owner: string;
  bash?: string;
  callable?: string;
  prints: string[];
}

export type TiState = 'queued' | 'running' | 'success' | 'failed' | 'upstream_failed' | 'skipped';

export interface TiTimeline {
  id: string;
  /** terminal state */
  final: 'success' | 'failed' | 'upstream_failed' | 'skipped';
  /** when the task was queued (Infinity: never, while paused) */
  queued: number;
  /** running start (= queued for tasks that never run) */
  start: number;
  end: number;
  /** ran on a worker (has a log) */
  ran: boolean;
}

export interface RunTimeline {
  /** when the run left `queued` */
  start: number;
  end: number;
  final: 'success' | 'failed';
  tis: Map<string, TiTimeline>;
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

export function computeTimeline(
  run: { runId: string; runAfter: number; taskSeconds: number; tasks: RunTask[]; fail: Record<string, string> },
  history: PauseHistory,
): RunTimeline {
  const T = Math.max(1, Math.round(run.taskSeconds * 1_000_000));
  const decide = (t: number): number => firstUnpaused(history, t);
  const start = decide(run.runAfter) + Math.round(T / 2) + jitter(run.runId);
  const byId = new Map(run.tasks.map((t) => [t.id, t]));
  const down = new Map<string, string[]>(run.tasks.map((t) => [t.id, []]));
  for (const t of run.tasks) for (const u of t.up) if (byId.has(u)) down.get(u)!.push(t.id);
  const tis = new Map<string, TiTimeline>();
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
        outcome = { kind: 'run', at: ups.length ? start : start };
        break;
      case 'all_done':
        outcome = { kind: 'run', at: allEnd };
        break;
      case 'all_failed':
        outcome = ups.some((x) => !isFail(x)) ? { kind: 'skipped', at: min(ends((x) => !isFail(x))) } : { kind: 'run', at: allEnd };
        break;
      case 'one_success':
        outcome = ups.some((x) => x.final === 'success') ? { kind: 'run', at: min(ends((x) => x.final === 'success')) } : { kind: 'upstream_failed', at: allEnd };
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
        outcome = ups.some((x) => x.final === 'skipped') ? { kind: 'skipped', at: min(ends((x) => x.final === 'skipped')) } : { kind: 'run', at: allEnd };
        break;
      default: // all_success
        if (ups.some(isFail)) outcome = { kind: 'upstream_failed', at: min(ends(isFail)) };
        else if (ups.some((x) => x.final === 'skipped')) outcome = { kind: 'skipped', at: min(ends((x) => x.final === 'skipped')) };
        else outcome = { kind: 'run', at: allEnd };
    }
    const at = decide(outcome.at);
    if (outcome.kind !== 'run') {
      tis.set(id, { id, final: outcome.kind, queued: at, start: at, end: at, ran: false });
    } else if (EMPTY_OPERATORS.has(t.op) && !run.fail[id]) {
      const q = at + Math.round(T / 20);
      tis.set(id, { id, final: 'success', queued: q, start: q, end: q, ran: false });
    } else {
      const q = at + jitter(`${run.runId}/${id}`);
      tis.set(id, { id, final: run.fail[id] !== undefined ? 'failed' : 'success', queued: q, start: q + Math.round(T / 4), end: q + T, ran: true });
    }
  }
  const lastEnd = Math.max(start, ...[...tis.values()].map((x) => x.end));
  const leaves = run.tasks.filter((t) => down.get(t.id)!.length === 0);
  const failed = leaves.some((t) => {
    const f = tis.get(t.id)?.final;
    return f === 'failed' || f === 'upstream_failed';
  });
  return { start, end: decide(lastEnd) + jitter(`${run.runId}#end`), final: failed ? 'failed' : 'success', tis };
}

/** The state of a task instance at `now` (null = not yet scheduled). */
export function tiStateAt(ti: TiTimeline | undefined, now: number): TiState | null {
  if (!ti || now < ti.queued) return null;
  if (!ti.ran) return now >= ti.end ? ti.final : null;
  if (now < ti.start) return 'queued';
  if (now < ti.end) return 'running';
  return ti.final;
}

export function runStateAt(tl: RunTimeline, now: number): 'queued' | 'running' | 'success' | 'failed' {
  if (now < tl.start) return 'queued';
  if (now < tl.end) return 'running';
  return tl.final;
}
