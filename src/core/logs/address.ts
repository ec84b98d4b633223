/**
 * Where MWAA's logs are: log groups of the components, and the task log streams of a DAG / run /
 * task / try (README "Logs: `mwaa logs`").
 *
 * Exports:
 * - `LOG_GROUP_COMPONENTS`, `LogGroupComponent`: 'task' | 'scheduler' | 'worker' | 'webserver' |
 *   'dag-processing' (the five log groups of an environment).
 * - `resolveLogGroup(env, component, envName?)` → `{ component, group, arn?, enabled, level?, source }`:
 *   the group name from GetEnvironment's `LoggingConfiguration.<X>Logs.CloudWatchLogGroupArn` (the
 *   trailing `:*` removed), else `airflow-<Env>-<Suffix>`. `enabled` is `false` when the environment says
 *   the component's logging is off, `undefined` when it is unknown (no environment). `env` is any object
 *   with `Name` and `LoggingConfiguration` (an `EnvironmentInfo` from src/core/ports/mwaa.ts fits).
 * - `requireLogGroup(env, component, envName?)`: the same, but throws a NotFoundError (exit 3, code
 *   `logs.disabled`) saying how to enable the component when its logging is disabled.
 * - `logGroupNameFromArn(arn)`: `arn:aws:logs:…:log-group:NAME:*` → `NAME`.
 * - `taskStreamPrefix({ dagId, runId?, taskId?, mapIndex?, try? })`: the task log stream-name prefix,
 *   `dag_id=<d>/run_id=<r>/task_id=<t>/[map_index=<i>/]attempt=<n>.log`, cut after the last part given,
 *   with `:` replaced by `_` (so a run id may be given in either form). A try without a map index gives
 *   the unmapped stream `…/task_id=<t>/attempt=<n>.log`; use `taskStreamSelector` to also match mapped
 *   instances. Throws a UsageError when a part is given without the one before it.
 * - `taskStreamSelector(address)` → `{ prefix, match? }`: the longest usable prefix and, when the prefix
 *   cannot say everything (a try without a map index), a predicate on the stream name.
 * - `parseTaskStream(name)` → `{ dagId, runId, taskId, mapIndex?, try, trigger? }` or undefined.
 * - `tailTaskLog({ logs, group, dagId, runId, taskId, try?, mapIndex?, lines, signal? })` →
 *   `{ lines, stream?, try?, mapIndex? }`: the last `lines` lines of the task's log (the highest try
 *   when `try` is omitted; Airflow 3 JSON events rendered as text, multi-line messages split). `lines` is
 *   empty and `stream` undefined when the task has no log stream.
 */
import { NotFoundError, UsageError } from '../errors.js';
import { listStreams, type LogsPort } from './port.js';
import { eventText } from './structured.js';

export const LOG_GROUP_COMPONENTS = ['task', 'scheduler', 'worker', 'webserver', 'dag-processing'] as const;
export type LogGroupComponent = (typeof LOG_GROUP_COMPONENTS)[number];

type LoggingMember = 'TaskLogs' | 'SchedulerLogs' | 'WorkerLogs' | 'WebserverLogs' | 'DagProcessingLogs';

/** The API member, the group-name suffix and the mwaa.yaml `logging:` key of each component. */
export const COMPONENT_LOGGING: Record<LogGroupComponent, { member: LoggingMember; suffix: string; configKey: string }> = {
  task: { member: 'TaskLogs', suffix: 'Task', configKey: 'task' },
  scheduler: { member: 'SchedulerLogs', suffix: 'Scheduler', configKey: 'scheduler' },
  worker: { member: 'WorkerLogs', suffix: 'Worker', configKey: 'worker' },
  webserver: { member: 'WebserverLogs', suffix: 'WebServer', configKey: 'webserver' },
  'dag-processing': { member: 'DagProcessingLogs', suffix: 'DAGProcessing', configKey: 'dagProcessing' },
};

interface ModuleLogging {
  Enabled?: boolean;
  LogLevel?: string;
  CloudWatchLogGroupArn?: string;
}

/** What of GetEnvironment's Environment this module reads (an EnvironmentInfo is assignable). */
export interface LoggingSource {
  Name?: string;
  LoggingConfiguration?: Partial<Record<LoggingMember, ModuleLogging | undefined>>;
}

