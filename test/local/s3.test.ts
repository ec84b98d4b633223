/**
 * S3 operations of the local emulator, driven through the real @aws-sdk/client-s3.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEmulator, TEST_CREDENTIALS, startTestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let s3: S3Client;
let n = 0;
/** a fresh bucket name per test */
const bucketName = (tag: string): string => `t${++n}-${tag}`.toLowerCase().slice(0, 63);

beforeAll(async () => {
  emu = await startTestEmulator();
  s3 = emu.s3;
});
afterAll(async () => {
  await emu?.close();
});

async function newBucket(tag: string, versioned: boolean | 'Suspended' = true): Promise<string> {
  const b = bucketName(tag);
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  if (versioned) {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: versioned === true ? 'Enabled' : 'Suspended' } }),
    );
  }
  return b;
}

async function text(b: string, key: string, versionId?: string): Promise<string> {
  const r = await s3.send(new GetObjectCommand({ Bucket: b, Key: key, VersionId: versionId }));
  return r.Body!.transformToString();
}

/** the error an SDK call fails with */
async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; err: any }> {
  try {
    await p;
  } catch (err: any) {
    return { name: err.name, status: err.$metadata?.httpStatusCode, err };
  }
  throw new Error('expected the call to fail');
}

const md5hex = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

describe('buckets', () => {
  it('creates, heads, lists and deletes a bucket', async () => {
    const b = bucketName('basic');
    const created = await s3.send(new CreateBucketCommand({ Bucket: b }));
    expect(created.Location).toBe(`/${b}`);
    const head = await s3.send(new HeadBucketCommand({ Bucket: b }));
    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(head.BucketRegion).toBe('us-east-1');
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets!.map((x) => x.Name)).toContain(b);
    expect(list.Buckets!.find((x) => x.Name === b)!.CreationDate).toBeInstanceOf(Date);
    expect(list.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: b }));
    expect(loc.LocationConstraint ?? '').toBe('');
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    const f = await failure(s3.send(new HeadBucketCommand({ Bucket: b })));
    expect(f.status).toBe(404);
    const f2 = await failure(s3.send(new DeleteBucketCommand({ Bucket: b })));
    expect([f2.name, f2.status]).toEqual(['NoSuchBucket', 404]);
  });

  it('answers a second create in us-east-1 with 200 (AWS legacy) and bad names with InvalidBucketName', async () => {
    const b = await newBucket('dup', false);
    expect((await s3.send(new CreateBucketCommand({ Bucket: b }))).$metadata.httpStatusCode).toBe(200);
    for (const bad of ['ab', 'UPPER-case', 'has_underscore', '-leading', 'a..b', '192.168.1.1']) {
      const g = await failure(s3.send(new CreateBucketCommand({ Bucket: bad })));
      expect([bad, g.name, g.status]).toEqual([bad, 'InvalidBucketName', 400]);
    }
  });

  it('honours LocationConstraint and rejects one that does not match the endpoint region', async () => {
    const eu = new S3Client({
      endpoint: emu.url,
      region: 'eu-west-1',
      credentials: TEST_CREDENTIALS,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    try {
      const b = bucketName('eu');
      await eu.send(new CreateBucketCommand({ Bucket: b, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      const loc = await s3.send(new GetBucketLocationCommand({ Bucket: b }));
      expect(loc.LocationConstraint).toBe('eu-west-1');
      const head = await s3.send(new HeadBucketCommand({ Bucket: b }));
      expect(head.BucketRegion).toBe('eu-west-1');
      // (the SDK adds the client's region as LocationConstraint by itself, so send a bare request)
      const raw = await fetch(`${emu.url}/${bucketName('eu2')}`, {
        method: 'PUT',
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00' },
      });
      expect(raw.status).toBe(400);
      expect(await raw.text()).toContain('<Code>IllegalLocationConstraintException</Code>');
      const g = await failure(
        eu.send(new CreateBucketCommand({ Bucket: bucketName('eu3'), CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } })),
      );
      expect(g.name).toBe('IllegalLocationConstraintException');
      const h = await failure(
        s3.send(
          new CreateBucketCommand({
            Bucket: bucketName('use1'),
            CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as 'us-west-2' },
          }),
        ),
      );
      expect([h.name, h.status]).toEqual(['InvalidLocationConstraint', 400]);
      // the us-east-1 endpoint accepts any valid constraint
      const w = bucketName('usw2');
      await s3.send(new CreateBucketCommand({ Bucket: w, CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
      expect((await s3.send(new GetBucketLocationCommand({ Bucket: w }))).LocationConstraint).toBe('us-west-2');
    } finally {
      eu.destroy();
    }
  });

  it('refuses to delete a bucket that still has versions (including delete markers)', async () => {
    const b = await newBucket('notempty');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' })); // now only a delete marker is current
    const f = await failure(s3.send(new DeleteBucketCommand({ Bucket: b })));
    expect([f.name, f.status]).toEqual(['BucketNotEmpty', 409]);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    for (const v of [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])]) {
      await s3.send(new DeleteObjectCommand({ Bucket: b, Key: v.Key!, VersionId: v.VersionId! }));
    }
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
  });

  it('gets and puts bucket versioning', async () => {
    const b = await newBucket('ver', false);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBeUndefined();
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Suspended');
    const f = await failure(s3.send(new GetBucketVersioningCommand({ Bucket: 'no-such-bucket-here' })));
    expect([f.name, f.status]).toEqual(['NoSuchBucket', 404]);
  });

  it('gets, puts and deletes the public access block', async () => {
    const b = await newBucket('pab', false);
    const f = await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: b })));
    expect([f.name, f.status]).toEqual(['NoSuchPublicAccessBlockConfiguration', 404]);
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: b,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: true,
        },
      }),
    );
    const got = await s3.send(new GetPublicAccessBlockCommand({ Bucket: b }));
    expect(got.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
    expect((await failure(s3.send(new GetPublicAccessBlockCommand({ Bucket: b })))).name).toBe('NoSuchPublicAccessBlockConfiguration');
  });
});

