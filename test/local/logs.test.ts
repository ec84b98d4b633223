/**
 * CloudWatch Logs of the local emulator, driven directly through handleLogs and the store with a
 * minimal in-memory World (journal in an array, a hand-moved clock, a small fault registry).
 * The SDK-level tests against the real server are in logs-sdk.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { EmuResponse, FaultSpec, Faults, Persist, World } from '../../src/local/contract.js';
import { createLogsStore, handleLogs, type LogsStoreImpl, compileFilterPattern } from '../../src/local/logs/index.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

interface Rec {
  s: string;
  o: string;
  d: unknown;
}

function makeWorld(opts: { journal?: Rec[]; snapshot?: unknown; now?: number } = {}) {
  const journal: Rec[] = [];
  const persist: Persist = {
    append(s, o, d) {
      journal.push({ s, o, d: JSON.parse(JSON.stringify(d)) });
    },
    blobs: {
      put() {
        throw new Error('no blobs in these tests');
      },
      get() {
        throw new Error('no blobs in these tests');
      },
    },
  };
  let now = opts.now ?? T0;
  const clock = {
    now: () => now,
    advance(seconds: number) {
      now += seconds * 1000;
    },
  };
  const specs: Array<FaultSpec & { seen: number; fired: number }> = [];
  const checks: Array<{ operation: string; fields: Record<string, unknown> }> = [];
  const faults: Faults = {
    add(spec) {
      specs.push({ ...spec, seen: 0, fired: 0 });
      return String(specs.length);
    },
    clear() {
      specs.length = 0;
    },
    check(service, operation, fields) {
      checks.push({ operation, fields });
      for (const f of specs) {
        if (f.service !== service || f.operation !== operation) continue;
        if (f.match && !Object.entries(f.match).every(([k, v]) => fields[k] === v)) continue;
        if (++f.seen <= (f.after ?? 0)) continue;
        if (f.fired++ >= (f.times ?? 1)) continue;
        return { delayMs: f.delayMs ?? 0, ...(f.error ? { error: f.error } : {}) };
      }
      return undefined;
    },
    wait(ms) {
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
  };
  const logs = createLogsStore(persist, clock);
  if (opts.snapshot !== undefined) logs.restore(opts.snapshot);
  for (const r of opts.journal ?? []) logs.replay(r.o, r.d);
  const world = {
    clock,
    faults,
    persist,
    logs,
    region: 'us-east-1',
    accountId: '123456789012',
    baseUrl: () => 'http://127.0.0.1:1',
    tick() {},
  } as unknown as World;

  async function raw(target: string | undefined, body: string | Buffer, extra: Record<string, string> = {}, method = 'POST') {
    const headers: Record<string, string> = {
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=00',
      'content-type': 'application/x-amz-json-1.1',
      ...extra,
    };
    if (target !== undefined) headers['x-amz-target'] = target;
    const res: EmuResponse = await handleLogs(
      {
        method,
        rawPath: '/',
        query: new URLSearchParams(),
        headers,
        body: Buffer.isBuffer(body) ? body : Buffer.from(body),
        host: '127.0.0.1',
      },
      world,
    );
    const text = res.body === undefined ? '' : res.body.toString();
    return { status: res.status, headers: res.headers ?? {}, json: JSON.parse(text) as Record<string, any> };
  }
  const call = (op: string, body: unknown) => raw(`Logs_20140328.${op}`, JSON.stringify(body));
  async function ok(op: string, body: unknown) {
    const r = await call(op, body);
    if (r.status !== 200) throw new Error(`${op} answered ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }
  async function fails(op: string, body: unknown, code: string, status = 400) {
    const r = await call(op, body);
    expect(r.status, JSON.stringify(r.json)).toBe(status);
    expect(r.json.__type).toBe(code);
    expect(r.headers['x-amzn-errortype']).toBe(code);
    expect(typeof r.json.message).toBe('string');
    return r.json.message as string;
  }
  return {
    world,
    logs: logs as LogsStoreImpl,
    journal,
    clock,
    faults,
    checks,
    raw,
    call,
    ok,
    fails,
    setNow: (t: number) => {
      now = t;
    },
  };
}

type W = ReturnType<typeof makeWorld>;

async function put(w: W, group: string, stream: string, events: Array<[number, string]>) {
  return w.ok('PutLogEvents', {
    logGroupName: group,
    logStreamName: stream,
    logEvents: events.map(([timestamp, message]) => ({ timestamp, message })),
  });
}

/** Reads every FilterLogEvents page; returns events and the number of pages. */
async function filterAll(w: W, body: Record<string, unknown>) {
  const events: any[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await w.ok('FilterLogEvents', { ...body, ...(token ? { nextToken: token } : {}) });
    events.push(...r.events);
    token = r.nextToken;
    pages++;
  } while (token);
  return { events, pages };
}

