/**
 * Parsers for the Airflow CLI output the tool reads, by these rules:
 * the payload of a `-o json` command is the LAST stdout line that parses as a JSON array (Airflow
 * and MWAA log lines can precede it on stdout, and they too may start with `[`); every scalar is a
 * string (`"True"`, `"16"`) or null; dates come as `2024-11-05T10:00:00+00:00` (isoformat) or
 * `2024-11-05 10:00:00+00:00` (str); one-line commands (`dags state`) print on the last non-empty line.
 * Key names differ between Airflow 2.7/2.8, 2.9–2.11 and 3.x; each parser accepts
 * every form.
 */

export type Row = Record<string, unknown>;

/** The last stdout line that parses as a JSON array, or undefined. */
export function lastJsonArray(stdout: string): Row[] | undefined {
  const lines = stdout.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (!line.startsWith('[') || !line.endsWith(']')) continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (Array.isArray(value)) return value.filter((r): r is Row => typeof r === 'object' && r !== null && !Array.isArray(r));
    } catch {
      // an Airflow log line such as "[2024-11-05T10:00:00.123+0000] {dagbag.py:587} INFO - …"
    }
  }
  return undefined;
}

const LOG_LINE = /^\[\d{4}-\d{2}-\d{2}[T ][\d:.,]+(?:[+-]\d{2}:?\d{2}|Z)?\] /;

/** The last non-empty stdout line that is not an Airflow log line or an MWAA logging notice. */
export function lastLine(stdout: string): string | undefined {
  const lines = stdout.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line === '' || LOG_LINE.test(line) || /^CloudWatch logging is disabled for /.test(line)) continue;
    return line;
  }
  return undefined;
}

export function isTrue(value: unknown): boolean {
  return value === true || value === 'True' || value === 'true';
}

/** A string field; "", "None" and null are absent. */
export function str(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const s = String(value);
  return s === '' || s === 'None' ? undefined : s;
}

/** Milliseconds since the epoch of an Airflow date in either form, or undefined. */
export function airflowDate(value: unknown): number | undefined {
  const s = str(value);
  if (!s) return undefined;
  const iso = s.replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T');
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

export interface DagInfo {
  dagId: string;
  paused: boolean;
  owners: string[];
  fileloc?: string;
  schedule?: string;
  tags: string[];
  bundle?: string;
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value
      .map((v) => (typeof v === 'object' && v !== null ? str((v as Row).name) : str(v)))
      .filter((v): v is string => v !== undefined)
      .map((v) => v.trim());
  }
  const s = str(value);
  if (!s) return [];
  // a Python repr of a list ("['a', 'b']") or "a, b"
  return s
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((v) => v.trim().replace(/^['"]|['"]$/g, ''))
    .filter((v) => v !== '');
}

function schedule(row: Row): string | undefined {
  const si = row.schedule_interval;
  if (typeof si === 'object' && si !== null) {
    const value = str((si as Row).value);
    if (value) return value;
  } else if (str(si)) return str(si);
  return str(row.timetable_summary) ?? str(row.schedule) ?? str(row.timetable_description);
}

/** `dags list -o json` rows (2.7/2.8: dag_id, filepath, owner, paused; 2.9+: dag_id, fileloc, owners, is_paused, …). */
export function parseDagsList(rows: Row[]): DagInfo[] {
  return rows
    .filter((r) => str(r.dag_id) !== undefined)
    .map((r) => ({
      dagId: String(r.dag_id),
      paused: isTrue(r.is_paused ?? r.paused),
      owners: list(r.owners ?? r.owner),
      fileloc: str(r.fileloc ?? r.filepath),
      schedule: schedule(r),
      tags: list(r.tags),
      bundle: str(r.bundle_name),
    }));
}

export interface ImportError {
  filepath: string;
  error: string;
  bundle?: string;
}

export function parseImportErrors(rows: Row[]): ImportError[] {
  return rows.map((r) => ({
    filepath: String(r.filepath ?? r.fileloc ?? ''),
    error: String(r.error ?? r.stacktrace ?? ''),
    bundle: str(r.bundle_name),
  }));
}

export interface TriggeredRunInfo {
  dagId: string;
  runId: string;
  state: string;
  /** as Airflow printed it (2.x needs it to ask `dags state`) */
  logicalDate?: string;
}

/** `dags trigger -o json` (2.6+): one row; key `dag_run_id`. */
export function parseTrigger(rows: Row[]): TriggeredRunInfo | undefined {
  const row = rows.find((r) => str(r.dag_run_id ?? r.run_id) !== undefined);
  if (!row) return undefined;
  return {
    dagId: String(row.dag_id ?? ''),
    runId: String(row.dag_run_id ?? row.run_id),
    state: str(row.state) ?? 'queued',
    logicalDate: str(row.logical_date ?? row.execution_date),
  };
}

/**
 * `dags trigger` without `-o` (Airflow ≤ 2.5): `Created <DagRun my_dag @ 2024-11-05 10:00:00+00:00:
 * manual__2024-11-05T10:00:00+00:00, state:queued, …>`.
 */
export function parseCreatedLine(stdout: string, dagId: string): TriggeredRunInfo | undefined {
  const m = /Created <DagRun (\S+) @ (.+?): (\S+), state:(\w+)/.exec(stdout);
  if (!m) return undefined;
  return { dagId: m[1] || dagId, logicalDate: m[2], runId: m[3], state: m[4] };
}

export interface RunStateInfo {
  /** undefined when Airflow printed `None` (no such run) */
  state?: string;
  conf?: Record<string, unknown>;
}

/** `dags state` prints `running`, `failed, {"a": "b"}` (json.dumps of the conf) or `None`. */
export function parseDagState(stdout: string): RunStateInfo | undefined {
  const line = lastLine(stdout);
  if (line === undefined) return undefined;
  const m = /^([A-Za-z_]+)(?:, (\{.*\}))?$/.exec(line);
  if (!m) return undefined;
  const state = m[1] === 'None' ? undefined : m[1];
  let conf: Record<string, unknown> | undefined;
  if (m[2]) {
    try {
      conf = JSON.parse(m[2]) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return { state, conf };
}

export interface RunInfo {
  runId: string;
  state: string;
  logicalDate?: string;
  startDate?: number;
  endDate?: number;
}

/** `dags list-runs -o json` rows. */
export function parseListRuns(rows: Row[]): RunInfo[] {
  return rows
    .filter((r) => str(r.run_id) !== undefined)
    .map((r) => ({
      runId: String(r.run_id),
      state: str(r.state) ?? 'none',
      logicalDate: str(r.logical_date ?? r.execution_date),
      startDate: airflowDate(r.start_date),
      endDate: airflowDate(r.end_date),
    }));
}

export interface TaskInfo {
  taskId: string;
  /** Airflow's state, or "none" when it has none yet */
  state: string;
  mapIndex?: number;
  startDate?: number;
  endDate?: number;
}

/** `tasks states-for-dag-run -o json` rows (state null or "" before scheduling). */
export function parseTaskStates(rows: Row[]): TaskInfo[] {
  return rows
    .filter((r) => str(r.task_id) !== undefined)
    .map((r) => {
      const mi = str(r.map_index);
      const mapIndex = mi !== undefined && /^-?\d+$/.test(mi) && Number(mi) >= 0 ? Number(mi) : undefined;
      return {
        taskId: String(r.task_id),
        state: str(r.state) ?? 'none',
        ...(mapIndex !== undefined ? { mapIndex } : {}),
        startDate: airflowDate(r.start_date),
        endDate: airflowDate(r.end_date),
      };
    });
}