export interface ResolvedLogGroup {
  component: LogGroupComponent;
  /** log group name, usable as logGroupName */
  group: string;
  /** the group's ARN without the trailing `:*`, when the environment reported it */
  arn?: string;
  /** false: disabled in the environment; undefined: unknown (no environment information) */
  enabled: boolean | undefined;
  level?: string;
  /** where the name came from */
  source: 'environment' | 'default';
}

/** `arn:aws:logs:us-east-1:123:log-group:airflow-X-Task:*` → `airflow-X-Task` (undefined when not such an ARN). */
export function logGroupNameFromArn(arn: string): string | undefined {
  const trimmed = arn.trim().replace(/:\*$/, '');
  const marker = ':log-group:';
  const at = trimmed.indexOf(marker);
  if (at < 0) return undefined;
  const name = trimmed.slice(at + marker.length);
  return name === '' ? undefined : name;
}

export function resolveLogGroup(env: LoggingSource | undefined, component: LogGroupComponent, envName?: string): ResolvedLogGroup {
  const info = COMPONENT_LOGGING[component];
  const name = env?.Name ?? envName;
  if (!name) throw new UsageError('an environment name is needed to find its log groups');
  const module = env?.LoggingConfiguration?.[info.member];
  const fromArn = module?.CloudWatchLogGroupArn ? logGroupNameFromArn(module.CloudWatchLogGroupArn) : undefined;
  return {
    component,
    group: fromArn ?? `airflow-${name}-${info.suffix}`,
    ...(fromArn ? { arn: module!.CloudWatchLogGroupArn!.trim().replace(/:\*$/, '') } : {}),
    enabled: enabledState(env, module, fromArn),
    ...(module?.LogLevel ? { level: module.LogLevel } : {}),
    source: fromArn ? 'environment' : 'default',
  };
}

function enabledState(env: LoggingSource | undefined, module: ModuleLogging | undefined, fromArn: string | undefined): boolean | undefined {
  if (!env || !module) return undefined;
  if (module.Enabled !== undefined) return module.Enabled;
  return fromArn !== undefined ? true : undefined;
}

/** resolveLogGroup, failing with exit 3 and how to enable it when the component's logging is disabled. */
export function requireLogGroup(env: LoggingSource | undefined, component: LogGroupComponent, envName?: string): ResolvedLogGroup {
  const resolved = resolveLogGroup(env, component, envName);
  if (resolved.enabled === false) throw disabledError(env?.Name ?? envName ?? '', [component]);
  return resolved;
}

/** The error for components whose logging is disabled. */
export function disabledError(envName: string, components: LogGroupComponent[]): NotFoundError {
  const keys = components.map((c) => COMPONENT_LOGGING[c].configKey);
  const list = components.join(', ');
  const yaml = keys.map((k) => `${k}: INFO`).join(', ');
  return new NotFoundError(
    `${list} logging is disabled for environment "${envName}", so there are no ${components.length === 1 ? 'such logs' : 'logs for them'}`,
    {
      code: 'logs.disabled',
      hint: `enable it in mwaa.yaml (environment: logging: { ${yaml} }) and run \`mwaa env update\``,
      details: { components },
    },
  );
}

// ------------------------------------------------------------------------------------------------
// Task log streams
// ------------------------------------------------------------------------------------------------

export interface TaskAddress {
  dagId: string;
  runId?: string;
  taskId?: string;
  /** the attempt (Airflow's try_number, from 1) */
  try?: number;
  /** the map index of a mapped task instance (>= 0) */
  mapIndex?: number;
}

/** ":" is not allowed in stream names: the provider replaces it with "_". */
export function streamSafe(part: string): string {
  return part.replaceAll(':', '_');
}

function checkAddress(a: TaskAddress): void {
  if (!a.dagId) throw new UsageError('a DAG id is needed to address task logs');
  if (a.taskId !== undefined && a.runId === undefined) {
    throw new UsageError('a task can only be addressed within a run', { hint: 'give the run too (--run <run_id> or --run latest)' });
  }
  if ((a.try !== undefined || a.mapIndex !== undefined) && a.taskId === undefined) {
    throw new UsageError('a try or map index can only be given with a task', { hint: 'add --task <task_id>' });
  }
  if (a.try !== undefined && (!Number.isInteger(a.try) || a.try < 1))
    throw new UsageError(`invalid try "${a.try}": expected a number from 1`);
  if (a.mapIndex !== undefined && (!Number.isInteger(a.mapIndex) || a.mapIndex < 0)) {
    throw new UsageError(`invalid map index "${a.mapIndex}": expected a number from 0`);
  }
}

