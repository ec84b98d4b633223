/**
 * Release records and the tool state kept in the source bucket under `.mwaa/` (outside the DAGs folder,
 * so MWAA never syncs it):
 *
 *   .mwaa/lock.json                 the deploy lock (lock.ts)
 *   .mwaa/releases/<id>.json        one release record per push or rollback (hashes and version ids only)
 *   .mwaa/releases/index.json       summaries of every release and the current release per environment
 *
 * A record is written with status `in-progress` before the first mutation (the journal: every key the
 * release will touch with its previous latest version, and the environment's pinned versions before),
 * then marked `succeeded`, `rolled-back` or `rollback-incomplete`. A record is NDJSON (docs/deploy.md,
 * "Release records"): a header line, then a line per DAG file, journal key and changed key.
 */
import { randomBytes } from 'node:crypto';
import type { S3Api } from '../ports/s3.js';
import { FailedError, NotFoundError, UsageError } from '../errors.js';

export const STATE_PREFIX = '.mwaa/';
export const LOCK_KEY = '.mwaa/lock.json';
export const INDEX_KEY = '.mwaa/releases/index.json';
export const releaseKey = (id: string): string => `.mwaa/releases/${id}.json`;

export type ArtifactKind = 'plugins' | 'requirements' | 'startupScript';
export const ARTIFACT_KINDS: readonly ArtifactKind[] = ['plugins', 'requirements', 'startupScript'];

/** The GetEnvironment/UpdateEnvironment fields of each artifact and its default key in the bucket. */
export const ARTIFACT_FIELDS: Record<
  ArtifactKind,
  {
    path: 'PluginsS3Path' | 'RequirementsS3Path' | 'StartupScriptS3Path';
    version: 'PluginsS3ObjectVersion' | 'RequirementsS3ObjectVersion' | 'StartupScriptS3ObjectVersion';
    defaultKey: string;
    label: string;
  }
> = {
  plugins: { path: 'PluginsS3Path', version: 'PluginsS3ObjectVersion', defaultKey: 'plugins.zip', label: 'plugins.zip' },
  requirements: {
    path: 'RequirementsS3Path',
    version: 'RequirementsS3ObjectVersion',
    defaultKey: 'requirements.txt',
    label: 'requirements.txt',
  },
  startupScript: {
    path: 'StartupScriptS3Path',
    version: 'StartupScriptS3ObjectVersion',
    defaultKey: 'startup.sh',
    label: 'startup script',
  },
};

/** An object as a release left it. */
export interface ObjectState {
  versionId: string;
  sha256: string;
  etag: string;
  size: number;
}

/** The latest version of a key before the release touched it: a version, a delete marker, or nothing. */
export interface PrevVersion {
  /** null: the key had no version at all */
  versionId: string | null;
  deleteMarker?: boolean;
}

/** What the environment pinned for an artifact. */
export interface Pin {
  path?: string;
  version?: string;
}

export interface Journal {
  /** every S3 key this release may change, with its latest version before */
  keys: Record<string, PrevVersion>;
  /** the environment's pins before, for the artifacts this release re-pins */
  pins: Partial<Record<ArtifactKind, Pin>>;
  /** the bucket key of each artifact the release re-pins */
  artifactKeys?: Partial<Record<ArtifactKind, string>>;
  /** the release calls UpdateEnvironment */
  envUpdate: boolean;
}

export type ReleaseStatus = 'in-progress' | 'succeeded' | 'rolled-back' | 'rollback-incomplete';

export interface GitInfo {
  commit: string;
  branch?: string;
  author?: string;
  dirty?: boolean;
}

export interface Actor {
  user: string;
  host: string;
  pid: number;
}

