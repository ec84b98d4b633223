import { describe, expect, it } from 'vitest';
import { failure as rejection } from '../helpers/errors.js';
import type { BucketApi, PublicAccessBlock } from '../../src/core/ports/bucket.js';
import type { SelectedEnvironment } from '../../src/core/config/load.js';
import type { EnvironmentEntry } from '../../src/core/config/schema.js';
import { checkSourceBucket } from '../../src/core/env/bucket.js';
import { LOCAL_EXECUTION_ROLE_ARN } from '../../src/core/env/local.js';
import { applyUpdate, createEnvironment, deleteEnvironment, prepareUpdate, type EnvPorts } from '../../src/core/env/operations.js';
import { checkEnvironment } from '../../src/core/env/validate.js';
import { recordEvents } from '../../src/core/events.js';
import { envWith, fakeClock, scriptedApi, type FakeApi } from './env-fakes.js';

const ROLE = 'arn:aws:iam::123456789012:role/exec';
const NETWORK = { subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] };

function selected(entry: Partial<EnvironmentEntry> & { environment?: EnvironmentEntry['environment'] }): SelectedEnvironment {
  const full = { name: 'demo', bucket: 'demo-bucket', ...entry } as EnvironmentEntry;
  return {
    key: 'dev',
    entry: full,
    source: { file: '/nonexistent/mwaa.yaml', dir: '/nonexistent', config: { environments: { dev: full } } },
    path: (p) => p,
  };
}

const ALL_BLOCKED: PublicAccessBlock = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

function fakeBucket(state: { exists?: boolean; region?: string; versioning?: string; pab?: PublicAccessBlock; forbidden?: boolean } = {}) {
  const calls: string[] = [];
  const s = {
    exists: true,
    region: 'eu-west-1',
    versioning: 'Enabled' as string | undefined,
    pab: ALL_BLOCKED as PublicAccessBlock | undefined,
    ...state,
  };
  const api: BucketApi = {
    async head() {
      calls.push('HeadBucket');
      if (s.forbidden) return { status: 'forbidden' };
      return s.exists ? { status: 'ok', region: s.region } : { status: 'missing' };
    },
    async location() {
      calls.push('GetBucketLocation');
      return s.region;
    },
    async versioning() {
      calls.push('GetBucketVersioning');
      return s.versioning;
    },
    async publicAccessBlock() {
      calls.push('GetPublicAccessBlock');
      return s.pab;
    },
    async create(_bucket, region) {
      calls.push(`CreateBucket ${region}`);
      Object.assign(s, { exists: true, region, versioning: 'Enabled', pab: ALL_BLOCKED });
    },
  };
  return { api, calls };
}

function ports(api: FakeApi, bucket: BucketApi): EnvPorts & { events: ReturnType<typeof recordEvents>['sink'] } {
  return {
    api: Object.assign(api, {
      tagResource: async (arn: string, tags: Record<string, string>) => void api.calls.push({ op: 'TagResource', input: { arn, tags } }),
      untagResource: async (arn: string, keys: string[]) => void api.calls.push({ op: 'UntagResource', input: { arn, keys } }),
    }),
    bucket,
    clock: fakeClock(),
    events: recordEvents().sink,
  };
}

