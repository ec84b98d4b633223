/**
 * The deploy plan (docs/deploy.md, step 1): local DAG files against the last release record and the S3
 * listing. Pure: no I/O here.
 *
 * Per key, with L = the local file, R = the latest remote object, C = the current release's entry:
 * - R's ETag equals C's ETag: R holds C's bytes, so L is unchanged when its sha256 equals C's, whatever
 *   the local mtimes (a fresh clone uploads nothing), and changed otherwise.
 * - R is not what C recorded (or there is no C): when R's single-part ETag (an MD5) equals L's MD5, R is
 *   adopted as is; otherwise L is uploaded. When C had recorded the key, R was changed outside the tool:
 *   that is drift, reported in the plan before anything is overwritten.
 * - no L: R is removed (unless --no-prune); drift when it changed or appeared outside the tool.
 */
import type { VersionEntry } from '../ports/s3.js';
import type { HashedFile } from './hash.js';
import { etagMd5, sameEtag } from './hash.js';
import { recordedEntry, type ArtifactKind, type ObjectState, type Pin, type PrevVersion, type ReleaseRecord } from './records.js';
import type { KeyOp } from './transaction.js';

export type DriftKind = 'changed-outside' | 'deleted-outside' | 'added-outside';

export interface Drift {
  key: string;
  kind: DriftKind;
}

/**
 * A DAG file to upload: the transaction's put operation itself (the local file is the release's
 * `localRoot` plus the key without the DAG prefix), so a plan of 20,000 uploads is 20,000 objects, not
 * one set for the plan and another for the release.
 */
export interface DagUpload extends KeyOp {
  action: 'put';
  sha256: string;
  size: number;
  kind: 'add' | 'change';
}

export interface DagRemoval extends KeyOp {
  action: 'delete';
}

export interface DagPlan {
  prefix: string;
  uploads: DagUpload[];
  removals: DagRemoval[];
  /**
   * Keys left as they are whose state the plan built (adopted, or the listing's newer version of the
   * same bytes); see unchangedStates() for all of them.
   */
  unchanged: Record<string, ObjectState>;
  /**
   * Record entries left exactly as recorded: the record's own objects (a fresh clone of 20,000 unchanged
   * files builds no dictionary or set of 20,000 keys for them: matched and confirmed entries are these
   * without being copied into a set of their own).
   */
  unchangedRecorded: { has(c: ObjectState): boolean; readonly size: number };
  /** unchanged keys that were not in the release record but byte-identical (adopted) */
  adopted: string[];
  drift: Drift[];
  /** remote-only keys kept because of --no-prune */
  kept: string[];
  localBytes: number;
}

export interface ArtifactPlan {
  kind: ArtifactKind;
  label: string;
  /** the local file or folder */
  source: string;
  key: string;
  bytes: Uint8Array;
  sha256: string;
  md5: string;
  size: number;
  /** what the environment pins now */
  pinned: Pin;
  /** sha256 of the pinned version when known */
  pinnedSha256?: string;
  change: boolean;
  /** why it changes (or why not) */
  reason: string;
  /** the latest version of the key before */
  prev: PrevVersion;
}

export interface DeployPlan {
  environment: string;
  bucket: string;
  dags?: DagPlan;
  artifacts: ArtifactPlan[];
  envUpdate: { needed: boolean; reasons: string[] };
  counts: { added: number; changed: number; removed: number; unchanged: number };
  /** nothing to do */
  empty: boolean;
}

/** The previous version of a key that had none (shared: a first push journals thousands of them). */
export const ABSENT: PrevVersion = Object.freeze({ versionId: null });

export function prevOf(entry: VersionEntry | undefined): PrevVersion {
  if (!entry) return ABSENT;
  return entry.deleteMarker ? { versionId: entry.versionId, deleteMarker: true } : { versionId: entry.versionId };
}

export interface DagPlanInput {
  prefix: string;
  local: HashedFile[];
  /** latest entry per key under the prefix (delete markers included), minus the confirmed ones */
  remote: Map<string, VersionEntry>;
  /**
   * Record entries whose key's latest version the listing showed to be exactly the recorded one (same
   * version id and ETag): kept as the record's own objects instead of a listing entry per file.
   */
  confirmed?: ReadonlySet<ObjectState>;
  record?: ReleaseRecord;
  prune: boolean;
  /**
   * The MD5 of a local file hashed without one (its sha256 matched the record's), for the rare
   * adoption check whose record ETag is not an MD5. Without it, such a file is uploaded.
   */
  md5Of?: (rel: string) => string | undefined;
  /**
   * Record entries whose local file has exactly the recorded sha256 and size (digestFiles' `matched`):
   * local files too, kept as the record's own entry instead of a file object each. Entries of `record`.
   */
  matched?: ReadonlySet<ObjectState>;
}

