/** Release records as stored: NDJSON, read back a line at a time (RecordReader); records of the earlier format still read. */
import { describe, expect, it } from 'vitest';
import { encodeRecord, RecordReader, ReleaseStore, type ReleaseRecord } from '../../src/core/deploy/records.js';
import { jsonBody } from '../../src/core/json.js';
import { MwaaError } from '../../src/core/errors.js';
import { FakeS3 } from './deploy-fakes.js';

/** A record with `n` DAG files, keys that look like JSON included. */
function record(n: number): ReleaseRecord {
  const dags: ReleaseRecord['dags'] = {};
  const odd = ['dags/odd},"x.py', 'dags/line\nbreak.py', 'dags/__proto__', 'dags/naïve 🚀.py', 'dags/"dags":{.py'];
  for (let i = 0; i < n; i++)
    dags[i < odd.length ? odd[i] : `dags/team_${i % 7}/etl_${i}.py`] = {
      versionId: `v${i}`,
      sha256: 'ab'.repeat(32),
      etag: `"${i}"`,
      size: i,
    };
  const keys = Object.keys(dags);
  return {
    schema: 1,
    id: '20261126-052800-abcd',
    kind: 'push',
    status: 'succeeded',
    environment: 'env',
    bucket: 'bucket',
    dagPrefix: 'dags/',
    startedAt: '2026-11-26T05:28:00.000Z',
    actor: { user: 'u', host: 'h', pid: 1 },
    counts: { added: n, changed: 0, removed: 0, unchanged: 0 },
    changes: { added: keys, changed: [], removed: [] },
    envUpdate: { needed: false, reasons: [] },
    journal: { keys: Object.fromEntries(keys.map((k) => [k, { versionId: null }])), pins: {}, envUpdate: false },
    dags,
    artifacts: { requirements: { key: 'requirements.txt', versionId: 'r1', sha256: 'cd'.repeat(32), etag: '"r"', size: 10 } },
    durations: { totalMs: 5 },
  };
}

/** Feeds text to a reader in pieces of `size` characters. */
function parse(text: string, size: number, options: { lean?: boolean } = {}): ReleaseRecord {
  const p = new RecordReader(options);
  for (let at = 0; at < text.length; at += size) p.push(text.slice(at, at + size));
  return p.end();
}

const plain = (rec: ReleaseRecord) => JSON.parse(JSON.stringify({ ...rec, schema: 2 }));
const leanOf = (value: ReleaseRecord) => ({
  ...value,
  changes: { added: [], changed: [], removed: [] },
  journal: { ...value.journal, keys: {} },
});

describe('release records, stored as NDJSON and read back', () => {
  for (const n of [0, 3, 500]) {
    it(`a record of ${n} files reads back equal, however its text is cut`, () => {
      const rec = record(n);
      const text = encodeRecord(rec).toString('utf8');
      for (const size of [1, 7, 1000, text.length]) expect(parse(text, size)).toEqual(plain(rec));
    });
  }

  it('is NDJSON that standard tools read: a header, then a line per DAG file, journal key and changed key', () => {
    const rec = record(3);
    const lines = encodeRecord(rec)
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ schema: 2, id: rec.id, status: 'succeeded', lines: 9, journal: { pins: {}, envUpdate: false } });
    expect(lines[0].dags).toBeUndefined();
    expect(lines[1]).toEqual({ dag: 'dags/odd},"x.py', versionId: 'v0', sha256: 'ab'.repeat(32), etag: '"0"', size: 0 });
    const entries = lines.slice(1);
    expect(entries.filter((l) => 'dag' in l)).toHaveLength(3);
    expect(entries.filter((l) => 'journal' in l)).toEqual(Object.keys(rec.dags).map((k) => ({ journal: k, versionId: null })));
    expect(entries.filter((l) => 'added' in l).map((l) => l.added)).toEqual(Object.keys(rec.dags));
  });

  it("lean: the journal's keys and the changed keys are skipped, the rest is the record", () => {
    const rec = record(500);
    const text = encodeRecord(rec).toString('utf8');
    for (const size of [3, 4096]) expect(parse(text, size, { lean: true })).toEqual(leanOf(plain(rec)));
  });

  it('reads the records written before (schema 1, one JSON document): the line-per-member layout, pretty-printed, compact', () => {
    const rec = record(300);
    const old = JSON.parse(JSON.stringify(rec));
    const layouts = [
      Buffer.concat([...jsonBody(rec, { lines: true }).pieces()]).toString('utf8'),
      JSON.stringify(rec, null, 1),
      `${JSON.stringify(rec)}\n`,
    ];
    for (const text of layouts) {
      expect(parse(text, 100)).toEqual(old);
      expect(parse(text, 4096, { lean: true })).toEqual(leanOf(old));
    }
  });

  it('a bucket whose current record is of the earlier format: read through the store, then rewritten as NDJSON', async () => {
    const s3 = new FakeS3();
    const store = new ReleaseStore(s3, 'bucket');
    const rec = record(50);
    s3.put(`.mwaa/releases/${rec.id}.json`, Buffer.concat([...jsonBody(rec, { lines: true }).pieces()]));
    const read = await store.read(rec.id);
    expect(read).toEqual(JSON.parse(JSON.stringify(rec)));
    await store.write({ ...(read as ReleaseRecord), status: 'rolled-back' });
    const text = s3.latest(`.mwaa/releases/${rec.id}.json`)?.body?.toString('utf8') ?? '';
    expect(JSON.parse(text.slice(0, text.indexOf('\n')))).toMatchObject({ schema: 2, status: 'rolled-back' });
    expect(await store.read(rec.id)).toEqual({ ...plain(rec), status: 'rolled-back' });
  });

  it('a record cut short or garbled is a typed error naming it, not a half-read record', async () => {
    const s3 = new FakeS3();
    const store = new ReleaseStore(s3, 'bucket');
    const rec = record(200);
    await store.write(rec);
    expect(await store.read(rec.id)).toEqual(plain(rec));
    const text = s3.latest(`.mwaa/releases/${rec.id}.json`)?.body?.toString('utf8') ?? '';
    const lines = text.split('\n');
    const cutAtLine = `${lines.slice(0, 100).join('\n')}\n`;
    for (const bad of [
      text.slice(0, Math.floor(text.length / 2)),
      cutAtLine,
      text.replace('{"dag":"dags/team_1/etl_8.py"', '{{"dag":"dags/team_1/etl_8.py"'),
      'not json',
    ]) {
      s3.put(`.mwaa/releases/${rec.id}.json`, bad);
      const error = await store.read(rec.id).catch((e) => e);
      expect(MwaaError.is(error) && error.code).toBe('deploy.state-corrupt');
      expect(error.message).toBe(`.mwaa/releases/${rec.id}.json is not valid JSON`);
    }
    expect(await store.read('20990101-000000-0000')).toBeUndefined();
  });
});
