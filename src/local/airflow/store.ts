/**
 * The Airflow side of each environment: its metadata "database" (DAGs seen and their pause history,
 * variables, DAG runs, injected task failures) persisted through world.persist as journal records of
 * store "airflow", and the lazily computed progress of runs (timeline.ts) with their task, scheduler
 * and DAG-processing logs written to CloudWatch Logs.
 *
 * Journal records (data always has `env`, the environment name):
 *   env     {identity}                      (re)creates the environment's state (identity = CreatedAt)
 *   dag     {dagId, paused, at}             a DAG first seen by the DAG processor, with its initial pause state
 *   pause   {dagId, paused, at}             dags pause / unpause
 *   deldag  {dagId}                         dags delete
 *   var     {key, val, descr}               variables set
 *   unvar   {key}                           variables delete
 *   run     {run}                           dags trigger (the run carries its task snapshot and bound failures)
 *   fail    {dagId, taskId, message, at, runId|null, times?}   fail-task (bound to a run, or pending;
 *                                           times: the first `times` tries fail, absent: every try)
 *   log     {runId, taskId, n}              n task log lines written so far (taskId is the stream key:
 *                                           the task id for try 1 unmapped, else `<task>#<map>#<try>`)
 *   sched   {runId, n}                      n scheduler lines written so far
 *   parsed  {key, etag}                     dag-processing log written for this file version
 * Times are microseconds since the epoch (the simulated clock).
 */
import type { AirflowStore, EnvironmentRecord, RestApiAnswer, RestApiCall, World } from '../contract.js';
import { loadDagBag, type BagDag, type DagBag } from './dagbag.js';
import { isoformat, strDatetime } from './dates.js';
import {
  catchupOf,
  datasetRunId,
  DEFAULT_MAX_ACTIVE_RUNS,
  MAX_NEW_RUNS,
  nextInterval,
  scheduledRunId,
  snapshotTasks,
} from './scheduler.js';
import { LEVELS, hostName, streamName, taskLogLines, textRecord, type LogLine } from './tasklogs.js';
import {
  computeTimeline,
  firstUnpaused,
  runStateAt,
  tiStateAt,
  type Attempt,
  type PauseHistory,
  type RunTask,
  type RunTimeline,
  type TiTimeline,
  type TimelineEnv,
} from './timeline.js';
import { afVersion, type AfVersion } from './versions.js';

export interface RunRec {
  seq: number;
  dagId: string;
  runId: string;
  /** Python json.dumps of the conf as stored (null: None) */
  conf: string | null;
  logicalDate: number | null;
  runAfter: number;
  dataInterval: [number, number] | null;
  runType: string;
  taskSeconds: number;
  tasks: RunTask[];
  fileloc: string;
  relPath: string;
  fail: Record<string, string>;
  /** how many tries an injected failure fails (absent: every try) */
  failTimes?: Record<string, number>;
  /** the DAG's max_active_runs when the run was created (absent: 16) */
  maxActiveRuns?: number;
  logs: Record<string, number>;
  sched: number;
  version: string;
  triggeringUser?: string;
  /** how the run was created: `cli` (dags trigger), `rest_api` (POST .../dagRuns), `timetable` (scheduled),
   * `asset` (dataset/asset-triggered), `operator` (TriggerDagRunOperator); absent: cli */
  triggeredBy?: 'cli' | 'rest_api' | 'timetable' | 'asset' | 'operator';
  /** the run's note (REST API) */
  note?: string | null;
}

/** The REST API of an environment (restapi.ts), handed in by createAirflowStore (no import cycle). */
export type RestApiImpl = (store: AirflowStoreImpl, envName: string, call: RestApiCall) => RestApiAnswer;

export interface DagRec {
  firstSeen: number;
  history: PauseHistory;
}

export interface EnvAf {
  identity: string;
  dags: Record<string, DagRec>;
  vars: Array<{ key: string; val: string; descr: string | null }>;
  runs: RunRec[];
  pending: Array<{ dagId: string; taskId: string; message: string; at: number; times?: number }>;
  parsed: Record<string, string>;
}

interface State {
  envs: Record<string, EnvAf>;
  seq: number;
}

/** Environment statuses in which the Airflow web server answers (see README.md). */
export const SERVING_STATUSES: ReadonlySet<string> = new Set([
  'AVAILABLE',
  'UPDATING',
  'CREATING_SNAPSHOT',
  'UPDATE_FAILED',
  'MAINTENANCE',
]);

export function identityOf(rec: EnvironmentRecord): string {
  const c = rec.CreatedAt as unknown;
  if (c instanceof Date) return String(c.getTime() / 1000);
  return c === undefined || c === null ? '' : String(c);
}

