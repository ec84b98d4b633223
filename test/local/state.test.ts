/**
 * Persistence and ownership of the emulator's state directory: journal replay, torn last lines,
 * snapshots/compaction, restarts with nothing lost, kill -9 of a process that was writing, and the
 * owner file (a live server is reused, a live embedded owner is waited for, a dead one taken over).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PersistentStore } from '../../src/local/contract.js';
import { EmulatorBusyError, connectOrStartEmbedded, startEmulator } from '../../src/local/index.js';
import { writeJsonInSlices } from '../../src/local/json-slices.js';
import { StateCorruptError, openStateDir, readOwnerStatus, stateFiles } from '../../src/local/state.js';
import { makeClients, startTestEmulator } from '../helpers/emulator.js';
import { until } from '../helpers/until.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mwaa-local-state-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A tiny store: a list of values, journal ops "add". */
function listStore(name = 'list'): PersistentStore & { items: unknown[] } {
  const s = {
    name,
    items: [] as unknown[],
    snapshot: () => ({ items: s.items }),
    restore: (snap: unknown) => {
      s.items = [...((snap as { items: unknown[] }).items ?? [])];
    },
    replay: (op: string, data: unknown) => {
      if (op !== 'add') throw new Error(`bad op ${op}`);
      s.items.push(data);
    },
  };
  return s;
}

/** Sealed journal segments (journal.<n>.ndjson): present while a background compaction runs. */
function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^journal\.\d+\.ndjson$/.test(f));
}

function snapshotSeq(dir: string): number {
  return JSON.parse(readFileSync(stateFiles(dir).snapshot, 'utf8')).seq;
}

/** A list store whose snapshot is a copy (as PersistentStore requires), with an add() that journals. */
function journalledList(state: ReturnType<typeof openStateDir>): PersistentStore & { items: unknown[]; add(v: unknown): void } {
  const s = Object.assign(listStore(), {
    add(v: unknown): void {
      state.persist.append('list', 'add', v);
      s.items.push(v);
    },
  });
  s.snapshot = () => ({ items: [...s.items] });
  return s;
}

