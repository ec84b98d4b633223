/**
 * The last lines of a failed task's log from CloudWatch Logs, for `trigger --wait`.
 *
 * Addressing is the logs area's (src/core/logs/address.ts, README "Logs: `mwaa logs`"): the Task log group from
 * GetEnvironment's LoggingConfiguration.TaskLogs.CloudWatchLogGroupArn (minus `:*`), else
 * `airflow-<Env>-Task`; the task's streams `dag_id=<d>/run_id=<r>/task_id=<t>/[map_index=<i>/]attempt=<n>.log`
 * with `:` → `_`, of which the highest attempt (the last try, the one that failed) is read. This module
 * only adds what trigger needs: a result per task that says why there are no lines instead of failing
 * the command (the run's outcome matters more than its log).
 */
import { resolveLogGroup, tailTaskLog } from '../logs/address.js';
import type { LogsPort } from '../logs/port.js';

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

export async function failedTaskLogTail(
  logs: LogsPort,
  env: { Name?: string; LoggingConfiguration?: unknown },
  address: { dagId: string; runId: string; taskId: string; mapIndex?: number },
  options: { lines?: number; signal?: AbortSignal } = {},
): Promise<TaskLogTail> {
  const resolved = resolveLogGroup(env as Parameters<typeof resolveLogGroup>[0], 'task');
  const base = { taskId: address.taskId, ...(address.mapIndex !== undefined ? { mapIndex: address.mapIndex } : {}), group: resolved.group };
  if (resolved.enabled === false) {
    return { ...base, lines: [], note: 'task logs are not sent to CloudWatch (logging: task is disabled for this environment)' };
  }
  try {
    const tail = await tailTaskLog({
      logs,
      group: resolved.group,
      dagId: address.dagId,
      runId: address.runId,
      taskId: address.taskId,
      mapIndex: address.mapIndex,
      lines: options.lines ?? 20,
      signal: options.signal,
    });
    if (!tail.stream) return { ...base, lines: [], note: `no log stream for this task in ${resolved.group} yet` };
    return { ...base, stream: tail.stream, lines: tail.lines };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return { ...base, lines: [], note: `cannot read its log: ${(error as Error).message}` };
  }
}
