/**
 * Persistence of the emulator's world in a state directory, and ownership of that directory.
 *
 * Layout of <stateDir>:
 *   journal.ndjson   append-only journal, one JSON record per line: {"q":seq,"s":store,"o":op,"d":data}
 *   journal.<n>.ndjson  a sealed journal segment (its last record is n), being compacted into a snapshot
 *   snapshot.json    last compaction: {"format":1,"seq":n,"stores":{name: store.snapshot()}}
 *   blobs/ab/<sha>   content-addressed object bodies (sha256 hex), written to tmp/ then renamed
 *   tmp/             temporary files (cleaned on start)
 *   owner.json       the process serving this directory: {pid, mode, url, startedAt, hostname, id}
 *
 * Durability: a journal record is written with one appendFileSync() on a file opened in append mode,
 * before the mutation is applied and the response sent, so a kill -9 of the process never loses an
 * acknowledged write (the data is in the kernel once write(2) returns; we do not fsync every record, so
 * a power cut may lose the last records — the same trade-off as Redis' default AOF policy).
 *
 * Rebuild: restore(snapshot) of every store, then replay() of every record with q > snapshot.seq, from
 * the sealed segments (oldest first) and then journal.ndjson. Skipping q <= snapshot.seq is what makes
 * every crash point of a compaction harmless: a record is never applied twice, and a segment is only
 * deleted once a snapshot that covers it has been renamed into place.
 * A torn last line (the process died mid-write) is dropped and cut off the file; a corrupt line in the
 * middle of the journal is an error that names the file and line (the state is not silently changed).
 *
 * Compaction writes a new snapshot (temp + fsync + rename) and drops the journal records it covers.
 * - compact() does it synchronously; close() uses it (no request is served any more then).
 * - compactInBackground() is what runs while serving, when the journal grows past `compactBytes`:
 *   synchronously it only takes every store's snapshot() (a copy that later mutations leave alone, see
 *   PersistentStore) and seals journal.ndjson as journal.<seq>.ndjson, so new records go to a fresh
 *   journal.ndjson; the JSON text is then written a few milliseconds at a time between requests
 *   (json-slices.ts), fsynced off the event loop, renamed into place, and the sealed segments deleted.
 *   close() abandons a running one (its temp file is never renamed) and compacts synchronously.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { BlobStore, Persist, PersistentStore } from './contract.js';
import { writeJsonInSlices } from './json-slices.js';

export const SNAPSHOT_FORMAT = 1;
const DEFAULT_COMPACT_BYTES = 32 * 1024 * 1024;
/**
 * Snapshot serialisation works SLICE_MS, then leaves the event loop to requests for as long: requests
 * come first (the compaction may take twice as long; nothing waits for it).
 */
const SLICE_MS = 2;

export class StateCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateCorruptError';
  }
}

export interface LocalBlobStore extends BlobStore {
  has(id: string): boolean;
  /** the file holding the blob (for streaming) */
  path(id: string): string;
}

export interface StateDir {
  readonly dir: string;
  readonly persist: Persist & { blobs: LocalBlobStore };
  /** Rebuilds the stores: restore(snapshot) then replay(journal). Call once, before serving. */
  load(stores: PersistentStore[]): LoadReport;
  /** Writes a snapshot of every store and empties the journal, synchronously (abandons a background one). */
  compact(): void;
  /**
   * Starts a compaction that requests do not wait for (see the top of this file), unless one is running;
   * resolves when it has finished or was abandoned. With `autoCompact`, the state directory starts one
   * itself once the journal passes `compactBytes`.
   */
  compactInBackground(): Promise<void>;
  /** whether a background compaction is running */
  compacting(): boolean;
  /** how many background compactions have finished (diagnostics) */
  compactions(): number;
  needsCompaction(): boolean;
  journalBytes(): number;
  /** Compacts (unless told not to) and closes the journal. */
  close(opts?: { compact?: boolean }): void;
}

export interface LoadReport {
  snapshotSeq: number;
  replayed: number;
  /** bytes of a torn last journal line that were dropped (0 when the journal ended cleanly) */
  tornBytes: number;
}

interface JournalRecord {
  q: number;
  s: string;
  o: string;
  d: unknown;
}

