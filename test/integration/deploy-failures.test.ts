/**
 * Every failure path of a deploy (docs/deploy.md): a fault at each mutation step makes `dags push` exit 5,
 * and the set of (key, latest VersionId) in the bucket and the environment's pinned versions equal the
 * state before the push. When the rollback itself cannot finish: exit 6 naming what is left, and
 * `mwaa recover` finishes it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GetEnvironmentCommand, UpdateEnvironmentCommand } from '@aws-sdk/client-mwaa';
import {
  createEnvironment,
  dagFile,
  removeFile,
  snapshot,
  startDeployWorld,
  writeProject,
  ENV_NAME,
  BUCKET,
  type DeployWorld,
} from './deploy-helpers.js';
import { untilStatus } from '../helpers/emulator.js';

const CONSTRAINT = '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"';
let w: DeployWorld;
let round = 0;

/** Changes every DAG file a..e (so the push uploads all five). */
function touchDags(): void {
  round++;
  for (const n of ['a', 'b', 'c', 'd', 'e']) writeFileSync(join(w.dir, `dags/${n}.py`), dagFile(n, `# round ${round}\n`));
}

async function expectRolledBack(argv: string[] = ['dags', 'push']): Promise<string> {
  const before = await snapshot(w.emu);
  const r = await w.cli(argv);
  expect(r.code, r.stderr).toBe(5);
  const after = await snapshot(w.emu);
  expect(after.latest).toEqual(before.latest);
  expect(after.pins).toEqual(before.pins);
  expect(r.stderr).toMatch(/rolled back release \S+: .*as they were before/);
  return r.stderr;
}

beforeAll(async () => {
  w = await startDeployWorld({ denyPackages: ['nonexistent-package'], speed: 20 });
  await createEnvironment(w.emu);
  writeProject(
    w.dir,
    {
      'dags/a.py': dagFile('a'),
      'dags/b.py': dagFile('b'),
      'dags/c.py': dagFile('c'),
      'dags/d.py': dagFile('d'),
      'dags/e.py': dagFile('e'),
      'plugins/my_plugin.py': 'PLUGIN = 1\n',
      'requirements.txt': `${CONSTRAINT}\nrequests==2.31.0\n`,
    },
    { plugins: true, requirements: true },
  );
  const first = await w.cli(['dags', 'push']);
  expect(first.code, first.stderr).toBe(0);
  const s = await snapshot(w.emu);
  expect(s.pins.PluginsS3ObjectVersion).toBe(s.latest['plugins.zip']);
  expect(s.pins.RequirementsS3ObjectVersion).toBe(s.latest['requirements.txt']);
});
afterAll(async () => {
  await w?.close();
});
afterEach(async () => {
  await w.emu.clearFaults();
});

describe('a fault at each DAG step rolls everything back (exit 5)', () => {
  it.each([
    ['first', 'dags/a.py'],
    ['middle', 'dags/c.py'],
    ['last', 'dags/e.py'],
  ])('the %s DAG upload fails after the SDK retries', async (_which, key) => {
    touchDags();
    await w.emu.fault({
      service: 's3',
      operation: 'PutObject',
      match: { Key: key },
      times: 5,
      error: { status: 500, code: 'InternalError' },
    });
    const stderr = await expectRolledBack();
    expect(stderr).toContain(`PutObject s3://${BUCKET}/${key}`);
  });

  it('a delete fails', async () => {
    writeFileSync(join(w.dir, 'dags/f.py'), dagFile('f'));
    const ok = await w.cli(['dags', 'push']);
    expect(ok.code, ok.stderr).toBe(0);
    removeFile(w.dir, 'dags/f.py');
    touchDags();
    await w.emu.fault({
      service: 's3',
      operation: 'DeleteObject',
      match: { Key: 'dags/f.py' },
      times: 5,
      error: { status: 500, code: 'InternalError' },
    });
    const stderr = await expectRolledBack();
    expect(stderr).toContain(`DeleteObject s3://${BUCKET}/dags/f.py`);
  });
});

