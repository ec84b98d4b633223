/**
 * FilterLogEvents pages read with one JSON.parse (src/aws/logs-events.ts) against the emulator and a
 * raw HTTP server: the output equals the SDK's own deserialization (events, nextToken,
 * searchedLogStreams), the events really are the parsed body's (a member the SDK would drop stays),
 * errors stay the SDK's typed exceptions (and the SDK's retries still happen), and a body without an
 * `events` array is left to the SDK.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  ResourceNotFoundException,
  type FilterLogEventsCommandInput,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventsDirectly } from '../../src/aws/logs-events.js';
import { startTestEmulator, TEST_CREDENTIALS, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
const group = 'airflow-direct-Task';

beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  const base = emu.world.clock.now() - 60_000;
  for (const stream of ['dag_id=d/run_id=r/task_id=a/attempt=1.log', 'dag_id=d/run_id=r/task_id=b/attempt=1.log']) {
    await emu.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    await emu.logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        logEvents: Array.from({ length: 25 }, (_, i) => ({
          timestamp: base + i * 10 + (stream.includes('task_id=b') ? 1 : 0),
          // unicode, quotes, backslashes and line breaks survive the JSON round trip
          message: i % 5 === 0 ? `línea ${i} "quoted" \\ back\nsecond line ✓` : `INFO - event ${i}`,
        })),
      }),
    );
  }
});

afterAll(async () => {
  await emu?.close();
});

const strip = <T extends { $metadata?: unknown }>(o: T) => {
  const { $metadata: _, ...rest } = o;
  return rest;
};

describe('readEventsDirectly', () => {
  it('gives the same pages as the SDK, through every nextToken', async () => {
    const input: FilterLogEventsCommandInput = { logGroupName: group, logStreamNamePrefix: 'dag_id=d/', limit: 7 };
    let token: string | undefined;
    let pages = 0;
    let events = 0;
    do {
      const plain = await emu.logs.send(new FilterLogEventsCommand({ ...input, ...(token ? { nextToken: token } : {}) }));
      const direct = await emu.logs.send(
        readEventsDirectly(new FilterLogEventsCommand({ ...input, ...(token ? { nextToken: token } : {}) })),
      );
      expect(strip(direct)).toEqual(strip(plain));
      expect(direct.$metadata.httpStatusCode).toBe(200);
      events += direct.events?.length ?? 0;
      pages++;
      token = direct.nextToken;
    } while (token);
    expect(events).toBe(50);
    expect(pages).toBeGreaterThan(7);
  });

  it('keeps the SDK typed errors', async () => {
    const error = await emu.logs
      .send(readEventsDirectly(new FilterLogEventsCommand({ logGroupName: 'no-such-group' })))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('readEventsDirectly against a raw server', () => {
  let server: Server;
  let client: CloudWatchLogsClient;
  const bodies: Array<{ status: number; body: string }> = [];
  let requests = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests++;
        const next = bodies.shift() ?? { status: 200, body: '{}' };
        res.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(next.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new CloudWatchLogsClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
      maxAttempts: 3,
      retryMode: 'standard',
    });
  });

  afterAll(async () => {
    client?.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('takes the events from the body as they are (what the SDK would drop, an unknown member, stays: proof of the direct read)', async () => {
    const event = {
      logStreamName: 's',
      timestamp: 1_700_000_000_123,
      message: 'm',
      ingestionTime: 1_700_000_000_200,
      eventId: '1',
      futureField: 7,
    };
    bodies.push({ status: 200, body: JSON.stringify({ events: [event], nextToken: 'n2' }) });
    const direct = await client.send(readEventsDirectly(new FilterLogEventsCommand({ logGroupName: 'g' })));
    expect(direct.events).toEqual([event]);
    expect(direct.nextToken).toBe('n2');
    bodies.push({ status: 200, body: JSON.stringify({ events: [event] }) });
    const plain = await client.send(new FilterLogEventsCommand({ logGroupName: 'g' }));
    expect(plain.events).toEqual([
      { logStreamName: 's', timestamp: 1_700_000_000_123, message: 'm', ingestionTime: 1_700_000_000_200, eventId: '1' },
    ]);
  });

  it('leaves a body without an events array to the SDK', async () => {
    bodies.push({ status: 200, body: '{"nextToken":"t1","searchedLogStreams":[]}' });
    const out = await client.send(readEventsDirectly(new FilterLogEventsCommand({ logGroupName: 'g' })));
    expect(out.events).toBeUndefined();
    expect(out.nextToken).toBe('t1');
  });

  it('still lets the SDK retry a throttled call, then reads the events of the answer', async () => {
    requests = 0;
    bodies.push({ status: 400, body: '{"__type":"ThrottlingException","message":"Rate exceeded"}' });
    bodies.push({
      status: 200,
      body: JSON.stringify({
        events: [{ logStreamName: 's', timestamp: 1_700_000_000_123, message: 'm', ingestionTime: 1_700_000_000_200, eventId: '1' }],
      }),
    });
    const out = await client.send(readEventsDirectly(new FilterLogEventsCommand({ logGroupName: 'g' })));
    expect(requests).toBe(2);
    expect(out.events).toEqual([
      { logStreamName: 's', timestamp: 1_700_000_000_123, message: 'm', ingestionTime: 1_700_000_000_200, eventId: '1' },
    ]);
  });

  it('lets the SDK report a malformed body', async () => {
    bodies.push({ status: 200, body: '{"events": [' });
    await expect(client.send(readEventsDirectly(new FilterLogEventsCommand({ logGroupName: 'g' })))).rejects.toThrow();
  });
});