describe('log groups', () => {
  it('creates, describes with ARNs, refuses duplicates and deletes', async () => {
    const w = makeWorld();
    expect(await w.ok('CreateLogGroup', { logGroupName: 'airflow-env-Task' })).toEqual({});
    expect(await w.fails('CreateLogGroup', { logGroupName: 'airflow-env-Task' }, 'ResourceAlreadyExistsException')).toMatch(
      /already exists/,
    );
    const d = await w.ok('DescribeLogGroups', {});
    expect(d.logGroups).toEqual([
      {
        logGroupName: 'airflow-env-Task',
        creationTime: T0,
        metricFilterCount: 0,
        arn: 'arn:aws:logs:us-east-1:123456789012:log-group:airflow-env-Task:*',
        storedBytes: 0,
        logGroupClass: 'STANDARD',
        logGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:airflow-env-Task',
      },
    ]);
    expect(d.nextToken).toBeUndefined();
    await w.ok('DeleteLogGroup', { logGroupName: 'airflow-env-Task' });
    expect((await w.ok('DescribeLogGroups', {})).logGroups).toEqual([]);
    expect(await w.fails('DeleteLogGroup', { logGroupName: 'airflow-env-Task' }, 'ResourceNotFoundException')).toBe(
      'The specified log group does not exist.',
    );
  });

  it("uses the caller's region and the world account in ARNs; each region has its own groups", async () => {
    const w = makeWorld();
    (w.world as { accountId: string }).accountId = '111122223333';
    const eu = { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/logs/aws4_request, SignedHeaders=host, Signature=00' };
    const inEu = async (op: string, body: unknown) => (await w.raw(`Logs_20140328.${op}`, JSON.stringify(body), eu)).json;
    await inEu('CreateLogGroup', { logGroupName: 'g' });
    const d = await inEu('DescribeLogGroups', {});
    expect(d.logGroups[0].arn).toBe('arn:aws:logs:eu-west-1:111122223333:log-group:g:*');
    expect((await w.ok('DescribeLogGroups', {})).logGroups).toEqual([]);
  });

  it('validates names with the service wording and changes nothing', async () => {
    const w = makeWorld();
    const msg = await w.fails('CreateLogGroup', { logGroupName: 'bad name!' }, 'InvalidParameterException');
    expect(msg).toBe(
      "1 validation error detected: Value 'bad name!' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
    );
    expect(await w.fails('CreateLogGroup', {}, 'InvalidParameterException')).toMatch(/Value null at 'logGroupName'.*must not be null/);
    expect(await w.fails('CreateLogGroup', { logGroupName: 'x'.repeat(513) }, 'InvalidParameterException')).toMatch(
      /length less than or equal to 512/,
    );
    await w.fails('CreateLogGroup', { logGroupName: 42 }, 'SerializationException');
    expect(w.journal).toEqual([]);
    expect((await w.ok('DescribeLogGroups', {})).logGroups).toEqual([]);
  });

  it('filters by prefix or pattern and paginates with nextToken', async () => {
    const w = makeWorld();
    const names = ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'b-1', 'B-2', 'ab'];
    for (const n of names) await w.ok('CreateLogGroup', { logGroupName: n });
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await w.ok('DescribeLogGroups', { logGroupNamePrefix: 'a-', limit: 2, ...(token ? { nextToken: token } : {}) });
      expect(r.logGroups.length).toBeLessThanOrEqual(2);
      seen.push(...r.logGroups.map((g: any) => g.logGroupName));
      token = r.nextToken;
      pages++;
    } while (token);
    expect(seen).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    expect(pages).toBe(3);
    const p = await w.ok('DescribeLogGroups', { logGroupNamePattern: 'b-' });
    expect(p.logGroups.map((g: any) => g.logGroupName)).toEqual(['B-2', 'b-1']);
    await w.fails('DescribeLogGroups', { logGroupNamePrefix: 'a', logGroupNamePattern: 'b' }, 'InvalidParameterException');
    await w.fails('DescribeLogGroups', { limit: 51 }, 'InvalidParameterException');
    await w.fails('DescribeLogGroups', { nextToken: 'garbage!' }, 'InvalidParameterException');
  });

  it('keeps the retention policy', async () => {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    await w.ok('PutRetentionPolicy', { logGroupName: 'g', retentionInDays: 30 });
    expect((await w.ok('DescribeLogGroups', {})).logGroups[0].retentionInDays).toBe(30);
    await w.fails('PutRetentionPolicy', { logGroupName: 'g', retentionInDays: 31 }, 'InvalidParameterException');
    await w.ok('DeleteRetentionPolicy', { logGroupName: 'g' });
    expect((await w.ok('DescribeLogGroups', {})).logGroups[0].retentionInDays).toBeUndefined();
    await w.fails('PutRetentionPolicy', { logGroupName: 'nope', retentionInDays: 30 }, 'ResourceNotFoundException');
  });
});

