/**
 * Conformance: S3 answers of the local emulator compared with AWS's documented (or AWS-observed)
 * behaviour, through @aws-sdk/client-s3 (raw fetch only where the SDK cannot send the request).
 * Each case names its source: an AWS documentation page, or a snapshot test of LocalStack
 * (github.com/localstack/localstack, tests/aws/services/s3/test_s3.py) recorded against AWS, or the
 * side-by-side comparison with AWS reported in issue #18 of this project.
 */
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCopyCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEmulator, TEST_ACCOUNT_ID, TEST_CREDENTIALS, startTestEmulator } from '../helpers/emulator.js';
import { python } from '../helpers/python.js';
import { boto3Missing } from '../helpers/tools.js';

let emu: TestEmulator;
let s3: S3Client;
let n = 0;
const bucketName = (tag: string): string => `c${++n}-${tag}`.toLowerCase().slice(0, 63);

beforeAll(async () => {
  emu = await startTestEmulator();
  s3 = emu.s3;
});
afterAll(async () => {
  await emu?.close();
});

interface Rejection {
  name: string;
  status: number | undefined;
  message: string;
  raw: Record<string, unknown>;
}

/** The S3 error a call rejects with (name = the error code). */
async function rejection(p: Promise<unknown>): Promise<Rejection> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) {
      return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message, raw: e as unknown as Record<string, unknown> };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}

async function newBucket(tag: string, versioned = false): Promise<string> {
  const b = bucketName(tag);
  await s3.send(new CreateBucketCommand({ Bucket: b }));
  if (versioned) await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  return b;
}

