/**
 * CloudWatch Logs of the local emulator through the real @aws-sdk/client-cloudwatch-logs against the
 * in-process server (test/helpers/emulator.ts): every operation, pagination, filter patterns, errors,
 * an injected fault, rebuild after a restart and after a crash (journal replay), and a wire fuzz.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  paginateDescribeLogGroups,
  paginateDescribeLogStreams,
  paginateFilterLogEvents,
  paginateGetLogEvents,
  type CloudWatchLogsClient,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let now: number;

beforeAll(async () => {
  emu = await startTestEmulator();
  now = emu.world.clock.now();
});

afterAll(async () => {
  await emu?.close();
});

async function rejects(p: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { name: string; $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

async function put(logs: CloudWatchLogsClient, group: string, stream: string, events: Array<[number, string]>) {
  return logs.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: events.map(([timestamp, message]) => ({ timestamp, message })),
    }),
  );
}

async function raw(target: string | undefined, body: string, auth = true) {
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
  if (target !== undefined) headers['x-amz-target'] = target;
  if (auth) {
    headers.authorization =
      'AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20250101/us-east-1/logs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
  }
  const res = await fetch(`${emu.url}/`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), json: JSON.parse(text) as Record<string, unknown> };
}

describe('groups and streams through the SDK', () => {
  it('creates, describes (paginated), and deletes log groups, with the SDK error classes', async () => {
    for (let i = 0; i < 7; i++) await emu.logs.send(new CreateLogGroupCommand({ logGroupName: `sdk-groups-${i}` }));
    const e = await rejects(emu.logs.send(new CreateLogGroupCommand({ logGroupName: 'sdk-groups-0' })));
    expect(e).toBeInstanceOf(ResourceAlreadyExistsException);
    expect(e.$metadata?.httpStatusCode).toBe(400);

    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeLogGroups({ client: emu.logs, pageSize: 3 }, { logGroupNamePrefix: 'sdk-groups-' })) {
      pages++;
      for (const g of page.logGroups ?? []) {
        names.push(g.logGroupName!);
        expect(g.arn).toBe(`arn:aws:logs:us-east-1:123456789012:log-group:${g.logGroupName}:*`);
        expect(g.creationTime).toBeGreaterThan(0);
      }
    }
    expect(names).toEqual(Array.from({ length: 7 }, (_, i) => `sdk-groups-${i}`));
    expect(pages).toBe(3);

    await emu.logs.send(new PutRetentionPolicyCommand({ logGroupName: 'sdk-groups-1', retentionInDays: 14 }));
    const one = await emu.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'sdk-groups-1' }));
    expect(one.logGroups?.[0].retentionInDays).toBe(14);
    await emu.logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'sdk-groups-1' }));

    await emu.logs.send(new DeleteLogGroupCommand({ logGroupName: 'sdk-groups-3' }));
    const after = await emu.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'sdk-groups-' }));
    expect(after.logGroups?.map((g) => g.logGroupName)).not.toContain('sdk-groups-3');
    const nf = await rejects(emu.logs.send(new DeleteLogGroupCommand({ logGroupName: 'sdk-groups-3' })));
    expect(nf).toBeInstanceOf(ResourceNotFoundException);
    expect(nf.message).toBe('The specified log group does not exist.');
    const bad = await rejects(emu.logs.send(new CreateLogGroupCommand({ logGroupName: 'no spaces allowed' })));
    expect(bad).toBeInstanceOf(InvalidParameterException);
    expect(bad.message).toMatch(/^1 validation error detected: Value 'no spaces allowed' at 'logGroupName'/);
  });

  it('creates, describes (prefix, order, pagination) and deletes log streams', async () => {
    const g = 'sdk-streams';
    await emu.logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    const streams = [
      'dag_id=a/run_id=r1/task_id=t/attempt=1.log',
      'dag_id=a/run_id=r2/task_id=t/attempt=1.log',
      'dag_id=b/run_id=r1/task_id=t/attempt=1.log',
      'scheduler_ip-1.log',
    ];
    for (const s of streams) await emu.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: s }));
    expect(await rejects(emu.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: streams[0] })))).toBeInstanceOf(
      ResourceAlreadyExistsException,
    );
    expect(await rejects(emu.logs.send(new CreateLogStreamCommand({ logGroupName: 'sdk-nope', logStreamName: 's' })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
    await put(emu.logs, g, streams[2], [[now - 3000, 'b']]);
    await put(emu.logs, g, streams[0], [[now - 2000, 'a1']]);
    await put(emu.logs, g, streams[1], [[now - 1000, 'a2']]);

    const seen: string[] = [];
    for await (const page of paginateDescribeLogStreams(
      { client: emu.logs, pageSize: 1 },
      { logGroupName: g, logStreamNamePrefix: 'dag_id=a/' },
    )) {
      expect(page.logStreams!.length).toBeLessThanOrEqual(1);
      seen.push(...page.logStreams!.map((s) => s.logStreamName!));
    }
    expect(seen).toEqual(streams.slice(0, 2));

    const byTime = await emu.logs.send(new DescribeLogStreamsCommand({ logGroupName: g, orderBy: 'LastEventTime', descending: true }));
    expect(byTime.logStreams!.map((s) => s.logStreamName)).toEqual([streams[1], streams[0], streams[2], streams[3]]);
    const s1 = byTime.logStreams![0];
    expect(s1.firstEventTimestamp).toBe(now - 1000);
    expect(s1.lastEventTimestamp).toBe(now - 1000);
    expect(s1.lastIngestionTime).toBeGreaterThanOrEqual(now);
    expect(s1.creationTime).toBeGreaterThanOrEqual(now - 60_000);
    expect(s1.arn).toBe(`arn:aws:logs:us-east-1:123456789012:log-group:${g}:log-stream:${streams[1]}`);
    const err = await rejects(
      emu.logs.send(new DescribeLogStreamsCommand({ logGroupName: g, orderBy: 'LastEventTime', logStreamNamePrefix: 'x' })),
    );
    expect(err).toBeInstanceOf(InvalidParameterException);

    await emu.logs.send(new DeleteLogStreamCommand({ logGroupName: g, logStreamName: streams[3] }));
    expect(await rejects(emu.logs.send(new DeleteLogStreamCommand({ logGroupName: g, logStreamName: streams[3] })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
    const left = await emu.logs.send(new DescribeLogStreamsCommand({ logGroupName: g }));
    expect(left.logStreams!.map((s) => s.logStreamName)).toEqual(streams.slice(0, 3));
  });
});

describe('events through the SDK', () => {
  const g = 'sdk-events';
  const s = 'stream';

  beforeAll(async () => {
    await emu.logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    await emu.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: s }));
    await put(
      emu.logs,
      g,
      s,
      Array.from({ length: 25 }, (_, i) => [now - 100_000 + i * 1000, `e${i}`] as [number, string]),
    );
  });

  it('PutLogEvents returns a sequence token, rejects unordered batches and reports too-new events', async () => {
    await emu.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: 'put' }));
    const r = await put(emu.logs, g, 'put', [
      [now - 10, 'x'],
      [now + 3 * 3_600_000, 'far future'],
    ]);
    expect(r.nextSequenceToken).toMatch(/^\d+$/);
    expect(r.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    const e = await rejects(
      put(emu.logs, g, 'put', [
        [now, 'b'],
        [now - 1, 'a'],
      ]),
    );
    expect(e).toBeInstanceOf(InvalidParameterException);
    expect(e.message).toBe('Log events in a single PutLogEvents request must be in chronological order.');
    expect(await rejects(put(emu.logs, g, 'missing', [[now, 'a']]))).toBeInstanceOf(ResourceNotFoundException);
    const got = await emu.logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 'put' }));
    expect(got.events!.map((x) => x.message)).toEqual(['x']);
  });

  it('GetLogEvents: the SDK paginator reads forward until the token repeats; backward tokens go back', async () => {
    const pages: string[][] = [];
    for await (const page of paginateGetLogEvents(
      { client: emu.logs, pageSize: 10, stopOnSameToken: true },
      { logGroupName: g, logStreamName: s, startFromHead: true },
    )) {
      pages.push(page.events!.map((e) => e.message!));
      if (pages.length > 10) throw new Error('the paginator did not stop');
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5, 0]);
    expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => `e${i}`));

    const tail = await emu.logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: s, limit: 10 }));
    expect(tail.events!.map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, i) => `e${15 + i}`));
    const back = await emu.logs.send(
      new GetLogEventsCommand({ logGroupName: g, logStreamName: s, limit: 10, nextToken: tail.nextBackwardToken }),
    );
    expect(back.events!.map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, i) => `e${5 + i}`));
    const fwd = await emu.logs.send(
      new GetLogEventsCommand({ logGroupName: g, logStreamName: s, limit: 10, nextToken: tail.nextForwardToken }),
    );
    expect(fwd.events).toEqual([]);
    expect(fwd.nextForwardToken).toBe(tail.nextForwardToken);
    const win = await emu.logs.send(
      new GetLogEventsCommand({
        logGroupName: g,
        logStreamName: s,
        startTime: now - 100_000 + 2000,
        endTime: now - 100_000 + 4000,
        startFromHead: true,
      }),
    );
    expect(win.events!.map((e) => e.message)).toEqual(['e2', 'e3']);
    expect(win.events![0].ingestionTime).toBeGreaterThanOrEqual(now);
    expect(await rejects(emu.logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 'nope' })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('FilterLogEvents: paginates across streams with events appended between pages (no duplicates, none lost)', async () => {
    const fg = 'sdk-filter';
    await emu.logs.send(new CreateLogGroupCommand({ logGroupName: fg }));
    const names = ['dag_id=d/run_id=r/task_id=a/attempt=1.log', 'dag_id=d/run_id=r/task_id=b/attempt=1.log', 'other.log'];
    for (const n of names) await emu.logs.send(new CreateLogStreamCommand({ logGroupName: fg, logStreamName: n }));
    const expected = new Set<string>();
    let k = 0;
    const append = async (base: number, count: number) => {
      for (const [label, n] of [
        ['a', names[0]],
        ['b', names[1]],
      ]) {
        const evs: Array<[number, string]> = [];
        for (let i = 0; i < count; i++) {
          const m = `${label} line ${k++}`;
          evs.push([base + i, m]);
          expected.add(m);
        }
        await put(emu.logs, fg, n, evs);
      }
    };
    await append(now - 50_000, 30);
    await put(emu.logs, fg, 'other.log', [[now - 40_000, 'not selected']]);
    const got: FilteredLogEvent[] = [];
    let pages = 0;
    for await (const page of paginateFilterLogEvents(
      { client: emu.logs, pageSize: 8 },
      { logGroupName: fg, logStreamNamePrefix: 'dag_id=d/', startTime: now - 60_000 },
    )) {
      got.push(...page.events!);
      pages++;
      if (pages <= 4) await append(now - 20_000 + pages * 100, 3);
    }
    const messages = got.map((e) => e.message!);
    expect(new Set(messages).size).toBe(messages.length);
    expect(new Set(got.map((e) => e.eventId)).size).toBe(got.length);
    expect(new Set(messages)).toEqual(expected);
    expect(pages).toBeGreaterThanOrEqual(10);
    expect(got.every((e) => e.logStreamName !== 'other.log' && e.ingestionTime! >= now)).toBe(true);
    const ts = got.map((e) => e.timestamp!);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));

    // explicit stream names, time window (inclusive end), patterns
    const r = await emu.logs.send(
      new FilterLogEventsCommand({ logGroupName: fg, logStreamNames: [names[1]], startTime: now - 50_000, endTime: now - 50_000 + 2 }),
    );
    expect(r.events!.map((e) => e.message)).toEqual(['b line 30', 'b line 31', 'b line 32']);
    const f = async (filterPattern: string) =>
      (await emu.logs.send(new FilterLogEventsCommand({ logGroupName: fg, filterPattern }))).events!.map((e) => e.message);
    const every = await f('');
    expect(await f('"a line 7"')).toEqual(every.filter((m) => m!.includes('a line 7')));
    expect(await f('"a line 7"')).toContain('a line 7');
    expect(await f('selected not')).toEqual(['not selected']);
    expect(every).toHaveLength(expected.size + 1);
    const orTerms = await f('?"line 1" ?selected');
    expect(orTerms).toEqual(every.filter((m) => m!.includes('line 1') || m!.includes('selected')));
    expect(orTerms).toContain('not selected');
    const notTerm = await f('line -b -"line 2"');
    expect(notTerm).toEqual(every.filter((m) => m!.includes('line') && !m!.includes('b') && !m!.includes('line 2')));
    expect(notTerm).toContain('a line 1');
    expect(notTerm).not.toContain('a line 2');
    expect(notTerm.length).toBeGreaterThan(0);
    const bad = await rejects(emu.logs.send(new FilterLogEventsCommand({ logGroupName: fg, filterPattern: '{ $.x = }' })));
    expect(bad).toBeInstanceOf(InvalidParameterException);
    expect(await rejects(emu.logs.send(new FilterLogEventsCommand({ logGroupName: 'sdk-nope' })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect(await rejects(emu.logs.send(new FilterLogEventsCommand({ logGroupName: fg, logStreamNames: ['gone'] })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('sees what the other services write through the store API', async () => {
    emu.world.logs.write('airflow-sdk-Task', 'dag_id=x/run_id=manual__2025-01-01T00_00_00+00_00/task_id=t/attempt=1.log', [
      { timestamp: now - 5, message: '[2025-01-01, 00:00:00 UTC] {taskinstance.py:1} INFO - Marking task as SUCCESS.' },
    ]);
    const r = await emu.logs.send(
      new FilterLogEventsCommand({
        logGroupIdentifier: 'arn:aws:logs:us-east-1:123456789012:log-group:airflow-sdk-Task',
        logStreamNamePrefix: 'dag_id=x/run_id=manual__2025-01-01T00_00_00+00_00/',
        filterPattern: 'SUCCESS',
      }),
    );
    expect(r.events).toHaveLength(1);
    expect(r.events![0].logStreamName).toBe('dag_id=x/run_id=manual__2025-01-01T00_00_00+00_00/task_id=t/attempt=1.log');
  });
});

describe('wire errors, faults and fuzz', () => {
  it('answers malformed JSON, unknown operations and missing auth in the JSON 1.1 error shape', async () => {
    const m = await raw('Logs_20140328.CreateLogGroup', '{"logGroupName":');
    expect(m).toMatchObject({ status: 400, contentType: 'application/x-amz-json-1.1', json: { __type: 'SerializationException' } });
    const u = await raw('Logs_20140328.StartQueryX', '{}');
    expect(u).toMatchObject({ status: 400, json: { __type: 'UnknownOperationException' } });
    const n = await raw('Logs_20140328.DescribeLogGroups', '{}', false);
    expect(n.status).toBe(400);
    expect(n.json.__type).toBe('MissingAuthenticationTokenException');
  });

  it('fails the next FilterLogEvents with a fault injected by the control endpoint, then recovers', async () => {
    await emu.logs.send(new CreateLogGroupCommand({ logGroupName: 'sdk-fault' }));
    await emu.fault({
      service: 'logs',
      operation: 'FilterLogEvents',
      error: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    });
    // an unrelated operation is not affected
    await emu.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'sdk-fault' }));
    const e = await rejects(emu.logs.send(new FilterLogEventsCommand({ logGroupName: 'sdk-fault' })));
    expect(e.name).toBe('ThrottlingException');
    expect(e.message).toBe('Rate exceeded');
    expect(e.$metadata?.httpStatusCode).toBe(400);
    const ok = await emu.logs.send(new FilterLogEventsCommand({ logGroupName: 'sdk-fault' }));
    expect(ok.events).toEqual([]);

    await emu.logs.send(new CreateLogStreamCommand({ logGroupName: 'sdk-fault', logStreamName: 's' }));
    await emu.fault({
      service: 'logs',
      operation: 'PutLogEvents',
      match: { logStreamName: 's' },
      after: 1,
      error: { status: 500, code: 'ServiceUnavailableException' },
    });
    await put(emu.logs, 'sdk-fault', 's', [[now, 'first']]);
    const e2 = await rejects(put(emu.logs, 'sdk-fault', 's', [[now, 'second']]));
    expect(e2.name).toBe('ServiceUnavailableException');
    expect(e2.$metadata?.httpStatusCode).toBe(500);
    const got = await emu.logs.send(new GetLogEventsCommand({ logGroupName: 'sdk-fault', logStreamName: 's' }));
    expect(got.events!.map((x) => x.message)).toEqual(['first']);
  });

  it('survives random bodies and targets on the wire, always answering JSON', async () => {
    let seed = 99;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const ops = ['CreateLogGroup', 'DescribeLogStreams', 'PutLogEvents', 'GetLogEvents', 'FilterLogEvents', 'DeleteLogStream', 'Bogus'];
    const values: unknown[] = [
      'sdk-fuzz',
      'stream',
      '',
      5,
      -1,
      1.5,
      true,
      null,
      [],
      {},
      [{ timestamp: now, message: 'm' }],
      'x'.repeat(700),
      { a: [1, { b: 2 }] },
    ];
    const keys = [
      'logGroupName',
      'logStreamName',
      'logEvents',
      'limit',
      'nextToken',
      'startTime',
      'filterPattern',
      'logStreamNames',
      'orderBy',
    ];
    for (let n = 0; n < 300; n++) {
      let body: string;
      const r = rnd();
      if (r < 0.15) body = pick(['', '{', 'null', '[1,2]', '"x"', '{"a":}', '\u0000\u0001', '{"logGroupName":"sdk-fuzz"']);
      else {
        const o: Record<string, unknown> = {};
        for (let i = Math.floor(rnd() * 5); i > 0; i--) o[pick(keys)] = pick(values);
        body = JSON.stringify(o);
      }
      const res = await raw(`Logs_20140328.${pick(ops)}`, body);
      expect([200, 400], body).toContain(res.status);
      expect(res.contentType).toBe('application/x-amz-json-1.1');
      if (res.status === 400) expect(typeof res.json.__type).toBe('string');
    }
    expect((await emu.control('GET', '/_mwaa_local/health')).body).toEqual({ ok: true });
  });
});

describe('persistence', () => {
  it('gives the same answers after a crash (journal replay) and after a clean restart (snapshot)', async () => {
    const g = 'sdk-persist';
    await emu.logs.send(new CreateLogGroupCommand({ logGroupName: g }));
    for (const s of ['a', 'b']) await emu.logs.send(new CreateLogStreamCommand({ logGroupName: g, logStreamName: s }));
    await put(emu.logs, g, 'a', [
      [now - 30, 'a1'],
      [now - 10, 'a2'],
    ]);
    await put(emu.logs, g, 'b', [
      [now - 20, 'b1'],
      [now - 10, 'b2'],
    ]);
    emu.world.logs.write(g, 'c', [{ timestamp: now - 15, message: 'c1' }]);

    const answers = async (logs: CloudWatchLogsClient) => {
      const filter = await logs.send(new FilterLogEventsCommand({ logGroupName: g }));
      const page = await logs.send(new FilterLogEventsCommand({ logGroupName: g, limit: 2 }));
      const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: g }));
      const get = await logs.send(new GetLogEventsCommand({ logGroupName: g, logStreamName: 'a', limit: 1 }));
      const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: g }));
      const strip = <T extends { $metadata?: unknown }>(x: T): Omit<T, '$metadata'> => {
        const { $metadata: _ignored, ...rest } = x;
        return rest;
      };
      return { filter: strip(filter), page: strip(page), streams: strip(streams), get: strip(get), groups: strip(groups) };
    };
    const want = await answers(emu.logs);
    expect(want.filter.events!.map((e) => e.message)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2']);

    // a crash: copy the state directory as it is now (journal only, no snapshot of these writes)
    const crashDir = mkdtempSync(join(tmpdir(), 'mwaa-logs-crash-'));
    try {
      cpSync(emu.stateDir, crashDir, { recursive: true, filter: (src) => !src.endsWith('owner.json') });
      const other = await startTestEmulator({ stateDir: crashDir });
      try {
        expect(await answers(other.logs)).toEqual(want);
        const next = await other.logs.send(new FilterLogEventsCommand({ logGroupName: g, limit: 2, nextToken: want.page.nextToken }));
        expect(next.events!.map((e) => e.message)).toEqual(['c1', 'a2']);
      } finally {
        await other.close();
      }
    } finally {
      rmSync(crashDir, { recursive: true, force: true });
    }

    await emu.restart();
    expect(await answers(emu.logs)).toEqual(want);
    // writes after the restart get new, distinct event ids
    await put(emu.logs, g, 'a', [[now - 5, 'a3']]);
    const ids = (await emu.logs.send(new FilterLogEventsCommand({ logGroupName: g }))).events!.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(6);
  });
});
