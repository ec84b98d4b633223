/** `mwaa dags push | diff` against the emulator: first push, fresh clone, incremental changes, plan output. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { onPath, whereOnPath } from '../helpers/tools.js';
import {
  BUCKET,
  createEnvironment,
  cloneProject,
  dagFile,
  liveKeys,
  objectText,
  removeFile,
  snapshot,
  startDeployWorld,
  writeProject,
  type DeployWorld,
} from './deploy-helpers.js';

let w: DeployWorld;

beforeAll(async () => {
  w = await startDeployWorld({ speed: 20 });
  await createEnvironment(w.emu);
});
afterAll(async () => {
  await w?.close();
});

describe('dags push', () => {
  it('first push uploads every DAG file and records a release', async () => {
    writeProject(
      w.dir,
      {
        'dags/a.py': dagFile('a'),
        'dags/b.py': dagFile('b'),
        'dags/sub/c.py': dagFile('c'),
        'dags/__pycache__/a.cpython-311.pyc': 'bytecode',
        'dags/.DS_Store': 'finder',
        'dags/scratch.tmp': 'ignored by .mwaaignore',
        'dags/.mwaaignore': '*.tmp\n',
        'plugins/hooks/__init__.py': '',
        'plugins/hooks/my_hook.py': 'HOOK = 1\n',
      },
      { plugins: true },
    );
    const r = await w.cli(['--json', 'dags', 'push', '-m', 'first']);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const release = JSON.parse(r.stdout);
    expect(release.status).toBe('succeeded');
    expect(release.counts).toEqual({ added: 3, changed: 0, removed: 0, unchanged: 0 });
    expect(release.message).toBe('first');
    expect(Object.keys(release.dags).sort()).toEqual(['dags/a.py', 'dags/b.py', 'dags/sub/c.py']);
    const s = await snapshot(w.emu);
    expect(liveKeys(s)).toEqual(['dags/a.py', 'dags/b.py', 'dags/sub/c.py', 'plugins.zip']);
    expect(release.dags['dags/a.py'].versionId).toBe(s.latest['dags/a.py']);
    expect(await objectText(w.emu, 'dags/b.py')).toBe(dagFile('b'));
    expect(release.envUpdate.needed).toBe(true);
    expect(s.pins.PluginsS3ObjectVersion).toBe(s.latest['plugins.zip']);
    // the lock is gone
    expect(await objectText(w.emu, '.mwaa/lock.json')).toBeUndefined();
  });

  it('a fresh clone (all mtimes new) uploads nothing and creates no S3 version', async () => {
    const before = await snapshot(w.emu);
    const clone = cloneProject(w.dir);
    try {
      // a different creation order too: the plugins zip must come out byte-identical
      removeFile(clone.dir, 'plugins/hooks/__init__.py');
      writeFileSync(join(clone.dir, 'plugins/hooks/__init__.py'), '');
      const diff = await w.cli(['dags', 'diff'], { cwd: clone.dir });
      expect(diff.stdout).toContain('plugins.zip: unchanged');
      expect(diff.stdout).toContain('Environment update needed: no');
      const r = await w.cli(['--json', 'dags', 'push'], { cwd: clone.dir });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).status).toBe('up-to-date');
      const after = await snapshot(w.emu);
      expect(after.allVersions).toBe(before.allVersions);
      expect(after.latest).toEqual(before.latest);
    } finally {
      clone.cleanup();
    }
  });

  it('editing one file and deleting one uploads 1 and deletes 1', async () => {
    writeFileSync(join(w.dir, 'dags/a.py'), dagFile('a', '# edited\n'));
    removeFile(w.dir, 'dags/b.py');
    const diff = await w.cli(['dags', 'diff']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('~ dags/a.py');
    expect(diff.stdout).toContain('- dags/b.py');
    expect(diff.stdout).toContain('Summary: 0 added, 1 changed, 1 removed, 1 unchanged');
    expect(diff.stdout).toContain('Environment update needed: no');

    const before = await snapshot(w.emu);
    const r = await w.cli(['--json', 'dags', 'push']);
    expect(r.code).toBe(0);
    const release = JSON.parse(r.stdout);
    expect(release.counts).toEqual({ added: 0, changed: 1, removed: 1, unchanged: 1 });
    const after = await snapshot(w.emu);
    expect(after.versions - before.versions).toBe(2); // one new version, one delete marker
    expect(after.latest['dags/sub/c.py']).toBe(before.latest['dags/sub/c.py']);
    expect(after.latest['dags/a.py']).not.toBe(before.latest['dags/a.py']);
    expect(after.latest['dags/b.py']).toMatch(/^marker:/);
    expect(await objectText(w.emu, 'dags/a.py')).toBe(dagFile('a', '# edited\n'));
  });
});

describe('plan rules', () => {
  it('adopts byte-identical objects that are not in the release record, without uploading', async () => {
    const body = dagFile('adopted');
    await w.emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/adopted.py', Body: body }));
    writeFileSync(join(w.dir, 'dags/adopted.py'), body);
    const before = await snapshot(w.emu);
    const diff = await w.cli(['--json', 'dags', 'diff']);
    const plan = JSON.parse(diff.stdout);
    expect(plan.adopted).toEqual(['dags/adopted.py']);
    expect(plan.empty).toBe(true);
    expect(plan.drift).toEqual([]);
    const r = await w.cli(['--json', 'dags', 'push']);
    expect(JSON.parse(r.stdout).status).toBe('up-to-date');
    expect((await snapshot(w.emu)).allVersions).toBe(before.allVersions);
  });

  it('reports objects changed outside mwaa as drift and overwrites them only when confirmed', async () => {
    // record the adopted file in a release first
    writeFileSync(join(w.dir, 'dags/sub/c.py'), dagFile('c', '# v2\n'));
    expect((await w.cli(['dags', 'push'])).code).toBe(0);
    await w.emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/adopted.py', Body: 'hot fix in the console' }));
    await w.emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/stray.py', Body: 'uploaded by hand' }));
    const diff = await w.cli(['dags', 'diff']);
    expect(diff.stdout).toMatch(/~ dags\/adopted\.py\s+! changed outside mwaa since the last release/);
    expect(diff.stdout).toMatch(/- dags\/stray\.py\s+! added outside mwaa/);
    expect(diff.stdout).toContain('drift: 2 objects were changed outside mwaa');
    const before = await snapshot(w.emu);
    const refused = await w.cli(['dags', 'push']);
    expect(refused.code).toBe(2);
    // the question names them (with -q there is no plan on screen to point to)
    expect(refused.stderr).toContain('2 objects were changed outside mwaa (dags/adopted.py, dags/stray.py); overwrite');
    expect(refused.stderr).toContain('--yes');
    const quiet = await w.cli(['-q', 'dags', 'push'], { tty: true, input: 'n\n' });
    expect(quiet.code, quiet.stderr).toBe(2);
    expect(quiet.stderr).toContain('(dags/adopted.py, dags/stray.py); overwrite?');
    expect((await snapshot(w.emu)).allVersions).toBe(before.allVersions);
    const r = await w.cli(['--yes', 'dags', 'push']);
    expect(r.code, r.stderr).toBe(0);
    expect(await objectText(w.emu, 'dags/adopted.py')).toBe(dagFile('adopted'));
    expect(await objectText(w.emu, 'dags/stray.py')).toBeUndefined();
  });

  it('--no-prune keeps remote-only files', async () => {
    await w.emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/remote_only.py', Body: 'x' }));
    const r = await w.cli(['--yes', '--json', 'dags', 'push', '--no-prune']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe('up-to-date');
    expect(await objectText(w.emu, 'dags/remote_only.py')).toBe('x');
    const pruned = await w.cli(['--yes', '--json', 'dags', 'push']);
    expect(JSON.parse(pruned.stdout).counts.removed).toBe(1);
  });

  it('on a terminal: the plan, then a live view; the result on stdout', async () => {
    writeFileSync(join(w.dir, 'dags/live.py'), dagFile('live'));
    const r = await w.cli(['dags', 'push'], { tty: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('+ dags/live.py');
    expect(r.stderr).toContain('Deploying to deploytest');
    // the check ran inside the live view (its phase in the frame), its result printed above the frame
    expect(r.stderr).toContain('  checking the project');
    expect(r.stderr).toMatch(/check: 0 errors, 0 warnings \(\d+(\.\d+)?m?s\)\n/);
    expect(r.stderr).toContain('✔');
    expect(r.stdout).toMatch(/Deployed release \S+ to deploytest: 1 added/);
    removeFile(w.dir, 'dags/live.py');
    expect((await w.cli(['--yes', 'dags', 'push'])).code).toBe(0);
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    writeFileSync(join(w.dir, 'dags/new.py'), dagFile('new'));
    const before = await snapshot(w.emu);
    const r = await w.cli(['dags', 'push', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ dags/new.py');
    expect((await snapshot(w.emu)).allVersions).toBe(before.allVersions);
    removeFile(w.dir, 'dags/new.py');
  });
});

describe('pre-flight checks', () => {
  it('requirements.txt without --constraint or pins: warnings with the line to add', async () => {
    writeFileSync(join(w.dir, 'requirements.txt'), 'requests\n');
    writeFileSync(
      join(w.dir, 'mwaa.yaml'),
      `${(await import('node:fs')).readFileSync(join(w.dir, 'mwaa.yaml'), 'utf8').trimEnd()}\n    requirements: ./requirements.txt\n`,
    );
    const r = await w.cli(['dags', 'diff']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: requirements.txt has no --constraint line');
    expect(r.stderr).toContain('--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"');
    expect(r.stderr).toContain('packages without an exact version: requests');
    expect(r.stdout).toContain('~ requirements.txt: not used by the environment yet');
  });

  it('a plugins.zip with __MACOSX and a wrapping folder is refused before any change (exit 2)', async () => {
    const t = tempDir('mwaa-zip-');
    try {
      writeProject(t.dir, { 'dags/a.py': dagFile('a') });
      writeFileSync(
        join(t.dir, 'mwaa.yaml'),
        `${(await import('node:fs')).readFileSync(join(t.dir, 'mwaa.yaml'), 'utf8').trimEnd()}\n    plugins: ./plugins.zip\n`,
      );
      writeFileSync(
        join(t.dir, 'plugins.zip'),
        zipSync({ 'plugins/my.py': new TextEncoder().encode('x'), '__MACOSX/._my.py': new Uint8Array(1) }),
      );
      const before = await snapshot(w.emu);
      // the deploy's own pre-flight (behind the check, which refuses the same zip: test/integration/check-push.test.ts)
      const r = await w.cli(['dags', 'push', '--no-check'], { cwd: t.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('pre-flight checks failed; nothing was changed');
      expect(r.stderr).toContain('__MACOSX');
      expect(r.stderr).toContain('wraps everything in one top folder "plugins/"');
      expect((await snapshot(w.emu)).allVersions).toBe(before.allVersions);
    } finally {
      t.cleanup();
    }
  });

  it('a DAGs folder that does not exist is a config error (exit 2)', async () => {
    const t = tempDir('mwaa-nodags-');
    try {
      writeProject(t.dir, {});
      (await import('node:fs')).rmSync(join(t.dir, 'dags'), { recursive: true });
      const r = await w.cli(['dags', 'push'], { cwd: t.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('does not exist');
    } finally {
      t.cleanup();
    }
  });

  it('a bucket without versioning is an error before any change (exit 1)', async () => {
    await w.emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Suspended' } }));
    try {
      writeFileSync(join(w.dir, 'dags/new.py'), dagFile('new'));
      mkdirSync(join(w.dir, 'dags'), { recursive: true });
      const r = await w.cli(['dags', 'push']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('does not have versioning enabled (Suspended)');
      expect(r.stderr).toContain('put-bucket-versioning');
      expect(await objectText(w.emu, 'dags/new.py')).toBeUndefined();
    } finally {
      await w.emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
      removeFile(w.dir, 'dags/new.py');
    }
  });
});

// last: it deploys from another checkout of the project
describe('git', () => {
  it.skipIf(!onPath('git'))(
    'records the git commit, branch and author of a checkout; a push with nothing to deploy runs no git',
    async () => {
      const clone = cloneProject(w.dir);
      // every git that mwaa runs goes through this script, which logs its arguments
      const bin = tempDir('mwaa-fake-git-');
      const log = join(bin.dir, 'calls.log');
      writeFileSync(join(bin.dir, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${whereOnPath('git')}' "$@"\n`, { mode: 0o755 });
      const env = { PATH: `${bin.dir}:${process.env.PATH}` };
      const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
      try {
        const git = (...args: string[]) =>
          execFileSync('git', ['-c', 'user.name=Dana Engineer', '-c', 'user.email=dana@example.com', ...args], {
            cwd: clone.dir,
            encoding: 'utf8',
          }).trim();
        git('init', '-q', '-b', 'release-train');
        git('add', '-A');
        git('commit', '-q', '-m', 'the DAGs');
        const commit = git('rev-parse', 'HEAD');

        // the first push from this checkout deploys (the bucket holds what the tests above left)
        const first = await w.cli(['--json', 'dags', 'push'], { cwd: clone.dir, env });
        expect(first.code, first.stderr).toBe(0);
        const author = 'Dana Engineer <dana@example.com>';
        expect(JSON.parse(first.stdout).git).toEqual({ commit, branch: 'release-train', author, dirty: false });
        expect(calls()).toContain('rev-parse HEAD');

        rmSync(log);
        const noop = await w.cli(['--json', 'dags', 'push'], { cwd: clone.dir, env });
        expect(noop.code, noop.stderr).toBe(0);
        expect(JSON.parse(noop.stdout).status).toBe('up-to-date');
        expect(calls()).toEqual([]);

        // an edit that is not committed: the tree is dirty
        writeFileSync(join(clone.dir, 'dags/a.py'), dagFile('a', '# from the checkout\n'));
        const r = await w.cli(['--json', 'dags', 'push'], { cwd: clone.dir, env });
        expect(r.code, r.stderr).toBe(0);
        const release = JSON.parse(r.stdout);
        expect(release.counts.changed).toBe(1);
        expect(release.git).toEqual({ commit, branch: 'release-train', author, dirty: true });
      } finally {
        bin.cleanup();
        clone.cleanup();
      }
    },
  );
});
