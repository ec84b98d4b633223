/**
 * Reading log events, streamed: FilterLogEvents page by page, events handed to the output as they
 * arrive and never accumulated (at most one page per source is held), several sources merged in time
 * order. `followLogs` polls from the last seen timestamp, de-duplicates by event id (forgetting ids
 * older than the overlap window, so memory stays bounded), sees streams created after it started
 * (sources are stream prefixes, not stream lists), backs off when throttled, and returns normally when
 * the signal is aborted (Ctrl-C, SIGTERM, or the output closing).
 */
import type { Clock } from '../clock.js';
import { MwaaError } from '../errors.js';
import type { EventSink } from '../events.js';
import type { FilterPage, LogsPort } from './port.js';
import type { LogSource } from './query.js';
import type { SourcedEvent } from './render.js';

export interface LogOutput {
  /** one event, in time order */
  write(event: SourcedEvent): void;
  /** called after each page: hand the text on; resolves when the consumer can take more */
  flush(): Promise<void> | void;
}

export interface ReadOptions {
  /** inclusive, ms */
  startTime?: number;
  /** inclusive, ms */
  endTime?: number;
  filterPattern?: string;
  /** stop after this many events */
  limit?: number;
  signal?: AbortSignal;
  clock: Clock;
  events?: EventSink;
  /** events per FilterLogEvents page (default 10,000, the service's maximum) */
  pageSize?: number;
  /** how many times a throttled page is retried with back-off when reading (following retries forever) */
  throttleRetries?: number;
}

export interface FollowOptions extends Omit<ReadOptions, 'endTime'> {
  /** time between polls (default 2 s) */
  pollMs?: number;
  /** each poll starts this far before the newest event seen, to catch events that arrive late (default 5 s) */
  overlapMs?: number;
  /** longest back-off when throttled (default 30 s) */
  maxBackoffMs?: number;
}

export interface ReadResult {
  /** events written */
  events: number;
  /** the newest event time written (ms), if any */
  lastTimestamp?: number;
  /** following: how many event ids are remembered for de-duplication when it ended (bounded by the window) */
  trackedIds?: number;
}

export function isThrottle(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || name === 'LimitExceededException') return true;
  if (MwaaError.is(error) && error.code === 'aws.throttled') return true;
  return false;
}

function aborted(signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted);
}

/** One FilterLogEvents call, retried with exponential back-off while the service throttles. */
async function filterPage(
  logs: LogsPort,
  input: Parameters<LogsPort['filterLogEvents']>[0],
  options: { clock: Clock; signal?: AbortSignal; events?: EventSink; retries: number; maxBackoffMs: number; backoff: { ms: number } },
): Promise<FilterPage> {
  for (let attempt = 0; ; attempt++) {
    try {
      const page = await logs.filterLogEvents(input, options.signal);
      options.backoff.ms = 0;
      return page;
    } catch (error) {
      if (!isThrottle(error) || attempt >= options.retries || aborted(options.signal)) throw error;
      options.backoff.ms = Math.min(options.maxBackoffMs, options.backoff.ms ? options.backoff.ms * 2 : 1000);
      options.events?.({
        code: 'logs.throttled',
        level: 'warn',
        message: `CloudWatch Logs is throttling FilterLogEvents on ${input.group}; retrying in ${Math.round(options.backoff.ms / 100) / 10}s`,
        data: { group: input.group, backoffMs: options.backoff.ms },
      });
      await options.clock.sleep(options.backoff.ms, options.signal);
    }
  }
}

/** The pages of one source between two times, as an async iterator of events. */
async function* sourceEvents(
  logs: LogsPort,
  source: LogSource,
  range: { startTime?: number; endTime?: number; filterPattern?: string; pageSize: number },
  ctl: { clock: Clock; signal?: AbortSignal; events?: EventSink; retries: number; maxBackoffMs: number; backoff: { ms: number } },
  pageDone: () => Promise<void> | void,
  seen?: (e: { eventId?: string; timestamp: number }) => void,
): AsyncGenerator<SourcedEvent> {
  let nextToken: string | undefined;
  do {
    const page = await filterPage(
      logs,
      {
        group: source.group,
        ...(source.streamPrefix ? { streamPrefix: source.streamPrefix } : {}),
        ...(range.startTime !== undefined ? { startTime: range.startTime } : {}),
        ...(range.endTime !== undefined ? { endTime: range.endTime } : {}),
        ...(range.filterPattern ? { filterPattern: range.filterPattern } : {}),
        ...(nextToken ? { nextToken } : {}),
        limit: range.pageSize,
      },
      ctl,
    );
    for (const e of page.events) {
      seen?.(e);
      if (source.match && !source.match(e.logStreamName)) continue;
      yield {
        group: source.group,
        logStreamName: e.logStreamName,
        timestamp: e.timestamp,
        message: e.message,
        ...(e.eventId !== undefined ? { eventId: e.eventId } : {}),
      };
    }
    await pageDone();
    nextToken = page.nextToken && page.nextToken !== nextToken ? page.nextToken : undefined;
  } while (nextToken && !aborted(ctl.signal));
}

/**
 * The events of several sources merged by time. Each source holds at most one page. A source whose
 * log group does not exist is skipped when others remain (reported as a debug event); when every one
 * is missing the first error is thrown.
 */
