/**
 * FilterLogEvents pages read straight from the response body. The SDK's schema-driven deserializer
 * walks every field of every event and builds each event object again (bench/logs.mjs, sampling heap
 * profiler: about 1.3 KB allocated per event, two thirds of all `mwaa logs` allocates); the success body
 * of this JSON 1.1 operation already is the output's shape (FilteredLogEvent: logStreamName, timestamp,
 * message, ingestionTime, eventId: strings and epoch-millisecond numbers, nothing to convert), so one
 * `JSON.parse` gives the events as they are. Unlike the SDK, members it does not know and null members
 * are kept as sent (CloudWatch Logs sends neither today).
 *
 * Two middlewares on one command: the inner one (deserialize step, after the SDK's deserializer) takes
 * the `events` array out of a successful body and hands the SDK a body without it, so the SDK still
 * builds the rest of the output (nextToken, searchedLogStreams, $metadata) and still turns every error
 * response into its typed exception (retries, throttling, ResourceNotFoundException stay the SDK's);
 * the outer one puts the events back into the output. A body that is not a JSON object with an
 * `events` array is handed to the SDK unchanged.
 */
import type { FilteredLogEvent, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { collectBody, type RawResponse } from './raw-body.js';

/** Makes `command` read its events with one JSON.parse. */
export function readEventsDirectly(command: FilterLogEventsCommand): FilterLogEventsCommand {
  let events: FilteredLogEvent[] | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      events = undefined;
      const result = await next(args);
      if (events) (result.output as { events?: FilteredLogEvent[] }).events = events;
      events = undefined;
      return result;
    },
    { step: 'initialize', name: 'mwaaEventsOut' },
  );
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as RawResponse;
      if (response && typeof response.statusCode === 'number' && response.statusCode >= 200 && response.statusCode < 300) {
        const body = await collectBody(response.body);
        if (body === undefined) return result;
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          parsed = undefined; // the SDK reports the malformed body its own way
        }
        if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { events?: unknown }).events)) {
          const { events: list, ...rest } = parsed as { events: FilteredLogEvent[] };
          events = list;
          response.body = Buffer.from(JSON.stringify(rest));
        } else {
          response.body = body;
        }
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'mwaaEventsIn' },
  );
  return command;
}