describe('log streams', () => {
  it('creates and deletes streams with the service errors', async () => {
    const w = makeWorld();
    expect(await w.fails('CreateLogStream', { logGroupName: 'g', logStreamName: 's' }, 'ResourceNotFoundException')).toBe(
      'The specified log group does not exist.',
    );
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: 's' });
    expect(await w.fails('CreateLogStream', { logGroupName: 'g', logStreamName: 's' }, 'ResourceAlreadyExistsException')).toMatch(
      /log stream already exists/,
    );
    await w.fails('CreateLogStream', { logGroupName: 'g', logStreamName: 'a:b' }, 'InvalidParameterException');
    await w.ok('DeleteLogStream', { logGroupName: 'g', logStreamName: 's' });
    expect(await w.fails('DeleteLogStream', { logGroupName: 'g', logStreamName: 's' }, 'ResourceNotFoundException')).toBe(
      'The specified log stream does not exist.',
    );
  });

  it('describes streams with timestamps, prefix, order and pagination', async () => {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    const names = ['s3', 's1', 's5', 'x', 's2', 's4'];
    for (const n of names) {
      await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: n });
      w.clock.advance(1);
    }
    // last event times: s1 newest, then s4, s2 (s3, s5, x have no events)
    w.setNow(T0 + 100_000);
    await put(w, 'g', 's2', [
      [T0 + 10, 'a'],
      [T0 + 20, 'b'],
    ]);
    await put(w, 'g', 's4', [[T0 + 30, 'c']]);
    await put(w, 'g', 's1', [
      [T0 + 5, 'd'],
      [T0 + 40, 'e'],
    ]);

    const all = await w.ok('DescribeLogStreams', { logGroupName: 'g' });
    expect(all.logStreams.map((s: any) => s.logStreamName)).toEqual(['s1', 's2', 's3', 's4', 's5', 'x']);
    const s1 = all.logStreams[0];
    expect(s1).toEqual({
      logStreamName: 's1',
      creationTime: T0 + 1000,
      firstEventTimestamp: T0 + 5,
      lastEventTimestamp: T0 + 40,
      lastIngestionTime: T0 + 100_000,
      uploadSequenceToken: expect.stringMatching(/^\d{56}$/),
      arn: 'arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s1',
      storedBytes: 0,
    });
    expect(all.logStreams[2].firstEventTimestamp).toBeUndefined();
    expect(all.logStreams[2].lastIngestionTime).toBeUndefined();

    const pageThrough = async (body: Record<string, unknown>) => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const r = await w.ok('DescribeLogStreams', { logGroupName: 'g', limit: 2, ...body, ...(token ? { nextToken: token } : {}) });
        expect(r.logStreams.length).toBeLessThanOrEqual(2);
        out.push(...r.logStreams.map((s: any) => s.logStreamName));
        token = r.nextToken;
      } while (token);
      return out;
    };
    expect(await pageThrough({ logStreamNamePrefix: 's' })).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(await pageThrough({ logStreamNamePrefix: 's', descending: true })).toEqual(['s5', 's4', 's3', 's2', 's1']);
    expect(await pageThrough({ orderBy: 'LastEventTime', descending: true })).toEqual(['s1', 's4', 's2', 'x', 's5', 's3']);
    expect(await pageThrough({ orderBy: 'LastEventTime' })).toEqual(['s3', 's5', 'x', 's2', 's4', 's1']);
    expect(
      await w.fails(
        'DescribeLogStreams',
        { logGroupName: 'g', orderBy: 'LastEventTime', logStreamNamePrefix: 's' },
        'InvalidParameterException',
      ),
    ).toBe('Cannot order by LastEventTime with a logStreamNamePrefix.');
    await w.fails('DescribeLogStreams', { logGroupName: 'g', orderBy: 'Size' }, 'InvalidParameterException');
    await w.fails('DescribeLogStreams', { logGroupName: 'nope' }, 'ResourceNotFoundException');
    // by identifier: a name or an ARN without the trailing :* (the service's pattern refuses '*')
    const byArn = await w.ok('DescribeLogStreams', { logGroupIdentifier: 'arn:aws:logs:us-east-1:123456789012:log-group:g', limit: 1 });
    expect(byArn.logStreams[0].logStreamName).toBe('s1');
    expect((await w.ok('DescribeLogStreams', { logGroupIdentifier: 'g', limit: 1 })).logStreams[0].logStreamName).toBe('s1');
    expect(
      await w.fails(
        'DescribeLogStreams',
        { logGroupIdentifier: 'arn:aws:logs:us-east-1:123456789012:log-group:g:*' },
        'InvalidParameterException',
      ),
    ).toMatch(/at 'logGroupIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    await w.fails(
      'DescribeLogStreams',
      { logGroupIdentifier: 'arn:aws:logs:us-east-1:999999999999:log-group:g', limit: 1 },
      'ResourceNotFoundException',
    );
    expect(await w.fails('DescribeLogStreams', { logGroupName: 'g', logGroupIdentifier: 'g' }, 'InvalidParameterException')).toBe(
      'LogGroup name and LogGroup ARN are mutually exclusive parameters.',
    );
    await w.fails('DescribeLogStreams', {}, 'InvalidParameterException');
  });
});

describe('PutLogEvents', () => {
  it('stores a batch as one journal record and returns a sequence token', async () => {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: 's' });
    const before = w.journal.length;
    const r = await put(w, 'g', 's', [
      [T0 - 3, 'one'],
      [T0 - 2, 'two'],
      [T0 - 2, 'three'],
    ]);
    expect(r.nextSequenceToken).toMatch(/^\d{56}$/);
    expect(r.rejectedLogEventsInfo).toBeUndefined();
    expect(w.journal.length).toBe(before + 1);
    expect(w.journal[w.journal.length - 1]).toMatchObject({ s: 'logs', o: 'put' });
    const r2 = await put(w, 'g', 's', [[T0, 'four']]);
    expect(r2.nextSequenceToken).not.toBe(r.nextSequenceToken);
    const got = await w.ok('GetLogEvents', { logGroupName: 'g', logStreamName: 's', startFromHead: true });
    expect(got.events).toEqual([
      { timestamp: T0 - 3, message: 'one', ingestionTime: T0 },
      { timestamp: T0 - 2, message: 'two', ingestionTime: T0 },
      { timestamp: T0 - 2, message: 'three', ingestionTime: T0 },
      { timestamp: T0, message: 'four', ingestionTime: T0 },
    ]);
    expect((await w.ok('DescribeLogGroups', {})).logGroups[0].storedBytes).toBe(3 + 3 + 5 + 4);
  });

  it('refuses unordered batches, long spans, huge batches and bad events without storing anything', async () => {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: 's' });
    const before = w.journal.length;
    const base = { logGroupName: 'g', logStreamName: 's' };
    expect(
      await w.fails(
        'PutLogEvents',
        {
          ...base,
          logEvents: [
            { timestamp: T0, message: 'b' },
            { timestamp: T0 - 1, message: 'a' },
          ],
        },
        'InvalidParameterException',
      ),
    ).toBe('Log events in a single PutLogEvents request must be in chronological order.');
    expect(
      await w.fails(
        'PutLogEvents',
        {
          ...base,
          logEvents: [
            { timestamp: T0 - 86_400_001, message: 'a' },
            { timestamp: T0, message: 'b' },
          ],
        },
        'InvalidParameterException',
      ),
    ).toMatch(/cannot span more than 24 hours/);
    const big = 'x'.repeat(200_000);
    expect(
      await w.fails(
        'PutLogEvents',
        { ...base, logEvents: Array.from({ length: 6 }, () => ({ timestamp: T0, message: big })) },
        'InvalidParameterException',
      ),
    ).toMatch(/Upload too large: 1200156 bytes exceeds limit of 1048576/);
    expect(await w.fails('PutLogEvents', { ...base, logEvents: [] }, 'InvalidParameterException')).toMatch(
      /'logEvents'.*greater than or equal to 1/,
    );
    expect(await w.fails('PutLogEvents', { ...base, logEvents: [{ timestamp: T0, message: '' }] }, 'InvalidParameterException')).toMatch(
      /logEvents\.1\.member\.message/,
    );
    expect(await w.fails('PutLogEvents', { ...base, logEvents: [{ message: 'm' }] }, 'InvalidParameterException')).toMatch(
      /Value null at 'logEvents\.1\.member\.timestamp'/,
    );
    await w.fails('PutLogEvents', { ...base, logEvents: 'nope' }, 'SerializationException');
    await w.fails('PutLogEvents', { ...base, logEvents: [{ timestamp: 'now', message: 'm' }] }, 'SerializationException');
    await w.fails('PutLogEvents', { ...base, logEvents: [{ timestamp: 1.5, message: 'm' }] }, 'SerializationException');
    await w.fails(
      'PutLogEvents',
      { ...base, logStreamName: 'other', logEvents: [{ timestamp: T0, message: 'm' }] },
      'ResourceNotFoundException',
    );
    await w.fails(
      'PutLogEvents',
      { ...base, logGroupName: 'other', logEvents: [{ timestamp: T0, message: 'm' }] },
      'ResourceNotFoundException',
    );
    expect(w.journal.length).toBe(before);
    expect((await w.ok('GetLogEvents', { ...base })).events).toEqual([]);
  });

  it('rejects events too old, expired or too new as the service does and keeps the rest', async () => {
    const w = makeWorld({ now: T0 + 15 * 86_400_000 });
    const now = w.clock.now();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: 's' });
    const base = { logGroupName: 'g', logStreamName: 's' };
    const old = now - 14 * 86_400_000 - 1000;
    const r0 = await w.ok('PutLogEvents', {
      ...base,
      logEvents: [
        { timestamp: old, message: 'too old 1' },
        { timestamp: old + 1, message: 'too old 2' },
        { timestamp: old + 2000, message: 'kept 0' },
      ],
    });
    expect(r0.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 2 });
    const r = await w.ok('PutLogEvents', {
      ...base,
      logEvents: [
        { timestamp: now - 3_600_000, message: 'kept 1' },
        { timestamp: now, message: 'kept 2' },
        { timestamp: now + 2 * 3_600_000 + 1, message: 'too new' },
      ],
    });
    expect(r.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 2 });
    const got = await w.ok('GetLogEvents', { ...base, startFromHead: true });
    expect(got.events.map((e: any) => e.message)).toEqual(['kept 0', 'kept 1', 'kept 2']);

    await w.ok('PutRetentionPolicy', { logGroupName: 'g', retentionInDays: 1 });
    const r2 = await w.ok('PutLogEvents', {
      ...base,
      logEvents: [
        { timestamp: now - 86_400_000 - 1000, message: 'expired' },
        { timestamp: now - 1000, message: 'kept 3' },
      ],
    });
    expect(r2.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 });
    const j = w.journal.length;
    const r3 = await w.ok('PutLogEvents', { ...base, logEvents: [{ timestamp: now + 86_400_000, message: 'future' }] });
    expect(r3.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 0 });
    expect(w.journal.length).toBe(j); // nothing accepted: nothing journalled
    expect((await w.ok('GetLogEvents', { ...base })).events.map((e: any) => e.message)).toEqual(['kept 0', 'kept 1', 'kept 3', 'kept 2']);
  });
});

