/**
 * An in-memory LogsPort with CloudWatch Logs' paging semantics (FilterLogEvents by (time, sequence)
 * position with nextToken and eventIds, DescribeLogStreams by name, GetLogEvents from the head or the
 * tail), for unit tests of code that reads logs (here and in other areas, e.g. `trigger --wait`).
 * Not an emulator of the service: src/local is the oracle; this is a fake with the same shape.
 */
import { NotFoundError } from '../errors.js';
import type { LogEvent, LogsPort } from './port.js';

interface StoredEvent {
  timestamp: number;
  message: string;
  seq: number;
  stream: string;
}

interface StoredStream {
  name: string;
  creationTime: number;
  events: StoredEvent[];
}

export interface MemoryLogs extends LogsPort {
  /** appends events (creating the group and stream); timestamps in ms */
  put(group: string, stream: string, events: Array<{ timestamp: number; message: string }>, creationTime?: number): void;
  createGroup(group: string): void;
  /** every call of the port, in order (operation and group), for assertions about paging */
  readonly calls: Array<{ operation: string; group: string; input: unknown }>;
  /** makes the next `times` calls of an operation throw `error()` */
  failNext(operation: 'filterLogEvents' | 'describeLogStreams' | 'getLogEvents', times: number, error: () => Error): void;
}

export function memoryLogs(options: { pageSize?: number } = {}): MemoryLogs {
  const groups = new Map<string, Map<string, StoredStream>>();
  const calls: MemoryLogs['calls'] = [];
  const failures = new Map<string, { times: number; error: () => Error }>();
  let seq = 0;
  const pageSize = options.pageSize ?? 10_000;

  const group = (name: string) => {
    const g = groups.get(name);
    if (!g) throw new NotFoundError(`log group ${name} does not exist`, { code: 'logs.group-not-found', details: { group: name } });
    return g;
  };
  const enter = (operation: string, groupName: string, input: unknown) => {
    calls.push({ operation, group: groupName, input });
    const f = failures.get(operation);
    if (f && f.times > 0) {
      f.times--;
      throw f.error();
    }
  };

  return {
    calls,
    createGroup(name) {
      if (!groups.has(name)) groups.set(name, new Map());
    },
    put(groupName, stream, events, creationTime) {
      if (!groups.has(groupName)) groups.set(groupName, new Map());
      const g = groups.get(groupName)!;
      let s = g.get(stream);
      if (!s) {
        s = { name: stream, creationTime: creationTime ?? events[0]?.timestamp ?? 0, events: [] };
        g.set(stream, s);
      }
      for (const e of events) s.events.push({ timestamp: e.timestamp, message: e.message, seq: ++seq, stream });
      s.events.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
    },
    failNext(operation, times, error) {
      failures.set(operation, { times, error });
    },
    async filterLogEvents(input) {
      enter('filterLogEvents', input.group, input);
      const g = group(input.group);
      const streams = [...g.values()].filter((s) =>
        input.streamNames ? input.streamNames.includes(s.name) : input.streamPrefix ? s.name.startsWith(input.streamPrefix) : true,
      );
      const all = streams.flatMap((s) => s.events).sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
      let after: { t: number; s: number } | undefined;
      if (input.nextToken) {
        const [t, s] = input.nextToken.split(':').map(Number);
        after = { t, s };
      }
      const terms = (input.filterPattern ?? '').split(/\s+/).filter(Boolean);
      const limit = Math.min(input.limit ?? pageSize, pageSize);
      const out: LogEvent[] = [];
      let next: string | undefined;
      for (const e of all) {
        if (input.startTime !== undefined && e.timestamp < input.startTime) continue;
        if (input.endTime !== undefined && e.timestamp > input.endTime) continue;
        if (after && (e.timestamp < after.t || (e.timestamp === after.t && e.seq <= after.s))) continue;
        if (!terms.every((t) => e.message.includes(t))) continue;
        if (out.length >= limit) {
          const last = out[out.length - 1];
          next = `${last.timestamp}:${last.eventId!.split('-')[1]}`;
          break;
        }
        out.push({
          logStreamName: e.stream,
          timestamp: e.timestamp,
          message: e.message,
          eventId: `${e.timestamp}-${e.seq}`,
          ingestionTime: e.timestamp,
        });
      }
      return { events: out, ...(next ? { nextToken: next } : {}) };
    },
    async describeLogStreams(input) {
      enter('describeLogStreams', input.group, input);
      const g = group(input.group);
      const limit = input.limit ?? 50;
      let names = [...g.keys()].filter((n) => !input.prefix || n.startsWith(input.prefix)).sort();
      if (input.descending) names.reverse();
      const start = input.nextToken ? Number(input.nextToken) : 0;
      names = names.slice(start);
      const page = names.slice(0, limit).map((n) => {
        const s = g.get(n)!;
        return {
          logStreamName: n,
          creationTime: s.creationTime,
          ...(s.events.length
            ? { firstEventTimestamp: s.events[0].timestamp, lastEventTimestamp: s.events[s.events.length - 1].timestamp }
            : {}),
        };
      });
      return { streams: page, ...(names.length > limit ? { nextToken: String(start + limit) } : {}) };
    },
    async getLogEvents(input) {
      enter('getLogEvents', input.group, input);
      const g = group(input.group);
      const s = g.get(input.stream);
      if (!s)
        throw new NotFoundError(`log stream "${input.stream}" does not exist in log group ${input.group}`, {
          code: 'logs.stream-not-found',
        });
      const limit = input.limit ?? 10_000;
      const events = s.events.filter(
        (e) =>
          (input.startTime === undefined || e.timestamp >= input.startTime) && (input.endTime === undefined || e.timestamp < input.endTime),
      );
      const slice = input.startFromHead ? events.slice(0, limit) : events.slice(Math.max(0, events.length - limit));
      return { events: slice.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp })) };
    },
  };
}
