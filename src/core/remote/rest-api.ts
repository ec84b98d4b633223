/**
 * The Airflow REST API as InvokeRestApi reaches it, per Airflow version: MWAA serves API v1 on Airflow 2
 * and API v2 on Airflow 3, under the same relative paths. Everything that differs between the two
 * (request bodies, `execution_date` vs `logical_date`, the names of the fields read back) is here, as
 * pure functions; rest.ts does the calls.
 *
 * InvokeRestApi takes paths of at most 64 characters. A run's own path
 * (/dags/<dag>/dagRuns/<run id>/taskInstances) is usually longer (Airflow's run ids are like
 * manual__2024-11-05T10:00:00.123456+00:00), so a run is read from its DAG's run listing filtered by
 * its date, and its task instances from the batch endpoint (`/dags/~/dagRuns/~/taskInstances/list`),
 * unless the run's own path fits; the answers are then filtered by run id here.
 */
import type { RestMethod } from '../ports/mwaa.js';
import type { AirflowVersion } from './commands.js';
import {
  parseDagsList,
  parseTaskStates,
  str,
  type DagInfo,
  type ImportError,
  type Row,
  type TaskInfo,
  type TriggeredRunInfo,
} from './parse.js';

export const REST_PATH_MAX = 64;
/** page size for listings (Airflow's default maximum page is 100) */
export const PAGE_LIMIT = 100;

export interface RestCall {
  path: string;
  method: RestMethod;
  query?: Record<string, unknown>;
  body?: unknown;
}

export type ApiVersion = 'v1' | 'v2';

/** v2 on Airflow 3, v1 on Airflow 2 (and when the version is unknown). */
export function apiVersion(version: AirflowVersion | undefined): ApiVersion {
  return (version?.major ?? 2) >= 3 ? 'v2' : 'v1';
}

/** InvokeRestApi exists from Airflow 2.4.3 on (MWAA answers "update your environment" before). */
export function supportsInvokeRestApi(version: AirflowVersion | undefined): boolean {
  if (!version) return true;
  if (version.major !== 2) return version.major > 2;
  return version.minor > 4 || (version.minor === 4 && version.patch >= 3);
}

const seg = (value: string) => encodeURIComponent(value);

export function dagPath(dagId: string): string {
  return `/dags/${seg(dagId)}`;
}

/** A path InvokeRestApi accepts (1–64 characters). */
export function fits(path: string): boolean {
  return path.length >= 1 && path.length <= REST_PATH_MAX;
}

export function listDagsCall(offset: number): RestCall {
  return { path: '/dags', method: 'GET', query: { limit: PAGE_LIMIT, offset } };
}

export function importErrorsCall(offset: number, limit = PAGE_LIMIT): RestCall {
  return { path: '/importErrors', method: 'GET', query: { limit, offset } };
}

export function pauseCall(dagId: string, paused: boolean): RestCall {
  return { path: dagPath(dagId), method: 'PATCH', query: { update_mask: 'is_paused' }, body: { is_paused: paused } };
}

/**
 * POST /dags/<dag>/dagRuns. v1 (Airflow 2) takes no date: Airflow sets execution_date to now. v2 needs
 * `logical_date`, which may be null (a run without a logical date, as `airflow dags trigger` makes).
 */
export function triggerCall(v: ApiVersion, request: { dagId: string; conf?: Record<string, unknown>; runId?: string }): RestCall {
  const body: Record<string, unknown> = { conf: request.conf ?? {} };
  if (request.runId) body.dag_run_id = request.runId;
  if (v === 'v2') body.logical_date = null;
  return { path: `${dagPath(request.dagId)}/dagRuns`, method: 'POST', body };
}

export interface RestRun extends TriggeredRunInfo {
  /** v2: when the run may start (the date to find it by when it has no logical date) */
  runAfter?: string;
}

/** A dagRun object of either version. */
export function parseRun(row: Row, dagId = ''): RestRun | undefined {
  const runId = str(row.dag_run_id ?? row.run_id);
  if (!runId) return undefined;
  return {
    dagId: str(row.dag_id) ?? dagId,
    runId,
    state: str(row.state) ?? 'queued',
    logicalDate: str(row.logical_date ?? row.execution_date),
    runAfter: str(row.run_after),
  };
}

/**
 * How to read one run: its own path when that fits; else the DAG's run listing filtered by the run's
 * date (v1: execution_date; v2: logical_date, or run_after for a run without one); else, for a DAG id
 * too long even for that, the batch listing.
 */
