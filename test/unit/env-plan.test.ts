import { describe, expect, it } from 'vitest';
import type { EnvironmentInfo } from '../../src/core/ports/mwaa.js';
import type { EnvironmentEntry } from '../../src/core/config/schema.js';
import { toCreateInput } from '../../src/core/env/fields.js';
import { planEnvironment, renderPlan } from '../../src/core/env/plan.js';

const live: EnvironmentInfo = {
  Name: 'demo',
  Arn: 'arn:aws:airflow:eu-west-1:123456789012:environment/demo',
  Status: 'AVAILABLE',
  AirflowVersion: '2.10.3',
  EnvironmentClass: 'mw1.small',
  ExecutionRoleArn: 'arn:aws:iam::123456789012:role/exec',
  SourceBucketArn: 'arn:aws:s3:::demo-bucket',
  DagS3Path: 'dags',
  MinWorkers: 1,
  MaxWorkers: 10,
  MinWebservers: 2,
  MaxWebservers: 2,
  Schedulers: 2,
  KmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  EndpointManagement: 'SERVICE',
  WebserverAccessMode: 'PRIVATE_ONLY',
  WeeklyMaintenanceWindowStart: 'SUN:03:00',
  NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
  AirflowConfigurationOptions: { 'core.parallelism': '8', 'core.default_task_retries': '1' },
  LoggingConfiguration: {
    TaskLogs: {
      Enabled: true,
      LogLevel: 'INFO',
      CloudWatchLogGroupArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:airflow-demo-Task:*',
    },
    SchedulerLogs: { Enabled: false, LogLevel: 'INFO' },
    WorkerLogs: { Enabled: true, LogLevel: 'WARNING' },
    WebserverLogs: { Enabled: true, LogLevel: 'ERROR' },
    DagProcessingLogs: { Enabled: false, LogLevel: 'INFO' },
  },
  Tags: { team: 'data', old: 'x' },
  PluginsS3Path: 'plugins.zip',
  PluginsS3ObjectVersion: 'v1',
};

function entry(environment: EnvironmentEntry['environment'], extra: Partial<EnvironmentEntry> = {}): EnvironmentEntry {
  return { name: 'demo', bucket: 'demo-bucket', environment, ...extra };
}