export type LogKind = 'TaskLogs' | 'SchedulerLogs' | 'DagProcessingLogs' | 'WebserverLogs' | 'WorkerLogs';
const GROUP_SUFFIX: Record<LogKind, string> = {
  TaskLogs: 'Task',
  SchedulerLogs: 'Scheduler',
  DagProcessingLogs: 'DAGProcessing',
  WebserverLogs: 'WebServer',
  WorkerLogs: 'Worker',
};

/** The log group of a component and whether/at which level it is enabled. */
export function logTarget(rec: EnvironmentRecord, kind: LogKind): { group: string; enabled: boolean; level: number } {
  const lc = (rec.LoggingConfiguration ?? {}) as Record<
    string,
    { Enabled?: boolean; LogLevel?: string; CloudWatchLogGroupArn?: string } | undefined
  >;
  const m = lc[kind];
  const arn = m?.CloudWatchLogGroupArn;
  let group = `airflow-${rec.Name}-${GROUP_SUFFIX[kind]}`;
  if (typeof arn === 'string' && arn.includes(':log-group:'))
    group = arn.slice(arn.indexOf(':log-group:') + ':log-group:'.length).replace(/:\*$/, '');
  return {
    group,
    enabled: m ? m.Enabled !== false : kind === 'TaskLogs',
    level: LEVELS[String(m?.LogLevel ?? 'INFO').toUpperCase()] ?? 20,
  };
}

