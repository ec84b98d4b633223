/**
 * The CloudWatch Logs port: the three read operations `mwaa logs` needs, in the service's own terms
 * (one page per call, the caller paginates). Implementations throw the typed errors of
 * src/core/errors.ts: `NotFoundError` with code `logs.group-not-found` / `logs.stream-not-found` when
 * a group or stream is missing, `AuthError` (exit 4) when access is denied, and a `FailedError` with
 * code `aws.throttled` when the service kept throttling after the SDK's own retries.
 *
 * The SDK-backed implementation is `cloudWatchLogs(client)` in src/aws/logs.ts; unit tests pass fakes.
 */

export interface LogEvent {
  logStreamName: string;
  /** milliseconds since the epoch */
  timestamp: number;
  message: string;
  /** unique per event in a log group (FilterLogEvents only) */
  eventId?: string;
  ingestionTime?: number;
}

export interface FilterInput {
  group: string;
  /** only streams whose name starts with this */
  streamPrefix?: string;
  /** only these streams (1–100); exclusive with streamPrefix */
  streamNames?: string[];
  /** inclusive, ms */
  startTime?: number;
  /** inclusive, ms */
  endTime?: number;
  filterPattern?: string;
  nextToken?: string;
  /** events per page (1–10,000) */
  limit?: number;
}

export interface FilterPage {
  events: LogEvent[];
  nextToken?: string;
}

export interface LogStreamInfo {
  logStreamName: string;
  creationTime?: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
}

export interface DescribeStreamsInput {
  group: string;
  prefix?: string;
  /** LogStreamName (default) or LastEventTime (not allowed with a prefix) */
  orderBy?: 'LogStreamName' | 'LastEventTime';
  descending?: boolean;
  nextToken?: string;
  /** 1–50 */
  limit?: number;
}

export interface StreamsPage {
  streams: LogStreamInfo[];
  nextToken?: string;
}

export interface GetEventsInput {
  group: string;
  stream: string;
  /** true: oldest first from startTime; false (default): the newest events */
  startFromHead?: boolean;
  startTime?: number;
  endTime?: number;
  nextToken?: string;
  limit?: number;
}

export interface GetEventsPage {
  events: Array<{ timestamp: number; message: string; ingestionTime?: number }>;
  nextForwardToken?: string;
  nextBackwardToken?: string;
}

export interface LogsPort {
  filterLogEvents(input: FilterInput, signal?: AbortSignal): Promise<FilterPage>;
  describeLogStreams(input: DescribeStreamsInput, signal?: AbortSignal): Promise<StreamsPage>;
  getLogEvents(input: GetEventsInput, signal?: AbortSignal): Promise<GetEventsPage>;
}

/** Every stream under a prefix, page by page (DescribeLogStreams ordered by name). */
export async function* listStreams(
  logs: LogsPort,
  group: string,
  prefix: string | undefined,
  signal?: AbortSignal,
): AsyncGenerator<LogStreamInfo> {
  let nextToken: string | undefined;
  do {
    const page = await logs.describeLogStreams({ group, prefix: prefix || undefined, nextToken, limit: 50 }, signal);
    for (const s of page.streams) yield s;
    // a token that does not move would loop forever
    nextToken = page.nextToken && page.nextToken !== nextToken ? page.nextToken : undefined;
  } while (nextToken);
}
