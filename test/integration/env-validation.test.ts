/**
 * Every MWAA constraint (src/core/config/schema.ts, src/core/env/validate.ts) that mwaa.yaml can break, one row each: the
 * command exits 2, the message names the field and the rule, and no API call was made (a recording
 * proxy sits in front of the emulator). Rules that need the live environment (fields that cannot
 * change after creation, version changes) allow the read (GetEnvironment) and nothing else.
 */
import { CreateEnvironmentCommand, GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import {
  goodBucket,
  rawEnvironment,
  recordingProxy,
  ROLE,
  useEmulatorCredentials,
  writeConfig,
  type RecordingProxy,
} from './env-helpers.js';

let emu: TestEmulator;
let proxy: RecordingProxy;
const savedEnv = { ...process.env };
const dirs: Array<() => void> = [];

const LIVE = 'val-live';
const BUCKET = 'val-bucket';

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 1, updateSeconds: 1, deleteSeconds: 1 } });
  proxy = await recordingProxy(() => emu.url);
  useEmulatorCredentials(emu);
  await goodBucket(emu, BUCKET);
  await emu.mwaa.send(
    new CreateEnvironmentCommand({
      Name: LIVE,
      ExecutionRoleArn: ROLE,
      SourceBucketArn: `arn:aws:s3:::${BUCKET}`,
      DagS3Path: 'dags',
      AirflowVersion: '2.10.3',
      NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
    }),
  );
  await emu.advance(5);
  expect((await emu.mwaa.send(new GetEnvironmentCommand({ Name: LIVE }))).Environment?.Status).toBe('AVAILABLE');
});
afterAll(async () => {
  process.env = savedEnv;
  for (const cleanup of dirs.splice(0)) cleanup();
  await proxy?.close();
  await emu?.close();
});

const BASE = [`executionRoleArn: ${ROLE}`, 'network: { subnetIds: [subnet-0a, subnet-0b], securityGroupIds: [sg-0a] }'];

function yaml(name: string, environment: string[]): string {
  return [
    'environments:',
    '  dev:',
    `    name: "${name}"`,
    `    bucket: ${BUCKET}`,
    '    environment:',
    ...environment.map((l) => `      ${l}`),
    '',
  ].join('\n');
}

async function run(name: string, environment: string[], command: string[]) {
  const { dir, cleanup } = tempDir('mwaa-env-val-');
  dirs.push(cleanup);
  writeConfig(dir, yaml(name, environment));
  proxy.calls.length = 0;
  const r = await runCli(['--endpoint-url', proxy.url, ...command], { cwd: dir, env: baseEnv(emu.env) });
  return { ...r, file: `${dir}/mwaa.yaml` };
}

const tags51 = `tags: { ${Array.from({ length: 51 }, (_, i) => `t${i}: v`).join(', ')} }`;

