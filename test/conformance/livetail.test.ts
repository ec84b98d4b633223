/**
 * Conformance: CloudWatch Logs StartLiveTail through @aws-sdk/client-cloudwatch-logs, which reads the
 * answer as an event stream (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartLiveTail.html:
 * a sessionStart event, then sessionUpdate events with the log events ingested since; the session ends
 * with SessionTimeoutException after 3 hours).
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  type LiveTailSessionLogEvent,
  PutLogEventsCommand,
  SessionTimeoutException,
  StartLiveTailCommand,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEmulator, TEST_ACCOUNT_ID, TEST_CREDENTIALS, TEST_REGION, startTestEmulator } from '../helpers/emulator.js';
import { python } from '../helpers/python.js';
import { boto3Missing } from '../helpers/tools.js';

let emu: TestEmulator;
let logs: CloudWatchLogsClient;
const arn = (group: string): string => `arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT_ID}:log-group:${group}`;

beforeAll(async () => {
  emu = await startTestEmulator();
  // as AWS_DISABLE_HOST_PREFIX_INJECTION does for the CLI and boto3: StartLiveTail's endpoint has the host prefix "stream-"
  logs = new CloudWatchLogsClient({
    endpoint: emu.url,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    disableHostPrefix: true,
  });
});
afterAll(async () => {
  logs?.destroy();
  await emu?.close();
});

async function put(group: string, stream: string, messages: string[]): Promise<void> {
  const t = Date.now();
  await emu.logs.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: messages.map((message, i) => ({ timestamp: t + i, message })),
    }),
  );
}

/** Reads the session's events until `until` holds for what arrived (or the deadline passes). */
async function readUntil(
  stream: AsyncIterable<StartLiveTailResponseStream>,
  until: (events: LiveTailSessionLogEvent[]) => boolean,
  deadlineMs = 10_000,
): Promise<{ started: boolean; events: LiveTailSessionLogEvent[] }> {
  const deadline = Date.now() + deadlineMs;
  const events: LiveTailSessionLogEvent[] = [];
  let started = false;
  for await (const m of stream) {
    if (m.sessionStart) started = true;
    if (m.sessionUpdate) events.push(...(m.sessionUpdate.sessionResults ?? []));
    if (until(events) || Date.now() > deadline) break;
  }
  return { started, events };
}

describe('StartLiveTail', () => {
  it('streams the events ingested after the start, filtered by pattern and stream prefix', async () => {
    await emu.logs.send(new CreateLogGroupCommand({ logGroupName: 'tail-g' }));
    for (const s of ['app-1', 'db-1']) await emu.logs.send(new CreateLogStreamCommand({ logGroupName: 'tail-g', logStreamName: s }));
    await put('tail-g', 'app-1', ['before the session ERROR']);
    const ac = new AbortController();
    const r = await logs.send(
      new StartLiveTailCommand({ logGroupIdentifiers: [arn('tail-g')], logStreamNamePrefixes: ['app-'], logEventFilterPattern: 'ERROR' }),
      { abortSignal: ac.signal },
    );
    const writer = (async () => {
      await put('tail-g', 'app-1', ['ERROR one', 'INFO skipped']);
      await put('tail-g', 'db-1', ['ERROR other stream']);
      await put('tail-g', 'app-1', ['ERROR two']);
    })();
    const got = await readUntil(r.responseStream!, (ev) => ev.length >= 2);
    ac.abort();
    await writer;
    expect(got.started).toBe(true);
    expect(got.events.map((e) => e.message)).toEqual(['ERROR one', 'ERROR two']);
    expect(got.events[0]).toMatchObject({ logStreamName: 'app-1', logGroupIdentifier: arn('tail-g') });
    expect(typeof got.events[0].ingestionTime).toBe('number');
  });

  it('ends with SessionTimeoutException after 3 hours of emulator clock', async () => {
    await emu.logs.send(new CreateLogGroupCommand({ logGroupName: 'tail-timeout' }));
    const r = await logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [arn('tail-timeout')] }));
    await emu.advance(3 * 3600 + 1);
    let error: unknown;
    try {
      for await (const m of r.responseStream!) void m;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SessionTimeoutException);
  });

  it('refuses log group names (ARNs are required), unknown groups and names with prefixes together', async () => {
    await expect(logs.send(new StartLiveTailCommand({ logGroupIdentifiers: ['tail-g'] }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [arn('tail-none')] }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      logs.send(new StartLiveTailCommand({ logGroupIdentifiers: [arn('tail-g')], logStreamNames: ['a'], logStreamNamePrefixes: ['b'] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('StartLiveTail from boto3', () => {
  // botocore reads a JSON-protocol event stream only when it opens with an initial-response event
  it('streams to boto3 (skipped without python3 + boto3)', async (ctx) => {
    if (boto3Missing()) ctx.skip();
    await emu.logs.send(new CreateLogGroupCommand({ logGroupName: 'tail-boto3' }));
    await emu.logs.send(new CreateLogStreamCommand({ logGroupName: 'tail-boto3', logStreamName: 's' }));
    const code = [
      'import boto3, threading, time',
      'logs = boto3.client("logs")',
      `r = logs.start_live_tail(logGroupIdentifiers=["${arn('tail-boto3')}"])`,
      'def put():',
      '    logs.put_log_events(logGroupName="tail-boto3", logStreamName="s", logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello from boto3"}])',
      'got = []',
      'for ev in r["responseStream"]:',
      '    if "sessionStart" in ev: threading.Thread(target=put).start()',
      '    if "sessionUpdate" in ev: got += [e["message"] for e in ev["sessionUpdate"]["sessionResults"]]',
      '    if got: break',
      'print(got[0])',
    ].join('\n');
    const r = await python(code, emu.childEnv({ AWS_DISABLE_HOST_PREFIX_INJECTION: 'true' }));
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('hello from boto3');
  });
});