export interface ReleaseCounts {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

export interface ReleaseRecord {
  /** 2: stored as NDJSON; 1: one JSON document (records written before, still read) */
  schema: 1 | 2;
  id: string;
  kind: 'push' | 'rollback';
  status: ReleaseStatus;
  /** MWAA environment name */
  environment: string;
  bucket: string;
  /** e.g. "dags/" */
  dagPrefix: string;
  startedAt: string;
  finishedAt?: string;
  message?: string;
  git?: GitInfo;
  actor: Actor;
  /** the current release when this one started */
  base?: string;
  /** rollback: the release whose state it restores */
  target?: string;
  counts: ReleaseCounts;
  /** added/changed/removed keys */
  changes: { added: string[]; changed: string[]; removed: string[] };
  envUpdate: { needed: boolean; reasons: string[] };
  journal: Journal;
  /** every DAG key with its version, sha256 and ETag (complete once succeeded) */
  dags: Record<string, ObjectState>;
  /** the artifacts the environment pins after this release (complete once succeeded) */
  artifacts: Partial<Record<ArtifactKind, ObjectState & { key: string }>>;
  durations: Record<string, number>;
  /** why it was rolled back */
  reason?: string;
  /** what a failed rollback left */
  left?: string[];
}

export interface ReleaseSummary {
  id: string;
  kind: 'push' | 'rollback';
  status: ReleaseStatus;
  environment: string;
  startedAt: string;
  finishedAt?: string;
  message?: string;
  commit?: string;
  counts: ReleaseCounts;
  envUpdate: boolean;
  target?: string;
  reason?: string;
}

export interface ReleaseIndex {
  schema: 1;
  /** environment name -> current release id */
  current: Record<string, string>;
  /** oldest first */
  releases: ReleaseSummary[];
}

/** A release record's entry for a DAG key (own keys only: a DAG file may be called `constructor`). */
export function recordedEntry(record: Pick<ReleaseRecord, 'dags'> | undefined, key: string): ObjectState | undefined {
  return record && Object.hasOwn(record.dags, key) ? record.dags[key] : undefined;
}

export function summarize(r: ReleaseRecord): ReleaseSummary {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    environment: r.environment,
    startedAt: r.startedAt,
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    ...(r.message ? { message: r.message } : {}),
    ...(r.git?.commit ? { commit: r.git.commit } : {}),
    counts: r.counts,
    envUpdate: r.envUpdate.needed,
    ...(r.target ? { target: r.target } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
  };
}

/** A new release id: sortable by time, unique enough (e.g. 20260301-120501-3fa9). */
export function newReleaseId(now: number): string {
  const iso = new Date(now).toISOString(); // 2026-03-01T12:05:01.123Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${randomBytes(2).toString('hex')}`;
}

function corrupt(what: string, cause: unknown): FailedError {
  return new FailedError('deploy.state-corrupt', `${what} is not valid JSON`, {
    cause,
    hint: `inspect it with \`aws s3 cp s3://…/${what} -\`; remove it only if you know it is garbage`,
  });
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw corrupt(what, cause);
  }
}

function parseIndex(text: string): ReleaseIndex {
  const index = parseJson<ReleaseIndex>(text, INDEX_KEY);
  return { schema: 1, current: index.current ?? {}, releases: index.releases ?? [] };
}

/** The lines of a record after its header: one per DAG file, journal key and changed key. */
type RecordLine =
  | ({ dag: string } & ObjectState)
  | ({ journal: string } & PrevVersion)
  | { added: string }
  | { changed: string }
  | { removed: string };

/**
 * A record as stored: NDJSON, a header line (every field but the per-key lists) and a line per key.
 * The lines are made twice, once to measure and once to write, so that the record exists as one buffer
 * and never also as its pieces (a first push of 20,000 files has 60,000 lines, about 6 MB).
 */
export function encodeRecord(record: ReleaseRecord): Buffer {
  let size = 0;
  eachRecordLine(record, (line) => {
    size += Buffer.byteLength(line) + 1;
  });
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  eachRecordLine(record, (line) => {
    at += out.write(line, at);
    out[at++] = 0x0a;
  });
  return out;
}

function eachRecordLine(record: ReleaseRecord, emit: (line: string) => void): void {
  const { dags, changes, journal, ...rest } = record;
  const { keys, ...journalRest } = journal;
  const count =
    Object.keys(dags).length + Object.keys(keys).length + changes.added.length + changes.changed.length + changes.removed.length;
  // `lines`: how many lines follow, so that a record cut at a line's end is not taken for a whole one
  emit(JSON.stringify({ ...rest, schema: 2, lines: count, journal: journalRest }));
  const line = (value: RecordLine) => emit(JSON.stringify(value));
  for (const key of Object.keys(dags)) line({ dag: key, ...dags[key] });
  for (const key of Object.keys(keys)) line({ journal: key, ...keys[key] });
  for (const key of changes.added) line({ added: key });
  for (const key of changes.changed) line({ changed: key });
  for (const key of changes.removed) line({ removed: key });
}

/** Sets a key of a dictionary read from JSON (a DAG file may be called `__proto__`). */
function setKey<T>(dict: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
  else dict[key] = value;
}