// [rule, environment lines (replacing BASE when `replace`), expected message]
const CREATE_CASES: Array<{ rule: string; name?: string; env: string[]; replace?: boolean; message: RegExp }> = [
  {
    rule: 'name pattern',
    name: '1-starts-with-a-digit',
    env: [],
    message: /name: expected an MWAA environment name: a letter, then letters, digits/,
  },
  { rule: 'name length', name: `a${'b'.repeat(80)}`, env: [], message: /name: must be at most 80 characters/ },
  {
    rule: 'exactly 2 subnets',
    env: [`executionRoleArn: ${ROLE}`, 'network: { subnetIds: [subnet-0a], securityGroupIds: [sg-0a] }'],
    replace: true,
    message: /network\.subnetIds: MWAA needs exactly 2 subnets/,
  },
  {
    rule: 'at least 1 security group',
    env: [`executionRoleArn: ${ROLE}`, 'network: { subnetIds: [subnet-0a, subnet-0b], securityGroupIds: [] }'],
    replace: true,
    message: /network\.securityGroupIds: at least 1 security group is required/,
  },
  {
    rule: 'at most 5 security groups',
    env: [
      `executionRoleArn: ${ROLE}`,
      'network: { subnetIds: [subnet-0a, subnet-0b], securityGroupIds: [sg-1, sg-2, sg-3, sg-4, sg-5, sg-6] }',
    ],
    replace: true,
    message: /network\.securityGroupIds: at most 5 security groups are allowed/,
  },
  {
    rule: 'subnet id pattern',
    env: [`executionRoleArn: ${ROLE}`, 'network: { subnetIds: [subnet-0a, vpc-0b], securityGroupIds: [sg-0a] }'],
    replace: true,
    message: /network\.subnetIds\.1: expected a subnet id/,
  },
  {
    rule: 'two different subnets',
    env: [`executionRoleArn: ${ROLE}`, 'network: { subnetIds: [subnet-0a, subnet-0a], securityGroupIds: [sg-0a] }'],
    replace: true,
    message: /network\.subnetIds must name two different subnets \(in two Availability Zones\), got subnet-0a twice/,
  },
  {
    rule: 'maintenance window 30-minute steps',
    env: ['weeklyMaintenanceWindowStart: "TUE:03:15"'],
    message: /weeklyMaintenanceWindowStart: expected DAY:HH:MM in UTC with 30-minute steps/,
  },
  {
    rule: 'maintenance window day',
    env: ['weeklyMaintenanceWindowStart: "TUESDAY:03:00"'],
    message: /weeklyMaintenanceWindowStart: expected DAY:HH:MM/,
  },
  {
    rule: 'configuration key pattern',
    env: ['airflowConfigurationOptions: { Core.Parallelism: "8" }'],
    message: /airflowConfigurationOptions.*lower-case Airflow option key/,
  },
  {
    rule: 'configuration value printable ASCII',
    env: ['airflowConfigurationOptions: { core.dag_owner: "zoë" }'],
    message: /airflowConfigurationOptions\.core\.dag_owner: must be printable ASCII/,
  },
  { rule: 'at most 50 tags', env: [tags51], message: /tags: at most 50 tags are allowed/ },
  {
    rule: 'tag key characters',
    env: ['tags: { "cost#center": x }'],
    message: /tags.*tag keys may hold letters, digits, spaces and _\.:\/=\+-@/,
  },
  { rule: 'tag value length', env: [`tags: { team: "${'x'.repeat(257)}" }`], message: /tags\.team: .*256/ },
  { rule: 'minWorkers at least 1', env: ['minWorkers: 0'], message: /minWorkers: minWorkers must be at least 1/ },
  { rule: 'schedulers at most 5', env: ['schedulers: 6'], message: /schedulers: schedulers must be at most 5/ },
  {
    rule: 'environment class values',
    env: ['environmentClass: mw1.huge'],
    message: /environmentClass: expected one of mw1\.micro, mw1\.small/,
  },
  {
    rule: 'execution role ARN pattern',
    env: ['executionRoleArn: mwaa-role', 'network: { subnetIds: [subnet-0a, subnet-0b], securityGroupIds: [sg-0a] }'],
    replace: true,
    message: /executionRoleArn: expected an IAM role ARN/,
  },
  { rule: 'web server access mode values', env: ['webserverAccessMode: PUBLIC'], message: /webserverAccessMode: .*PUBLIC_ONLY/ },
  {
    rule: 'mw1.micro: one worker',
    env: ['environmentClass: mw1.micro', 'maxWorkers: 2'],
    message: /maxWorkers must be 1 for environment class mw1\.micro .*got 2/,
  },
  {
    rule: 'mw1.micro: one scheduler',
    env: ['environmentClass: mw1.micro', 'schedulers: 2'],
    message: /schedulers must be 1 for environment class mw1\.micro .*got 2/,
  },
  {
    rule: 'mw1.micro: one web server',
    env: ['environmentClass: mw1.micro', 'minWebservers: 2'],
    message: /minWebservers must be 1 for environment class mw1\.micro .*got 2/,
  },
  {
    rule: 'schedulers 2–5 above mw1.micro',
    env: ['environmentClass: mw1.medium', 'schedulers: 1'],
    message: /schedulers must be between 2 and 5 for environment class mw1\.medium, got 1/,
  },
  {
    rule: 'schedulers 2–5 with the default class',
    env: ['schedulers: 1'],
    message: /schedulers must be between 2 and 5 for environment class mw1\.small \(the default class\), got 1/,
  },
  {
    rule: 'minWebservers 2–5 above mw1.micro',
    env: ['environmentClass: mw1.small', 'minWebservers: 1'],
    message: /minWebservers must be between 2 and 5 for environment class mw1\.small, got 1/,
  },
  {
    rule: 'maxWebservers 2–5 above mw1.micro',
    env: ['environmentClass: mw1.large', 'maxWebservers: 6'],
    message: /maxWebservers must be between 2 and 5 for environment class mw1\.large, got 6/,
  },
  {
    rule: 'minWorkers ≤ maxWorkers',
    env: ['minWorkers: 5', 'maxWorkers: 2'],
    message: /minWorkers \(5\) must not be greater than maxWorkers \(2\)/,
  },
  {
    rule: 'minWebservers ≤ maxWebservers',
    env: ['minWebservers: 4', 'maxWebservers: 3'],
    message: /minWebservers \(4\) must not be greater than maxWebservers \(3\)/,
  },
  {
    rule: 'PUBLIC_AND_PRIVATE needs Airflow ≥ 3.2',
    env: ['airflowVersion: "3.0.6"', 'webserverAccessMode: PUBLIC_AND_PRIVATE'],
    message: /webserverAccessMode PUBLIC_AND_PRIVATE is only available for Airflow 3\.2 and later \(airflowVersion is 3\.0\.6\)/,
  },
  { rule: 'KMS aliases are not supported', env: ['kmsKey: alias/mwaa'], message: /kmsKey: MWAA does not support KMS aliases/ },
  { rule: 'KMS key form', env: ['kmsKey: not-a-key'], message: /kmsKey must be a KMS key id or key ARN/ },
  {
    rule: 'CreateEnvironment needs an execution role',
    env: ['network: { subnetIds: [subnet-0a, subnet-0b], securityGroupIds: [sg-0a] }'],
    replace: true,
    message: /executionRoleArn is required to create an environment/,
  },
  {
    rule: 'CreateEnvironment needs a network',
    env: [`executionRoleArn: ${ROLE}`],
    replace: true,
    message: /network is required to create an environment/,
  },
];

