/** `mwaa dags push | diff` against the emulator: first push, fresh clone, incremental changes, plan output. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvironment, cloneProject, dagFile, liveKeys, objectText, removeFile, snapshot, startDeployWorld, writeProject, type DeployWorld } from './deploy-helpers.js';

let w: DeployWorld;

beforeAll(async () => {
  w = await startDeployWorld();
  await createEnvironment(w.emu);
});
afterAll(async () => {
  await w?.close();
});

describe('dags push', () => {
  it('first push uploads every DAG file and records a release', async () => {
    writeProject(w.dir, {
      'dags/a.py': dagFile('a'),
      'dags/b.py': dagFile('b'),
      'dags/sub/c.py': dagFile('c'),
      'dags/__pycache__/a.cpython-311.pyc': 'bytecode',
      'dags/.DS_Store': 'finder',
      'dags/scratch.tmp': 'ignored by .mwaaignore',
      'dags/.mwaaignore': '*.tmp\n',
    });
    const r = await w.cli(['--json', 'dags', 'push', '-m', 'first']);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const release = JSON.parse(r.stdout);
    expect(release.status).toBe('succeeded');
    expect(release.counts).toEqual({ added: 3, changed: 0, removed: 0, unchanged: 0 });
    expect(release.message).toBe('first');
    expect(Object.keys(release.dags).sort()).toEqual(['dags/a.py', 'dags/b.py', 'dags/sub/c.py']);
    const s = await snapshot(w.emu);
    expect(liveKeys(s)).toEqual(['dags/a.py', 'dags/b.py', 'dags/sub/c.py']);
    expect(release.dags['dags/a.py'].versionId).toBe(s.latest['dags/a.py']);
    expect(await objectText(w.emu, 'dags/b.py')).toBe(dagFile('b'));
    // the lock is gone
    expect(await objectText(w.emu, '.mwaa/lock.json')).toBeUndefined();
  });

  it('a fresh clone (all mtimes new) uploads nothing and creates no S3 version', async () => {
    const before = await snapshot(w.emu);
    const clone = cloneProject(w.dir);
    try {
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
