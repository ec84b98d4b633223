/**
 * pip failures in the `requirements_install_*` log streams: MWAA's images only
 * log a failed pip run and may still report the update as successful, so a deploy that changed
 * requirements.txt reads these streams after the update and treats an ERROR line as a failure.
 */
import type { EnvironmentInfo } from '../ports/mwaa.js';
import { MwaaError } from '../errors.js';
import type { LogsPort } from '../logs/port.js';

export interface PipFailure {
  group: string;
  stream: string;
  /** the first error line */
  error: string;
  /** the last lines of the stream */
  tail: string[];
}

const ERROR_LINE = /^(ERROR:|pip installation exited with a non-zero)/;

function groupName(arn: string | undefined, fallback: string): string {
  if (!arn) return fallback;
  const m = /:log-group:(.+?)(:\*)?$/.exec(arn);
  return m ? m[1] : fallback;
}

/** The log groups where requirements are installed (worker, scheduler). */
export function requirementsLogGroups(env: EnvironmentInfo): string[] {
  const name = env.Name ?? '';
  const lc = env.LoggingConfiguration;
  return [
    groupName(lc?.WorkerLogs?.CloudWatchLogGroupArn, `airflow-${name}-Worker`),
    groupName(lc?.SchedulerLogs?.CloudWatchLogGroupArn, `airflow-${name}-Scheduler`),
  ];
}

export async function findPipFailure(
  logs: LogsPort,
  env: EnvironmentInfo,
  sinceMs: number,
  signal?: AbortSignal,
): Promise<PipFailure | undefined> {
  for (const group of requirementsLogGroups(env)) {
    const byStream = new Map<string, string[]>();
    let nextToken: string | undefined;
    try {
      for (let page = 0; page < 20; page++) {
        const out = await logs.filterLogEvents(
          { group, streamPrefix: 'requirements_install', startTime: sinceMs, nextToken, limit: 1000 },
          signal,
        );
        for (const e of out.events) {
          const lines = byStream.get(e.logStreamName) ?? [];
          lines.push(...e.message.replace(/\n$/, '').split('\n'));
          byStream.set(e.logStreamName, lines);
        }
        if (!out.nextToken || out.nextToken === nextToken) break;
        nextToken = out.nextToken;
      }
    } catch (error) {
      if (MwaaError.is(error) && error.exitCode === 3) continue; // the group does not exist: logging is off
      throw error;
    }
    for (const [stream, lines] of [...byStream].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const error = lines.find((l) => ERROR_LINE.test(l.trim()));
      if (error) return { group, stream, error: error.trim(), tail: lines.slice(-15) };
    }
  }
  return undefined;
}