describe('journal and snapshot (state.ts)', () => {
  it('replays acknowledged records in order after a reopen', () => {
    const dir = tempDir();
    const a = openStateDir(dir);
    const s1 = listStore();
    a.load([s1]);
    for (const v of [1, 'two', { three: 3 }]) {
      a.persist.append('list', 'add', v);
      s1.items.push(v);
    }
    a.close({ compact: false });
    const b = openStateDir(dir);
    const s2 = listStore();
    const report = b.load([s2]);
    expect(s2.items).toEqual([1, 'two', { three: 3 }]);
    expect(report).toEqual({ snapshotSeq: 0, replayed: 3, tornBytes: 0 });
    b.close({ compact: false });
  });

  it('ignores a torn last line, cuts it off, and keeps appending cleanly', () => {
    const dir = tempDir();
    const a = openStateDir(dir);
    a.load([listStore()]);
    a.persist.append('list', 'add', 'kept');
    a.close({ compact: false });
    const journal = stateFiles(dir).journal;
    appendFileSync(journal, '{"q":2,"s":"list","o":"add","d":"half-writ');
    const b = openStateDir(dir);
    const s = listStore();
    expect(b.load([s]).tornBytes).toBeGreaterThan(0);
    expect(s.items).toEqual(['kept']);
    b.persist.append('list', 'add', 'after');
    b.close({ compact: false });
    expect(
      readFileSync(journal, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).d),
    ).toEqual(['kept', 'after']);
    const c = openStateDir(dir);
    const s3 = listStore();
    c.load([s3]);
    expect(s3.items).toEqual(['kept', 'after']);
    c.close({ compact: false });
  });

  it('refuses a corrupt line in the middle of the journal instead of silently dropping state', () => {
    const dir = tempDir();
    const journal = stateFiles(dir).journal;
    writeFileSync(journal, '{"q":1,"s":"list","o":"add","d":1}\ngarbage\n{"q":3,"s":"list","o":"add","d":3}\n');
    const a = openStateDir(dir);
    expect(() => a.load([listStore()])).toThrow(StateCorruptError);
    expect(() => a.load([listStore()])).toThrow(/line 2/);
  });

  it('compacts into a snapshot; records already in the snapshot are not applied twice', () => {
    const dir = tempDir();
    const a = openStateDir(dir);
    const s = listStore();
    a.load([s]);
    for (let i = 0; i < 5; i++) {
      a.persist.append('list', 'add', i);
      s.items.push(i);
    }
    const journal = stateFiles(dir).journal;
    const before = readFileSync(journal);
    a.compact();
    expect(statSync(journal).size).toBe(0);
    a.persist.append('list', 'add', 5);
    s.items.push(5);
    a.close({ compact: false });
    // simulate a crash between writing the snapshot and truncating the journal: old records reappear
    writeFileSync(journal, Buffer.concat([before, readFileSync(journal)]));
    const b = openStateDir(dir);
    const s2 = listStore();
    expect(b.load([s2])).toMatchObject({ snapshotSeq: 5, replayed: 1 });
    expect(s2.items).toEqual([0, 1, 2, 3, 4, 5]);
    b.close();
  });

  it('asks for compaction past the size limit and refuses appends during replay', () => {
    const dir = tempDir();
    const a = openStateDir(dir, { compactBytes: 200 });
    a.load([listStore()]);
    a.persist.append('list', 'add', 'x'.repeat(50));
    expect(a.needsCompaction()).toBe(false);
    a.persist.append('list', 'add', 'x'.repeat(200));
    expect(a.needsCompaction()).toBe(true);
    a.close();
    const c = openStateDir(dir);
    writeFileSync(stateFiles(dir).journal, '{"q":9,"s":"list","o":"add","d":1}\n');
    const bad2 = listStore();
    bad2.replay = () => c.persist.append('list', 'add', 'again');
    expect(() => c.load([bad2])).toThrow(/during replay/);
  });

  it('keeps writes that arrive during a background compaction across a restart, applied once', async () => {
    const dir = tempDir();
    const a = openStateDir(dir);
    const s = journalledList(a);
    a.load([s]);
    for (let i = 0; i < 100; i++) s.add(i);
    const running = a.compactInBackground();
    expect(a.compacting()).toBe(true);
    // new records go to a fresh journal while the sealed segment (records 1..100) is compacted
    expect(segmentFiles(dir)).toEqual(['journal.100.ndjson']);
    for (let i = 100; i < 150; i++) s.add(i);
    // a crash now (files copied as they are) loses nothing either
    const crashed = tempDir();
    cpSync(dir, crashed, { recursive: true });
    await running;
    expect(a.compacting()).toBe(false);
    expect(a.compactions()).toBe(1);
    expect(segmentFiles(dir)).toEqual([]);
    expect(snapshotSeq(dir)).toBe(100);
    s.add(150);
    a.close({ compact: false });

    const b = openStateDir(dir);
    const s2 = listStore();
    expect(b.load([s2])).toMatchObject({ snapshotSeq: 100, replayed: 51 });
    expect(s2.items).toEqual(Array.from({ length: 151 }, (_, i) => i));
    b.close({ compact: false });

    const c = openStateDir(crashed);
    const s3 = listStore();
    expect(c.load([s3])).toMatchObject({ replayed: 150 });
    expect(s3.items).toEqual(Array.from({ length: 150 }, (_, i) => i));
    c.close({ compact: false });
  });

  it('skips the records of a segment that a crash left next to the snapshot covering it', async () => {
    const dir = tempDir();
    const a = openStateDir(dir);
    const s = journalledList(a);
    a.load([s]);
    for (let i = 0; i < 10; i++) s.add(i);
    const running = a.compactInBackground();
    const segment = join(dir, segmentFiles(dir)[0]);
    const sealed = readFileSync(segment);
    s.add(10);
    await running;
    a.close({ compact: false });
    // as if the process had died between renaming the snapshot and deleting the segment
    writeFileSync(segment, sealed);
    const b = openStateDir(dir);
    const s2 = listStore();
    expect(b.load([s2])).toMatchObject({ snapshotSeq: 10, replayed: 1 });
    expect(s2.items).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(existsSync(segment)).toBe(false);
    b.close({ compact: false });
  });

  it('close() during a background compaction abandons it and compacts everything; a crashed one is redone', async () => {
    const dir = tempDir();
    const a = openStateDir(dir);
    const s = journalledList(a);
    a.load([s]);
    for (let i = 0; i < 20; i++) s.add(i);
    const running = a.compactInBackground();
    s.add(20);
    a.close();
    expect(snapshotSeq(dir)).toBe(21);
    expect(segmentFiles(dir)).toEqual([]);
    await running;
    // the abandoned compaction never renamed its older snapshot over the one close() wrote
    expect(snapshotSeq(dir)).toBe(21);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);

    const b = openStateDir(dir);
    const s2 = journalledList(b);
    b.load([s2]);
    expect(s2.items).toHaveLength(21);
    s2.add(21);
    const abandoned = b.compactInBackground();
    s2.add(22);
    b.close({ compact: false });
    await abandoned;
    expect(snapshotSeq(dir)).toBe(21);
    expect(segmentFiles(dir)).toEqual(['journal.22.ndjson']);

    const c = openStateDir(dir, { compactBytes: 1 });
    const s3 = journalledList(c);
    expect(c.load([s3])).toMatchObject({ snapshotSeq: 21, replayed: 2 });
    expect(s3.items).toEqual(Array.from({ length: 23 }, (_, i) => i));
    // the leftover segment counts towards the next compaction, which deletes it
    expect(c.needsCompaction()).toBe(true);
    await c.compactInBackground();
    expect(segmentFiles(dir)).toEqual([]);
    expect(snapshotSeq(dir)).toBe(23);
    c.close();
  });

  it('writes JSON in slices exactly as JSON.stringify does', async () => {
    const dir = tempDir();
    const big = Array.from({ length: 3000 }, (_, i) => ({
      k: `key ${i} "q" \u2028`,
      n: i,
      nested: { a: [i, null, undefined], u: undefined },
    }));
    const values: unknown[] = [
      { stores: { list: { items: big }, when: new Date(0), f: () => 1, empty: {}, arr: [] } },
      Object.assign(Object.create(null), { a: 1, b: [1, 2, [3, { c: 'd' }]] }),
      Array.from({ length: 200 }, (_, i) => i),
      [undefined, () => 1, Symbol('s'), { x: undefined }],
      'plain',
      null,
    ];
    for (const [i, v] of values.entries()) {
      const path = join(dir, `v${i}.json`);
      const file = await open(path, 'w');
      expect(await writeJsonInSlices(file, v, { sliceMs: 0, stop: () => false })).toBe(true);
      await file.close();
      expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(v));
    }
  });

  it('stores blobs by sha256, idempotently', () => {
    const dir = tempDir();
    const a = openStateDir(dir);
    a.load([]);
    const data = Buffer.from('blob body');
    const id = a.persist.blobs.put(data);
    expect(id).toBe(createHash('sha256').update(data).digest('hex'));
    expect(a.persist.blobs.put(Buffer.from('blob body'))).toBe(id);
    expect(a.persist.blobs.get(id).equals(data)).toBe(true);
    expect(existsSync(join(dir, 'blobs', id.slice(0, 2), id))).toBe(true);
    expect(() => a.persist.blobs.get('../../etc/passwd')).toThrow();
    a.close();
  });
});