describe('GetLogEvents', () => {
  async function stream25() {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: 's' });
    await put(
      w,
      'g',
      's',
      Array.from({ length: 25 }, (_, i) => [T0 - 100_000 + i * 1000, `e${i}`] as [number, string]),
    );
    return w;
  }
  const msgs = (r: any) => r.events.map((e: any) => e.message);
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => `e${a + i}`);

  it('pages forward from the head; the forward token stays the same at the end', async () => {
    const w = await stream25();
    const base = { logGroupName: 'g', logStreamName: 's', limit: 10 };
    const p1 = await w.ok('GetLogEvents', { ...base, startFromHead: true });
    expect(msgs(p1)).toEqual(range(0, 10));
    expect(p1.nextForwardToken).toMatch(/^f\/\d{56}\/s$/);
    expect(p1.nextBackwardToken).toMatch(/^b\/\d{56}\/s$/);
    const p2 = await w.ok('GetLogEvents', { ...base, nextToken: p1.nextForwardToken });
    expect(msgs(p2)).toEqual(range(10, 20));
    const p3 = await w.ok('GetLogEvents', { ...base, nextToken: p2.nextForwardToken });
    expect(msgs(p3)).toEqual(range(20, 25));
    const p4 = await w.ok('GetLogEvents', { ...base, nextToken: p3.nextForwardToken });
    expect(p4.events).toEqual([]);
    expect(p4.nextForwardToken).toBe(p3.nextForwardToken);
    // new events show up behind the last forward token
    await put(w, 'g', 's', [[T0, 'late']]);
    const p5 = await w.ok('GetLogEvents', { ...base, nextToken: p4.nextForwardToken });
    expect(msgs(p5)).toEqual(['late']);
    // going back from page 3 gives page 2
    const back = await w.ok('GetLogEvents', { ...base, nextToken: p3.nextBackwardToken });
    expect(msgs(back)).toEqual(range(10, 20));
  });

  it('reads the tail by default and pages backwards to the start', async () => {
    const w = await stream25();
    const base = { logGroupName: 'g', logStreamName: 's', limit: 10 };
    const p1 = await w.ok('GetLogEvents', base);
    expect(msgs(p1)).toEqual(range(15, 25));
    const p2 = await w.ok('GetLogEvents', { ...base, nextToken: p1.nextBackwardToken });
    expect(msgs(p2)).toEqual(range(5, 15));
    const p3 = await w.ok('GetLogEvents', { ...base, nextToken: p2.nextBackwardToken });
    expect(msgs(p3)).toEqual(range(0, 5));
    const p4 = await w.ok('GetLogEvents', { ...base, nextToken: p3.nextBackwardToken });
    expect(p4.events).toEqual([]);
    expect(p4.nextBackwardToken).toBe(p3.nextBackwardToken);
    // and forward again from the start
    const f = await w.ok('GetLogEvents', { ...base, nextToken: p4.nextForwardToken });
    expect(msgs(f)).toEqual(range(0, 10));
    // the forward token of the tail read finds nothing new, then finds what is appended
    const tail = await w.ok('GetLogEvents', { ...base, nextToken: p1.nextForwardToken });
    expect(tail.events).toEqual([]);
    expect(tail.nextForwardToken).toBe(p1.nextForwardToken);
  });

  it('applies startTime (inclusive) and endTime (exclusive)', async () => {
    const w = await stream25();
    const r = await w.ok('GetLogEvents', {
      logGroupName: 'g',
      logStreamName: 's',
      startFromHead: true,
      startTime: T0 - 100_000 + 3000,
      endTime: T0 - 100_000 + 7000,
    });
    expect(msgs(r)).toEqual(['e3', 'e4', 'e5', 'e6']);
    const empty = await w.ok('GetLogEvents', { logGroupName: 'g', logStreamName: 's', startTime: T0 + 1 });
    expect(empty.events).toEqual([]);
    expect(empty.nextForwardToken).toMatch(/^f\//);
  });

  it('refuses bad tokens, limits and missing streams', async () => {
    const w = await stream25();
    await w.fails('GetLogEvents', { logGroupName: 'g', logStreamName: 's', nextToken: 'x/1' }, 'InvalidParameterException');
    await w.fails('GetLogEvents', { logGroupName: 'g', logStreamName: 's', limit: 10_001 }, 'InvalidParameterException');
    await w.fails('GetLogEvents', { logGroupName: 'g', logStreamName: 's', startTime: -1 }, 'InvalidParameterException');
    await w.fails('GetLogEvents', { logGroupName: 'g', logStreamName: 'nope' }, 'ResourceNotFoundException');
    await w.fails('GetLogEvents', { logGroupName: 'nope', logStreamName: 's' }, 'ResourceNotFoundException');
    await w.fails('GetLogEvents', { logGroupName: 'g' }, 'InvalidParameterException');
  });

  it('caps a response at 1 MB', async () => {
    const w = makeWorld();
    const big = 'y'.repeat(100_000);
    w.logs.write(
      'g',
      's',
      Array.from({ length: 30 }, (_, i) => ({ timestamp: T0 + i, message: big })),
    );
    const r = await w.ok('GetLogEvents', { logGroupName: 'g', logStreamName: 's', startFromHead: true });
    expect(r.events.length).toBe(10);
    const r2 = await w.ok('GetLogEvents', { logGroupName: 'g', logStreamName: 's', nextToken: r.nextForwardToken });
    expect(r2.events[0].timestamp).toBe(T0 + 10);
  });
});

