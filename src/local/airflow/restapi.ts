/**
 * The Airflow REST API of an emulated environment, as MWAA's InvokeRestApi reaches it: the stable API
 * v1 (Connexion, `/api/v1`) on Airflow 2.x and the public API v2 (FastAPI, `/api/v2`) on Airflow 3.x,
 * answered from the same simulated Airflow the CLI endpoint uses (store.ts): the DagBag, the DAG table
 * and its pause history, variables, runs and their timelines. A run triggered here is stored exactly as
 * `dags trigger` stores it (commands.ts addManualRun), so it progresses and logs the same way.
 *
 * Error bodies follow each generation: v1 answers Connexion problems `{detail, status, title, type}`,
 * v2 answers FastAPI's `{detail: ...}` (request validation: 422 with pydantic's error list).
 * See "InvokeRestApi" in ../README.md for the endpoints and what is simplified.
 */
import type { EnvironmentRecord, RestApiAnswer, RestApiCall } from '../contract.js';
import { addManualRun, manualRunId, runIdError, type CliContext } from './commands.js';
import { bucketOf, dagsPrefix, loadDagBag, type BagDag, type DagBag } from './dagbag.js';
import { DateParseError, parseDate } from './dates.js';
import { jsonDumps, pyRepr, toPy } from './py.js';
import { SERVING_STATUSES, type AirflowStoreImpl, type EnvAf, type RunRec } from './store.js';
import { runStateAt, tiStateAt, tryNumberAt, type RunTimeline } from './timeline.js';
import { afVersion, type AfVersion } from './versions.js';

// ---------------------------------------------------------------------------------------------- errors

/** An error answer of the API: v1 renders it as a Connexion problem, v2 as `{detail}`. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    /** v1 problem title */
    readonly title: string,
    /** v1 problem detail / v2 detail (may be an object on v2) */
    readonly detail: unknown,
    /** v1: Connexion's own errors (routing, request validation) have type about:blank */
    readonly connexion = false,
  ) {
    super(typeof detail === 'string' ? detail : title);
  }
}

/** A v2 request-validation error (FastAPI 422): pydantic's error entries. */
class Unprocessable extends Error {
  constructor(readonly errors: Array<Record<string, unknown>>) {
    super('validation');
  }
}

const V1_ERROR_SECTION: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthenticated',
  403: 'PermissionDenied',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'AlreadyExists',
  500: 'Unknown',
};

function v1Problem(v: AfVersion, e: ApiError): Record<string, unknown> {
  const section = V1_ERROR_SECTION[e.status] ?? 'Unknown';
  const type = e.connexion
    ? 'about:blank'
    : `https://airflow.apache.org/docs/apache-airflow/${v.raw}/stable-rest-api-ref.html#section/Errors/${section}`;
  return { detail: e.detail ?? null, status: e.status, title: e.title, type };
}

const notFound = (title: string, detail: unknown): ApiError => new ApiError(404, title, detail);
const badRequest = (detail: unknown, title = 'Bad Request'): ApiError => new ApiError(400, title, detail);

// ---------------------------------------------------------------------------------------------- context

interface Ctx {
  cli: CliContext;
  v: AfVersion;
  e: EnvAf;
  bag: DagBag;
  now: number;
  query: Map<string, string[]>;
  body: unknown;
}

function queryMap(q: Record<string, unknown>): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const str = (x: unknown): string =>
    typeof x === 'string'
      ? x
      : typeof x === 'boolean'
        ? x
          ? 'true'
          : 'false'
        : x === null
          ? ''
          : typeof x === 'object'
            ? JSON.stringify(x)
            : String(x);
  for (const [k, x] of Object.entries(q ?? {})) {
    if (x === undefined) continue;
    m.set(k, Array.isArray(x) ? x.map(str) : [str(x)]);
  }
  return m;
}

function first(c: Ctx, name: string): string | undefined {
  return c.query.get(name)?.[0];
}

function intParam(c: Ctx, name: string, dflt: number, min: number): number {
  const raw = first(c, name);
  if (raw === undefined) return dflt;
  const ok = /^\s*[+-]?\d+\s*$/.test(raw);
  if (c.v.af3) {
    if (!ok)
      throw new Unprocessable([
        {
          type: 'int_parsing',
          loc: ['query', name],
          msg: 'Input should be a valid integer, unable to parse string as an integer',
          input: raw,
        },
      ]);
    const n = Number(raw);
    if (n < min)
      throw new Unprocessable([
        {
          type: 'greater_than_equal',
          loc: ['query', name],
          msg: `Input should be greater than or equal to ${min}`,
          input: raw,
          ctx: { ge: min },
        },
      ]);
    return n;
  }
  if (!ok) throw new ApiError(400, 'Bad Request', `Wrong type, expected 'integer' for query parameter '${name}'`, true);
  const n = Number(raw);
  if (n < min) throw new ApiError(400, 'Bad Request', `${n} is less than the minimum of ${min} - '${name}'`, true);
  return n;
}

function boolParam(c: Ctx, name: string): boolean | undefined {
  const raw = first(c, name);
  if (raw === undefined) return undefined;
  const s = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on', 't', 'y'].includes(s)) return true;
  if (['false', '0', 'no', 'off', 'f', 'n'].includes(s)) return false;
  if (c.v.af3)
    throw new Unprocessable([
      { type: 'bool_parsing', loc: ['query', name], msg: 'Input should be a valid boolean, unable to interpret input', input: raw },
    ]);
  throw new ApiError(400, 'Bad Request', `Wrong type, expected 'boolean' for query parameter '${name}'`, true);
}

/** MWAA's `api.maximum_page_limit` (Airflow's default 100): larger limits are cut to it. */
const MAX_PAGE = 100;

/** offset/limit of a list endpoint: v1 default 100 (minimum 1), v2 default 50 (minimum 0). */
function page<T>(c: Ctx, items: T[]): { items: T[]; total: number } {
  const limit = Math.min(intParam(c, 'limit', c.v.af3 ? 50 : 100, c.v.af3 ? 0 : 1), MAX_PAGE);
  const offset = intParam(c, 'offset', 0, 0);
  return { items: items.slice(offset, offset + limit), total: items.length };
}

// ---------------------------------------------------------------------------------------------- values

/** v1 (marshmallow) dates: `2024-01-01T00:00:00+00:00`; v2 (pydantic) dates: `2024-01-01T00:00:00Z`. */
function date(c: Ctx, us: number | null | undefined): string | null {
  if (us === null || us === undefined || !Number.isFinite(us)) return null;
  const ms = Math.floor(us / 1000);
  const micro = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = micro ? `.${String(micro).padStart(6, '0')}` : '';
  return `${base}${frac}${c.v.af3 ? 'Z' : '+00:00'}`;
}