export function openStateDir(dir: string, opts: { compactBytes?: number; autoCompact?: boolean } = {}): StateDir {
  const compactBytes = opts.compactBytes ?? DEFAULT_COMPACT_BYTES;
  mkdirSync(join(dir, 'blobs'), { recursive: true });
  const tmpDir = join(dir, 'tmp');
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  const journalPath = join(dir, 'journal.ndjson');
  const snapshotPath = join(dir, 'snapshot.json');

  let fd: number | undefined;
  let seq = 0;
  /** bytes of journal.ndjson */
  let bytes = 0;
  /** bytes of the sealed segments that no finished compaction has covered yet */
  let sealedBytes = 0;
  let replaying = false;
  let loaded = false;
  let closed = false;
  let stores: PersistentStore[] = [];
  /** snapshot sections of stores that are not registered in this process: carried over verbatim */
  const foreignSections: Record<string, unknown> = {};
  /** the running background compaction */
  let job: { abandoned: boolean; done: Promise<void> } | undefined;
  let jobScheduled = false;
  let finished = 0;

  const blobs = createBlobStore(join(dir, 'blobs'), tmpDir);

  const persist: Persist & { blobs: LocalBlobStore } = {
    blobs,
    append(store: string, op: string, data: unknown): void {
      if (closed) throw new Error('state directory is closed');
      if (replaying) throw new Error(`persist.append(${store}, ${op}) called during replay: replay() must not journal`);
      if (!loaded) throw new Error(`persist.append(${store}, ${op}) before the state was loaded`);
      const record: JournalRecord = { q: seq + 1, s: store, o: op, d: data };
      const line = `${JSON.stringify(record)}\n`;
      appendFileSync(fd!, line);
      seq++;
      bytes += Buffer.byteLength(line);
      // every append is applied in the same synchronous step (contract.ts), so on the next turn the
      // stores hold every record up to `seq`: the moment a background compaction may start
      if (opts.autoCompact && !jobScheduled && needsCompaction()) {
        jobScheduled = true;
        setImmediate(() => {
          jobScheduled = false;
          if (!needsCompaction()) return;
          // a failed compaction (disk full, ...) leaves the segments to replay; the next append retries
          Promise.resolve()
            .then(compactInBackground)
            .catch(() => undefined);
        });
      }
    },
  };

  function needsCompaction(): boolean {
    return loaded && !closed && !job && bytes + sealedBytes > compactBytes;
  }

  /** Sealed segments, oldest first: journal.<n>.ndjson holds records up to n. */
  function segments(): Array<{ path: string; last: number }> {
    const out: Array<{ path: string; last: number }> = [];
    for (const f of readdirSync(dir)) {
      const m = /^journal\.(\d+)\.ndjson$/.exec(f);
      if (m) out.push({ path: join(dir, f), last: Number(m[1]) });
    }
    return out.sort((a, b) => a.last - b.last);
  }

  function dropSegments(upTo: number): void {
    for (const s of segments()) if (s.last <= upTo) rmSync(s.path, { force: true });
  }

  function load(list: PersistentStore[]): LoadReport {
    if (loaded) throw new Error('state already loaded');
    stores = list;
    const byName = new Map<string, PersistentStore>();
    for (const s of list) {
      if (byName.has(s.name)) throw new Error(`two stores named ${s.name}`);
      byName.set(s.name, s);
    }

    let snapshotSeq = 0;
    if (existsSync(snapshotPath)) {
      let snap: { format?: unknown; seq?: unknown; stores?: unknown };
      try {
        snap = JSON.parse(readFileSync(snapshotPath, 'utf8'));
      } catch (e) {
        throw new StateCorruptError(`${snapshotPath} is not valid JSON (${(e as Error).message})`);
      }
      if (snap.format !== SNAPSHOT_FORMAT) {
        throw new StateCorruptError(`${snapshotPath} has format ${String(snap.format)}; this version reads format ${SNAPSHOT_FORMAT}`);
      }
      snapshotSeq = typeof snap.seq === 'number' ? snap.seq : 0;
      const sections = (snap.stores ?? {}) as Record<string, unknown>;
      for (const [name, section] of Object.entries(sections)) {
        const store = byName.get(name);
        if (store) {
          try {
            store.restore(section);
          } catch (e) {
            throw new StateCorruptError(`cannot restore store "${name}" from ${snapshotPath}: ${(e as Error).message}`);
          }
        } else {
          foreignSections[name] = section;
        }
      }
    }
    seq = snapshotSeq;

    // a segment left by a compaction that did not finish (crash, close) is replayed before the journal
    dropSegments(snapshotSeq);
    let replayed = 0;
    replaying = true;
    try {
      for (const segment of segments()) {
        replayed += replayFile(segment.path, snapshotSeq, byName).replayed;
        sealedBytes += statSync(segment.path).size;
      }
      const journal = existsSync(journalPath) ? replayFile(journalPath, snapshotSeq, byName) : { replayed: 0, tornBytes: 0, goodLength: 0 };
      replayed += journal.replayed;
      fd = openSync(journalPath, 'a');
      if (journal.tornBytes > 0) ftruncateSync(fd, journal.goodLength);
      bytes = fstatSync(fd).size;
      loaded = true;
      return { snapshotSeq, replayed, tornBytes: journal.tornBytes };
    } finally {
      replaying = false;
    }
  }

  /** Replays the records of one journal file that the snapshot does not hold; advances `seq`. */
  function replayFile(
    path: string,
    snapshotSeq: number,
    byName: Map<string, PersistentStore>,
  ): { replayed: number; tornBytes: number; goodLength: number } {
    const buf = readFileSync(path);
    let replayed = 0;
    let tornBytes = 0;
    let goodLength = 0;
    let start = 0;
    let lineNo = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) {
        // unterminated last line: the process died mid-write; the write was never acknowledged.
        tornBytes = buf.length - start;
        break;
      }
      lineNo++;
      const text = buf.toString('utf8', start, nl);
      let rec: JournalRecord | undefined;
      try {
        rec = JSON.parse(text) as JournalRecord;
      } catch {
        rec = undefined;
      }
      if (!rec || typeof rec.q !== 'number' || typeof rec.s !== 'string' || typeof rec.o !== 'string') {
        const rest = buf
          .subarray(nl + 1)
          .toString('utf8')
          .trim();
        if (rest.length === 0) {
          tornBytes = buf.length - start;
          break;
        }
        throw new StateCorruptError(`${path} line ${lineNo} is corrupt (not a journal record) and is not the last line`);
      }
      if (rec.q > snapshotSeq) {
        const store = byName.get(rec.s);
        if (!store) throw new StateCorruptError(`${path} line ${lineNo}: record for unknown store "${rec.s}"`);
        try {
          store.replay(rec.o, rec.d);
        } catch (e) {
          throw new StateCorruptError(`${path} line ${lineNo}: store "${rec.s}" cannot replay "${rec.o}": ${(e as Error).message}`);
        }
        replayed++;
      }
      if (rec.q > seq) seq = rec.q;
      start = nl + 1;
      goodLength = start;
    }
    return { replayed, tornBytes, goodLength };
  }

  /** The snapshot file's content as of record `seq`: every store's snapshot(), plus foreign sections. */
  function snapshotOf(): { format: number; seq: number; savedAt: string; stores: Record<string, unknown> } {
    const sections: Record<string, unknown> = { ...foreignSections };
    for (const s of stores) sections[s.name] = s.snapshot();
    return { format: SNAPSHOT_FORMAT, seq, savedAt: new Date().toISOString(), stores: sections };
  }

  const tmpSnapshotPath = (): string => join(tmpDir, `snapshot-${process.pid}-${randomBytes(4).toString('hex')}.json`);

  function compact(): void {
    if (!loaded || closed) return;
    abandonJob();
    const text = JSON.stringify(snapshotOf());
    const tmp = tmpSnapshotPath();
    const tfd = openSync(tmp, 'w');
    try {
      writeSync(tfd, text);
      fsyncSync(tfd);
    } finally {
      closeSync(tfd);
    }
    renameSync(tmp, snapshotPath);
    // Records up to `seq` are in the snapshot now; a crash before these deletions only means they are
    // skipped on replay (q <= snapshot.seq).
    dropSegments(seq);
    sealedBytes = 0;
    ftruncateSync(fd!, 0);
    bytes = 0;
  }

  function abandonJob(): void {
    if (!job) return;
    // its temp file is never renamed into place: it checks `abandoned` right before the rename
    job.abandoned = true;
    job = undefined;
  }

  function compactInBackground(): Promise<void> {
    if (job) return job.done;
    if (!loaded || closed || bytes + sealedBytes === 0) return Promise.resolve();
    // 1. synchronously: the stores' state as of `seq`, and a fresh journal for the records after it
    const content = snapshotOf();
    const upTo = seq;
    if (bytes > 0) {
      const segment = join(dir, `journal.${upTo}.ndjson`);
      renameSync(journalPath, segment); // the open fd now names the segment
      try {
        const next = openSync(journalPath, 'a');
        closeSync(fd!);
        fd = next;
      } catch (e) {
        renameSync(segment, journalPath);
        throw e;
      }
      sealedBytes += bytes;
      bytes = 0;
    }
    // 2. between requests: the JSON text, fsync, rename; then the segments it covers go
    const self = { abandoned: false, done: Promise.resolve() };
    self.done = (async () => {
      const tmp = tmpSnapshotPath();
      const file = await open(tmp, 'w');
      let complete = false;
      try {
        complete = await writeJsonInSlices(file, content, { sliceMs: SLICE_MS, pauseMs: SLICE_MS, stop: () => self.abandoned });
        if (complete) await file.sync();
      } finally {
        await file.close();
      }
      // no await between this check and the rename: close() cannot slip in between
      if (!complete || self.abandoned) {
        rmSync(tmp, { force: true });
        return;
      }
      // Freeing the blocks of a file takes the kernel milliseconds per tens of MB, in the call that drops
      // its last link: the old snapshot keeps a link in tmp/ through the rename, and it and the covered
      // segments are deleted off the event loop (close() may delete the segments first: rm with force).
      const old = join(tmpDir, `old-${randomBytes(4).toString('hex')}.json`);
      const hadSnapshot = existsSync(snapshotPath);
      if (hadSnapshot) linkSync(snapshotPath, old);
      renameSync(tmp, snapshotPath);
      sealedBytes = 0;
      finished++;
      const covered = segments().filter((seg) => seg.last <= upTo);
      await Promise.all([...covered.map((seg) => rm(seg.path, { force: true })), ...(hadSnapshot ? [rm(old, { force: true })] : [])]);
    })().finally(() => {
      if (job === self) job = undefined;
    });
    job = self;
    return self.done;
  }

  return {
    dir,
    persist,
    load,
    compact,
    compactInBackground,
    compacting: () => job !== undefined,
    compactions: () => finished,
    needsCompaction,
    journalBytes: () => bytes,
    close(o: { compact?: boolean } = {}): void {
      if (closed) return;
      try {
        if (o.compact !== false && loaded && bytes + sealedBytes > 0) compact();
        else abandonJob();
      } finally {
        closed = true;
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      }
    },
  };
}