describe('planEnvironment', () => {
  it('only fields mwaa.yaml sets are compared; equal ones are unchanged and nothing is sent', () => {
    const plan = planEnvironment(
      entry({
        airflowVersion: '2.10.3',
        maxWorkers: 10,
        network: { subnetIds: ['subnet-b', 'subnet-a'], securityGroupIds: ['sg-1'] },
        kmsKey: '1234abcd-12ab-34cd-56ef-1234567890ab',
        logging: { task: 'INFO', scheduler: false },
      }),
      live,
      'eu-west-1',
    );
    expect(plan.changes).toEqual([]);
    expect(plan.update).toBeUndefined();
    expect(plan.unchanged).toEqual(
      expect.arrayContaining([
        'airflowVersion',
        'maxWorkers',
        'kmsKey',
        'dagS3Path',
        'bucket',
        'network.subnetIds',
        'network.securityGroupIds',
        'logging.task',
        'logging.scheduler',
      ]),
    );
    expect(renderPlan(plan)).toMatch(/^No changes: environment demo matches mwaa.yaml/);
  });

  it('UpdateEnvironment gets only the changed fields, with the web server fields and the replacement strategy', () => {
    const plan = planEnvironment(
      entry({
        maxWorkers: 4,
        minWebservers: 3,
        maxWebservers: 3,
        schedulers: 2,
        workerReplacementStrategy: 'GRACEFUL',
        environmentClass: 'mw1.small',
      }),
      live,
      'eu-west-1',
    );
    expect(plan.update).toEqual({ Name: 'demo', MaxWorkers: 4, MinWebservers: 3, MaxWebservers: 3, WorkerReplacementStrategy: 'GRACEFUL' });
    expect(plan.changes.map((c) => [c.field, c.kind, c.from, c.to])).toEqual([
      ['maxWorkers', 'change', 10, 4],
      ['minWebservers', 'change', 2, 3],
      ['maxWebservers', 'change', 2, 3],
    ]);
  });

  it('workerReplacementStrategy alone is not a change', () => {
    const plan = planEnvironment(entry({ workerReplacementStrategy: 'GRACEFUL' }), live, 'eu-west-1');
    expect(plan.changes).toEqual([]);
    expect(plan.update).toBeUndefined();
  });

  it('security groups can change (only SecurityGroupIds is sent); subnets, kmsKey, endpointManagement cannot', () => {
    const plan = planEnvironment(
      entry({
        network: { subnetIds: ['subnet-a', 'subnet-c'], securityGroupIds: ['sg-1', 'sg-2'] },
        kmsKey: 'arn:aws:kms:eu-west-1:123456789012:key/ffffffff-12ab-34cd-56ef-1234567890ab',
        endpointManagement: 'CUSTOMER',
      }),
      live,
      'eu-west-1',
    );
    expect(plan.update).toEqual({ Name: 'demo', NetworkConfiguration: { SecurityGroupIds: ['sg-1', 'sg-2'] } });
    const blocked = plan.changes.filter((c) => !c.updatable).map((c) => c.field);
    expect(blocked.sort()).toEqual(['endpointManagement', 'kmsKey', 'network.subnetIds']);
    const text = renderPlan(plan);
    expect(text).toMatch(/! network\.subnetIds: \[subnet-a, subnet-b\] → \[subnet-a, subnet-c\]\s+\(cannot be changed after creation\)/);
    expect(text).toMatch(/~ network\.securityGroupIds: \[sg-1\] → \[sg-1, sg-2\]/);
    expect(text).toMatch(/1 to change, 3 cannot be changed/);
  });

  it('logging: a changed component sends every component, the others with their live values', () => {
    const plan = planEnvironment(entry({ logging: { task: 'DEBUG', scheduler: { enabled: true } } }), live, 'eu-west-1');
    expect(plan.changes.map((c) => [c.field, c.from, c.to])).toEqual([
      ['logging.scheduler', 'disabled', 'INFO'],
      ['logging.task', 'INFO', 'DEBUG'],
    ]);
    expect(plan.update?.LoggingConfiguration).toEqual({
      DagProcessingLogs: { Enabled: false, LogLevel: 'INFO' },
      SchedulerLogs: { Enabled: true, LogLevel: 'INFO' },
      TaskLogs: { Enabled: true, LogLevel: 'DEBUG' },
      WebserverLogs: { Enabled: true, LogLevel: 'ERROR' },
      WorkerLogs: { Enabled: true, LogLevel: 'WARNING' },
    });
  });

  it('Airflow options: per-key add/change/remove, and the whole desired map is sent', () => {
    const plan = planEnvironment(
      entry({ airflowConfigurationOptions: { 'core.parallelism': '16', 'webserver.expose_config': 'true' } }),
      live,
      'eu-west-1',
    );
    expect(plan.changes.map((c) => [c.field, c.kind])).toEqual([
      ['airflowConfigurationOptions.core.default_task_retries', 'remove'],
      ['airflowConfigurationOptions.core.parallelism', 'change'],
      ['airflowConfigurationOptions.webserver.expose_config', 'add'],
    ]);
    expect(plan.update?.AirflowConfigurationOptions).toEqual({ 'core.parallelism': '16', 'webserver.expose_config': 'true' });
  });

  it('tags go through TagResource / UntagResource, not UpdateEnvironment', () => {
    const plan = planEnvironment(entry({ tags: { team: 'platform', cost: 'c1' } }), live, 'eu-west-1');
    expect(plan.update).toBeUndefined();
    expect(plan.tags).toEqual({ set: { team: 'platform', cost: 'c1' }, remove: ['old'] });
    expect(plan.changes.map((c) => [c.field, c.kind, c.via])).toEqual([
      ['tags.cost', 'add', 'TagResource'],
      ['tags.old', 'remove', 'UntagResource'],
      ['tags.team', 'change', 'TagResource'],
    ]);
    expect(renderPlan(plan)).toMatch(/Only tags change: no environment update is needed/);
  });

  it('the DAG folder defaults to "dags"; a different bucket is sent as an ARN of the region\'s partition', () => {
    const plan = planEnvironment(entry({ dagS3Path: 'airflow/dags' }, { bucket: 'other-bucket' }), live, 'cn-north-1');
    expect(plan.update).toEqual({ Name: 'demo', DagS3Path: 'airflow/dags', SourceBucketArn: 'arn:aws-cn:s3:::other-bucket' });
  });

  it('plugins/requirements/startup versions are never sent', () => {
    const plan = planEnvironment(entry({ maxWorkers: 3 }), live, 'eu-west-1');
    expect(Object.keys(plan.update ?? {}).filter((k) => /S3(Path|ObjectVersion)$/.test(k))).toEqual([]);
  });

  it('an environment that does not exist: the CreateEnvironment input', () => {
    const plan = planEnvironment(entry({ maxWorkers: 3 }), undefined, 'eu-west-1');
    expect(plan.exists).toBe(false);
    expect(plan.create).toEqual({ Name: 'demo', SourceBucketArn: 'arn:aws:s3:::demo-bucket', DagS3Path: 'dags', MaxWorkers: 3 });
    expect(renderPlan(plan)).toMatch(
      /does not exist; `mwaa env create` would create it with:\n\s+\+ SourceBucketArn: arn:aws:s3:::demo-bucket/,
    );
  });
});