function scheduleInterval(d: BagDag): unknown {
  const s = d.schedule;
  if (s.kind === 'default') return { __type: 'TimeDelta', days: 1, seconds: 0, microseconds: 0 };
  if (s.kind === 'none' || s.kind === 'dataset' || s.kind === 'unknown') return null;
  if (s.kind === 'once') return { __type: 'CronExpression', value: '@once' };
  if (s.kind === 'continuous') return { __type: 'CronExpression', value: '@continuous' };
  if (s.kind === 'cron') return { __type: 'CronExpression', value: s.expr };
  const days = Math.floor(s.us / 86_400_000_000);
  const rest = s.us % 86_400_000_000;
  return { __type: 'TimeDelta', days, seconds: Math.floor(rest / 1e6), microseconds: rest % 1e6 };
}

function timetable(d: BagDag, af3: boolean): { summary: string | null; description: string } {
  const s = d.schedule;
  if (s.kind === 'default' && !af3) return { summary: '1 day, 0:00:00', description: '' };
  if (s.kind === 'none' || s.kind === 'default') return { summary: null, description: 'Never, external triggers only' };
  if (s.kind === 'once') return { summary: '@once', description: 'Once, as soon as possible' };
  if (s.kind === 'continuous') return { summary: '@continuous', description: 'As frequently as possible, but only one run at a time.' };
  if (s.kind === 'cron') return { summary: s.expr, description: `Cron: ${s.expr}` };
  if (s.kind === 'dataset')
    return { summary: af3 ? 'Asset' : 'Dataset', description: af3 ? 'Triggered by assets' : 'Triggered by datasets' };
  if (s.kind === 'delta') {
    const days = Math.floor(s.us / 86_400_000_000);
    const secs = Math.floor((s.us % 86_400_000_000) / 1e6);
    return {
      summary: `${days} day${days === 1 ? '' : 's'}, ${Math.floor(secs / 3600)}:${String(Math.floor((secs % 3600) / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`,
      description: '',
    };
  }
  return { summary: null, description: '' };
}

function dagJson(c: Ctx, d: BagDag): Record<string, unknown> {
  const paused = c.cli.store.isPaused(c.e, d.dagId, c.now);
  const parsed = date(c, c.e.dags[d.dagId]?.firstSeen ?? c.now);
  const owners = d.owner.split(',');
  const fileToken = Buffer.from(d.fileloc).toString('base64url');
  const tt = timetable(d, c.v.af3);
  if (c.v.af3) {
    return {
      dag_id: d.dagId,
      dag_display_name: d.displayName ?? d.dagId,
      is_paused: paused,
      is_stale: false,
      last_parsed_time: parsed,
      last_expired: null,
      bundle_name: 'dags-folder',
      bundle_version: null,
      relative_fileloc: d.relPath,
      fileloc: d.fileloc,
      description: d.description,
      timetable_summary: tt.summary,
      timetable_description: tt.description,
      tags: d.tags.map((name) => ({ name, dag_id: d.dagId })),
      max_active_tasks: d.maxActiveTasks ?? 16,
      max_active_runs: d.maxActiveRuns ?? 16,
      max_consecutive_failed_dag_runs: 0,
      has_task_concurrency_limits: false,
      has_import_errors: false,
      next_dagrun_logical_date: null,
      next_dagrun_data_interval_start: null,
      next_dagrun_data_interval_end: null,
      next_dagrun_run_after: null,
      owners,
      file_token: fileToken,
    };
  }
  const out: Record<string, unknown> = {
    dag_id: d.dagId,
    ...(c.v.legacyListAndPause ? {} : { dag_display_name: d.displayName ?? d.dagId }),
    root_dag_id: null,
    is_paused: paused,
    is_active: true,
    is_subdag: false,
    last_parsed_time: parsed,
    last_pickled: null,
    last_expired: null,
    scheduler_lock: null,
    pickle_id: null,
    default_view: 'grid',
    fileloc: d.fileloc,
    file_token: fileToken,
    owners,
    description: d.description,
    schedule_interval: scheduleInterval(d),
    timetable_description: tt.description,
    tags: d.tags.map((name) => ({ name })),
    max_active_tasks: d.maxActiveTasks ?? 16,
    max_active_runs: d.maxActiveRuns ?? 16,
    has_task_concurrency_limits: false,
    has_import_errors: false,
    next_dagrun: null,
    next_dagrun_data_interval_start: null,
    next_dagrun_data_interval_end: null,
    next_dagrun_create_after: null,
  };
  if (!c.v.legacyListAndPause) out.max_consecutive_failed_dag_runs = 0;
  return out;
}

/** GET /dags/{id}/details: the DAG plus its definition's details (v1 DAGDetail, v2 DAGDetailsResponse). */
function dagDetailsJson(c: Ctx, d: BagDag): Record<string, unknown> {
  const base = dagJson(c, d);
  const common = {
    catchup: d.catchup ?? !c.v.af3,
    dag_run_timeout: null,
    doc_md: null,
    start_date: date(c, d.startDate ?? d.defaultStartDate ?? null),
    end_date: null,
    is_paused_upon_creation: d.isPausedUponCreation,
    params: {},
    render_template_as_native_obj: false,
    template_search_path: null,
    last_parsed: base.last_parsed_time,
  };
  if (!c.v.af3)
    return { ...base, ...common, timezone: "Timezone('UTC')", orientation: 'LR', concurrency: base.max_active_tasks, default_view: 'grid' };
  return {
    ...base,
    ...common,
    asset_expression: null,
    timezone: 'UTC',
    default_args: d.defaultOwner ? { owner: d.defaultOwner } : {},
    owner_links: {},
    concurrency: base.max_active_tasks,
  };
}

function confOf(r: RunRec): unknown {
  if (r.conf === null) return {};
  try {
    return JSON.parse(r.conf);
  } catch {
    return {};
  }
}

function runJson(c: Ctx, r: RunRec): Record<string, unknown> {
  const tl = c.cli.store.timeline(c.cli.rec.Name, c.e, r);
  const st = runStateAt(tl, c.now);
  const start = st === 'queued' ? null : date(c, tl.start);
  const end = st === 'success' || st === 'failed' ? date(c, tl.end) : null;
  const interval = r.dataInterval;
  if (c.v.af3) {
    return {
      dag_run_id: r.runId,
      dag_id: r.dagId,
      logical_date: date(c, r.logicalDate),
      queued_at: date(c, r.runAfter),
      start_date: start,
      end_date: end,
      data_interval_start: interval ? date(c, interval[0]) : null,
      data_interval_end: interval ? date(c, interval[1]) : null,
      run_after: date(c, r.runAfter),
      last_scheduling_decision: null,
      run_type: r.runType,
      state: st,
      triggered_by: r.triggeredBy ?? 'cli',
      ...(c.v.triggeringUser
        ? { triggering_user_name: r.runType === 'manual' && r.triggeredBy !== 'operator' ? (r.triggeringUser ?? 'airflow') : null }
        : {}),
      conf: confOf(r),
      note: r.note ?? null,
      dag_versions: [],
      bundle_version: null,
      ...(c.v.triggeringUser ? { dag_display_name: c.bag.dags.get(r.dagId)?.displayName ?? r.dagId } : {}),
    };
  }
  const logical = date(c, r.logicalDate ?? r.runAfter);
  return {
    dag_run_id: r.runId,
    dag_id: r.dagId,
    logical_date: logical,
    execution_date: logical,
    start_date: start,
    end_date: end,
    data_interval_start: interval ? date(c, interval[0]) : null,
    data_interval_end: interval ? date(c, interval[1]) : null,
    last_scheduling_decision: null,
    run_type: r.runType,
    state: st,
    external_trigger: r.runType === 'manual',
    conf: confOf(r),
    note: r.note ?? null,
  };
}