describe('env create: each constraint is refused before any API call (exit 2)', () => {
  it.each(CREATE_CASES)('$rule', async ({ name, env, replace, message }) => {
    const r = await run(name ?? 'val-new', replace ? env : [...BASE, ...env], ['env', 'create']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    // located in the file
    expect(r.stderr).toMatch(new RegExp(`error: ${r.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: environments\\.dev\\.`));
    expect(r.stdout).toBe('');
    expect(proxy.calls).toEqual([]);
  });

  it('several problems are reported together', async () => {
    const r = await run('val-new', [...BASE, 'environmentClass: mw1.micro', 'maxWorkers: 3', 'schedulers: 2'], ['env', 'create']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/maxWorkers must be 1 for environment class mw1\.micro/);
    expect(r.stderr).toMatch(/schedulers must be 1 for environment class mw1\.micro/);
    expect(r.stderr).toMatch(/hint: 2 problems; fix them in mwaa\.yaml \(nothing was changed\)/);
    expect(proxy.calls).toEqual([]);
  });

  it('--json: the problems as data', async () => {
    const r = await run('val-new', [...BASE, 'minWorkers: 5', 'maxWorkers: 2'], ['env', 'create', '--json']);
    expect(r.code).toBe(2);
    const error = JSON.parse(r.stdout).error;
    expect(error.code).toBe('env.config.invalid');
    expect(error.details.problems).toEqual([
      expect.objectContaining({
        path: 'environments.dev.environment.minWorkers',
        message: 'minWorkers (5) must not be greater than maxWorkers (2)',
        line: expect.any(Number),
      }),
    ]);
  });
});

// Rules that compare with the live environment (Airflow 2.10.3, SERVICE endpoints, AWS-owned key,
// subnets subnet-0a/subnet-0b, 1–10 workers).
const UPDATE_CASES: Array<{ rule: string; env: string[]; message: RegExp }> = [
  {
    rule: 'subnets cannot change',
    env: [`executionRoleArn: ${ROLE}`, 'network: { subnetIds: [subnet-0a, subnet-0c], securityGroupIds: [sg-0a] }'],
    message:
      /network\.subnetIds cannot be changed after the environment is created \(the environment has subnet-0a, subnet-0b, mwaa\.yaml says subnet-0a, subnet-0c\)/,
  },
  {
    rule: 'kmsKey cannot change',
    env: ['kmsKey: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    message: /kmsKey cannot be changed after the environment is created \(the environment has an AWS-owned key/,
  },
  {
    rule: 'endpointManagement cannot change',
    env: ['endpointManagement: CUSTOMER'],
    message:
      /endpointManagement cannot be changed after the environment is created \(the environment has SERVICE, mwaa\.yaml says CUSTOMER\)/,
  },
  {
    rule: 'no in-place upgrade from 2.10 to 3',
    env: ['airflowVersion: "3.0.6"'],
    message: /upgrading in place from 2\.10\.3 to 3\.0\.6 is not supported; upgrade to the latest 2\.11\.x first/,
  },
  {
    rule: "PUBLIC_AND_PRIVATE on the environment's Airflow 2.10.3",
    env: ['webserverAccessMode: PUBLIC_AND_PRIVATE'],
    message: /PUBLIC_AND_PRIVATE is only available for Airflow 3\.2 and later \(airflowVersion is 2\.10\.3, the environment's\)/,
  },
  {
    rule: "minWorkers above the environment's maxWorkers",
    env: ['minWorkers: 11'],
    message: /minWorkers \(11\) must not be greater than maxWorkers \(10\)/,
  },
];

describe('env update: rules that need the live environment are refused after the read, before any change (exit 2)', () => {
  it.each(UPDATE_CASES)('$rule', async ({ env, message }) => {
    const before = await rawEnvironment(emu, LIVE);
    const r = await run(LIVE, env, ['env', 'update', '--yes']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/hint: fix mwaa\.yaml \(nothing was changed\)/);
    expect(proxy.calls.map((c) => `${c.service} ${c.method}`)).toEqual(['mwaa GET']);
    expect(await rawEnvironment(emu, LIVE)).toEqual(before);
  });
});
