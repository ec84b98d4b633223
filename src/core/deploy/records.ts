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
 * then marked `succeeded`, `rolled-back` or `rollback-incomplete`. Records are compact JSON: one lists
 * every DAG file.
 */
import { randomBytes } from 'node:crypto';
import type { S3Api } from '../ports/s3.js';
import { FailedError, NotFoundError, UsageError } from '../errors.js';
import { jsonBody } from '../json.js';

export const STATE_PREFIX = '.mwaa/';
export const LOCK_KEY = '.mwaa/lock.json';
export const INDEX_KEY = '.mwaa/releases/index.json';
export const releaseKey = (id: string): string => `.mwaa/releases/${id}.json`;

export type ArtifactKind = 'plugins' | 'requirements' | 'startupScript';
export const ARTIFACT_KINDS: readonly ArtifactKind[] = ['plugins', 'requirements', 'startupScript'];

/** The GetEnvironment/UpdateEnvironment fields of each artifact and its default key in the bucket. */
export const ARTIFACT_FIELDS: Record<ArtifactKind, { path: 'PluginsS3Path' | 'RequirementsS3Path' | 'StartupScriptS3Path'; version: 'PluginsS3ObjectVersion' | 'RequirementsS3ObjectVersion' | 'StartupScriptS3ObjectVersion'; defaultKey: string; label: string }> = {
  plugins: { path: 'PluginsS3Path', version: 'PluginsS3ObjectVersion', defaultKey: 'plugins.zip', label: 'plugins.zip' },
  requirements: { path: 'RequirementsS3Path', version: 'RequirementsS3ObjectVersion', defaultKey: 'requirements.txt', label: 'requirements.txt' },
  startupScript: { path: 'StartupScriptS3Path', version: 'StartupScriptS3ObjectVersion', defaultKey: 'startup.sh', label: 'startup script' },
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
  schema: 1;
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

/**
 * Parses a release record as its text arrives. ReleaseStore.write puts every member of a big object or
 * array on a line of its own, and a raw newline is never inside a JSON string: so the top-level `dags`
 * (the bulk of a record of thousands of files) is parsed a line, one file, at a time, and the text is
 * never one string of megabytes. With `lean`, the lists a push does not read (the journal's keys, the
 * changed keys) are skipped as they stream by and come out empty. The rest is parsed whole; so is a
 * record in any other layout (pretty-printed, on one line, written by hand), lean or not.
 */
export class RecordParser {
  /** the start of a line cut by the end of a piece of text */
  private pending = '';
  private lines: string[] = [];
  private count = 0;
  /** false: another layout, every line kept for one JSON.parse */
  private layout: boolean | undefined;
  /** the names of the open (walked) containers, '' for the record itself and array items */
  private stack: string[] = [];
  /** the stack joined with '.' (".dags" inside the DAG entries) */
  private path = '';
  /** depth of the container being skipped (0: none) */
  private skipping = 0;
  private dags: Record<string, ObjectState> | undefined;

  constructor(private readonly options: { lean?: boolean } = {}) {}

  push(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) {
        if (start < text.length) this.pending += text.slice(start);
        return;
      }
      const line = this.pending ? this.pending + text.slice(start, nl) : text.slice(start, nl);
      this.pending = '';
      this.line(line);
      start = nl + 1;
    }
  }

  private enter(name: string): void {
    this.stack.push(name);
    this.path = this.stack.join('.');
  }

  private leave(): void {
    this.stack.pop();
    this.path = this.stack.join('.');
  }

  /** One DAG entry line, `"<key>":{…}` and maybe a comma: the key and the entry parsed apart (no object around them). */
  private entry(line: string): void {
    let end = 1;
    while (end < line.length && line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
    if (line[0] !== '"' || line[end + 1] !== ':') throw new Error('a "dags" entry that is not "<key>":{…}');
    const key = JSON.parse(line.slice(0, end + 1)) as string;
    const entry = JSON.parse(line.slice(end + 2, line.endsWith(',') ? -1 : undefined)) as ObjectState;
    const dags = this.dags as Record<string, ObjectState>;
    if (key === '__proto__') Object.defineProperty(dags, key, { value: entry, enumerable: true, writable: true, configurable: true });
    else dags[key] = entry;
  }

  private line(line: string): void {
    this.count++;
    // the layout: "{" alone, then members each starting a line with no indentation
    if (this.count === 1) this.layout = line === '{' ? undefined : false;
    else if (this.count === 2 && this.layout === undefined) this.layout = line.startsWith('"') || line === '}';
    if (this.layout === false) {
      this.lines.push(line);
      return;
    }
    const closes = line.startsWith('}') || line.startsWith(']');
    const opens = line.endsWith('{') || line.endsWith('[');
    if (this.skipping > 0) {
      if (closes) this.leave();
      if (opens) this.enter('');
      if (closes && this.stack.length < this.skipping) {
        this.skipping = 0;
        this.lines.push(line); // "}" or "]": the container is empty
      }
      return;
    }
    const path = this.path;
    if (path === '.dags' && !closes) {
      if (opens) throw new Error('a "dags" entry over several lines');
      this.entry(line);
      return;
    }
    this.lines.push(line);
    if (closes) this.leave();
    if (!opens) return;
    const name = line.length > 1 ? (JSON.parse(line.slice(0, -2)) as string) : '';
    this.enter(name);
    const inside = `${path}.${name}`;
    if (inside === '.dags') this.dags = {};
    if (this.options.lean && (inside === '.journal.keys' || inside === '.changes.added' || inside === '.changes.changed' || inside === '.changes.removed')) {
      this.skipping = this.stack.length;
    }
  }

  end(): unknown {
    if (this.pending) this.line(this.pending);
    this.pending = '';
    if (this.layout !== false && (this.stack.length > 0 || this.skipping > 0)) throw new Error('the text ends inside the record');
    const record = JSON.parse(this.lines.join('\n')) as { dags?: unknown };
    if (this.dags) record.dags = this.dags;
    return record;
  }
}