export function configBool(rec: EnvironmentRecord, key: string, dflt: boolean): boolean {
  const opts = (rec.AirflowConfigurationOptions ?? {}) as Record<string, unknown>;
  const v = opts[key];
  if (v === undefined || v === null) return dflt;
  const s = String(v).trim().toLowerCase();
  if (['t', 'true', '1', 'yes', 'on'].includes(s)) return true;
  if (['f', 'false', '0', 'no', 'off'].includes(s)) return false;
  return dflt;
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

export class AirflowStoreImpl implements AirflowStore {
  readonly name = 'airflow';
  private state: State = { envs: {}, seq: 0 };
  private settled = new Set<string>();
  private timelines = new Map<string, { key: string; tl: RunTimeline }>();
  /** run key -> the runs whose cached timeline was computed from it (sensors, triggers, max_active_runs) */
  private dependents = new Map<string, Set<string>>();
  /** `<env>\u0000<dag>` -> the runs whose sensors or triggers looked for a run of that DAG */
  private dagLookups = new Map<string, Set<string>>();
  private lineCache = new WeakMap<Attempt, LogLine[]>();
  /** per environment: the clock (ms) of the last scheduler pass; the scheduler runs at most once per simulated second */
  private scheduledAt = new Map<string, number>();

  constructor(
    readonly world: World,
    private readonly rest?: RestApiImpl,
  ) {}

  invokeRestApi(envName: string, call: RestApiCall): RestApiAnswer {
    if (!this.rest) return { unavailable: 'the Airflow REST API is not wired in this store' };
    return this.rest(this, envName, call);
  }

  // ------------------------------------------------------------------------------------ persistence

  snapshot(): unknown {
    return clone(this.state);
  }

  restore(snapshot: unknown): void {
    const s = snapshot as Partial<State> | undefined;
    this.state = { envs: s && typeof s.envs === 'object' && s.envs ? clone(s.envs) : {}, seq: typeof s?.seq === 'number' ? s.seq : 0 };
    this.settled.clear();
    this.forgetTimelines();
  }

  private forgetTimelines(): void {
    this.timelines.clear();
    this.dependents.clear();
    this.dagLookups.clear();
  }

  /** Drops the cached timeline of a run and of every run computed from it. */
  private invalidate(keys: Iterable<string>): void {
    const stack = [...keys];
    const seen = new Set<string>();
    while (stack.length) {
      const k = stack.pop()!;
      if (seen.has(k)) continue;
      seen.add(k);
      this.timelines.delete(k);
      const ds = this.dependents.get(k);
      if (ds) {
        this.dependents.delete(k);
        stack.push(...ds);
      }
    }
  }

  private depend(on: string, key: string): void {
    let set = this.dependents.get(on);
    if (!set) {
      set = new Set();
      this.dependents.set(on, set);
    }
    set.add(key);
  }

  replay(op: string, data: unknown): void {
    this.apply(op, data as Record<string, unknown>);
  }

  private commit(op: string, data: Record<string, unknown>): void {
    this.world.persist.append(this.name, op, data);
    this.apply(op, data);
  }

  private apply(op: string, d: Record<string, unknown>): void {
    const name = String(d.env);
    // a run's timeline may depend on other runs (sensors, triggers, max_active_runs): drop what a change touches
    if (op === 'pause' || op === 'deldag' || op === 'env') this.forgetTimelines();
    if (op === 'run') {
      // a new run is last of its DAG (no slot depends on it); the sensors and triggers that looked for its DAG may see it
      const lookups = this.dagLookups.get(`${name}\u0000${(d.run as RunRec).dagId}`);
      if (lookups) this.invalidate(lookups);
    }
    if (op === 'fail' && d.runId !== null && d.runId !== undefined) this.invalidate([`${name}\u0000${d.dagId}\u0000${d.runId}`]);
    if (op === 'env') {
      this.state.envs[name] = { identity: String(d.identity), dags: {}, vars: [], runs: [], pending: [], parsed: {} };
      for (const k of [...this.settled]) if (k.startsWith(`${name}\u0000`)) this.settled.delete(k);
      return;
    }
    const e = this.state.envs[name];
    if (!e) return;
    switch (op) {
      case 'dag': {
        this.scheduledAt.delete(name);
        const id = String(d.dagId);
        if (!e.dags[id]) e.dags[id] = { firstSeen: Number(d.at), history: [[Number(d.at), Boolean(d.paused)]] };
        return;
      }
      case 'pause': {
        this.scheduledAt.delete(name);
        const id = String(d.dagId);
        e.dags[id] ??= { firstSeen: Number(d.at), history: [] };
        const rec = e.dags[id];
        rec.history.push([Number(d.at), Boolean(d.paused)]);
        return;
      }
      case 'deldag': {
        const id = String(d.dagId);
        delete e.dags[id];
        e.runs = e.runs.filter((r) => r.dagId !== id);
        return;
      }
      case 'var': {
        const key = String(d.key);
        e.vars = e.vars.filter((x) => x.key !== key);
        e.vars.push({ key, val: String(d.val), descr: d.descr === null || d.descr === undefined ? null : String(d.descr) });
        return;
      }
      case 'unvar': {
        const key = String(d.key);
        e.vars = e.vars.filter((x) => x.key !== key);
        return;
      }
      case 'run': {
        const run = d.run as RunRec;
        e.runs.push(run);
        this.state.seq = Math.max(this.state.seq, run.seq);
        for (const taskId of Object.keys(run.fail)) {
          const i = e.pending.findIndex((p) => p.dagId === run.dagId && p.taskId === taskId);
          if (i >= 0) e.pending.splice(i, 1);
        }
        return;
      }
      case 'fail': {
        const runId = d.runId === null || d.runId === undefined ? null : String(d.runId);
        const times = typeof d.times === 'number' ? d.times : undefined;
        if (runId === null) {
          e.pending.push({
            dagId: String(d.dagId),
            taskId: String(d.taskId),
            message: String(d.message),
            at: Number(d.at),
            ...(times !== undefined ? { times } : {}),
          });
        } else {
          const run = e.runs.find((r) => r.dagId === d.dagId && r.runId === runId);
          if (run) {
            run.fail[String(d.taskId)] = String(d.message);
            if (times !== undefined) run.failTimes = { ...run.failTimes, [String(d.taskId)]: times };
          }
        }
        return;
      }
      case 'log': {
        const run = e.runs.find((r) => r.dagId === d.dagId && r.runId === d.runId);
        if (run) run.logs[String(d.taskId)] = Number(d.n);
        return;
      }
      case 'sched': {
        const run = e.runs.find((r) => r.dagId === d.dagId && r.runId === d.runId);
        if (run) run.sched = Number(d.n);
        return;
      }
      case 'parsed':
        e.parsed[String(d.key)] = String(d.etag);
        return;
      default:
        throw new Error(`airflow: unknown journal op ${op}`);
    }
  }

  // ------------------------------------------------------------------------------------ environments

  /** The Airflow state of an environment, (re)created when the environment is new or was re-created. */
  env(rec: EnvironmentRecord): EnvAf {
    const identity = identityOf(rec);
    const cur = this.state.envs[rec.Name];
    if (!cur || cur.identity !== identity) this.commit('env', { env: rec.Name, identity });
    return this.state.envs[rec.Name];
  }

  nowUs(): number {
    return Math.floor(this.world.clock.now()) * 1000;
  }

  nextSeq(): number {
    return this.state.seq + 1;
  }

  /** Records DAGs the DAG processor sees for the first time, and writes dag-processing logs. */
  seeDags(rec: EnvironmentRecord, bag: DagBag, v: AfVersion): void {
    const e = this.env(rec);
    const now = this.nowUs();
    const pausedDefault = configBool(rec, 'core.dags_are_paused_at_creation', true);
    for (const d of bag.dags.values()) {
      if (!e.dags[d.dagId]) {
        this.commit('dag', { env: rec.Name, dagId: d.dagId, paused: d.isPausedUponCreation ?? pausedDefault, at: now });
      }
    }
    const target = logTarget(rec, 'DagProcessingLogs');
    for (const f of bag.files) {
      if (e.parsed[f.key] === f.etag) continue;
      if (target.enabled) {
        const lines: LogLine[] = [];
        let t = now;
        const step = (): number => (t += 1000 + (f.key.length % 7) * 100);
        const pid = 1000 + ((f.key.length * 7919) % 30000);
        lines.push(textRecord(step(), 'processor.py:186', 'INFO', `Started process (PID=${pid}) to work on ${f.fileloc}`));
        lines.push(textRecord(step(), 'processor.py:914', 'INFO', `Processing file ${f.fileloc} for tasks to queue`));
        const inner = step();
        lines.push(
          textRecord(
            inner,
            'logging_mixin.py:190',
            'INFO',
            `[${new Date(inner / 1000).toISOString().replace('Z', '+0000')}] {dagbag.py:588} INFO - Filling up the DagBag from ${f.fileloc}`,
          ),
        );
        if (f.error) {
          lines.push(
            textRecord(
              step(),
              'logging_mixin.py:190',
              'INFO',
              `[${new Date(t / 1000).toISOString().replace('Z', '+0000')}] {dagbag.py:387} ERROR - Failed to import: ${f.fileloc}\n${f.error.trimEnd()}`,
            ),
          );
          lines.push(textRecord(step(), 'processor.py:927', 'WARNING', `No viable dags retrieved from ${f.fileloc}`));
        } else if (f.dagIds.length) {
          lines.push(
            textRecord(
              step(),
              'processor.py:925',
              'INFO',
              `DAG(s) ${f.dagIds.map((x) => `'${x}'`).join(', ')} retrieved from ${f.fileloc}`,
            ),
          );
        } else {
          lines.push(textRecord(step(), 'processor.py:927', 'WARNING', `No viable dags retrieved from ${f.fileloc}`));
        }
        lines.push(textRecord(step(), 'processor.py:208', 'INFO', `Processing ${f.fileloc} took ${((t - now) / 1e6).toFixed(3)} seconds`));
        const visible = lines.filter((l) => LEVELS[l.level] >= target.level);
        if (visible.length) {
          const stream = `${v.af3 ? 'dag_processor_' : ''}${f.relPath}.log`;
          this.world.logs.write(
            target.group,
            stream,
            visible.map((l) => ({ timestamp: Math.floor(l.ts / 1000), message: l.message })),
          );
        }
      }
      this.commit('parsed', { env: rec.Name, key: f.key, etag: f.etag });
    }
  }

  isPaused(e: EnvAf, dagId: string, at: number): boolean {
    const h = e.dags[dagId]?.history ?? [];
    let paused = h.length ? h[0][1] : false;
    for (const [t, p] of h) if (t <= at) paused = p;
    return paused;
  }

  setPaused(rec: EnvironmentRecord, dagId: string, paused: boolean): void {
    this.commit('pause', { env: rec.Name, dagId, paused, at: this.nowUs() });
  }

  deleteDag(rec: EnvironmentRecord, dagId: string): void {
    this.commit('deldag', { env: rec.Name, dagId });
  }

  setVariable(rec: EnvironmentRecord, key: string, val: string, descr: string | null): void {
    this.commit('var', { env: rec.Name, key, val, descr });
  }

  deleteVariable(rec: EnvironmentRecord, key: string): void {
    this.commit('unvar', { env: rec.Name, key });
  }

  /** Adds a run; pending injected failures for its tasks are bound to it. */
  addRun(rec: EnvironmentRecord, run: RunRec): void {
    const e = this.env(rec);
    const ids = new Set(run.tasks.map((t) => t.id));
    for (const p of e.pending) {
      if (p.dagId === run.dagId && ids.has(p.taskId) && run.fail[p.taskId] === undefined) {
        run.fail[p.taskId] = p.message;
        if (p.times !== undefined) run.failTimes = { ...run.failTimes, [p.taskId]: p.times };
      }
    }
    this.commit('run', { env: rec.Name, run });
  }

  /**
   * fail-task: binds the failure to the earliest run of the DAG whose task has not started running
   * yet, else keeps it for the next triggered run. Returns the run id it was bound to.
   */
  failTask(
    envName: string,
    rec: EnvironmentRecord | undefined,
    dagId: string,
    taskId: string,
    message: string,
    times?: number,
  ): string | null {
    const now = this.nowUs();
    const e = rec ? this.env(rec) : this.state.envs[envName];
    if (!e) {
      this.commit('env', { env: envName, identity: rec ? identityOf(rec) : '' });
      return this.failTask(envName, rec, dagId, taskId, message, times);
    }
    const extra = times !== undefined ? { times } : {};
    for (const run of e.runs) {
      if (run.dagId !== dagId || run.fail[taskId] !== undefined || !run.tasks.some((t) => t.id === taskId)) continue;
      const ti = this.timeline(envName, e, run).tis.get(taskId);
      const st = tiStateAt(ti, now);
      if (st === null || st === 'queued') {
        if (ti && !ti.ran && ti.final !== 'success') continue; // upstream_failed/skipped: it will never run
        this.commit('fail', { env: envName, dagId, taskId, message, at: now, runId: run.runId, ...extra });
        return run.runId;
      }
    }
    this.commit('fail', { env: envName, dagId, taskId, message, at: now, runId: null, ...extra });
    return null;
  }

  /**
   * The run's timeline (timeline.ts), cached until the state changes. Sensors see the other runs of the
   * environment (a run exists for them from its run_after on); a run waits for a free slot among its
   * DAG's max_active_runs (runs start in creation order).
   */
  timeline(envName: string, e: EnvAf, run: RunRec, depth = 0): RunTimeline {
    const key = `${envName}\u0000${run.dagId}\u0000${run.runId}`;
    const c = this.timelines.get(key);
    if (c) return c.tl;
    const h = e.dags[run.dagId]?.history ?? [];
    const env: TimelineEnv = {
      logicalDate: run.logicalDate ?? run.runAfter,
      notBefore: this.slotFree(envName, e, run, depth),
      external: (dagId, date, taskId, at) => {
        if (depth > 6) return null;
        this.lookedUp(envName, dagId, key);
        const other = e.runs.find((r) => r.dagId === dagId && r.logicalDate === date && r.runAfter <= at);
        if (!other || other === run) return null;
        const tl = this.timeline(envName, e, other, depth + 1);
        this.depend(`${envName}\u0000${other.dagId}\u0000${other.runId}`, key);
        return taskId === null ? runStateAt(tl, at) : tiStateAt(tl.tis.get(taskId), at);
      },
      childRunId: (at) => `manual__${isoformat(at)}`,
      childRun: (dagId, runId) => {
        if (depth > 6) return undefined;
        this.lookedUp(envName, dagId, key);
        const child = e.runs.find((r) => r.dagId === dagId && r.runId === runId);
        if (!child) return undefined;
        const tl = this.timeline(envName, e, child, depth + 1);
        this.depend(`${envName}\u0000${child.dagId}\u0000${child.runId}`, key);
        return { end: tl.end, final: tl.final };
      },
    };
    const tl = computeTimeline(run, h, env);
    if (depth <= 6) this.timelines.set(key, { key: '', tl });
    return tl;
  }

  /** The instant a slot among the DAG's max_active_runs is free for this run (runs of a DAG start in order). */
  private slotFree(envName: string, e: EnvAf, run: RunRec, depth: number): number | undefined {
    const max = run.maxActiveRuns ?? DEFAULT_MAX_ACTIVE_RUNS;
    const same = e.runs.filter((r) => r.dagId === run.dagId);
    const i = same.indexOf(run);
    if (i < max) return undefined;
    const before = same[i - max];
    const end = this.timeline(envName, e, before, depth).end;
    this.depend(`${envName}\u0000${before.dagId}\u0000${before.runId}`, `${envName}\u0000${run.dagId}\u0000${run.runId}`);
    return end;
  }

  private lookedUp(envName: string, dagId: string, key: string): void {
    const k = `${envName}\u0000${dagId}`;
    let set = this.dagLookups.get(k);
    if (!set) {
      set = new Set();
      this.dagLookups.set(k, set);
    }
    set.add(key);
  }

  /** Every task instance of a run with its task: unmapped tasks once, mapped ones per map index. */
  instances(tl: RunTimeline, run: RunRec): Array<{ task: RunTask; ti: TiTimeline }> {
    const out: Array<{ task: RunTask; ti: TiTimeline }> = [];
    for (const t of run.tasks) {
      const maps = tl.maps.get(t.id);
      if (maps) for (const ti of maps) out.push({ task: t, ti });
      else {
        const ti = tl.tis.get(t.id);
        if (ti) out.push({ task: t, ti });
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------ tick

  tick(now: number): void {
    const nowUs = Math.floor(now) * 1000;
    for (const [name, e] of Object.entries(this.state.envs)) {
      let rec: EnvironmentRecord | undefined;
      try {
        rec = this.world.mwaa.getEnvironment(name);
      } catch {
        rec = undefined;
      }
      if (!rec || identityOf(rec) !== e.identity) continue;
      const v = afVersion(rec.AirflowVersion);
      // runs are created with the instant they were due, so passing less often changes no result, only
      // how soon (at most a simulated second later) a request sees them; pausing or unpausing passes at once
      if (SERVING_STATUSES.has(String(rec.Status)) && !(now - (this.scheduledAt.get(name) ?? -Infinity) < 1000)) {
        this.scheduledAt.set(name, now);
        this.schedule(rec, e, v, nowUs);
      }
      const task = logTarget(rec, 'TaskLogs');
      const sched = logTarget(rec, 'SchedulerLogs');
      for (const run of e.runs) {
        const key = `${name}\u0000${run.dagId}\u0000${run.runId}`;
        if (this.settled.has(key)) continue;
        const tl = this.timeline(name, e, run);
        let complete = tl.end <= nowUs;
        if (task.enabled) {
          for (const { task: t, ti } of this.instances(tl, run)) {
            if (!ti.ran) continue;
            for (const attempt of ti.attempts) {
              if (attempt.start > nowUs) {
                complete = false;
                continue;
              }
              const lk = ti.mapIndex < 0 && attempt.n === 1 ? t.id : `${t.id}#${ti.mapIndex}#${attempt.n}`;
              const lines = this.attemptLines(name, run, t, ti, attempt, task.level);
              let visible = 0;
              while (visible < lines.length && lines[visible].ts <= nowUs) visible++;
              const cursor = run.logs[lk] ?? 0;
              if (visible > cursor) {
                this.world.logs.write(
                  task.group,
                  streamName(run.dagId, run.runId, t.id, attempt.n, ti.mapIndex),
                  lines.slice(cursor, visible).map((l) => ({ timestamp: Math.floor(l.ts / 1000), message: l.message })),
                );
                this.commit('log', { env: name, dagId: run.dagId, runId: run.runId, taskId: lk, n: visible });
              }
              if (visible < lines.length) complete = false;
            }
          }
        }
        if (sched.enabled && !v.af3) {
          const lines = this.schedulerLines(run, tl).filter((l) => LEVELS[l.level] >= sched.level);
          let visible = 0;
          while (visible < lines.length && lines[visible].ts <= nowUs) visible++;
          if (visible > run.sched) {
            const epoch = Math.floor(Number(rec.CreatedAt ?? 0));
            this.world.logs.write(
              sched.group,
              `scheduler_${hostName(name, 'scheduler')}_${epoch}.log`,
              lines.slice(run.sched, visible).map((l) => ({ timestamp: Math.floor(l.ts / 1000), message: l.message })),
            );
            this.commit('sched', { env: name, dagId: run.dagId, runId: run.runId, n: visible });
          }
          if (visible < lines.length) complete = false;
        }
        if (complete) this.settled.add(key);
      }
    }
  }

  /** The task log lines of one try (all of them, also those after now), at or above `level`. */
  attemptLines(envName: string, run: RunRec, t: RunTask, ti: TiTimeline, attempt: Attempt, level: number): LogLine[] {
    let lines = this.lineCache.get(attempt);
    if (!lines) {
      lines = taskLogLines({
        v: afVersion(run.version),
        envName,
        dagId: run.dagId,
        runId: run.runId,
        date: run.logicalDate ?? run.runAfter,
        fileRelPath: run.relPath,
        task: t,
        attempt,
        maxTries: 1 + (t.retries ?? 0),
        mapIndex: ti.mapIndex,
        failMessage: run.fail[t.id],
      }).filter((l) => LEVELS[l.level] >= level);
      this.lineCache.set(attempt, lines);
    }
    return lines;
  }

  // ------------------------------------------------------------------------------------ scheduler

  /**
   * Creates every run that is due by `nowUs` (scheduler.ts): scheduled runs of unpaused DAGs, the runs
   * TriggerDagRunOperator tasks started, dataset/asset-triggered runs. Repeated until nothing more is
   * due, as one run's tasks may trigger another's.
   */
  private schedule(rec: EnvironmentRecord, e: EnvAf, v: AfVersion, nowUs: number): void {
    const everUnpaused = Object.entries(e.dags).filter(([, d]) => d.history.some(([, p]) => !p));
    const hasTriggers = e.runs.some((r) => r.tasks.some((t) => t.triggerDagId !== undefined || t.outlets));
    if (!everUnpaused.length && !hasTriggers) return;
    let bag: DagBag | undefined;
    const bagNow = (): DagBag => (bag ??= loadDagBag(this.world, rec, v));
    for (let round = 0; round < 20; round++) {
      let created = 0;
      for (const [dagId, d] of everUnpaused) {
        const dag = bagNow().dags.get(dagId);
        if (dag) created += this.scheduleDag(rec, e, v, dag, d.history, nowUs);
      }
      if (hasTriggers || created) created += this.triggeredRuns(rec, e, v, bagNow(), nowUs);
      if (!created) return;
    }
  }

  private newRun(
    rec: EnvironmentRecord,
    v: AfVersion,
    dag: BagDag,
    f: {
      runId: string;
      logical: number | null;
      runAfter: number;
      interval: [number, number] | null;
      runType: string;
      triggeredBy: 'timetable' | 'asset' | 'operator';
    },
  ): RunRec {
    return {
      seq: this.nextSeq(),
      dagId: dag.dagId,
      runId: f.runId,
      conf: '{}',
      logicalDate: f.logical,
      runAfter: f.runAfter,
      dataInterval: f.interval,
      runType: f.runType,
      taskSeconds: this.world.sim.taskSeconds,
      tasks: snapshotTasks(dag, rec),
      fileloc: dag.fileloc,
      relPath: dag.relPath,
      fail: {},
      logs: {},
      sched: 0,
      version: v.raw,
      triggeredBy: f.triggeredBy,
      ...(dag.maxActiveRuns !== null ? { maxActiveRuns: dag.maxActiveRuns } : {}),
    };
  }

  /** Scheduled runs of one DAG that are due by nowUs; returns how many were created. */
  private scheduleDag(rec: EnvironmentRecord, e: EnvAf, v: AfVersion, dag: BagDag, history: PauseHistory, nowUs: number): number {
    const catchup = catchupOf(dag, v, rec);
    const max = dag.maxActiveRuns ?? DEFAULT_MAX_ACTIVE_RUNS;
    let created = 0;
    while (created < MAX_NEW_RUNS) {
      const runs = e.runs.filter((r) => r.dagId === dag.dagId);
      const scheduled = runs.filter((r) => r.runType === 'scheduled' && r.logicalDate !== null);
      const last = scheduled.length ? Math.max(...scheduled.map((r) => r.logicalDate!)) : undefined;
      const lastCreated = scheduled.length ? Math.max(...scheduled.map((r) => r.runAfter)) : undefined;
      // without catch-up the first run, and the first after a pause, is the latest interval due then
      const firstUnpausedAt = firstUnpaused(history, lastCreated ?? history.find(([, p]) => !p)?.[0] ?? Infinity);
      let it = nextInterval(dag, v, last, catchup, firstUnpausedAt);
      if (!it) return created;
      let at = firstUnpaused(history, it.due);
      if (!catchup && at > it.due) {
        it = nextInterval(dag, v, last, catchup, at) ?? it;
        at = firstUnpaused(history, Math.max(it.due, at));
      }
      if (dag.endDate !== undefined && it.logical > dag.endDate) return created;
      // max_active_runs: the scheduler creates a run only while fewer are active
      const active = runs.length >= max ? this.timeline(rec.Name, e, runs[runs.length - max]).end : -Infinity;
      at = Math.max(at, active);
      if (!(at <= nowUs)) return created;
      const run = this.newRun(rec, v, dag, {
        runId: scheduledRunId(it.logical),
        logical: it.logical,
        runAfter: at,
        interval: it.dataInterval,
        runType: 'scheduled',
        triggeredBy: 'timetable',
      });
      if (runs.some((r) => r.runId === run.runId)) return created;
      this.addRun(rec, run);
      created++;
    }
    return created;
  }

  /** Runs created by TriggerDagRunOperator tries and by dataset/asset updates, due by nowUs. */
  private triggeredRuns(rec: EnvironmentRecord, e: EnvAf, v: AfVersion, bag: DagBag, nowUs: number): number {
    let created = 0;
    const events: Array<{ uri: string; at: number }> = [];
    for (const run of [...e.runs]) {
      if (!run.tasks.some((t) => t.triggerDagId !== undefined || t.outlets)) continue;
      const tl = this.timeline(rec.Name, e, run);
      for (const { task, ti } of this.instances(tl, run)) {
        for (const a of ti.attempts) {
          if (a.triggered && a.start <= nowUs && !e.runs.some((r) => r.dagId === a.triggered!.dagId && r.runId === a.triggered!.runId)) {
            const dag = bag.dags.get(a.triggered.dagId);
            if (!dag) continue;
            this.addRun(
              rec,
              this.newRun(rec, v, dag, {
                runId: a.triggered.runId,
                logical: a.start,
                runAfter: a.start,
                interval: [a.start, a.start],
                runType: 'manual',
                triggeredBy: 'operator',
              }),
            );
            created++;
          }
        }
        if (task.outlets && ti.final === 'success' && ti.end <= nowUs) for (const uri of task.outlets) events.push({ uri, at: ti.end });
      }
    }
    if (!events.length) return created;
    events.sort((x, y) => x.at - y.at);
    for (const [dagId, d] of Object.entries(e.dags)) {
      const dag = bag.dags.get(dagId);
      if (dag?.schedule.kind !== 'dataset' || !dag.schedule.uris?.length) continue;
      const uris = dag.schedule.uris;
      for (let k = 0; k < MAX_NEW_RUNS; k++) {
        const mine = e.runs.filter((r) => r.dagId === dagId && (r.runType === 'dataset_triggered' || r.runType === 'asset_triggered'));
        const since = mine.length ? Math.max(...mine.map((r) => r.runAfter)) : d.firstSeen;
        const firsts = uris.map((u) => events.find((ev) => ev.uri === u && ev.at > since)?.at);
        if (firsts.some((x) => x === undefined)) break;
        const at = firstUnpaused(d.history, Math.max(...(firsts as number[])));
        if (!(at <= nowUs)) break;
        const runId = datasetRunId(v, at);
        this.addRun(
          rec,
          this.newRun(rec, v, dag, {
            runId,
            logical: v.af3 ? null : at,
            runAfter: at,
            interval: [at, at],
            runType: v.af3 ? 'asset_triggered' : 'dataset_triggered',
            triggeredBy: 'asset',
          }),
        );
        created++;
      }
    }
    return created;
  }

  private schedulerLines(run: RunRec, tl: RunTimeline): LogLine[] {
    const out: LogLine[] = [];
    const date = run.logicalDate ?? run.runAfter;
    for (const { task: t, ti } of this.instances(tl, run)) {
      if (!ti.ran) continue;
      const mapped = ti.mapIndex >= 0 ? ` map_index=${ti.mapIndex}` : '';
      for (const a of ti.attempts) {
        if (!Number.isFinite(a.queued)) continue;
        out.push(
          textRecord(
            a.queued,
            'scheduler_job_runner.py:435',
            'INFO',
            `1 tasks up for execution:\n\t<TaskInstance: ${run.dagId}.${t.id} ${run.runId}${mapped} [scheduled]>`,
          ),
        );
        if (!Number.isFinite(a.end)) continue;
        const state = a.outcome === 'up_for_retry' ? 'failed' : a.outcome;
        out.push(
          textRecord(
            a.end + 500,
            'scheduler_job_runner.py:764',
            'INFO',
            `Received executor event with state ${state} for task instance TaskInstanceKey(dag_id='${run.dagId}', task_id='${t.id}', run_id='${run.runId}', try_number=${a.n}, map_index=${ti.mapIndex})`,
          ),
        );
      }
    }
    if (Number.isFinite(tl.end)) {
      const repr = `<DagRun ${run.dagId} @ ${strDatetime(date)}: ${run.runId}, state:running, queued_at: ${strDatetime(run.runAfter)}. externally triggered: ${run.runType === 'manual' ? 'True' : 'False'}>`;
      out.push(
        textRecord(
          tl.end,
          'dagrun.py:854',
          tl.final === 'success' ? 'INFO' : 'ERROR',
          `Marking run ${repr} ${tl.final === 'success' ? 'successful' : 'failed'}`,
        ),
      );
      const [dis, die] = run.dataInterval ?? [date, date];
      out.push(
        textRecord(
          tl.end + 1,
          'dagrun.py:905',
          'INFO',
          `DagRun Finished: dag_id=${run.dagId}, execution_date=${strDatetime(date)}, run_id=${run.runId}, run_start_date=${strDatetime(tl.start)}, run_end_date=${strDatetime(tl.end)}, run_duration=${((tl.end - tl.start) / 1e6).toFixed(6).replace(/0+$/, '').replace(/\.$/, '.0')}, state=${tl.final}, external_trigger=${run.runType === 'manual' ? 'True' : 'False'}, run_type=${run.runType}, data_interval_start=${strDatetime(dis)}, data_interval_end=${strDatetime(die)}, dag_hash=${((run.seq * 2654435761) >>> 0).toString(16).padStart(8, '0')}${'0'.repeat(24)}`,
        ),
      );
    }
    return out.sort((a, b) => a.ts - b.ts);
  }

  // ------------------------------------------------------------------------------------ queries

  envState(name: string): EnvAf | undefined {
    return this.state.envs[name];
  }
}