function downstreamCount(r: RunRec, taskId: string): number {
  const down = new Map<string, string[]>();
  for (const t of r.tasks) for (const u of t.up) down.set(u, [...(down.get(u) ?? []), t.id]);
  const seen = new Set<string>();
  const stack = [...(down.get(taskId) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(down.get(id) ?? []));
  }
  return seen.size;
}

/** Airflow's get_random_string() error ids (deterministic here): 8 ASCII letters. */
function errorId(seed: string): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let out = '';
  for (let i = 0; i < 8; i++) {
    out += 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'[(h >>> 0) % 52];
    h = Math.imul(h ^ i, 16777619);
  }
  return out;
}

function hostOf(envName: string): string {
  let h = 0;
  for (const ch of envName) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `ip-10-0-${(h >> 8) & 255}-${h & 255}.ec2.internal`;
}

/** A task instance's state, start, end (µs) and duration (s) as the API shows them now. */
function tiTimes(
  c: Ctx,
  r: RunRec,
  tl: RunTimeline,
  taskIndex: number,
): { st: ReturnType<typeof tiStateAt>; start: number | null; end: number | null; duration: number | null } {
  const ti = tl.tis.get(r.tasks[taskIndex].id);
  const st = tiStateAt(ti, c.now);
  const finished = st === 'success' || st === 'failed' || st === 'upstream_failed' || st === 'skipped';
  const start = ti && st !== null && st !== 'queued' ? ti.start : null;
  const end = ti && finished ? ti.end : null;
  const duration = start !== null && end !== null ? (end - start) / 1e6 : null;
  return { st, start, end, duration };
}

function taskInstanceJson(c: Ctx, r: RunRec, tl: RunTimeline, taskIndex: number): Record<string, unknown> {
  const t = r.tasks[taskIndex];
  const ti = tl.tis.get(t.id);
  const { st, start, end, duration } = tiTimes(c, r, tl, taskIndex);
  const ran = ti?.ran && st !== null && st !== 'queued';
  const queuedWhen = ti?.ran && st !== null ? ti.queued : null;
  const common = {
    task_id: t.id,
    dag_id: r.dagId,
    dag_run_id: r.runId,
    start_date: date(c, start),
    end_date: date(c, end),
    duration,
    state: st,
    try_number: ti?.ran && st !== null ? tryNumberAt(ti, c.now) : 0,
    map_index: -1,
    max_tries: t.retries ?? 0,
    task_display_name: t.id,
    hostname: ran ? hostOf(c.cli.rec.Name) : '',
    unixname: 'airflow',
    pool: 'default_pool',
    pool_slots: 1,
    queue: 'default',
    priority_weight: 1 + downstreamCount(r, t.id),
    operator: t.op,
    queued_when: date(c, queuedWhen),
    pid: ran ? 1000 + ((taskIndex * 7919 + r.seq * 104729) % 30000) : null,
    executor: null,
    executor_config: '{}',
    note: null,
    rendered_map_index: null,
    rendered_fields: {},
    trigger: null,
    triggerer_job: null,
  };
  if (c.v.af3) {
    const idHex = Buffer.from(`${r.seq}:${t.id}`).toString('hex').padEnd(32, '0').slice(0, 32);
    return {
      id: `${idHex.slice(0, 8)}-${idHex.slice(8, 12)}-7${idHex.slice(13, 16)}-8${idHex.slice(17, 20)}-${idHex.slice(20, 32)}`,
      ...common,
      logical_date: date(c, r.logicalDate),
      run_after: date(c, r.runAfter),
      scheduled_when: date(c, queuedWhen),
      dag_version: null,
    };
  }
  const { task_display_name, ...rest } = common;
  return {
    ...rest,
    ...(c.v.legacyListAndPause ? {} : { task_display_name }),
    execution_date: date(c, r.logicalDate ?? r.runAfter),
    sla_miss: null,
  };
}

// ---------------------------------------------------------------------------------------------- helpers

function activeDag(c: Ctx, dagId: string): BagDag | undefined {
  return c.e.dags[dagId] ? c.bag.dags.get(dagId) : undefined;
}

function dagNotFound(c: Ctx, dagId: string): Error {
  return c.v.af3
    ? new ApiError(404, 'Not Found', `The Dag with ID: \`${dagId}\` was not found`)
    : notFound('DAG not found', `The DAG with dag_id: ${dagId} was not found`);
}

function runsOf(c: Ctx, dagId: string): RunRec[] {
  return c.e.runs.filter((r) => r.dagId === dagId);
}

