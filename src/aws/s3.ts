/**
 * A narrow adapter over the S3 client for deploys: pagination folded in, "not there" answered as
 * `undefined`, a lost conditional write answered as `{ conflict: true }`, every other error mapped to a
 * typed error naming the call and the object (`PutObject s3://bucket/key: …`). Core code depends on the
 * `S3Api` interface, so unit tests can pass a fake.
 */
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { S3Client } from '@aws-sdk/client-s3';
import { FailedError, type MwaaError, NotFoundError } from '../core/errors.js';
import { compareKeys, type ObjectListing, type S3Api, type VersionEntry } from '../core/ports/s3.js';
import { mapAwsError } from './errors.js';
import { scanObjectPages, scanVersionPages, type ScannedObjectsPage, type ScannedPage } from './list-versions.js';

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const MISSING = new Set(['NoSuchKey', 'NoSuchVersion', 'NotFound', 'NoSuchObject']);

/**
 * The object (or version) is not there. Not a bucket that is not there: that 404 names NoSuchBucket, and
 * reading it as "no object" made `releases list` of an environment whose bucket was deleted say "No
 * releases yet". (A HEAD has no body to tell the two apart: its bare 404 still reads as no object.)
 */
function isMissing(error: unknown): boolean {
  if (isNoSuchBucket(error)) return false;
  const e = (error ?? {}) as SdkError;
  // a HEAD of a delete marker answers 405 MethodNotAllowed; a missing HEAD has no body, only 404
  return (
    MISSING.has(e.name ?? '') || MISSING.has(e.Code ?? '') || e.$metadata?.httpStatusCode === 404 || e.$metadata?.httpStatusCode === 405
  );
}

function isNoSuchBucket(error: unknown): boolean {
  const e = (error ?? {}) as SdkError;
  return e.name === 'NoSuchBucket' || e.Code === 'NoSuchBucket';
}

function url(bucket: string, key?: string, versionId?: string): string {
  return `s3://${bucket}${key !== undefined ? `/${key}` : ''}${versionId ? ` (version ${versionId})` : ''}`;
}

function mapS3Error(error: unknown, what: string, bucket: string): MwaaError {
  if (isNoSuchBucket(error)) {
    return new NotFoundError(`${what}: bucket ${bucket} does not exist`, {
      cause: error,
      code: 'aws.not-found',
      hint: `the environment's SourceBucketArn (or mwaa.yaml's \`bucket:\`) names it: create it again (versioned), or point the environment at another bucket`,
    });
  }
  return mapAwsError(error, what);
}

function toTime(value: Date | undefined): number | undefined {
  return value instanceof Date ? value.getTime() : undefined;
}

export interface S3ApiOptions {
  expectedBucketOwner?: string;
  /**
   * Makes a client for PutObject calls (AwsClients.s3Uploader): each is lent to one call at a time and
   * kept for the next, so at most as many are made as PutObjects ever ran at once. Without it, `client`.
   */
  uploader?: () => Promise<S3Client>;
}

/**
 * Lends each call a client no other call is using; the clients are made by `make` as needed. Making one
 * costs ~0.5 ms of CPU, about what caching its middleware saves over two calls: a push of a few files
 * pays a few ms for them, a first push of 2,000 files is 15–20% faster (bench/RESULTS.md, "Deploy").
 */
function clientPool(make: () => Promise<S3Client>): <T>(call: (client: S3Client) => Promise<T>) => Promise<T> {
  const idle: S3Client[] = [];
  return async (call) => {
    const client = idle.pop() ?? (await make());
    try {
      return await call(client);
    } finally {
      idle.push(client);
    }
  };
}

export function s3Api(client: S3Client, options: S3ApiOptions = {}): S3Api {
  return s3ApiWith(client, options, options.uploader ? clientPool(options.uploader) : (call) => call(client));
}

