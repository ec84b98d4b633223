/**
 * The MWAA service of the local emulator through the real wire: @aws-sdk/client-mwaa 3.523.0 (with
 * disableHostPrefix), raw signed-looking requests for the members that SDK drops, and the control
 * endpoint. One in-process emulator per describe block (test/helpers/emulator.ts).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateCliTokenCommand,
  CreateEnvironmentCommand,
  type CreateEnvironmentCommandInput,
  CreateWebLoginTokenCommand,
  DeleteEnvironmentCommand,
  GetEnvironmentCommand,
  ListEnvironmentsCommand,
  ListTagsForResourceCommand,
  MWAAClient,
  PublishMetricsCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateEnvironmentCommand,
  ValidationException,
  paginateListEnvironments,
} from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeLogStreamsCommand, DescribeLogGroupsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startTestEmulator, TEST_ACCOUNT_ID, TEST_CREDENTIALS, type TestEmulator } from '../helpers/emulator.js';

const BUCKET = 'mwaa-sdk-bucket';
const ROLE = `arn:aws:iam::${TEST_ACCOUNT_ID}:role/mwaa-exec`;
const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20260901/us-east-1/airflow/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000';

function input(name: string, extra: Partial<CreateEnvironmentCommandInput> = {}): CreateEnvironmentCommandInput {
  return {
    Name: name,
    ExecutionRoleArn: ROLE,
    SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
    DagS3Path: 'dags',
    NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
    ...extra,
  };
}

async function versionedBucket(emu: TestEmulator): Promise<void> {
  await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
}

async function put(emu: TestEmulator, key: string, body: string): Promise<string> {
  const r = await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  if (!r.VersionId) throw new Error('no VersionId: is the bucket versioned?');
  return r.VersionId;
}

async function status(emu: TestEmulator, name: string): Promise<string | undefined> {
  return (await emu.mwaa.send(new GetEnvironmentCommand({ Name: name }))).Environment?.Status;
}

/** A raw request as a non-SDK client would send it (dummy SigV4 Authorization, scope "airflow"). */
async function raw(
  emu: TestEmulator,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: emu.port, method, path, headers: { authorization: AUTH, 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function expectError(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

describe('MWAA over the wire: clock-driven simulation', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    // long durations: the test moves the clock itself, with seconds of margin against real time
    emu = await startTestEmulator({ sim: { createSeconds: 60, updateSeconds: 60, deleteSeconds: 40 } });
    await versionedBucket(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('every environment operation through the SDK, with statuses moved by POST /_mwaa_local/clock', async () => {
    const created = await emu.mwaa.send(
      new CreateEnvironmentCommand(input('sdk-env', { Tags: { team: 'data' }, AirflowVersion: '2.11.0' })),
    );
    expect(created.Arn).toBe(`arn:aws:airflow:us-east-1:${TEST_ACCOUNT_ID}:environment/sdk-env`);

    let env = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'sdk-env' }))).Environment!;
    expect(env.Status).toBe('CREATING');
    expect(env.CreatedAt).toBeInstanceOf(Date);
    expect(env.WebserverUrl).toBe(`https://localhost:${emu.port}`);
    expect(env.AirflowVersion).toBe('2.11.0');
    expect(env.NetworkConfiguration).toEqual({ SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] });
    expect(env.LastUpdate?.Status).toBe('PENDING');

    await emu.advance(50);
    expect(await status(emu, 'sdk-env')).toBe('CREATING');
    await emu.advance(10);
    expect(await status(emu, 'sdk-env')).toBe('AVAILABLE');

    const list = await emu.mwaa.send(new ListEnvironmentsCommand({}));
    expect(list.Environments).toContain('sdk-env');

    const cli = await emu.mwaa.send(new CreateCliTokenCommand({ Name: 'sdk-env' }));
    expect(cli.WebServerHostname).toBe(`localhost:${emu.port}`);
    expect(cli.CliToken).toMatch(/^\S{40,}$/);
    const web = await emu.mwaa.send(new CreateWebLoginTokenCommand({ Name: 'sdk-env' }));
    expect(web.WebServerHostname).toBe(`localhost:${emu.port}`);
    expect(web.IamIdentity).toBe(`arn:aws:iam::${TEST_ACCOUNT_ID}:user/AKIDLOCALTEST`);
    expect(web.WebToken).not.toBe(cli.CliToken);

    const arn = created.Arn!;
    await emu.mwaa.send(new TagResourceCommand({ ResourceArn: arn, Tags: { cost: '42' } }));
    await emu.mwaa.send(new UntagResourceCommand({ ResourceArn: arn, tagKeys: ['team'] }));
    expect((await emu.mwaa.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual({ cost: '42' });

    const upd = await emu.mwaa.send(
      new UpdateEnvironmentCommand({
        Name: 'sdk-env',
        MaxWorkers: 5,
        LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } },
      }),
    );
    expect(upd.Arn).toBe(arn);
    expect(await status(emu, 'sdk-env')).toBe('UPDATING');
    const busy = await expectError(emu.mwaa.send(new UpdateEnvironmentCommand({ Name: 'sdk-env', MaxWorkers: 6 })));
    expect(busy).toBeInstanceOf(ValidationException);
    expect(busy.message).toMatch(/UPDATING/);
    await emu.advance(60);
    env = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'sdk-env' }))).Environment!;
    expect(env.Status).toBe('AVAILABLE');
    expect(env.MaxWorkers).toBe(5);
    expect(env.LastUpdate?.Status).toBe('SUCCESS');
    expect(env.LastUpdate?.Source).toBe('API');
    expect(env.LoggingConfiguration?.TaskLogs?.CloudWatchLogGroupArn).toBe(
      `arn:aws:logs:us-east-1:${TEST_ACCOUNT_ID}:log-group:airflow-sdk-env-Task:*`,
    );
    const groups = await emu.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'airflow-sdk-env-' }));
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['airflow-sdk-env-Task']);

    const pm = await expectError(emu.mwaa.send(new PublishMetricsCommand({ EnvironmentName: 'sdk-env', MetricData: [] })));
    expect(pm).toBeInstanceOf(ValidationException);

    await emu.mwaa.send(new DeleteEnvironmentCommand({ Name: 'sdk-env' }));
    expect(await status(emu, 'sdk-env')).toBe('DELETING');
    await emu.advance(40);
    const gone = await expectError(emu.mwaa.send(new GetEnvironmentCommand({ Name: 'sdk-env' })));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it('a failed update: UPDATING -> ROLLING_BACK -> UPDATE_FAILED with LastUpdate.Error, previous versions kept', async () => {
    const v1 = await put(emu, 'plugins.zip', 'first');
    const r1 = await put(emu, 'requirements.txt', 'requests==2.31.0\n');
    await emu.mwaa.send(
      new CreateEnvironmentCommand(
        input('failing', {
          PluginsS3Path: 'plugins.zip',
          PluginsS3ObjectVersion: v1,
          RequirementsS3Path: 'requirements.txt',
          RequirementsS3ObjectVersion: r1,
        }),
      ),
    );
    await emu.advance(60);
    const v2 = await put(emu, 'plugins.zip', 'second');
    await emu.failNextUpdate('failing', 'INCORRECT_CONFIGURATION', 'You may need to check the execution role permissions policy.');
    await emu.mwaa.send(new UpdateEnvironmentCommand({ Name: 'failing', PluginsS3Path: 'plugins.zip', PluginsS3ObjectVersion: v2 }));
    const seen = [await status(emu, 'failing')];
    await emu.advance(60);
    seen.push(await status(emu, 'failing'));
    await emu.advance(60);
    const env = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'failing' }))).Environment!;
    seen.push(env.Status);
    expect(seen).toEqual(['UPDATING', 'ROLLING_BACK', 'UPDATE_FAILED']);
    expect(env.LastUpdate?.Status).toBe('FAILED');
    expect(env.LastUpdate?.Error).toEqual({
      ErrorCode: 'INCORRECT_CONFIGURATION',
      ErrorMessage: 'You may need to check the execution role permissions policy.',
    });
    expect(env.PluginsS3ObjectVersion).toBe(v1);
    expect(env.RequirementsS3ObjectVersion).toBe(r1);

    // a version that does not exist fails the same way, naming the version and the file
    await emu.mwaa.send(
      new UpdateEnvironmentCommand({ Name: 'failing', PluginsS3Path: 'plugins.zip', PluginsS3ObjectVersion: 'no-such-version' }),
    );
    await emu.advance(120);
    const env2 = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'failing' }))).Environment!;
    expect(env2.Status).toBe('UPDATE_FAILED');
    expect(env2.LastUpdate?.Error?.ErrorMessage).toBe('Unable to read version `no-such-version` of file `plugins.zip`');
    expect(env2.PluginsS3ObjectVersion).toBe(v1);
  });

  it('CLI and web login tokens expire after 60 s of clock time', async () => {
    await emu.mwaa.send(new CreateEnvironmentCommand(input('tokens')));
    await emu.advance(60);
    const { CliToken } = await emu.mwaa.send(new CreateCliTokenCommand({ Name: 'tokens' }));
    const { WebToken } = await emu.mwaa.send(new CreateWebLoginTokenCommand({ Name: 'tokens' }));
    expect(emu.world.mwaa.environmentForToken(CliToken!, 'cli')).toEqual({ name: 'tokens' });
    expect(emu.world.mwaa.environmentForToken(WebToken!, 'web')).toEqual({ name: 'tokens' });
    expect(emu.world.mwaa.environmentForToken(`${CliToken}x`, 'cli')).toEqual({ error: 'unknown' });
    await emu.advance(45);
    expect(emu.world.mwaa.environmentForToken(CliToken!, 'cli')).toEqual({ name: 'tokens' });
    await emu.advance(16);
    expect(emu.world.mwaa.environmentForToken(CliToken!, 'cli')).toEqual({ error: 'expired' });
    expect(emu.world.mwaa.environmentForToken(WebToken!, 'web')).toEqual({ error: 'expired' });
    const missing = await expectError(emu.mwaa.send(new CreateCliTokenCommand({ Name: 'no-such-env' })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('ListEnvironments paginates with MaxResults and NextToken', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await emu.mwaa.send(new CreateEnvironmentCommand(input(n)));
    const first = await emu.mwaa.send(new ListEnvironmentsCommand({ MaxResults: 2 }));
    expect(first.Environments).toHaveLength(2);
    expect(first.NextToken).toBeTruthy();
    const names: string[] = [];
    for await (const page of paginateListEnvironments({ client: emu.mwaa, pageSize: 2 }, {})) names.push(...(page.Environments ?? []));
    expect(names.filter((n) => n.startsWith('page-'))).toEqual(['page-a', 'page-b', 'page-c']);
    expect(new Set(names).size).toBe(names.length);
    const bad = await expectError(emu.mwaa.send(new ListEnvironmentsCommand({ MaxResults: 26 })));
    expect(bad).toBeInstanceOf(ValidationException);
    expect(bad.message).toMatch(/'26' at 'maxResults'/);
  });

  const validation: Array<[string, Partial<CreateEnvironmentCommandInput>, RegExp]> = [
    [
      'three subnets',
      { NetworkConfiguration: { SubnetIds: ['subnet-1', 'subnet-2', 'subnet-3'], SecurityGroupIds: ['sg-1'] } },
      /networkConfiguration\.subnetIds.*less than or equal to 2/,
    ],
    ['min workers above max', { MinWorkers: 8, MaxWorkers: 3 }, /MinWorkers \(8\) must be less than or equal to MaxWorkers \(3\)/],
    ['unknown class', { EnvironmentClass: 'mw2.small' }, /EnvironmentClass mw2.small is not valid/],
    ['old Airflow', { AirflowVersion: '2.5.1' }, /AirflowVersion 2.5.1 is not supported/],
    ['maintenance window', { WeeklyMaintenanceWindowStart: 'FUN:03:00' }, /weeklyMaintenanceWindowStart/],
    ['schedulers on micro', { EnvironmentClass: 'mw1.micro', Schedulers: 2 }, /Schedulers must be 1 for environment class mw1.micro/],
    ['config key', { AirflowConfigurationOptions: { 'CORE.x': '1' } }, /airflowConfigurationOptions.*Map keys/],
    ['tag value', { Tags: { a: '' } }, /'tags'.*Map value/],
    ['requirements without version', { RequirementsS3Path: 'requirements.txt' }, /RequirementsS3ObjectVersion is required/],
    ['missing bucket', { SourceBucketArn: 'arn:aws:s3:::bucket-that-is-not-there' }, /bucket-that-is-not-there/],
  ];
  it.each(validation)('ValidationException through the SDK: %s', async (_label, patch, message) => {
    const e = await expectError(emu.mwaa.send(new CreateEnvironmentCommand(input('val-env', patch))));
    expect(e).toBeInstanceOf(ValidationException);
    expect(e.$metadata.httpStatusCode).toBe(400);
    expect(e.message).toMatch(message);
  });

  it('ResourceNotFoundException for unknown environments and ARNs', async () => {
    for (const cmd of [
      new GetEnvironmentCommand({ Name: 'ghost' }),
      new UpdateEnvironmentCommand({ Name: 'ghost', MaxWorkers: 2 }),
      new DeleteEnvironmentCommand({ Name: 'ghost' }),
      new CreateWebLoginTokenCommand({ Name: 'ghost' }),
      new ListTagsForResourceCommand({ ResourceArn: `arn:aws:airflow:us-east-1:${TEST_ACCOUNT_ID}:environment/ghost` }),
    ]) {
      const e = await expectError(emu.mwaa.send(cmd as never));
      expect(e, cmd.constructor.name).toBeInstanceOf(ResourceNotFoundException);
      expect(e.message).toMatch(/ghost/);
    }
  });

  it('regions: an environment is seen, tagged and deleted only from its own region; its name stays unique across regions', async () => {
    const west = new MWAAClient({
      endpoint: emu.url,
      region: 'eu-west-1',
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
      disableHostPrefix: true,
    });
    try {
      const arn = (await west.send(new CreateEnvironmentCommand(input('west-env')))).Arn!;
      expect(arn).toBe(`arn:aws:airflow:eu-west-1:${TEST_ACCOUNT_ID}:environment/west-env`);
      expect((await west.send(new GetEnvironmentCommand({ Name: 'west-env' }))).Environment?.CeleryExecutorQueue).toMatch(
        /^arn:aws:sqs:eu-west-1:/,
      );
      await west.send(new TagResourceCommand({ ResourceArn: arn, Tags: { r: 'eu' } }));
      expect((await west.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual({ r: 'eu' });
      expect(await expectError(emu.mwaa.send(new ListTagsForResourceCommand({ ResourceArn: arn })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      expect(await expectError(emu.mwaa.send(new DeleteEnvironmentCommand({ Name: 'west-env' })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      const dup = await expectError(emu.mwaa.send(new CreateEnvironmentCommand(input('west-env'))));
      expect(dup).toBeInstanceOf(ValidationException);
      expect(dup.message).toMatch(/already exists in eu-west-1/);
      expect((await emu.mwaa.send(new ListEnvironmentsCommand({}))).Environments).not.toContain('west-env');
    } finally {
      west.destroy();
    }
  });

  it('faults injected through the control endpoint reach the SDK as MWAA errors', async () => {
    await emu.fault({
      service: 'mwaa',
      operation: 'GetEnvironment',
      match: { Name: 'faulty' },
      error: { status: 503, code: 'ServiceUnavailableException', message: 'try later' },
    });
    const e = await expectError(emu.mwaa.send(new GetEnvironmentCommand({ Name: 'faulty' })));
    expect(e.name).toBe('ServiceUnavailableException');
    expect(e.$metadata.httpStatusCode).toBe(503);
    expect(e.message).toBe('try later');
    // used up: the next call is answered normally (404, as there is no such environment)
    expect(await expectError(emu.mwaa.send(new GetEnvironmentCommand({ Name: 'faulty' })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it('accepts MinWebservers, MaxWebservers and WorkerReplacementStrategy in raw requests (dropped by SDK 3.523.0)', async () => {
    const body = JSON.stringify({ ...input('webservers'), Name: undefined, MinWebservers: 3, MaxWebservers: 5 });
    const c = await raw(emu, 'PUT', '/environments/webservers', body, { host: `api.localhost:${emu.port}` });
    expect(c.status).toBe(200);
    let g = await raw(emu, 'GET', '/environments/webservers');
    expect([g.json.Environment.MinWebservers, g.json.Environment.MaxWebservers]).toEqual([3, 5]);
    await emu.advance(60);
    const u = await raw(
      emu,
      'PATCH',
      '/environments/webservers',
      JSON.stringify({ MaxWebservers: 4, WorkerReplacementStrategy: 'GRACEFUL' }),
    );
    expect(u.status).toBe(200);
    await emu.advance(60);
    g = await raw(emu, 'GET', '/environments/webservers', undefined, { host: `api.localhost:${emu.port}` });
    expect(g.json.Environment.MaxWebservers).toBe(4);
    expect(g.json.Environment.LastUpdate).toMatchObject({ Status: 'SUCCESS', WorkerReplacementStrategy: 'GRACEFUL' });
    const bad = await raw(emu, 'PATCH', '/environments/webservers', JSON.stringify({ MinWebservers: 1 }));
    expect(bad.status).toBe(400);
    expect(bad.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(bad.json.message).toMatch(/MinWebservers must be between 2 and 5 for environment class mw1.small/);
    const badStrategy = await raw(emu, 'PATCH', '/environments/webservers', JSON.stringify({ WorkerReplacementStrategy: 'NOW' }));
    expect(badStrategy.json.message).toMatch(/workerReplacementStrategy/);
    // the env. host prefix works the same way
    const tok = await raw(emu, 'POST', '/clitoken/webservers', undefined, { host: `env.localhost:${emu.port}` });
    expect(tok.status).toBe(200);
    expect(tok.json.WebServerHostname).toBe(`localhost:${emu.port}`);
  });

  it('fuzz: malformed JSON and random paths always get an MWAA-shaped error and never break the server', async () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const paths = [
      '/environments/fuzz',
      '/environments',
      '/environments/fuzz/x',
      '/clitoken/',
      '/webtoken/%ZZ',
      '/tags/arn%3Aaws',
      '/metrics/environments/x',
      '/restapi/fuzz',
      '/environments/9bad',
    ];
    const methods = ['GET', 'PUT', 'PATCH', 'POST', 'DELETE'];
    const bodies = [
      '{',
      '{"MaxWorkers": []}',
      '[1,2]',
      'null',
      '{"NetworkConfiguration": {"SubnetIds": "subnet-a"}}',
      '{"Tags": {"a": 5}}',
      '{"LoggingConfiguration": {"WorkerLogs": null, "TaskLogs": {"Enabled": "yes", "LogLevel": 1}}}',
    ];
    for (let i = 0; i < 120; i++) {
      const method = methods[rnd(methods.length)];
      const path = paths[rnd(paths.length)];
      const body = rnd(4) === 0 ? Buffer.from(Array.from({ length: rnd(64) }, () => rnd(256))) : bodies[rnd(bodies.length)];
      const r = await raw(emu, method, path, method === 'GET' || method === 'DELETE' ? undefined : body);
      if (r.status === 200) continue;
      expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${method} ${path} ${r.text}`).toBeLessThan(500);
      expect(r.headers['x-amzn-errortype']).toMatch(/^[A-Za-z]+Exception$/);
      expect(typeof r.json?.message).toBe('string');
    }
    const health = await emu.control('GET', '/_mwaa_local/health');
    expect(health).toEqual({ status: 200, body: { ok: true } });
  });
});

describe('MWAA over the wire: short real durations, requirements and persistence', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({
      sim: { createSeconds: 0.2, updateSeconds: 0.2, deleteSeconds: 0.2, denyPackages: ['definitely-not-on-pypi'] },
    });
    await versionedBucket(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  async function waitFor(name: string, want: string, timeoutMs = 5000): Promise<string[]> {
    const seen: string[] = [];
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await status(emu, name);
      if (seen[seen.length - 1] !== s) seen.push(s!);
      if (s === want) return seen;
      if (Date.now() > end) throw new Error(`${name} never reached ${want}: ${seen.join(' -> ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('statuses move on their own with the configured durations', async () => {
    await emu.mwaa.send(new CreateEnvironmentCommand(input('quick')));
    expect(await waitFor('quick', 'AVAILABLE')).toEqual(['CREATING', 'AVAILABLE']);
    await emu.mwaa.send(new UpdateEnvironmentCommand({ Name: 'quick', MinWorkers: 2 }));
    expect(await waitFor('quick', 'AVAILABLE')).toEqual(['UPDATING', 'AVAILABLE']);
    await emu.failNextUpdate('quick', 'E_TEST');
    await emu.mwaa.send(new UpdateEnvironmentCommand({ Name: 'quick', MinWorkers: 3 }));
    expect(await waitFor('quick', 'UPDATE_FAILED')).toEqual(['UPDATING', 'ROLLING_BACK', 'UPDATE_FAILED']);
    const env = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'quick' }))).Environment!;
    expect(env.MinWorkers).toBe(2);
    expect(env.LastUpdate?.Error?.ErrorCode).toBe('E_TEST');
    await emu.mwaa.send(new DeleteEnvironmentCommand({ Name: 'quick' }));
    const end = Date.now() + 5000;
    let gone: unknown;
    while (!gone && Date.now() < end) {
      gone = await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'quick' })).then(
        () => undefined,
        (e) => e,
      );
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
  });

  it('a denied requirement fails the update with pip lines in the requirements_install stream', async () => {
    const logging = {
      WorkerLogs: { Enabled: true, LogLevel: 'WARNING' as const },
      SchedulerLogs: { Enabled: true, LogLevel: 'INFO' as const },
    };
    const good = await put(emu, 'requirements.txt', 'apache-airflow-providers-amazon==8.0.0\n');
    await emu.mwaa.send(
      new CreateEnvironmentCommand(
        input('reqs', { RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: good, LoggingConfiguration: logging }),
      ),
    );
    await waitFor('reqs', 'AVAILABLE');
    const bad = await put(emu, 'requirements.txt', 'apache-airflow-providers-amazon==8.0.0\nDefinitely_Not_On_PyPI==0.1\n');
    await emu.mwaa.send(
      new UpdateEnvironmentCommand({ Name: 'reqs', RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: bad }),
    );
    await waitFor('reqs', 'UPDATE_FAILED');
    const env = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'reqs' }))).Environment!;
    expect(env.RequirementsS3ObjectVersion).toBe(good);
    expect(env.LastUpdate?.Error?.ErrorMessage).toMatch(/Definitely_Not_On_PyPI==0\.1/);

    for (const group of ['airflow-reqs-Worker', 'airflow-reqs-Scheduler']) {
      const streams = await emu.logs.send(
        new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: 'requirements_install_' }),
      );
      expect(streams.logStreams?.length, group).toBe(2);
      const texts: string[][] = [];
      for (const s of streams.logStreams ?? []) {
        expect(s.logStreamName).toMatch(/^requirements_install_ip-[\d-]+\.ec2\.internal_\d+\.log$/);
        const ev = await emu.logs.send(
          new GetLogEventsCommand({ logGroupName: group, logStreamName: s.logStreamName, startFromHead: true }),
        );
        texts.push((ev.events ?? []).map((e) => e.message ?? ''));
      }
      const failed = texts.find((t) => t.some((l) => l.startsWith('ERROR:')));
      expect(failed).toBeDefined();
      expect(failed).toContain(
        'ERROR: Could not find a version that satisfies the requirement Definitely_Not_On_PyPI==0.1 (from versions: none)',
      );
      expect(failed).toContain('ERROR: No matching distribution found for Definitely_Not_On_PyPI==0.1');
      const ok = texts.find((t) => t !== failed)!;
      expect(ok[ok.length - 1]).toBe('Successfully installed apache-airflow-providers-amazon-8.0.0');
    }
  });

  it('everything survives a restart of the emulator over the same state directory', async () => {
    const v = await put(emu, 'plugins.zip', 'zip');
    const { Arn } = await emu.mwaa.send(
      new CreateEnvironmentCommand(input('durable', { PluginsS3Path: 'plugins.zip', PluginsS3ObjectVersion: v, Tags: { keep: 'me' } })),
    );
    await waitFor('durable', 'AVAILABLE');
    const { CliToken } = await emu.mwaa.send(new CreateCliTokenCommand({ Name: 'durable' }));
    await emu.failNextUpdate('durable', 'E_AFTER_RESTART', 'armed before the restart');
    const before = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'durable' }))).Environment!;

    await emu.restart();

    const after = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'durable' }))).Environment!;
    expect({ ...after, WebserverUrl: undefined }).toEqual({ ...before, WebserverUrl: undefined });
    expect(after.WebserverUrl).toBe(`https://localhost:${emu.port}`);
    expect((await emu.mwaa.send(new ListTagsForResourceCommand({ ResourceArn: Arn }))).Tags).toEqual({ keep: 'me' });
    expect(emu.world.mwaa.environmentForToken(CliToken!, 'cli')).toEqual({ name: 'durable' });
    await emu.mwaa.send(new UpdateEnvironmentCommand({ Name: 'durable', MaxWorkers: 3 }));
    await waitFor('durable', 'UPDATE_FAILED');
    const failed = (await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'durable' }))).Environment!;
    expect(failed.LastUpdate?.Error).toEqual({ ErrorCode: 'E_AFTER_RESTART', ErrorMessage: 'armed before the restart' });
    expect(failed.MaxWorkers).toBe(10);
  });
});