function findRun(c: Ctx, dagId: string, runId: string): RunRec {
  const r = runsOf(c, dagId).find((x) => x.runId === runId);
  if (r) return r;
  if (c.v.af3) throw new ApiError(404, 'Not Found', `The DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` was not found`);
  throw notFound('DAGRun not found', `DAGRun with DAG ID: '${dagId}' and DagRun ID: '${runId}' not found`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Python repr of a JSON value, as jsonschema and marshmallow messages show it. */
function repr(x: unknown): string {
  return pyRepr(toPy(x));
}

/** v2 request bodies are pydantic models with extra="forbid". */
function v2Body(c: Ctx, allowed: string[], required: string[] = []): Record<string, unknown> {
  const b = c.body;
  if (!isObject(b)) {
    throw new Unprocessable([
      {
        type: b === undefined ? 'missing' : 'model_attributes_type',
        loc: ['body'],
        msg: b === undefined ? 'Field required' : 'Input should be a valid dictionary or object to extract fields from',
        input: b ?? null,
      },
    ]);
  }
  const errors: Array<Record<string, unknown>> = [];
  for (const f of required) if (!(f in b)) errors.push({ type: 'missing', loc: ['body', f], msg: 'Field required', input: b });
  for (const [k, x] of Object.entries(b))
    if (!allowed.includes(k)) errors.push({ type: 'extra_forbidden', loc: ['body', k], msg: 'Extra inputs are not permitted', input: x });
  if (errors.length) throw new Unprocessable(errors);
  return b;
}

function hasOffset(s: string): boolean {
  return /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/.test(s.trim()) && /\d[T ]\d/.test(s);
}

/** A v2 AwareDatetime field (null allowed when nullable). */
function v2Date(field: string, x: unknown): number | null {
  if (x === null || x === undefined) return null;
  const bad = (type: string, msg: string): never => {
    throw new Unprocessable([{ type, loc: ['body', field], msg, input: x }]);
  };
  if (typeof x !== 'string') return bad('datetime_type', 'Input should be a valid datetime');
  let us: number;
  try {
    us = parseDate(x);
  } catch (e) {
    if (e instanceof DateParseError)
      return bad('datetime_from_date_parsing', 'Input should be a valid datetime or date, invalid character in year');
    throw e;
  }
  if (!hasOffset(x)) bad('timezone_aware', 'Input should have timezone info');
  return us;
}

// ---------------------------------------------------------------------------------------------- endpoints

function listDags(c: Ctx): unknown {
  const paused = boolParam(c, 'paused');
  const tags = c.query.get('tags') ?? [];
  const pattern = first(c, 'dag_id_pattern');
  const orderBy = first(c, 'order_by') ?? 'dag_id';
  let dags = [...c.bag.dags.values()].filter((d) => c.e.dags[d.dagId]);
  if (paused !== undefined) dags = dags.filter((d) => c.cli.store.isPaused(c.e, d.dagId, c.now) === paused);
  if (tags.length) dags = dags.filter((d) => d.tags.some((t) => tags.includes(t)));
  if (pattern) {
    // SQL ILIKE '%pattern%' (with % and _ as wildcards)
    const re = new RegExp(
      pattern
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/%/g, '.*')
        .replace(/_/g, '.'),
      'i',
    );
    dags = dags.filter((d) => re.test(d.dagId));
  }
  const desc = orderBy.startsWith('-');
  const key = orderBy.replace(/^-/, '');
  if (key !== 'dag_id' && key !== 'dag_display_name') {
    if (c.v.af3)
      throw new ApiError(400, 'Bad Request', `Ordering with '${key}' is disallowed or the attribute does not exist on the model`);
    throw badRequest(`Ordering with '${key}' is disallowed or the attribute does not exist on the model`);
  }
  const name = (d: BagDag): string => (key === 'dag_id' ? d.dagId : (d.displayName ?? d.dagId));
  dags.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0) * (desc ? -1 : 1));
  const p = page(c, dags);
  return { dags: p.items.map((d) => dagJson(c, d)), total_entries: p.total };
}

function getDag(c: Ctx, dagId: string, details: boolean): unknown {
  const d = activeDag(c, dagId);
  if (!d) throw dagNotFound(c, dagId);
  return details ? dagDetailsJson(c, d) : dagJson(c, d);
}

function patchDag(c: Ctx, dagId: string): unknown {
  const mask = (c.query.get('update_mask') ?? [])
    .flatMap((m) => m.split(','))
    .map((m) => m.trim())
    .filter(Boolean);
  let paused: unknown;
  if (c.v.af3) {
    // FastAPI validates the body before the handler runs; the handler then looks up the DAG, then the mask
    const b = v2Body(c, ['is_paused'], ['is_paused']);
    if (typeof b.is_paused !== 'boolean')
      throw new Unprocessable([
        { type: 'bool_type', loc: ['body', 'is_paused'], msg: 'Input should be a valid boolean', input: b.is_paused },
      ]);
    if (!c.e.dags[dagId]) throw new ApiError(404, 'Not Found', `Dag with id: ${dagId} was not found`);
    if (mask.length && (mask.length !== 1 || mask[0] !== 'is_paused'))
      throw new ApiError(400, 'Bad Request', 'Only `is_paused` field can be updated through the REST API');
    paused = b.is_paused;
  } else {
    if (!isObject(c.body)) throw new ApiError(400, 'Bad Request', `${repr(c.body ?? null)} is not of type 'object'`, true);
    const b = c.body;
    if ('is_paused' in b && typeof b.is_paused !== 'boolean' && b.is_paused !== null) {
      throw new ApiError(400, 'Bad Request', `${repr(b.is_paused)} is not of type 'boolean' - 'is_paused'`, true);
    }
    if (mask.length && (mask.length !== 1 || mask[0] !== 'is_paused'))
      throw badRequest('Only `is_paused` field can be edited through the REST API');
    if (!activeDag(c, dagId) && !c.e.dags[dagId]) throw notFound(`Dag with id: '${dagId}' not found`, null);
    if (!('is_paused' in b)) {
      // Airflow 2 reads patch_body["is_paused"] unchecked: a KeyError, i.e. an internal server error
      throw new ApiError(
        500,
        'Internal Server Error',
        'The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.',
        true,
      );
    }
    paused = b.is_paused;
  }
  const d = activeDag(c, dagId);
  if (!d) throw dagNotFound(c, dagId);
  if (c.cli.store.isPaused(c.e, dagId, c.now) !== Boolean(paused)) {
    c.cli.store.setPaused(c.cli.rec, dagId, Boolean(paused));
    c.now = c.cli.store.nowUs(); // the change is recorded at the clock's current time: answer as of then
  }
  return dagJson(c, d);
}

function listImportErrors(c: Ctx): unknown {
  const rec = c.cli.rec;
  const modified = new Map<string, number>();
  const bucket = bucketOf(rec);
  if (bucket && c.cli.world.s3.bucketExists(bucket)) {
    const prefix = dagsPrefix(rec);
    for (const o of c.cli.world.s3.listLatest(bucket, prefix)) modified.set(o.key.slice(prefix.length), o.lastModified);
  }
  const errors = [...c.bag.errors].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  const rows = errors.map((x, i) => {
    const ts = date(c, (modified.get(x.relPath) ?? c.now / 1000) * 1000);
    if (c.v.af3) return { import_error_id: i + 1, timestamp: ts, filename: x.relPath, bundle_name: 'dags-folder', stack_trace: x.error };
    return { import_error_id: i + 1, timestamp: ts, filename: x.fileloc, stack_trace: x.error };
  });
  const p = page(c, rows);
  return { import_errors: p.items, total_entries: p.total };
}

function listRuns(c: Ctx, dagId: string): unknown {
  if (c.v.af3 && dagId !== '~' && !c.e.dags[dagId]) throw new ApiError(404, 'Not Found', `The DAG with dag_id: \`${dagId}\` was not found`);
  const state = c.query.get('state') ?? [];
  let runs = dagId === '~' ? [...c.e.runs] : runsOf(c, dagId);
  if (state.length) runs = runs.filter((r) => state.includes(runStateAt(c.cli.store.timeline(c.cli.rec.Name, c.e, r), c.now)));
  // default order: by id (creation); `-…` reverses it (other order_by keys sort by id too)
  const desc = (first(c, 'order_by') ?? 'id').startsWith('-');
  runs.sort((a, b) => (a.seq - b.seq) * (desc ? -1 : 1));
  const p = page(c, runs);
  return { dag_runs: p.items.map((r) => runJson(c, r)), total_entries: p.total };
}

function getRun(c: Ctx, dagId: string, runId: string): unknown {
  return runJson(c, findRun(c, dagId, runId));
}