function createBlobStore(root: string, tmpDir: string): LocalBlobStore {
  const known = new Set<string>();
  const shards = new Set<string>();
  const pathOf = (id: string): string => {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`invalid blob id ${JSON.stringify(id)}`);
    return join(root, id.slice(0, 2), id);
  };
  return {
    put(data: Buffer): string {
      const id = createHash('sha256').update(data).digest('hex');
      if (known.has(id)) return id;
      const file = pathOf(id);
      if (!existsSync(file)) {
        const shard = id.slice(0, 2);
        if (!shards.has(shard)) {
          mkdirSync(join(root, shard), { recursive: true });
          shards.add(shard);
        }
        const tmp = join(tmpDir, `${id}.${randomBytes(4).toString('hex')}`);
        writeFileSync(tmp, data);
        renameSync(tmp, file);
      }
      known.add(id);
      return id;
    },
    get(id: string): Buffer {
      return readFileSync(pathOf(id));
    },
    has(id: string): boolean {
      return known.has(id) || existsSync(pathOf(id));
    },
    path: pathOf,
  };
}

// ---------------------------------------------------------------------------------------------------
// Ownership of the state directory
// ---------------------------------------------------------------------------------------------------

export type OwnerMode = 'server' | 'embedded';

export interface OwnerRecord {
  pid: number;
  mode: OwnerMode;
  /** base URL once listening; null while starting */
  url: string | null;
  startedAt: string;
  hostname: string;
  /** unique id of this ownership */
  id: string;
}

