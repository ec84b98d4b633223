/** An in-memory versioned bucket implementing the deploy code's S3Api, with failure injection. */
import { createHash, randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import {
  compareKeys,
  type DeleteResult,
  type HeadResult,
  type ListOptions,
  type ObjectListing,
  type PutOptions,
  type PutResult,
  type S3Api,
  type VersionEntry,
} from '../../src/core/ports/s3.js';
import { FailedError } from '../../src/core/errors.js';
import type { PlanJson } from '../../src/core/deploy/plan.js';

interface Version {
  versionId: string;
  deleteMarker: boolean;
  body?: Buffer;
  etag?: string;
  at: number;
}

export class FakeS3 implements S3Api {
  /** key -> versions, newest first */
  readonly objects = new Map<string, Version[]>();
  versioning: 'Enabled' | 'Suspended' | undefined = 'Enabled';
  /** calls by operation */
  readonly calls: Array<{ op: string; key?: string; versionId?: string }> = [];
  /** fail calls: return an error to throw for (op, key, versionId) */
  failWhen?: (op: string, key: string, versionId?: string) => Error | undefined;
  private tick = 0;

  private fail(op: string, key: string, versionId?: string): void {
    this.calls.push({ op, key, versionId });
    const e = this.failWhen?.(op, key, versionId);
    if (e) throw e;
  }

  private add(key: string, v: Omit<Version, 'versionId' | 'at'>): Version {
    const version: Version = { ...v, versionId: randomBytes(6).toString('hex'), at: this.tick++ };
    const list = this.objects.get(key) ?? [];
    list.unshift(version);
    this.objects.set(key, list);
    return version;
  }

  latest(key: string): Version | undefined {
    return this.objects.get(key)?.[0];
  }

  /** (key -> latest version id) of every key */
  state(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, list] of [...this.objects].sort()) if (list[0]) out[k] = `${list[0].deleteMarker ? 'marker:' : ''}${list[0].versionId}`;
    return out;
  }

  put(key: string, body: string | Buffer): string {
    const b = Buffer.from(body);
    return this.add(key, { deleteMarker: false, body: b, etag: `"${createHash('md5').update(b).digest('hex')}"` }).versionId;
  }

  async listVersions(_bucket: string, prefix: string, options: ListOptions = {}): Promise<VersionEntry[]> {
    return this.allVersions(prefix, options);
  }

  private async allVersions(prefix: string, options: ListOptions): Promise<VersionEntry[]> {
    this.fail('ListObjectVersions', prefix);
    const out: VersionEntry[] = [];
    for (const key of [...this.objects.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      (this.objects.get(key) ?? []).forEach((v, i) => {
        if (options.latestOnly && i > 0) return;
        out.push({
          key,
          versionId: v.versionId,
          isLatest: i === 0,
          deleteMarker: v.deleteMarker,
          etag: v.etag,
          size: v.body?.length,
          lastModified: v.at,
        });
      });
    }
    return out;
  }

  /** (`until` is not needed: a listing may hold keys after it) */
  async listObjects(_bucket: string, prefix: string, options: { startAfter?: string } = {}): Promise<ObjectListing> {
    this.fail('ListObjectsV2', prefix);
    const listing: ObjectListing = { objects: [] };
    for (const key of [...this.objects.keys()].sort(compareKeys)) {
      const v = this.objects.get(key)?.[0];
      if (!key.startsWith(prefix) || !v || v.deleteMarker) continue;
      if (options.startAfter !== undefined && compareKeys(key, options.startAfter) <= 0) continue;
      listing.objects.push({ key, etag: v.etag, size: v.body?.length });
    }
    return listing;
  }

  async headObject(_bucket: string, key: string, versionId?: string): Promise<HeadResult | undefined> {
    this.fail('HeadObject', key, versionId);
    const list = this.objects.get(key) ?? [];
    const v = versionId ? list.find((x) => x.versionId === versionId) : list[0];
    if (!v || v.deleteMarker) return undefined;
    return { versionId: v.versionId, etag: v.etag ?? '', size: v.body?.length ?? 0 };
  }

  async getObject(_bucket: string, key: string, versionId?: string): Promise<Buffer | undefined> {
    this.fail('GetObject', key, versionId);
    const list = this.objects.get(key) ?? [];
    const v = versionId ? list.find((x) => x.versionId === versionId) : list[0];
    return v && !v.deleteMarker ? v.body : undefined;
  }

  async getText(bucket: string, key: string, versionId?: string): Promise<string | undefined> {
    return (await this.getObject(bucket, key, versionId))?.toString('utf8');
  }

  /** in pieces of 1 KB, split anywhere (inside lines and characters' encodings included) */
  async getTextTagged(
    _bucket: string,
    key: string,
    options: { ifNoneMatch?: string } = {},
  ): Promise<{ text: string; etag: string } | 'not-modified' | undefined> {
    this.fail('GetObject', key);
    const v = this.objects.get(key)?.[0];
    if (!v || v.deleteMarker) return undefined;
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch === v.etag) return 'not-modified';
    return { text: (v.body ?? Buffer.alloc(0)).toString('utf8'), etag: v.etag ?? '' };
  }

  async readText(bucket: string, key: string, onText: (text: string) => void, versionId?: string): Promise<boolean> {
    const body = await this.getObject(bucket, key, versionId);
    if (!body) return false;
    const decoder = new StringDecoder('utf8');
    for (let at = 0; at < body.length; at += 1024) onText(decoder.write(body.subarray(at, at + 1024)));
    onText(decoder.end());
    return true;
  }

  async putObject(_bucket: string, key: string, body: Uint8Array, options: PutOptions = {}): Promise<PutResult | { conflict: true }> {
    this.fail('PutObject', key);
    const l = this.latest(key);
    if (options.ifNoneMatch && l && !l.deleteMarker) return { conflict: true };
    if (options.ifMatch !== undefined && (!l || l.deleteMarker || l.etag !== options.ifMatch)) return { conflict: true };
    const id = this.put(key, Buffer.from(body));
    return { versionId: id, etag: this.latest(key)?.etag ?? '' };
  }

  async copyObject(_bucket: string, key: string, sourceVersionId: string): Promise<PutResult> {
    this.fail('CopyObject', key, sourceVersionId);
    const src = (this.objects.get(key) ?? []).find((v) => v.versionId === sourceVersionId);
    if (!src?.body) throw new FailedError('aws.failed', `CopyObject ${key}: NoSuchVersion`);
    const id = this.put(key, src.body);
    return { versionId: id, etag: src.etag ?? '' };
  }

  async deleteObject(_bucket: string, key: string, versionId?: string): Promise<DeleteResult> {
    this.fail('DeleteObject', key, versionId);
    if (versionId) {
      const list = this.objects.get(key) ?? [];
      const at = list.findIndex((v) => v.versionId === versionId);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.objects.delete(key);
      return { versionId, deleteMarker: false };
    }
    const marker = this.add(key, { deleteMarker: true });
    return { versionId: marker.versionId, deleteMarker: true };
  }

  async getBucketVersioning(): Promise<'Enabled' | 'Suspended' | undefined> {
    return this.versioning;
  }

  async getPublicAccessBlock() {
    return { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
  }
}

export function boom(message = 'injected'): Error {
  return new FailedError('aws.failed', message);
}

/** The plan a deploy.plan event carries (the deploy view's tests). */
export function planJson(counts: PlanJson['counts'] = { added: 3, changed: 0, removed: 0, unchanged: 0 }): PlanJson {
  return {
    environment: 'dev',
    bucket: 'b',
    empty: false,
    counts,
    added: [],
    changed: [],
    removed: [],
    kept: [],
    adopted: [],
    drift: [],
    artifacts: [],
    envUpdate: { needed: false, reasons: [] },
  };
}