describe('FilterLogEvents', () => {
  async function twoStreams() {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    for (const s of ['task/a', 'task/b', 'other']) await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: s });
    await put(w, 'g', 'task/a', [
      [T0 - 50, '[INFO] starting a'],
      [T0 - 30, '[ERROR] boom in a'],
      [T0 - 10, 'Task exited with return code 1'],
    ]);
    await put(w, 'g', 'task/b', [
      [T0 - 40, '[INFO] starting b'],
      [T0 - 30, '[WARNING] slow b'],
      [T0 - 20, 'Task exited with return code 0'],
    ]);
    await put(w, 'g', 'other', [[T0 - 45, '[ERROR] elsewhere']]);
    return w;
  }
  const msgs = (r: any) => r.events.map((e: any) => e.message);

  it('interleaves streams by time and returns eventId, ingestionTime and stream name', async () => {
    const w = await twoStreams();
    const r = await w.ok('FilterLogEvents', { logGroupName: 'g' });
    expect(msgs(r)).toEqual([
      '[INFO] starting a',
      '[ERROR] elsewhere',
      '[INFO] starting b',
      '[ERROR] boom in a',
      '[WARNING] slow b',
      'Task exited with return code 0',
      'Task exited with return code 1',
    ]);
    expect(r.nextToken).toBeUndefined();
    expect(r.searchedLogStreams).toEqual([]);
    expect(r.events[1]).toEqual({
      logStreamName: 'other',
      timestamp: T0 - 45,
      message: '[ERROR] elsewhere',
      ingestionTime: T0,
      eventId: expect.stringMatching(/^\d{56}$/),
    });
    const ids = r.events.map((e: any) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    // stable: the same ids on a second read
    expect((await w.ok('FilterLogEvents', { logGroupName: 'g' })).events.map((e: any) => e.eventId)).toEqual(ids);
  });

  it('selects streams by name or prefix, and time with inclusive bounds', async () => {
    const w = await twoStreams();
    expect(msgs(await w.ok('FilterLogEvents', { logGroupName: 'g', logStreamNamePrefix: 'task/' }))).toHaveLength(6);
    expect(msgs(await w.ok('FilterLogEvents', { logGroupName: 'g', logStreamNames: ['other', 'task/b'] }))).toEqual([
      '[ERROR] elsewhere',
      '[INFO] starting b',
      '[WARNING] slow b',
      'Task exited with return code 0',
    ]);
    expect(msgs(await w.ok('FilterLogEvents', { logGroupName: 'g', logStreamNames: ['task/a'] }))).toHaveLength(3);
    expect(msgs(await w.ok('FilterLogEvents', { logGroupName: 'g', startTime: T0 - 40, endTime: T0 - 20 }))).toEqual([
      '[INFO] starting b',
      '[ERROR] boom in a',
      '[WARNING] slow b',
      'Task exited with return code 0',
    ]);
    expect((await w.ok('FilterLogEvents', { logGroupName: 'g', logStreamNamePrefix: 'zzz' })).events).toEqual([]);
    expect(
      await w.fails('FilterLogEvents', { logGroupName: 'g', logStreamNames: ['task/a', 'missing'] }, 'ResourceNotFoundException'),
    ).toBe('The specified log stream does not exist.');
    await w.fails(
      'FilterLogEvents',
      { logGroupName: 'g', logStreamNames: ['task/a'], logStreamNamePrefix: 't' },
      'InvalidParameterException',
    );
    await w.fails('FilterLogEvents', { logGroupName: 'nope' }, 'ResourceNotFoundException');
    await w.fails('FilterLogEvents', { logGroupName: 'g', limit: 0 }, 'InvalidParameterException');
    await w.fails('FilterLogEvents', { logGroupName: 'g', limit: 10_001 }, 'InvalidParameterException');
    await w.fails('FilterLogEvents', { logGroupName: 'g', nextToken: 'bm90IGpzb24' }, 'InvalidParameterException');
    expect(
      msgs(
        await w.ok('FilterLogEvents', { logGroupIdentifier: 'arn:aws:logs:us-east-1:123456789012:log-group:g', logStreamNames: ['other'] }),
      ),
    ).toEqual(['[ERROR] elsewhere']);
  });

  it('applies filter patterns: terms, phrases, ?terms and -terms', async () => {
    const w = await twoStreams();
    const f = async (filterPattern: string) => msgs(await w.ok('FilterLogEvents', { logGroupName: 'g', filterPattern }));
    expect(await f('ERROR')).toEqual(['[ERROR] elsewhere', '[ERROR] boom in a']);
    expect(await f('error')).toEqual([]); // case-sensitive
    expect(await f('ERROR a')).toEqual(['[ERROR] boom in a']); // every term
    expect(await f('"return code 1"')).toEqual(['Task exited with return code 1']);
    expect(await f('"code 0" Task')).toEqual(['Task exited with return code 0']);
    expect(await f('?WARNING ?elsewhere')).toEqual(['[ERROR] elsewhere', '[WARNING] slow b']);
    expect(await f('ERROR -elsewhere')).toEqual(['[ERROR] boom in a']);
    expect(await f('  ')).toHaveLength(7);
    expect(await w.fails('FilterLogEvents', { logGroupName: 'g', filterPattern: '{ $.level = }' }, 'InvalidParameterException')).toMatch(
      /Invalid filter pattern/,
    );
    await w.fails('FilterLogEvents', { logGroupName: 'g', filterPattern: '"unterminated' }, 'InvalidParameterException');
  });

  it('compiles patterns with escapes', () => {
    expect(compileFilterPattern('"say \\"hi\\""')('they say "hi" to you')).toBe(true);
    expect(compileFilterPattern('"say \\"hi\\""')('they say hi')).toBe(false);
    expect(compileFilterPattern('-"a b"')('x a b')).toBe(false);
    expect(compileFilterPattern('-')('a-b')).toBe(true);
  });

  it('refuses malformed JSON, space-delimited and regex patterns with "Invalid filter pattern"', () => {
    for (const bad of [
      '{ $.a = }',
      '{ a = 1 }',
      '{ $.a = 1',
      '{ $.a IS MAYBE }',
      '[a, b=]',
      '[a b]',
      '[a, b=1 || c=2]',
      '%unclosed',
      '%(%',
      '{ $.a[x] = 1 }',
    ]) {
      expect(() => compileFilterPattern(bad), bad).toThrow(/^Invalid filter pattern/);
    }
  });

  it('matches JSON values by type: numbers numerically, strings with wildcards, objects never', () => {
    expect(compileFilterPattern('{ $.n = 5 }')('{"n": 5.0}')).toBe(true);
    expect(compileFilterPattern('{ $.n = 5 }')('{"n": "5"}')).toBe(true);
    expect(compileFilterPattern('{ $.n > 5 }')('{"n": "x"}')).toBe(false);
    expect(compileFilterPattern('{ $.s = "a b*" }')('{"s": "a b c"}')).toBe(true);
    expect(compileFilterPattern('{ $.o = "x" }')('{"o": {"x": 1}}')).toBe(false);
    expect(compileFilterPattern('{ $.missing != 1 }')('{"n": 1}')).toBe(false);
    expect(compileFilterPattern('{ $.a = 1 }')('[1]')).toBe(false);
  });

  it('paginates with nextToken while events are appended: no duplicates, none lost', async () => {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    for (const s of ['a', 'b', 'c']) await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: s });
    let n = 0;
    const expected: string[] = [];
    const append = async (count: number, base: number) => {
      for (const s of ['a', 'b', 'c']) {
        const evs: Array<[number, string]> = [];
        for (let i = 0; i < count; i++) {
          const m = `${s}-${n++}`;
          evs.push([base + i, m]);
          expected.push(m);
        }
        await put(w, 'g', s, evs);
      }
    };
    await append(10, T0 - 60_000);
    const seen: string[] = [];
    const ids = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const r = await w.ok('FilterLogEvents', { logGroupName: 'g', limit: 7, ...(token ? { nextToken: token } : {}) });
      for (const e of r.events) {
        seen.push(e.message);
        ids.add(e.eventId);
      }
      pages++;
      // append after each of the first pages: some at the same timestamps as what was read, some later
      if (pages <= 3) await append(2, T0 - 60_000 + 9);
      token = r.nextToken;
      if (!token) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(ids.size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(pages).toBeGreaterThan(5);
    // the pages were in (timestamp, arrival) order
    const all = await filterAll(w, { logGroupName: 'g', limit: 5 });
    const ts = all.events.map((e: any) => e.timestamp);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it('answers an empty page with a nextToken when the scan budget runs out (sparse matches)', async () => {
    const w = makeWorld();
    const many = Array.from({ length: 9_000 }, (_, i) => ({ timestamp: T0 + i, message: `noise ${i}` }));
    for (let k = 0; k < 25; k++)
      w.logs.write(
        'g',
        's',
        many.map((e) => ({ ...e, timestamp: e.timestamp + k * 10_000 })),
      );
    w.logs.write('g', 's', [{ timestamp: T0 + 999_999, message: 'needle' }]);
    const first = await w.ok('FilterLogEvents', { logGroupName: 'g', filterPattern: 'needle' });
    expect(first.events).toEqual([]);
    expect(first.nextToken).toBeDefined();
    const all = await filterAll(w, { logGroupName: 'g', filterPattern: 'needle' });
    expect(all.events.map((e: any) => e.message)).toEqual(['needle']);
    expect(all.pages).toBe(2);
  });

  it('reads 100,000 events through pages, each page costing O(page size)', async () => {
    const w = makeWorld();
    const streams = ['dag_id=d/run_id=r/task_id=t1/attempt=1.log', 'dag_id=d/run_id=r/task_id=t2/attempt=1.log', 'scheduler_x.log'];
    for (let b = 0; b < 100; b++) {
      for (let si = 0; si < streams.length; si++) {
        const evs = Array.from({ length: si === 2 ? 100 : 500 }, (_, i) => ({
          timestamp: T0 + b * 1000 + i,
          message: `[2025-01-01] {taskinstance.py:1} INFO - line ${b}/${i} of ${si}`,
        }));
        w.logs.write('g', streams[si], evs);
      }
    }
    expect(w.journal.filter((r) => r.o === 'put')).toHaveLength(300);
    const t = performance.now();
    const all = await filterAll(w, { logGroupName: 'g', logStreamNamePrefix: 'dag_id=d/' });
    const ms = performance.now() - t;
    expect(all.events).toHaveLength(100_000);
    expect(new Set(all.events.map((e: any) => e.eventId)).size).toBe(100_000);
    expect(all.pages).toBeGreaterThanOrEqual(10);
    const whole = await filterAll(w, { logGroupName: 'g' });
    expect(whole.events).toHaveLength(110_000);
    // generous bound (2 shared cores): a quadratic implementation takes far longer
    expect(ms).toBeLessThan(5000);
  });
});

