/**
 * The LogsPort (src/core/logs/port.ts) over the AWS SDK's CloudWatchLogsClient. Errors are mapped to typed errors naming the call:
 * a missing group or stream → NotFoundError (`logs.group-not-found` / `logs.stream-not-found`, exit 3),
 * access denied → AuthError (exit 4), throttling after the SDK's retries → FailedError `aws.throttled`.
 *
 *   const logs = cloudWatchLogs(await (await ctx.aws()).logs());
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { mapAwsError } from './errors.js';
import { readEventsDirectly } from './logs-events.js';
import { MwaaError, NotFoundError } from '../core/errors.js';
import type { LogEvent, LogsPort } from '../core/logs/port.js';

function isAbort(error: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || (error as { name?: string } | undefined)?.name === 'AbortError';
}

function mapLogsError(error: unknown, what: string, group: string, stream?: string): unknown {
  if (MwaaError.is(error)) return error;
  const name = (error as { name?: string } | undefined)?.name;
  const message = String((error as { message?: string } | undefined)?.message ?? '');
  if (name === 'ResourceNotFoundException') {
    if (stream !== undefined && /stream/i.test(message)) {
      return new NotFoundError(`log stream "${stream}" does not exist in log group ${group}`, {
        code: 'logs.stream-not-found',
        cause: error,
      });
    }
    return new NotFoundError(`log group ${group} does not exist`, {
      code: 'logs.group-not-found',
      cause: error,
      hint: 'the environment has not written these logs yet, or its logging is configured differently (see `mwaa env show`)',
      details: { group },
    });
  }
  return mapAwsError(error, what);
}

export function cloudWatchLogs(client: CloudWatchLogsClient): LogsPort {
  const sdk = import('@aws-sdk/client-cloudwatch-logs');
  const call = async <T>(fn: () => Promise<T>, what: string, group: string, signal?: AbortSignal, stream?: string): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (isAbort(error, signal)) throw signal?.reason ?? error;
      throw mapLogsError(error, what, group, stream);
    }
  };
  return {
    async filterLogEvents(input, signal) {
      const { FilterLogEventsCommand } = await sdk;
      // events read with one JSON.parse (src/aws/logs-events.ts) instead of the SDK's per-field walk
      const command = readEventsDirectly(
        new FilterLogEventsCommand({
          logGroupName: input.group,
          ...(input.streamPrefix ? { logStreamNamePrefix: input.streamPrefix } : {}),
          ...(input.streamNames ? { logStreamNames: input.streamNames } : {}),
          ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
          ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
          ...(input.filterPattern ? { filterPattern: input.filterPattern } : {}),
          ...(input.nextToken ? { nextToken: input.nextToken } : {}),
          ...(input.limit ? { limit: input.limit } : {}),
        }),
      );
      const out = await call(() => client.send(command, { abortSignal: signal }), `FilterLogEvents ${input.group}`, input.group, signal);
      // The events have the port's shape (logStreamName, timestamp, message, eventId, ingestionTime):
      // passed on as they are, without a copy per event.
      const events = (out.events ?? []) as LogEvent[];
      return { events, ...(out.nextToken ? { nextToken: out.nextToken } : {}) };
    },
    async describeLogStreams(input, signal) {
      const { DescribeLogStreamsCommand } = await sdk;
      const out = await call(
        () =>
          client.send(
            new DescribeLogStreamsCommand({
              logGroupName: input.group,
              ...(input.prefix ? { logStreamNamePrefix: input.prefix } : {}),
              ...(input.orderBy ? { orderBy: input.orderBy } : {}),
              ...(input.descending !== undefined ? { descending: input.descending } : {}),
              ...(input.nextToken ? { nextToken: input.nextToken } : {}),
              ...(input.limit ? { limit: input.limit } : {}),
            }),
            { abortSignal: signal },
          ),
        `DescribeLogStreams ${input.group}`,
        input.group,
        signal,
      );
      return {
        streams: (out.logStreams ?? []).map((s) => ({
          logStreamName: s.logStreamName ?? '',
          ...(s.creationTime !== undefined ? { creationTime: s.creationTime } : {}),
          ...(s.firstEventTimestamp !== undefined ? { firstEventTimestamp: s.firstEventTimestamp } : {}),
          ...(s.lastEventTimestamp !== undefined ? { lastEventTimestamp: s.lastEventTimestamp } : {}),
        })),
        ...(out.nextToken ? { nextToken: out.nextToken } : {}),
      };
    },
    async getLogEvents(input, signal) {
      const { GetLogEventsCommand } = await sdk;
      const out = await call(
        () =>
          client.send(
            new GetLogEventsCommand({
              logGroupName: input.group,
              logStreamName: input.stream,
              ...(input.startFromHead !== undefined ? { startFromHead: input.startFromHead } : {}),
              ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
              ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
              ...(input.nextToken ? { nextToken: input.nextToken } : {}),
              ...(input.limit ? { limit: input.limit } : {}),
            }),
            { abortSignal: signal },
          ),
        `GetLogEvents ${input.group} ${input.stream}`,
        input.group,
        signal,
        input.stream,
      );
      return {
        events: (out.events ?? []).map((e) => ({
          timestamp: e.timestamp ?? 0,
          message: e.message ?? '',
          ...(e.ingestionTime !== undefined ? { ingestionTime: e.ingestionTime } : {}),
        })),
        ...(out.nextForwardToken ? { nextForwardToken: out.nextForwardToken } : {}),
        ...(out.nextBackwardToken ? { nextBackwardToken: out.nextBackwardToken } : {}),
      };
    },
  };
}
