/**
 * The last lines of a task's log from CloudWatch Logs, for `trigger --wait` on failure.
 *
 * Addressing (reference/mwaa-api.md §5.1–§5.2, DESIGN §7): the Task log group comes from
 * GetEnvironment's LoggingConfiguration.TaskLogs.CloudWatchLogGroupArn (minus the trailing `:*`),
 * else `airflow-<Env>-Task`; a task's streams are
 * `dag_id=<d>/run_id=<r>/task_id=<t>/[map_index=<i>/]attempt=<n>.log` with `:` replaced by `_`.
 * The attempt number is not known from `tasks states-for-dag-run`, so the streams under the task's
 * prefix are listed and the highest attempt (the last try, the one that failed) is read.
 * `taskLogGroup`/`taskStreamPrefix` are the seam to swap for the logs area's shared addressing.
 */
import type { EnvironmentInfo } from '../../aws/mwaa.js';

export interface LogLine {
  timestamp: number;
  message: string;
}

/** What reading a task log needs from CloudWatch Logs. */
export interface TaskLogPort {
  /** stream names starting with prefix in the group */
  streams(group: string, prefix: string): Promise<string[]>;
  /** the last `limit` events of a stream, oldest first */
  tail(group: string, stream: string, limit: number): Promise<LogLine[]>;
}

export function logGroupFromArn(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const m = /:log-group:(.+?)(?::\*)?$/.exec(arn);
  return m ? m[1] : undefined;
}

export function taskLogGroup(env: Pick<EnvironmentInfo, 'Name' | 'LoggingConfiguration'>): { group: string; enabled: boolean } {
  const task = env.LoggingConfiguration?.TaskLogs;
  const group = logGroupFromArn(task?.CloudWatchLogGroupArn) ?? `airflow-${env.Name}-Task`;
  return { group, enabled: task?.Enabled !== false };
}

export function taskStreamPrefix(address: { dagId: string; runId: string; taskId: string; mapIndex?: number }): string {
  const map = address.mapIndex !== undefined && address.mapIndex >= 0 ? `map_index=${address.mapIndex}/` : '';
  return `dag_id=${address.dagId}/run_id=${address.runId}/task_id=${address.taskId}/${map}`.replace(/:/g, '_');
}

/** Airflow 3 task log events are structlog JSON; show them as text lines. */
export function formatLogMessage(message: string): string {
  const trimmed = message.trimEnd();
  if (!trimmed.startsWith('{')) return trimmed;
  try {
    const event = JSON.parse(trimmed) as Record<string, unknown>;
    if (typeof event.event !== 'string') return trimmed;
    const level = typeof event.level === 'string' ? ` ${event.level.toUpperCase()}` : '';
    const ts = typeof event.timestamp === 'string' ? `[${event.timestamp}]` : '';
    const logger = typeof event.logger === 'string' ? ` ${event.logger}` : '';
    return `${ts}${level}${logger} - ${event.event}`.trim();
  } catch {
    return trimmed;
  }
}

export interface TaskLogTail {
  taskId: string;
  mapIndex?: number;
  group: string;
  /** the stream read, when one was found */
  stream?: string;
  lines: string[];
  /** why there are no lines */
  note?: string;
}

function attemptOf(stream: string): number {
  const m = /attempt=(\d+)\.log$/.exec(stream);
  return m ? Number(m[1]) : -1;
}

export async function taskLogTail(
  port: TaskLogPort,
  env: Pick<EnvironmentInfo, 'Name' | 'LoggingConfiguration'>,
  address: { dagId: string; runId: string; taskId: string; mapIndex?: number },
  limit = 20,
): Promise<TaskLogTail> {
  const { group, enabled } = taskLogGroup(env);
  const base = { taskId: address.taskId, ...(address.mapIndex !== undefined ? { mapIndex: address.mapIndex } : {}), group };
  if (!enabled) return { ...base, lines: [], note: 'task logs are not sent to CloudWatch (LoggingConfiguration.TaskLogs is disabled)' };
  const prefix = taskStreamPrefix(address);
  let streams: string[];
  try {
    streams = await port.streams(group, prefix);
  } catch (error) {
    return { ...base, lines: [], note: `cannot list the log streams: ${(error as Error).message}` };
  }
  // the task's own attempts, not deferred-task (triggerer) streams or mapped children
  const own = streams.filter((s) => /^attempt=\d+\.log$/.test(s.slice(prefix.length)));
  if (own.length === 0) return { ...base, lines: [], note: `no log stream ${prefix}attempt=<n>.log in ${group} yet` };
  const stream = own.sort((a, b) => attemptOf(a) - attemptOf(b))[own.length - 1];
  try {
    const events = await port.tail(group, stream, limit);
    return { ...base, stream, lines: events.map((e) => formatLogMessage(e.message)) };
  } catch (error) {
    return { ...base, stream, lines: [], note: `cannot read the log: ${(error as Error).message}` };
  }
}