async function* merged(
  sources: LogSource[],
  open: (source: LogSource) => AsyncGenerator<SourcedEvent>,
  events?: EventSink,
): AsyncGenerator<SourcedEvent> {
  const heads: Array<{ it: AsyncGenerator<SourcedEvent>; current: SourcedEvent }> = [];
  let firstMissing: unknown;
  let missing = 0;
  for (const source of sources) {
    const it = open(source);
    try {
      const r = await it.next();
      if (!r.done) heads.push({ it, current: r.value });
    } catch (error) {
      if (sources.length > 1 && MwaaError.is(error) && error.code === 'logs.group-not-found') {
        firstMissing ??= error;
        missing++;
        events?.({ code: 'logs.group.missing', level: 'debug', message: `log group ${source.group} does not exist; skipped`, data: { group: source.group } });
        continue;
      }
      throw error;
    }
  }
  if (missing === sources.length && firstMissing) throw firstMissing;
  if (heads.length === 1) {
    const only = heads[0];
    yield only.current;
    yield* only.it;
    return;
  }
  while (heads.length > 0) {
    let min = 0;
    for (let i = 1; i < heads.length; i++) if (heads[i].current.timestamp < heads[min].current.timestamp) min = i;
    const head = heads[min];
    yield head.current;
    const r = await head.it.next();
    if (r.done) heads.splice(min, 1);
    else head.current = r.value;
  }
}

/** Reads the events between two times (or until `limit`), writing each as it arrives. */
export async function readLogs(logs: LogsPort, sources: LogSource[], output: LogOutput, options: ReadOptions): Promise<ReadResult> {
  const ctl = {
    clock: options.clock,
    signal: options.signal,
    events: options.events,
    retries: options.throttleRetries ?? 5,
    maxBackoffMs: 30_000,
    backoff: { ms: 0 },
  };
  const range = { startTime: options.startTime, endTime: options.endTime, filterPattern: options.filterPattern, pageSize: options.pageSize ?? 10_000 };
  const single = sources.length === 1;
  // with one source the output is flushed after each page; merged sources flush every 1,000 events
  const stream = merged(sources, (s) => sourceEvents(logs, s, range, ctl, single ? () => output.flush() : () => {}), options.events);
  let count = 0;
  let last: number | undefined;
  const limit = options.limit ?? Infinity;
  for await (const e of stream) {
    if (count >= limit) break;
    if (aborted(options.signal)) break;
    output.write(e);
    count++;
    last = e.timestamp;
    if (!single && count % 1000 === 0) await output.flush();
  }
  await output.flush();
  return { events: count, ...(last !== undefined ? { lastTimestamp: last } : {}) };
}

/**
 * Follows the sources until the signal is aborted or `limit` events were written: polls FilterLogEvents
 * from the newest event seen (minus the overlap window), skipping events already written (by event id).
 */
export async function followLogs(logs: LogsPort, sources: LogSource[], output: LogOutput, options: FollowOptions): Promise<ReadResult> {
  const pollMs = options.pollMs ?? 2_000;
  const overlapMs = options.overlapMs ?? 5_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const limit = options.limit ?? Infinity;
  const backoff = { ms: 0 };
  const ctl = { clock: options.clock, signal: options.signal, events: options.events, retries: 0, maxBackoffMs, backoff };
  // event id -> timestamp of the events written within the overlap window (insertion order ~ time order)
  const written = new Map<string, number>();
  let newest: number | undefined;
  let count = 0;
  let last: number | undefined;
  const single = sources.length === 1;

  const stop = () => aborted(options.signal) || count >= limit;
  while (!stop()) {
    const startTime = newest === undefined ? options.startTime : Math.max(options.startTime ?? 0, newest - overlapMs);
    const range = { startTime, filterPattern: options.filterPattern, pageSize: options.pageSize ?? 10_000 };
    const see = (e: { timestamp: number }) => {
      if (newest === undefined || e.timestamp > newest) newest = e.timestamp;
    };
    try {
      const stream = merged(sources, (s) => sourceEvents(logs, s, range, ctl, single ? () => output.flush() : () => {}, see), options.events);
      for await (const e of stream) {
        if (stop()) break;
        const id = e.eventId ?? `${e.group}\u0000${e.logStreamName}\u0000${e.timestamp}\u0000${e.message}`;
        if (written.has(id)) continue;
        written.set(id, e.timestamp);
        output.write(e);
        count++;
        last = e.timestamp;
      }
      await output.flush();
      backoff.ms = 0;
    } catch (error) {
      if (aborted(options.signal)) break;
      if (!isThrottle(error)) throw error;
      backoff.ms = Math.min(maxBackoffMs, backoff.ms ? backoff.ms * 2 : Math.max(pollMs, 1000));
      options.events?.({
        code: 'logs.throttled',
        level: 'warn',
        message: `CloudWatch Logs is throttling; polling again in ${Math.round(backoff.ms / 100) / 10}s`,
        data: { backoffMs: backoff.ms },
      });
    }
    // forget ids that the next poll cannot return again
    if (newest !== undefined) {
      const horizon = newest - overlapMs;
      for (const [id, t] of written) if (t < horizon) written.delete(id);
    }
    if (stop()) break;
    try {
      await options.clock.sleep(backoff.ms || pollMs, options.signal);
    } catch {
      break; // aborted while waiting
    }
  }
  return { events: count, ...(last !== undefined ? { lastTimestamp: last } : {}), trackedIds: written.size };
}
