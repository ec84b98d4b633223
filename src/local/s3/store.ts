/**
 * The S3 store: buckets, object versions and multipart uploads, with bodies in the blob store.
 *
 * Every mutation is one journal record (store "s3") that describes its *result*, so replay is a plain
 * re-application:
 *   createBucket {name, region, created}        deleteBucket {name}
 *   setVersioning {bucket, status}              setPublicAccessBlock {bucket, config|null}
 *   putVersion {bucket, key, version}           a new latest version (or delete marker); a version with
 *                                               id "null" replaces the existing "null" version
 *   deleteVersion {bucket, key, versionId}      removes one version (or delete marker)
 *   setTags {bucket, key, versionId, tags}      replaces one version's object tags
 *   createUpload {bucket, upload}  putPart {bucket, uploadId, part}  endUpload {bucket, uploadId}
 *
 * In memory, each bucket keeps a Map key -> versions (newest first) and a sorted array of its keys, so
 * a write is O(log n) plus an array insert and a listing page is O(page + log n).
 */
import { randomBytes } from 'node:crypto';
import type { Clock, Persist, S3Store } from '../contract.js';
import type { ChecksumAlgorithm } from './checksums.js';
import { compareKeys, folderAt, insertSorted, lowerBound, removeSorted, upperBound } from './keys.js';

