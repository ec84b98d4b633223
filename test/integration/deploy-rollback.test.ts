/** `mwaa rollback` and `mwaa releases list | show` against the emulator. */
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEnvironment,
  dagFile,
  liveKeys,
  objectText,
  removeFile,
  snapshot,
  startDeployWorld,
  writeProject,
  type DeployWorld,
  type Snapshot,
} from './deploy-helpers.js';

let w: DeployWorld;
let v1: { id: string; snap: Snapshot };
let v2: { id: string; snap: Snapshot };

beforeAll(async () => {
  w = await startDeployWorld({ speed: 20 });
  await createEnvironment(w.emu);
  writeProject(
    w.dir,
    { 'dags/a.py': dagFile('a', '# v1\n'), 'dags/b.py': dagFile('b', '# v1\n'), 'plugins/p.py': 'VERSION = 1\n' },
    { plugins: true },
  );
  const r1 = await w.cli(['--json', 'dags', 'push', '-m', 'v1']);
  expect(r1.code, r1.stderr).toBe(0);
  v1 = { id: JSON.parse(r1.stdout).id, snap: await snapshot(w.emu) };
  writeFileSync(join(w.dir, 'dags/a.py'), dagFile('a', '# v2\n'));
  removeFile(w.dir, 'dags/b.py');
  writeFileSync(join(w.dir, 'dags/c.py'), dagFile('c', '# v2\n'));
  writeFileSync(join(w.dir, 'plugins/p.py'), 'VERSION = 2\n');
  const r2 = await w.cli(['--json', 'dags', 'push', '-m', 'v2']);
  expect(r2.code, r2.stderr).toBe(0);
  v2 = { id: JSON.parse(r2.stdout).id, snap: await snapshot(w.emu) };
});
afterAll(async () => {
  await w?.close();
});