/** Reads and writes the `.mwaa/` state of one bucket. */
export class ReleaseStore {
  constructor(
    readonly s3: S3Api,
    readonly bucket: string,
  ) {}

  async readIndex(): Promise<ReleaseIndex> {
    const data = await this.s3.getText(this.bucket, INDEX_KEY);
    if (!data) return { schema: 1, current: {}, releases: [] };
    const index = parseJson<ReleaseIndex>(data, INDEX_KEY);
    return { schema: 1, current: index.current ?? {}, releases: index.releases ?? [] };
  }

  async writeIndex(index: ReleaseIndex): Promise<void> {
    await this.s3.putObject(this.bucket, INDEX_KEY, Buffer.from(`${JSON.stringify(index)}\n`), { contentType: 'application/json' });
  }

  /** A release record; `lean`: without the journal's keys and the changed keys (what a push plans with). */
  async read(id: string, options: { lean?: boolean } = {}): Promise<ReleaseRecord | undefined> {
    const parser = new RecordParser(options);
    let bad: unknown;
    const found = await this.s3.readText(this.bucket, releaseKey(id), (text) => {
      if (bad !== undefined) return;
      try {
        parser.push(text);
      } catch (error) {
        bad = error;
      }
    });
    if (!found) return undefined;
    try {
      if (bad !== undefined) throw bad;
      return parser.end() as ReleaseRecord;
    } catch (cause) {
      throw corrupt(releaseKey(id), cause);
    }
  }

  async write(record: ReleaseRecord): Promise<void> {
    // compact, a member of each big object per line (RecordParser), and streamed in pieces: a record
    // lists every DAG file, and is never one string or buffer
    await this.s3.putObject(this.bucket, releaseKey(record.id), jsonBody(record, { lines: true }), {
      contentType: 'application/json',
    });
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
    if (!current) throw new NotFoundError(`environment ${environment} has no current release yet`, { code: 'release.not-found', hint: 'deploy one with `mwaa dags push`' });
    return current;
  }
  if (wanted === 'previous') {
    const prev = previousRelease(index, environment);
    if (!prev) throw new NotFoundError(`environment ${environment} has no succeeded release before the current one${current ? ` (${current})` : ''}`, { code: 'release.not-found', hint: 'list them with `mwaa releases list`' });
    return prev;
  }
  const exact = mine.find((r) => r.id === wanted);
  if (exact) return exact.id;
  const matches = mine.filter((r) => r.id.startsWith(wanted));
  if (matches.length === 1) return matches[0].id;
  if (matches.length > 1) {
    throw new UsageError(`release id "${wanted}" is ambiguous: ${matches.slice(0, 5).map((r) => r.id).join(', ')}`, {
      code: 'release.ambiguous',
      hint: 'give more characters of the id',
    });
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
    if (!rec || rec.kind !== 'rollback' || !rec.target) break;
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