describe('errors and faults', () => {
  it('refuses requests without Authorization, unknown targets and malformed bodies in the JSON shape', async () => {
    const w = makeWorld();
    const noAuth = await handleLogs(
      {
        method: 'POST',
        rawPath: '/',
        query: new URLSearchParams(),
        headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups' },
        body: Buffer.from('{}'),
        host: '127.0.0.1',
      },
      w.world,
    );
    expect(noAuth.status).toBe(400);
    expect(JSON.parse(String(noAuth.body)).__type).toBe('MissingAuthenticationTokenException');
    for (const target of [
      'Logs_20140328.Nope',
      'Logs_20140328.',
      'DynamoDB_20120810.ListTables',
      undefined,
      'Logs_20140328.constructor',
      'Logs_20140328.__proto__',
    ]) {
      const r = await w.raw(target, '{}');
      expect(r.status).toBe(400);
      expect(r.json.__type).toBe('UnknownOperationException');
    }
    for (const body of ['{', '{"logGroupName": }', 'null', '[]', '"str"', '42', Buffer.from([0xff, 0xfe, 0x00])]) {
      const r = await w.raw('Logs_20140328.CreateLogGroup', body);
      expect(r.status).toBe(400);
      expect(r.json.__type).toBe('SerializationException');
      expect(r.headers['content-type']).toBe('application/x-amz-json-1.1');
    }
    expect(w.journal).toEqual([]);
  });

  it('answers an injected fault in the JSON error shape, passing the request fields, and only once', async () => {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    w.faults.add({
      service: 'logs',
      operation: 'FilterLogEvents',
      match: { logGroupName: 'g' },
      error: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    });
    const r = await w.call('FilterLogEvents', { logGroupIdentifier: 'arn:aws:logs:us-east-1:123456789012:log-group:g' });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
    expect(w.checks.at(-1)).toMatchObject({ operation: 'FilterLogEvents', fields: { logGroupName: 'g' } });
    expect((await w.call('FilterLogEvents', { logGroupName: 'g' })).status).toBe(200);
    // a fault on PutLogEvents stores nothing
    await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: 's' });
    w.faults.add({ service: 'logs', operation: 'PutLogEvents', error: { status: 500, code: 'ServiceUnavailableException' } });
    const before = w.journal.length;
    const f = await w.call('PutLogEvents', { logGroupName: 'g', logStreamName: 's', logEvents: [{ timestamp: T0, message: 'm' }] });
    expect(f.status).toBe(500);
    expect(f.json.__type).toBe('ServiceUnavailableException');
    expect(w.journal.length).toBe(before);
    expect((await w.ok('GetLogEvents', { logGroupName: 'g', logStreamName: 's' })).events).toEqual([]);
    expect(w.checks.map((c) => c.operation)).toContain('CreateLogStream');
  });
});

