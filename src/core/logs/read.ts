/**
 * Reading log events, streamed: FilterLogEvents page by page, events handed to the output as they
 * arrive and never accumulated (per source, the page being written and the next one, asked for as soon
 * as the current one arrived, are all that is held), several sources merged in time order. `followLogs` polls from the last seen timestamp, de-duplicates by event id (forgetting ids
 * older than the overlap window as each page is handed on, so memory stays bounded), sees streams created after it started
 * (sources are stream prefixes, not stream lists), backs off when throttled, and returns normally when
 * the signal is aborted (Ctrl-C, SIGTERM, or the output closing).
 */
import type { Clock } from '../clock.js';
import { MwaaError } from '../errors.js';
import type { EventSink } from '../events.js';
import type { FilterPage, LogEvent, LogsPort } from './port.js';
import type { LogSource } from './query.js';
import { msg } from '../messages.js';

export interface LogOutput {
  /** one event, in time order, and the log group it comes from */
  write(event: LogEvent, group: string): void;
  /** called after each page: hand the text on; resolves when the consumer can take more */
  flush(): Promise<void> | void;
}

/**
 * Events per FilterLogEvents page. Over a network each page is a round trip (with 50 ms per request,
 * 100,000 events took 100 requests and about 1.5 times as long as with pages of 5,000), but with
 * bigger pages peak RSS grows between 10,000 and 100,000 events (×1.17 with 5,000, ×1.28 with 10,000,
 * ×1.04 with 1,000; the target is 10%): docs/logs.md, bench/RESULTS.md "Logs".
 */
const PAGE_SIZE = 1_000;

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
  /** events per FilterLogEvents page (default 1,000; the service allows up to 10,000) */
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
  /** following: the most event ids remembered at any time (the window plus about one page) */
  peakTrackedIds?: number;
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
      options.events?.(
        msg(
          'logs.throttled',
          { group: input.group, backoffMs: options.backoff.ms },
          `CloudWatch Logs is throttling FilterLogEvents on ${input.group}; retrying in ${Math.round(options.backoff.ms / 100) / 10}s`,
        ),
      );
      await options.clock.sleep(options.backoff.ms, options.signal);
    }
  }
}

interface Range {
  startTime?: number;
  endTime?: number;
  filterPattern?: string;
  pageSize: number;
}

interface Control {
  clock: Clock;
  signal?: AbortSignal;
  events?: EventSink;
  retries: number;
  maxBackoffMs: number;
  backoff: { ms: number };
}

/**
 * One source read page by page: `events[index]` is the current event. Only the current page is held;
 * events are handed on from it as they are (no copy per event).
 */
class Cursor {
  events: LogEvent[] = [];
  index = 0;
  private started = false;
  /** the next page, asked for as soon as the current one arrived (so the service works while we write) */
  private pending: Promise<FilterPage> | undefined;
  private pendingToken: string | undefined;

  constructor(
    private readonly logs: LogsPort,
    readonly source: LogSource,
    private readonly range: Range,
    private readonly ctl: Control,
    /** sees every event returned (before the stream predicate), e.g. to move the follow cursor */
    private readonly seen?: (e: LogEvent) => void,
  ) {}

  private request(nextToken: string | undefined): Promise<FilterPage> {
    return filterPage(
      this.logs,
      {
        group: this.source.group,
        ...(this.source.streamPrefix ? { streamPrefix: this.source.streamPrefix } : {}),
        ...(this.range.startTime !== undefined ? { startTime: this.range.startTime } : {}),
        ...(this.range.endTime !== undefined ? { endTime: this.range.endTime } : {}),
        ...(this.range.filterPattern ? { filterPattern: this.range.filterPattern } : {}),
        ...(nextToken ? { nextToken } : {}),
        limit: this.range.pageSize,
      },
      this.ctl,
    );
  }