describe('objects', () => {
  it('round-trips bytes, user metadata, content headers, ETag and Last-Modified', async () => {
    const b = await newBucket('rt', false);
    const body = randomBytes(200_000);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: b,
        Key: 'dir/file.bin',
        Body: body,
        ContentType: 'application/x-thing',
        CacheControl: 'no-cache',
        ContentDisposition: 'attachment; filename="f.bin"',
        Metadata: { owner: 'team-a', sha256: 'abc' },
      }),
    );
    expect(put.ETag).toBe(`"${md5hex(body)}"`);
    expect(put.VersionId).toBeUndefined(); // never-versioned bucket
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'dir/file.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(body)).toBe(true);
    expect(got.ETag).toBe(put.ETag);
    expect(got.ContentLength).toBe(body.length);
    expect(got.ContentType).toBe('application/x-thing');
    expect(got.CacheControl).toBe('no-cache');
    expect(got.ContentDisposition).toBe('attachment; filename="f.bin"');
    expect(got.Metadata).toEqual({ owner: 'team-a', sha256: 'abc' });
    expect(got.LastModified).toBeInstanceOf(Date);
    expect(Math.abs(got.LastModified!.getTime() - Date.now())).toBeLessThan(60_000);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dir/file.bin' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toBe(put.ETag);
    expect(head.Metadata).toEqual({ owner: 'team-a', sha256: 'abc' });
  });

  it('decodes aws-chunked uploads (stream bodies with a trailing checksum) byte for byte', async () => {
    const b = await newBucket('chunked', false);
    const parts = [randomBytes(70_000), randomBytes(1), randomBytes(33_333)];
    const all = Buffer.concat(parts);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 's.bin', Body: Readable.from(parts), ContentLength: all.length }));
    expect(put.ETag).toBe(`"${md5hex(all)}"`);
    expect(put.ChecksumCRC32).toBeDefined();
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 's.bin', ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(all)).toBe(true);
    expect(got.ChecksumCRC32).toBe(put.ChecksumCRC32);
    expect(got.ContentEncoding).toBeUndefined(); // aws-chunked is not part of the stored object
  });

  it('stores and validates each flexible checksum algorithm', async () => {
    const b = await newBucket('cksum', false);
    for (const algo of ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'] as const) {
      const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: algo, Body: `body for ${algo}`, ChecksumAlgorithm: algo }));
      const field = `Checksum${algo}` as const;
      expect(put[field], algo).toBeTruthy();
      const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: algo, ChecksumMode: 'ENABLED' }));
      expect(head[field], algo).toBe(put[field]);
    }
    // known values
    const sha = createHash('sha256').update('body for SHA256').digest('base64');
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'SHA256', ChecksumMode: 'ENABLED' }))).ChecksumSHA256).toBe(sha);
    const f = await failure(s3.send(new PutObjectCommand({ Bucket: b, Key: 'bad', Body: 'data', ChecksumCRC32: 'AAAAAA==' })));
    expect([f.name, f.status]).toEqual(['BadDigest', 400]);
  });

  it('checks Content-MD5 (BadDigest) and accepts a correct one', async () => {
    const b = await newBucket('md5', false);
    const good = createHash('md5').update('payload').digest('base64');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'ok', Body: 'payload', ContentMD5: good }));
    const bad = createHash('md5').update('other').digest('base64');
    const f = await failure(s3.send(new PutObjectCommand({ Bucket: b, Key: 'bad', Body: 'payload', ContentMD5: bad })));
    expect([f.name, f.status]).toEqual(['BadDigest', 400]);
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'bad' })))).status).toBe(404);
    const g = await failure(s3.send(new PutObjectCommand({ Bucket: b, Key: 'bad', Body: 'payload', ContentMD5: 'notbase64!' })));
    expect([g.name, g.status]).toEqual(['InvalidDigest', 400]);
  });

  it('If-None-Match: * fails with 412 PreconditionFailed only while the key has a current version', async () => {
    const b = await newBucket('cond');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: '.mwaa/lock.json', Body: '{"owner":"a"}', IfNoneMatch: '*' }));
    const f = await failure(s3.send(new PutObjectCommand({ Bucket: b, Key: '.mwaa/lock.json', Body: '{"owner":"b"}', IfNoneMatch: '*' })));
    expect([f.name, f.status]).toEqual(['PreconditionFailed', 412]);
    expect(await text(b, '.mwaa/lock.json')).toBe('{"owner":"a"}');
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: '.mwaa/lock.json' })); // delete marker
    await s3.send(new PutObjectCommand({ Bucket: b, Key: '.mwaa/lock.json', Body: '{"owner":"c"}', IfNoneMatch: '*' }));
    expect(await text(b, '.mwaa/lock.json')).toBe('{"owner":"c"}');
    // If-Match on write
    const cur = await s3.send(new HeadObjectCommand({ Bucket: b, Key: '.mwaa/lock.json' }));
    const g = await failure(s3.send(new PutObjectCommand({ Bucket: b, Key: '.mwaa/lock.json', Body: 'x', IfMatch: '"0000"' })));
    expect([g.name, g.status]).toEqual(['PreconditionFailed', 412]);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: '.mwaa/lock.json', Body: 'y', IfMatch: cur.ETag }));
    expect(await text(b, '.mwaa/lock.json')).toBe('y');
  });

  it('answers Range requests with 206 and unsatisfiable ranges with 416 InvalidRange', async () => {
    const b = await newBucket('range', false);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'r', Body: '0123456789' }));
    const r1 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'r', Range: 'bytes=2-5' }));
    expect(r1.$metadata.httpStatusCode).toBe(206);
    expect(r1.ContentRange).toBe('bytes 2-5/10');
    expect(r1.ContentLength).toBe(4);
    expect(await r1.Body!.transformToString()).toBe('2345');
    const r2 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'r', Range: 'bytes=-3' }));
    expect(await r2.Body!.transformToString()).toBe('789');
    const r3 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'r', Range: 'bytes=7-100' }));
    expect([r3.ContentRange, await r3.Body!.transformToString()]).toEqual(['bytes 7-9/10', '789']);
    const f = await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: 'r', Range: 'bytes=10-' })));
    expect([f.name, f.status]).toEqual(['InvalidRange', 416]);
  });

  it('answers conditional GETs: If-None-Match -> 304, If-Match mismatch -> 412', async () => {
    const b = await newBucket('condget', false);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'c', Body: 'cond' }));
    const f = await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: 'c', IfNoneMatch: put.ETag })));
    expect(f.status).toBe(304);
    const g = await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: 'c', IfMatch: '"nope"' })));
    expect([g.name, g.status]).toEqual(['PreconditionFailed', 412]);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: 'c', IfMatch: put.ETag }))).Body!.transformToString()).toBe('cond');
  });

  it('reports missing buckets, keys and versions with the real codes', async () => {
    const b = await newBucket('missing');
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: 'nope' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'nope' })))).toMatchObject({ name: 'NotFound', status: 404 });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-x', Key: 'k' })))).toMatchObject({
      name: 'NoSuchBucket',
      status: 404,
    });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket-x', Key: 'k', Body: 'x' })))).toMatchObject({
      name: 'NoSuchBucket',
    });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }))),
    ).toMatchObject({
      name: 'NoSuchVersion',
      status: 404,
    });
    const long = 'k'.repeat(1025);
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: b, Key: long, Body: 'x' })))).toMatchObject({
      name: 'KeyTooLongError',
      status: 400,
    });
  });
});