function client(region: string): S3Client {
  return new S3Client({ endpoint: emu.url, region, credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
}

const sigV4 = (region: string) => `AWS4-HMAC-SHA256 Credential=AKID/20250101/${region}/s3/aws4_request, SignedHeaders=host, Signature=00`;

describe('CreateBucket', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (BucketAlreadyOwnedByYou: "in the
  // North Virginia Region ... Amazon S3 returns 200 OK and resets the bucket access control lists")
  it('re-creating a bucket you own in us-east-1 answers 200; in another region 409 BucketAlreadyOwnedByYou', async () => {
    const b = await newBucket('again');
    const again = await s3.send(new CreateBucketCommand({ Bucket: b }));
    expect(again.$metadata.httpStatusCode).toBe(200);
    const eu = client('eu-west-1');
    try {
      const e = bucketName('again-eu');
      await eu.send(new CreateBucketCommand({ Bucket: e, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      expect(
        await rejection(eu.send(new CreateBucketCommand({ Bucket: e, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }))),
      ).toMatchObject({
        name: 'BucketAlreadyOwnedByYou',
        status: 409,
      });
    } finally {
      eu.destroy();
    }
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html (the constraint must match the
  // endpoint's region) and issue #18: a us-east-1 constraint sent to another region's endpoint is
  // IllegalLocationConstraintException, not InvalidLocationConstraint
  it('LocationConstraint us-east-1 sent from another region is IllegalLocationConstraintException', async () => {
    const body =
      '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>';
    const r = await fetch(`${emu.url}/${bucketName('use1-from-eu')}`, {
      method: 'PUT',
      headers: { authorization: sigV4('eu-west-1') },
      body,
    });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('<Code>IllegalLocationConstraintException</Code>');
  });
});

describe('conditional writes and deletes', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html
  it('DeleteObject with an If-Match that does not match answers 412 and deletes nothing', async () => {
    const b = await newBucket('cond-del', true);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    expect(
      await rejection(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', IfMatch: '"0123456789abcdef0123456789abcdef"' }))),
    ).toMatchObject({
      name: 'PreconditionFailed',
      status: 412,
    });
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(versions.DeleteMarkers).toBeUndefined();
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual([put.VersionId]);
    // DeleteObjects takes the same condition per object (ETag)
    const batch = await s3.send(
      new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'k', ETag: '"0123456789abcdef0123456789abcdef"' }] } }),
    );
    expect(batch.Errors?.map((e) => [e.Key, e.Code])).toEqual([['k', 'PreconditionFailed']]);
    expect(batch.Deleted).toBeUndefined();
    // a matching one deletes
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', IfMatch: put.ETag }));
    expect(del.DeleteMarker).toBe(true);
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html and issue #18 (observed
  // against AWS): S3 matches the ETag with its quotes missing or with only one of them
  it('PutObject If-Match is accepted with the quotes missing or one quote stripped', async () => {
    const b = await newBucket('cond-put');
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    const bare = put.ETag!.replace(/"/g, '');
    for (const form of [bare, `"${bare}`, `${bare}"`]) {
      const r = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', IfMatch: form }));
      expect(r.ETag).toBe(put.ETag);
    }
  });
});

describe('CopyObject in place', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html (a copy to itself is refused only
  // without a change) and issue #18 (observed against AWS): naming the current version explicitly copies
  // it to a new version
  it('copying key?versionId=<current> onto the same key in a versioned bucket makes a new version', async () => {
    const b = await newBucket('copy-self', true);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    const r = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k', CopySource: `${b}/k?versionId=${put.VersionId}` }));
    expect(r.$metadata.httpStatusCode).toBe(200);
    expect(r.VersionId).toBeTruthy();
    expect(r.VersionId).not.toBe(put.VersionId);
    expect(r.CopySourceVersionId).toBe(put.VersionId);
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html (x-amz-copy-source-if-* → 412) and
  // issue #18 (observed against AWS): the precondition is checked before the copy-to-itself rule, and
  // the 412's Condition names the header that failed
  it('a failing copy-source precondition on an in-place copy is 412 naming the exact header', async () => {
    const b = await newBucket('copy-cond');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    const r = await fetch(`${emu.url}/${b}/k`, {
      method: 'PUT',
      headers: { authorization: sigV4('us-east-1'), 'x-amz-copy-source': `/${b}/k`, 'x-amz-copy-source-if-match': '"nope"' },
    });
    expect(r.status).toBe(412);
    const text = await r.text();
    expect(text).toContain('<Code>PreconditionFailed</Code>');
    expect(text).toContain('<Condition>x-amz-copy-source-If-Match</Condition>');
    const r2 = await fetch(`${emu.url}/${b}/k`, {
      method: 'PUT',
      headers: {
        authorization: sigV4('us-east-1'),
        'x-amz-copy-source': `/${b}/k`,
        'x-amz-copy-source-if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT',
      },
    });
    expect(r2.status).toBe(412);
    expect(await r2.text()).toContain('<Condition>x-amz-copy-source-If-Unmodified-Since</Condition>');
  });
});

describe('partNumber reads', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (PartNumber: "Effectively performs a
  // 'ranged' GET request for the part specified") and issue #18 (observed against AWS): part 1 of a
  // single-part object is 206 with Content-Range, part 2 is 416 InvalidPartNumber
  it('partNumber=1 of a single-part object is 206 with Content-Range; partNumber=2 is 416', async () => {
    const b = await newBucket('parts');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'hello' }));
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', PartNumber: 1 }));
    expect(g.$metadata.httpStatusCode).toBe(206);
    expect(g.ContentRange).toBe('bytes 0-4/5');
    expect(await g.Body!.transformToString()).toBe('hello');
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', PartNumber: 1 }));
    expect(h.$metadata.httpStatusCode).toBe(206);
    expect(h.ContentRange).toBe('bytes 0-4/5');
    expect(await rejection(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', PartNumber: 2 })))).toMatchObject({
      name: 'InvalidPartNumber',
      status: 416,
    });
    expect((await rejection(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', PartNumber: 2 })))).status).toBe(416);
  });
});

describe('malformed version ids', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (InvalidArgument) and issue #18
  // (observed against AWS: 400 InvalidArgument "Invalid version id specified", ArgumentName versionId)
  it('Get, Head, Delete and a ListObjectVersions marker with version id "bogus" answer 400 InvalidArgument', async () => {
    const b = await newBucket('bogus', true);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    for (const call of [
      () => s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'bogus' })),
      () => s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: 'bogus' })),
      () => s3.send(new ListObjectVersionsCommand({ Bucket: b, KeyMarker: 'k', VersionIdMarker: 'bogus' })),
    ]) {
      expect(await rejection(call())).toMatchObject({ name: 'InvalidArgument', status: 400, message: 'Invalid version id specified' });
    }
    expect((await rejection(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', VersionId: 'bogus' })))).status).toBe(400);
    // nothing was deleted
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: b }))).Versions).toHaveLength(1);
  });
});

describe('ExpectedBucketOwner', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html ("If the bucket is owned
  // by a different account, the request fails with an HTTP 403 (Access Denied) error")
  it('a call naming another account as the bucket owner is 403 AccessDenied; the right account passes', async () => {
    const b = await newBucket('owner');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ExpectedBucketOwner: TEST_ACCOUNT_ID }));
    for (const call of [
      () => s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'y', ExpectedBucketOwner: '111122223333' })),
      () => s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', ExpectedBucketOwner: '111122223333' })),
      () => s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', ExpectedBucketOwner: '111122223333' })),
      () => s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k2', CopySource: `${b}/k`, ExpectedSourceBucketOwner: '111122223333' })),
    ]) {
      expect(await rejection(call())).toMatchObject({ name: 'AccessDenied', status: 403 });
    }
    expect(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }))).Body!.transformToString()).toBe('x');
  });
});

