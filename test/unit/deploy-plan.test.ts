/** The plan rules (pure): record ETags, adoption by MD5, drift, removals, --no-prune, release ids. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VersionEntry } from '../../src/core/ports/s3.js';
import type { HashedFile } from '../../src/core/deploy/hash.js';
import { planDags, summarizePlan, unchangedStates, type DagPlanInput } from '../../src/core/deploy/plan.js';
import { newReleaseId, previousRelease, resolveReleaseId, type ReleaseIndex, type ReleaseRecord, type ReleaseSummary } from '../../src/core/deploy/records.js';

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
  for (const [key, e] of Object.entries(entries)) dags[key] = { versionId: `v-${key}`, sha256: sha(e.text), etag: e.etag ?? `"${md5(e.text)}"`, size: e.text.length };
  return { dags } as ReleaseRecord;
}
const map = (...entries: VersionEntry[]) => new Map(entries.map((e) => [e.key, e]));

describe('planDags', () => {
  it('an object whose ETag equals the recorded one is unchanged when the local sha256 matches (mtimes do not matter)', () => {
    // a KMS-like ETag that is not an MD5: only the record can tell it is unchanged
    const rec = record({ 'dags/a.py': { text: 'A', etag: '"kms-etag-1"' } });
    const plan = planDags({ prefix: 'dags/', local: [local('a.py', 'A')], remote: map({ ...remote('dags/a.py', 'A'), etag: '"kms-etag-1"' }), record: rec, prune: true });
    expect(plan.uploads).toEqual([]);
    // the record's own entry, not a copy
    expect(plan.unchangedRecorded.has(rec.dags['dags/a.py'])).toBe(true);
    expect(plan.unchangedRecorded.size).toBe(1);
    expect(unchangedStates(plan, rec)).toEqual({ 'dags/a.py': rec.dags['dags/a.py'] });
    expect(plan.drift).toEqual([]);
  });

  it('a local change is uploaded, with the remote latest as its previous version', () => {
    const rec = record({ 'dags/a.py': { text: 'A' } });
    const plan = planDags({ prefix: 'dags/', local: [local('a.py', 'A2')], remote: map(remote('dags/a.py', 'A')), record: rec, prune: true });
    expect(plan.uploads.map((u) => [u.key, u.kind, u.prev.versionId])).toEqual([['dags/a.py', 'change', 'v-dags/a.py']]);
    expect(plan.drift).toEqual([]);
  });

  it('adopts a byte-identical object that is not in the record (single-part ETag = MD5)', () => {
    const plan = planDags({ prefix: 'dags/', local: [local('a.py', 'A')], remote: map(remote('dags/a.py', 'A')), record: undefined, prune: true });
    expect(plan.uploads).toEqual([]);
    expect(plan.adopted).toEqual(['dags/a.py']);
    expect(plan.unchanged['dags/a.py'].sha256).toBe(sha('A'));
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
    const plan = planDags({ prefix: 'dags/', local: [local('a.py', 'A')], remote: map(remote('dags/a.py', 'old'), remote('dags/z.py', 'Z')), prune: true });
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

  describe('confirmed record entries and files hashed against the record (what a 20,000-file plan keeps)', () => {
    /** A local file whose sha256 matched the record while hashing: the record's string, no MD5. */
    const matched = (rel: string, rec: ReleaseRecord): HashedFile => {
      const c = rec.dags[`dags/${rel}`];
      return { rel, sha256: c.sha256, md5: undefined, size: c.size };
    };

    it('a confirmed entry with the same sha256 is unchanged as the very record object; a changed file is uploaded over it', () => {
      const rec = record({ 'dags/a.py': { text: 'A' }, 'dags/b.py': { text: 'B' } });
      const confirmed = new Set(Object.values(rec.dags));
      const plan = planDags({ prefix: 'dags/', local: [matched('a.py', rec), local('b.py', 'B2')], remote: new Map(), confirmed, record: rec, prune: true });
      expect(plan.unchangedRecorded.has(rec.dags['dags/a.py'])).toBe(true);
      expect(unchangedStates(plan, rec)['dags/a.py']).toBe(rec.dags['dags/a.py']);
      expect(plan.uploads.map((u) => [u.key, u.kind, u.prev.versionId])).toEqual([['dags/b.py', 'change', 'v-dags/b.py']]);
      expect(plan.drift).toEqual([]);
    });

    it('a confirmed entry with no local file is removed (kept with --no-prune), with the recorded version as previous', () => {
      const rec = record({ 'dags/a.py': { text: 'A' }, 'dags/gone.py': { text: 'G' } });
      const confirmed = new Set(Object.values(rec.dags));
      const input = { prefix: 'dags/', local: [matched('a.py', rec)], remote: new Map<string, VersionEntry>(), confirmed, record: rec };
      const plan = planDags({ ...input, prune: true });
      expect(plan.removals.map((r) => [r.key, r.prev.versionId])).toEqual([['dags/gone.py', 'v-dags/gone.py']]);
      expect(plan.drift).toEqual([]);
      expect(planDags({ ...input, prune: false }).kept).toEqual(['dags/gone.py']);
    });

    it('a recorded key the listing neither confirmed nor listed was deleted outside the tool', () => {
      const rec = record({ 'dags/a.py': { text: 'A' } });
      const plan = planDags({ prefix: 'dags/', local: [matched('a.py', rec)], remote: new Map(), confirmed: new Set(), record: rec, prune: true });
      expect(plan.drift).toEqual([{ key: 'dags/a.py', kind: 'deleted-outside' }]);
      expect(plan.uploads.map((u) => [u.key, u.kind, u.prev.versionId])).toEqual([['dags/a.py', 'add', null]]);
    });

    it('a file without an MD5 under an object changed outside: drift, decided from the recorded ETag without reading the file', () => {
      const rec = record({ 'dags/a.py': { text: 'A' } });
      const asked: string[] = [];
      const plan = planDags({ prefix: 'dags/', local: [matched('a.py', rec)], remote: map(remote('dags/a.py', 'A-hotfix', 'v-new')), record: rec, prune: true, md5Of: (rel) => (asked.push(rel), undefined) });
      expect(asked).toEqual([]);
      expect(plan.uploads.map((u) => [u.key, u.kind, u.prev.versionId])).toEqual([['dags/a.py', 'change', 'v-new']]);
      expect(plan.drift).toEqual([{ key: 'dags/a.py', kind: 'changed-outside' }]);
    });

    it('with a recorded ETag that is no MD5, md5Of reads the file for the adoption check; without it the file is uploaded', () => {
      const rec = record({ 'dags/a.py': { text: 'A', etag: '"kms-etag-1"' } });
      const input = { prefix: 'dags/', local: [matched('a.py', rec)], remote: map(remote('dags/a.py', 'A', 'v-new')), record: rec, prune: true };
      const asked: string[] = [];
      const adopted = planDags({ ...input, md5Of: (rel) => (asked.push(rel), md5('A')) });
      expect(asked).toEqual(['a.py']);
      expect(adopted.adopted).toEqual(['dags/a.py']);
      const unknown = planDags(input);
      expect(unknown.uploads.map((u) => [u.key, u.kind])).toEqual([['dags/a.py', 'change']]);
      expect(unknown.drift).toEqual([{ key: 'dags/a.py', kind: 'changed-outside' }]);
    });
  });

  describe('matched: local files exactly as recorded, given as the record entries themselves', () => {
    // each case planned twice: the file as a hashed file without MD5 (what hashing gives for a file whose
    // sha256 the record has), and as its entry in `matched` (no file object); the plans must be the same
    const rec = record({ 'dags/a.py': { text: 'A' }, 'dags/b.py': { text: 'B', etag: '"kms-etag-1"' }, 'dags/gone.py': { text: 'G' } });
    const [a, b, gone] = ['dags/a.py', 'dags/b.py', 'dags/gone.py'].map((k) => rec.dags[k]);
    const asFile = (c: (typeof rec.dags)[string], rel: string): HashedFile => ({ rel, sha256: c.sha256, md5: undefined, size: c.size });
    const cases: Array<[string, Omit<DagPlanInput, 'local' | 'matched' | 'record' | 'prefix'>]> = [
      ['confirmed: unchanged; an entry with no local file is removed', { remote: new Map(), confirmed: new Set([a, b, gone]), prune: true }],
      ['--no-prune keeps it', { remote: new Map(), confirmed: new Set([a, b, gone]), prune: false }],
      ['neither confirmed nor listed: deleted outside, uploaded again', { remote: new Map(), confirmed: new Set([gone]), prune: true }],
      [
        'listed with another version: changed outside (drift), or adopted (same MD5 from the file)',
        { remote: map(remote('dags/a.py', 'A-hotfix', 'v-new'), remote('dags/b.py', 'B', 'v-new2')), confirmed: new Set([gone]), prune: true, md5Of: () => md5('B') },
      ],
      ['the same bytes as a newer version (same ETag): unchanged with the listed version', { remote: map(remote('dags/a.py', 'A', 'v-newer')), confirmed: new Set([b, gone]), prune: true }],
    ];
    for (const [name, input] of cases) {
      it(name, () => {
        const viaFiles = planDags({ ...input, prefix: 'dags/', local: [asFile(a, 'a.py'), asFile(b, 'b.py')], record: rec });
        const viaMatched = planDags({ ...input, prefix: 'dags/', local: [], matched: new Set([a, b]), record: rec });
        for (const plan of [viaFiles, viaMatched]) plan.uploads.forEach((u) => expect(u.sha256).toBeTruthy());
        const shape = (p: typeof viaFiles) => ({ ...p, unchanged: unchangedStates(p, rec), unchangedRecorded: undefined });
        expect(shape(viaMatched)).toEqual(shape(viaFiles));
        expect(summarizePlan('env', 'b', viaMatched, []).counts).toEqual(summarizePlan('env', 'b', viaFiles, []).counts);
      });
    }

    it('the same plan with a file that is not matched alongside, uploads sorted by key', () => {
      const plan = planDags({ prefix: 'dags/', local: [local('0new.py', 'N')], matched: new Set([a, b]), remote: new Map(), confirmed: new Set([gone]), record: rec, prune: true });
      expect(plan.uploads.map((u) => [u.key, u.kind])).toEqual([
        ['dags/0new.py', 'add'],
        ['dags/a.py', 'add'],
        ['dags/b.py', 'add'],
      ]);
      expect(plan.localBytes).toBe(3);
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
    const index: ReleaseIndex = { schema: 1, current: { e: '20260301-120501-aaaa' }, releases: [summary('20260301-120000-bbbb', 'succeeded'), summary('20260301-120501-aaaa', 'succeeded')] };
    expect(resolveReleaseId(index, 'e', '20260301-1200')).toBe('20260301-120000-bbbb');
    expect(resolveReleaseId(index, 'e', 'current')).toBe('20260301-120501-aaaa');
    expect(resolveReleaseId(index, 'e', 'previous')).toBe('20260301-120000-bbbb');
    expect(() => resolveReleaseId(index, 'e', '20260301')).toThrow(/ambiguous/);
    expect(() => resolveReleaseId(index, 'e', 'zzz')).toThrow(/no release "zzz"/);
    expect(() => resolveReleaseId(index, 'other', 'current')).toThrow(/no current release/);
  });
});
