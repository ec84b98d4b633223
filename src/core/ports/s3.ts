/**
 * The S3 port for deploys: what core needs of S3 (see src/aws/s3.ts for the adapter over the SDK).
 * "Not there" is `undefined`, a lost conditional write is `{ conflict: true }`, every other failure a
 * typed error naming the call and the object.
 */
import type { PublicAccessBlock } from './bucket.js';

export type { PublicAccessBlock } from './bucket.js';

/** One entry of ListObjectVersions: an object version or a delete marker. */
export interface VersionEntry {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  /** quoted as S3 returns it, e.g. "\"9e10…\"" (absent for delete markers) */
  etag?: string;
  size?: number;
  lastModified?: number;
}

/** S3's order of keys, in which it lists them: by their UTF-8 bytes (JavaScript's `<` differs past U+FFFF). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** One current object of a ListObjectsV2 listing (no version id: see listObjects). */
export interface ObjectEntry {
  key: string;
  /** quoted as S3 returns it */
  etag?: string;
  size?: number;
}

export interface ObjectListing {
  objects: ObjectEntry[];
}

export interface HeadResult {
  versionId?: string;
  etag: string;
  size: number;
  lastModified?: number;
}

export interface PutResult {
  versionId?: string;
  etag: string;
}

export interface PutOptions {
  /** create only: `If-None-Match: *` (a lost race answers { conflict: true }) */
  ifNoneMatch?: boolean;
  /** replace only this version of the object: `If-Match: <etag>` (another ETag, or no object, answers { conflict: true }) */
  ifMatch?: string;
  /**
   * base64 MD5 of the body, when the caller has it already (computed from the body otherwise: every PUT
   * carries Content-MD5); S3 rejects a body that does not match
   */
  contentMd5?: string;
  contentType?: string;
}

export interface DeleteResult {
  /** the delete marker created (no VersionId given) or the version removed */
  versionId?: string;
  deleteMarker: boolean;
}

export interface ListOptions {
  latestOnly?: boolean;
  signal?: AbortSignal;
}

export interface S3Api {
  /**
   * Every version and delete marker under a prefix (newest first within a key). With `latestOnly`, only
   * the entries with IsLatest (what a GET without VersionId would see, delete markers included).
   */
  listVersions(bucket: string, prefix: string, options?: ListOptions): Promise<VersionEntry[]>;
  /**
   * The current objects under a prefix (ListObjectsV2, every page): what a GET without VersionId would
   * find, without the version ids. Its cost follows the number of objects, not the bucket's history.
   * With `startAfter`,
   * only keys after it (S3's StartAfter); with `until`, no page is asked for once a page ended at or
   * after that key: the listing holds every key up to `until`, and may hold some after it. `maxKeys`:
   * keys per page (S3's default and most: 1,000).
   */
  listObjects(
    bucket: string,
    prefix: string,
    options?: { startAfter?: string; until?: string; maxKeys?: number; signal?: AbortSignal },
  ): Promise<ObjectListing>;
  headObject(bucket: string, key: string, versionId?: string): Promise<HeadResult | undefined>;
  /** the body, or undefined when the key/version does not exist (or is a delete marker) */
  getObject(bucket: string, key: string, versionId?: string): Promise<Buffer | undefined>;
  /**
   * The body as UTF-8 text, decoded as it arrives (for JSON state: a body of megabytes never becomes
   * one Buffer), or undefined like getObject.
   */
  getText(bucket: string, key: string, versionId?: string): Promise<string | undefined>;
  /**
   * The body as text with its ETag, or 'not-modified' when the object's ETag is still `ifNoneMatch`
   * (a conditional GET: S3 answers 304 without a body); undefined when missing like getObject.
   */
  getTextTagged(
    bucket: string,
    key: string,
    options?: { ifNoneMatch?: string },
  ): Promise<{ text: string; etag: string } | 'not-modified' | undefined>;
  /** The body as UTF-8 text handed over as it arrives; false (nothing handed over) when missing like getObject. */
  readText(bucket: string, key: string, onText: (text: string) => void, versionId?: string): Promise<boolean>;
  putObject(bucket: string, key: string, body: Uint8Array, options?: PutOptions): Promise<PutResult | { conflict: true }>;
  /** copies a version forward: a new latest version with the same bytes */
  copyObject(bucket: string, key: string, sourceVersionId: string): Promise<PutResult>;
  /** without versionId: adds a delete marker; with it: removes that version for good */
  deleteObject(bucket: string, key: string, versionId?: string): Promise<DeleteResult>;
  getBucketVersioning(bucket: string): Promise<'Enabled' | 'Suspended' | undefined>;
  /** undefined when the bucket has no public access block configuration */
  getPublicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined>;
  /** the same adapter sending ExpectedBucketOwner: S3 refuses a bucket owned by another account */
  forOwner?(accountId: string): S3Api;
}
