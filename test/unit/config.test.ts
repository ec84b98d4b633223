import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, selectEnvironment } from '../../src/core/config/load.js';
import { ConfigError, ExitCode, type MwaaError, UsageError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/cli.js';

const VALID = `environments:
  dev:
    name: analytics-dev
    region: eu-west-1
    bucket: analytics-airflow-dev
    dags: ./dags
    environment:
      airflowVersion: "2.10.3"
      environmentClass: mw1.small
      executionRoleArn: arn:aws:iam::123456789012:role/mwaa-dev
      network: { subnetIds: [subnet-a, subnet-b], securityGroupIds: [sg-1] }
      minWorkers: 1
      maxWorkers: 5
      logging: { task: INFO, scheduler: false, worker: { enabled: true, level: WARNING } }
      airflowConfigurationOptions: { core.default_task_retries: 2 }
      tags: { team: analytics }
  local:
    name: demo
    local: true
`;

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, 'mwaa.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected the config to be rejected');
}

describe('mwaa.yaml validation', () => {
  it('accepts a complete file and normalises config values to strings', () => {
    const config = parseConfig(VALID, 'mwaa.yaml');
    expect(Object.keys(config.environments)).toEqual(['dev', 'local']);
    expect(config.environments.dev.environment?.airflowConfigurationOptions).toEqual({ 'core.default_task_retries': '2' });
    expect(config.environments.local.local).toBe(true);
  });

  // Each case: the file, then the exact "file:line:column: path: message" line the user sees.
  const cases: Array<[string, string, string]> = [
    ['broken YAML', 'environments:\n  dev:\n    name: [unclosed\n', 'mwaa.yaml:4:1: invalid YAML'],
    ['empty file', '', 'mwaa.yaml:1:1: the file is empty'],
    ['no environments', 'environments: {}\n', 'mwaa.yaml:1:15: environments: name at least one environment'],
    ['unknown top-level field', 'environment:\n  dev: {}\n', 'mwaa.yaml:1:1: environment: unknown field "environment"'],
    [
      'invalid name',
      'environments:\n  dev:\n    name: 1-bad\n    local: true\n',
      'mwaa.yaml:3:11: environments.dev.name: expected an MWAA environment name',
    ],
    [
      'missing name',
      'environments:\n  dev:\n    local: true\n',
      'mwaa.yaml:3:5: environments.dev.name: missing required field (expected string',
    ],
    [
      'bucket missing for an AWS environment',
      'environments:\n  dev:\n    name: dev\n',
      'mwaa.yaml:3:5: environments.dev.bucket: a source bucket is required (or set local: true)',
    ],
    [
      'bucket given as an ARN',
      'environments:\n  dev:\n    name: dev\n    bucket: arn:aws:s3:::my-bucket\n',
      'mwaa.yaml:4:13: environments.dev.bucket: expected an S3 bucket name',
    ],
    [
      'one subnet',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      network:\n        subnetIds: [subnet-a]\n        securityGroupIds: [sg-1]\n',
      'mwaa.yaml:7:20: environments.dev.environment.network.subnetIds: MWAA needs exactly 2 subnets',
    ],
    [
      'six security groups',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      network: { subnetIds: [subnet-a, subnet-b], securityGroupIds: [sg-1, sg-2, sg-3, sg-4, sg-5, sg-6] }\n',
      'mwaa.yaml:6:69: environments.dev.environment.network.securityGroupIds: at most 5 security groups are allowed',
    ],
    [
      'zero workers',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      minWorkers: 0\n',
      'mwaa.yaml:6:19: environments.dev.environment.minWorkers: minWorkers must be at least 1',
    ],
    [
      'workers as text',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      maxWorkers: "five"\n',
      'mwaa.yaml:6:19: environments.dev.environment.maxWorkers: expected a whole number (maxWorkers)',
    ],
    [
      'unknown environment class',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      environmentClass: mw1.huge\n',
      'mwaa.yaml:6:25: environments.dev.environment.environmentClass: expected one of mw1.micro, mw1.small',
    ],
    [
      'bad log level',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      logging: { task: LOUD }\n',
      'mwaa.yaml:6:24: environments.dev.environment.logging.task: expected a log level (CRITICAL, ERROR, WARNING, INFO, DEBUG), false, or { enabled, level }',
    ],
    [
      'maintenance window not on the half hour',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      weeklyMaintenanceWindowStart: TUE:03:15\n',
      'mwaa.yaml:6:37: environments.dev.environment.weeklyMaintenanceWindowStart: expected DAY:HH:MM in UTC with 30-minute steps',
    ],
    [
      'upper-case Airflow option key',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      airflowConfigurationOptions: { Core.Retries: "1" }\n',
      'mwaa.yaml:6:38: environments.dev.environment.airflowConfigurationOptions.Core.Retries: expected a lower-case Airflow option key',
    ],
    [
      'role that is not an ARN',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      executionRoleArn: mwaa-role\n',
      'mwaa.yaml:6:25: environments.dev.environment.executionRoleArn: expected an IAM role ARN',
    ],
    [
      'misspelled setting',
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      minWorker: 1\n',
      'mwaa.yaml:6:7: environments.dev.environment.minWorker: unknown field "minWorker"',
    ],
    [
      'duplicate key',
      'environments:\n  dev:\n    name: a\n    name: b\n    local: true\n',
      'mwaa.yaml:4:5: invalid YAML: Map keys must be unique',
    ],
  ];

  it.each(cases)('%s', (_label, text, expected) => {
    const error = errorOf(text);
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message.split('\n')[0]).toContain(expected);
    expect(error.message.startsWith(expected.split(':').slice(0, 3).join(':'))).toBe(true);
    expect(error.hint).toBeTruthy();
  });

  it('reports every problem, one per line', () => {
    const error = errorOf(
      'environments:\n  dev:\n    name: dev\n    local: true\n    environment:\n      minWorkers: 0\n      maxWorkers: 0\n',
    );
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('mwaa.yaml:7:19: environments.dev.environment.maxWorkers: maxWorkers must be at least 1');
  });
});

