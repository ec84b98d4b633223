/**
 * CloudWatch Logs over AWS JSON 1.1: POST /, `X-Amz-Target: Logs_20140328.<Operation>`, JSON body.
 * Errors: HTTP 400 (or the injected fault's status) with {"__type": code, "message": text} and the
 * x-amzn-ErrorType header.
 *
 * Order of checks for every request: Authorization header present (MissingAuthenticationTokenException),
 * known target (UnknownOperationException), JSON object body (SerializationException), injected fault
 * (world.faults.check('logs', operation, request fields)), parameter validation
 * (InvalidParameterException, with the service's "N validation errors detected: ..." wording), then the
 * operation itself.
 *
 * Pagination tokens:
 * - GetLogEvents: "f/<56 digits>/s" and "b/<56 digits>/s" (the real service's shape). The digits are a
 *   position between two events in (timestamp, sequence) order, so a token stays valid while events are
 *   added; a forward call that finds nothing returns the token it was given.
 * - FilterLogEvents / DescribeLogStreams / DescribeLogGroups: opaque base64url strings holding the
 *   position after the last item returned; items added behind that position are not returned again.
 */
import { randomUUID } from 'node:crypto';
import type { EmuRequest, EmuResponse, Handler, World } from '../contract.js';
import { answerWithFault } from '../faults.js';
import { FilterPatternError, compileFilterPattern } from './filter.js';
import type { Key } from './sorted.js';
import { after, cmpKey, lowerBoundStr, maxKey, minKey } from './sorted.js';
import { callerRegion } from '../scope.js';
import { liveTailResponse } from './livetail.js';
import { RegionalLogsStore } from './regional.js';
import { LogsStoreImpl } from './store.js';
import type { EventRec, GroupRec, StreamRec } from './store.js';

const TARGET_PREFIX = 'Logs_20140328.';
const MAX_RESPONSE_BYTES = 1_048_576;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
const DAY = 86_400_000;
/** FilterLogEvents examines at most this many events per call, then answers with a nextToken. */
const FILTER_SCAN_BUDGET = 200_000;
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export class LogsApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string) => new LogsApiError(400, 'InvalidParameterException', message);
const notFound = (what: 'group' | 'stream') =>
  new LogsApiError(400, 'ResourceNotFoundException', `The specified log ${what} does not exist.`);

// ------------------------------------------------------------------------------------------------
// Parameter validation
// ------------------------------------------------------------------------------------------------

type FieldType = 'string' | 'long' | 'int' | 'bool' | 'strings' | 'events' | 'map' | 'object';

interface Field {
  type: FieldType;
  required?: boolean;
  minLen?: number;
  maxLen?: number;
  pattern?: RegExp;
  patternText?: string;
  min?: number;
  max?: number;
  minItems?: number;
  maxItems?: number;
  enumValues?: readonly string[];
  /** for 'strings': constraints on each member */
  member?: Field;
  /** the validation message does not echo the value ("Value at 'x' ..."), as the service does for this field */
  hideValue?: boolean;
}