describe('restarts', () => {
  it('keeps buckets, versions, bodies, configuration and the clock across a restart', async () => {
    const emu = await startTestEmulator();
    try {
      const s3 = emu.s3;
      await s3.send(new CreateBucketCommand({ Bucket: 'keep' }));
      await s3.send(new PutBucketVersioningCommand({ Bucket: 'keep', VersioningConfiguration: { Status: 'Enabled' } }));
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: 'keep',
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        }),
      );
      const v1 = await s3.send(new PutObjectCommand({ Bucket: 'keep', Key: 'dags/a.py', Body: 'v1', Metadata: { m: 'x' } }));
      await s3.send(new PutObjectCommand({ Bucket: 'keep', Key: 'dags/a.py', Body: 'v2' }));
      await emu.advance(3600);
      const offset = (await emu.control('GET', '/_mwaa_local/clock')).body.offsetMs;
      await emu.restart();
      const s3b = emu.s3;
      const versions = await s3b.send(new ListObjectVersionsCommand({ Bucket: 'keep' }));
      expect(versions.Versions!.map((v) => v.VersionId)[1]).toBe(v1.VersionId);
      const old = await s3b.send(new GetObjectCommand({ Bucket: 'keep', Key: 'dags/a.py', VersionId: v1.VersionId }));
      expect([await old.Body!.transformToString(), old.Metadata]).toEqual(['v1', { m: 'x' }]);
      expect((await s3b.send(new GetPublicAccessBlockCommand({ Bucket: 'keep' }))).PublicAccessBlockConfiguration?.BlockPublicAcls).toBe(
        true,
      );
      expect((await emu.control('GET', '/_mwaa_local/clock')).body.offsetMs).toBe(offset);
      // faults are not persisted
      await emu.fault({ service: 's3', operation: 'GetObject' });
      await emu.restart();
      expect((await emu.control('GET', '/_mwaa_local/faults')).body.faults).toEqual([]);
    } finally {
      await emu.close();
    }
  });

  it('compacts while serving when the journal grows, and loses nothing', async () => {
    const stateDir = tempDir();
    const em = await startEmulator({ stateDir, compactBytes: 8_000 });
    const { s3 } = makeClients(em.url);
    await s3.send(new CreateBucketCommand({ Bucket: 'compact' }));
    for (let i = 0; i < 60; i++) await s3.send(new PutObjectCommand({ Bucket: 'compact', Key: `k${i}`, Body: `body ${i}` }));
    await until(
      () => existsSync(stateFiles(stateDir).snapshot) && segmentFiles(stateDir).length === 0,
      'the background compaction',
      10_000,
    );
    expect(statSync(stateFiles(stateDir).journal).size).toBeLessThan(8_000 + 2_000);
    s3.destroy();
    await em.close();
    const em2 = await startEmulator({ stateDir });
    const c2 = makeClients(em2.url);
    try {
      for (const i of [0, 31, 59]) {
        const g = await c2.s3.send(new GetObjectCommand({ Bucket: 'compact', Key: `k${i}` }));
        expect(await g.Body!.transformToString()).toBe(`body ${i}`);
      }
    } finally {
      c2.s3.destroy();
      await em2.close();
    }
  });
});