describe('createEnvironment', () => {
  const good = selected({ environment: { executionRoleArn: ROLE, network: NETWORK, maxWorkers: 3 } });

  it('an invalid block: exit 2 and no call at all', async () => {
    const api = scriptedApi([undefined]);
    const bucket = fakeBucket();
    const error = await rejection(
      createEnvironment(
        selected({ environment: { executionRoleArn: ROLE, network: NETWORK, minWorkers: 4, maxWorkers: 2 } }),
        ports(api, bucket.api),
        { wait: false, region: 'eu-west-1', local: false },
      ),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/minWorkers \(4\) must not be greater than maxWorkers \(2\)/);
    expect(api.calls).toEqual([]);
    expect(bucket.calls).toEqual([]);
  });

  it('a bucket problem: exit 1 before any MWAA call', async () => {
    const api = scriptedApi([undefined]);
    const error = await rejection(
      createEnvironment(good, ports(api, fakeBucket({ versioning: 'Suspended' }).api), { wait: false, region: 'eu-west-1', local: false }),
    );
    expect(error.exitCode).toBe(1);
    expect(error.code).toBe('env.bucket.preflight');
    expect(error.message).toMatch(/does not have versioning enabled \(it is Suspended\)/);
    expect(api.calls).toEqual([]);
  });

  it('an existing environment: exit 2, no CreateEnvironment', async () => {
    const api = scriptedApi([envWith('AVAILABLE')]);
    const error = await rejection(
      createEnvironment(good, ports(api, fakeBucket().api), { wait: false, region: 'eu-west-1', local: false }),
    );
    expect(error.code).toBe('env.exists');
    expect(api.calls.map((c) => c.op)).toEqual(['GetEnvironment']);
  });

  it('--no-wait: CreateEnvironment, then returns CREATING without polling', async () => {
    const api = scriptedApi([undefined]);
    const result = await createEnvironment(good, ports(api, fakeBucket().api), { wait: false, region: 'eu-west-1', local: false });
    expect(result.status).toBe('CREATING');
    expect(api.calls.map((c) => c.op)).toEqual(['GetEnvironment', 'CreateEnvironment']);
  });

  it('local: dummy role, network and logging fill what mwaa.yaml leaves out; a missing bucket is created', async () => {
    const api = scriptedApi([undefined]);
    const bucket = fakeBucket({ exists: false });
    await createEnvironment(selected({ local: true, environment: { maxWorkers: 2 } }), ports(api, bucket.api), {
      wait: false,
      region: 'us-east-1',
      local: true,
    });
    expect(bucket.calls[0]).toBe('HeadBucket');
    expect(bucket.calls).toContain('CreateBucket us-east-1');
    const input = api.calls.find((c) => c.op === 'CreateEnvironment')?.input as Record<string, any>;
    expect(input.ExecutionRoleArn).toBe(LOCAL_EXECUTION_ROLE_ARN);
    expect(input.NetworkConfiguration.SubnetIds).toHaveLength(2);
    expect(input.NetworkConfiguration.SecurityGroupIds).toHaveLength(1);
    expect(input.LoggingConfiguration.TaskLogs).toEqual({ Enabled: true, LogLevel: 'INFO' });
    expect(input.MaxWorkers).toBe(2);
  });
});

describe('prepareUpdate / applyUpdate / deleteEnvironment', () => {
  const live = envWith('AVAILABLE', {
    Arn: 'arn:aws:airflow:eu-west-1:123456789012:environment/demo',
    MaxWorkers: 10,
    SourceBucketArn: 'arn:aws:s3:::demo-bucket',
    DagS3Path: 'dags',
    Tags: { a: '1' },
  });

  it('an environment busy UPDATING cannot be updated (exit 1, nothing changed)', async () => {
    const api = scriptedApi([{ ...live, Status: 'UPDATING' }]);
    const error = await rejection(
      prepareUpdate(selected({ environment: { maxWorkers: 3 } }), ports(api, fakeBucket().api), 'eu-west-1', 'update'),
    );
    expect(error.code).toBe('env.busy');
    expect(error.hint).toMatch(/mwaa env wait/);
  });

  it('applies UpdateEnvironment, then tags, then waits for an update newer than the call', async () => {
    const clock = fakeClock();
    const api = scriptedApi([live]);
    const p = ports(api, fakeBucket().api);
    p.clock = clock;
    const prepared = await prepareUpdate(selected({ environment: { maxWorkers: 3, tags: { b: '2' } } }), p, 'eu-west-1', 'update');
    api.script = [envWith('UPDATING'), envWith('AVAILABLE', { LastUpdate: { Status: 'SUCCESS', CreatedAt: new Date(clock.t) } })];
    const result = await applyUpdate(prepared, p, { wait: true, pollMs: 10 });
    expect(api.calls.map((c) => c.op)).toEqual([
      'GetEnvironment',
      'UpdateEnvironment',
      'TagResource',
      'UntagResource',
      'GetEnvironment',
      'GetEnvironment',
    ]);
    expect(api.calls[1].input).toEqual({ Name: 'demo', MaxWorkers: 3 });
    expect(result).toMatchObject({ status: 'AVAILABLE', waited: true });
    expect(result.timeline.map((t) => t.status)).toEqual(['UPDATING', 'AVAILABLE']);
  });

  it('tags only: no UpdateEnvironment, no wait', async () => {
    const api = scriptedApi([live]);
    const p = ports(api, fakeBucket().api);
    const prepared = await prepareUpdate(selected({ environment: { tags: { a: '1', b: '2' } } }), p, 'eu-west-1', 'update');
    const result = await applyUpdate(prepared, p, { wait: true });
    expect(api.calls.map((c) => c.op)).toEqual(['GetEnvironment', 'TagResource']);
    expect(result.waited).toBe(false);
  });

  it('delete: an environment already DELETING is only waited for; one still CREATING is refused', async () => {
    const api = scriptedApi([undefined]);
    const r = await deleteEnvironment({ ...live, Status: 'DELETING' }, ports(api, fakeBucket().api), { wait: true, pollMs: 1 });
    expect(r.status).toBe('DELETED');
    expect(api.calls.map((c) => c.op)).toEqual(['GetEnvironment']);
    const error = await rejection(
      deleteEnvironment({ ...live, Status: 'CREATING' }, ports(scriptedApi([undefined]), fakeBucket().api), { wait: false }),
    );
    expect(error.code).toBe('env.busy');
  });
});