describe('store API and persistence', () => {
  it('ensureGroup/ensureStream are idempotent and journal only real changes; write sorts and creates', async () => {
    const w = makeWorld();
    w.logs.ensureGroup('airflow-e-Task');
    w.logs.ensureGroup('airflow-e-Task');
    w.logs.ensureStream('airflow-e-Task', 's');
    w.logs.ensureStream('airflow-e-Task', 's');
    expect(w.journal.map((r) => r.o)).toEqual(['createGroup', 'createStream']);
    w.logs.write('airflow-e-Worker', 'requirements_install_ip-10-0-0-1_1.log', [
      { timestamp: T0 + 2, message: 'second' },
      { timestamp: T0 + 1, message: 'first' },
      { timestamp: T0 + 2, message: 'third' },
    ]);
    expect(w.journal.length).toBe(3);
    const r = await w.ok('GetLogEvents', {
      logGroupName: 'airflow-e-Worker',
      logStreamName: 'requirements_install_ip-10-0-0-1_1.log',
      startFromHead: true,
    });
    expect(r.events.map((e: any) => e.message)).toEqual(['first', 'second', 'third']);
    w.logs.deleteGroup('airflow-e-Worker');
    w.logs.deleteGroup('airflow-e-Worker');
    expect(w.journal.map((r) => r.o)).toEqual(['createGroup', 'createStream', 'put', 'deleteGroup']);
    await w.fails('GetLogEvents', { logGroupName: 'airflow-e-Worker', logStreamName: 'x' }, 'ResourceNotFoundException');
  });

  it('replay of the journal, and restore of a snapshot plus the journal after it, give the same answers', async () => {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    await w.ok('CreateLogGroup', { logGroupName: 'gone' });
    await w.ok('PutRetentionPolicy', { logGroupName: 'g', retentionInDays: 7 });
    for (const s of ['a', 'b', 'dead']) await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: s });
    await put(w, 'g', 'a', [
      [T0 - 9, 'a1'],
      [T0 - 5, 'a2'],
    ]);
    w.clock.advance(2);
    await put(w, 'g', 'b', [
      [T0 - 7, 'b1'],
      [T0 - 5, 'b2'],
    ]);
    await put(w, 'g', 'dead', [[T0 - 6, 'x']]);
    w.logs.write('airflow-e-Task', 'dag_id=d/run_id=r/task_id=t/attempt=1.log', [{ timestamp: T0, message: 'task says hi' }]);
    const snap = JSON.parse(JSON.stringify(w.logs.snapshot()));
    const cut = w.journal.length;
    await w.ok('DeleteLogStream', { logGroupName: 'g', logStreamName: 'dead' });
    await w.ok('DeleteLogGroup', { logGroupName: 'gone' });
    await put(w, 'g', 'a', [[T0 - 6, 'a3']]);

    const answers = async (x: W) => ({
      groups: await x.ok('DescribeLogGroups', {}),
      streams: await x.ok('DescribeLogStreams', { logGroupName: 'g', orderBy: 'LastEventTime' }),
      filter: await x.ok('FilterLogEvents', { logGroupName: 'g' }),
      filterPage: await x.ok('FilterLogEvents', { logGroupName: 'g', limit: 2 }),
      get: await x.ok('GetLogEvents', { logGroupName: 'g', logStreamName: 'a', limit: 2 }),
      task: await x.ok('FilterLogEvents', { logGroupName: 'airflow-e-Task', logStreamNamePrefix: 'dag_id=d/' }),
    });
    const want = await answers(w);
    expect(want.filter.events.map((e: any) => e.message)).toEqual(['a1', 'b1', 'a3', 'a2', 'b2']);
    expect(want.filter.events[0].eventId).toMatch(/^\d{56}$/);

    const replayed = makeWorld({ journal: w.journal, now: T0 + 999_000 });
    expect(await answers(replayed)).toEqual(want);
    const restored = makeWorld({ snapshot: snap, journal: w.journal.slice(cut), now: T0 + 999_000 });
    expect(await answers(restored)).toEqual(want);
    // tokens issued before the restart keep working after it
    const next = await w.ok('FilterLogEvents', { logGroupName: 'g', limit: 2, nextToken: want.filterPage.nextToken });
    expect(await restored.ok('FilterLogEvents', { logGroupName: 'g', limit: 2, nextToken: want.filterPage.nextToken })).toEqual(next);
    // sequence numbers continue after a restore: new events get new ids
    await put(restored, 'g', 'a', [[T0 - 1, 'after restart']]);
    const ids = (await restored.ok('FilterLogEvents', { logGroupName: 'g' })).events.map((e: any) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses unknown journal records instead of silently ignoring them', () => {
    const w = makeWorld();
    expect(() => w.logs.replay('explode', { g: 'x' })).toThrow(/unknown journal op/);
    expect(() => w.logs.replay('put', { g: 'x', s: 'y', t: 1, e: 'nope' })).toThrow();
    expect(() => w.logs.restore({ v: 99 })).toThrow(/snapshot/);
  });
});

