/**
 * Conformance: CloudWatch Logs answers of the local emulator compared with AWS's documented behaviour,
 * through @aws-sdk/client-cloudwatch-logs.
 */
import {
  CloudWatchLogsClient,
  CloudWatchLogsServiceException,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEmulator, TEST_ACCOUNT_ID, TEST_CREDENTIALS, startTestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  emu = await startTestEmulator();
  logs = emu.logs;
});
afterAll(async () => {
  await emu?.close();
});

async function rejection(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CloudWatchLogsServiceException) return { name: e.name, message: e.message };
    throw e;
  }
  throw new Error('expected the call to fail');
}

async function groupWith(name: string, messages: string[]): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: 's' }));
  const t = Date.now();
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: name,
      logStreamName: 's',
      logEvents: messages.map((message, i) => ({ timestamp: t + i, message })),
    }),
  );
}

async function matching(group: string, filterPattern: string): Promise<string[]> {
  const r = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern }));
  return (r.events ?? []).map((e) => e.message ?? '');
}

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
describe('FilterLogEvents filter patterns', () => {
  it('JSON patterns: equality, wildcards, numbers, nesting, IS / NOT EXISTS, && and ||', async () => {
    const lines = [
      '{"level":"error","code":500,"user":{"id":"u1"},"tags":["a","b"],"ok":false}',
      '{"level":"info","code":200,"user":{"id":"u2"},"ok":true}',
      '{"level":"error-ish","code":404}',
      'not json at all level=error',
    ];
    await groupWith('conf-json', lines);
    expect(await matching('conf-json', '{ $.level = "error" }')).toEqual([lines[0]]);
    expect(await matching('conf-json', '{ $.level = error* }')).toEqual([lines[0], lines[2]]);
    expect(await matching('conf-json', '{ $.code >= 400 }')).toEqual([lines[0], lines[2]]);
    expect(await matching('conf-json', '{ $.code != 200 }')).toEqual([lines[0], lines[2]]);
    expect(await matching('conf-json', '{ $.user.id = "u2" }')).toEqual([lines[1]]);
    expect(await matching('conf-json', '{ $.tags[1] = "b" }')).toEqual([lines[0]]);
    expect(await matching('conf-json', '{ $.ok IS TRUE }')).toEqual([lines[1]]);
    expect(await matching('conf-json', '{ $.user NOT EXISTS }')).toEqual([lines[2]]);
    expect(await matching('conf-json', '{ ($.code = 500 && $.ok IS FALSE) || $.code = 200 }')).toEqual([lines[0], lines[1]]);
    expect(await matching('conf-json', '{ $.level = %^err% }')).toEqual([lines[0], lines[2]]);
  });

  it('space-delimited patterns: fields by position, conditions, ... and grouped fields', async () => {
    const lines = [
      '127.0.0.1 frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 500 1534',
      '127.0.0.2 alice [10/Oct/2000:13:35:22 -0700] "GET /about.html HTTP/1.0" 200 2344',
      '127.0.0.3 bob [10/Oct/2000:13:45:00 -0700] "POST /login HTTP/1.0" 404 120',
    ];
    await groupWith('conf-delimited', lines);
    expect(await matching('conf-delimited', '[ip, user, timestamp, request, status_code=500, bytes]')).toEqual([lines[0]]);
    expect(await matching('conf-delimited', '[ip, user, timestamp, request, status_code>=400, bytes<1000]')).toEqual([lines[2]]);
    expect(await matching('conf-delimited', '[ip, user=a*, ...]')).toEqual([lines[1]]);
    expect(await matching('conf-delimited', '[..., status_code=4* || status_code=5*, bytes]')).toEqual([lines[0], lines[2]]);
    expect(await matching('conf-delimited', '[ip, user, timestamp, request="POST *", ...]')).toEqual([lines[2]]);
    // without an ellipsis the number of fields must match
    expect(await matching('conf-delimited', '[ip, user]')).toEqual([]);
  });

  it('regular expression patterns (%...%)', async () => {
    const lines = ['ERROR 42 in task', 'WARN 7 retrying', 'error lowercase'];
    await groupWith('conf-regex', lines);
    expect(await matching('conf-regex', '%ERROR [0-9]+%')).toEqual([lines[0]]);
    expect(await matching('conf-regex', '%[Ee][Rr][Rr][Oo][Rr]%')).toEqual([lines[0], lines[2]]);
    expect(await matching('conf-regex', '-%^ERROR% %[0-9]%')).toEqual([lines[1]]);
  });
});

// issue #18 (observed against AWS): the validation message for logGroupIdentifier reads
// "Value at 'logGroupIdentifier' failed to satisfy constraint ..." without repeating the value
describe('validation errors', () => {
  it("a bad logGroupIdentifier is reported as Value at 'logGroupIdentifier' without echoing the value", async () => {
    const bad = 'arn:aws:logs:us-east-1:123456789012:log-group:secret-name:*';
    const e = await rejection(logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: bad })));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toContain("Value at 'logGroupIdentifier' failed to satisfy constraint");
    expect(e.message).not.toContain('secret-name');
  });
});

// https://docs.aws.amazon.com/general/latest/gr/cwl_region.html: Logs is a regional service; a log
// group's ARN names its region (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html)
describe('regions', () => {
  it('a client in us-west-2 sees its own log groups, with us-west-2 ARNs', async () => {
    const west = new CloudWatchLogsClient({ endpoint: emu.url, region: 'us-west-2', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      await west.send(new CreateLogGroupCommand({ logGroupName: 'conf-west-only' }));
      const w = await west.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'conf-west' }));
      expect(w.logGroups?.map((g) => g.arn)).toEqual([`arn:aws:logs:us-west-2:${TEST_ACCOUNT_ID}:log-group:conf-west-only:*`]);
      const e = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'conf-west' }));
      expect(e.logGroups).toEqual([]);
      // the same name in the other region is another group
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'conf-west-only' }));
      expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'conf-west' }))).logGroups?.[0].arn).toBe(
        `arn:aws:logs:us-east-1:${TEST_ACCOUNT_ID}:log-group:conf-west-only:*`,
      );
      // and the state survives a restart
      await emu.restart();
      const west2 = new CloudWatchLogsClient({ endpoint: emu.url, region: 'us-west-2', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
      try {
        expect((await west2.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'conf-west' }))).logGroups).toHaveLength(1);
      } finally {
        west2.destroy();
      }
      logs = emu.logs;
    } finally {
      west.destroy();
    }
  });
});

// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html and
// API_LogGroup.html: the kmsKeyId and logGroupClass given at creation are what DescribeLogGroups reports
describe('CreateLogGroup options', () => {
  it('keeps kmsKeyId and logGroupClass instead of answering STANDARD without a key', async () => {
    const key = `arn:aws:kms:us-east-1:${TEST_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'conf-ia', kmsKeyId: key, logGroupClass: 'INFREQUENT_ACCESS' }));
    const g = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'conf-ia' }))).logGroups?.[0];
    expect([g?.kmsKeyId, g?.logGroupClass]).toEqual([key, 'INFREQUENT_ACCESS']);
    await emu.restart();
    logs = emu.logs;
    const again = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'conf-ia' }))).logGroups?.[0];
    expect([again?.kmsKeyId, again?.logGroupClass]).toEqual([key, 'INFREQUENT_ACCESS']);
  });
});