function triggerRun(c: Ctx, dagId: string): { status: number; body: unknown } {
  const v = c.v;
  const dag = activeDag(c, dagId);
  let runId: string;
  let logical: number | null;
  let conf: unknown;
  let note: string | null = null;
  if (v.af3) {
    if (!dag) throw new ApiError(404, 'Not Found', `DAG with dag_id: '${dagId}' not found`);
    const b = v2Body(
      c,
      ['dag_run_id', 'data_interval_start', 'data_interval_end', 'logical_date', 'run_after', 'conf', 'note'],
      ['logical_date'],
    );
    logical = v2Date('logical_date', b.logical_date);
    if (b.conf !== undefined && b.conf !== null && !isObject(b.conf))
      throw new Unprocessable([{ type: 'dict_type', loc: ['body', 'conf'], msg: 'Input should be a valid dictionary', input: b.conf }]);
    if (b.dag_run_id !== undefined && b.dag_run_id !== null && typeof b.dag_run_id !== 'string')
      throw new Unprocessable([
        { type: 'string_type', loc: ['body', 'dag_run_id'], msg: 'Input should be a valid string', input: b.dag_run_id },
      ]);
    if (b.note !== undefined && b.note !== null && typeof b.note !== 'string')
      throw new Unprocessable([{ type: 'string_type', loc: ['body', 'note'], msg: 'Input should be a valid string', input: b.note }]);
    conf = b.conf ?? {};
    note = (b.note as string | null | undefined) ?? null;
    runId = (b.dag_run_id as string | null | undefined) || manualRunId(v, logical, c.now);
    const clash = runsOf(c, dagId).find((r) => r.runId === runId || (logical !== null && r.logicalDate === logical));
    if (clash) {
      // Airflow's unique-constraint handler (api.expose_stacktrace off, the default): statement hidden
      throw new ApiError(409, 'Conflict', {
        reason: 'Unique constraint violation',
        statement: 'hidden',
        orig_error: 'hidden',
        message: `Serious error when handling your request. Check logs for more details - you will find it in api server when you look for ID ${errorId(`${dagId}/${runId}/${c.now}`)}`,
      });
    }
    const bad = runIdError(v, runId);
    if (bad) throw new ApiError(400, 'Bad Request', bad);
  } else {
    if (!dag) throw notFound('DAG not found', `DAG with dag_id: '${dagId}' not found`);
    if (c.body !== undefined && !isObject(c.body)) throw new ApiError(400, 'Bad Request', `${repr(c.body)} is not of type 'object'`, true);
    const b = { ...((c.body as Record<string, unknown> | undefined) ?? {}) };
    if ('conf' in b && !isObject(b.conf)) throw new ApiError(400, 'Bad Request', `${repr(b.conf)} is not of type 'object' - 'conf'`, true);
    if ('note' in b && b.note !== null && typeof b.note !== 'string')
      throw new ApiError(400, 'Bad Request', `${repr(b.note)} is not of type 'string' - 'note'`, true);
    const hasLogical = 'logical_date' in b;
    const hasExec = 'execution_date' in b;
    if (hasLogical && hasExec && b.logical_date !== b.execution_date) {
      throw badRequest(`${repr(b.logical_date)} != ${repr(b.execution_date)}`, 'logical_date conflicts with execution_date');
    }
    const dateText = hasLogical ? b.logical_date : hasExec ? b.execution_date : undefined;
    delete b.execution_date;
    const unknown = Object.keys(b).filter(
      (k) => !['dag_run_id', 'logical_date', 'conf', 'note', 'data_interval_start', 'data_interval_end'].includes(k),
    );
    if (dateText === undefined) logical = c.now;
    else {
      try {
        if (typeof dateText !== 'string') throw new DateParseError(String(dateText));
        logical = parseDate(dateText);
        // the schema's validate_istimezone
        if (!hasOffset(dateText)) throw badRequest('Naive datetime is disallowed', 'Invalid datetime format');
      } catch (e) {
        if (!(e instanceof DateParseError)) throw e;
        if (!('dag_run_id' in b)) throw badRequest(`Invalid date string: ${String(dateText)}`, 'Incorrect datetime argument');
        throw badRequest(`{'logical_date': ['Not a valid datetime.']}`);
      }
    }
    if (unknown.length) throw badRequest(`{${unknown.map((k) => `'${k}': ['Unknown field.']`).join(', ')}}`);
    if ('dag_run_id' in b && typeof b.dag_run_id !== 'string') throw badRequest(`{'dag_run_id': ['Not a valid string.']}`);
    runId = (b.dag_run_id as string | undefined) ?? manualRunId(v, logical, c.now);
    conf = b.conf ?? {};
    note = (b.note as string | null | undefined) ?? null;
    const clash = runsOf(c, dagId).find((r) => r.runId === runId || r.logicalDate === logical);
    if (clash) {
      if (clash.logicalDate === logical) {
        throw new ApiError(
          409,
          'Conflict',
          `DAGRun with DAG ID: '${dagId}' and DAGRun logical date: '${date(c, logical)!.replace('T', ' ')}' already exists`,
        );
      }
      throw new ApiError(409, 'Conflict', `DAGRun with DAG ID: '${dagId}' and DAGRun ID: '${runId}' already exists`);
    }
    const bad = runIdError(v, runId);
    if (bad) throw badRequest(bad);
  }
  const run = addManualRun(c.cli, dag, { runId, logical, runAfter: c.now, conf: toPy(conf), triggeredBy: 'rest_api', note });
  return { status: 200, body: runJson(c, run) };
}

function listTaskInstances(c: Ctx, dagId: string, runId: string): unknown {
  let run: RunRec | undefined;
  if (c.v.af3) run = findRun(c, dagId, runId);
  else run = runsOf(c, dagId).find((r) => r.runId === runId);
  if (!run) return { task_instances: [], total_entries: 0 };
  const tl = c.cli.store.timeline(c.cli.rec.Name, c.e, run);
  const r = run;
  const state = c.query.get('state') ?? [];
  let idx = r.tasks.map((_, i) => i);
  if (state.length) idx = idx.filter((i) => state.includes(String(tiStateAt(tl.tis.get(r.tasks[i].id), c.now) ?? 'none')));
  idx.sort((a, b) => (r.tasks[a].id < r.tasks[b].id ? -1 : r.tasks[a].id > r.tasks[b].id ? 1 : 0));
  const p = page(c, idx);
  return { task_instances: p.items.map((i) => taskInstanceJson(c, r, tl, i)), total_entries: p.total };
}

/** The filters of the task-instance batch listing, read from the request body. */
interface TiBatch {
  dagIds?: string[];
  runIds?: string[];
  taskIds?: string[];
  /** null: no state */
  states?: Array<string | null>;
  pools?: string[];
  queues?: string[];
  executors?: string[];
  /** v1 execution_date, v2 logical_date (µs) */
  logical: [number | null, number | null];
  runAfter: [number | null, number | null];
  start: [number | null, number | null];
  end: [number | null, number | null];
  duration: [number | null, number | null];
  offset: number;
  limit: number;
}

