/**
 * What a push reads from the bucket: the current objects (ListObjectsV2) always, object versions only
 * for the keys it touches, so a no-op push costs the same after any number of releases.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneProject, createEnvironment, dagFile, snapshot, startDeployWorld, writeProject, type DeployWorld } from './deploy-helpers.js';

let w: DeployWorld;

beforeAll(async () => {
  w = await startDeployWorld({ speed: 20 });
  await createEnvironment(w.emu);
});
afterAll(async () => {
  await w?.close();
});

/** Counts the S3 calls of one operation during `run` (a fault that never fires counts what it sees). */
async function counting<T>(operations: string[], run: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const ids = await Promise.all(operations.map((operation) => w.emu.fault({ service: 's3', operation, after: 1_000_000_000, times: 1 })));
  try {
    const result = await run();
    const faults = await w.emu.faults();
    const calls = Object.fromEntries(operations.map((op, i) => [op, faults.find((f) => f.id === ids[i])?.seen ?? -1]));
    return { result, calls };
  } finally {
    await w.emu.clearFaults();
  }
}

describe('dags push: listing', () => {
  it('a no-op push lists no object versions, however many releases the bucket has seen', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`dags/team${i % 4}/dag_${i}.py`] = dagFile(`d${i}`);
    files['dags/top.py'] = dagFile('top');
    writeProject(w.dir, files);
    const first = await w.cli(['--json', 'dags', 'push', '--yes']);
    expect(first.code).toBe(0);
    // history: five releases, each changing one file
    for (let n = 0; n < 5; n++) {
      writeFileSync(join(w.dir, 'dags/team1/dag_1.py'), dagFile('d1', `# release ${n}\n`));
      expect((await w.cli(['--json', 'dags', 'push', '--yes'])).code).toBe(0);
    }

    const clone = cloneProject(w.dir);
    try {
      const before = await snapshot(w.emu);
      const noop = await counting(['ListObjectVersions', 'ListObjectsV2'], () =>
        w.cli(['--json', 'dags', 'push', '--yes'], { cwd: clone.dir }),
      );
      expect(noop.result.code).toBe(0);
      expect(JSON.parse(noop.result.stdout).status).toBe('up-to-date');
      expect(noop.calls.ListObjectVersions).toBe(0);
      // the prefix with a delimiter, then its four folders
      expect(noop.calls.ListObjectsV2).toBe(5);
      expect((await snapshot(w.emu)).allVersions).toBe(before.allVersions);

      // one changed file: its own versions are looked up, nothing else
      writeFileSync(join(clone.dir, 'dags/team2/dag_2.py'), dagFile('d2', '# changed\n'));
      const one = await counting(['ListObjectVersions'], () => w.cli(['--json', 'dags', 'push', '--yes'], { cwd: clone.dir }));
      expect(one.result.code).toBe(0);
      const release = JSON.parse(one.result.stdout);
      expect(release.counts).toEqual({ added: 0, changed: 1, removed: 0, unchanged: 40 });
      expect(release.journal.keys['dags/team2/dag_2.py'].versionId).toBe(before.latest['dags/team2/dag_2.py']);
      expect(one.calls.ListObjectVersions).toBe(1);
      const after = await snapshot(w.emu);
      expect(release.dags['dags/team2/dag_2.py'].versionId).toBe(after.latest['dags/team2/dag_2.py']);
      // the unchanged keys keep the versions their release recorded
      expect(release.dags['dags/top.py'].versionId).toBe(after.latest['dags/top.py']);
    } finally {
      clone.cleanup();
    }
  });
});