describe('versioning', () => {
  it('keeps every version, with opaque ids, and serves any of them', async () => {
    const b = await newBucket('versions');
    const v1 = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'dags/a.py', Body: 'one' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'dags/a.py', Body: 'two' }));
    expect(v1.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(await text(b, 'dags/a.py')).toBe('two');
    expect(await text(b, 'dags/a.py', v1.VersionId)).toBe('one');
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'dags/a.py' }));
    expect(got.VersionId).toBe(v2.VersionId);
    const list = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(list.Versions!.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2.VersionId, true],
      [v1.VersionId, false],
    ]);
  });

  it('delete creates a delete marker; GET/HEAD then 404, the marker version 405; removing the marker restores the object', async () => {
    const b = await newBucket('marker');
    const v1 = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'alive' }));
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    expect(del.DeleteMarker).toBe(true);
    expect(del.VersionId).toBeTruthy();
    expect(del.VersionId).not.toBe(v1.VersionId);
    const f = await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })));
    expect([f.name, f.status]).toEqual(['NoSuchKey', 404]);
    expect(f.err.$response?.headers?.['x-amz-delete-marker']).toBe('true');
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' })))).status).toBe(404);
    const g = await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: del.VersionId })));
    expect(g.status).toBe(405);
    expect(g.name).toBe('MethodNotAllowed');
    const h = await failure(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', VersionId: del.VersionId })));
    expect(h.status).toBe(405);
    // the old version is still readable by id
    expect(await text(b, 'k', v1.VersionId)).toBe('alive');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'k' }));
    expect(versions.DeleteMarkers!.map((d) => [d.VersionId, d.IsLatest])).toEqual([[del.VersionId, true]]);
    expect(versions.Versions!.map((v) => [v.VersionId, v.IsLatest])).toEqual([[v1.VersionId, false]]);
    // ListObjectsV2 hides the key
    expect((await s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount).toBe(0);
    // deleting the delete marker by id restores the previous version as latest
    const undo = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: del.VersionId }));
    expect(undo.DeleteMarker).toBe(true);
    expect(undo.VersionId).toBe(del.VersionId);
    expect(await text(b, 'k')).toBe('alive');
  });

  it('deleting a specific version removes it for good; the previous one becomes latest', async () => {
    const b = await newBucket('delver');
    const v1 = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: '1' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: '2' }));
    const r = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v2.VersionId }));
    expect(r.VersionId).toBe(v2.VersionId);
    expect(r.DeleteMarker).toBeUndefined();
    expect(await text(b, 'k')).toBe('1');
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: v2.VersionId })))).name).toBe('NoSuchVersion');
    const list = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(list.Versions!.map((v) => [v.VersionId, v.IsLatest])).toEqual([[v1.VersionId, true]]);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v1.VersionId }));
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: b }))).Versions).toBeUndefined();
    // deleting a version that does not exist succeeds (as on S3) and echoes the id, creating nothing
    const again = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v1.VersionId }));
    expect([again.$metadata.httpStatusCode, again.VersionId, again.DeleteMarker]).toEqual([204, v1.VersionId, undefined]);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect([listed.Versions, listed.DeleteMarkers]).toEqual([undefined, undefined]);
  });

  it('unversioned buckets use version id "null"; deletes remove the object', async () => {
    const b = await newBucket('plain', false);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: '1' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: '2' }));
    const list = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(list.Versions!.map((v) => [v.VersionId, v.IsLatest])).toEqual([['null', true]]);
    expect(await text(b, 'k', 'null')).toBe('2');
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    expect(del.DeleteMarker).toBeUndefined();
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: b }))).Versions).toBeUndefined();
  });

  it('suspended versioning writes the "null" version over the previous null version, keeping real versions', async () => {
    const b = await newBucket('susp');
    const v1 = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'versioned' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'n1' }));
    expect(p.VersionId).toBe('null');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'n2' }));
    const list = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(list.Versions!.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      ['null', true],
      [v1.VersionId, false],
    ]);
    expect(await text(b, 'k')).toBe('n2');
  });
});