function s3ApiWith(
  client: S3Client,
  options: S3ApiOptions,
  withUploadClient: <T>(call: (client: S3Client) => Promise<T>) => Promise<T>,
): S3Api {
  const sdk = import('@aws-sdk/client-s3');
  const owner = options.expectedBucketOwner ? { ExpectedBucketOwner: options.expectedBucketOwner } : {};

  /** Hands the body over as UTF-8 text as it arrives (see S3Api.readText). */
  const readText: S3Api['readText'] = async (bucket, key, onText, versionId) => {
    const { GetObjectCommand } = await sdk;
    try {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ...owner }));
      if (!r.Body) return true;
      const decoder = new StringDecoder('utf8');
      for await (const chunk of r.Body as AsyncIterable<Uint8Array>) onText(decoder.write(chunk as Buffer));
      onText(decoder.end());
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw mapS3Error(error, `GetObject ${url(bucket, key, versionId)}`, bucket);
    }
  };

  return {
    async listVersions(bucket, prefix, opts = {}) {
      const { ListObjectVersionsCommand } = await sdk;
      const out: VersionEntry[] = [];
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        let scanned: ScannedPage | undefined;
        try {
          const command = new ListObjectVersionsCommand({
            Bucket: bucket,
            Prefix: prefix,
            KeyMarker: keyMarker,
            VersionIdMarker: versionIdMarker,
            ...owner,
          });
          // the body is read as it arrives, not parsed whole by the SDK (list-versions.ts)
          command.middlewareStack.add(scanVersionPages((p) => (scanned = p)) as never, {
            step: 'deserialize',
            priority: 'low',
            name: 'mwaaScanVersionPages',
          });
          await client.send(command, opts.signal ? { abortSignal: opts.signal } : undefined);
        } catch (error) {
          throw mapS3Error(error, `ListObjectVersions ${url(bucket, prefix)}`, bucket);
        }
        if (!scanned) throw new FailedError('aws.failed', `ListObjectVersions ${url(bucket, prefix)}: the response had no listing`);
        const { entries, isTruncated, nextKeyMarker, nextVersionIdMarker } = scanned;
        // S3 lists a key's versions and delete markers newest first; group by key (stable), and fixOrder()
        // puts the IsLatest entry first within each key (a page boundary may split a key)
        entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        for (const e of entries) if (!opts.latestOnly || e.isLatest) out.push(e);
        if (!isTruncated) break;
        if (nextKeyMarker === keyMarker && nextVersionIdMarker === versionIdMarker) {
          throw new FailedError('aws.failed', `ListObjectVersions ${url(bucket, prefix)}: the listing did not advance`);
        }
        keyMarker = nextKeyMarker;
        versionIdMarker = nextVersionIdMarker;
      }
      return fixOrder(out);
    },

    async listObjects(bucket, prefix, opts = {}) {
      const { ListObjectsV2Command } = await sdk;
      const listing: ObjectListing = { objects: [] };
      let token: string | undefined;
      do {
        let scanned: ScannedObjectsPage | undefined;
        try {
          const command = new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : { StartAfter: opts.startAfter }),
            MaxKeys: opts.maxKeys,
            ...owner,
          });
          // the page is read from its bytes, not parsed into a tree by the SDK (list-versions.ts)
          command.middlewareStack.add(scanObjectPages((p) => (scanned = p)) as never, {
            step: 'deserialize',
            priority: 'low',
            name: 'mwaaScanObjectPages',
          });
          await client.send(command, opts.signal ? { abortSignal: opts.signal } : undefined);
        } catch (error) {
          throw mapS3Error(error, `ListObjectsV2 ${url(bucket, prefix)}`, bucket);
        }
        if (!scanned) throw new FailedError('aws.failed', `ListObjectsV2 ${url(bucket, prefix)}: the response had no listing`);
        const page: ScannedObjectsPage = scanned;
        listing.objects.push(...page.objects);
        if (page.isTruncated && (!page.nextContinuationToken || page.nextContinuationToken === token)) {
          throw new FailedError('aws.failed', `ListObjectsV2 ${url(bucket, prefix)}: the listing did not advance`);
        }
        const last = page.objects.at(-1)?.key;
        const pastUntil = opts.until !== undefined && last !== undefined && compareKeys(last, opts.until) >= 0;
        token = page.isTruncated && !pastUntil ? page.nextContinuationToken : undefined;
      } while (token);
      return listing;
    },

    async headObject(bucket, key, versionId) {
      const { HeadObjectCommand } = await sdk;
      try {
        const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ...owner }));
        if (r.DeleteMarker) return undefined;
        return { versionId: r.VersionId, etag: r.ETag ?? '', size: r.ContentLength ?? 0, lastModified: toTime(r.LastModified) };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw mapS3Error(error, `HeadObject ${url(bucket, key, versionId)}`, bucket);
      }
    },

    async getObject(bucket, key, versionId) {
      const { GetObjectCommand } = await sdk;
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ...owner }));
        if (!r.Body) return Buffer.alloc(0);
        const bytes = await r.Body.transformToByteArray();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a view, not a copy
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw mapS3Error(error, `GetObject ${url(bucket, key, versionId)}`, bucket);
      }
    },

    async getText(bucket, key, versionId) {
      const parts: string[] = [];
      return (await readText(bucket, key, (text) => parts.push(text), versionId)) ? parts.join('') : undefined;
    },

    readText,

    async getTextTagged(bucket, key, opts = {}) {
      const { GetObjectCommand } = await sdk;
      try {
        const r = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, ...(opts.ifNoneMatch ? { IfNoneMatch: opts.ifNoneMatch } : {}), ...owner }),
        );
        return { text: r.Body ? await r.Body.transformToString('utf8') : '', etag: r.ETag ?? '' };
      } catch (error) {
        if ((error as SdkError).$metadata?.httpStatusCode === 304) return 'not-modified';
        if (isMissing(error)) return undefined;
        throw mapS3Error(error, `GetObject ${url(bucket, key)}`, bucket);
      }
    },

    async putObject(bucket, key, body, opts = {}) {
      const { PutObjectCommand } = await sdk;
      try {
        const command = new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: body.byteLength,
          // S3 checks it; a bucket with a default Object Lock retention refuses a PUT without it (the
          // client computes no checksum of its own where S3 does not require one: clients.ts)
          ContentMD5: opts.contentMd5 ?? createHash('md5').update(body).digest('base64'),
          ...(opts.contentType ? { ContentType: opts.contentType } : {}),
          ...(opts.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
          ...(opts.ifMatch ? { IfMatch: opts.ifMatch } : {}),
          ...owner,
        });
        const r = await withUploadClient((c) => c.send(command));
        return { versionId: r.VersionId, etag: r.ETag ?? '' };
      } catch (error) {
        const e = (error ?? {}) as SdkError;
        if (opts.ifNoneMatch && (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412)) return { conflict: true };
        const gone = e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
        if (opts.ifMatch && (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412 || gone)) return { conflict: true };
        throw mapS3Error(error, `PutObject ${url(bucket, key)}`, bucket);
      }
    },

    async copyObject(bucket, key, sourceVersionId) {
      const { CopyObjectCommand } = await sdk;
      const source = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}?versionId=${encodeURIComponent(sourceVersionId)}`;
      try {
        const r = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: source, ...owner }));
        return { versionId: r.VersionId, etag: r.CopyObjectResult?.ETag ?? '' };
      } catch (error) {
        throw mapS3Error(error, `CopyObject ${url(bucket, key, sourceVersionId)}`, bucket);
      }
    },

    async deleteObject(bucket, key, versionId) {
      const { DeleteObjectCommand } = await sdk;
      try {
        const r = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ...owner }));
        return { versionId: r.VersionId, deleteMarker: r.DeleteMarker === true };
      } catch (error) {
        throw mapS3Error(error, `DeleteObject ${url(bucket, key, versionId)}`, bucket);
      }
    },

    async getBucketVersioning(bucket) {
      const { GetBucketVersioningCommand } = await sdk;
      try {
        const r = await client.send(new GetBucketVersioningCommand({ Bucket: bucket, ...owner }));
        return r.Status === 'Enabled' || r.Status === 'Suspended' ? r.Status : undefined;
      } catch (error) {
        throw mapS3Error(error, `GetBucketVersioning ${url(bucket)}`, bucket);
      }
    },

    forOwner(accountId) {
      return s3ApiWith(client, { ...options, expectedBucketOwner: accountId }, withUploadClient);
    },

    async getPublicAccessBlock(bucket) {
      const { GetPublicAccessBlockCommand } = await sdk;
      try {
        const r = await client.send(new GetPublicAccessBlockCommand({ Bucket: bucket, ...owner }));
        const c = r.PublicAccessBlockConfiguration ?? {};
        return {
          BlockPublicAcls: c.BlockPublicAcls === true,
          IgnorePublicAcls: c.IgnorePublicAcls === true,
          BlockPublicPolicy: c.BlockPublicPolicy === true,
          RestrictPublicBuckets: c.RestrictPublicBuckets === true,
        };
      } catch (error) {
        const e = (error ?? {}) as SdkError;
        if (e.name === 'NoSuchPublicAccessBlockConfiguration' || e.Code === 'NoSuchPublicAccessBlockConfiguration') return undefined;
        throw mapS3Error(error, `GetPublicAccessBlock ${url(bucket)}`, bucket);
      }
    },
  };
}

/**
 * Callers rely only on IsLatest for a key's newest entry (S3-compatible servers differ in how they
 * order a key's versions and delete markers); this puts the IsLatest entry first within each key (a
 * page boundary may split a key), the rest in the order received.
 */
function fixOrder(entries: VersionEntry[]): VersionEntry[] {
  const out: VersionEntry[] = [];
  let i = 0;
  while (i < entries.length) {
    let j = i;
    while (j < entries.length && entries[j].key === entries[i].key) j++;
    const group = entries.slice(i, j);
    const latest = group.findIndex((e) => e.isLatest);
    if (latest > 0) group.unshift(...group.splice(latest, 1));
    out.push(...group);
    i = j;
  }
  return out;
}
