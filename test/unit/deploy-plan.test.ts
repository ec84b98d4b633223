/** The plan rules (pure): record ETags, adoption by MD5, drift, removals, --no-prune, release ids. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VersionEntry } from '../../src/core/ports/s3.js';
import type { HashedFile } from '../../src/core/deploy/hash.js';
import { planDags, summarizePlan, type RemoteObject } from '../../src/core/deploy/plan.js';
import {
  newReleaseId,
  previousRelease,
  resolveReleaseId,
  type ReleaseIndex,
  type ReleaseRecord,
  type ReleaseSummary,
} from '../../src/core/deploy/records.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function local(rel: string, text: string): HashedFile {
  return { rel, size: text.length, sha256: sha(text), md5: md5(text) };
}
function remote(key: string, text: string, versionId = `v-${key}`): VersionEntry {
  return { key, versionId, isLatest: true, deleteMarker: false, etag: `"${md5(text)}"`, size: text.length };
}
function record(entries: Record<string, { text: string; etag?: string }>): ReleaseRecord {
  const dags: ReleaseRecord['dags'] = {};
  for (const [key, e] of Object.entries(entries))
    dags[key] = { versionId: `v-${key}`, sha256: sha(e.text), etag: e.etag ?? `"${md5(e.text)}"`, size: e.text.length };
  return { dags } as ReleaseRecord;
}
const map = (...entries: VersionEntry[]) => new Map(entries.map((e) => [e.key, e]));

/** What ListObjectsV2 says of a key: ETag and size, no version id. */
const current = (text: string): RemoteObject => ({ etag: `"${md5(text)}"`, size: text.length });