describe('toCreateInput', () => {
  it('maps every field of the environment block', () => {
    const input = toCreateInput(
      entry({
        airflowVersion: '3.2.1',
        environmentClass: 'mw1.medium',
        executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
        dagS3Path: 'dags',
        network: { subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] },
        webserverAccessMode: 'PUBLIC_AND_PRIVATE',
        endpointManagement: 'CUSTOMER',
        minWorkers: 2,
        maxWorkers: 8,
        minWebservers: 2,
        maxWebservers: 4,
        schedulers: 3,
        logging: { task: 'INFO', worker: false, scheduler: { enabled: true, level: 'ERROR' } },
        airflowConfigurationOptions: { 'core.parallelism': '8' },
        kmsKey: '1234abcd-12ab-34cd-56ef-1234567890ab',
        weeklyMaintenanceWindowStart: 'TUE:03:30',
        tags: { team: 'data' },
        workerReplacementStrategy: 'GRACEFUL',
      }),
      'eu-west-1',
    );
    expect(input).toEqual({
      Name: 'demo',
      AirflowVersion: '3.2.1',
      EnvironmentClass: 'mw1.medium',
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/exec',
      SourceBucketArn: 'arn:aws:s3:::demo-bucket',
      DagS3Path: 'dags',
      NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
      WebserverAccessMode: 'PUBLIC_AND_PRIVATE',
      EndpointManagement: 'CUSTOMER',
      MinWorkers: 2,
      MaxWorkers: 8,
      MinWebservers: 2,
      MaxWebservers: 4,
      Schedulers: 3,
      LoggingConfiguration: {
        TaskLogs: { Enabled: true, LogLevel: 'INFO' },
        WorkerLogs: { Enabled: false, LogLevel: 'INFO' },
        SchedulerLogs: { Enabled: true, LogLevel: 'ERROR' },
      },
      AirflowConfigurationOptions: { 'core.parallelism': '8' },
      KmsKey: '1234abcd-12ab-34cd-56ef-1234567890ab',
      WeeklyMaintenanceWindowStart: 'TUE:03:30',
      Tags: { team: 'data' },
    });
  });
});