export type OwnerStatus = { state: 'free' } | { state: 'live'; owner: OwnerRecord } | { state: 'stale'; owner: OwnerRecord | undefined };

export interface OwnerLease {
  readonly record: OwnerRecord;
  setUrl(url: string): void;
  release(): void;
}

/** ownership ids held by this process (so a leftover file with our own pid is recognised as stale) */
const heldHere = new Set<string>();

export function ownerPath(stateDir: string): string {
  return join(stateDir, 'owner.json');
}

export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): OwnerRecord | undefined {
  try {
    const o = JSON.parse(text) as OwnerRecord;
    if (typeof o.pid !== 'number' || (o.mode !== 'server' && o.mode !== 'embedded') || typeof o.id !== 'string') return undefined;
    return o;
  } catch {
    return undefined;
  }
}

function statusOf(owner: OwnerRecord | undefined): OwnerStatus {
  // The owner file only ever appears complete (see acquireOwner), so an unreadable one is garbage.
  if (!owner) return { state: 'stale', owner: undefined };
  if (owner.hostname !== hostname()) return { state: 'live', owner }; // cannot check a pid on another host
  if (owner.pid === process.pid) return heldHere.has(owner.id) ? { state: 'live', owner } : { state: 'stale', owner };
  return isPidAlive(owner.pid) ? { state: 'live', owner } : { state: 'stale', owner };
}