/**
 * Reads a stored record as its text arrives, a line at a time. NDJSON records (schema 2) are built line
 * by line; with `lean`, the journal's keys and the changed keys (what a push does not plan with) are
 * skipped unparsed. A record written before (schema 1: one JSON document, in any layout) is parsed whole.
 */
export class RecordReader {
  private pending = '';
  private record: ReleaseRecord | undefined;
  /** lines after the header: announced by it, and seen */
  private announced = 0;
  private seen = 0;
  /** the text of a schema-1 record, parsed whole at the end */
  private legacy: string[] | undefined;

  constructor(private readonly options: { lean?: boolean } = {}) {}

  push(text: string): void {
    if (this.legacy) {
      this.legacy.push(text);
      return;
    }
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = this.pending + text.slice(start, nl);
      this.pending = '';
      start = nl + 1;
      this.line(line);
      if (this.legacy) {
        (this.legacy as string[]).push(text.slice(start));
        return;
      }
    }
    this.pending += text.slice(start);
  }

  private line(line: string): void {
    if (line === '') return;
    if (!this.record) {
      const header = firstLine(line);
      if (header?.schema !== 2) {
        this.legacy = [line, '\n'];
        return;
      }
      const { lines, ...fields } = header as ReleaseRecord & { lines?: number };
      this.announced = lines ?? 0;
      this.record = { ...fields, dags: {}, changes: { added: [], changed: [], removed: [] }, journal: { ...fields.journal, keys: {} } };
      return;
    }
    const r = this.record;
    this.seen++;
    if (this.options.lean && !line.startsWith('{"dag":')) return;
    const entry = JSON.parse(line) as RecordLine;
    if ('dag' in entry) {
      const { dag, ...state } = entry;
      setKey(r.dags, dag, state);
    } else if ('journal' in entry) {
      const { journal, ...prev } = entry;
      setKey(r.journal.keys, journal, prev);
    } else if ('added' in entry) r.changes.added.push(entry.added);
    else if ('changed' in entry) r.changes.changed.push(entry.changed);
    else if ('removed' in entry) r.changes.removed.push(entry.removed);
    else throw new Error('a line that is no DAG file, journal key or changed key');
  }

  end(): ReleaseRecord {
    if (!this.legacy && this.pending) {
      const last = this.pending;
      this.pending = '';
      this.line(last);
    }
    if (this.legacy) {
      this.legacy.push(this.pending);
      const record = JSON.parse(this.legacy.join('')) as ReleaseRecord;
      if (this.options.lean)
        return { ...record, changes: { added: [], changed: [], removed: [] }, journal: { ...record.journal, keys: {} } };
      return record;
    }
    if (!this.record) throw new Error('the record is empty');
    if (this.seen !== this.announced) throw new Error(`the record has ${this.seen} of its ${this.announced} lines`);
    return this.record;
  }
}

/** The header of an NDJSON record, or undefined when the first line is not one (a schema-1 record). */
function firstLine(line: string): ReleaseRecord | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as ReleaseRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads and writes the `.mwaa/` state of one bucket. */
export class ReleaseStore {
  constructor(
    readonly s3: S3Api,
    readonly bucket: string,
  ) {}

  async readIndex(): Promise<ReleaseIndex> {
    return (await this.readIndexTagged()).index;
  }

  /** The index and its ETag (none when there is no index yet). */
  async readIndexTagged(): Promise<{ index: ReleaseIndex; etag?: string }> {
    const got = await this.s3.getTextTagged(this.bucket, INDEX_KEY);
    if (got === undefined || got === 'not-modified') return { index: { schema: 1, current: {}, releases: [] } };
    return { index: parseIndex(got.text), etag: got.etag };
  }

  /**
   * The index if it changed since the read that gave `etag` (one conditional GET), else undefined.
   * Every release record is written before the index that names it, so an unchanged index means
   * unchanged release state.
   */
  async indexIfChanged(etag: string | undefined): Promise<ReleaseIndex | undefined> {
    const got = await this.s3.getTextTagged(this.bucket, INDEX_KEY, etag ? { ifNoneMatch: etag } : {});
    if (got === 'not-modified') return undefined;
    if (got === undefined) return etag ? { schema: 1, current: {}, releases: [] } : undefined;
    return parseIndex(got.text);
  }