describe('HeadBucket', () => {
  // issue #18 (observed against AWS: HeadBucket answers Content-Type application/xml)
  it('answers Content-Type application/xml', async () => {
    const b = await newBucket('head');
    const r = await fetch(`${emu.url}/${b}`, { method: 'HEAD', headers: { authorization: sigV4('us-east-1') } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/xml');
  });
});

describe('object tagging', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (x-amz-tagging),
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html, API_PutObjectTagging.html
  it('stores x-amz-tagging, returns it from GetObjectTagging and the count from GetObject; Put/DeleteObjectTagging change it', async () => {
    const b = await newBucket('tags', true);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', Tagging: 'team=data&tier=gold' }));
    const t = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k' }));
    expect(t.TagSet).toEqual([
      { Key: 'team', Value: 'data' },
      { Key: 'tier', Value: 'gold' },
    ]);
    expect(t.VersionId).toBe(put.VersionId);
    expect((await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }))).TagCount).toBe(2);
    await s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'k', Tagging: { TagSet: [{ Key: 'only', Value: 'one' }] } }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k' }))).TagSet).toEqual([{ Key: 'only', Value: 'one' }]);
    // a copy keeps the tags (x-amz-tagging-directive COPY is the default)
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k2', CopySource: `${b}/k` }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k2' }))).TagSet).toEqual([{ Key: 'only', Value: 'one' }]);
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: b, Key: 'k' }));
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k' }))).TagSet).toEqual([]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }))).$metadata.httpStatusCode).toBe(200);
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-managing.html (limits: 10 tags per object)
  it('refuses more than 10 tags with InvalidTag', async () => {
    const b = await newBucket('tags-many');
    const many = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
    expect(await rejection(s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', Tagging: many })))).toMatchObject({
      name: 'InvalidTag',
      status: 400,
    });
  });
});

describe('server-side encryption', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html (the response
  // carries x-amz-server-side-encryption: aws:kms and the key id)
  it('PutObject with aws:kms echoes aws:kms and a key id, and GetObject/HeadObject report it', async () => {
    const b = await newBucket('kms');
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms' }));
    expect(put.ServerSideEncryption).toBe('aws:kms');
    expect(put.SSEKMSKeyId).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
    expect(h.ServerSideEncryption).toBe('aws:kms');
    expect(h.SSEKMSKeyId).toBe(put.SSEKMSKeyId);
    const plain = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'p', Body: 'x' }));
    expect(plain.ServerSideEncryption).toBe('AES256');
  });
});

describe('ACLs and object lock', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html: with Object Ownership
  // "bucket owner enforced" (the default for new buckets) a request that sets an ACL other than
  // bucket-owner-full-control fails with 400 AccessControlListNotSupported, and CreateBucket with an ACL
  // with InvalidBucketAclWithObjectOwnership; https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html:
  // lock settings need a bucket with Object Lock
  it('refuses ACLs and object-lock settings instead of ignoring them', async () => {
    const b = await newBucket('acl');
    expect(await rejection(s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ACL: 'public-read' })))).toMatchObject({
      name: 'AccessControlListNotSupported',
      status: 400,
    });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ACL: 'bucket-owner-full-control' }));
    expect(
      await rejection(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k2', CopySource: `${b}/k`, GrantRead: 'id=abc' }))),
    ).toMatchObject({
      name: 'AccessControlListNotSupported',
    });
    expect(
      await rejection(s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ObjectLockLegalHoldStatus: 'ON' }))),
    ).toMatchObject({ name: 'InvalidRequest', status: 400, message: 'Bucket is missing Object Lock Configuration' });
    expect(await rejection(s3.send(new CreateBucketCommand({ Bucket: bucketName('acl-b'), ACL: 'public-read' })))).toMatchObject({
      name: 'InvalidBucketAclWithObjectOwnership',
      status: 400,
    });
    expect(
      await rejection(s3.send(new CreateBucketCommand({ Bucket: bucketName('lock-b'), ObjectLockEnabledForBucket: true }))),
    ).toMatchObject({
      name: 'NotImplemented',
      status: 501,
    });
  });
});