describe('fuzz', () => {
  it('answers random targets and bodies with JSON (200 or a 4xx error), never throwing or failing inside', async () => {
    const w = makeWorld();
    await w.ok('CreateLogGroup', { logGroupName: 'g' });
    await w.ok('CreateLogStream', { logGroupName: 'g', logStreamName: 's' });
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const ops = [
      'CreateLogGroup',
      'DeleteLogGroup',
      'DescribeLogGroups',
      'CreateLogStream',
      'DeleteLogStream',
      'DescribeLogStreams',
      'PutLogEvents',
      'GetLogEvents',
      'FilterLogEvents',
      'PutRetentionPolicy',
      'DeleteRetentionPolicy',
      'TagResource',
      'toString',
      '',
    ];
    const fields = [
      'logGroupName',
      'logStreamName',
      'logGroupIdentifier',
      'logEvents',
      'limit',
      'nextToken',
      'startTime',
      'endTime',
      'filterPattern',
      'logStreamNames',
      'logStreamNamePrefix',
      'orderBy',
      'descending',
      'startFromHead',
      'retentionInDays',
      'logGroupNamePrefix',
      'logGroupNamePattern',
      'logGroupIdentifiers',
      'tags',
      '__proto__',
    ];
    const scalar = (): unknown =>
      pick<() => unknown>([
        () => 'g',
        () => 's',
        () => '',
        () => 'a:b*',
        () => 'x'.repeat(Math.floor(rnd() * 600)),
        () => 'arn:aws:logs:us-east-1:123456789012:log-group:g:*',
        () => 'f/00000000000000000000000000000000000000000000000000000001/s',
        () => `b/${'9'.repeat(56)}/s`,
        () => Buffer.from(JSON.stringify({ t: rnd() * 1e15, s: -1 })).toString('base64url'),
        () => Math.floor(rnd() * 2e13) - 1e12,
        () => rnd(),
        () => 1e300,
        () => -0,
        () => true,
        () => null,
        () => '"quoted ?x -y',
        () => '{ $.x = 1 }',
        () => 'LastEventTime',
      ])();
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 2 || r < 0.6) return scalar();
      if (r < 0.8)
        return Array.from({ length: Math.floor(rnd() * 4) }, () =>
          rnd() < 0.5 ? { timestamp: scalar(), message: scalar() } : value(depth + 1),
        );
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 3); i > 0; i--) o[pick(fields)] = value(depth + 1);
      return o;
    };
    for (let n = 0; n < 3000; n++) {
      const body: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 5); i > 0; i--) body[pick(fields)] = value(0);
      let text = JSON.stringify(body);
      if (rnd() < 0.1) text = text.slice(0, Math.floor(rnd() * text.length));
      const target = rnd() < 0.05 ? pick(['Logs_20140328', 'logs_20140328.CreateLogGroup', 'x']) : `Logs_20140328.${pick(ops)}`;
      const r = await w.raw(target, text);
      expect([200, 400], `${target} ${text} -> ${JSON.stringify(r.json)}`).toContain(r.status);
      if (r.status !== 200) {
        expect(typeof r.json.__type).toBe('string');
        expect(typeof r.json.message).toBe('string');
      }
    }
    // the store is still consistent: a full replay gives the same answer
    const replayed = makeWorld({ journal: w.journal });
    expect(await replayed.ok('DescribeLogGroups', {})).toEqual(await w.ok('DescribeLogGroups', {}));
  });
});