describe('planDags', () => {
  it('an object whose ETag equals the recorded one is unchanged when the local sha256 matches (mtimes do not matter)', () => {
    // a KMS-like ETag that is not an MD5: only the record can tell it is unchanged
    const rec = record({ 'dags/a.py': { text: 'A', etag: '"kms-etag-1"' } });
    const plan = planDags({
      prefix: 'dags/',
      local: [local('a.py', 'A')],
      remote: map({ ...remote('dags/a.py', 'A'), etag: '"kms-etag-1"' }),
      record: rec,
      prune: true,
    });
    expect(plan.uploads).toEqual([]);
    // the record's own entry, not a copy
    expect(plan.unchanged['dags/a.py']).toBe(rec.dags['dags/a.py']);
    expect(plan.drift).toEqual([]);
    expect(plan.needsVersions).toEqual([]);
  });

  it('a local change is uploaded, with the remote latest as its previous version', () => {
    const rec = record({ 'dags/a.py': { text: 'A' } });
    const plan = planDags({
      prefix: 'dags/',
      local: [local('a.py', 'A2')],
      remote: map(remote('dags/a.py', 'A')),
      record: rec,
      prune: true,
    });
    expect(plan.uploads.map((u) => [u.key, u.kind, u.prev.versionId])).toEqual([['dags/a.py', 'change', 'v-dags/a.py']]);
    expect(plan.drift).toEqual([]);
  });

  it('adopts a byte-identical object that is not in the record (single-part ETag = MD5)', () => {
    const plan = planDags({
      prefix: 'dags/',
      local: [local('a.py', 'A')],
      remote: map(remote('dags/a.py', 'A')),
      record: undefined,
      prune: true,
    });
    expect(plan.uploads).toEqual([]);
    expect(plan.adopted).toEqual(['dags/a.py']);
    expect(plan.unchanged['dags/a.py']).toEqual({ versionId: 'v-dags/a.py', sha256: sha('A'), etag: `"${md5('A')}"`, size: 1 });
  });

  it('reports drift: changed, deleted and added outside the tool', () => {
    const rec = record({ 'dags/changed.py': { text: 'C' }, 'dags/deleted.py': { text: 'D' } });
    const plan = planDags({
      prefix: 'dags/',
      local: [local('changed.py', 'C'), local('deleted.py', 'D')],
      remote: map(remote('dags/changed.py', 'C-hotfix'), remote('dags/stray.py', 'S')),
      record: rec,
      prune: true,
    });
    expect(plan.drift).toEqual([
      { key: 'dags/changed.py', kind: 'changed-outside' },
      { key: 'dags/deleted.py', kind: 'deleted-outside' },
      { key: 'dags/stray.py', kind: 'added-outside' },
    ]);
    expect(plan.uploads.map((u) => `${u.kind}:${u.key}`)).toEqual(['change:dags/changed.py', 'add:dags/deleted.py']);
    expect(plan.removals.map((r) => r.key)).toEqual(['dags/stray.py']);
  });

  it('no drift without a record (first push onto a bucket with files)', () => {
    const plan = planDags({
      prefix: 'dags/',
      local: [local('a.py', 'A')],
      remote: map(remote('dags/a.py', 'old'), remote('dags/z.py', 'Z')),
      prune: true,
    });
    expect(plan.drift).toEqual([]);
    expect(plan.uploads.map((u) => u.key)).toEqual(['dags/a.py']);
    expect(plan.removals.map((r) => r.key)).toEqual(['dags/z.py']);
  });

  it('--no-prune keeps remote-only files; delete markers are not files', () => {
    const marker: VersionEntry = { key: 'dags/gone.py', versionId: 'm1', isLatest: true, deleteMarker: true };
    const plan = planDags({ prefix: 'dags/', local: [local('new.py', 'N')], remote: map(remote('dags/z.py', 'Z'), marker), prune: false });
    expect(plan.removals).toEqual([]);
    expect(plan.kept).toEqual(['dags/z.py']);
    const withMarker = planDags({ prefix: 'dags/', local: [local('gone.py', 'G')], remote: map(marker), prune: true });
    expect(withMarker.uploads[0].prev).toEqual({ versionId: 'm1', deleteMarker: true });
  });

  describe('against the current objects (ListObjectsV2: no version ids)', () => {
    it('a fresh clone of unchanged files needs no version at all: every file is the record entry', () => {
      const rec = record({ 'dags/a.py': { text: 'A' }, 'dags/b/c.py': { text: 'C' } });
      // hashing gives a file whose sha256 is the record's no MD5
      const files: HashedFile[] = [
        { ...local('a.py', 'A'), md5: undefined },
        { ...local('b/c.py', 'C'), md5: undefined },
      ];
      const plan = planDags({
        prefix: 'dags/',
        local: files,
        remote: new Map([
          ['dags/a.py', current('A')],
          ['dags/b/c.py', current('C')],
        ]),
        record: rec,
        prune: true,
      });
      expect(plan.needsVersions).toEqual([]);
      expect(plan.unchanged).toEqual(rec.dags);
      expect(summarizePlan('e', 'b', plan, []).empty).toBe(true);
    });

    it('names exactly the keys whose latest version it needs: uploads, removals, adoptions (and adds, for a delete marker)', () => {
      const rec = record({ 'dags/same.py': { text: 'S' }, 'dags/edit.py': { text: 'E' }, 'dags/gone.py': { text: 'G' } });
      const input = {
        prefix: 'dags/',
        local: [local('same.py', 'S'), local('edit.py', 'E2'), local('new.py', 'N'), local('adopt.py', 'A')],
        remote: new Map([
          ['dags/same.py', current('S')],
          ['dags/edit.py', current('E')],
          ['dags/gone.py', current('G')],
          ['dags/adopt.py', current('A')],
        ]),
        record: rec,
        prune: true,
      };
      const first = planDags(input);
      expect([...first.needsVersions].sort()).toEqual(['dags/adopt.py', 'dags/edit.py', 'dags/gone.py', 'dags/new.py']);
      // the versions looked up: new.py has a delete marker; the others their latest version
      const remote = new Map<string, RemoteObject>(input.remote);
      for (const key of ['dags/edit.py', 'dags/gone.py', 'dags/adopt.py'])
        remote.set(key, { ...input.remote.get(key), versionId: `latest-${key}` });
      remote.set('dags/new.py', { versionId: 'marker-1', deleteMarker: true });
      const second = planDags({ ...input, remote, versionsKnown: new Set(first.needsVersions) });
      expect(second.needsVersions).toEqual([]);
      expect(second.uploads.map((u) => [u.key, u.kind, u.prev])).toEqual([
        ['dags/edit.py', 'change', { versionId: 'latest-dags/edit.py' }],
        ['dags/new.py', 'add', { versionId: 'marker-1', deleteMarker: true }],
      ]);
      expect(second.removals.map((r) => [r.key, r.prev])).toEqual([['dags/gone.py', { versionId: 'latest-dags/gone.py' }]]);
      expect(second.unchanged['dags/adopt.py'].versionId).toBe('latest-dags/adopt.py');
      expect(second.unchanged['dags/same.py']).toBe(rec.dags['dags/same.py']);
      // a key looked up and found without any version is added over nothing
      const none = planDags({ ...input, remote, versionsKnown: new Set([...first.needsVersions]) });
      expect(none.needsVersions).toEqual([]);
    });

    it('a file without an MD5 under an object changed outside: drift, decided from the recorded ETag without reading the file', () => {
      const rec = record({ 'dags/a.py': { text: 'A' } });
      const asked: string[] = [];
      const file = { ...local('a.py', 'A'), md5: undefined };
      const plan = planDags({
        prefix: 'dags/',
        local: [file],
        remote: map(remote('dags/a.py', 'A-hotfix', 'v-new')),
        record: rec,
        prune: true,
        md5Of: (rel) => {
          asked.push(rel);
          return undefined;
        },
      });
      expect(asked).toEqual([]);
      expect(plan.uploads.map((u) => [u.key, u.kind, u.prev.versionId])).toEqual([['dags/a.py', 'change', 'v-new']]);
      expect(plan.drift).toEqual([{ key: 'dags/a.py', kind: 'changed-outside' }]);
    });

    it('with a recorded ETag that is no MD5, md5Of reads the file for the adoption check; without it the file is uploaded', () => {
      const rec = record({ 'dags/a.py': { text: 'A', etag: '"kms-etag-1"' } });
      const file = { ...local('a.py', 'A'), md5: undefined };
      const input = { prefix: 'dags/', local: [file], remote: map(remote('dags/a.py', 'A', 'v-new')), record: rec, prune: true };
      const asked: string[] = [];
      const adopted = planDags({
        ...input,
        md5Of: (rel) => {
          asked.push(rel);
          return md5('A');
        },
      });
      expect(asked).toEqual(['a.py']);
      expect(adopted.adopted).toEqual(['dags/a.py']);
      const unknown = planDags(input);
      expect(unknown.uploads.map((u) => [u.key, u.kind])).toEqual([['dags/a.py', 'change']]);
      expect(unknown.drift).toEqual([{ key: 'dags/a.py', kind: 'changed-outside' }]);
    });
  });

  it('summarizes counts and whether the environment must be updated', () => {
    const dags = planDags({ prefix: 'dags/', local: [local('a.py', 'A')], remote: new Map(), prune: true });
    const s = summarizePlan('env', 'b', dags, []);
    expect(s.counts).toEqual({ added: 1, changed: 0, removed: 0, unchanged: 0 });
    expect(s.envUpdate.needed).toBe(false);
    expect(s.empty).toBe(false);
    expect(summarizePlan('env', 'b', undefined, []).empty).toBe(true);
  });
});

