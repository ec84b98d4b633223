/**
 * StartLiveTail: a session that streams the log events ingested after it starts, as the service does,
 * over the wire format the AWS SDKs read for it: an HTTP/1.1 response with
 * `Content-Type: application/vnd.amazon.eventstream` whose (chunked) body is a sequence of event-stream
 * messages (prelude with lengths and CRC32, headers, JSON payload, message CRC32). The SDK for
 * JavaScript, boto3 and the AWS CLI send StartLiveTail over HTTP/1.1 like every other Logs call.
 *
 * Messages: an `initial-response` event (the output's members other than the stream: none), a
 * `sessionStart` event, then a `sessionUpdate` event every second with the events
 * ingested since the previous one (at most 500, `sampled: true` when more arrived, as the service
 * samples). After 3 hours of emulator clock the session ends with a `SessionTimeoutException`
 * exception message. The session also ends when the client disconnects or the emulator closes.
 */
import { randomUUID } from 'node:crypto';
import type { EmuResponse, World } from '../contract.js';
import type { Matcher } from './filter.js';
import type { EventRec, GroupRec, LogsStoreImpl, StreamRec } from './store.js';

export const LIVE_TAIL_UPDATE_MS = 1_000;
export const LIVE_TAIL_MAX_EVENTS = 500;
export const LIVE_TAIL_SESSION_MS = 3 * 3600_000;

// ---- event-stream framing (application/vnd.amazon.eventstream) ------------------------------------

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** One event-stream message with string headers (header value type 7). */
export function eventStreamMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(7, 1 + n.length);
    h.writeUInt16BE(v.length, 2 + n.length);
    v.copy(h, 4 + n.length);
    parts.push(h);
  }
  const headerBytes = Buffer.concat(parts);
  const total = 12 + headerBytes.length + payload.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(headerBytes.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  headerBytes.copy(out, 12);
  payload.copy(out, 12 + headerBytes.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}

function eventMessage(eventType: string, body: unknown): Buffer {
  return eventStreamMessage(
    { ':message-type': 'event', ':event-type': eventType, ':content-type': 'application/json' },
    Buffer.from(JSON.stringify(body), 'utf8'),
  );
}

function exceptionMessage(exceptionType: string, message: string): Buffer {
  return eventStreamMessage(
    { ':message-type': 'exception', ':exception-type': exceptionType, ':content-type': 'application/json' },
    Buffer.from(JSON.stringify({ message }), 'utf8'),
  );
}

// ---- the session --------------------------------------------------------------------------------

export interface LiveTailSession {
  store: LogsStoreImpl;
  world: World;
  /** the groups as the caller named them (ARNs) */
  groups: Array<{ identifier: string; name: string }>;
  logStreamNames?: string[];
  logStreamNamePrefixes?: string[];
  filterPattern?: string;
  matcher: Matcher;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

export function liveTailResponse(s: LiveTailSession): EmuResponse {
  const requestId = randomUUID();
  const sessionId = randomUUID();
  let seen = s.store.lastSeq();
  const startedAt = s.world.clock.now();
  const wantStream = (st: StreamRec): boolean => {
    if (s.logStreamNames) return s.logStreamNames.includes(st.name);
    if (s.logStreamNamePrefixes) return s.logStreamNamePrefixes.some((p) => st.name.startsWith(p));
    return true;
  };
  const collect = (): { results: unknown[]; sampled: boolean } => {
    const fresh: Array<{ e: EventRec; identifier: string }> = [];
    for (const { identifier, name } of s.groups) {
      const g: GroupRec | undefined = s.store.getGroup(name);
      if (!g) continue;
      for (const st of g.streams.values()) {
        if (st.lastSeq <= seen || !wantStream(st)) continue;
        for (const e of st.events.all()) if (e.seq > seen && s.matcher(e.msg)) fresh.push({ e, identifier });
      }
    }
    seen = s.store.lastSeq();
    fresh.sort((a, b) => a.e.seq - b.e.seq);
    const sampled = fresh.length > LIVE_TAIL_MAX_EVENTS;
    const kept = sampled
      ? fresh.filter((_, i) => i % Math.ceil(fresh.length / LIVE_TAIL_MAX_EVENTS) === 0).slice(0, LIVE_TAIL_MAX_EVENTS)
      : fresh;
    return {
      sampled,
      results: kept.map(({ e, identifier }) => ({
        logStreamName: e.stream.name,
        logGroupIdentifier: identifier,
        message: e.msg,
        timestamp: e.ts,
        ingestionTime: e.ing,
      })),
    };
  };
  return {
    status: 200,
    headers: { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': requestId },
    stream: async (write, signal) => {
      // JSON-protocol event streams open with the output's other members (none here); boto3 requires it
      write(eventMessage('initial-response', {}));
      write(
        eventMessage('sessionStart', {
          requestId,
          sessionId,
          logGroupIdentifiers: s.groups.map((g) => g.identifier),
          ...(s.logStreamNames ? { logStreamNames: s.logStreamNames } : {}),
          ...(s.logStreamNamePrefixes ? { logStreamNamePrefixes: s.logStreamNamePrefixes } : {}),
          ...(s.filterPattern !== undefined ? { logEventFilterPattern: s.filterPattern } : {}),
        }),
      );
      while (!signal.aborted) {
        await sleep(LIVE_TAIL_UPDATE_MS, signal);
        if (signal.aborted) return;
        // nobody else may be calling: let simulated runs write their task logs
        s.world.tick();
        if (s.world.clock.now() - startedAt >= LIVE_TAIL_SESSION_MS) {
          write(exceptionMessage('SessionTimeoutException', 'Session timed out after 3 hours.'));
          return;
        }
        const { results, sampled } = collect();
        write(eventMessage('sessionUpdate', { sessionMetadata: { sampled }, sessionResults: results }));
      }
    },
  };
}