describe('checkSourceBucket', () => {
  it('a bucket in another region: one problem, with both fixes', async () => {
    const problems = await checkSourceBucket(fakeBucket({ region: 'us-west-2' }).api, 'b', 'eu-west-1');
    expect(problems).toEqual([
      expect.objectContaining({
        check: 'region',
        message: 'source bucket b is in us-west-2, but the environment is in eu-west-1; MWAA needs the bucket in the same region',
      }),
    ]);
  });

  it('no read permission: says so instead of guessing', async () => {
    const problems = await checkSourceBucket(fakeBucket({ forbidden: true }).api, 'b', 'eu-west-1');
    expect(problems.map((p) => p.check)).toEqual(['access']);
  });

  it('a partial public access block names the missing settings', async () => {
    const problems = await checkSourceBucket(
      fakeBucket({ pab: { ...ALL_BLOCKED, BlockPublicPolicy: false, RestrictPublicBuckets: false } }).api,
      'b',
      'eu-west-1',
    );
    expect(problems).toEqual([
      expect.objectContaining({
        check: 'public-access',
        message: 'source bucket b does not block all public access (BlockPublicPolicy, RestrictPublicBuckets not set)',
      }),
    ]);
  });

  it('a good bucket has no problem', async () => {
    expect(await checkSourceBucket(fakeBucket().api, 'b', 'eu-west-1')).toEqual([]);
  });
});

describe('checkEnvironment warnings and version rules', () => {
  it('more than 25 workers is a warning (quota), not an error', () => {
    const r = checkEnvironment({ name: 'demo', environment: { maxWorkers: 40 } } as EnvironmentEntry, { operation: 'create', local: true });
    expect(r.errors).toEqual([]);
    expect(r.warnings[0].message).toMatch(/above the default quota of 25 workers/);
  });

  it('an Airflow version this tool does not know is a warning', () => {
    const r = checkEnvironment({ name: 'demo', environment: { airflowVersion: '3.9.0' } } as EnvironmentEntry, {
      operation: 'create',
      local: true,
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings[0].field).toBe('environment.airflowVersion');
  });

  it('Airflow 3 can be downgraded only to 2.11.x', () => {
    const live = envWith('AVAILABLE', { AirflowVersion: '3.0.6' });
    const bad = checkEnvironment({ name: 'demo', environment: { airflowVersion: '2.10.3' } } as EnvironmentEntry, {
      operation: 'update',
      live,
    });
    expect(bad.errors[0].message).toMatch(/can only be downgraded to 2\.11\.x, not 2\.10\.3/);
    const ok = checkEnvironment({ name: 'demo', environment: { airflowVersion: '2.11.2' } } as EnvironmentEntry, {
      operation: 'update',
      live,
    });
    expect(ok.errors).toEqual([]);
  });

  it('2.11.x can go to Airflow 3 in place', () => {
    const live = envWith('AVAILABLE', { AirflowVersion: '2.11.2' });
    expect(
      checkEnvironment({ name: 'demo', environment: { airflowVersion: '3.2.1' } } as EnvironmentEntry, { operation: 'update', live })
        .errors,
    ).toEqual([]);
  });

  it('env diff does not refuse fields that cannot change (the plan shows them)', () => {
    const live = envWith('AVAILABLE', { NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'] } });
    const entry = {
      name: 'demo',
      environment: { network: { subnetIds: ['subnet-c', 'subnet-d'], securityGroupIds: ['sg-1'] } },
    } as EnvironmentEntry;
    expect(checkEnvironment(entry, { operation: 'diff', live }).errors).toEqual([]);
    expect(checkEnvironment(entry, { operation: 'update', live }).errors.map((e) => e.field)).toEqual(['environment.network.subnetIds']);
  });
});
