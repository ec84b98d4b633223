/**
 * Handler-level tests of the MWAA service with a small hand-built World (in-memory S3 and Logs fakes,
 * a manual clock, an in-memory journal). The wire-level tests through @aws-sdk/client-mwaa are in
 * mwaa-sdk.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { EmuRequest, EmuResponse, LogsStore, Persist, S3Store, SimOptions, World } from '../../src/local/contract.js';
import { createFaults } from '../../src/local/faults.js';
import { createMwaaStore, handleMwaa, handleMwaaControl, type LocalMwaaStore } from '../../src/local/mwaa/index.js';

const T0 = Date.UTC(2026, 8, 1, 12, 0, 0);
const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20260901/us-east-1/airflow/aws4_request, SignedHeaders=host, Signature=00';

interface FakeObject {
  versionId: string;
  body?: Buffer; // undefined: delete marker
}

function fakeS3(): S3Store & { put(bucket: string, key: string, body: string): string; versioning: Map<string, boolean> } {
  const versioning = new Map<string, boolean>();
  const objects = new Map<string, FakeObject[]>();
  let n = 0;
  return {
    name: 's3',
    versioning,
    snapshot: () => ({}),
    restore: () => {},
    replay: () => {},
    bucketExists: (b) => versioning.has(b),
    isVersioningEnabled: (b) => versioning.get(b) === true,
    createBucket: (b) => void versioning.set(b, true),
    listLatest: () => [],
    put(bucket, key, body) {
      const versionId = `v${++n}`;
      const list = objects.get(`${bucket}/${key}`) ?? [];
      list.push({ versionId, body: Buffer.from(body) });
      objects.set(`${bucket}/${key}`, list);
      return versionId;
    },
    getObjectBody(bucket, key, versionId) {
      const list = objects.get(`${bucket}/${key}`) ?? [];
      const o = versionId ? list.find((x) => x.versionId === versionId) : list[list.length - 1];
      return o?.body;
    },
    hasVersion(bucket, key, versionId) {
      return (objects.get(`${bucket}/${key}`) ?? []).some((x) => x.versionId === versionId && x.body !== undefined);
    },
  };
}

function fakeLogs(): LogsStore & { groups: Map<string, Map<string, string[]>> } {
  const groups = new Map<string, Map<string, string[]>>();
  return {
    name: 'logs',
    groups,
    snapshot: () => ({}),
    restore: () => {},
    replay: () => {},
    ensureGroup: (g) => void (groups.has(g) || groups.set(g, new Map())),
    ensureStream(g, s) {
      const group = groups.get(g);
      if (!group) throw new Error(`no group ${g}`);
      if (!group.has(s)) group.set(s, []);
    },
    write(g, s, events) {
      const stream = groups.get(g)?.get(s);
      if (!stream) throw new Error(`no stream ${g}/${s}`);
      stream.push(...events.map((e) => e.message));
    },
    deleteGroup: (g) => void groups.delete(g),
  };
}

interface TestWorld extends World {
  journal: Array<{ store: string; op: string; data: unknown }>;
  s3: ReturnType<typeof fakeS3>;
  logs: ReturnType<typeof fakeLogs>;
  store: LocalMwaaStore;
}

function makeWorld(
  sim: Partial<SimOptions> = {},
  shared?: { journal: TestWorld['journal']; s3: TestWorld['s3']; logs: TestWorld['logs']; now: { t: number } },
): TestWorld & { now: { t: number } } {
  const now = shared?.now ?? { t: T0 };
  const journal = shared?.journal ?? [];
  const persist: Persist = {
    append: (store, op, data) => void journal.push({ store, op, data: JSON.parse(JSON.stringify(data)) }),
    blobs: { put: () => 'x', get: () => Buffer.alloc(0) },
  };
  const world = {
    clock: {
      now: () => now.t,
      advance: (s: number) => {
        now.t += s * 1000;
      },
    },
    faults: createFaults(),
    persist,
    sim: { createSeconds: 3, updateSeconds: 3, deleteSeconds: 2, taskSeconds: 1, denyPackages: [], ...sim },
    s3: shared?.s3 ?? fakeS3(),
    logs: shared?.logs ?? fakeLogs(),
    region: 'us-east-1',
    accountId: '123456789012',
    baseUrl: () => 'http://127.0.0.1:4599',
    journal,
    now,
  } as unknown as TestWorld & { now: { t: number } };
  world.airflow = {
    name: 'airflow',
    snapshot: () => ({}),
    restore: () => {},
    replay: () => {},
    tick: () => {},
    // a stand-in Airflow whose answer is chosen by the path (the real one is tested in restapi.test.ts)
    invokeRestApi: (_name, call) => {
      if (call.path === '/down') return { unavailable: 'environment is CREATING' };
      const m = /^\/status\/(\d+)$/.exec(call.path);
      if (m) return { status: Number(m[1]), body: Number(m[1]) === 204 ? undefined : { echo: call } };
      if (call.path === '/big') return { status: 200, body: { blob: 'x'.repeat(Number(call.query.bytes)) } };
      return { status: 404, body: { detail: 'Not Found' } };
    },
  };
  world.store = createMwaaStore(world) as LocalMwaaStore;
  world.mwaa = world.store;
  world.tick = () => world.store.tick(now.t);
  world.s3.createBucket('airflow-bucket', 'us-east-1');
  return world;
}

function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): EmuRequest {
  const [rawPath, qs] = path.split('?');
  return {
    method,
    rawPath,
    query: new URLSearchParams(qs ?? ''),
    headers: { authorization: AUTH, host: 'api.localhost', ...headers },
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    host: 'api.localhost',
  };
}

async function call(
  world: World,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<{ status: number; json: any; res: EmuResponse }> {
  world.tick();
  const res = await handleMwaa(request(method, path, body, headers), world);
  const text = res.body === undefined ? '' : res.body.toString();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, res };
}

const BASE = {
  ExecutionRoleArn: 'arn:aws:iam::123456789012:role/mwaa-exec',
  SourceBucketArn: 'arn:aws:s3:::airflow-bucket',
  DagS3Path: 'dags',
  NetworkConfiguration: { SubnetIds: ['subnet-aaa', 'subnet-bbb'], SecurityGroupIds: ['sg-111'] },
};

async function createAvailable(
  world: TestWorld & { now: { t: number } },
  name: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const r = await call(world, 'PUT', `/environments/${name}`, { ...BASE, ...extra });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  world.now.t += 3000;
  const g = await call(world, 'GET', `/environments/${name}`);
  expect(g.json.Environment.Status).toBe('AVAILABLE');
}

describe('MWAA handler: environments', () => {
  it('creates an environment that moves CREATING -> AVAILABLE on the clock, with the documented shape and defaults', async () => {
    const w = makeWorld();
    const c = await call(w, 'PUT', '/environments/demo', { ...BASE, Tags: { team: 'data' } });
    expect(c.status).toBe(200);
    expect(c.json).toEqual({ Arn: 'arn:aws:airflow:us-east-1:123456789012:environment/demo' });
    expect(c.res.headers?.['content-type']).toBe('application/json');

    let g = await call(w, 'GET', '/environments/demo');
    const env = g.json.Environment;
    expect(env.Status).toBe('CREATING');
    expect(env.CreatedAt).toBe(T0 / 1000);
    expect(env.AirflowVersion).toBe('3.3.1');
    expect(env.EnvironmentClass).toBe('mw1.small');
    expect([env.MinWorkers, env.MaxWorkers, env.Schedulers, env.MinWebservers, env.MaxWebservers]).toEqual([1, 10, 2, 2, 2]);
    expect(env.WebserverUrl).toBe('https://localhost:4599');
    expect(env.ServiceRoleArn).toMatch(/^arn:aws:iam::123456789012:role\/aws-service-role\/airflow\.amazonaws\.com\//);
    expect(env.Tags).toEqual({ team: 'data' });
    expect(env.LoggingConfiguration.TaskLogs).toEqual({ Enabled: false, LogLevel: 'INFO' });
    expect(env.LastUpdate).toEqual({ Status: 'PENDING', CreatedAt: T0 / 1000, Source: 'API' });

    w.now.t += 2999;
    expect((await call(w, 'GET', '/environments/demo')).json.Environment.Status).toBe('CREATING');
    w.now.t += 1;
    g = await call(w, 'GET', '/environments/demo');
    expect(g.json.Environment.Status).toBe('AVAILABLE');
    expect(g.json.Environment.LastUpdate).toEqual({ Status: 'SUCCESS', CreatedAt: T0 / 1000, Source: 'API' });
  });

  it('mw1.micro defaults to one scheduler, one web server and one worker', async () => {
    const w = makeWorld();
    await createAvailable(w, 'micro', { EnvironmentClass: 'mw1.micro' });
    const env = (await call(w, 'GET', '/environments/micro')).json.Environment;
    expect([env.MinWorkers, env.MaxWorkers, env.Schedulers, env.MinWebservers, env.MaxWebservers]).toEqual([1, 1, 1, 1, 1]);
  });

  it('creates the log groups of the enabled modules and returns their ARNs with the trailing :*', async () => {
    const w = makeWorld();
    await call(w, 'PUT', '/environments/logged', {
      ...BASE,
      LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' }, DagProcessingLogs: { Enabled: true, LogLevel: 'WARNING' } },
    });
    expect([...w.logs.groups.keys()].sort()).toEqual(['airflow-logged-DAGProcessing', 'airflow-logged-Task']);
    const env = (await call(w, 'GET', '/environments/logged')).json.Environment;
    expect(env.LoggingConfiguration.TaskLogs).toEqual({
      Enabled: true,
      LogLevel: 'INFO',
      CloudWatchLogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:airflow-logged-Task:*',
    });
    expect(env.LoggingConfiguration.WorkerLogs.CloudWatchLogGroupArn).toBeUndefined();
  });

  it('refuses a second environment with the same name, and answers 404 for unknown names', async () => {
    const w = makeWorld();
    await call(w, 'PUT', '/environments/dup', BASE);
    const again = await call(w, 'PUT', '/environments/dup', BASE);
    expect(again.status).toBe(400);
    expect(again.res.headers?.['x-amzn-errortype']).toBe('ValidationException');
    expect(again.json.message).toMatch(/already exists/);
    const missing = await call(w, 'GET', '/environments/nope');
    expect(missing.status).toBe(404);
    expect(missing.res.headers?.['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(missing.json.message).toMatch(/nope/);
    for (const [m, p] of [
      ['PATCH', '/environments/nope'],
      ['DELETE', '/environments/nope'],
      ['POST', '/clitoken/nope'],
      ['POST', '/webtoken/nope'],
    ] as const) {
      const r = await call(w, m, p, m === 'PATCH' ? {} : undefined);
      expect(r.status, `${m} ${p}`).toBe(404);
    }
  });

  it('validates the source bucket: it must exist and be versioned', async () => {
    const w = makeWorld();
    let r = await call(w, 'PUT', '/environments/b1', { ...BASE, SourceBucketArn: 'arn:aws:s3:::no-such-bucket' });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/no-such-bucket/);
    w.s3.versioning.set('plain-bucket', false);
    r = await call(w, 'PUT', '/environments/b1', { ...BASE, SourceBucketArn: 'arn:aws:s3:::plain-bucket' });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/plain-bucket.*versioning/);
  });

  it('deletes: DELETING, then gone after deleteSeconds', async () => {
    const w = makeWorld();
    await createAvailable(w, 'gone');
    expect((await call(w, 'DELETE', '/environments/gone')).status).toBe(200);
    expect((await call(w, 'GET', '/environments/gone')).json.Environment.Status).toBe('DELETING');
    expect((await call(w, 'GET', '/environments')).json.Environments).toEqual(['gone']);
    w.now.t += 2000;
    expect((await call(w, 'GET', '/environments/gone')).status).toBe(404);
    expect((await call(w, 'GET', '/environments')).json.Environments).toEqual([]);
  });

  it('refuses to delete or update an environment that is still being created', async () => {
    const w = makeWorld();
    await call(w, 'PUT', '/environments/busy', BASE);
    const d = await call(w, 'DELETE', '/environments/busy');
    expect(d.status).toBe(400);
    expect(d.json.message).toMatch(/CREATING/);
    const u = await call(w, 'PATCH', '/environments/busy', { MaxWorkers: 4 });
    expect(u.status).toBe(400);
    expect(u.json.message).toMatch(/CREATING.*AVAILABLE or UPDATE_FAILED/);
  });

  it('lists with MaxResults and NextToken', async () => {
    const w = makeWorld();
    for (const n of ['e1', 'e2', 'e3', 'e4', 'e5']) await call(w, 'PUT', `/environments/${n}`, BASE);
    const p1 = await call(w, 'GET', '/environments?MaxResults=2');
    expect(p1.json.Environments).toEqual(['e1', 'e2']);
    const p2 = await call(w, 'GET', `/environments?MaxResults=2&NextToken=${encodeURIComponent(p1.json.NextToken)}`);
    expect(p2.json.Environments).toEqual(['e3', 'e4']);
    const p3 = await call(w, 'GET', `/environments?MaxResults=2&NextToken=${encodeURIComponent(p2.json.NextToken)}`);
    expect(p3.json).toEqual({ Environments: ['e5'] });
    for (const bad of ['0', '26', 'x']) {
      const r = await call(w, 'GET', `/environments?MaxResults=${bad}`);
      expect(r.status, bad).toBe(400);
      expect(r.json.message).toMatch(/maxResults/);
    }
    expect((await call(w, 'GET', '/environments?NextToken=garbage!')).status).toBe(400);
  });
});

describe('MWAA handler: validation', () => {
  const micro = { EnvironmentClass: 'mw1.micro' };
  const cases: Array<[string, Record<string, unknown>, RegExp, string?]> = [
    ['name pattern', {}, /at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/, '1bad'],
    ['name length', {}, /at 'name' failed to satisfy constraint: Member must have length less than or equal to 80/, `a${'b'.repeat(80)}`],
    [
      'missing execution role',
      { ExecutionRoleArn: undefined },
      /Value null at 'executionRoleArn' failed to satisfy constraint: Member must not be null/,
    ],
    ['role ARN pattern', { ExecutionRoleArn: 'arn:aws:iam::12:role/x' }, /at 'executionRoleArn' .*regular expression pattern/],
    ['bucket ARN pattern', { SourceBucketArn: 'arn:aws:s3:::Upper' }, /at 'sourceBucketArn' .*regular expression pattern/],
    [
      'no subnets',
      { NetworkConfiguration: { SecurityGroupIds: ['sg-1'] } },
      /Value null at 'networkConfiguration.subnetIds' failed to satisfy constraint: Member must not be null/,
    ],
    [
      'one subnet',
      { NetworkConfiguration: { SubnetIds: ['subnet-a'], SecurityGroupIds: ['sg-1'] } },
      /at 'networkConfiguration.subnetIds' .*greater than or equal to 2/,
    ],
    [
      'three subnets',
      { NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'], SecurityGroupIds: ['sg-1'] } },
      /subnetIds' .*less than or equal to 2/,
    ],
    [
      'subnet id pattern',
      { NetworkConfiguration: { SubnetIds: ['subnet-a', 'net-b'], SecurityGroupIds: ['sg-1'] } },
      /'net-b' at 'networkConfiguration.subnetIds.2.member'.*subnet-/,
    ],
    [
      'same subnet twice',
      { NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-a'], SecurityGroupIds: ['sg-1'] } },
      /two different subnets/,
    ],
    [
      'no security group',
      { NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: [] } },
      /securityGroupIds' .*greater than or equal to 1/,
    ],
    [
      'six security groups',
      { NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-5', 'sg-6'] } },
      /securityGroupIds' .*less than or equal to 5/,
    ],
    [
      'sg pattern',
      { NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['group-1'] } },
      /securityGroupIds.1.member'.*sg-/,
    ],
    [
      'min workers 0',
      { MinWorkers: 0 },
      /'0' at 'minWorkers' failed to satisfy constraint: Member must have value greater than or equal to 1/,
    ],
    ['min > max workers', { MinWorkers: 5, MaxWorkers: 2 }, /MinWorkers \(5\) must be less than or equal to MaxWorkers \(2\)/],
    ['workers not integer', { MaxWorkers: '5' }, /at 'maxWorkers' failed to satisfy constraint: Member must be an integer/],
    ['micro with 2 workers', { ...micro, MaxWorkers: 2 }, /MaxWorkers must be 1 for environment class mw1.micro/],
    ['webservers on small', { MinWebservers: 1 }, /MinWebservers must be between 2 and 5 for environment class mw1.small, got 1/],
    ['webservers on micro', { ...micro, MaxWebservers: 2 }, /MaxWebservers must be 1 for environment class mw1.micro/],
    ['six webservers', { MaxWebservers: 6 }, /MaxWebservers must be between 2 and 5/],
    [
      'min > max webservers',
      { MinWebservers: 4, MaxWebservers: 3 },
      /MinWebservers \(4\) must be less than or equal to MaxWebservers \(3\)/,
    ],
    ['six schedulers', { Schedulers: 6 }, /'6' at 'schedulers' .*less than or equal to 5/],
    ['one scheduler on small', { Schedulers: 1 }, /Schedulers must be between 2 and 5 for environment class mw1.small/],
    ['two schedulers on micro', { ...micro, Schedulers: 2 }, /Schedulers must be 1 for environment class mw1.micro/],
    ['environment class', { EnvironmentClass: 'mw1.huge' }, /EnvironmentClass mw1.huge is not valid/],
    ['airflow version format', { AirflowVersion: '2.10.3-rc1' }, /at 'airflowVersion' .*\[0-9a-z.\]\+/],
    ['airflow version not offered', { AirflowVersion: '2.6.3' }, /AirflowVersion 2.6.3 is not supported/],
    ['maintenance window', { WeeklyMaintenanceWindowStart: 'MON:03:15' }, /at 'weeklyMaintenanceWindowStart' .*regular expression/],
    [
      'maintenance window length',
      { WeeklyMaintenanceWindowStart: 'MONDAY:03:00' },
      /weeklyMaintenanceWindowStart' .*less than or equal to 9/,
    ],
    [
      'config key',
      { AirflowConfigurationOptions: { 'Core.X': '1' } },
      /at 'airflowConfigurationOptions' failed to satisfy constraint: Map keys must satisfy constraint/,
    ],
    [
      'config value',
      { AirflowConfigurationOptions: { 'core.x': 'tab\there' } },
      /airflowConfigurationOptions' failed to satisfy constraint: Map value/,
    ],
    ['tags empty', { Tags: {} }, /at 'tags' .*greater than or equal to 1/],
    ['51 tags', { Tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, /'tags' .*less than or equal to 50/],
    ['tag key pattern', { Tags: { 'bad*key': 'v' } }, /'tags' failed to satisfy constraint: Map keys/],
    [
      'log level',
      { LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'TRACE' } } },
      /at 'loggingConfiguration.taskLogs.logLevel' .*enum value set: \[CRITICAL, ERROR, WARNING, INFO, DEBUG\]/,
    ],
    [
      'log enabled missing',
      { LoggingConfiguration: { TaskLogs: { LogLevel: 'INFO' } } },
      /Value null at 'loggingConfiguration.taskLogs.enabled'/,
    ],
    [
      'access mode enum',
      { WebserverAccessMode: 'PUBLIC' },
      /at 'webserverAccessMode' .*enum value set: \[PRIVATE_ONLY, PUBLIC_ONLY, PUBLIC_AND_PRIVATE\]/,
    ],
    [
      'public and private on 2.x',
      { WebserverAccessMode: 'PUBLIC_AND_PRIVATE', AirflowVersion: '2.10.3' },
      /PUBLIC_AND_PRIVATE is only available for Apache Airflow version 3.2 and later/,
    ],
    ['endpoint management enum', { EndpointManagement: 'ME' }, /at 'endpointManagement' .*\[CUSTOMER, SERVICE\]/],
    [
      'requirements without version',
      { RequirementsS3Path: 'requirements.txt' },
      /RequirementsS3ObjectVersion is required when RequirementsS3Path is specified/,
    ],
    [
      'plugins version without path',
      { PluginsS3ObjectVersion: 'v1' },
      /PluginsS3Path is required when PluginsS3ObjectVersion is specified/,
    ],
    ['kms alias', { KmsKey: 'alias/my-key' }, /aliases are not supported/],
    ['kms pattern', { KmsKey: 'not-a-key' }, /at 'kmsKey' .*regular expression/],
  ];
  it.each(cases)('CreateEnvironment: %s', async (_label, patch, message, name = 'valid') => {
    const w = makeWorld();
    const body: Record<string, unknown> = { ...BASE, ...patch };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    const r = await call(w, 'PUT', `/environments/${name}`, body);
    expect(r.status).toBe(400);
    expect(r.res.headers?.['x-amzn-errortype']).toBe('ValidationException');
    expect(r.json.message).toMatch(message);
    expect(w.journal).toEqual([]);
  });

  it('reports several model errors at once in the AWS wording', async () => {
    const w = makeWorld();
    const r = await call(w, 'PUT', '/environments/x', { ...BASE, MinWorkers: 0, Schedulers: 9 });
    expect(r.json.message).toMatch(/^2 validation errors detected: Value '0' at 'minWorkers'.*; Value '9' at 'schedulers'/);
  });

  it('PUBLIC_AND_PRIVATE is accepted on Airflow 3.2 and later', async () => {
    const w = makeWorld();
    const r = await call(w, 'PUT', '/environments/pp', { ...BASE, WebserverAccessMode: 'PUBLIC_AND_PRIVATE', AirflowVersion: '3.2.1' });
    expect(r.status).toBe(200);
  });

  const updateCases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'subnets',
      { NetworkConfiguration: { SubnetIds: ['subnet-x', 'subnet-y'], SecurityGroupIds: ['sg-1'] } },
      /SubnetIds cannot be updated/,
    ],
    ['security groups required', { NetworkConfiguration: {} }, /Value null at 'networkConfiguration.securityGroupIds'/],
    ['tags', { Tags: { a: 'b' } }, /use TagResource/],
    ['kms key', { KmsKey: 'a1b2c3d4-a1b2-a1b2-a1b2-a1b2c3d4e5f6' }, /KmsKey cannot be updated/],
    ['endpoint management', { EndpointManagement: 'CUSTOMER' }, /EndpointManagement cannot be updated/],
    ['replacement strategy', { WorkerReplacementStrategy: 'SLOW' }, /at 'workerReplacementStrategy' .*\[FORCED, GRACEFUL\]/],
    ['path without version', { PluginsS3Path: 'plugins.zip' }, /PluginsS3ObjectVersion is required/],
    ['2.10 to 3.x', { AirflowVersion: '3.0.6' }, /Upgrade to the latest 2.11.x version first/],
    ['workers against current max', { MinWorkers: 20 }, /MinWorkers \(20\) must be less than or equal to MaxWorkers \(10\)/],
  ];
  it.each(updateCases)('UpdateEnvironment: %s', async (_label, body, message) => {
    const w = makeWorld();
    await createAvailable(w, 'upd', { AirflowVersion: '2.10.3' });
    const before = w.journal.length;
    const r = await call(w, 'PATCH', '/environments/upd', body);
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(message);
    expect(w.journal.length).toBe(before);
    expect((await call(w, 'GET', '/environments/upd')).json.Environment.Status).toBe('AVAILABLE');
  });

  it('a class change to mw1.micro brings the counts the caller left out to the class defaults', async () => {
    const w = makeWorld({ updateSeconds: 1 });
    await createAvailable(w, 'shrink');
    expect((await call(w, 'PATCH', '/environments/shrink', { EnvironmentClass: 'mw1.micro' })).status).toBe(200);
    w.now.t += 1000;
    const env = (await call(w, 'GET', '/environments/shrink')).json.Environment;
    expect([env.Status, env.EnvironmentClass, env.Schedulers, env.MinWebservers, env.MaxWebservers, env.MaxWorkers]).toEqual([
      'AVAILABLE',
      'mw1.micro',
      1,
      1,
      1,
      1,
    ]);
  });
});

describe('MWAA handler: updates', () => {
  it('UPDATING -> AVAILABLE applies the new configuration and records LastUpdate', async () => {
    const w = makeWorld();
    await createAvailable(w, 'up');
    const started = w.now.t;
    const r = await call(w, 'PATCH', '/environments/up', {
      MaxWorkers: 4,
      MinWebservers: 3,
      MaxWebservers: 4,
      WorkerReplacementStrategy: 'GRACEFUL',
    });
    expect(r.json).toEqual({ Arn: 'arn:aws:airflow:us-east-1:123456789012:environment/up' });
    let env = (await call(w, 'GET', '/environments/up')).json.Environment;
    expect(env.Status).toBe('UPDATING');
    expect(env.MaxWorkers).toBe(10);
    expect(env.LastUpdate).toMatchObject({ Status: 'PENDING', CreatedAt: started / 1000 });
    w.now.t += 3000;
    env = (await call(w, 'GET', '/environments/up')).json.Environment;
    expect(env.Status).toBe('AVAILABLE');
    expect([env.MaxWorkers, env.MinWebservers, env.MaxWebservers]).toEqual([4, 3, 4]);
    expect(env.LastUpdate).toEqual({ Status: 'SUCCESS', CreatedAt: started / 1000, Source: 'API', WorkerReplacementStrategy: 'GRACEFUL' });
  });

  it('fail-next-update: UPDATING -> ROLLING_BACK -> UPDATE_FAILED, keeping the previous configuration and versions', async () => {
    const w = makeWorld();
    const v1 = w.s3.put('airflow-bucket', 'plugins.zip', 'zip1');
    const v2 = w.s3.put('airflow-bucket', 'plugins.zip', 'zip2');
    await createAvailable(w, 'ff', { PluginsS3Path: 'plugins.zip', PluginsS3ObjectVersion: v1 });
    const ctl = await handleMwaaControl(
      request('POST', '/_mwaa_local/environments/ff/fail-next-update', { errorCode: 'INCORRECT_CONFIGURATION', errorMessage: 'boom' }),
      w,
    );
    expect(ctl.status).toBe(200);
    expect(JSON.parse(String(ctl.body))).toEqual({ ok: true });
    expect((await call(w, 'PATCH', '/environments/ff', { PluginsS3ObjectVersion: v2, MaxWorkers: 3 })).status).toBe(200);
    expect((await call(w, 'GET', '/environments/ff')).json.Environment.Status).toBe('UPDATING');
    w.now.t += 3000;
    let env = (await call(w, 'GET', '/environments/ff')).json.Environment;
    expect(env.Status).toBe('ROLLING_BACK');
    w.now.t += 3000;
    env = (await call(w, 'GET', '/environments/ff')).json.Environment;
    expect(env.Status).toBe('UPDATE_FAILED');
    expect(env.LastUpdate).toMatchObject({ Status: 'FAILED', Error: { ErrorCode: 'INCORRECT_CONFIGURATION', ErrorMessage: 'boom' } });
    expect(env.PluginsS3ObjectVersion).toBe(v1);
    expect(env.MaxWorkers).toBe(10);

    // The injected failure is used up: the next update succeeds (UPDATE_FAILED can be updated).
    expect((await call(w, 'PATCH', '/environments/ff', { PluginsS3ObjectVersion: v2 })).status).toBe(200);
    w.now.t += 3000;
    env = (await call(w, 'GET', '/environments/ff')).json.Environment;
    expect([env.Status, env.PluginsS3ObjectVersion, env.LastUpdate.Status]).toEqual(['AVAILABLE', v2, 'SUCCESS']);
  });

  it('control endpoint errors: unknown environment, bad body, unknown path', async () => {
    const w = makeWorld();
    const nf = await handleMwaaControl(request('POST', '/_mwaa_local/environments/none/fail-next-update', { errorCode: 'X' }), w);
    expect(nf.status).toBe(404);
    await call(w, 'PUT', '/environments/c1', BASE);
    expect((await handleMwaaControl(request('POST', '/_mwaa_local/environments/c1/fail-next-update', '{nope'), w)).status).toBe(400);
    expect(
      (await handleMwaaControl(request('POST', '/_mwaa_local/environments/c1/fail-next-update', { errorMessage: 'x' }), w)).status,
    ).toBe(400);
    expect((await handleMwaaControl(request('POST', '/_mwaa_local/environments/c1/other', {}), w)).status).toBe(404);
  });

  it('an update pinning a version that does not exist fails like MWAA, and the old version stays pinned', async () => {
    const w = makeWorld({ updateSeconds: 1 });
    const v1 = w.s3.put('airflow-bucket', 'requirements.txt', 'boto3==1.34.0\n');
    await createAvailable(w, 'rv', { RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: v1 });
    expect(
      (await call(w, 'PATCH', '/environments/rv', { RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: 'missing-v' }))
        .status,
    ).toBe(200);
    w.now.t += 2000;
    const env = (await call(w, 'GET', '/environments/rv')).json.Environment;
    expect(env.Status).toBe('UPDATE_FAILED');
    expect(env.LastUpdate.Error).toEqual({
      ErrorCode: 'INCORRECT_CONFIGURATION',
      ErrorMessage: 'Unable to read version `missing-v` of file `requirements.txt`',
    });
    expect(env.RequirementsS3ObjectVersion).toBe(v1);
  });

  it('a create pinning a missing version ends in CREATE_FAILED', async () => {
    const w = makeWorld();
    await call(w, 'PUT', '/environments/cf', { ...BASE, StartupScriptS3Path: 'startup.sh', StartupScriptS3ObjectVersion: 'nope' });
    w.now.t += 3000;
    const env = (await call(w, 'GET', '/environments/cf')).json.Environment;
    expect(env.Status).toBe('CREATE_FAILED');
    expect(env.LastUpdate.Error.ErrorMessage).toBe('Unable to read version `nope` of file `startup.sh`');
    expect((await call(w, 'DELETE', '/environments/cf')).status).toBe(200);
  });

  it('requirements: a denied package writes pip errors to requirements_install_* and fails the update', async () => {
    const w = makeWorld({ denyPackages: ['Not_Real-Pkg'] });
    const logging = { WorkerLogs: { Enabled: true, LogLevel: 'WARNING' }, SchedulerLogs: { Enabled: true, LogLevel: 'INFO' } };
    const good = w.s3.put('airflow-bucket', 'requirements.txt', '# deps\napache-airflow-providers-snowflake==5.3.0\nrequests>=2\n');
    await createAvailable(w, 'req', {
      RequirementsS3Path: 'requirements.txt',
      RequirementsS3ObjectVersion: good,
      LoggingConfiguration: logging,
    });
    const workerStreams = [...w.logs.groups.get('airflow-req-Worker')!.keys()];
    expect(workerStreams).toHaveLength(1);
    expect(workerStreams[0]).toMatch(/^requirements_install_ip-10-\d+-\d+-\d+\.ec2\.internal_\d+\.log$/);
    const okLines = w.logs.groups.get('airflow-req-Worker')!.get(workerStreams[0])!;
    expect(okLines).toContain('Collecting apache-airflow-providers-snowflake==5.3.0');
    expect(okLines[okLines.length - 1]).toBe('Successfully installed apache-airflow-providers-snowflake-5.3.0 requests-1.0.0');
    expect(w.logs.groups.get('airflow-req-Scheduler')!.size).toBe(1);

    const bad = w.s3.put('airflow-bucket', 'requirements.txt', 'requests==2.31.0\nnot.real_pkg==1.0\n');
    expect((await call(w, 'PATCH', '/environments/req', { RequirementsS3ObjectVersion: bad })).status).toBe(200);
    w.now.t += 6000;
    const env = (await call(w, 'GET', '/environments/req')).json.Environment;
    expect(env.Status).toBe('UPDATE_FAILED');
    expect(env.LastUpdate.Error.ErrorCode).toBe('INCORRECT_CONFIGURATION');
    expect(env.LastUpdate.Error.ErrorMessage).toMatch(/not\.real_pkg==1\.0/);
    expect(env.RequirementsS3ObjectVersion).toBe(good);
    const streams = [...w.logs.groups.get('airflow-req-Worker')!.entries()];
    expect(streams).toHaveLength(2);
    const failed = streams.find(([, lines]) => lines.some((l) => l.startsWith('ERROR')))![1];
    expect(failed).toContain('ERROR: Could not find a version that satisfies the requirement not.real_pkg==1.0 (from versions: none)');
    expect(failed).toContain('ERROR: No matching distribution found for not.real_pkg==1.0');
    expect(failed.some((l) => l.startsWith('Successfully installed'))).toBe(false);
  });

  it('requirements logs go to the worker group only on mw1.micro, and nowhere when worker/scheduler logging is off', async () => {
    const w = makeWorld();
    const v = w.s3.put('airflow-bucket', 'requirements.txt', 'pandas\n');
    await createAvailable(w, 'm', {
      EnvironmentClass: 'mw1.micro',
      RequirementsS3Path: 'requirements.txt',
      RequirementsS3ObjectVersion: v,
      LoggingConfiguration: { WorkerLogs: { Enabled: true, LogLevel: 'INFO' }, SchedulerLogs: { Enabled: true, LogLevel: 'INFO' } },
    });
    expect(w.logs.groups.get('airflow-m-Worker')!.size).toBe(1);
    expect(w.logs.groups.get('airflow-m-Scheduler')!.size).toBe(0);
    await createAvailable(w, 'quiet', { RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: v });
    expect([...w.logs.groups.keys()].some((g) => g.includes('quiet'))).toBe(false);
  });

  it('a startup script writes startup_script_execution_* streams with its echo lines', async () => {
    const w = makeWorld();
    const v = w.s3.put('airflow-bucket', 'startup.sh', '#!/bin/sh\necho "setting up"\nexport X=1\necho done\n');
    await createAvailable(w, 'st', {
      StartupScriptS3Path: 'startup.sh',
      StartupScriptS3ObjectVersion: v,
      LoggingConfiguration: { WebserverLogs: { Enabled: true, LogLevel: 'ERROR' } },
    });
    const streams = [...w.logs.groups.get('airflow-st-WebServer')!.entries()];
    expect(streams).toHaveLength(1);
    expect(streams[0][0]).toMatch(/^startup_script_execution_ip-.*\.log$/);
    expect(streams[0][1]).toEqual([
      `Executing startup script startup.sh (S3 object version ${v})`,
      'setting up',
      'done',
      'Startup script execution finished with exit code 0',
    ]);
  });
});

describe('MWAA handler: tokens and tags', () => {
  it('CLI and web tokens are random, valid for 60 s of clock time, and tied to their kind and environment', async () => {
    const w = makeWorld();
    await createAvailable(w, 'tok');
    const a = await call(w, 'POST', '/clitoken/tok');
    const b = await call(w, 'POST', '/clitoken/tok');
    expect(a.json.WebServerHostname).toBe('localhost:4599');
    expect(a.json.CliToken).not.toBe(b.json.CliToken);
    expect(a.json.CliToken.length).toBeGreaterThan(40);
    const web = await call(w, 'POST', '/webtoken/tok');
    expect(web.json).toMatchObject({ WebServerHostname: 'localhost:4599', IamIdentity: 'arn:aws:iam::123456789012:user/AKIDLOCAL' });
    expect(w.store.environmentForToken(a.json.CliToken, 'cli')).toEqual({ name: 'tok' });
    expect(w.store.environmentForToken(a.json.CliToken, 'web')).toEqual({ error: 'unknown' });
    expect(w.store.environmentForToken(web.json.WebToken, 'web')).toEqual({ name: 'tok' });
    expect(w.store.environmentForToken('made-up', 'cli')).toEqual({ error: 'unknown' });
    w.now.t += 59_999;
    expect(w.store.environmentForToken(a.json.CliToken, 'cli')).toEqual({ name: 'tok' });
    w.now.t += 1;
    expect(w.store.environmentForToken(a.json.CliToken, 'cli')).toEqual({ error: 'expired' });
    expect(w.store.environmentForToken(web.json.WebToken, 'web')).toEqual({ error: 'expired' });
  });

  it('tags: TagResource merges, UntagResource removes, ListTagsForResource reads; ARNs are checked', async () => {
    const w = makeWorld();
    await createAvailable(w, 'tg', { Tags: { a: '1' } });
    const arn = encodeURIComponent('arn:aws:airflow:us-east-1:123456789012:environment/tg');
    expect((await call(w, 'POST', `/tags/${arn}`, { Tags: { b: '2', a: 'x' } })).status).toBe(200);
    expect((await call(w, 'GET', `/tags/${arn}`)).json).toEqual({ Tags: { a: 'x', b: '2' } });
    expect((await call(w, 'DELETE', `/tags/${arn}?tagKeys=a&tagKeys=zz`)).status).toBe(200);
    expect((await call(w, 'GET', `/tags/${arn}`)).json).toEqual({ Tags: { b: '2' } });
    expect((await call(w, 'GET', '/environments/tg')).json.Environment.Tags).toEqual({ b: '2' });
    // unencoded "/" is tolerated
    expect((await call(w, 'GET', '/tags/arn:aws:airflow:us-east-1:123456789012:environment/tg')).json).toEqual({ Tags: { b: '2' } });
    const other = encodeURIComponent('arn:aws:airflow:us-east-1:123456789012:environment/other');
    expect((await call(w, 'GET', `/tags/${other}`)).status).toBe(404);
    const bad = await call(w, 'GET', `/tags/${encodeURIComponent('arn:aws:s3:::bucket')}`);
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/at 'resourceArn'/);
    expect((await call(w, 'POST', `/tags/${arn}`, { Tags: { 'bad*': 'v' } })).status).toBe(400);
    expect((await call(w, 'POST', `/tags/${arn}`, {})).json.message).toMatch(/Value null at 'tags'/);
  });
});

describe('MWAA handler: protocol', () => {
  it('refuses requests without Authorization, answers unknown routes and deprecated operations in MWAA shape', async () => {
    const w = makeWorld();
    const noAuth = await handleMwaa({ ...request('GET', '/environments'), headers: {} }, w);
    expect(noAuth.status).toBe(403);
    expect(noAuth.headers?.['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    const unknown = await call(w, 'GET', '/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.res.headers?.['x-amzn-errortype']).toBe('UnknownOperationException');
    const pm = await call(w, 'POST', '/metrics/environments/x', { MetricData: [] });
    expect(pm.status).toBe(400);
    expect(pm.json.message).toMatch(/no longer available/);
  });

  it('InvokeRestApi wraps what Airflow answers: 2xx in a 200, 4xx/5xx as RestApiClient/ServerException (HTTP 400)', async () => {
    const w = makeWorld();
    await createAvailable(w, 'ra');
    const ok = await call(w, 'POST', '/restapi/ra', { Path: '/status/200', Method: 'POST', QueryParameters: { a: 1 }, Body: [1, 'x'] });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({
      RestApiStatusCode: 200,
      RestApiResponse: { echo: { path: '/status/200', method: 'POST', query: { a: 1 }, body: [1, 'x'] } },
    });
    const empty = await call(w, 'POST', '/restapi/ra', { Path: '/status/204', Method: 'DELETE' });
    expect(empty.json).toEqual({ RestApiStatusCode: 204 });
    const client = await call(w, 'POST', '/restapi/ra', { Path: '/status/409', Method: 'GET' });
    expect(client.status).toBe(400);
    expect(client.res.headers?.['x-amzn-errortype']).toBe('RestApiClientException');
    expect(client.json).toMatchObject({ RestApiStatusCode: 409, RestApiResponse: { echo: { path: '/status/409' } } });
    const server = await call(w, 'POST', '/restapi/ra', { Path: '/status/500', Method: 'GET' });
    expect(server.status).toBe(400);
    expect(server.res.headers?.['x-amzn-errortype']).toBe('RestApiServerException');
    expect(server.json.RestApiStatusCode).toBe(500);
    const down = await call(w, 'POST', '/restapi/ra', { Path: '/down', Method: 'GET' });
    expect(down.res.headers?.['x-amzn-errortype']).toBe('RestApiServerException');
    expect(down.json.RestApiStatusCode).toBe(503);
  });

  it('InvokeRestApi validates Path (1-64 chars), Method and QueryParameters, the environment and the 6 MB response limit', async () => {
    const w = makeWorld();
    await createAvailable(w, 'ra');
    const method = await call(w, 'POST', '/restapi/ra', { Path: '/dags', Method: 'HEAD' });
    expect(method.status).toBe(400);
    expect(method.res.headers?.['x-amzn-errortype']).toBe('ValidationException');
    expect(method.json.message).toMatch(/at 'method'/);
    const long = await call(w, 'POST', '/restapi/ra', { Path: `/${'x'.repeat(64)}`, Method: 'GET' });
    expect(long.status).toBe(400);
    expect(long.json.message).toMatch(/at 'path'.*length less than or equal to 64/);
    const at64 = await call(w, 'POST', '/restapi/ra', { Path: `/${'x'.repeat(63)}`, Method: 'GET' });
    expect(at64.res.headers?.['x-amzn-errortype']).toBe('RestApiClientException'); // 64 characters reach Airflow
    expect((await call(w, 'POST', '/restapi/ra', { Path: '', Method: 'GET' })).json.message).toMatch(/at 'path'/);
    expect((await call(w, 'POST', '/restapi/ra', { Method: 'GET' })).json.message).toMatch(/Value null at 'path'/);
    expect((await call(w, 'POST', '/restapi/ra', { Path: '/dags', Method: 'GET', QueryParameters: [1] })).json.message).toMatch(
      /queryParameters/,
    );
    const missing = await call(w, 'POST', '/restapi/nope', { Path: '/dags', Method: 'GET' });
    expect(missing.status).toBe(404);
    expect(missing.res.headers?.['x-amzn-errortype']).toBe('ResourceNotFoundException');
    const limit = 6 * 1024 * 1024;
    const fits = await call(w, 'POST', '/restapi/ra', { Path: '/big', Method: 'GET', QueryParameters: { bytes: limit - 20 } });
    expect(fits.status).toBe(200);
    const big = await call(w, 'POST', '/restapi/ra', { Path: '/big', Method: 'GET', QueryParameters: { bytes: limit } });
    expect(big.status).toBe(400);
    expect(big.res.headers?.['x-amzn-errortype']).toBe('ValidationException');
    expect(big.json.message).toMatch(/6 MB/);
  });

  it('faults are checked first with the operation name and request fields, and answered in MWAA shape', async () => {
    const w = makeWorld();
    w.faults.add({
      service: 'mwaa',
      operation: 'CreateEnvironment',
      match: { Name: 'f1' },
      error: { status: 500, code: 'InternalServerException', message: 'injected' },
    });
    w.faults.add({
      service: 'mwaa',
      operation: 'GetEnvironment',
      after: 1,
      error: { status: 403, code: 'AccessDeniedException', message: 'denied' },
    });
    const f = await call(w, 'PUT', '/environments/f1', BASE);
    expect(f.status).toBe(500);
    expect(f.res.headers?.['x-amzn-errortype']).toBe('InternalServerException');
    expect(f.json).toEqual({ message: 'injected' });
    expect(w.journal).toEqual([]);
    expect((await call(w, 'PUT', '/environments/f1', BASE)).status).toBe(200);
    expect((await call(w, 'GET', '/environments/f1')).status).toBe(200);
    const denied = await call(w, 'GET', '/environments/f1');
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({ Message: 'denied' });
  });

  it('fuzz: malformed JSON and random paths always get an MWAA-shaped error, never a crash', async () => {
    const w = makeWorld();
    await createAvailable(w, 'fz');
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const bodies = [
      '{',
      '[]',
      '"x"',
      '42',
      'null',
      '{"MaxWorkers": "x"}',
      '{"NetworkConfiguration": 5}',
      '{"LoggingConfiguration": []}',
      '{"Tags": [1]}',
      '{"AirflowConfigurationOptions": {"a": 1}}',
      '\u0000\u00ff',
      '{"DagS3Path": {}}',
      '{"NetworkConfiguration": {"SecurityGroupIds": "sg-1"}}',
      '{"LoggingConfiguration": {"TaskLogs": 7}}',
    ];
    const paths = [
      '/environments/fz',
      '/environments/%E0%A4%A',
      '/environments/a/b',
      '/tags/%',
      '/tags/arn',
      '/clitoken/',
      '/webtoken/fz/x',
      '/',
      '',
      '/metrics/environments',
      '/restapi/fz',
      `/environments/${'x'.repeat(100)}`,
    ];
    const methods = ['GET', 'PUT', 'PATCH', 'POST', 'DELETE', 'HEAD', 'OPTIONS'];
    for (let i = 0; i < 300; i++) {
      const m = methods[rnd(methods.length)];
      const p = paths[rnd(paths.length)];
      const b = rnd(3) === 0 ? Buffer.from(Array.from({ length: rnd(40) }, () => rnd(256))) : Buffer.from(bodies[rnd(bodies.length)]);
      const res = await handleMwaa({ ...request(m, p), body: b }, w);
      expect(res.status, `${m} ${p} ${b.toString()}`).toBeGreaterThanOrEqual(200);
      if (res.status >= 300) {
        expect(res.status).toBeLessThan(500);
        expect(res.headers?.['x-amzn-errortype']).toMatch(/^[A-Za-z]+$/);
        const parsed = JSON.parse(String(res.body));
        expect(typeof (parsed.message ?? parsed.Message)).toBe('string');
      }
    }
  });
});

describe('MWAA store: persistence', () => {
  it('replaying the journal (from scratch, or after a snapshot) rebuilds the same state, without re-writing logs', async () => {
    const w = makeWorld({ denyPackages: ['nope'] });
    const v = w.s3.put('airflow-bucket', 'requirements.txt', 'nope\n');
    const logging = { WorkerLogs: { Enabled: true, LogLevel: 'INFO' } };
    await createAvailable(w, 'p1', { Tags: { a: 'b' }, LoggingConfiguration: logging });
    const snap = w.store.snapshot();
    const afterSnap = w.journal.length;
    await call(w, 'POST', '/clitoken/p1');
    const tok = (await call(w, 'POST', '/clitoken/p1')).json.CliToken;
    await call(w, 'PATCH', '/environments/p1', { RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: v });
    await call(w, 'PUT', '/environments/p2', BASE);
    await handleMwaaControl(request('POST', '/_mwaa_local/environments/p2/fail-next-update', { errorCode: 'E' }), w);
    w.now.t += 3000;
    w.tick();
    const streamsBefore = w.logs.groups.get('airflow-p1-Worker')!.size;
    const expected = w.store.rawState();

    const mwaaRecords = w.journal.filter((r) => r.store === 'mwaa');
    const fresh = makeWorld({}, { journal: [], s3: w.s3, logs: w.logs, now: w.now });
    for (const r of mwaaRecords) fresh.store.replay(r.op, r.data);
    expect(fresh.store.rawState()).toEqual(expected);

    const fromSnap = makeWorld({}, { journal: [], s3: w.s3, logs: w.logs, now: w.now });
    fromSnap.store.restore(JSON.parse(JSON.stringify(snap)));
    for (const r of w.journal.slice(afterSnap).filter((x) => x.store === 'mwaa')) fromSnap.store.replay(r.op, r.data);
    expect(fromSnap.store.rawState()).toEqual(expected);
    fromSnap.tick();
    expect(fromSnap.journal).toEqual([]);
    expect(w.logs.groups.get('airflow-p1-Worker')!.size).toBe(streamsBefore);
    expect(fromSnap.store.environmentForToken(tok, 'cli')).toEqual({ name: 'p1' });

    // the rebuilt store carries on: p1 rolls back to UPDATE_FAILED, p2's injected failure is still armed
    fromSnap.now.t += 3000;
    fromSnap.tick();
    expect(fromSnap.store.getEnvironment('p1')?.Status).toBe('UPDATE_FAILED');
    const u = await call(fromSnap, 'PATCH', '/environments/p2', { MaxWorkers: 2 });
    expect(u.status).toBe(200);
    fromSnap.now.t += 6000;
    expect((await call(fromSnap, 'GET', '/environments/p2')).json.Environment.LastUpdate.Error.ErrorCode).toBe('E');
  });
});
