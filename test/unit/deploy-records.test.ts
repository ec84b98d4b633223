/** Release records as stored: a line per member of each big object, read back a line at a time (RecordParser). */
import { describe, expect, it } from 'vitest';
import { RecordParser, ReleaseStore, type ReleaseRecord } from '../../src/core/deploy/records.js';
import { jsonBody } from '../../src/core/json.js';
import { MwaaError } from '../../src/core/errors.js';
import { FakeS3 } from './deploy-fakes.js';

/** The text ReleaseStore.write sends for a record. */
function stored(value: unknown): string {
  return Buffer.concat([...jsonBody(value, { lines: true }).pieces()]).toString('utf8');
}

/** A record with `n` DAG files, keys that look like JSON included. */
function record(n: number): ReleaseRecord {
  const dags: ReleaseRecord['dags'] = {};
  const odd = ['dags/odd},"x.py', 'dags/line\nbreak.py', 'dags/__proto__', 'dags/naïve 🚀.py', 'dags/"dags":{.py'];
  for (let i = 0; i < n; i++) dags[i < odd.length ? odd[i] : `dags/team_${i % 7}/etl_${i}.py`] = { versionId: `v${i}`, sha256: 'ab'.repeat(32), etag: `"${i}"`, size: i };
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

/** Feeds text to a parser in pieces of `size` characters. */
function parse(text: string, size: number): unknown {
  const p = new RecordParser();
  for (let at = 0; at < text.length; at += size) p.push(text.slice(at, at + size));
  return p.end();
}

describe('release records, stored and read back', () => {
  for (const n of [0, 3, 500]) {
    it(`a record of ${n} files reads back equal, however its text is cut`, () => {
      const rec = record(n);
      const text = stored(rec);
      for (const size of [1, 7, 1000, text.length]) expect(parse(text, size)).toEqual(JSON.parse(JSON.stringify(rec)));
    });
  }

  it('lean: the journal\'s keys and the changed keys are skipped as they stream by, the rest is the record', () => {
    const rec = record(500);
    const text = stored(rec);
    const plain = JSON.parse(JSON.stringify(rec));
    const lean = { ...plain, changes: { added: [], changed: [], removed: [] }, journal: { ...plain.journal, keys: {} } };
    for (const size of [3, 4096]) {
      const p = new RecordParser({ lean: true });
      for (let at = 0; at < text.length; at += size) p.push(text.slice(at, at + size));
      expect(p.end()).toEqual(lean);
    }
    // another layout is parsed whole, lists included (the push drops them itself)
    const pretty = new RecordParser({ lean: true });
    pretty.push(JSON.stringify(rec, null, 1));
    expect(pretty.end()).toEqual(plain);
  });

  it('writes the DAG entries of a big record a line each (what lets RecordParser take them one at a time)', () => {
    const lines = stored(record(500)).split('\n');
    const at = lines.indexOf('"dags":{');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 501).every((l) => l.startsWith('"dags/'))).toBe(true);
    expect(lines[at + 501]).toBe('},');
  });

  it('reads records in other layouts whole: pretty-printed, compact on one line', () => {
    const rec = record(300);
    const plain = JSON.parse(JSON.stringify(rec));
    expect(parse(JSON.stringify(rec, null, 1), 100)).toEqual(plain);
    expect(parse(`${JSON.stringify(rec)}\n`, 4096)).toEqual(plain);
  });

  it('a record cut short or garbled is a typed error naming it, not a half-read record', async () => {
    const s3 = new FakeS3();
    const store = new ReleaseStore(s3, 'bucket');
    const rec = record(200);
    await store.write(rec);
    expect(await store.read(rec.id)).toEqual(JSON.parse(JSON.stringify(rec)));
    const text = s3.latest(`.mwaa/releases/${rec.id}.json`)?.body?.toString('utf8') ?? '';
    for (const bad of [text.slice(0, Math.floor(text.length / 2)), text.replace('"dags/team_1/etl_8.py":{', '"dags/team_1/etl_8.py":{{'), 'not json']) {
      s3.put(`.mwaa/releases/${rec.id}.json`, bad);
      const error = await store.read(rec.id).catch((e) => e);
      expect(MwaaError.is(error) && error.code).toBe('deploy.state-corrupt');
      expect(error.message).toBe(`.mwaa/releases/${rec.id}.json is not valid JSON`);
    }
    expect(await store.read('20990101-000000-0000')).toBeUndefined();
  });
});