describe('finding mwaa.yaml', () => {
  const dirs: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of dirs.splice(0)) cleanup();
  });

  it('is found in a parent folder, and relative paths resolve against its folder', () => {
    const { dir, cleanup } = tempDir();
    dirs.push(cleanup);
    writeFileSync(join(dir, 'mwaa.yaml'), VALID);
    mkdirSync(join(dir, 'dags', 'nested'), { recursive: true });
    const loaded = loadConfig({ cwd: join(dir, 'dags', 'nested') });
    expect(loaded.file).toBe(join(dir, 'mwaa.yaml'));
    const env = selectEnvironment(loaded, { flag: 'dev' });
    expect(env.path(env.entry.dags!)).toBe(join(dir, 'dags'));
  });

  it('says how to create one when there is none', () => {
    const { dir, cleanup } = tempDir();
    dirs.push(cleanup);
    expect(() => loadConfig({ cwd: dir })).toThrowError(/no mwaa.yaml found/);
    try {
      loadConfig({ cwd: dir });
    } catch (error) {
      expect((error as MwaaError).exitCode).toBe(2);
      expect((error as MwaaError).hint).toMatch(/mwaa init/);
    }
  });

  it('--config names a file that does not exist', () => {
    const { dir, cleanup } = tempDir();
    dirs.push(cleanup);
    expect(() => loadConfig({ cwd: dir, configPath: 'nope.yaml' })).toThrowError(/cannot read .*nope\.yaml/);
  });
});

describe('choosing the environment', () => {
  const two = { file: '/p/mwaa.yaml', dir: '/p', config: parseConfig(VALID, '/p/mwaa.yaml') };
  const one = {
    file: '/p/mwaa.yaml',
    dir: '/p',
    config: parseConfig('environments:\n  only:\n    name: x\n    local: true\n', '/p/mwaa.yaml'),
  };

  it('-e wins over MWAA_ENV', () => {
    expect(selectEnvironment(two, { flag: 'local', envVar: 'dev' }).key).toBe('local');
  });
  it('MWAA_ENV is used when there is no -e', () => {
    expect(selectEnvironment(two, { envVar: 'dev' }).key).toBe('dev');
  });
  it('the only environment is chosen without asking', () => {
    expect(selectEnvironment(one, {}).key).toBe('only');
  });
  it('several environments and no choice: usage error listing the keys', () => {
    const attempt = () => selectEnvironment(two, {});
    expect(attempt).toThrowError(UsageError);
    expect(attempt).toThrowError(/names 2 environments; choose one with -e\/--env or MWAA_ENV/);
    try {
      attempt();
    } catch (error) {
      expect((error as UsageError).hint).toBe('environments: dev, local');
      expect((error as UsageError).exitCode).toBe(2);
    }
  });
  it('an unknown key names where it came from and lists the keys', () => {
    expect(() => selectEnvironment(two, { envVar: 'prod' })).toThrowError(/no environment "prod" .*\(from MWAA_ENV\)/);
    try {
      selectEnvironment(two, { flag: 'prod' });
    } catch (error) {
      expect((error as UsageError).message).toMatch(/from --env/);
      expect((error as UsageError).hint).toBe('choose one of: dev, local');
    }
  });
});

describe('the JSON Schema for editors', () => {
  it('schema/mwaa.schema.json is generated from the schema the tool validates with', async () => {
    const { readFileSync } = await import('node:fs');
    const { configJsonSchema } = await import('../../src/core/config/schema.js');
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '../../schema/mwaa.schema.json'), 'utf8'));
    // On failure: `npm run build` regenerates it.
    expect(committed).toEqual(configJsonSchema());
    expect(committed.properties.environments.additionalProperties.required).toEqual(['name']);
  });
});