describe('a fault at each environment step rolls everything back (exit 5)', () => {
  it('the plugins.zip upload fails', async () => {
    writeFileSync(join(w.dir, 'plugins/my_plugin.py'), 'PLUGIN = 2\n');
    touchDags();
    await w.emu.fault({ service: 's3', operation: 'PutObject', match: { Key: 'plugins.zip' }, times: 5 });
    expect(await expectRolledBack()).toContain('PutObject s3://deploy-test-bucket/plugins.zip');
  });

  it('the requirements.txt upload fails (after plugins.zip was uploaded)', async () => {
    writeFileSync(join(w.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.32.0\n`);
    await w.emu.fault({ service: 's3', operation: 'PutObject', match: { Key: 'requirements.txt' }, times: 5 });
    expect(await expectRolledBack()).toContain('PutObject s3://deploy-test-bucket/requirements.txt');
  });

  it('UpdateEnvironment is rejected', async () => {
    await w.emu.fault({
      service: 'mwaa',
      operation: 'UpdateEnvironment',
      times: 5,
      error: { status: 400, code: 'ValidationException', message: 'injected rejection' },
    });
    expect(await expectRolledBack()).toContain('injected rejection');
  });

  it('the environment update fails (UPDATE_FAILED)', async () => {
    await w.emu.failNextUpdate(ENV_NAME, 'INCORRECT_CONFIGURATION', 'injected update failure');
    const stderr = await expectRolledBack();
    expect(stderr).toContain('UPDATE_FAILED');
    expect(stderr).toContain('injected update failure');
  });

  it('pip cannot install requirements.txt: the pip output is shown', async () => {
    writeFileSync(join(w.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.32.0\nnonexistent-package==1.0\n`);
    const stderr = await expectRolledBack();
    expect(stderr).toContain('nonexistent-package');
    expect(stderr).toMatch(/Could not find a version that satisfies the requirement nonexistent-package/);
    // pip's own output, from the requirements_install log stream
    expect(stderr).toMatch(/pip output \(airflow-deploytest-(Worker|Scheduler) \/ requirements_install_/);
    expect(stderr).toContain('Collecting nonexistent-package==1.0');
    expect(stderr).toContain('hint: fix requirements.txt');
  });

  it('a DAG upload fails after the environment update succeeded: the environment is re-pinned', async () => {
    writeFileSync(join(w.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.32.0\n`);
    touchDags();
    await w.emu.fault({ service: 's3', operation: 'PutObject', match: { Key: 'dags/d.py' }, times: 5 });
    const stderr = await expectRolledBack();
    expect(stderr).toMatch(/environment re-pinned to the previous plugins\.zip, requirements\.txt/);
  });

  it('with everything fixed, the push succeeds and pins the new versions', async () => {
    writeFileSync(join(w.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.32.0\n`);
    const r = await w.cli(['--json', 'dags', 'push']);
    expect(r.code, r.stderr).toBe(0);
    const release = JSON.parse(r.stdout);
    expect(release.envUpdate.needed).toBe(true);
    const s = await snapshot(w.emu);
    expect(s.pins.PluginsS3ObjectVersion).toBe(s.latest['plugins.zip']);
    expect(s.pins.RequirementsS3ObjectVersion).toBe(s.latest['requirements.txt']);
    expect(release.artifacts.requirements.versionId).toBe(s.latest['requirements.txt']);
  });
});

describe('an environment that is not AVAILABLE', () => {
  // its own emulator, whose environment updates last an hour of simulated time: the environment is
  // UPDATING for as long as the test needs, however slow the machine, and the clock finishes it
  let slow: DeployWorld;
  const UPDATE_SECONDS = 3600;
  beforeAll(async () => {
    slow = await startDeployWorld({ updateSeconds: UPDATE_SECONDS });
    await createEnvironment(slow.emu);
    writeProject(
      slow.dir,
      { 'dags/a.py': dagFile('a'), 'dags/b.py': dagFile('b'), 'plugins/my_plugin.py': 'PLUGIN = 1\n' },
      { plugins: true },
    );
    const first = await slow.cli(['dags', 'push', '--no-wait']);
    expect(first.code, first.stderr).toBe(0);
    await slow.emu.advance(UPDATE_SECONDS);
    await untilStatus(slow.emu, ENV_NAME, 'AVAILABLE');
  });
  afterAll(async () => {
    await slow?.close();
  });

  it('refuses to push unless --no-wait; with it, DAG files go and artifacts changes are refused', async () => {
    await slow.emu.mwaa.send(new UpdateEnvironmentCommand({ Name: ENV_NAME, MaxWorkers: 3 }));
    const r = await slow.cli(['dags', 'push']);
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stderr).toContain(`environment ${ENV_NAME} is UPDATING; a deploy needs it AVAILABLE`);
    expect(r.stderr).toContain('mwaa env wait');
    for (const n of ['a', 'b']) writeFileSync(join(slow.dir, `dags/${n}.py`), dagFile(n, '# changed\n'));
    const dagsOnly = await slow.cli(['--json', 'dags', 'push', '--no-wait']);
    expect(dagsOnly.code, dagsOnly.stderr).toBe(0);
    expect(JSON.parse(dagsOnly.stdout).counts.changed).toBe(2);
    writeFileSync(join(slow.dir, 'plugins/my_plugin.py'), 'PLUGIN = 3\n');
    const withPlugins = await slow.cli(['dags', 'push', '--no-wait']);
    expect(withPlugins.code).toBe(1);
    expect(withPlugins.stderr).toMatch(/needs an environment update, which needs it AVAILABLE/);
    await slow.emu.advance(UPDATE_SECONDS);
    await untilStatus(slow.emu, ENV_NAME, 'AVAILABLE');
  });

  it('--no-wait starts the environment update and records the release without waiting', async () => {
    const r = await slow.cli(['--json', 'dags', 'push', '--no-wait']);
    expect(r.code, r.stderr).toBe(0);
    const release = JSON.parse(r.stdout);
    expect(release.envUpdate.needed).toBe(true);
    expect(release.durations.envUpdateMs).toBeUndefined();
    expect((await slow.emu.mwaa.send(new GetEnvironmentCommand({ Name: ENV_NAME }))).Environment?.Status).toBe('UPDATING');
    await slow.emu.advance(UPDATE_SECONDS);
    await untilStatus(slow.emu, ENV_NAME, 'AVAILABLE');
    const s = await snapshot(slow.emu);
    expect(s.pins.PluginsS3ObjectVersion).toBe(s.latest['plugins.zip']);
    expect(release.artifacts.plugins.versionId).toBe(s.latest['plugins.zip']);
  });
});

describe('when the rollback itself fails (exit 6)', () => {
  it('names what is left and `mwaa recover` finishes it', async () => {
    touchDags();
    const before = await snapshot(w.emu);
    await w.emu.fault({ service: 's3', operation: 'PutObject', match: { Key: 'dags/e.py' }, times: 5 });
    await w.emu.fault({ service: 's3', operation: 'DeleteObject', match: { Key: 'dags/a.py' }, times: 1000 });
    const r = await w.cli(['dags', 'push']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain('did not complete; left as is:');
    expect(r.stderr).toMatch(new RegExp(`- s3://${BUCKET}/dags/a\\.py: should be version ${before.latest['dags/a.py']}`));
    expect(r.stderr).not.toMatch(/- s3:\/\/deploy-test-bucket\/dags\/[b-e]\.py/);
    expect(r.stderr).toMatch(/hint: run `mwaa recover` to finish/);

    // a push now refuses to start before the unfinished release is rolled back (no terminal, no --yes)
    const blocked = await w.cli(['dags', 'push']);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toContain('--yes');

    await w.emu.clearFaults();
    const fix = await w.cli(['recover', '--yes']);
    expect(fix.code, fix.stderr).toBe(0);
    expect(fix.stdout).toMatch(/Rolled back unfinished release/);
    const after = await snapshot(w.emu);
    expect(after.latest).toEqual(before.latest);
    expect(after.pins).toEqual(before.pins);

    const list = await w.cli(['--json', 'releases', 'list']);
    const statuses = JSON.parse(list.stdout).releases.map((x: { status: string }) => x.status);
    expect(statuses[0]).toBe('rolled-back');
  });
});
