/**
 * Conformance: STS GetCallerIdentity and per-region MWAA state of the local emulator.
 */
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import {
  CreateEnvironmentCommand,
  GetEnvironmentCommand,
  ListEnvironmentsCommand,
  MWAAClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-mwaa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEmulator, TEST_ACCOUNT_ID, TEST_CREDENTIALS, startTestEmulator } from '../helpers/emulator.js';
import { python } from '../helpers/python.js';
import { boto3Missing } from '../helpers/tools.js';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html (query protocol,
// Action=GetCallerIdentity&Version=2011-06-15, answer GetCallerIdentityResponse/GetCallerIdentityResult)
describe('STS GetCallerIdentity', () => {
  it('answers the account, an ARN and a user id, in XML, to the request the SDKs send', async () => {
    const r = await fetch(`${emu.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00',
      },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(r.status).toBe(200);
    const xml = await r.text();
    expect(xml).toContain('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(xml).toContain(`<Account>${TEST_ACCOUNT_ID}</Account>`);
    expect(xml).toContain(`<Arn>arn:aws:iam::${TEST_ACCOUNT_ID}:user/AKIDLOCALTEST</Arn>`);
    expect(xml).toMatch(/<UserId>AIDA[0-9A-Z]+<\/UserId>/);
  });

  it('refuses other actions with InvalidAction and unsigned calls with MissingAuthenticationToken', async () => {
    const signed = {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00',
    };
    const other = await fetch(`${emu.url}/`, { method: 'POST', headers: signed, body: 'Action=AssumeRole&Version=2011-06-15' });
    expect(other.status).toBe(400);
    expect(await other.text()).toContain('<Code>InvalidAction</Code>');
    const unsigned = await fetch(`${emu.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('answers boto3 (skipped without python3 + boto3)', async (ctx) => {
    if (boto3Missing()) ctx.skip();
    const r = await python('import boto3; print(boto3.client("sts").get_caller_identity()["Account"])', emu.childEnv());
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(TEST_ACCOUNT_ID);
  });
});

// https://docs.aws.amazon.com/general/latest/gr/mwaa.html (MWAA endpoints are regional) and
// https://docs.aws.amazon.com/mwaa/latest/API/API_Environment.html (Arn: arn:aws:airflow:<region>:<account>:environment/<name>)
describe('MWAA per region', () => {
  it('a client in us-west-2 creates its environment there, with a us-west-2 ARN, invisible from us-east-1', async () => {
    await emu.s3.send(new CreateBucketCommand({ Bucket: 'conf-mwaa-west' }));
    await emu.s3.send(new PutBucketVersioningCommand({ Bucket: 'conf-mwaa-west', VersioningConfiguration: { Status: 'Enabled' } }));
    const west = new MWAAClient({
      endpoint: emu.url,
      region: 'us-west-2',
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
      disableHostPrefix: true,
    });
    try {
      const created = await west.send(
        new CreateEnvironmentCommand({
          Name: 'conf-west',
          ExecutionRoleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/mwaa-exec`,
          SourceBucketArn: 'arn:aws:s3:::conf-mwaa-west',
          DagS3Path: 'dags',
          NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
          LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } },
        }),
      );
      expect(created.Arn).toBe(`arn:aws:airflow:us-west-2:${TEST_ACCOUNT_ID}:environment/conf-west`);
      const env = (await west.send(new GetEnvironmentCommand({ Name: 'conf-west' }))).Environment!;
      expect(env.Arn).toBe(created.Arn);
      expect(env.LoggingConfiguration?.TaskLogs?.CloudWatchLogGroupArn).toBe(
        `arn:aws:logs:us-west-2:${TEST_ACCOUNT_ID}:log-group:airflow-conf-west-Task:*`,
      );
      expect((await west.send(new ListEnvironmentsCommand({}))).Environments).toEqual(['conf-west']);
      expect((await emu.mwaa.send(new ListEnvironmentsCommand({}))).Environments).toEqual([]);
      await expect(emu.mwaa.send(new GetEnvironmentCommand({ Name: 'conf-west' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      west.destroy();
    }
  });
});