export interface ObjectVersion {
  versionId: string;
  deleteMarker?: boolean;
  /** sha256 id of the body in the blob store (absent for delete markers) */
  blob?: string;
  size: number;
  /** quoted, e.g. "\"9e107d9d372bb6826bd81d3542a419d6\"" */
  etag: string;
  /** ms since the epoch (simulated clock) */
  lastModified: number;
  /** user metadata without the x-amz-meta- prefix, names lower-cased */
  metadata?: Record<string, string>;
  /** stored representation headers: content-type, cache-control, content-disposition, content-encoding, content-language, expires */
  headers?: Record<string, string>;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  storageClass?: string;
  /** object tags in the order given (absent: none) */
  tags?: Array<[string, string]>;
  /** server-side encryption other than the default AES256 */
  sse?: { algorithm: 'aws:kms' | 'aws:kms:dsse'; kmsKeyId: string };
  /** sizes of the parts of an object made by a multipart upload, in part order (for partNumber reads) */
  partSizes?: number[];
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface UploadPart {
  partNumber: number;
  blob: string;
  size: number;
  etag: string;
  lastModified: number;
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiated: number;
  metadata?: Record<string, string>;
  headers?: Record<string, string>;
  storageClass?: string;
  tags?: Array<[string, string]>;
  sse?: { algorithm: 'aws:kms' | 'aws:kms:dsse'; kmsKeyId: string };
  parts: Record<number, UploadPart>;
}

export type VersioningStatus = 'Enabled' | 'Suspended';

export interface Bucket {
  name: string;
  region: string;
  created: number;
  versioning: VersioningStatus | null;
  publicAccessBlock: PublicAccessBlock | null;
  objects: Map<string, ObjectVersion[]>;
  keys: string[];
  uploads: Map<string, MultipartUpload>;
}

export interface ListOptions {
  prefix: string;
  delimiter?: string;
  /** exclusive: only keys (and common prefixes) sorting after it */
  marker?: string;
  maxKeys: number;
}

export interface ListPage {
  contents: Array<{ key: string; version: ObjectVersion }>;
  commonPrefixes: string[];
  isTruncated: boolean;
  /** the last key or common prefix returned (the marker of the next page) */
  last?: string;
}

export interface VersionListOptions {
  prefix: string;
  delimiter?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  maxKeys: number;
}

export interface VersionListPage {
  entries: Array<{ key: string; version: ObjectVersion; isLatest: boolean }>;
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** Opaque, URL-safe version ids (like S3's 32-character ids; not sortable counters). */
export function newVersionId(): string {
  return randomBytes(24).toString('base64url');
}

export interface S3StoreImpl extends S3Store {
  readonly persist: Persist;
  readonly clock: Clock;
  getBucket(name: string): Bucket | undefined;
  listBuckets(): Bucket[];
  // mutations: journal, then apply
  doCreateBucket(name: string, region: string): void;
  doDeleteBucket(name: string): void;
  doSetVersioning(bucket: string, status: VersioningStatus): void;
  doSetPublicAccessBlock(bucket: string, config: PublicAccessBlock | null): void;
  doPutVersion(bucket: string, key: string, version: ObjectVersion): void;
  doDeleteVersion(bucket: string, key: string, versionId: string): void;
  doSetTags(bucket: string, key: string, versionId: string, tags: Array<[string, string]>): void;
  doCreateUpload(bucket: string, upload: MultipartUpload): void;
  doPutPart(bucket: string, uploadId: string, part: UploadPart): void;
  doEndUpload(bucket: string, uploadId: string): void;
  latest(bucket: Bucket, key: string): ObjectVersion | undefined;
  findVersion(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined;
  list(bucket: Bucket, opts: ListOptions): ListPage;
  listVersions(bucket: Bucket, opts: VersionListOptions): VersionListPage;
  body(version: ObjectVersion): Buffer;
}

export function createS3Store(persist: Persist, clock: Clock): S3StoreImpl {
  const buckets = new Map<string, Bucket>();

  // ---- apply (shared by live mutations and replay) ----
  // biome-ignore lint/suspicious/noExplicitAny: each journal record kind is typed by its own apply function below
  const apply: Record<string, (d: any) => void> = {
    createBucket(d: { name: string; region: string; created: number }) {
      if (buckets.has(d.name)) return;
      buckets.set(d.name, {
        name: d.name,
        region: d.region,
        created: d.created,
        versioning: null,
        publicAccessBlock: null,
        objects: new Map(),
        keys: [],
        uploads: new Map(),
      });
    },
    deleteBucket(d: { name: string }) {
      buckets.delete(d.name);
    },
    setVersioning(d: { bucket: string; status: VersioningStatus }) {
      need(d.bucket).versioning = d.status;
    },
    setPublicAccessBlock(d: { bucket: string; config: PublicAccessBlock | null }) {
      need(d.bucket).publicAccessBlock = d.config;
    },
    putVersion(d: { bucket: string; key: string; version: ObjectVersion }) {
      const b = need(d.bucket);
      let list = b.objects.get(d.key);
      if (!list) {
        list = [];
        b.objects.set(d.key, list);
        insertSorted(b.keys, d.key);
      } else if (d.version.versionId === 'null') {
        const i = list.findIndex((v) => v.versionId === 'null');
        if (i >= 0) list.splice(i, 1);
      }
      list.unshift(d.version);
    },
    deleteVersion(d: { bucket: string; key: string; versionId: string }) {
      const b = need(d.bucket);
      const list = b.objects.get(d.key);
      if (!list) return;
      const i = list.findIndex((v) => v.versionId === d.versionId);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) {
        b.objects.delete(d.key);
        removeSorted(b.keys, d.key);
      }
    },
    setTags(d: { bucket: string; key: string; versionId: string; tags: Array<[string, string]> }) {
      const list = need(d.bucket).objects.get(d.key);
      const i = list ? list.findIndex((x) => x.versionId === d.versionId) : -1;
      if (!list || i < 0) return;
      // a new version object, not a change in place: snapshot() shares version objects
      const { tags: _, ...rest } = list[i];
      list[i] = d.tags.length > 0 ? { ...rest, tags: d.tags } : rest;
    },
    createUpload(d: { bucket: string; upload: MultipartUpload }) {
      need(d.bucket).uploads.set(d.upload.uploadId, d.upload);
    },
    putPart(d: { bucket: string; uploadId: string; part: UploadPart }) {
      const u = need(d.bucket).uploads.get(d.uploadId);
      if (!u) throw new Error(`no upload ${d.uploadId}`);
      u.parts[d.part.partNumber] = d.part;
    },
    endUpload(d: { bucket: string; uploadId: string }) {
      need(d.bucket).uploads.delete(d.uploadId);
    },
  };

  function need(name: string): Bucket {
    const b = buckets.get(name);
    if (!b) throw new Error(`no bucket ${name}`);
    return b;
  }

  function mutate(op: string, data: unknown): void {
    persist.append('s3', op, data);
    apply[op](data);
  }

  function latest(b: Bucket, key: string): ObjectVersion | undefined {
    return b.objects.get(key)?.[0];
  }

  function findVersion(b: Bucket, key: string, versionId: string): ObjectVersion | undefined {
    return b.objects.get(key)?.find((v) => v.versionId === versionId);
  }

  function list(b: Bucket, o: ListOptions): ListPage {
    const page: ListPage = { contents: [], commonPrefixes: [], isTruncated: false };
    if (o.maxKeys <= 0) return page;
    const keys = b.keys;
    let i = lowerBound(keys, o.prefix);
    if (o.marker !== undefined && compareKeys(o.marker, o.prefix) >= 0) i = upperBound(keys, o.marker);
    let count = 0;
    while (i < keys.length) {
      const k = keys[i];
      if (!k.startsWith(o.prefix)) break;
      const folder = folderAt(keys, i, o.prefix, o.delimiter);
      if (folder) {
        const { cp, end } = folder;
        if (o.marker !== undefined && compareKeys(cp, o.marker) <= 0) {
          i = end;
          continue;
        }
        // a "folder" whose keys are all deleted (latest is a delete marker) is not listed
        let visible = false;
        for (let j = i; j < end && !visible; j++) visible = !b.objects.get(keys[j])![0].deleteMarker;
        if (visible) {
          if (count === o.maxKeys) {
            page.isTruncated = true;
            break;
          }
          page.commonPrefixes.push(cp);
          page.last = cp;
          count++;
        }
        i = end;
        continue;
      }
      const v = b.objects.get(k)![0];
      if (!v.deleteMarker) {
        if (count === o.maxKeys) {
          page.isTruncated = true;
          break;
        }
        page.contents.push({ key: k, version: v });
        page.last = k;
        count++;
      }
      i++;
    }
    return page;
  }

  function listVersions(b: Bucket, o: VersionListOptions): VersionListPage {
    const page: VersionListPage = { entries: [], commonPrefixes: [], isTruncated: false };
    if (o.maxKeys <= 0) return page;
    const keys = b.keys;
    let count = 0;
    let i = lowerBound(keys, o.prefix);
    let full = false;
    const marker = o.keyMarker;
    // the rest of the marker key's versions, after version-id-marker
    if (marker !== undefined && o.versionIdMarker !== undefined && marker.startsWith(o.prefix)) {
      const inFolder = o.delimiter ? marker.indexOf(o.delimiter, o.prefix.length) >= 0 : false;
      const vs = b.objects.get(marker);
      if (vs && !inFolder) {
        const at = vs.findIndex((v) => v.versionId === o.versionIdMarker);
        if (at >= 0) {
          for (let j = at + 1; j < vs.length; j++) {
            if (count === o.maxKeys) {
              full = true;
              break;
            }
            page.entries.push({ key: marker, version: vs[j], isLatest: j === 0 });
            page.nextKeyMarker = marker;
            page.nextVersionIdMarker = vs[j].versionId;
            count++;
          }
        }
      }
    }
    if (marker !== undefined && compareKeys(marker, o.prefix) >= 0) i = upperBound(keys, marker);
    if (full) {
      page.isTruncated = true;
      return page;
    }
    outer: while (i < keys.length) {
      const k = keys[i];
      if (!k.startsWith(o.prefix)) break;
      const folder = folderAt(keys, i, o.prefix, o.delimiter);
      if (folder) {
        const { cp, end } = folder;
        if (marker === undefined || compareKeys(cp, marker) > 0) {
          if (count === o.maxKeys) {
            page.isTruncated = true;
            break;
          }
          page.commonPrefixes.push(cp);
          page.nextKeyMarker = cp;
          page.nextVersionIdMarker = undefined;
          count++;
        }
        i = end;
        continue;
      }
      const vs = b.objects.get(k)!;
      for (let j = 0; j < vs.length; j++) {
        if (count === o.maxKeys) {
          page.isTruncated = true;
          break outer;
        }
        page.entries.push({ key: k, version: vs[j], isLatest: j === 0 });
        page.nextKeyMarker = k;
        page.nextVersionIdMarker = vs[j].versionId;
        count++;
      }
      i++;
    }
    return page;
  }

  const store: S3StoreImpl = {
    name: 's3',
    persist,
    clock,
    // ---- PersistentStore ----
    snapshot() {
      return {
        buckets: [...buckets.values()].map((b) => ({
          name: b.name,
          region: b.region,
          created: b.created,
          versioning: b.versioning,
          publicAccessBlock: b.publicAccessBlock,
          // copies of the lists: a background compaction serialises this while requests go on (versions
          // themselves are never changed in place, see setTags)
          objects: b.keys.map((k) => [k, [...b.objects.get(k)!]]),
          uploads: [...b.uploads.values()].map((u) => ({ ...u, parts: { ...u.parts } })),
        })),
      };
    },
    restore(snapshot: unknown) {
      buckets.clear();
      // biome-ignore lint/suspicious/noExplicitAny: a snapshot is read back from JSON and checked field by field below
      const s = snapshot as { buckets?: Array<any> } | undefined;
      for (const sb of s?.buckets ?? []) {
        const objects = new Map<string, ObjectVersion[]>();
        for (const [k, vs] of sb.objects as Array<[string, ObjectVersion[]]>) objects.set(k, vs);
        const keys = [...objects.keys()].sort(compareKeys);
        const uploads = new Map<string, MultipartUpload>();
        for (const u of (sb.uploads ?? []) as MultipartUpload[]) uploads.set(u.uploadId, u);
        buckets.set(sb.name, {
          name: sb.name,
          region: sb.region,
          created: sb.created,
          versioning: sb.versioning ?? null,
          publicAccessBlock: sb.publicAccessBlock ?? null,
          objects,
          keys,
          uploads,
        });
      }
    },
    replay(op: string, data: unknown) {
      const f = apply[op];
      if (!f) throw new Error(`unknown s3 journal op ${op}`);
      f(data);
    },
    // ---- S3Store (for other services) ----
    bucketExists: (name) => buckets.has(name),
    isVersioningEnabled: (name) => buckets.get(name)?.versioning === 'Enabled',
    listLatest(bucket, prefix) {
      const b = buckets.get(bucket);
      if (!b) return [];
      const out: Array<{ key: string; versionId: string; size: number; etag: string; lastModified: number }> = [];
      for (let i = lowerBound(b.keys, prefix); i < b.keys.length; i++) {
        const k = b.keys[i];
        if (!k.startsWith(prefix)) break;
        const v = b.objects.get(k)![0];
        if (v.deleteMarker) continue;
        out.push({ key: k, versionId: v.versionId, size: v.size, etag: v.etag, lastModified: v.lastModified });
      }
      return out;
    },
    getObjectBody(bucket, key, versionId) {
      const b = buckets.get(bucket);
      if (!b) return undefined;
      const v = versionId === undefined ? latest(b, key) : findVersion(b, key, versionId);
      if (!v || v.deleteMarker) return undefined;
      return store.body(v);
    },
    hasVersion(bucket, key, versionId) {
      const b = buckets.get(bucket);
      const v = b ? findVersion(b, key, versionId) : undefined;
      return v !== undefined && !v.deleteMarker;
    },
    createBucket(bucket, region) {
      if (!buckets.has(bucket)) store.doCreateBucket(bucket, region);
    },
    // ---- internals for the handler ----
    getBucket: (name) => buckets.get(name),
    listBuckets: () => [...buckets.values()].sort((a, b) => compareKeys(a.name, b.name)),
    doCreateBucket: (name, region) => mutate('createBucket', { name, region, created: clock.now() }),
    doDeleteBucket: (name) => mutate('deleteBucket', { name }),
    doSetVersioning: (bucket, status) => mutate('setVersioning', { bucket, status }),
    doSetPublicAccessBlock: (bucket, config) => mutate('setPublicAccessBlock', { bucket, config }),
    doPutVersion: (bucket, key, version) => mutate('putVersion', { bucket, key, version }),
    doDeleteVersion: (bucket, key, versionId) => mutate('deleteVersion', { bucket, key, versionId }),
    doSetTags: (bucket, key, versionId, tags) => mutate('setTags', { bucket, key, versionId, tags }),
    doCreateUpload: (bucket, upload) => mutate('createUpload', { bucket, upload }),
    doPutPart: (bucket, uploadId, part) => mutate('putPart', { bucket, uploadId, part }),
    doEndUpload: (bucket, uploadId) => mutate('endUpload', { bucket, uploadId }),
    latest,
    findVersion,
    list,
    listVersions,
    body(v: ObjectVersion): Buffer {
      if (!v.blob) return Buffer.alloc(0);
      return persist.blobs.get(v.blob);
    },
  };
  return store;
}