const GROUP_NAME: Field = { type: 'string', minLen: 1, maxLen: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, patternText: '[\\.\\-_/#A-Za-z0-9]+' };
const STREAM_NAME: Field = { type: 'string', minLen: 1, maxLen: 512, pattern: /^[^:*]*$/, patternText: '[^:*]*' };
const GROUP_ID_MEMBER: Field = { type: 'string', minLen: 1, maxLen: 2048, pattern: /^[\w#+=/:,.@-]*$/, patternText: '[\\w#+=/:,.@-]*' };
const GROUP_ID: Field = { ...GROUP_ID_MEMBER, hideValue: true };
const TOKEN: Field = { type: 'string', minLen: 1 };
const TIME: Field = { type: 'long', min: 0 };

type Spec = Record<string, Field>;

const SPECS: Record<string, Spec> = {
  CreateLogGroup: {
    logGroupName: { ...GROUP_NAME, required: true },
    kmsKeyId: { type: 'string', maxLen: 256 },
    tags: { type: 'map' },
    logGroupClass: { type: 'string', enumValues: ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'] },
    deletionProtectionEnabled: { type: 'bool' },
  },
  DeleteLogGroup: { logGroupName: { ...GROUP_NAME, required: true } },
  DescribeLogGroups: {
    accountIdentifiers: { type: 'strings', maxItems: 20 },
    logGroupNamePrefix: GROUP_NAME,
    logGroupNamePattern: { type: 'string', maxLen: 512, pattern: /^[.\-_/#A-Za-z0-9]*$/, patternText: '[\\.\\-_/#A-Za-z0-9]*' },
    nextToken: TOKEN,
    limit: { type: 'int', min: 1, max: 50 },
    includeLinkedAccounts: { type: 'bool' },
    logGroupClass: { type: 'string', enumValues: ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'] },
    logGroupIdentifiers: { type: 'strings', minItems: 1, maxItems: 50, member: GROUP_ID_MEMBER },
  },
  CreateLogStream: { logGroupName: { ...GROUP_NAME, required: true }, logStreamName: { ...STREAM_NAME, required: true } },
  DeleteLogStream: { logGroupName: { ...GROUP_NAME, required: true }, logStreamName: { ...STREAM_NAME, required: true } },
  DescribeLogStreams: {
    logGroupName: GROUP_NAME,
    logGroupIdentifier: GROUP_ID,
    logStreamNamePrefix: STREAM_NAME,
    orderBy: { type: 'string', enumValues: ['LogStreamName', 'LastEventTime'] },
    descending: { type: 'bool' },
    nextToken: TOKEN,
    limit: { type: 'int', min: 1, max: 50 },
  },
  PutLogEvents: {
    logGroupName: { ...GROUP_NAME, required: true },
    logStreamName: { ...STREAM_NAME, required: true },
    logEvents: { type: 'events', required: true, minItems: 1, maxItems: 10_000 },
    sequenceToken: TOKEN,
    entity: { type: 'object' },
  },
  GetLogEvents: {
    logGroupName: GROUP_NAME,
    logGroupIdentifier: GROUP_ID,
    logStreamName: { ...STREAM_NAME, required: true },
    startTime: TIME,
    endTime: TIME,
    nextToken: TOKEN,
    limit: { type: 'int', min: 1, max: 10_000 },
    startFromHead: { type: 'bool' },
    unmask: { type: 'bool' },
  },
  FilterLogEvents: {
    logGroupName: GROUP_NAME,
    logGroupIdentifier: GROUP_ID,
    logStreamNames: { type: 'strings', minItems: 1, maxItems: 100, member: STREAM_NAME },
    logStreamNamePrefix: STREAM_NAME,
    startTime: TIME,
    endTime: TIME,
    filterPattern: { type: 'string', maxLen: 1024 },
    nextToken: TOKEN,
    limit: { type: 'int', min: 1, max: 10_000 },
    startFromHead: { type: 'bool' },
    interleaved: { type: 'bool' },
    unmask: { type: 'bool' },
  },
  PutRetentionPolicy: {
    logGroupName: { ...GROUP_NAME, required: true },
    retentionInDays: { type: 'int', required: true },
  },
  DeleteRetentionPolicy: { logGroupName: { ...GROUP_NAME, required: true } },
  StartLiveTail: {
    logGroupIdentifiers: { type: 'strings', required: true, minItems: 1, maxItems: 10, member: GROUP_ID_MEMBER },
    logStreamNames: { type: 'strings', minItems: 1, maxItems: 100, member: STREAM_NAME },
    logStreamNamePrefixes: { type: 'strings', minItems: 1, maxItems: 5, member: STREAM_NAME },
    logEventFilterPattern: { type: 'string', maxLen: 1024 },
  },
};

function serialization(name: string, expected: string): LogsApiError {
  return new LogsApiError(400, 'SerializationException', `Unexpected value for '${name}': expected ${expected}`);
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

function checkString(name: string, v: string, f: Field, errors: string[]): void {
  const at = f.hideValue
    ? `Value at '${name}' failed to satisfy constraint: Member must`
    : `Value '${show(v)}' at '${name}' failed to satisfy constraint: Member must`;
  if (f.minLen !== undefined && v.length < f.minLen) errors.push(`${at} have length greater than or equal to ${f.minLen}`);
  if (f.maxLen !== undefined && v.length > f.maxLen) errors.push(`${at} have length less than or equal to ${f.maxLen}`);
  if (f.pattern && !f.pattern.test(v)) errors.push(`${at} satisfy regular expression pattern: ${f.patternText}`);
  if (f.enumValues && !f.enumValues.includes(v)) errors.push(`${at} satisfy enum value set: [${f.enumValues.join(', ')}]`);
}

function isLong(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 9.3e18;
}

function validate(body: Record<string, unknown>, spec: Spec): void {
  const errors: string[] = [];
  for (const [name, f] of Object.entries(spec)) {
    const v = body[name];
    if (v === undefined || v === null) {
      if (f.required) errors.push(`Value null at '${name}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    const at = `Value '${show(v)}' at '${name}' failed to satisfy constraint: Member must`;
    switch (f.type) {
      case 'string':
        if (typeof v !== 'string') throw serialization(name, 'a string');
        checkString(name, v, f, errors);
        break;
      case 'long':
      case 'int':
        if (!isLong(v) || (f.type === 'int' && Math.abs(v) > 2 ** 31)) throw serialization(name, 'an integer');
        if (f.min !== undefined && v < f.min) errors.push(`${at} have value greater than or equal to ${f.min}`);
        if (f.max !== undefined && v > f.max) errors.push(`${at} have value less than or equal to ${f.max}`);
        break;
      case 'bool':
        if (typeof v !== 'boolean') throw serialization(name, 'a boolean');
        break;
      case 'map':
      case 'object':
        if (typeof v !== 'object' || Array.isArray(v)) throw serialization(name, 'an object');
        if (f.type === 'map') {
          for (const x of Object.values(v as object)) if (typeof x !== 'string') throw serialization(name, 'a map of strings');
        }
        break;
      case 'strings':
      case 'events': {
        if (!Array.isArray(v)) throw serialization(name, 'a list');
        if (f.minItems !== undefined && v.length < f.minItems) errors.push(`${at} have length greater than or equal to ${f.minItems}`);
        if (f.maxItems !== undefined && v.length > f.maxItems) errors.push(`${at} have length less than or equal to ${f.maxItems}`);
        v.forEach((item, i) => {
          const path = `${name}.${i + 1}.member`;
          if (f.type === 'strings') {
            if (typeof item !== 'string') throw serialization(path, 'a string');
            if (f.member) checkString(path, item, f.member, errors);
            return;
          }
          if (typeof item !== 'object' || item === null || Array.isArray(item)) throw serialization(path, 'an object');
          const ev = item as Record<string, unknown>;
          if (ev.timestamp === undefined || ev.timestamp === null) {
            errors.push(`Value null at '${path}.timestamp' failed to satisfy constraint: Member must not be null`);
          } else if (!isLong(ev.timestamp)) {
            throw serialization(`${path}.timestamp`, 'an integer');
          } else if (ev.timestamp < 0) {
            errors.push(
              `Value '${ev.timestamp}' at '${path}.timestamp' failed to satisfy constraint: Member must have value greater than or equal to 0`,
            );
          }
          if (ev.message === undefined || ev.message === null) {
            errors.push(`Value null at '${path}.message' failed to satisfy constraint: Member must not be null`);
          } else if (typeof ev.message !== 'string') {
            throw serialization(`${path}.message`, 'a string');
          } else if (ev.message.length < 1) {
            errors.push(`Value '' at '${path}.message' failed to satisfy constraint: Member must have length greater than or equal to 1`);
          }
        });
        break;
      }
    }
  }
  if (errors.length > 0) {
    const shown = errors.slice(0, 10);
    throw bad(`${errors.length} validation error${errors.length === 1 ? '' : 's'} detected: ${shown.join('; ')}`);
  }
}

// ------------------------------------------------------------------------------------------------
// Tokens and ids
// ------------------------------------------------------------------------------------------------

const MAX_TS = Number.MAX_SAFE_INTEGER;
const clampTs = (t: number): number => Math.min(Math.max(t, 0), MAX_TS);

function digits(k: Key): string {
  return String(k.ts).padStart(20, '0') + String(k.seq).padStart(36, '0');
}

export function eventId(e: EventRec): string {
  return digits(e);
}

function getToken(dir: 'f' | 'b', k: Key): string {
  return `${dir}/${digits(k)}/s`;
}

function parseGetToken(token: string): { dir: 'f' | 'b'; gap: Key } {
  const m = /^([fb])\/(\d{20})(\d{36})\/s$/.exec(token);
  if (!m) throw bad('The specified nextToken is invalid.');
  const ts = Number(m[2]);
  const seq = Number(m[3]);
  if (!Number.isSafeInteger(ts) || !Number.isSafeInteger(seq)) throw bad('The specified nextToken is invalid.');
  return { dir: m[1] as 'f' | 'b', gap: { ts, seq } };
}

function opaque(o: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');
}

function unopaque(token: string): Record<string, unknown> {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof o === 'object' && o !== null && !Array.isArray(o)) return o as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw bad('The specified nextToken is invalid.');
}

function sequenceToken(seq: number): string {
  return String(seq).padStart(56, '0');
}

// ------------------------------------------------------------------------------------------------
// Request plumbing
// ------------------------------------------------------------------------------------------------

type Body = Record<string, unknown>;
type Op = (store: LogsStoreImpl, body: Body, world: World) => unknown;

/** What an operation returns when it answers with its own response (a stream) rather than a JSON body. */
class OwnResponse {
  constructor(readonly response: EmuResponse) {}
}

function json(status: number, body: unknown, extra: Record<string, string> = {}): EmuResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), ...extra },
    body: JSON.stringify(body),
  };
}

function errorResponse(status: number, code: string, message: string): EmuResponse {
  return json(status, { __type: code, message }, { 'x-amzn-errortype': code });
}

function region(world: World): string {
  return world.region || 'us-east-1';
}

function account(world: World): string {
  return world.accountId || '123456789012';
}

function groupArn(world: World, name: string): string {
  return `arn:aws:logs:${region(world)}:${account(world)}:log-group:${name}`;
}

/** The log group name from logGroupName or logGroupIdentifier (a name or an ARN). */
function groupNameOf(body: Body, world: World, required: boolean): string | undefined {
  const name = body.logGroupName as string | undefined;
  const id = body.logGroupIdentifier as string | undefined;
  if (name !== undefined && name !== null && id !== undefined && id !== null) {
    throw bad('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (name !== undefined && name !== null) return name;
  if (id === undefined || id === null) {
    if (required) throw bad('Either logGroupName or logGroupIdentifier must be specified.');
    return undefined;
  }
  return nameFromIdentifier(id, world);
}

function nameFromIdentifier(id: string, world: World): string {
  if (!id.startsWith('arn:')) return id;
  const m = /^arn:aws[a-z-]*:logs:([^:]*):([^:]*):log-group:([^:*]+)(?::\*)?$/.exec(id);
  if (!m)
    throw bad(
      "1 validation error detected: Value at 'logGroupIdentifier' failed to satisfy constraint: Member must be a log group name or a log group ARN",
    );
  if (m[1] !== region(world) || m[2] !== account(world)) throw notFound('group');
  return m[3];
}

function requireGroup(store: LogsStoreImpl, name: string): GroupRec {
  const g = store.getGroup(name);
  if (!g) throw notFound('group');
  return g;
}

function requireStream(g: GroupRec, name: string): StreamRec {
  const s = g.streams.get(name);
  if (!s) throw notFound('stream');
  return s;
}

// ------------------------------------------------------------------------------------------------
// Operations
// ------------------------------------------------------------------------------------------------

const OPS: Record<string, Op> = {
  StartLiveTail(store, body, world) {
    const ids = body.logGroupIdentifiers as string[];
    const names = body.logStreamNames as string[] | undefined;
    const prefixes = body.logStreamNamePrefixes as string[] | undefined;
    if (names !== undefined && prefixes !== undefined)
      throw bad('logStreamNames and logStreamNamePrefixes are mutually exclusive parameters.');
    if ((names !== undefined || prefixes !== undefined) && ids.length !== 1) {
      throw bad('When logStreamNames or logStreamNamePrefixes is specified, logGroupIdentifiers must contain exactly one log group.');
    }
    const groups = ids.map((identifier) => {
      if (!identifier.startsWith('arn:') || identifier.endsWith('*')) {
        throw bad(
          "1 validation error detected: Value at 'logGroupIdentifiers' failed to satisfy constraint: Member must be a log group ARN without a trailing '*'",
        );
      }
      const name = nameFromIdentifier(identifier, world);
      requireGroup(store, name);
      return { identifier, name };
    });
    let matcher: (m: string) => boolean;
    try {
      matcher = compileFilterPattern(body.logEventFilterPattern as string | undefined);
    } catch (e) {
      if (e instanceof FilterPatternError) throw bad(e.message);
      throw e;
    }
    return new OwnResponse(
      liveTailResponse({
        store,
        world,
        groups,
        ...(names ? { logStreamNames: names } : {}),
        ...(prefixes ? { logStreamNamePrefixes: prefixes } : {}),
        ...(body.logEventFilterPattern !== undefined ? { filterPattern: body.logEventFilterPattern as string } : {}),
        matcher,
      }),
    );
  },

  CreateLogGroup(store, body) {
    const options = { kmsKeyId: body.kmsKeyId as string | undefined, logGroupClass: body.logGroupClass as string | undefined };
    if (!store.createGroup(body.logGroupName as string, options)) {
      throw new LogsApiError(400, 'ResourceAlreadyExistsException', 'The specified log group already exists');
    }
    return {};
  },

  DeleteLogGroup(store, body) {
    if (!store.removeGroup(body.logGroupName as string)) throw notFound('group');
    return {};
  },

  DescribeLogGroups(store, body, world) {
    const prefix = body.logGroupNamePrefix as string | undefined;
    const pattern = body.logGroupNamePattern as string | undefined;
    if (prefix !== undefined && pattern !== undefined) {
      throw bad('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
    }
    const ids = body.logGroupIdentifiers as string[] | undefined;
    if (ids !== undefined && (prefix !== undefined || pattern !== undefined)) {
      throw bad('logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.');
    }
    const wanted = ids ? new Set(ids.map((id) => nameFromIdentifierLenient(id, world))) : undefined;
    const limit = (body.limit as number | undefined) ?? 50;
    const names = store.sortedGroupNames();
    let i = lowerBoundStr(names, prefix ?? '');
    if (body.nextToken !== undefined) {
      const last = unopaque(body.nextToken as string).n;
      if (typeof last !== 'string') throw bad('The specified nextToken is invalid.');
      i = Math.max(i, upperBoundStr(names, last));
    }
    const lowerPattern = pattern?.toLowerCase();
    const out: unknown[] = [];
    let lastName: string | undefined;
    let more = false;
    for (; i < names.length; i++) {
      const n = names[i];
      if (prefix !== undefined && !n.startsWith(prefix)) break;
      if (lowerPattern !== undefined && !n.toLowerCase().includes(lowerPattern)) continue;
      if (wanted && !wanted.has(n)) continue;
      if (out.length >= limit) {
        more = true;
        break;
      }
      const g = store.getGroup(n)!;
      const arn = groupArn(world, n);
      out.push({
        logGroupName: n,
        creationTime: g.created,
        ...(g.retentionDays !== undefined ? { retentionInDays: g.retentionDays } : {}),
        metricFilterCount: 0,
        arn: `${arn}:*`,
        storedBytes: g.bytes,
        ...(g.kmsKeyId !== undefined ? { kmsKeyId: g.kmsKeyId } : {}),
        logGroupClass: g.logGroupClass ?? 'STANDARD',
        logGroupArn: arn,
      });
      lastName = n;
    }
    return { logGroups: out, ...(more && lastName !== undefined ? { nextToken: opaque({ n: lastName }) } : {}) };
  },

  CreateLogStream(store, body) {
    const r = store.createStream(body.logGroupName as string, body.logStreamName as string);
    if (r === 'noGroup') throw notFound('group');
    if (r === 'exists') throw new LogsApiError(400, 'ResourceAlreadyExistsException', 'The specified log stream already exists');
    return {};
  },

  DeleteLogStream(store, body) {
    const r = store.removeStream(body.logGroupName as string, body.logStreamName as string);
    if (r === 'noGroup') throw notFound('group');
    if (r === 'noStream') throw notFound('stream');
    return {};
  },

  DescribeLogStreams(store, body, world) {
    const g = requireGroup(store, groupNameOf(body, world, true)!);
    const prefix = body.logStreamNamePrefix as string | undefined;
    const orderBy = (body.orderBy as string | undefined) ?? 'LogStreamName';
    const descending = body.descending === true;
    const limit = (body.limit as number | undefined) ?? 50;
    if (orderBy === 'LastEventTime' && prefix !== undefined) {
      throw bad('Cannot order by LastEventTime with a logStreamNamePrefix.');
    }
    const token = body.nextToken !== undefined ? unopaque(body.nextToken as string) : undefined;
    const page: StreamRec[] = [];
    let more = false;
    if (orderBy === 'LogStreamName') {
      const names = g.streamNames;
      let lo = 0;
      let hi = names.length;
      if (prefix !== undefined) {
        lo = lowerBoundStr(names, prefix);
        hi = firstFalse(names, lo, (n) => n.startsWith(prefix));
      }
      if (token) {
        if (typeof token.n !== 'string') throw bad('The specified nextToken is invalid.');
        if (descending) hi = Math.min(hi, lowerBoundStr(names, token.n));
        else lo = Math.max(lo, upperBoundStr(names, token.n));
      }
      const count = Math.max(0, hi - lo);
      more = count > limit;
      const take = Math.min(count, limit);
      for (let k = 0; k < take; k++) page.push(g.streams.get(names[descending ? hi - 1 - k : lo + k])!);
    } else {
      const rank = (s: StreamRec) => s.events.last()?.ts ?? -1;
      const all = [...g.streams.values()].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (descending) all.reverse();
      let start = 0;
      if (token) {
        if (typeof token.t !== 'number' || typeof token.n !== 'string') throw bad('The specified nextToken is invalid.');
        const t = token.t;
        const n = token.n;
        const isAfter = (s: StreamRec) => {
          const c = rank(s) - t || (s.name < n ? -1 : s.name > n ? 1 : 0);
          return descending ? c < 0 : c > 0;
        };
        start = all.findIndex(isAfter);
        if (start < 0) start = all.length;
      }
      const slice = all.slice(start, start + limit);
      page.push(...slice);
      more = start + limit < all.length;
    }
    const last = page[page.length - 1];
    const nextToken =
      more && last ? opaque(orderBy === 'LogStreamName' ? { n: last.name } : { t: last.events.last()?.ts ?? -1, n: last.name }) : undefined;
    const arn = groupArn(world, g.name);
    return {
      logStreams: page.map((s) => streamView(s, arn)),
      ...(nextToken ? { nextToken } : {}),
    };
  },

  PutLogEvents(store, body) {
    const g = requireGroup(store, body.logGroupName as string);
    const s = requireStream(g, body.logStreamName as string);
    const events = body.logEvents as Array<{ timestamp: number; message: string }>;
    let bytes = 0;
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && events[i].timestamp < events[i - 1].timestamp) {
        throw bad('Log events in a single PutLogEvents request must be in chronological order.');
      }
      bytes += Buffer.byteLength(events[i].message, 'utf8') + EVENT_OVERHEAD;
    }
    if (bytes > MAX_BATCH_BYTES) throw bad(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
    if (events[events.length - 1].timestamp - events[0].timestamp > DAY) {
      throw bad('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    const now = store.now();
    // events are sorted: the too-old / expired ones form a prefix, the too-new ones a suffix
    const tooOldBefore = now - 14 * DAY;
    const expiredBefore = g.retentionDays !== undefined ? now - g.retentionDays * DAY : -Infinity;
    const tooNewAfter = now + 2 * 3_600_000;
    let tooOldEnd = 0;
    while (tooOldEnd < events.length && events[tooOldEnd].timestamp < tooOldBefore) tooOldEnd++;
    let expiredEnd = 0;
    while (expiredEnd < events.length && events[expiredEnd].timestamp < expiredBefore) expiredEnd++;
    let tooNewStart = events.length;
    while (tooNewStart > 0 && events[tooNewStart - 1].timestamp > tooNewAfter) tooNewStart--;
    const from = Math.max(tooOldEnd, expiredEnd);
    if (from < tooNewStart) {
      store.putBatch(
        g.name,
        s.name,
        events.slice(from, tooNewStart).map((e) => [e.timestamp, e.message] as const),
      );
    }
    const rejected: Record<string, number> = {};
    if (tooOldEnd > 0) rejected.tooOldLogEventEndIndex = tooOldEnd;
    if (expiredEnd > 0) rejected.expiredLogEventEndIndex = expiredEnd;
    if (tooNewStart < events.length) rejected.tooNewLogEventStartIndex = tooNewStart;
    return {
      nextSequenceToken: sequenceToken(s.lastSeq),
      ...(Object.keys(rejected).length ? { rejectedLogEventsInfo: rejected } : {}),
    };
  },

  GetLogEvents(store, body, world) {
    const g = requireGroup(store, groupNameOf(body, world, true)!);
    const s = requireStream(g, body.logStreamName as string);
    const limit = (body.limit as number | undefined) ?? 10_000;
    const startTime = body.startTime as number | undefined;
    const endTime = body.endTime as number | undefined;
    // range of keys: [lower, upper)  (endTime is exclusive for GetLogEvents)
    const lower: Key = { ts: clampTs(startTime ?? 0), seq: 0 };
    const upper: Key = { ts: endTime === undefined ? MAX_TS : clampTs(endTime), seq: 0 };
    let dir: 'f' | 'b';
    let gap: Key;
    const token = body.nextToken as string | undefined;
    if (token !== undefined) {
      ({ dir, gap } = parseGetToken(token));
    } else if (body.startFromHead === true) {
      dir = 'f';
      gap = lower;
    } else {
      dir = 'b';
      gap = upper;
    }
    const out: EventRec[] = [];
    let bytes = 0;
    const fits = (e: EventRec) => out.length < limit && (out.length === 0 || bytes + e.size + EVENT_OVERHEAD <= MAX_RESPONSE_BYTES);
    if (dir === 'f') {
      for (const e of s.events.from(maxKey(gap, lower))) {
        if (cmpKey(e, upper) >= 0 || !fits(e)) break;
        out.push(e);
        bytes += e.size + EVENT_OVERHEAD;
      }
    } else {
      for (const e of s.events.before(minKey(gap, upper))) {
        if (cmpKey(e, lower) < 0 || !fits(e)) break;
        out.push(e);
        bytes += e.size + EVENT_OVERHEAD;
      }
      out.reverse();
    }
    let nextForwardToken: string;
    let nextBackwardToken: string;
    if (out.length > 0) {
      nextForwardToken = getToken('f', after(out[out.length - 1]));
      nextBackwardToken = getToken('b', out[0]);
    } else if (token !== undefined) {
      nextForwardToken = dir === 'f' ? token : getToken('f', gap);
      nextBackwardToken = dir === 'b' ? token : getToken('b', gap);
    } else {
      // nothing in the range: every position inside it is the same; use its start
      nextForwardToken = getToken('f', lower);
      nextBackwardToken = getToken('b', lower);
    }
    return {
      events: out.map((e) => ({ timestamp: e.ts, message: e.msg, ingestionTime: e.ing })),
      nextForwardToken,
      nextBackwardToken,
    };
  },

  FilterLogEvents(store, body, world) {
    const g = requireGroup(store, groupNameOf(body, world, true)!);
    const names = body.logStreamNames as string[] | undefined;
    const prefix = body.logStreamNamePrefix as string | undefined;
    if (names !== undefined && prefix !== undefined) {
      throw bad('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
    }
    let match: (m: string) => boolean;
    try {
      match = compileFilterPattern(body.filterPattern as string | undefined);
    } catch (e) {
      if (e instanceof FilterPatternError) throw bad(e.message);
      throw e;
    }
    const limit = (body.limit as number | undefined) ?? 10_000;
    const startTime = body.startTime as number | undefined;
    const endTime = body.endTime as number | undefined;
    let from: Key = { ts: clampTs(startTime ?? 0), seq: 0 };
    if (body.nextToken !== undefined) {
      const t = unopaque(body.nextToken as string);
      if (!Number.isSafeInteger(t.t) || !Number.isSafeInteger(t.s)) throw bad('The specified nextToken is invalid.');
      from = maxKey(from, { ts: t.t as number, seq: t.s as number });
    }
    const endTs = endTime === undefined ? Infinity : endTime; // inclusive

    let streams: StreamRec[] | undefined;
    if (names !== undefined) {
      streams = [];
      for (const n of new Set(names)) streams.push(requireStream(g, n));
    } else if (prefix !== undefined) {
      const all = g.streamNames;
      const lo = lowerBoundStr(all, prefix);
      const hi = firstFalse(all, lo, (n) => n.startsWith(prefix));
      streams = all.slice(lo, hi).map((n) => g.streams.get(n)!);
    }
    const iter: Iterator<EventRec> =
      streams === undefined ? g.events.from(from) : streams.length === 1 ? streams[0].events.from(from) : mergeFrom(streams, from);

    const out: EventRec[] = [];
    let bytes = 0;
    let examined = 0;
    let next: Key | undefined;
    for (let r = iter.next(); !r.done; r = iter.next()) {
      const e = r.value;
      if (e.ts > endTs) break;
      if (match(e.msg)) {
        if (out.length >= limit || (out.length > 0 && bytes + e.size + EVENT_OVERHEAD > MAX_RESPONSE_BYTES)) {
          next = e;
          break;
        }
        out.push(e);
        bytes += e.size + EVENT_OVERHEAD;
      }
      if (++examined >= FILTER_SCAN_BUDGET) {
        next = after(e);
        break;
      }
    }
    return {
      events: out.map((e) => ({
        logStreamName: e.stream.name,
        timestamp: e.ts,
        message: e.msg,
        ingestionTime: e.ing,
        eventId: eventId(e),
      })),
      searchedLogStreams: [],
      ...(next ? { nextToken: opaque({ t: next.ts, s: next.seq }) } : {}),
    };
  },

  PutRetentionPolicy(store, body) {
    const days = body.retentionInDays as number;
    if (!RETENTION_DAYS.includes(days)) {
      throw bad(
        `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
      );
    }
    if (!store.setRetention(body.logGroupName as string, days)) throw notFound('group');
    return {};
  },

  DeleteRetentionPolicy(store, body) {
    if (!store.setRetention(body.logGroupName as string, null)) throw notFound('group');
    return {};
  },
};

function nameFromIdentifierLenient(id: string, world: World): string {
  try {
    return nameFromIdentifier(id, world);
  } catch {
    return `\u0000${id}`; // matches no group
  }
}

function streamView(s: StreamRec, groupArnText: string): Record<string, unknown> {
  const first = s.events.first();
  const last = s.events.last();
  return {
    logStreamName: s.name,
    creationTime: s.created,
    ...(first ? { firstEventTimestamp: first.ts } : {}),
    ...(last ? { lastEventTimestamp: last.ts } : {}),
    ...(s.lastIngestion !== undefined ? { lastIngestionTime: s.lastIngestion } : {}),
    uploadSequenceToken: sequenceToken(s.lastSeq),
    arn: `${groupArnText}:log-stream:${s.name}`,
    storedBytes: 0,
  };
}

function upperBoundStr(arr: readonly string[], s: string): number {
  let lo = lowerBoundStr(arr, s);
  if (lo < arr.length && arr[lo] === s) lo++;
  return lo;
}

/** First index >= lo where pred is false, for a predicate that is true then false over [lo, n). */
function firstFalse(arr: readonly string[], lo: number, pred: (s: string) => boolean): number {
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(arr[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** k-way merge (binary heap) of several streams' events with key >= from, in key order. */
function* mergeFrom(streams: StreamRec[], from: Key): Generator<EventRec, void, undefined> {
  const heap: Array<{ e: EventRec; it: Iterator<EventRec> }> = [];
  const less = (a: number, b: number) => cmpKey(heap[a].e, heap[b].e) < 0;
  const swap = (a: number, b: number) => {
    const t = heap[a];
    heap[a] = heap[b];
    heap[b] = t;
  };
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) break;
      swap(i, p);
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (const s of streams) {
    const it = s.events.from(from);
    const r = it.next();
    if (!r.done) {
      heap.push({ e: r.value, it });
      up(heap.length - 1);
    }
  }
  while (heap.length > 0) {
    const top = heap[0];
    yield top.e;
    const r = top.it.next();
    if (r.done) {
      const lastItem = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = lastItem;
        down(0);
      }
    } else {
      top.e = r.value;
      down(0);
    }
  }
}

export const OPERATIONS: readonly string[] = Object.keys(OPS);

function handle(req: EmuRequest, homeWorld: World): EmuResponse | Promise<EmuResponse> {
  // the caller's region: its state, and the region in every ARN
  const world: World = { ...homeWorld, region: callerRegion(req, homeWorld) };
  if (!req.headers.authorization) {
    // the server refuses these before routing (server.ts missingAuthResponse); same answer here
    return errorResponse(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const target = req.headers['x-amz-target'] ?? '';
  const opName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const op = Object.hasOwn(OPS, opName) ? OPS[opName] : undefined;
  if (!op || req.method !== 'POST') {
    return errorResponse(400, 'UnknownOperationException', `Unknown operation ${JSON.stringify(target)}`);
  }
  let body: Body;
  const text = req.body.length === 0 ? '{}' : req.body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return errorResponse(400, 'SerializationException', 'The request body must be a JSON object');
    }
    body = parsed as Body;
  } catch {
    return errorResponse(400, 'SerializationException', 'The request body is not valid JSON');
  }

  const fields: Record<string, unknown> = { ...body };
  if (fields.logGroupName === undefined && typeof body.logGroupIdentifier === 'string') {
    try {
      fields.logGroupName = nameFromIdentifier(body.logGroupIdentifier, world);
    } catch {
      // not a usable identifier: validation will say so
    }
  }
  return answerWithFault(
    world,
    world.faults.check('logs', opName, fields),
    (fault) => errorResponse(fault.status, fault.code, fault.message ?? `Injected fault: ${fault.code}`),
    () => {
      const store = world.logs instanceof RegionalLogsStore ? world.logs.inRegion(world.region) : world.logs;
      if (!(store instanceof LogsStoreImpl)) {
        return errorResponse(500, 'ServiceUnavailableException', 'world.logs is not the emulator logs store');
      }
      validate(body, SPECS[opName]);
      const result = op(store, body, world);
      return result instanceof OwnResponse ? result.response : json(200, result);
    },
  );
}

/** The Logs error shape for what a handler throws. */
function answerLogsError(e: unknown): EmuResponse {
  if (e instanceof LogsApiError) return errorResponse(e.status, e.code, e.message);
  return errorResponse(
    500,
    'ServiceUnavailableException',
    `mwaa local: internal error in CloudWatch Logs: ${(e as Error)?.message ?? String(e)}`,
  );
}

export const handleLogs: Handler = (req, world) => {
  try {
    const out = handle(req, world);
    return out instanceof Promise ? out.catch(answerLogsError) : out;
  } catch (e) {
    return answerLogsError(e);
  }
};