  async writeIndex(index: ReleaseIndex): Promise<void> {
    await this.s3.putObject(this.bucket, INDEX_KEY, Buffer.from(`${JSON.stringify(index)}\n`), { contentType: 'application/json' });
  }

  /** A release record; `lean`: without the journal's keys and the changed keys (what a push plans with). */
  async read(id: string, options: { lean?: boolean } = {}): Promise<ReleaseRecord | undefined> {
    const reader = new RecordReader(options);
    let bad: unknown;
    const found = await this.s3.readText(this.bucket, releaseKey(id), (text) => {
      if (bad !== undefined) return;
      try {
        reader.push(text);
      } catch (error) {
        bad = error;
      }
    });
    if (!found) return undefined;
    try {
      if (bad !== undefined) throw bad;
      return reader.end();
    } catch (cause) {
      throw corrupt(releaseKey(id), cause);
    }
  }

  async write(record: ReleaseRecord): Promise<void> {
    // one buffer: the SDK sends it with its checksum and retries it like any other upload
    await this.s3.putObject(this.bucket, releaseKey(record.id), encodeRecord(record), { contentType: 'application/x-ndjson' });
  }

  /** Writes the record and its summary into the index (and makes it current when asked). */
  async save(record: ReleaseRecord, options: { makeCurrent?: boolean; index?: ReleaseIndex } = {}): Promise<ReleaseIndex> {
    await this.write(record);
    const index = options.index ?? (await this.readIndex());
    const summary = summarize(record);
    const at = index.releases.findIndex((r) => r.id === record.id);
    if (at >= 0) index.releases[at] = summary;
    else index.releases.push(summary);
    if (options.makeCurrent) index.current[record.environment] = record.id;
    await this.writeIndex(index);
    return index;
  }
}

/** Releases of one environment, oldest first. */
export function releasesOf(index: ReleaseIndex, environment: string): ReleaseSummary[] {
  return index.releases.filter((r) => r.environment === environment);
}

/** Finds a release by id, unique prefix, or the words `current` / `previous`. */
export function resolveReleaseId(index: ReleaseIndex, environment: string, wanted: string): string {
  const mine = releasesOf(index, environment);
  const current = index.current[environment];
  if (wanted === 'current') {
    if (!current)
      throw new NotFoundError(`environment ${environment} has no current release yet`, {
        code: 'release.not-found',
        hint: 'deploy one with `mwaa dags push`',
      });
    return current;
  }
  if (wanted === 'previous') {
    const prev = previousRelease(index, environment);
    if (!prev)
      throw new NotFoundError(
        `environment ${environment} has no succeeded release before the current one${current ? ` (${current})` : ''}`,
        { code: 'release.not-found', hint: 'list them with `mwaa releases list`' },
      );
    return prev;
  }
  const exact = mine.find((r) => r.id === wanted);
  if (exact) return exact.id;
  const matches = mine.filter((r) => r.id.startsWith(wanted));
  if (matches.length === 1) return matches[0].id;
  if (matches.length > 1) {
    throw new UsageError(
      `release id "${wanted}" is ambiguous: ${matches
        .slice(0, 5)
        .map((r) => r.id)
        .join(', ')}`,
      {
        code: 'release.ambiguous',
        hint: 'give more characters of the id',
      },
    );
  }
  throw new NotFoundError(`no release "${wanted}" for environment ${environment}`, {
    code: 'release.not-found',
    hint: 'list them with `mwaa releases list`',
  });
}

/**
 * The succeeded release before the current one (what `mwaa rollback previous` restores). When the
 * current release is itself a rollback, "before" counts from the release it restored, so repeated
 * rollbacks walk back through history instead of undoing each other.
 */
export function previousRelease(index: ReleaseIndex, environment: string): string | undefined {
  let current = index.current[environment];
  if (!current) return undefined;
  const done = releasesOf(index, environment).filter((r) => r.status === 'succeeded');
  for (let guard = 0; guard < done.length; guard++) {
    const rec = done.find((r) => r.id === current);
    if (rec?.kind !== 'rollback' || !rec.target) break;
    current = rec.target;
  }
  const at = done.findIndex((r) => r.id === current);
  if (at <= 0) return undefined;
  return done[at - 1].id;
}

/** Releases left unfinished (a crash, or a rollback that could not complete). */
export function unfinishedReleases(index: ReleaseIndex, environment: string): ReleaseSummary[] {
  return releasesOf(index, environment).filter((r) => r.status === 'in-progress' || r.status === 'rollback-incomplete');
}