describe('presigned URLs', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth
  // (boto3's default presigned URL for us-east-1 carries AWSAccessKeyId, Signature and Expires)
  it('a SigV2 query-string presigned GET answers 200; an expired one 403', async () => {
    const b = await newBucket('presign');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'hello' }));
    const future = Math.floor(Date.now() / 1000) + 3600;
    const r = await fetch(`${emu.url}/${b}/k?AWSAccessKeyId=AKIDLOCALTEST&Signature=abc%3D&Expires=${future}`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('hello');
    const old = await fetch(`${emu.url}/${b}/k?AWSAccessKeyId=AKIDLOCALTEST&Signature=abc%3D&Expires=1000`);
    expect(old.status).toBe(403);
    expect(await old.text()).toContain('<Code>AccessDenied</Code>');
  });

  it("boto3's default presigned GET URL answers 200 (skipped without python3 + boto3)", async (ctx) => {
    if (boto3Missing()) ctx.skip();
    const b = await newBucket('presign-boto3');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'from boto3' }));
    const r = await python(
      `import boto3; print(boto3.client("s3").generate_presigned_url("get_object", Params={"Bucket": "${b}", "Key": "k"}))`,
      emu.childEnv(),
    );
    const url = r.stdout.trim();
    expect(url).toContain('AWSAccessKeyId=');
    const got = await fetch(url);
    expect([got.status, await got.text()]).toEqual([200, 'from boto3']);
  });
});

describe('multipart: UploadPartCopy, ListParts, ListMultipartUploads', () => {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html, API_ListParts.html,
  // API_ListMultipartUploads.html; GetObject partNumber of a multipart object answers that part
  it('copies ranges of an object into parts, lists them and the upload, and completes', async () => {
    const b = await newBucket('mpu-copy', true);
    const src = randomBytes(6 * 1024 * 1024 + 100);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: src }));
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'dst', Tagging: 'copied=yes' }));
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    expect(listed.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['dst', up.UploadId]]);
    const five = 5 * 1024 * 1024;
    const p1 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: b,
        Key: 'dst',
        UploadId: up.UploadId,
        PartNumber: 1,
        CopySource: `${b}/src`,
        CopySourceRange: `bytes=0-${five - 1}`,
      }),
    );
    const p2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: b,
        Key: 'dst',
        UploadId: up.UploadId,
        PartNumber: 2,
        CopySource: `${b}/src`,
        CopySourceRange: `bytes=${five}-${src.length - 1}`,
      }),
    );
    expect(p1.CopyPartResult?.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const parts = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'dst', UploadId: up.UploadId }));
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, five, p1.CopyPartResult?.ETag],
      [2, src.length - five, p2.CopyPartResult?.ETag],
    ]);
    const page = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'dst', UploadId: up.UploadId, MaxParts: 1 }));
    expect([page.IsTruncated, page.NextPartNumberMarker]).toEqual([true, '1']);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'dst',
        UploadId: up.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: p2.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    const whole = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'dst' }));
    expect(Buffer.from(await whole.Body!.transformToByteArray()).equals(src)).toBe(true);
    const second = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'dst', PartNumber: 2 }));
    expect(second.ContentRange).toBe(`bytes ${five}-${src.length - 1}/${src.length}`);
    expect(second.PartsCount).toBe(2);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'dst' }))).TagSet).toEqual([{ Key: 'copied', Value: 'yes' }]);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads).toBeUndefined();
    // a range outside the source is refused
    const up2 = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'dst2' }));
    expect(
      await rejection(
        s3.send(
          new UploadPartCopyCommand({
            Bucket: b,
            Key: 'dst2',
            UploadId: up2.UploadId,
            PartNumber: 1,
            CopySource: `${b}/src`,
            CopySourceRange: `bytes=0-${src.length}`,
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });

  it("boto3's managed transfers copy (UploadPartCopy) and download (ranged GETs) a 9 MB object (skipped without python3 + boto3)", async (ctx) => {
    if (boto3Missing()) ctx.skip();
    const b = await newBucket('boto3-big');
    const body = randomBytes(9 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'big', Body: body, Tagging: 'k=v' }));
    const code = [
      'import boto3, hashlib, tempfile, os',
      's3 = boto3.client("s3")',
      `s3.copy({"Bucket": "${b}", "Key": "big"}, "${b}", "copy")`,
      'f = tempfile.mktemp()',
      `s3.download_file("${b}", "copy", f)`,
      'print(hashlib.md5(open(f, "rb").read()).hexdigest())',
      'os.remove(f)',
    ].join('\n');
    const r = await python(code, emu.childEnv({ AWS_REGION: 'us-east-1' }));
    expect(r.stderr).toBe('');
    const { createHash } = await import('node:crypto');
    expect(r.stdout.trim()).toBe(createHash('md5').update(body).digest('hex'));
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'copy' }));
    expect(head.ETag).toMatch(/-\d+"$/); // made by a multipart copy
  });
});