export function taskStreamPrefix(a: TaskAddress): string {
  checkAddress(a);
  let prefix = `dag_id=${streamSafe(a.dagId)}/`;
  if (a.runId === undefined) return prefix;
  prefix += `run_id=${streamSafe(a.runId)}/`;
  if (a.taskId === undefined) return prefix;
  prefix += `task_id=${streamSafe(a.taskId)}/`;
  if (a.mapIndex !== undefined) prefix += `map_index=${a.mapIndex}/`;
  if (a.try !== undefined) prefix += `attempt=${a.try}.log`;
  return prefix;
}

export interface StreamSelector {
  prefix: string;
  /** when set, only streams it accepts belong to the address */
  match?: (streamName: string) => boolean;
}

export function taskStreamSelector(a: TaskAddress): StreamSelector {
  if (a.try !== undefined && a.mapIndex === undefined) {
    // the task may be mapped: any map index, this attempt (and its trigger streams)
    const prefix = taskStreamPrefix({ ...a, try: undefined });
    const attempt = `attempt=${a.try}.log`;
    return {
      prefix,
      match: (name) => {
        const rest = name.slice(prefix.length);
        return rest.startsWith(attempt) || (/^map_index=\d+\//.test(rest) && rest.slice(rest.indexOf('/') + 1).startsWith(attempt));
      },
    };
  }
  return { prefix: taskStreamPrefix(a) };
}

export interface ParsedTaskStream {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex?: number;
  try: number;
  /** the triggerer's stream of a deferred task: `<task stream>.trigger.<id>.log` */
  trigger?: string;
}

const TASK_STREAM = /^dag_id=([^/]+)\/run_id=([^/]+)\/task_id=([^/]+)\/(?:map_index=(\d+)\/)?attempt=(\d+)\.log(?:\.trigger\.(\d+)\.log)?$/;

export function parseTaskStream(name: string): ParsedTaskStream | undefined {
  const m = TASK_STREAM.exec(name);
  if (!m) return undefined;
  return {
    dagId: m[1],
    runId: m[2],
    taskId: m[3],
    ...(m[4] !== undefined ? { mapIndex: Number(m[4]) } : {}),
    try: Number(m[5]),
    ...(m[6] !== undefined ? { trigger: m[6] } : {}),
  };
}

// ------------------------------------------------------------------------------------------------
// The tail of a task's log
// ------------------------------------------------------------------------------------------------

export interface TailTaskLogRequest {
  logs: LogsPort;
  /** the Task log group (resolveLogGroup(env, 'task').group) */
  group: string;
  dagId: string;
  runId: string;
  taskId: string;
  /** default: the highest try that has a stream */
  try?: number;
  /** default: any map index (the stream written last) */
  mapIndex?: number;
  /** how many lines (default 20) */
  lines?: number;
  signal?: AbortSignal;
}

export interface TaskLogTail {
  lines: string[];
  stream?: string;
  try?: number;
  mapIndex?: number;
}

export async function tailTaskLog(request: TailTaskLogRequest): Promise<TaskLogTail> {
  const wanted = Math.max(1, request.lines ?? 20);
  const prefix = taskStreamPrefix({ dagId: request.dagId, runId: request.runId, taskId: request.taskId });
  let best: { name: string; try: number; mapIndex?: number; last: number } | undefined;
  for await (const s of listStreams(request.logs, request.group, prefix, request.signal)) {
    const parsed = parseTaskStream(s.logStreamName);
    if (!parsed) continue;
    if (request.try !== undefined && parsed.try !== request.try) continue;
    if (request.mapIndex !== undefined && parsed.mapIndex !== request.mapIndex) continue;
    const last = s.lastEventTimestamp ?? s.creationTime ?? 0;
    if (!best || parsed.try > best.try || (parsed.try === best.try && last > best.last)) {
      best = { name: s.logStreamName, try: parsed.try, mapIndex: parsed.mapIndex, last };
    }
  }
  if (!best) return { lines: [] };
  const page = await request.logs.getLogEvents(
    { group: request.group, stream: best.name, startFromHead: false, limit: wanted },
    request.signal,
  );
  const lines: string[] = [];
  for (const e of page.events) {
    for (const line of eventText(e.message).split('\n')) lines.push(line);
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return {
    lines: lines.slice(-wanted),
    stream: best.name,
    try: best.try,
    ...(best.mapIndex !== undefined ? { mapIndex: best.mapIndex } : {}),
  };
}