const TI_BATCH_LISTS: Array<[string, keyof TiBatch]> = [
  ['dag_ids', 'dagIds'],
  ['dag_run_ids', 'runIds'],
  ['task_ids', 'taskIds'],
  ['state', 'states'],
  ['pool', 'pools'],
  ['queue', 'queues'],
  ['executor', 'executors'],
];

/**
 * v1's body: Connexion checks the types against ListTaskInstanceForm (400, type about:blank), then
 * marshmallow's TaskInstanceBatchFormSchema loads it (400 with its messages; unknown fields refused).
 */
function v1TiBatch(c: Ctx): TiBatch {
  const b = c.body ?? {};
  if (!isObject(b)) throw new ApiError(400, 'Bad Request', `${repr(b)} is not of type 'object'`, true);
  for (const [field] of TI_BATCH_LISTS) {
    const x = b[field];
    if (x === undefined || x === null) continue;
    if (!Array.isArray(x)) throw new ApiError(400, 'Bad Request', `${repr(x)} is not of type 'array' - '${field}'`, true);
    const bad = x.find((y) => typeof y !== 'string' && !(field === 'state' && y === null));
    if (bad !== undefined) throw new ApiError(400, 'Bad Request', `${repr(bad)} is not of type 'string' - '${field}'`, true);
  }
  const dateFields = ['execution_date_gte', 'execution_date_lte', 'start_date_gte', 'start_date_lte', 'end_date_gte', 'end_date_lte'];
  const intFields = ['duration_gte', 'duration_lte', 'page_offset', 'page_limit'];
  for (const f of dateFields)
    if (b[f] !== undefined && b[f] !== null && typeof b[f] !== 'string')
      throw new ApiError(400, 'Bad Request', `${repr(b[f])} is not of type 'string' - '${f}'`, true);
  for (const f of intFields)
    if (b[f] !== undefined && b[f] !== null && !Number.isInteger(b[f]))
      throw new ApiError(400, 'Bad Request', `${repr(b[f])} is not of type 'integer' - '${f}'`, true);
  const known = new Set([...TI_BATCH_LISTS.map(([f]) => f), ...dateFields, ...intFields]);
  const messages: string[] = [];
  for (const k of Object.keys(b)) if (!known.has(k)) messages.push(`'${k}': ['Unknown field.']`);
  const dt = (f: string): number | null => {
    const x = b[f];
    if (x === undefined || x === null) return null;
    try {
      const us = parseDate(x as string);
      if (!hasOffset(x as string)) messages.push(`'${f}': ['Naive datetime is disallowed']`);
      return us;
    } catch (e) {
      if (!(e instanceof DateParseError)) throw e;
      messages.push(`'${f}': ['Not a valid datetime.']`);
      return null;
    }
  };
  const batch: TiBatch = {
    logical: [dt('execution_date_gte'), dt('execution_date_lte')],
    runAfter: [null, null],
    start: [dt('start_date_gte'), dt('start_date_lte')],
    end: [dt('end_date_gte'), dt('end_date_lte')],
    duration: [(b.duration_gte as number | null | undefined) ?? null, (b.duration_lte as number | null | undefined) ?? null],
    offset: (b.page_offset as number | null | undefined) ?? 0,
    limit: (b.page_limit as number | null | undefined) ?? 100,
  };
  if (batch.offset < 0) messages.push(`'page_offset': ['Must be greater than or equal to 0.']`);
  if (batch.limit < 1) messages.push(`'page_limit': ['Must be greater than or equal to 1.']`);
  if (messages.length) throw badRequest(`{${messages.join(', ')}}`);
  for (const [field, key] of TI_BATCH_LISTS) {
    const x = b[field] as string[] | null | undefined;
    if (x === undefined || x === null) continue;
    // _convert_ti_states: "none" is a task instance without a state
    (batch as unknown as Record<string, unknown>)[key] = field === 'state' ? x.map((y) => (y === 'none' ? null : y)) : x;
  }
  return batch;
}

/** v2's body: TaskInstancesBatchBody (pydantic, extra fields forbidden; 422 with its errors). */
function v2TiBatch(c: Ctx): TiBatch {
  const dateFields = [
    'run_after_gte',
    'run_after_lte',
    'logical_date_gte',
    'logical_date_lte',
    'start_date_gte',
    'start_date_lte',
    'end_date_gte',
    'end_date_lte',
  ];
  const b = v2Body(c, [
    ...TI_BATCH_LISTS.map(([f]) => f),
    ...dateFields,
    'duration_gte',
    'duration_lte',
    'page_offset',
    'page_limit',
    'order_by',
  ]);
  const errors: Array<Record<string, unknown>> = [];
  for (const [field] of TI_BATCH_LISTS) {
    const x = b[field];
    if (x === undefined || x === null) continue;
    if (!Array.isArray(x)) errors.push({ type: 'list_type', loc: ['body', field], msg: 'Input should be a valid list', input: x });
    else
      x.forEach((y, i) => {
        if (typeof y !== 'string' && !(field === 'state' && y === null))
          errors.push({ type: 'string_type', loc: ['body', field, i], msg: 'Input should be a valid string', input: y });
      });
  }
  for (const f of ['duration_gte', 'duration_lte']) {
    if (b[f] !== undefined && b[f] !== null && typeof b[f] !== 'number')
      errors.push({ type: 'float_type', loc: ['body', f], msg: 'Input should be a valid number', input: b[f] });
  }
  for (const f of ['page_offset', 'page_limit']) {
    const x = b[f];
    if (x === undefined) continue;
    if (!Number.isInteger(x)) errors.push({ type: 'int_type', loc: ['body', f], msg: 'Input should be a valid integer', input: x });
    else if ((x as number) < 0)
      errors.push({
        type: 'greater_than_equal',
        loc: ['body', f],
        msg: 'Input should be greater than or equal to 0',
        input: x,
        ctx: { ge: 0 },
      });
  }
  if (b.order_by !== undefined && b.order_by !== null && typeof b.order_by !== 'string')
    errors.push({ type: 'string_type', loc: ['body', 'order_by'], msg: 'Input should be a valid string', input: b.order_by });
  if (errors.length) throw new Unprocessable(errors);
  const dt = (f: string): number | null => v2Date(f, b[f]);
  const batch: TiBatch = {
    logical: [dt('logical_date_gte'), dt('logical_date_lte')],
    runAfter: [dt('run_after_gte'), dt('run_after_lte')],
    start: [dt('start_date_gte'), dt('start_date_lte')],
    end: [dt('end_date_gte'), dt('end_date_lte')],
    duration: [(b.duration_gte as number | null | undefined) ?? null, (b.duration_lte as number | null | undefined) ?? null],
    offset: (b.page_offset as number | undefined) ?? 0,
    limit: (b.page_limit as number | undefined) ?? 100,
  };
  for (const [field, key] of TI_BATCH_LISTS) {
    const x = b[field] as Array<string | null> | null | undefined;
    if (x !== undefined && x !== null) (batch as unknown as Record<string, unknown>)[key] = x;
  }
  return batch;
}

