/** JSON in pieces (src/core/json.ts): the exact text of JSON.stringify, never one big string. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PlanJson } from '../../src/core/deploy/plan.js';
import { jsonBody, jsonPieces } from '../../src/core/json.js';
import { msg } from '../../src/core/messages.js';
import { createHost } from '../../src/ui/host/index.js';
import { Io } from '../../src/ui/io.js';

/** A release-record-like document with `n` DAG entries. */
function record(n: number): Record<string, unknown> {
  const dags: Record<string, unknown> = {};
  for (let i = 0; i < n; i++)
    dags[`dags/team_${i % 7}/etl_${i}.py`] = { versionId: `v${i}`, sha256: 'ab'.repeat(32), etag: `"${i}"`, size: i };
  return {
    schema: 1,
    id: '20261126-052800-abcd',
    message: 'naïve — “quotes” \u2028 and 🚀',
    skipped: undefined,
    fn: () => 1,
    startedAt: new Date(Date.UTC(2026, 10, 26)),
    journal: { keys: Object.fromEntries(Object.keys(dags).map((k) => [k, { versionId: null }])), pins: {}, envUpdate: false },
    changes: { added: Object.keys(dags), changed: [], removed: [] },
    list: [1, undefined, null, () => 2, Number.NaN, 'x', { a: [] }, []],
    dags,
  };
}

const cases: Array<[string, unknown]> = [
  ['a small object', { a: 1, b: 'two', c: [true, null] }],
  ['primitives', 'text'],
  ['null', null],
  ['an empty object and array', { o: {}, a: [] }],
  ['a big array of primitives', Array.from({ length: 500 }, (_, i) => (i % 3 ? i : `s${i}`))],
  ['a big array holding undefined', Array.from({ length: 100 }, (_, i) => (i % 2 ? undefined : i))],
  ['a record of 3,000 files', record(3000)],
];

describe('jsonPieces', () => {
  for (const indent of [0, 2]) {
    for (const [name, value] of cases) {
      it(`joins to JSON.stringify(value, null, ${indent}) for ${name}`, () => {
        expect([...jsonPieces(value, indent)].join('')).toBe(JSON.stringify(value, null, indent));
      });
    }
  }

  it('cuts a large document into pieces of about 64 KB', () => {
    const pieces = [...jsonPieces(record(5000), 2)];
    expect(pieces.length).toBeGreaterThan(10);
    for (const p of pieces) expect(p.length).toBeLessThan(70 * 1024);
  });

  it('gives "null" for a value JSON cannot represent at the top', () => {
    expect([...jsonPieces(undefined)].join('')).toBe('null');
    expect([...jsonPieces(() => 1)].join('')).toBe('null');
  });
});

describe('jsonBody', () => {
  it('is the compact JSON and a newline in UTF-8 pieces of about 64 KB, its length measured up front', () => {
    const value = record(2000);
    const body = jsonBody(value);
    const pieces = [...body.pieces()];
    const text = `${JSON.stringify(value)}\n`;
    expect(Buffer.concat(pieces).toString('utf8')).toBe(text);
    expect(body.length).toBe(Buffer.byteLength(text));
    expect(pieces.length).toBeGreaterThan(2);
    for (const p of pieces) expect(p.byteLength).toBeLessThan(80 * 1024);
  });

  it('gives the same bytes each time it is asked (once per attempt of a request)', () => {
    const body = jsonBody(record(300), { lines: true });
    const first = Buffer.concat([...body.pieces()]);
    expect(Buffer.concat([...body.pieces()]).equals(first)).toBe(true);
    expect(first.byteLength).toBe(body.length);
  });
});

describe('--json output through the JSON host', () => {
  function io() {
    const writes = { stdout: [] as string[], stderr: [] as string[] };
    const stream = (into: string[]) => {
      const p = new PassThrough();
      p.on('data', (c: Buffer) => into.push(c.toString('utf8')));
      return p;
    };
    const out = createHost(
      new Io(
        { stdout: stream(writes.stdout), stderr: stream(writes.stderr), stdin: new PassThrough() },
        { json: true, color: false, quiet: false, debug: false, ci: false, yes: false },
      ),
    );
    return { out, writes };
  }

  it('a result is JSON.stringify(value, null, 2) and a newline, written in pieces when it is big', async () => {
    const { out, writes } = io();
    const value = record(3000);
    out.result(value, () => 'text');
    await new Promise((r) => setImmediate(r));
    expect(writes.stdout.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
    expect(writes.stdout.length).toBeGreaterThan(3);
  });

  it('an event is one NDJSON line, however big its data', async () => {
    const { out, writes } = io();
    const sink = out.notify;
    sink(msg('deploy.plan', { plan: record(3000) as unknown as PlanJson, planMs: 1 }, 'plan'));
    sink(msg('deploy.phase', { phase: 'uploads' }, 'uploading'));
    await new Promise((r) => setImmediate(r));
    const lines = writes.stderr.join('').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const plan = JSON.parse(lines[0]);
    expect(plan).toMatchObject({ code: 'deploy.plan', level: 'info', message: 'plan' });
    expect(JSON.stringify(plan.data.plan)).toBe(JSON.stringify(record(3000)));
    expect(JSON.parse(lines[1])).toMatchObject({ code: 'deploy.phase', data: { phase: 'uploads' } });
  });
});