export function runCall(v: ApiVersion, run: { dagId: string; runId: string; logicalDate?: string; runAfter?: string }): RestCall {
  const direct = `${dagPath(run.dagId)}/dagRuns/${seg(run.runId)}`;
  if (fits(direct)) return { path: direct, method: 'GET' };
  const filter: Record<string, unknown> = {};
  if (v === 'v1') {
    if (run.logicalDate) Object.assign(filter, { execution_date_gte: run.logicalDate, execution_date_lte: run.logicalDate });
  } else if (run.logicalDate) {
    Object.assign(filter, { logical_date_gte: run.logicalDate, logical_date_lte: run.logicalDate });
  } else if (run.runAfter) {
    Object.assign(filter, { run_after_gte: run.runAfter, run_after_lte: run.runAfter });
  }
  const listing = `${dagPath(run.dagId)}/dagRuns`;
  if (fits(listing)) return { path: listing, method: 'GET', query: { ...filter, limit: PAGE_LIMIT } };
  return { path: '/dags/~/dagRuns/list', method: 'POST', body: { dag_ids: [run.dagId], page_limit: PAGE_LIMIT, ...filter } };
}

/** The run out of runCall's answer (one dagRun, or a `dag_runs` listing). */
export function pickRun(answer: unknown, runId: string): RestRun | undefined {
  const record = (answer ?? {}) as Row;
  const rows = Array.isArray(record.dag_runs) ? (record.dag_runs as Row[]) : [record];
  for (const row of rows) {
    const run = parseRun(row);
    if (run && run.runId === runId) return run;
  }
  return undefined;
}

/** Task instances of one run: its own path when that fits, else the batch endpoint. */
export function taskInstancesCall(v: ApiVersion, run: { dagId: string; runId: string; logicalDate?: string }): RestCall {
  const direct = `${dagPath(run.dagId)}/dagRuns/${seg(run.runId)}/taskInstances`;
  if (fits(direct)) return { path: direct, method: 'GET', query: { limit: PAGE_LIMIT } };
  const body: Record<string, unknown> = { dag_ids: [run.dagId] };
  if (v === 'v2') {
    body.dag_run_ids = [run.runId];
    body.page_limit = PAGE_LIMIT;
  } else if (run.logicalDate) {
    Object.assign(body, { execution_date_gte: run.logicalDate, execution_date_lte: run.logicalDate });
  }
  return { path: '/dags/~/dagRuns/~/taskInstances/list', method: 'POST', body };
}

export function parseTaskInstances(answer: unknown, runId: string): TaskInfo[] {
  const rows = ((answer ?? {}) as Row).task_instances;
  if (!Array.isArray(rows)) return [];
  const mine = (rows as Row[]).filter((r) => str(r.dag_run_id ?? r.run_id) === undefined || str(r.dag_run_id ?? r.run_id) === runId);
  return parseTaskStates(mine);
}

/** A page of `dags` (v1 and v2 name them alike; parse.ts reads both field sets). */
export function parseDagsPage(answer: unknown): { dags: DagInfo[]; total: number } {
  const record = (answer ?? {}) as Row;
  const rows = Array.isArray(record.dags) ? (record.dags as Row[]) : [];
  return { dags: parseDagsList(rows), total: typeof record.total_entries === 'number' ? record.total_entries : rows.length };
}

/** A page of import errors: v1 and v2 both say `filename` and `stack_trace`; v2 adds `bundle_name`. */
export function parseImportErrorsPage(answer: unknown): { errors: ImportError[]; total: number } {
  const record = (answer ?? {}) as Row;
  const rows = Array.isArray(record.import_errors) ? (record.import_errors as Row[]) : [];
  return {
    errors: rows.map((r) => ({
      filepath: String(r.filename ?? r.filepath ?? ''),
      error: String(r.stack_trace ?? r.error ?? ''),
      ...(str(r.bundle_name) ? { bundle: str(r.bundle_name) } : {}),
    })),
    total: typeof record.total_entries === 'number' ? record.total_entries : rows.length,
  };
}

/** Airflow's problem detail (`title` and `detail` in v1, `detail` as text or a list in v2) as one line. */
export function problemDetail(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300);
  const record = (body ?? {}) as Row;
  const detail = record.detail;
  const text =
    typeof detail === 'string'
      ? detail
      : Array.isArray(detail)
        ? detail
            .map((d) => (typeof d === 'object' && d !== null ? str((d as Row).msg) : str(d)))
            .filter(Boolean)
            .join('; ')
        : detail !== undefined && detail !== null
          ? JSON.stringify(detail)
          : undefined;
  const title = str(record.title);
  const line = [title, text].filter(Boolean).join(': ') || JSON.stringify(body ?? null);
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