describe('kill -9', () => {
  let bundleDir: string;
  beforeAll(async () => {
    bundleDir = tempDir();
    await build({
      entryPoints: [join(process.cwd(), 'src/local/index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(bundleDir, 'emulator.mjs'),
      logLevel: 'silent',
    });
    writeFileSync(
      join(bundleDir, 'child.mjs'),
      `import { startEmulator } from './emulator.mjs';
const compactBytes = process.argv[4] ? Number(process.argv[4]) : undefined;
const em = await startEmulator({ stateDir: process.argv[2], mode: process.argv[3] ?? 'server', port: 0, compactBytes });
process.stdout.write(JSON.stringify({ url: em.url, pid: process.pid }) + '\\n');
setInterval(() => {}, 1 << 30);
`,
    );
  });

  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  async function startChild(stateDir: string, mode = 'server', compactBytes?: number): Promise<{ child: ChildProcess; url: string }> {
    const args = [join(bundleDir, 'child.mjs'), stateDir, mode, ...(compactBytes ? [String(compactBytes)] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
    });
    return { child, url: JSON.parse(line).url };
  }

  async function kill9(child: ChildProcess): Promise<void> {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  it('loses no acknowledged write when the serving process is killed, and ignores a torn last line', async () => {
    const stateDir = tempDir();
    const { child, url } = await startChild(stateDir);
    const { s3 } = makeClients(url);
    const written = new Map<string, string>();
    await s3.send(new CreateBucketCommand({ Bucket: 'crash' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'crash', VersioningConfiguration: { Status: 'Enabled' } }));
    const versions: string[] = [];
    for (let i = 0; i < 40; i++) {
      const key = `dags/f${i % 25}.py`;
      const body = `print(${i})\n`.repeat(1 + (i % 7));
      const r = await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: key, Body: body }));
      versions.push(r.VersionId!);
      written.set(key, body);
    }
    await fetch(`${url}/_mwaa_local/clock`, { method: 'POST', body: JSON.stringify({ advanceSeconds: 600 }) });
    s3.destroy();
    await kill9(child);
    expect(readOwnerStatus(stateDir).state).toBe('stale');
    // a torn line at the end, as if the process had died in the middle of a write
    appendFileSync(stateFiles(stateDir).journal, '{"q":99999,"s":"s3","o":"putVersion","d":{"bucket":"cra');

    const em = await startEmulator({ stateDir }); // takes over the dead owner
    const c = makeClients(em.url);
    try {
      for (const [key, body] of written) {
        const g = await c.s3.send(new GetObjectCommand({ Bucket: 'crash', Key: key }));
        expect(await g.Body!.transformToString()).toBe(body);
      }
      const listed = await c.s3.send(new ListObjectVersionsCommand({ Bucket: 'crash' }));
      expect(new Set(listed.Versions!.map((v) => v.VersionId))).toEqual(new Set(versions));
      const clock = await (await fetch(`${em.url}/_mwaa_local/clock`)).json();
      expect((clock as { offsetMs: number }).offsetMs).toBe(600_000);
    } finally {
      c.s3.destroy();
      await em.close();
    }
  });

  it('loses no acknowledged write when killed in the middle of a background compaction', async () => {
    const stateDir = tempDir();
    const acked = new Map<string, string>();
    const metadata = { pad: 'm'.repeat(1500) };
    let n = 0;
    let caught = false;
    // kill -9 as soon as the snapshot's temp file shows that a compaction runs; that it was still running
    // when the process died shows in the files it left (a restart in between replays and compacts them)
    const compacting = (): boolean => readdirSync(join(stateDir, 'tmp')).some((f) => f.startsWith('snapshot-'));
    for (let attempt = 0; attempt < 5 && !caught; attempt++) {
      const { child, url } = await startChild(stateDir, 'server', 100_000);
      const { s3 } = makeClients(url);
      if (attempt === 0) await s3.send(new CreateBucketCommand({ Bucket: 'mid' }));
      let killed = false;
      const writer = async (): Promise<void> => {
        while (!killed) {
          const key = `k${n++}`;
          try {
            await s3.send(new PutObjectCommand({ Bucket: 'mid', Key: key, Body: `body of ${key}`, Metadata: metadata }));
          } catch (e) {
            if (killed) return;
            throw e;
          }
          acked.set(key, `body of ${key}`);
          if (!killed && compacting()) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      };
      const exited = new Promise((r) => child.once('exit', r));
      await Promise.all(Array.from({ length: 8 }, writer));
      await exited;
      s3.destroy();
      caught = compacting();
    }
    expect(caught).toBe(true);

    const em = await startEmulator({ stateDir });
    const c = makeClients(em.url);
    try {
      const listed = new Set<string>();
      let token: string | undefined;
      do {
        const page = await c.s3.send(new ListObjectsV2Command({ Bucket: 'mid', ContinuationToken: token }));
        for (const o of page.Contents ?? []) listed.add(o.Key!);
        token = page.NextContinuationToken;
      } while (token);
      for (const key of acked.keys()) expect(listed.has(key), key).toBe(true);
      const last = [...acked.keys()].at(-1)!;
      const g = await c.s3.send(new GetObjectCommand({ Bucket: 'mid', Key: last }));
      expect(await g.Body!.transformToString()).toBe(acked.get(last));
      expect(g.Metadata).toEqual(metadata);
    } finally {
      c.s3.destroy();
      await em.close();
    }
  });

  it('a --local run reuses a live `mwaa local start` server in another process', async () => {
    const stateDir = tempDir();
    const { child, url } = await startChild(stateDir, 'server');
    const conn = await connectOrStartEmbedded({ stateDir });
    expect(conn).toMatchObject({ url, embedded: false });
    await conn.close(); // a no-op for a reused server
    expect((await fetch(`${url}/_mwaa_local/health`)).status).toBe(200);
    await kill9(child);
    // once it is gone, the next run starts its own embedded instance over the same state
    const again = await connectOrStartEmbedded({ stateDir });
    expect(again.embedded).toBe(true);
    expect(again.url).not.toBe(url);
    await again.close();
    expect(readOwnerStatus(stateDir).state).toBe('free');
  });
});

describe('ownership', () => {
  it('refuses a second owner while the first is live', async () => {
    const stateDir = tempDir();
    const em = await startEmulator({ stateDir, mode: 'server' });
    try {
      await expect(startEmulator({ stateDir, mode: 'embedded' })).rejects.toBeInstanceOf(EmulatorBusyError);
      const status = readOwnerStatus(stateDir);
      expect(status).toMatchObject({ state: 'live', owner: { pid: process.pid, mode: 'server', url: em.url } });
    } finally {
      await em.close();
    }
    expect(readOwnerStatus(stateDir).state).toBe('free');
  });

  it('a second embedded start waits for the first embedded owner to finish', async () => {
    const stateDir = tempDir();
    const first = await connectOrStartEmbedded({ stateDir });
    expect(first.embedded).toBe(true);
    const { s3 } = makeClients(first.url);
    await s3.send(new CreateBucketCommand({ Bucket: 'shared' }));
    await s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'k', Body: 'from first' }));
    s3.destroy();
    let closedAt = 0;
    setTimeout(() => {
      closedAt = Date.now();
      void first.close();
    }, 300);
    const second = await connectOrStartEmbedded({ stateDir, pollMs: 20 });
    const startedAt = Date.now();
    try {
      expect(closedAt).toBeGreaterThan(0);
      expect(startedAt).toBeGreaterThanOrEqual(closedAt);
      expect(second.embedded).toBe(true);
      const c = makeClients(second.url);
      const g = await c.s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'k' }));
      expect(await g.Body!.transformToString()).toBe('from first');
      c.s3.destroy();
    } finally {
      await second.close();
    }
  });

  it('gives up waiting for an embedded owner that does not finish', async () => {
    const stateDir = tempDir();
    const first = await startEmulator({ stateDir, mode: 'embedded' });
    try {
      await expect(connectOrStartEmbedded({ stateDir, waitMs: 250, pollMs: 20 })).rejects.toThrow(/in use by process/);
    } finally {
      await first.close();
    }
  });

  it('does not reuse a live server whose health check does not answer {"ok": true}; it waits for it, then gives up', async () => {
    // a live owner (the process that started this test's worker) whose URL answers, but not as an emulator does
    const answers = ['500 {"ok": true}', '200 not json', '200 {"ok": false}'];
    for (const answer of answers) {
      const [status, body] = [Number(answer.slice(0, 3)), answer.slice(4)];
      const server = createServer((_req, res) => res.writeHead(status).end(body));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const stateDir = tempDir();
      writeFileSync(
        stateFiles(stateDir).owner,
        JSON.stringify({
          pid: process.ppid,
          mode: 'server',
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          startedAt: 'x',
          hostname: hostname(),
          id: 'not-an-emulator',
        }),
      );
      try {
        expect(readOwnerStatus(stateDir).state, answer).toBe('live');
        await expect(connectOrStartEmbedded({ stateDir, waitMs: 100, pollMs: 20 }), answer).rejects.toBeInstanceOf(EmulatorBusyError);
      } finally {
        await new Promise((r) => server.close(r));
      }
    }
  });

  it('takes over an owner file left by a dead process', async () => {
    const stateDir = tempDir();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    writeFileSync(
      stateFiles(stateDir).owner,
      JSON.stringify({
        pid: dead.pid,
        mode: 'server',
        url: 'http://127.0.0.1:1',
        startedAt: 'x',
        hostname: (await import('node:os')).hostname(),
        id: 'dead',
      }),
    );
    expect(readOwnerStatus(stateDir).state).toBe('stale');
    const conn = await connectOrStartEmbedded({ stateDir, waitMs: 1000 });
    expect(conn.embedded).toBe(true);
    expect(readOwnerStatus(stateDir)).toMatchObject({ state: 'live', owner: { pid: process.pid, mode: 'embedded' } });
    await conn.close();
  });
});
