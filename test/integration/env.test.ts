/**
 * `mwaa env create | update | diff | list | show | wait | delete` against the local emulator, through a
 * recording proxy so that each test also sees which MWAA calls were made and what they carried.
 */
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { GetEnvironmentCommand, ListEnvironmentsCommand } from '@aws-sdk/client-mwaa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir, type CliOptions } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import {
  useEmulatorCredentials,
  awsEnvironmentYaml,
  goodBucket,
  NETWORK,
  ndjson,
  rawEnvironment,
  recordingProxy,
  ROLE,
  writeConfig,
  type RecordingProxy,
} from './env-helpers.js';

let emu: TestEmulator;
let proxy: RecordingProxy;
const cleanups: Array<() => void> = [];

const savedEnv = { ...process.env };
beforeAll(async () => {
  // 20× real time: 4 s of CREATING pass in 200 ms (long enough for the CLI to see CREATING first on a
  // loaded machine), and the CLI (on emu.clock) polls every 12.5 ms
  emu = await startTestEmulator({ speed: 20, sim: { createSeconds: 4, updateSeconds: 4, deleteSeconds: 4 } });
  proxy = await recordingProxy(() => emu.url);
  // The in-process CLI resolves credentials with the SDK's default chain, which reads process.env (not
  // the env given to runCli): give it the emulator's dummy credentials for this file.
  useEmulatorCredentials(emu);
});
afterAll(async () => {
  process.env = savedEnv;
  await proxy?.close();
  await emu?.close();
});
const cleanupsAsync: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanupsAsync.splice(0)) await c();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function project(yaml: string): string {
  const { dir, cleanup } = tempDir('mwaa-env-');
  cleanups.push(cleanup);
  writeConfig(dir, yaml);
  return dir;
}

function mwaa(dir: string, args: string[], options: Omit<CliOptions, 'cwd' | 'env'> = {}) {
  return runCli(['--endpoint-url', proxy.url, ...args], { cwd: dir, env: baseEnv(emu.env), clock: emu.clock, ...options });
}

async function listNames(): Promise<string[]> {
  return (await emu.mwaa.send(new ListEnvironmentsCommand({}))).Environments ?? [];
}

/** A project for environment `name` in bucket `bucket`, with the given `environment:` lines. */
function awsProject(name: string, bucket: string, environment = '', extra = ''): string {
  return project(
    awsEnvironmentYaml(name, bucket, `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\n${environment}`, extra),
  );
}