describe('release ids and history', () => {
  const summary = (id: string, status: ReleaseSummary['status'], extra: Partial<ReleaseSummary> = {}): ReleaseSummary => ({
    id,
    kind: 'push',
    status,
    environment: 'e',
    startedAt: '',
    counts: { added: 0, changed: 0, removed: 0, unchanged: 0 },
    envUpdate: false,
    ...extra,
  });

  it('ids sort by time', () => {
    expect(newReleaseId(Date.parse('2026-03-01T12:05:01Z'))).toMatch(/^20260301-120501-[0-9a-f]{4}$/);
  });

  it('previous: the succeeded release before current; after a rollback, before the release it restored', () => {
    const index: ReleaseIndex = {
      schema: 1,
      current: { e: 'r3' },
      releases: [summary('r1', 'succeeded'), summary('r2', 'succeeded'), summary('rx', 'rolled-back'), summary('r3', 'succeeded')],
    };
    expect(previousRelease(index, 'e')).toBe('r2');
    index.releases.push(summary('r4', 'succeeded', { kind: 'rollback', target: 'r2' }));
    index.current.e = 'r4';
    expect(previousRelease(index, 'e')).toBe('r1');
    index.current.e = 'r1';
    expect(previousRelease(index, 'e')).toBeUndefined();
  });

  it('resolves ids by unique prefix, current and previous', () => {
    const index: ReleaseIndex = {
      schema: 1,
      current: { e: '20260301-120501-aaaa' },
      releases: [summary('20260301-120000-bbbb', 'succeeded'), summary('20260301-120501-aaaa', 'succeeded')],
    };
    expect(resolveReleaseId(index, 'e', '20260301-1200')).toBe('20260301-120000-bbbb');
    expect(resolveReleaseId(index, 'e', 'current')).toBe('20260301-120501-aaaa');
    expect(resolveReleaseId(index, 'e', 'previous')).toBe('20260301-120000-bbbb');
    expect(() => resolveReleaseId(index, 'e', '20260301')).toThrow(/ambiguous/);
    expect(() => resolveReleaseId(index, 'e', 'zzz')).toThrow(/no release "zzz"/);
    expect(() => resolveReleaseId(index, 'other', 'current')).toThrow(/no current release/);
  });
});