/**
 * POST /dags/~/dagRuns/~/taskInstances/list: the task instances of any runs, filtered by the body
 * (an empty list, or a field left out, does not filter). v1 answers 404 for a DAG id it does not
 * have; v2 filters by it like any other field. Runs in creation order, their tasks by id.
 */
function listTaskInstancesBatch(c: Ctx, dagId: string, runId: string): unknown {
  // v1 has the route only as `/dags/~/dagRuns/~/taskInstances/list`
  if (!c.v.af3 && (dagId !== '~' || runId !== '~')) {
    throw new ApiError(
      404,
      'Not Found',
      'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
      true,
    );
  }
  const batch = c.v.af3 ? v2TiBatch(c) : v1TiBatch(c);
  if (!c.v.af3) {
    for (const id of batch.dagIds ?? []) if (!activeDag(c, id)) throw notFound('Not Found', `DAG with dag_id: ${id} was not found`);
  }
  const has = <T>(list: T[] | undefined, x: T): boolean => !list || list.length === 0 || list.includes(x);
  const within = (range: [number | null, number | null], x: number | null): boolean =>
    (range[0] === null || (x !== null && x >= range[0])) && (range[1] === null || (x !== null && x <= range[1]));
  const rows: Array<{ r: RunRec; tl: RunTimeline; i: number }> = [];
  for (const r of [...c.e.runs].sort((a, b) => a.seq - b.seq)) {
    // v2 takes the path's DAG and run (`~`: any) as filters too
    if ((dagId !== '~' && r.dagId !== dagId) || (runId !== '~' && r.runId !== runId)) continue;
    if (!has(batch.dagIds, r.dagId) || !has(batch.runIds, r.runId)) continue;
    if (!within(batch.logical, c.v.af3 ? r.logicalDate : (r.logicalDate ?? r.runAfter)) || !within(batch.runAfter, r.runAfter)) continue;
    const tl = c.cli.store.timeline(c.cli.rec.Name, c.e, r);
    const idx = r.tasks.map((_, i) => i).sort((a, b) => (r.tasks[a].id < r.tasks[b].id ? -1 : r.tasks[a].id > r.tasks[b].id ? 1 : 0));
    for (const i of idx) {
      if (!has(batch.taskIds, r.tasks[i].id)) continue;
      const t = tiTimes(c, r, tl, i);
      if (batch.states?.length && !batch.states.includes(t.st)) continue;
      if (!has(batch.pools, 'default_pool') || !has(batch.queues, 'default') || (batch.executors?.length ?? 0) > 0) continue;
      if (!within(batch.start, t.start) || !within(batch.end, t.end) || !within(batch.duration, t.duration)) continue;
      rows.push({ r, tl, i });
    }
  }
  const items = rows.slice(batch.offset, batch.offset + batch.limit);
  return { task_instances: items.map(({ r, tl, i }) => taskInstanceJson(c, r, tl, i)), total_entries: rows.length };
}

function variableJson(c: Ctx, x: { key: string; val: string; descr: string | null }): Record<string, unknown> {
  return c.v.af3
    ? { key: x.key, value: x.val, description: x.descr, is_encrypted: true }
    : { key: x.key, value: x.val, description: x.descr };
}

function variableNotFound(c: Ctx, key: string, deleting = false): Error {
  if (c.v.af3) return new ApiError(404, 'Not Found', `The Variable with key: \`${key}\` was not found`);
  return notFound('Variable not found', deleting ? null : 'Variable does not exist');
}

function listVariables(c: Ctx): unknown {
  // Airflow's default order is by id: the order in which the variables were created
  const p = page(c, [...c.e.vars]);
  return { variables: p.items.map((x) => variableJson(c, x)), total_entries: p.total };
}

function getVariable(c: Ctx, key: string): unknown {
  const x = c.e.vars.find((y) => y.key === key);
  if (!x) throw variableNotFound(c, key);
  return variableJson(c, x);
}

function postVariable(c: Ctx): { status: number; body: unknown } {
  if (c.v.af3) {
    const b = v2Body(c, ['key', 'value', 'description'], ['key', 'value']);
    if (typeof b.key !== 'string')
      throw new Unprocessable([{ type: 'string_type', loc: ['body', 'key'], msg: 'Input should be a valid string', input: b.key }]);
    if (b.key.length > 250)
      throw new Unprocessable([
        {
          type: 'string_too_long',
          loc: ['body', 'key'],
          msg: 'String should have at most 250 characters',
          input: b.key,
          ctx: { max_length: 250 },
        },
      ]);
    if (b.description !== undefined && b.description !== null && typeof b.description !== 'string')
      throw new Unprocessable([
        { type: 'string_type', loc: ['body', 'description'], msg: 'Input should be a valid string', input: b.description },
      ]);
    if (c.e.vars.some((x) => x.key === b.key)) throw new ApiError(409, 'Conflict', `The Variable with key: \`${b.key}\` already exists`);
    const val = typeof b.value === 'string' ? b.value : jsonDumps(toPy(b.value));
    const descr = (b.description as string | null | undefined) ?? null;
    c.cli.store.setVariable(c.cli.rec, b.key, val, descr);
    return { status: 201, body: variableJson(c, { key: b.key, val, descr }) };
  }
  if (!isObject(c.body)) throw badRequest(`{'_schema': ['Invalid input type.']}`, 'Invalid Variable schema');
  const b = c.body;
  const msgs: string[] = [];
  for (const f of ['key', 'value']) {
    if (!(f in b) || b[f] === null) msgs.push(`'${f}': ['${f in b ? 'Field may not be null.' : 'Missing data for required field.'}']`);
    else if (typeof b[f] !== 'string') msgs.push(`'${f}': ['Not a valid string.']`);
  }
  if ('description' in b && b.description !== null && typeof b.description !== 'string')
    msgs.push(`'description': ['Not a valid string.']`);
  if (msgs.length) throw badRequest(`{${msgs.join(', ')}}`, 'Invalid Variable schema');
  const descr = (b.description as string | null | undefined) ?? null;
  c.cli.store.setVariable(c.cli.rec, b.key as string, b.value as string, descr);
  return { status: 200, body: variableJson(c, { key: b.key as string, val: b.value as string, descr }) };
}

function deleteVariable(c: Ctx, key: string): { status: number; body?: unknown } {
  if (!c.e.vars.some((x) => x.key === key)) throw variableNotFound(c, key, true);
  c.cli.store.deleteVariable(c.cli.rec, key);
  return { status: 204 };
}