  /** Makes sure there is a current event, fetching pages as needed; false when the source is exhausted. */
  async fill(): Promise<boolean> {
    while (this.index >= this.events.length) {
      if (aborted(this.ctl.signal)) return false;
      this.events = []; // the spent page can go before the next one arrives
      let page: FilterPage;
      let asked: string | undefined;
      if (this.pending) {
        const pending = this.pending;
        asked = this.pendingToken;
        this.pending = undefined;
        page = await pending;
      } else if (!this.started) {
        this.started = true;
        page = await this.request(undefined);
      } else {
        return false;
      }
      // a token that does not move would loop forever
      const next = page.nextToken && page.nextToken !== asked ? page.nextToken : undefined;
      if (next) {
        this.pendingToken = next;
        this.pending = this.request(next);
        this.pending.catch(() => {}); // awaited (and its error thrown) by the next fill, if any
      }
      let events = page.events;
      if (this.seen) for (const e of events) this.seen(e);
      const match = this.source.match;
      if (match) events = events.filter((e) => match(e.logStreamName));
      this.events = events;
      this.index = 0;
    }
    return true;
  }
}

/**
 * Opens the cursors of the sources (their first page). A source whose log group does not exist is
 * skipped when there are others (a debug event says so); when every one is missing the first error is
 * thrown.
 */
async function openCursors(cursors: Cursor[], events?: EventSink): Promise<Cursor[]> {
  const live: Cursor[] = [];
  let firstMissing: unknown;
  let missing = 0;
  for (const cursor of cursors) {
    try {
      if (await cursor.fill()) live.push(cursor);
    } catch (error) {
      if (cursors.length > 1 && MwaaError.is(error) && error.code === 'logs.group-not-found') {
        firstMissing ??= error;
        missing++;
        const group = cursor.source.group;
        events?.(msg('logs.group.missing', { group }, `log group ${group} does not exist; skipped`));
        continue;
      }
      throw error;
    }
  }
  if (missing === cursors.length && firstMissing) throw firstMissing;
  return live;
}

/** Events written so far, and the time of the last one. */
interface Counter {
  written: number;
  last?: number;
}

/**
 * Hands the events of the cursors to the output in time order (a k-way merge when there are several),
 * flushing the output whenever a page is spent. Returns how many events were written.
 */
async function pump(
  cursors: Cursor[],
  output: LogOutput,
  counter: Counter,
  options: { limit: number; signal?: AbortSignal; events?: EventSink; accept?: (e: LogEvent, group: string) => boolean },
): Promise<void> {
  let written = counter.written;
  const accept = options.accept;
  const heads = await openCursors(cursors, options.events);
  while (heads.length > 0 && written < options.limit && !aborted(options.signal)) {
    let at = 0;
    if (heads.length > 1) {
      let min = heads[0].events[heads[0].index].timestamp;
      for (let i = 1; i < heads.length; i++) {
        const t = heads[i].events[heads[i].index].timestamp;
        if (t < min) {
          min = t;
          at = i;
        }
      }
    }
    const head = heads[at];
    const group = head.source.group;
    if (heads.length === 1) {
      // one source: the whole page at once
      const page = head.events;
      let i = head.index;
      for (; i < page.length && written < options.limit; i++) {
        const e = page[i];
        if (accept && !accept(e, group)) continue;
        output.write(e, group);
        written++;
        counter.last = e.timestamp;
      }
      head.index = i;
      counter.written = written;
    } else {
      const e = head.events[head.index++];
      if (!accept || accept(e, group)) {
        output.write(e, group);
        counter.written = ++written;
        counter.last = e.timestamp;
      }
    }
    if (head.index >= head.events.length) {
      await output.flush();
      if (written >= options.limit) break;
      if (!(await head.fill())) heads.splice(at, 1);
    }
  }
  await output.flush();
}