/** The latest remote entry of a key: from the listing, or the confirmed record entry. */
function latestOf(input: DagPlanInput, key: string, c: ObjectState | undefined): VersionEntry | undefined {
  const r = input.remote.get(key);
  if (r || !c || !input.confirmed?.has(c)) return r;
  return { key, versionId: c.versionId, isLatest: true, deleteMarker: false, etag: c.etag, size: c.size };
}

/** The MD5 of a local file: hashed, or (sha256 equal to the record's) the recorded single-part ETag. */
function md5OfLocal(input: DagPlanInput, file: HashedFile, c: ObjectState | undefined): string | undefined {
  if (file.md5 !== undefined) return file.md5;
  return (c && c.sha256 === file.sha256 ? etagMd5(c.etag) : undefined) ?? input.md5Of?.(file.rel);
}

export function planDags(input: DagPlanInput): DagPlan {
  const { prefix, remote, record, prune } = input;
  const confirmed = input.confirmed ?? new Set<ObjectState>();
  const matched = input.matched ?? new Set<ObjectState>();
  const recorded = record?.dags ?? {};
  // exact unchanged entries: the matched ones the listing confirmed (counted), and the others (a set)
  const exact = new Set<ObjectState>();
  let matchedExact = 0;
  const unchangedRecorded = {
    has: (c: ObjectState) => exact.has(c) || (matched.has(c) && confirmed.has(c)),
    get size() {
      return exact.size + matchedExact;
    },
  };
  const plan: DagPlan = { prefix, uploads: [], removals: [], unchanged: {}, unchangedRecorded, adopted: [], drift: [], kept: [], localBytes: 0 };
  // which keys have a local file: the record's entry when there is one (no string per file), else the key
  const localRecorded = new Set<ObjectState>();
  const localOther = new Set<string>();
  const isLocal = (key: string) => {
    const c = recordedEntry(record, key);
    return localOther.has(key) || (c !== undefined && (localRecorded.has(c) || matched.has(c)));
  };

  const planFile = (key: string, file: HashedFile, c: ObjectState | undefined) => {
    plan.localBytes += file.size;
    const r = latestOf(input, key, c);
    const live = r && !r.deleteMarker ? r : undefined;
    const upload = (kind: 'add' | 'change') =>
      plan.uploads.push({ key, action: 'put', sha256: file.sha256, size: file.size, prev: prevOf(r), kind, createdVersionId: undefined, createdEtag: undefined });

    if (!live) {
      if (c) plan.drift.push({ key, kind: 'deleted-outside' });
      upload('add');
      return;
    }
    if (c && sameEtag(live.etag, c.etag)) {
      if (c.sha256 !== file.sha256) upload('change');
      // the recorded state when it is still exact (no second object per unchanged file)
      else if (c.versionId === live.versionId && c.size === file.size) exact.add(c);
      else plan.unchanged[key] = { versionId: live.versionId, sha256: file.sha256, etag: live.etag ?? c.etag, size: file.size };
      return;
    }
    // R is not what the record says (or nothing is recorded)
    const md5 = etagMd5(live.etag);
    if (md5 !== undefined && md5 === md5OfLocal(input, file, c)) {
      // identical bytes: adopted; nothing is overwritten, so it is not drift worth reporting
      plan.unchanged[key] = { versionId: live.versionId, sha256: file.sha256, etag: live.etag ?? '', size: file.size };
      plan.adopted.push(key);
      return;
    }
    if (c) plan.drift.push({ key, kind: 'changed-outside' });
    else if (record) plan.drift.push({ key, kind: 'added-outside' });
    upload('change');
  };

  for (const file of input.local) {
    const key = prefix + file.rel;
    const c = recordedEntry(record, key);
    if (c) localRecorded.add(c);
    else localOther.add(key);
    planFile(key, file, c);
  }
  if (matched.size > 0) {
    for (const key of Object.keys(recorded)) {
      const c = recorded[key];
      if (!matched.has(c)) continue;
      // the listing showed exactly the recorded version: unchanged, nothing to compare
      if (confirmed.has(c)) {
        plan.localBytes += c.size;
        matchedExact++;
      } else planFile(key, { rel: key.slice(prefix.length), sha256: c.sha256, md5: undefined, size: c.size }, c);
    }
    // after the local files' uploads (drift is sorted below, for every plan)
    plan.uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  // remote keys no local file has: the listing's, and the confirmed record entries
  const remoteOnly: Array<[string, VersionEntry]> = [];
  for (const [key, r] of remote) if (!isLocal(key) && !r.deleteMarker) remoteOnly.push([key, r]);
  if (confirmed.size > 0) {
    for (const key of Object.keys(recorded)) {
      const c = recorded[key];
      if (confirmed.has(c) && !localRecorded.has(c) && !matched.has(c) && !remote.has(key)) remoteOnly.push([key, latestOf(input, key, c) as VersionEntry]);
    }
  }
  for (const [key, r] of remoteOnly) {
    const c = recordedEntry(record, key);
    if (!prune) {
      plan.kept.push(key);
      continue;
    }
    if (c && !sameEtag(r.etag, c.etag)) plan.drift.push({ key, kind: 'changed-outside' });
    else if (!c && record) plan.drift.push({ key, kind: 'added-outside' });
    plan.removals.push({ key, action: 'delete', prev: prevOf(r) });
  }
  plan.removals.sort((a, b) => (a.key < b.key ? -1 : 1));
  plan.kept.sort();
  plan.drift.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return plan;
}

/** Every key a plan leaves as it is, with its state: the record's own entries and the ones the plan built. */
export function unchangedStates(plan: DagPlan, record: ReleaseRecord | undefined): Record<string, ObjectState> {
  const out: Record<string, ObjectState> = { ...plan.unchanged };
  if (record && plan.unchangedRecorded.size > 0) {
    for (const key of Object.keys(record.dags)) {
      const c = record.dags[key];
      if (plan.unchangedRecorded.has(c)) out[key] = c;
    }
  }
  return out;
}

export function summarizePlan(environment: string, bucket: string, dags: DagPlan | undefined, artifacts: ArtifactPlan[]): DeployPlan {
  const changedArtifacts = artifacts.filter((a) => a.change);
  const added = dags?.uploads.filter((u) => u.kind === 'add').length ?? 0;
  const changed = dags?.uploads.filter((u) => u.kind === 'change').length ?? 0;
  const removed = dags?.removals.length ?? 0;
  const unchanged = dags ? Object.keys(dags.unchanged).length + dags.unchangedRecorded.size : 0;
  return {
    environment,
    bucket,
    dags,
    artifacts,
    envUpdate: { needed: changedArtifacts.length > 0, reasons: changedArtifacts.map((a) => `${a.label}: ${a.reason}`) },
    counts: { added, changed, removed, unchanged },
    empty: added + changed + removed === 0 && changedArtifacts.length === 0,
  };
}

/** The JSON form of a push plan (what `dags diff --json` prints and the `deploy.plan` message carries). */
export interface PlanJson {
  environment: string;
  bucket: string;
  empty: boolean;
  counts: { added: number; changed: number; removed: number; unchanged: number };
  dagPrefix?: string;
  added: Array<{ key: string; sha256?: string; size: number }>;
  changed: Array<{ key: string; sha256?: string; size: number }>;
  removed: Array<{ key: string }>;
  kept: string[];
  adopted: string[];
  drift: Drift[];
  artifacts: Array<{ kind: string; key: string; sha256?: string; size?: number; change: boolean; reason: string; pinnedVersion: string | null }>;
  envUpdate: { needed: boolean; reasons: string[] };
}

/** The plan as JSON (no file bytes, no absolute paths). */
export function planToJson(plan: DeployPlan): PlanJson {
  return {
    environment: plan.environment,
    bucket: plan.bucket,
    empty: plan.empty,
    counts: plan.counts,
    dagPrefix: plan.dags?.prefix,
    added: plan.dags?.uploads.filter((u) => u.kind === 'add').map((u) => ({ key: u.key, sha256: u.sha256, size: u.size })) ?? [],
    changed: plan.dags?.uploads.filter((u) => u.kind === 'change').map((u) => ({ key: u.key, sha256: u.sha256, size: u.size })) ?? [],
    removed: plan.dags?.removals.map((r) => ({ key: r.key })) ?? [],
    kept: plan.dags?.kept ?? [],
    adopted: plan.dags?.adopted ?? [],
    drift: plan.dags?.drift ?? [],
    artifacts: plan.artifacts.map((a) => ({
      kind: a.kind,
      key: a.key,
      sha256: a.sha256,
      size: a.size,
      pinnedVersion: a.pinned.version ?? null,
      change: a.change,
      reason: a.reason,
    })),
    envUpdate: plan.envUpdate,
  };
}