function listPools(c: Ctx): unknown {
  let running = 0;
  let queued = 0;
  for (const r of c.e.runs) {
    const tl = c.cli.store.timeline(c.cli.rec.Name, c.e, r);
    for (const t of r.tasks) {
      const st = tiStateAt(tl.tis.get(t.id), c.now);
      if (st === 'running') running++;
      else if (st === 'queued') queued++;
    }
  }
  const slots = 128;
  const pool = {
    name: 'default_pool',
    slots,
    occupied_slots: running + queued,
    running_slots: running,
    queued_slots: queued,
    scheduled_slots: 0,
    deferred_slots: 0,
    open_slots: slots - running - queued,
    description: 'Default pool',
    include_deferred: false,
  };
  const p = page(c, [pool]);
  return { pools: p.items, total_entries: p.total };
}

function health(c: Ctx): unknown {
  const beat = date(c, c.now - 2_000_000);
  return {
    metadatabase: { status: 'healthy' },
    scheduler: { status: 'healthy', latest_scheduler_heartbeat: beat },
    triggerer: { status: 'healthy', latest_triggerer_heartbeat: beat },
    dag_processor: c.v.af3
      ? { status: 'healthy', latest_dag_processor_heartbeat: beat }
      : { status: null, latest_dag_processor_heartbeat: null },
  };
}

// ---------------------------------------------------------------------------------------------- routing

type Answer = unknown | { status: number; body?: unknown; __answer: true };
type Endpoint = (c: Ctx, params: string[]) => Answer;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<string, Endpoint>>;
  /** only on v1 / only on v2 */
  only?: 1 | 2;
}

const answer = (x: { status: number; body?: unknown }): Answer => ({ ...x, __answer: true });

const ROUTES: Route[] = [
  { pattern: /^\/dags$/, methods: { GET: (c) => listDags(c) } },
  { pattern: /^\/dags\/([^/]+)$/, methods: { GET: (c, [id]) => getDag(c, id, false), PATCH: (c, [id]) => patchDag(c, id) } },
  { pattern: /^\/dags\/([^/]+)\/details$/, methods: { GET: (c, [id]) => getDag(c, id, true) } },
  { pattern: /^\/importErrors$/, methods: { GET: (c) => listImportErrors(c) } },
  { pattern: /^\/dags\/([^/]+)\/dagRuns$/, methods: { GET: (c, [id]) => listRuns(c, id), POST: (c, [id]) => answer(triggerRun(c, id)) } },
  { pattern: /^\/dags\/([^/]+)\/dagRuns\/([^/]+)$/, methods: { GET: (c, [id, run]) => getRun(c, id, run) } },
  { pattern: /^\/dags\/([^/]+)\/dagRuns\/([^/]+)\/taskInstances$/, methods: { GET: (c, [id, run]) => listTaskInstances(c, id, run) } },
  {
    pattern: /^\/dags\/([^/]+)\/dagRuns\/([^/]+)\/taskInstances\/list$/,
    methods: { POST: (c, [id, run]) => listTaskInstancesBatch(c, id, run) },
  },
  { pattern: /^\/variables$/, methods: { GET: (c) => listVariables(c), POST: (c) => answer(postVariable(c)) } },
  { pattern: /^\/variables\/(.+)$/, methods: { GET: (c, [k]) => getVariable(c, k), DELETE: (c, [k]) => answer(deleteVariable(c, k)) } },
  { pattern: /^\/pools$/, methods: { GET: (c) => listPools(c) } },
  { pattern: /^\/health$/, methods: { GET: (c) => health(c) }, only: 1 },
  { pattern: /^\/monitor\/health$/, methods: { GET: (c) => health(c) }, only: 2 },
  { pattern: /^\/version$/, methods: { GET: (c) => ({ version: c.v.raw, git_version: null }) } },
];

/** Web server statuses in which the Airflow REST API answers (the same as the CLI endpoint's). */
function serving(rec: EnvironmentRecord): boolean {
  return SERVING_STATUSES.has(String(rec.Status));
}

function splitPath(path: string): { path: string; query: Map<string, string[]> } {
  const q = path.indexOf('?');
  const out = new Map<string, string[]>();
  if (q < 0) return { path, query: out };
  for (const [k, x] of new URLSearchParams(path.slice(q + 1))) out.set(k, [...(out.get(k) ?? []), x]);
  return { path: path.slice(0, q), query: out };
}

function decodeParams(raw: string[]): string[] | undefined {
  try {
    return raw.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** The REST API of environment envName answering one call (see store.ts invokeRestApi). */
export function invokeRestApi(store: AirflowStoreImpl, envName: string, call: RestApiCall): RestApiAnswer {
  const world = store.world;
  const rec = world.mwaa.getEnvironment(envName);
  if (!rec) return { unavailable: `environment ${envName} is gone` };
  if (!serving(rec)) return { unavailable: `environment ${envName} is ${String(rec.Status)}` };
  const v = afVersion(String(rec.AirflowVersion ?? ''));
  const notFoundRoute: RestApiAnswer = v.af3
    ? { status: 404, body: { detail: 'Not Found' } }
    : {
        status: 404,
        body: v1Problem(
          v,
          new ApiError(
            404,
            'Not Found',
            'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
            true,
          ),
        ),
      };
  const split = splitPath(call.path.startsWith('/') ? call.path : `/${call.path}`);
  const raw = split.path.length > 1 ? split.path.replace(/\/+$/, '') : split.path;
  let route: Route | undefined;
  let params: string[] = [];
  for (const r of ROUTES) {
    if (r.only !== undefined && r.only !== (v.af3 ? 2 : 1)) continue;
    const m = r.pattern.exec(raw);
    if (!m) continue;
    const decoded = decodeParams(m.slice(1));
    if (!decoded) return notFoundRoute;
    // v2 takes variable keys as paths (`/variables/a/b` is key `a/b`); v1 routes stop at a `/`
    if (!v.af3 && r.pattern.source.includes('(.+)') && decoded.some((x) => x.includes('/'))) return notFoundRoute;
    route = r;
    params = decoded;
    break;
  }
  if (!route) return notFoundRoute;
  const endpoint = route.methods[call.method];
  if (!endpoint) {
    return v.af3
      ? { status: 405, body: { detail: 'Method Not Allowed' } }
      : {
          status: 405,
          body: v1Problem(v, new ApiError(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.', true)),
        };
  }
  const query = queryMap(call.query);
  for (const [k, xs] of split.query) query.set(k, [...(query.get(k) ?? []), ...xs]);
  const cli: CliContext = { world, store, rec, v };
  const bag = loadDagBag(world, rec, v);
  store.seeDags(rec, bag, v);
  const c: Ctx = { cli, v, e: store.env(rec), bag, now: store.nowUs(), query, body: call.body };
  try {
    const out = endpoint(c, params);
    if (isObject(out) && out.__answer === true) {
      const { __answer: _, ...rest } = out as { status: number; body?: unknown; __answer: true };
      return rest;
    }
    return { status: 200, body: out };
  } catch (e) {
    if (e instanceof Unprocessable) return { status: 422, body: { detail: e.errors } };
    if (e instanceof ApiError) return { status: e.status, body: v.af3 ? { detail: e.detail } : v1Problem(v, e) };
    throw e;
  }
}