/** Reads the events between two times (or until `limit`), writing each as it arrives. */
export async function readLogs(logs: LogsPort, sources: LogSource[], output: LogOutput, options: ReadOptions): Promise<ReadResult> {
  const ctl: Control = {
    clock: options.clock,
    signal: options.signal,
    events: options.events,
    retries: options.throttleRetries ?? 5,
    maxBackoffMs: 30_000,
    backoff: { ms: 0 },
  };
  const range: Range = {
    startTime: options.startTime,
    endTime: options.endTime,
    filterPattern: options.filterPattern,
    pageSize: options.pageSize ?? PAGE_SIZE,
  };
  const cursors = sources.map((s) => new Cursor(logs, s, range, ctl));
  const counter: Counter = { written: 0 };
  await pump(cursors, output, counter, { limit: options.limit ?? Infinity, signal: options.signal, events: options.events });
  return { events: counter.written, ...(counter.last !== undefined ? { lastTimestamp: counter.last } : {}) };
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
  let peak = 0;
  /** the newest event time seen by a poll that completed, or written (polls start from here minus the overlap) */
  let newest: number | undefined;
  /** the newest event time written so far: ids older than this minus the overlap cannot be returned again */
  let newestWritten: number | undefined;
  const counter: Counter = { written: 0 };
  const forgetBefore = (horizon: number, all: boolean) => {
    for (const [id, t] of written) {
      if (t < horizon) written.delete(id);
      else if (!all) break; // insertion order ~ time order: the rest is (mostly) inside the window
    }
  };
  // after each page is handed on, forget the ids that no poll can return again (memory stays bounded
  // within a poll too, e.g. the first one, which reads everything since --since)
  const sink: LogOutput = {
    write: (e, group) => output.write(e, group),
    flush: () => {
      if (newestWritten !== undefined) forgetBefore(newestWritten - overlapMs, false);
      return output.flush();
    },
  };

  const stop = () => aborted(options.signal) || counter.written >= limit;
  while (!stop()) {
    const startTime = newest === undefined ? options.startTime : Math.max(options.startTime ?? 0, newest - overlapMs);
    const range: Range = { startTime, filterPattern: options.filterPattern, pageSize: options.pageSize ?? PAGE_SIZE };
    // seen in this poll: committed to `newest` only when the poll completes, since events seen but not
    // yet written (and the pages not read) are lost if a throttle cuts the poll short
    let pollNewest: number | undefined;
    const see = (e: LogEvent) => {
      if (pollNewest === undefined || e.timestamp > pollNewest) pollNewest = e.timestamp;
    };
    const accept = (e: LogEvent, group: string) => {
      const id = e.eventId ?? `${group}\u0000${e.logStreamName}\u0000${e.timestamp}\u0000${e.message}`;
      if (written.has(id)) return false;
      written.set(id, e.timestamp);
      if (written.size > peak) peak = written.size;
      if (newestWritten === undefined || e.timestamp > newestWritten) newestWritten = e.timestamp;
      return true;
    };
    try {
      const cursors = sources.map((s) => new Cursor(logs, s, range, ctl, see));
      await pump(cursors, sink, counter, { limit, signal: options.signal, events: options.events, accept });
      backoff.ms = 0;
      if (pollNewest !== undefined && (newest === undefined || pollNewest > newest)) newest = pollNewest;
    } catch (error) {
      if (aborted(options.signal)) break;
      if (!isThrottle(error)) throw error;
      // carry on from what was written (events are written in time order across the sources, so the
      // next poll, from there minus the overlap, re-reads what this one missed; the ids skip the rest)
      if (newestWritten !== undefined && (newest === undefined || newestWritten > newest)) newest = newestWritten;
      backoff.ms = Math.min(maxBackoffMs, backoff.ms ? backoff.ms * 2 : Math.max(pollMs, 1000));
      options.events?.(
        msg(
          'logs.throttled',
          { backoffMs: backoff.ms },
          `CloudWatch Logs is throttling; polling again in ${Math.round(backoff.ms / 100) / 10}s`,
        ),
      );
    }
    // forget ids that the next poll cannot return again
    if (newest !== undefined) forgetBefore(newest - overlapMs, true);
    if (stop()) break;
    try {
      await options.clock.sleep(backoff.ms || pollMs, options.signal);
    } catch {
      break; // aborted while waiting
    }
  }
  return {
    events: counter.written,
    ...(counter.last !== undefined ? { lastTimestamp: counter.last } : {}),
    trackedIds: written.size,
    peakTrackedIds: peak,
  };
}
