/**
 * What a push reads from the bucket: the current objects (ListObjectsV2) always, object versions only
 * for the keys it touches, so a no-op push costs the same after any number of releases. The current
 * objects are listed in key ranges cut at the project's own files (src/core/deploy/listing.ts), all of
 * them, whatever the bucket holds besides.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Api } from '../../src/aws/s3.js';
import { currentObjects } from '../../src/core/deploy/listing.js';
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
      // 41 files: one range, one page
      expect(noop.calls.ListObjectsV2).toBe(1);
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

describe('the current objects, listed in ranges', () => {
  const BUCKET = 'listing-ranges';
  /** every key the bucket holds, in S3's order */
  const held: string[] = [];

  beforeAll(async () => {
    const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
    await w.emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const keys = [
      // the project's files: 45 of them
      ...Array.from({ length: 45 }, (_, i) => `dags/f${String(i).padStart(2, '0')}.py`),
      // what the bucket holds besides: before, between and after them; past U+FFFF (S3 orders by UTF-8
      // bytes: '\u{1F600}' comes after '\uFF01', though JavaScript's < says before)
      'dags/a-first.py',
      ...Array.from({ length: 25 }, (_, i) => `dags/f13-extra-${String(i).padStart(2, '0')}.py`),
      'dags/\uFF01.py',
      'dags/\u{1F600}.py',
      'dags/zz/last.py',
      // the tool's state and folder markers: never in the listing
      '.mwaa/releases/index.json',
      'dags/.mwaa/x.json',
      'dags/sub/',
    ];
    for (const key of keys) await w.emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    held.push(...keys);
  });

  const dagKeys = (prefix: string) =>
    held
      .filter((k) => k.startsWith(prefix) && !k.startsWith('.mwaa/') && !k.endsWith('/'))
      .map((k) => Buffer.from(k))
      .sort(Buffer.compare)
      .map((b) => b.toString());
  const project = Array.from({ length: 45 }, (_, i) => `dags/f${String(i).padStart(2, '0')}.py`);

  it("finds every object under the prefix, in S3's order, with pages of 10: the project's 45 files cut into 5 ranges", async () => {
    const listed = await counting(['ListObjectsV2'], () => currentObjects(s3Api(w.emu.s3), BUCKET, 'dags/', project, undefined, 10));
    expect([...listed.result.keys()]).toEqual(dagKeys('dags/'));
    expect(listed.result.get('dags/f07.py')).toEqual({ etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), size: 'dags/f07.py'.length });
    // 5 ranges, one page each, except the first (12 keys: 2 pages) and the second, which holds the 25
    // extra keys (35 keys: 4 pages); the last goes on to the end (9 keys: 1 page)
    expect(listed.calls.ListObjectsV2).toBe(9);
  });

  it('with no files of its own, one range: the whole prefix, page after page', async () => {
    const listed = await counting(['ListObjectsV2'], () => currentObjects(s3Api(w.emu.s3), BUCKET, 'dags/', [], undefined, 10));
    expect([...listed.result.keys()]).toEqual(dagKeys('dags/'));
    expect(listed.calls.ListObjectsV2).toBe(8); // 75 keys under dags/ (folder marker and state included), pages of 10
  });

  it("under the bucket's root, the tool's state folder is not listed", async () => {
    const listed = await counting(['ListObjectsV2'], () => currentObjects(s3Api(w.emu.s3), BUCKET, '', project, undefined, 10));
    expect([...listed.result.keys()]).toEqual(dagKeys(''));
  });
});
