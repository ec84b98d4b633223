/**
 * The deploy plan (docs/deploy.md, step 1): local DAG files against the last release record and the
 * bucket's current objects. Pure: no I/O here.
 *
 * Per key, with L = the local file, C = the current release's entry, R = the bucket's current object:
 *
 * | L | R | rule |
 * |---|---|---|
 * | yes | R's ETag is C's | R holds C's bytes: unchanged when L's sha256 is C's (mtimes never matter), else changed |
 * | yes | R is not C (or no C) | R's single-part ETag is L's MD5: adopted as is; else uploaded, and drift when C or a record exists |
 * | yes | none | uploaded (added); drift when C existed (deleted outside the tool) |
 * | no | yes | removed (kept with --no-prune); drift when R is not C, or not recorded by an existing record |
 *
 * The bucket's listing (ListObjectsV2) has no version ids; the plan's `needsVersions` names the keys whose
 * latest version the release must know (the previous version of every key it touches, the version of
 * an adopted object). The caller looks those up and plans again with them (push.ts).
 */
import type { HashedFile } from './hash.js';
import { etagMd5, sameEtag } from './hash.js';
import { recordedEntry, type ArtifactKind, type ObjectState, type Pin, type PrevVersion, type ReleaseRecord } from './records.js';
import type { KeyOp } from './transaction.js';

export type DriftKind = 'changed-outside' | 'deleted-outside' | 'added-outside';

export interface Drift {
  key: string;
  kind: DriftKind;
}

/** A DAG file to upload: the transaction's put operation itself (the local file is `localRoot` + the key without the DAG prefix). */
export interface DagUpload extends KeyOp {
  action: 'put';
  sha256: string;
  size: number;
  kind: 'add' | 'change';
}

export interface DagRemoval extends KeyOp {
  action: 'delete';
}

/**
 * The bucket's current object of a key: from ListObjectsV2 (no version id), or from a version listing
 * (with its version id; a delete marker there means the key has no current object).
 */
export interface RemoteObject {
  etag?: string;
  size?: number;
  versionId?: string;
  deleteMarker?: boolean;
}

export interface DagPlan {
  prefix: string;
  uploads: DagUpload[];
  removals: DagRemoval[];
  /** every key left as it is, with its state (the record's own entry when unchanged since it) */
  unchanged: Record<string, ObjectState>;
  /** unchanged keys that were not in the release record but byte-identical (adopted) */
  adopted: string[];
  drift: Drift[];
  /** remote-only keys kept because of --no-prune */
  kept: string[];
  /** keys whose latest version the plan needs but the listing did not give (see the header) */
  needsVersions: string[];
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

export function prevOf(entry: { versionId?: string; deleteMarker?: boolean } | undefined): PrevVersion {
  if (!entry || entry.versionId === undefined) return ABSENT;
  return entry.deleteMarker ? { versionId: entry.versionId, deleteMarker: true } : { versionId: entry.versionId };
}

export interface DagPlanInput {
  prefix: string;
  local: HashedFile[];
  /** the bucket's objects under the prefix (tool state left out) */
  remote: ReadonlyMap<string, RemoteObject>;
  /** keys whose version has been looked up: a key in here and not in `remote` has no version at all */
  versionsKnown?: ReadonlySet<string>;
  record?: ReleaseRecord;
  prune: boolean;
  /** the MD5 of a local file hashed without one (its sha256 was the record's), for the adoption check */
  md5Of?: (rel: string) => string | undefined;
}

/** The MD5 of a local file: hashed, or (sha256 equal to the record's) the recorded single-part ETag, or read. */
function md5OfLocal(input: DagPlanInput, file: HashedFile, c: ObjectState | undefined): string | undefined {
  if (file.md5 !== undefined) return file.md5;
  return (c && c.sha256 === file.sha256 ? etagMd5(c.etag) : undefined) ?? input.md5Of?.(file.rel);
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export function planDags(input: DagPlanInput): DagPlan {
  const { prefix, remote, record, prune } = input;
  const plan: DagPlan = {
    prefix,
    uploads: [],
    removals: [],
    unchanged: {},
    adopted: [],
    drift: [],
    kept: [],
    needsVersions: [],
    localBytes: 0,
  };
  /** the key's latest version is needed: noted when the listing did not give it */
  const needVersion = (key: string, r: RemoteObject | undefined) => {
    if (r ? r.versionId === undefined : !input.versionsKnown?.has(key)) plan.needsVersions.push(key);
  };
  const upload = (key: string, file: HashedFile, r: RemoteObject | undefined, kind: 'add' | 'change') => {
    needVersion(key, r);
    plan.uploads.push({
      key,
      action: 'put',
      sha256: file.sha256,
      size: file.size,
      prev: prevOf(r),
      kind,
      createdVersionId: undefined,
      createdEtag: undefined,
    });
  };

  const local = new Set<string>();
  for (const file of input.local) {
    const key = prefix + file.rel;
    local.add(key);
    plan.localBytes += file.size;
    const c = recordedEntry(record, key);
    const found = remote.get(key);
    const r = found && !found.deleteMarker ? found : undefined;

    if (!r) {
      if (c) plan.drift.push({ key, kind: 'deleted-outside' });
      upload(key, file, found, 'add');
    } else if (c && sameEtag(r.etag, c.etag)) {
      if (c.sha256 === file.sha256) plan.unchanged[key] = c;
      else upload(key, file, r, 'change');
    } else if (etagMd5(r.etag) !== undefined && etagMd5(r.etag) === md5OfLocal(input, file, c)) {
      // identical bytes: adopted; nothing is overwritten, so it is not drift worth reporting
      needVersion(key, r);
      plan.unchanged[key] = { versionId: r.versionId ?? '', sha256: file.sha256, etag: r.etag ?? '', size: file.size };
      plan.adopted.push(key);
    } else {
      if (c) plan.drift.push({ key, kind: 'changed-outside' });
      else if (record) plan.drift.push({ key, kind: 'added-outside' });
      upload(key, file, r, 'change');
    }
  }

  for (const [key, r] of remote) {
    if (local.has(key) || r.deleteMarker) continue;
    const c = recordedEntry(record, key);
    if (!prune) {
      plan.kept.push(key);
      continue;
    }
    if (c && !sameEtag(r.etag, c.etag)) plan.drift.push({ key, kind: 'changed-outside' });
    else if (!c && record) plan.drift.push({ key, kind: 'added-outside' });
    needVersion(key, r);
    plan.removals.push({ key, action: 'delete', prev: prevOf(r) });
  }
  plan.uploads.sort(byKey);
  plan.removals.sort(byKey);
  plan.drift.sort(byKey);
  plan.kept.sort();
  return plan;
}

export function summarizePlan(environment: string, bucket: string, dags: DagPlan | undefined, artifacts: ArtifactPlan[]): DeployPlan {
  const changedArtifacts = artifacts.filter((a) => a.change);
  const added = dags?.uploads.filter((u) => u.kind === 'add').length ?? 0;
  const changed = dags?.uploads.filter((u) => u.kind === 'change').length ?? 0;
  const removed = dags?.removals.length ?? 0;
  const unchanged = dags ? Object.keys(dags.unchanged).length : 0;
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
  artifacts: Array<{
    kind: string;
    key: string;
    sha256?: string;
    size?: number;
    change: boolean;
    reason: string;
    pinnedVersion: string | null;
  }>;
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