describe('releases', () => {
  it('list shows both releases, newest first, with messages and counts', async () => {
    const r = await w.cli(['releases', 'list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STARTED\s+STATUS/);
    expect(lines[1]).toContain(v2.id);
    expect(lines[1]).toContain('succeeded (current)');
    expect(lines[1]).toMatch(/1\/1\/1\s+yes\s+v2/);
    expect(lines[2]).toContain(v1.id);
    const json = JSON.parse((await w.cli(['--json', 'releases', 'list'])).stdout);
    expect(json.current).toBe(v2.id);
    expect(json.releases.map((x: { id: string }) => x.id)).toEqual([v2.id, v1.id]);
  });

  it('show lists every key with version and sha256, and the artifacts', async () => {
    const r = await w.cli(['releases', 'show', v1.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Release ${v1.id}`);
    expect(r.stdout).toContain(`dags/a.py  ${v1.snap.latest['dags/a.py']}`);
    expect(r.stdout).toMatch(/plugins\s+plugins\.zip\s+\S+\s+[0-9a-f]{16}/);
    const json = JSON.parse((await w.cli(['--json', 'releases', 'show', 'current'])).stdout);
    expect(json.id).toBe(v2.id);
    expect(json.dags['dags/c.py'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json.artifacts.plugins.versionId).toBe(v2.snap.pins.PluginsS3ObjectVersion);
    const missing = await w.cli(['releases', 'show', 'nope']);
    expect(missing.code).toBe(3);
  });
});

describe('rollback', () => {
  it('--dry-run shows the plan and changes nothing', async () => {
    const r = await w.cli(['rollback', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Rollback of deploytest to release ${v1.id} (current: ${v2.id})`);
    expect(r.stdout).toMatch(/~ dags\/a\.py\s+← version/);
    expect(r.stdout).toMatch(/~ dags\/b\.py\s+← version/);
    expect(r.stdout).toContain('- dags/c.py');
    expect(r.stdout).toContain('re-pin version');
    expect((await snapshot(w.emu)).latest).toEqual(v2.snap.latest);
  });

  it('without a terminal and without --yes it asks nothing and changes nothing (exit 2)', async () => {
    const named = await w.cli(['rollback', 'previous']);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('--yes');
    expect(named.stderr).toContain('restore 2, remove 1 DAG file');
    // without a release, --yes would not do either: it names the release to give
    const bare = await w.cli(['rollback']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(`goes back from ${v2.id} to ${v1.id} and needs a person to confirm; nothing was changed`);
    expect(bare.stderr).toContain('hint: name the release: `mwaa rollback previous --yes`');
    expect((await snapshot(w.emu)).latest).toEqual(v2.snap.latest);
  });

  it('--yes without a release never goes back: exit 2, nothing changed, the release to name in the hint', async () => {
    const index = await objectText(w.emu, '.mwaa/releases/index.json');
    const r = await w.cli(['rollback', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `nothing is unfinished, and \`mwaa rollback\` without a release would go back from ${v2.id} to ${v1.id}; nothing was changed`,
    );
    expect(r.stderr).toContain(`hint: name the release to go back to: \`mwaa rollback previous\` (${v1.id})`);
    expect(await objectText(w.emu, '.mwaa/releases/index.json')).toBe(index);
    const s = await snapshot(w.emu);
    expect(s.latest).toEqual(v2.snap.latest);
    expect(s.pins).toEqual(v2.snap.pins);
  });

  it('`mwaa recover` with nothing unfinished changes nothing and says which release is current', async () => {
    const index = await objectText(w.emu, '.mwaa/releases/index.json');
    const r = await w.cli(['recover', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Nothing to recover; release ${v2.id} is current and complete. Nothing was changed.\n`);
    const json = await w.cli(['--json', 'recover', '--yes']);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'nothing-to-recover', current: v2.id, unfinished: [], recovered: [] });
    expect(await objectText(w.emu, '.mwaa/releases/index.json')).toBe(index);
    const s = await snapshot(w.emu);
    expect(s.latest).toEqual(v2.snap.latest);
    expect(s.pins).toEqual(v2.snap.pins);
  });

  it('a failed rollback is itself rolled back (exit 5)', async () => {
    await w.emu.fault({ service: 's3', operation: 'CopyObject', match: { Key: 'dags/b.py' }, times: 5 });
    const r = await w.cli(['rollback', 'previous', '--yes']);
    await w.emu.clearFaults();
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/rollback failed: CopyObject/);
    const s = await snapshot(w.emu);
    expect(s.latest).toEqual(v2.snap.latest);
    expect(s.pins).toEqual(v2.snap.pins);
  });

  it('restores the exact bytes and artifact versions of the previous release, as a new release', async () => {
    const r = await w.cli(['--json', 'rollback', 'previous', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const release = JSON.parse(r.stdout);
    expect(release.kind).toBe('rollback');
    expect(release.target).toBe(v1.id);
    expect(await objectText(w.emu, 'dags/a.py')).toBe(dagFile('a', '# v1\n'));
    expect(await objectText(w.emu, 'dags/b.py')).toBe(dagFile('b', '# v1\n'));
    const s = await snapshot(w.emu);
    expect(liveKeys(s)).toEqual(['dags/a.py', 'dags/b.py', 'plugins.zip']);
    // copied forward: new versions, history kept
    expect(s.latest['dags/a.py']).not.toBe(v1.snap.latest['dags/a.py']);
    expect(s.pins.PluginsS3ObjectVersion).toBe(v1.snap.pins.PluginsS3ObjectVersion);
    expect(release.dags['dags/a.py'].versionId).toBe(s.latest['dags/a.py']);
    expect(release.dags['dags/a.py'].sha256).toBe(
      JSON.parse((await w.cli(['--json', 'releases', 'show', v1.id])).stdout).dags['dags/a.py'].sha256,
    );

    // the project (still at v2) now differs from the bucket: a diff says so
    const diff = await w.cli(['dags', 'diff']);
    expect(diff.stdout).toContain('~ dags/a.py');
    expect(diff.stdout).toContain('+ dags/c.py');
  });

  it('another rollback goes further back; there is nothing before v1 (exit 3)', async () => {
    const r = await w.cli(['rollback', 'previous', '--yes']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no succeeded release before the current one');
  });

  it('rolls forward to a given release by id', async () => {
    const r = await w.cli(['rollback', v2.id, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(await objectText(w.emu, 'dags/a.py')).toBe(dagFile('a', '# v2\n'));
    expect(await objectText(w.emu, 'dags/b.py')).toBeUndefined();
    const s = await snapshot(w.emu);
    expect(s.pins.PluginsS3ObjectVersion).toBe(v2.snap.pins.PluginsS3ObjectVersion);
    // and the project matches again
    const push = await w.cli(['--json', 'dags', 'push']);
    expect(JSON.parse(push.stdout).status).toBe('up-to-date');
  });
});

// last: it deletes the environment
describe('after `mwaa env delete`', () => {
  it('releases list and show read the history from the bucket mwaa.yaml names, saying the environment is gone; rollback cannot', async () => {
    const before = JSON.parse((await w.cli(['--json', 'releases', 'list'])).stdout) as { current: string; releases: unknown[] };
    const deleted = await w.cli(['env', 'delete', '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);

    const list = await w.cli(['--json', 'releases', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ ...before, environment: 'deploytest', bucket: 'deploy-test-bucket' });
    const warning = JSON.parse(list.stderr.trim().split('\n')[0]);
    expect(warning).toMatchObject({ code: 'releases.no-environment', level: 'warn' });
    expect(warning.message).toBe(
      "environment deploytest does not exist; these are the releases recorded in s3://deploy-test-bucket (mwaa.yaml's bucket)",
    );

    const show = await w.cli(['releases', 'show', 'current']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`Release ${before.current} (current)`);
    expect(show.stderr).toMatch(
      /^warning: environment deploytest does not exist; these are the releases recorded in s3:\/\/deploy-test-bucket/,
    );

    // rollback changes the environment: it needs one
    const rollback = await w.cli(['rollback', 'previous', '--yes']);
    expect(rollback.code).toBe(3);
    expect(rollback.stderr).toContain('environment "deploytest" does not exist');

    // a bucket that is gone too holds no history: not "no releases yet"
    const yaml = readFileSync(join(w.dir, 'mwaa.yaml'), 'utf8');
    writeFileSync(join(w.dir, 'mwaa.yaml'), yaml.replace('bucket: deploy-test-bucket', 'bucket: no-such-bucket'));
    try {
      const gone = await w.cli(['releases', 'list']);
      expect(gone.code).toBe(3);
      expect(gone.stderr).toContain(
        'error: environment "deploytest" does not exist, and neither does the bucket mwaa.yaml names (no-such-bucket)',
      );
      expect(gone.stdout).toBe('');
    } finally {
      writeFileSync(join(w.dir, 'mwaa.yaml'), yaml);
    }
  });

  it('an environment whose bucket was deleted: releases list and dags push say the bucket is gone, not "no releases yet"', async () => {
    await createEnvironment(w.emu, 'bucketgone', 'gone-bucket');
    await w.emu.s3.send(new DeleteBucketCommand({ Bucket: 'gone-bucket' }));
    const dir = join(w.dir, 'bucket-gone');
    mkdirSync(join(dir, 'dags'), { recursive: true });
    writeFileSync(join(dir, 'dags', 'a.py'), dagFile('a'));
    writeFileSync(
      join(dir, 'mwaa.yaml'),
      'environments:\n  gone:\n    name: bucketgone\n    bucket: gone-bucket\n    region: us-east-1\n    dags: ./dags\n',
    );
    for (const argv of [
      ['releases', 'list'],
      ['releases', 'show', 'current'],
    ]) {
      const r = await w.cli(argv, { cwd: dir });
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toMatch(/^error: GetObject s3:\/\/gone-bucket\/\.mwaa\/releases\/index\.json: bucket gone-bucket does not exist\n/);
      expect(r.stderr).toContain('hint: ');
      expect(r.stdout).toBe('');
    }
    const push = await w.cli(['dags', 'push', '--yes', '--no-check'], { cwd: dir });
    expect(push.code, push.stderr).toBe(3);
    expect(push.stderr).toMatch(/^error: GetBucketVersioning s3:\/\/gone-bucket: bucket gone-bucket does not exist\nhint: /);
  });
});