export function readOwnerStatus(stateDir: string): OwnerStatus {
  const file = ownerPath(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'free' };
    throw e;
  }
  return statusOf(parseOwner(text));
}

/**
 * Takes ownership of the state directory: the owner file is created exclusively (O_EXCL); a stale owner
 * (dead pid) is taken over. Returns the live owner instead when the directory is in use.
 */
export function acquireOwner(stateDir: string, mode: OwnerMode): OwnerLease | { busy: OwnerRecord } {
  mkdirSync(stateDir, { recursive: true });
  const file = ownerPath(stateDir);
  const record: OwnerRecord = {
    pid: process.pid,
    mode,
    url: null,
    startedAt: new Date().toISOString(),
    hostname: hostname(),
    id: randomBytes(8).toString('hex'),
  };
  const tmp = `${file}.${record.id}.tmp`;
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      // The record is complete before the owner file appears: write a temp file, then link() it into
      // place, which fails with EEXIST when another process owns the directory.
      writeFileSync(tmp, `${JSON.stringify(record)}\n`);
      try {
        linkSync(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const status = readOwnerStatus(stateDir);
        if (status.state === 'live') return { busy: status.owner };
        if (status.state === 'stale') takeOverStale(stateDir, status.owner);
        continue;
      }
      heldHere.add(record.id);
      return makeLease(stateDir, record);
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* ignore */
    }
  }
  throw new Error(`could not take ownership of ${stateDir} (owner file keeps changing)`);
}

function takeOverStale(stateDir: string, seen: OwnerRecord | undefined): void {
  const file = ownerPath(stateDir);
  const moved = `${file}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(file, moved); // atomic: only one process moves a given file
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  let got: OwnerRecord | undefined;
  try {
    got = parseOwner(readFileSync(moved, 'utf8'));
  } catch {
    got = undefined;
  }
  if (got && got.id !== seen?.id && statusOf(got).state === 'live') {
    // We raced with another process that had just taken over: give its file back.
    try {
      linkSync(moved, file);
    } catch {
      /* someone else owns it now */
    }
  }
  try {
    unlinkSync(moved);
  } catch {
    /* ignore */
  }
}

function makeLease(stateDir: string, record: OwnerRecord): OwnerLease {
  const file = ownerPath(stateDir);
  let released = false;
  return {
    record,
    setUrl(url: string): void {
      record.url = url;
      const tmp = `${file}.${record.id}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(record)}\n`);
      renameSync(tmp, file);
    },
    release(): void {
      if (released) return;
      released = true;
      heldHere.delete(record.id);
      try {
        const current = parseOwner(readFileSync(file, 'utf8'));
        if (current?.id === record.id) unlinkSync(file);
      } catch {
        /* already gone */
      }
    },
  };
}

/** For tests and diagnostics: the files of a state directory. */
export function stateFiles(stateDir: string): { journal: string; snapshot: string; owner: string; blobs: string } {
  return {
    journal: join(stateDir, 'journal.ndjson'),
    snapshot: join(stateDir, 'snapshot.json'),
    owner: ownerPath(stateDir),
    blobs: join(stateDir, 'blobs'),
  };
}

/** Number of blob files (diagnostics). */
export function countBlobs(stateDir: string): number {
  const root = join(stateDir, 'blobs');
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const shard of readdirSync(root)) n += readdirSync(join(root, shard)).length;
  return n;
}