async function created(name: string, bucket: string, environment = ''): Promise<string> {
  await goodBucket(emu, bucket);
  const dir = awsProject(name, bucket, environment);
  const r = await mwaa(dir, ['env', 'create']);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('mwaa env create', () => {
  it('creates the environment, reports each status change and prints the Airflow UI address', async () => {
    await goodBucket(emu, 'create-ok');
    const dir = awsProject('create-ok', 'create-ok', 'minWebservers: 2\nmaxWebservers: 3\ntags: { team: data }');
    proxy.calls.length = 0;
    const r = await mwaa(dir, ['env', 'create']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^create-ok: CREATING$/m);
    expect(r.stderr).toMatch(/^create-ok: CREATING → AVAILABLE \(/m);
    expect(r.stdout).toMatch(/^Environment create-ok created in .* \(AVAILABLE\)\.$/m);
    expect(r.stdout).toMatch(/^Airflow UI: http:\/\/localhost:\d+$/m);
    // what arrived: the fields client-mwaa 3.523.0 drops reached the API
    const create = proxy.calls.find((c) => c.service === 'mwaa' && c.method === 'PUT');
    expect(JSON.parse(create!.body)).toMatchObject({
      ExecutionRoleArn: ROLE,
      SourceBucketArn: 'arn:aws:s3:::create-ok',
      DagS3Path: 'dags',
      AirflowVersion: '2.10.3',
      MinWebservers: 2,
      MaxWebservers: 3,
      Tags: { team: 'data' },
      NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
    });
    const live = await rawEnvironment(emu, 'create-ok');
    expect(live).toMatchObject({ Status: 'AVAILABLE', MinWebservers: 2, MaxWebservers: 3, AirflowVersion: '2.10.3' });
  });

  it('refuses an unversioned bucket before any MWAA call, with the fix for each problem', async () => {
    await emu.s3.send(new CreateBucketCommand({ Bucket: 'unversioned' }));
    const dir = awsProject('create-unversioned', 'unversioned');
    proxy.calls.length = 0;
    const r = await mwaa(dir, ['env', 'create']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: the source bucket cannot be used by MWAA:/);
    expect(r.stderr).toMatch(/source bucket unversioned does not have versioning enabled \(never enabled\)/);
    expect(r.stderr).toMatch(/fix: aws s3api put-bucket-versioning --bucket unversioned --versioning-configuration Status=Enabled/);
    expect(r.stderr).toMatch(/does not block all public access \(no public access block\)/);
    expect(r.stderr).toMatch(/fix: aws s3api put-public-access-block --bucket unversioned/);
    expect(proxy.calls.filter((c) => c.service === 'mwaa')).toEqual([]);
    expect(await listNames()).not.toContain('create-unversioned');
  });

  it('refuses a missing bucket, and a bucket with only versioning, naming what is wrong', async () => {
    let r = await mwaa(awsProject('create-nobucket', 'no-such-bucket'), ['env', 'create']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/source bucket no-such-bucket does not exist/);
    expect(r.stderr).toMatch(/fix: create it: aws s3api create-bucket --bucket no-such-bucket/);

    await emu.s3.send(new CreateBucketCommand({ Bucket: 'versioned-open' }));
    await emu.s3.send(new PutBucketVersioningCommand({ Bucket: 'versioned-open', VersioningConfiguration: { Status: 'Enabled' } }));
    proxy.calls.length = 0;
    r = await mwaa(awsProject('create-open', 'versioned-open'), ['env', 'create']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/versioning/);
    expect(r.stderr).toMatch(/does not block all public access/);
    expect(proxy.mwaaMutations()).toEqual([]);
  });

  it('refuses an environment that already exists and points to env update (exit 2)', async () => {
    const dir = await created('create-twice', 'create-twice');
    proxy.calls.length = 0;
    const r = await mwaa(dir, ['env', 'create']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: environment create-twice already exists \(status AVAILABLE\)/);
    expect(r.stderr).toMatch(/hint: .*`mwaa env update`/);
    expect(proxy.mwaaMutations()).toEqual([]);
  });

  it('--json: one JSON document on stdout, NDJSON status events on stderr', async () => {
    await goodBucket(emu, 'create-json');
    const r = await mwaa(awsProject('create-json', 'create-json'), ['env', 'create', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ name: 'create-json', status: 'AVAILABLE', waited: true, created: true });
    expect(doc.arn).toMatch(/^arn:aws:airflow:us-east-1:\d{12}:environment\/create-json$/);
    expect(doc.timeline.map((t: { status: string }) => t.status)).toEqual(['CREATING', 'AVAILABLE']);
    const events = ndjson(r.stderr).filter((e) => e.code === 'env.status.changed');
    expect(events.map((e) => [e.data.previous, e.data.status])).toEqual([
      [null, 'CREATING'],
      ['CREATING', 'AVAILABLE'],
    ]);
  });

  it('--no-wait returns while CREATING; env wait then waits until AVAILABLE', async () => {
    await goodBucket(emu, 'create-nowait');
    const dir = awsProject('create-nowait', 'create-nowait');
    const r = await mwaa(dir, ['env', 'create', '--no-wait']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/is being created \(CREATING\); follow it with `mwaa --endpoint-url .* env wait`/);
    const w = await mwaa(dir, ['env', 'wait']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/^Environment create-nowait is AVAILABLE \(waited /m);
  });

  it('local: true fills the role and network, creates the bucket on the emulator and creates the environment', async () => {
    const dir = project(
      'environments:\n  local:\n    name: local-demo\n    local: true\n    environment:\n      airflowVersion: "2.10.3"\n',
    );
    // a live server on the project's state directory is reused by `local: true` (with short simulated durations)
    const local = await startTestEmulator({
      stateDir: join(dir, '.mwaa', 'local'),
      sim: { createSeconds: 0.3, updateSeconds: 0.3, deleteSeconds: 0.3 },
    });
    cleanupsAsync.push(() => local.close());
    const r = await runCli(['env', 'create', '--json'], { cwd: dir, env: baseEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'local-demo', status: 'AVAILABLE' });
    expect(ndjson(r.stderr).find((e) => e.code === 'env.bucket.created')?.data).toEqual({ bucket: 'local-demo-local' });
    const show = await runCli(['env', 'show', '--json'], { cwd: dir, env: baseEnv() });
    const s = JSON.parse(show.stdout);
    expect(s).toMatchObject({
      status: 'AVAILABLE',
      sourceBucket: 'local-demo-local',
      executionRoleArn: 'arn:aws:iam::123456789012:role/mwaa-local-execution',
    });
    expect(s.logGroups.task).toBe('airflow-local-demo-Task');
    expect(local.world.mwaa.getEnvironment('local-demo')?.Status).toBe('AVAILABLE');
  });
});

describe('mwaa env update', () => {
  it('sends only the changed fields (MinWebservers, MaxWebservers and WorkerReplacementStrategy reach the API)', async () => {
    const dir = await created('upd-fields', 'upd-fields', 'minWorkers: 1\nmaxWorkers: 2\nschedulers: 2\ntags: { team: data, old: x }');
    writeConfig(
      dir,
      awsEnvironmentYaml(
        'upd-fields',
        'upd-fields',
        `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\nminWorkers: 1\nmaxWorkers: 4\nschedulers: 2\nminWebservers: 3\nmaxWebservers: 4\nworkerReplacementStrategy: GRACEFUL\ntags: { team: data, new: y }`,
      ),
    );
    proxy.calls.length = 0;
    const r = await mwaa(dir, ['env', 'update', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/~ maxWorkers: 2 → 4/);
    expect(r.stdout).toMatch(/~ minWebservers: 2 → 3/);
    expect(r.stdout).toMatch(/- tags.old: x/);
    expect(r.stdout).toMatch(/\+ tags.new: y/);
    expect(r.stdout).toMatch(/^Environment upd-fields updated in .* \(AVAILABLE\)\.$/m);
    const patches = proxy.calls.filter((c) => c.service === 'mwaa' && c.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(JSON.parse(patches[0].body)).toEqual({
      MaxWorkers: 4,
      MinWebservers: 3,
      MaxWebservers: 4,
      WorkerReplacementStrategy: 'GRACEFUL',
    });
    expect(proxy.calls.filter((c) => c.service === 'mwaa' && c.method === 'POST' && c.path.startsWith('/tags/'))).toHaveLength(1);
    expect(proxy.calls.filter((c) => c.service === 'mwaa' && c.method === 'DELETE' && c.path.startsWith('/tags/'))).toHaveLength(1);
    const live = await rawEnvironment(emu, 'upd-fields');
    expect(live).toMatchObject({
      MaxWorkers: 4,
      MinWorkers: 1,
      MinWebservers: 3,
      MaxWebservers: 4,
      Schedulers: 2,
      Tags: { team: 'data', new: 'y' },
    });
    expect(live!.LastUpdate).toMatchObject({ Status: 'SUCCESS', WorkerReplacementStrategy: 'GRACEFUL' });
    // and the tool reads them back (the old SDK's deserializer drops them): nothing left to change
    const diff = await mwaa(dir, ['env', 'diff']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/^No changes: environment upd-fields matches mwaa.yaml/);
  });

  it("a failed update (fail-next-update) exits 1 with MWAA's error code, message and a hint", async () => {
    // Its own emulator, where each status lasts half an hour of simulated time (within the CLI's 2-hour
    // wait): the test moves the clock on once the CLI has reported UPDATING, then ROLLING_BACK, so the
    // CLI sees every status however slow the machine.
    const slow = await startTestEmulator({ sim: { createSeconds: 1800, updateSeconds: 1800 } });
    cleanupsAsync.push(() => slow.close());
    const step = { UPDATING: false, ROLLING_BACK: false };
    const run = (args: string[]) =>
      runCli(['--endpoint-url', slow.url, ...args, '--poll', '20ms'], {
        cwd: dir,
        env: baseEnv(slow.env),
        clock: slow.clock,
        onOutput: (_out, err) => {
          for (const status of ['UPDATING', 'ROLLING_BACK'] as const) {
            // the text line `upd-fail: UPDATING → ROLLING_BACK (2s)`, or its NDJSON event with --json
            if (!step[status] && new RegExp(`upd-fail: (\\S+ → )?${status}\\b|"status":"${status}"`).test(err)) {
              step[status] = true;
              slow.world.clock.advance(1800);
            }
          }
        },
      });
    await goodBucket(slow, 'upd-fail');
    const dir = awsProject('upd-fail', 'upd-fail', 'maxWorkers: 2');
    expect((await run(['env', 'create', '--no-wait'])).code).toBe(0);
    await slow.advance(1800);
    writeConfig(
      dir,
      awsEnvironmentYaml('upd-fail', 'upd-fail', `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\nmaxWorkers: 5`),
    );
    await slow.failNextUpdate('upd-fail', 'INCORRECT_CONFIGURATION', 'You may need to check the execution role permissions policy.');
    const r = await run(['env', 'update', '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/upd-fail: UPDATING → ROLLING_BACK/);
    expect(r.stderr).toMatch(/error: updating environment upd-fail failed \(UPDATE_FAILED; MWAA rolled it back to its previous state\)/);
    expect(r.stderr).toMatch(/INCORRECT_CONFIGURATION: You may need to check the execution role permissions policy\./);
    expect(r.stderr).toMatch(/hint: check the execution role's permissions policy/);
    const live = await rawEnvironment(slow, 'upd-fail');
    expect(live).toMatchObject({ Status: 'UPDATE_FAILED', MaxWorkers: 2 });
    // --json: the error document carries the code
    await slow.failNextUpdate('upd-fail', 'INCORRECT_CONFIGURATION', 'again');
    Object.assign(step, { UPDATING: false, ROLLING_BACK: false });
    const j = await run(['env', 'update', '--yes', '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).error).toMatchObject({
      code: 'env.failed',
      exitCode: 1,
      details: { errorCode: 'INCORRECT_CONFIGURATION', errorMessage: 'again' },
    });
  });

  it('without a terminal and without --yes: exit 2, the plan shown, nothing changed', async () => {
    const dir = await created('upd-notty', 'upd-notty', 'maxWorkers: 2');
    writeConfig(
      dir,
      awsEnvironmentYaml('upd-notty', 'upd-notty', `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\nmaxWorkers: 3`),
    );
    const before = await rawEnvironment(emu, 'upd-notty');
    proxy.calls.length = 0;
    const r = await mwaa(dir, ['env', 'update']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/~ maxWorkers: 2 → 3/);
    expect(r.stderr).toMatch(/confirmation needed, but there is no terminal to ask/);
    expect(r.stderr).toMatch(/hint: pass --yes/);
    expect(proxy.mwaaMutations()).toEqual([]);
    expect(await rawEnvironment(emu, 'upd-notty')).toEqual(before);
  });

  it('on a terminal: "n" cancels (exit 2), "y" applies with the live view', async () => {
    const dir = await created('upd-tty', 'upd-tty', 'maxWorkers: 2');
    writeConfig(
      dir,
      awsEnvironmentYaml('upd-tty', 'upd-tty', `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\nmaxWorkers: 3`),
    );
    proxy.calls.length = 0;
    const no = await mwaa(dir, ['env', 'update'], { tty: true, input: 'n\n' });
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/Apply 1 change to environment upd-tty\? \[y\/N\]/);
    expect(no.stderr).toMatch(/update of upd-tty cancelled; nothing was changed/);
    expect(proxy.mwaaMutations()).toEqual([]);
    const yes = await mwaa(dir, ['env', 'update'], { tty: true, input: 'y\n' });
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stderr).toMatch(/Updating upd-tty/);
    expect(yes.stderr).toMatch(/✔/);
    expect(yes.stdout).toMatch(/^Airflow UI: http:\/\/localhost:\d+$/m);
    expect((await rawEnvironment(emu, 'upd-tty'))?.MaxWorkers).toBe(3);
  });

  it('refuses to change subnets (not updatable) before any change, naming the field and the rule', async () => {
    const dir = await created('upd-subnets', 'upd-subnets');
    writeConfig(
      dir,
      awsEnvironmentYaml(
        'upd-subnets',
        'upd-subnets',
        `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\nnetwork: { subnetIds: [subnet-0c, subnet-0d], securityGroupIds: [sg-0a] }\nmaxWorkers: 3`,
      ),
    );
    proxy.calls.length = 0;
    const r = await mwaa(dir, ['env', 'update', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /mwaa\.yaml:\d+:\d+: environments\.dev\.environment\.network\.subnetIds: network\.subnetIds cannot be changed after the environment is created \(the environment has subnet-0a, subnet-0b, mwaa\.yaml says subnet-0c, subnet-0d\)/,
    );
    expect(proxy.mwaaMutations()).toEqual([]);
    // diff shows it, marked as not applicable, and exits 0
    const d = await mwaa(dir, ['env', 'diff']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(
      /! network\.subnetIds: \[subnet-0a, subnet-0b\] → \[subnet-0c, subnet-0d\]\s+\(cannot be changed after creation\)/,
    );
    expect(d.stdout).toMatch(/~ maxWorkers: 10 → 3/);
  });

  it('an environment that does not exist: exit 3 pointing to env create', async () => {
    const r = await mwaa(awsProject('upd-missing', 'whatever-bucket'), ['env', 'update', '--yes']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error: environment "upd-missing" does not exist/);
    expect(r.stderr).toMatch(/hint: create it with `mwaa env create`/);
  });

  it('no changes: exit 0, "No changes", no update', async () => {
    const dir = await created('upd-none', 'upd-none', 'maxWorkers: 2');
    proxy.calls.length = 0;
    const r = await mwaa(dir, ['env', 'update']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^No changes: environment upd-none matches mwaa\.yaml/);
    expect(proxy.mwaaMutations()).toEqual([]);
  });
});

describe('mwaa env diff', () => {
  it('shows changes, additions and removals in text and JSON, and changes nothing', async () => {
    const dir = await created(
      'diff-env',
      'diff-env',
      'maxWorkers: 2\nairflowConfigurationOptions: { core.default_task_retries: "2", core.parallelism: "8" }\nlogging: { task: INFO }',
    );
    writeConfig(
      dir,
      awsEnvironmentYaml(
        'diff-env',
        'diff-env',
        `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\nmaxWorkers: 5\nweeklyMaintenanceWindowStart: "TUE:03:30"\nairflowConfigurationOptions: { core.default_task_retries: "3", webserver.expose_config: "true" }\nlogging: { task: DEBUG, scheduler: WARNING }`,
      ),
    );
    proxy.calls.length = 0;
    const r = await mwaa(dir, ['env', 'diff']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Plan for environment diff-env:/);
    expect(r.stdout).toMatch(/~ maxWorkers: 2 → 5/);
    expect(r.stdout).toMatch(/~ weeklyMaintenanceWindowStart: SUN:03:00 → TUE:03:30/);
    expect(r.stdout).toMatch(/~ airflowConfigurationOptions\.core\.default_task_retries: 2 → 3/);
    expect(r.stdout).toMatch(/- airflowConfigurationOptions\.core\.parallelism: 8/);
    expect(r.stdout).toMatch(/\+ airflowConfigurationOptions\.webserver\.expose_config: true/);
    expect(r.stdout).toMatch(/~ logging\.task: INFO → DEBUG/);
    expect(r.stdout).toMatch(/~ logging\.scheduler: disabled → WARNING/);
    const j = await mwaa(dir, ['env', 'diff', '--json']);
    expect(j.code).toBe(0);
    const plan = JSON.parse(j.stdout);
    expect(plan.exists).toBe(true);
    expect(plan.changes.find((c: { field: string }) => c.field === 'maxWorkers')).toEqual({
      field: 'maxWorkers',
      kind: 'change',
      from: 2,
      to: 5,
      updatable: true,
      via: 'UpdateEnvironment',
    });
    expect(plan.updateEnvironment.AirflowConfigurationOptions).toEqual({
      'core.default_task_retries': '3',
      'webserver.expose_config': 'true',
    });
    expect(plan.updateEnvironment.LoggingConfiguration.TaskLogs).toEqual({ Enabled: true, LogLevel: 'DEBUG' });
    expect(plan.unchanged).toContain('airflowVersion');
    expect(proxy.mwaaMutations()).toEqual([]);
  });

  it('an environment that does not exist: what env create would send, exit 0', async () => {
    const r = await mwaa(awsProject('diff-missing', 'diff-missing-bucket', 'maxWorkers: 3'), ['env', 'diff', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.exists).toBe(false);
    expect(plan.createEnvironment).toMatchObject({
      Name: 'diff-missing',
      MaxWorkers: 3,
      SourceBucketArn: 'arn:aws:s3:::diff-missing-bucket',
    });
  });
});

describe('mwaa env show / list / wait', () => {
  it('show: status, versions, workers, web servers, URL, log groups, last update (text and JSON)', async () => {
    const dir = await created('show-env', 'show-env', 'minWebservers: 2\nmaxWebservers: 4\nlogging: { task: INFO, worker: false }');
    const r = await mwaa(dir, ['env', 'show']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Status:\s+AVAILABLE$/m);
    expect(r.stdout).toMatch(/^Airflow:\s+2\.10\.3$/m);
    expect(r.stdout).toMatch(/^Web servers:\s+2–4$/m);
    expect(r.stdout).toMatch(/^Airflow UI:\s+http:\/\/localhost:\d+$/m);
    expect(r.stdout).toMatch(/^Log groups:\s+task: airflow-show-env-Task$/m);
    expect(r.stdout).toMatch(/^Last update:\s+SUCCESS at /m);
    const j = JSON.parse((await mwaa(dir, ['env', 'show', '--json'])).stdout);
    expect(j).toMatchObject({
      name: 'show-env',
      status: 'AVAILABLE',
      webservers: { min: 2, max: 4 },
      logGroups: { task: 'airflow-show-env-Task' },
      lastUpdate: { status: 'SUCCESS' },
    });
    expect(j.logGroups.worker).toBeUndefined();
  });

  it('show, wait and delete of a missing environment exit 3', async () => {
    const dir = awsProject('missing-env', 'missing-bucket');
    for (const args of [
      ['env', 'show'],
      ['env', 'wait'],
      ['env', 'delete', '--yes'],
    ]) {
      const r = await mwaa(dir, args);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toMatch(/error: environment "missing-env" does not exist/);
    }
  });

  it('list: every environment with its status, as a table and as JSON', async () => {
    await created('list-env', 'list-env');
    const dir = awsProject('list-env', 'list-env');
    const r = await mwaa(dir, ['env', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+STATUS\s+AIRFLOW\s+CLASS$/m);
    expect(r.stdout).toMatch(/^list-env\s+AVAILABLE\s+2\.10\.3\s+mw1\.small$/m);
    const j = JSON.parse((await mwaa(dir, ['env', 'list', '--json'])).stdout);
    expect(j.environments).toContainEqual({
      name: 'list-env',
      status: 'AVAILABLE',
      airflowVersion: '2.10.3',
      environmentClass: 'mw1.small',
    });
    // without mwaa.yaml: the region comes from AWS_REGION
    const bare = tempDir();
    cleanups.push(bare.cleanup);
    const b = await runCli(['--endpoint-url', proxy.url, 'env', 'list', '--json'], { cwd: bare.dir, env: baseEnv(emu.env) });
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).environments.map((e: { name: string }) => e.name)).toContain('list-env');
  });

  it('wait --timeout gives up with exit 1 naming `mwaa env wait`; the environment keeps going', async () => {
    // its own emulator, where creating takes an hour of simulated time: the environment is CREATING
    // when the wait gives up however slow the machine, and the clock finishes it
    const slow = await startTestEmulator({ sim: { createSeconds: 3600 } });
    cleanupsAsync.push(() => slow.close());
    const run = (args: string[]) => runCli(['--endpoint-url', slow.url, ...args], { cwd: dir, env: baseEnv(slow.env), clock: slow.clock });
    await goodBucket(slow, 'wait-timeout');
    const dir = awsProject('wait-timeout', 'wait-timeout');
    expect((await run(['env', 'create', '--no-wait'])).code).toBe(0);
    const r = await run(['env', 'wait', '--timeout', '100ms', '--poll', '50ms']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /error: gave up waiting for environment wait-timeout after .* \(status CREATING\); the environment keeps going/,
    );
    expect(r.stderr).toMatch(/hint: resume with `mwaa --endpoint-url .* env wait`/);
    await slow.advance(3600);
    const w = await run(['env', 'wait']);
    expect(w.code, w.stderr).toBe(0);
  });

  it('Ctrl-C while waiting: exit 130 saying CreateEnvironment was sent and AWS goes on, and how to follow it', async () => {
    await goodBucket(emu, 'wait-interrupt');
    const dir = awsProject('wait-interrupt', 'wait-interrupt');
    const controller = new AbortController();
    // Ctrl-C while the first GetEnvironment after CreateEnvironment is held: the command is waiting
    let sent = false;
    const held = proxy.hold((c) => {
      if (c.service === 'mwaa' && c.method === 'PUT') sent = true;
      return sent && c.service === 'mwaa' && c.method === 'GET';
    });
    void held.arrived.then(() => {
      controller.abort();
      held.release();
    });
    const r = await mwaa(dir, ['env', 'create'], { signal: controller.signal }).finally(() => held.release());
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(
      /^error: interrupted while waiting for environment wait-interrupt \(.*\) after CreateEnvironment wait-interrupt was sent; AWS goes on creating environment wait-interrupt/m,
    );
    expect(r.stderr).toMatch(/hint: follow it with `mwaa --endpoint-url .* env wait`/);
    expect((await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'wait-interrupt' }))).Environment?.Name).toBe('wait-interrupt');
  });

  it('wait --until deleted on an environment that is not being deleted fails at once (exit 1)', async () => {
    const dir = await created('wait-not-deleting', 'wait-not-deleting');
    const r = await mwaa(dir, ['env', 'wait', '--until', 'deleted', '--timeout', '1h']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error: environment wait-not-deleting is AVAILABLE, not being deleted; there is no deletion to wait for$/m);
  });
});

describe('mwaa env delete', () => {
  it('without a terminal and without --yes: exit 2, nothing deleted', async () => {
    const dir = await created('del-notty', 'del-notty');
    proxy.calls.length = 0;
    const r = await mwaa(dir, ['env', 'delete']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/hint: pass --yes/);
    expect(proxy.mwaaMutations()).toEqual([]);
    expect(await listNames()).toContain('del-notty');
  });

  it('on a terminal, a wrong name cancels; the right name deletes and waits until it is gone', async () => {
    const dir = await created('del-tty', 'del-tty');
    const wrong = await mwaa(dir, ['env', 'delete'], { tty: true, input: 'del-tt\n' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/the name did not match; environment del-tty was not deleted/);
    expect(await listNames()).toContain('del-tty');
    const right = await mwaa(dir, ['env', 'delete'], { tty: true, input: 'del-tty\n' });
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toMatch(/^Environment del-tty deleted in /m);
    expect(await listNames()).not.toContain('del-tty');
  });

  it('--no-wait names `env wait --until deleted`, which says "deleted" (exit 0) once the environment is gone', async () => {
    const dir = await created('del-resume', 'del-resume');
    const r = await mwaa(dir, ['env', 'delete', '--yes', '--no-wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/follow it with `mwaa --endpoint-url \S+ env wait --until deleted`/);
    const waited = await mwaa(dir, ['env', 'wait', '--until', 'deleted', '--poll', '50ms']);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/^Environment del-resume is deleted/m);
    // and again, once it is gone
    const again = await mwaa(dir, ['env', 'wait', '--until', 'deleted']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Environment del-resume is deleted/m);
  });

  it('--yes --json: deletes, waits, reports the timeline', async () => {
    const dir = await created('del-json', 'del-json');
    const r = await mwaa(dir, ['env', 'delete', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ name: 'del-json', status: 'DELETED', deleted: true });
    expect(doc.timeline.map((t: { status: string }) => t.status)).toEqual(['DELETING', 'DELETED']);
    expect(await listNames()).not.toContain('del-json');
  });
});

describe('AWS errors', () => {
  afterEach(async () => {
    await emu.clearFaults();
  });

  it('access denied: exit 4 with a hint to check the profile', async () => {
    const dir = await created('err-denied', 'err-denied');
    await emu.fault({
      service: 'mwaa',
      operation: 'GetEnvironment',
      times: 5,
      error: { status: 403, code: 'AccessDeniedException', message: 'User is not authorized to perform airflow:GetEnvironment' },
    });
    const r = await mwaa(dir, ['env', 'show']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /error: GetEnvironment err-denied: AWS refused the credentials or permission \(AccessDeniedException: User is not authorized/,
    );
    expect(r.stderr).toMatch(/hint: check the profile/);
  });

  it('throttling that outlasts the retries: exit 1 naming the call', async () => {
    const dir = await created('err-throttle', 'err-throttle');
    await emu.fault({
      service: 'mwaa',
      operation: 'GetEnvironment',
      times: 10,
      error: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    });
    const r = await mwaa(dir, ['env', 'show']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: GetEnvironment err-throttle: AWS kept throttling the call after retries \(ThrottlingException\)/);
  });

  it('a ValidationException from MWAA is exit 2 with its message', async () => {
    const dir = await created('err-validation', 'err-validation', 'maxWorkers: 2');
    writeConfig(
      dir,
      awsEnvironmentYaml(
        'err-validation',
        'err-validation',
        `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\nmaxWorkers: 3`,
      ),
    );
    await emu.fault({
      service: 'mwaa',
      operation: 'UpdateEnvironment',
      error: { status: 400, code: 'ValidationException', message: 'Invalid request provided: something MWAA did not like' },
    });
    const r = await mwaa(dir, ['env', 'update', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: UpdateEnvironment err-validation: Invalid request provided: something MWAA did not like/);
    expect((await rawEnvironment(emu, 'err-validation'))?.MaxWorkers).toBe(2);
  });
});