describe('copy', () => {
  it("copies a specific version forward (COPY keeps metadata, REPLACE takes the request's)", async () => {
    const b = await newBucket('copy');
    const v1 = await s3.send(
      new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'first', Metadata: { m: '1' }, ContentType: 'text/x-one' }),
    );
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'second', Metadata: { m: '2' } }));
    // restore v1 as latest of the same key (a rollback)
    const c = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'src', CopySource: `${b}/src?versionId=${v1.VersionId}` }));
    expect(c.CopySourceVersionId).toBe(v1.VersionId);
    expect(c.VersionId).toBeTruthy();
    expect(c.CopyObjectResult!.ETag).toBe(`"${md5hex('first')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'src' }));
    expect(await got.Body!.transformToString()).toBe('first');
    expect(got.Metadata).toEqual({ m: '1' });
    expect(got.ContentType).toBe('text/x-one');
    expect(got.VersionId).toBe(c.VersionId);
    // REPLACE into another bucket, with a key that needs encoding
    const other = await newBucket('copydst', false);
    await s3.send(
      new CopyObjectCommand({
        Bucket: other,
        Key: 'dst/with space+plus.txt',
        CopySource: `${b}/${encodeURIComponent('src')}`,
        MetadataDirective: 'REPLACE',
        Metadata: { replaced: 'yes' },
        ContentType: 'text/plain',
      }),
    );
    const d = await s3.send(new GetObjectCommand({ Bucket: other, Key: 'dst/with space+plus.txt' }));
    expect(await d.Body!.transformToString()).toBe('first');
    expect(d.Metadata).toEqual({ replaced: 'yes' });
    expect(d.ContentType).toBe('text/plain');
  });

  it('refuses illegal copies: to itself unchanged, from a delete marker, from a missing key or version', async () => {
    const b = await newBucket('copybad');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k', CopySource: `${b}/k` })))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
    });
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    expect(
      await failure(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k2', CopySource: `${b}/k?versionId=${del.VersionId}` }))),
    ).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
    });
    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k2', CopySource: `${b}/k` })))).toMatchObject({
      name: 'NoSuchKey',
      status: 404,
    });
    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k2', CopySource: `${b}/k?versionId=AAAAAAAA` })))).toMatchObject({
      name: 'NoSuchVersion',
    });
    expect(await failure(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k2', CopySource: `no-such-bucket-y/k` })))).toMatchObject({
      name: 'NoSuchBucket',
    });
  });
});

describe('DeleteObjects', () => {
  it('deletes many keys and versions, reporting markers; Quiet reports only errors', async () => {
    const b = await newBucket('multi');
    const v = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'a' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'b', Body: 'b' }));
    const r = await s3.send(
      new DeleteObjectsCommand({
        Bucket: b,
        Delete: { Objects: [{ Key: 'a', VersionId: v.VersionId }, { Key: 'b' }, { Key: 'never-existed' }] },
      }),
    );
    expect(r.Errors).toBeUndefined();
    const byKey = Object.fromEntries(r.Deleted!.map((d) => [d.Key, d]));
    expect(byKey.a).toMatchObject({ VersionId: v.VersionId });
    expect(byKey.a.DeleteMarker).toBeUndefined();
    expect(byKey.b).toMatchObject({ DeleteMarker: true });
    expect(byKey.b.DeleteMarkerVersionId).toBeTruthy();
    expect(byKey['never-existed']).toMatchObject({ DeleteMarker: true });
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: b }))).Versions?.map((x) => x.Key)).toEqual(['b']);

    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'c', Body: 'c' }));
    const q = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Quiet: true, Objects: [{ Key: 'c' }] } }));
    expect(q.Deleted).toBeUndefined();
    expect(q.Errors).toBeUndefined();
    expect((await failure(s3.send(new GetObjectCommand({ Bucket: b, Key: 'c' })))).name).toBe('NoSuchKey');
  });

  it('reports a per-key failure (fault on DeleteObject for that key) in Errors and deletes the others', async () => {
    const b = await newBucket('multifault', false);
    for (const k of ['x', 'y', 'z']) await s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }));
    await emu.fault({
      service: 's3',
      operation: 'DeleteObject',
      match: { Bucket: b, Key: 'y' },
      error: { status: 500, code: 'InternalError', message: 'boom' },
    });
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'x' }, { Key: 'y' }, { Key: 'z' }] } }));
    expect(r.Errors).toEqual([{ Key: 'y', Code: 'InternalError', Message: 'boom' }]);
    expect(r.Deleted!.map((d) => d.Key).sort()).toEqual(['x', 'z']);
    expect(await text(b, 'y')).toBe('y');
  });
});

describe('multipart upload', () => {
  it('assembles parts into one object with a multipart ETag', async () => {
    const b = await newBucket('mpu');
    const p1 = randomBytes(5 * 1024 * 1024);
    const p2 = randomBytes(1000);
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'big.zip', Metadata: { kind: 'zip' } }));
    const e1 = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'big.zip', UploadId: up.UploadId, PartNumber: 1, Body: p1 }));
    const e2 = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'big.zip', UploadId: up.UploadId, PartNumber: 2, Body: p2 }));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'big.zip',
        UploadId: up.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: e1.ETag },
            { PartNumber: 2, ETag: e2.ETag },
          ],
        },
      }),
    );
    const expected = createHash('md5')
      .update(Buffer.concat([Buffer.from(md5hex(p1), 'hex'), Buffer.from(md5hex(p2), 'hex')]))
      .digest('hex');
    expect(done.ETag).toBe(`"${expected}-2"`);
    expect(done.VersionId).toBeTruthy();
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'big.zip' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([p1, p2]))).toBe(true);
    expect(got.Metadata).toEqual({ kind: 'zip' });
    // the upload is gone
    expect(await failure(s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'big.zip', UploadId: up.UploadId })))).toMatchObject({
      name: 'NoSuchUpload',
      status: 404,
    });
  });

  it('rejects small non-final parts and unknown parts', async () => {
    const b = await newBucket('mpubad', false);
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k' }));
    const e1 = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId, PartNumber: 1, Body: 'small' }));
    const e2 = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId, PartNumber: 2, Body: 'last' }));
    const parts = [
      { PartNumber: 1, ETag: e1.ETag },
      { PartNumber: 2, ETag: e2.ETag },
    ];
    expect(
      await failure(
        s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId, MultipartUpload: { Parts: parts } })),
      ),
    ).toMatchObject({
      name: 'EntityTooSmall',
    });
    expect(
      await failure(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: b,
            Key: 'k',
            UploadId: up.UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 3, ETag: e1.ETag }] },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidPart' });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId }));
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' })))).status).toBe(404);
  });
});
