/** The S3 adapter (listing: list-versions.test.ts): "not there" as undefined, conflicts, errors naming the call, ExpectedBucketOwner. */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { s3Api } from '../../src/aws/s3.js';
import { MwaaError } from '../../src/core/errors.js';

const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
// this client only: mocking the class would answer every S3Client of the worker process, which runs
// other test files after this one (isolate: false)
const s3 = mockClient(client);
afterAll(() => s3.restore());

function sdkError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} happened`,
  });
}

beforeEach(() => s3.reset());

describe('s3Api', () => {
  it('getText decodes the body as it arrives, UTF-8 split across chunks included', async () => {
    const text = `{"message":"naïve 🚀 ${'x'.repeat(70_000)}"}`;
    const bytes = Buffer.from(text);
    const at = bytes.indexOf(Buffer.from('🚀')) + 2; // inside the 4-byte character
    const { Readable } = await import('node:stream');
    s3.on(GetObjectCommand).resolves({ Body: Readable.from([bytes.subarray(0, at), bytes.subarray(at)]) as never });
    expect(await s3Api(client).getText('bkt', '.mwaa/releases/index.json')).toBe(text);
    s3.on(GetObjectCommand).rejects(sdkError('NoSuchKey', 404));
    expect(await s3Api(client).getText('bkt', 'gone')).toBeUndefined();
  });

  it('answers missing objects and versions with undefined', async () => {
    s3.on(GetObjectCommand).rejects(sdkError('NoSuchKey', 404));
    s3.on(HeadObjectCommand).rejects(sdkError('NotFound', 404));
    const api = s3Api(client);
    expect(await api.getObject('bkt', 'k')).toBeUndefined();
    expect(await api.headObject('bkt', 'k', 'v1')).toBeUndefined();
  });

  it('answers a lost conditional write with { conflict: true }', async () => {
    s3.on(PutObjectCommand).rejects(sdkError('PreconditionFailed', 412));
    expect(await s3Api(client).putObject('bkt', '.mwaa/lock.json', Buffer.from('{}'), { ifNoneMatch: true })).toEqual({ conflict: true });
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input.IfNoneMatch).toBe('*');
  });

  it('If-Match: another ETag or no object answers { conflict: true }', async () => {
    s3.on(PutObjectCommand).rejectsOnce(sdkError('PreconditionFailed', 412)).rejectsOnce(sdkError('NoSuchKey', 404));
    const api = s3Api(client);
    expect(await api.putObject('bkt', '.mwaa/lock.json', Buffer.from('{}'), { ifMatch: '"abc"' })).toEqual({ conflict: true });
    expect(await api.putObject('bkt', '.mwaa/lock.json', Buffer.from('{}'), { ifMatch: '"abc"' })).toEqual({ conflict: true });
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input.IfMatch).toBe('"abc"');
  });

  it('maps other errors to typed errors naming the call and the object', async () => {
    s3.on(PutObjectCommand).rejects(sdkError('InternalError', 500));
    s3.on(DeleteObjectCommand).rejects(sdkError('AccessDenied', 403));
    const api = s3Api(client);
    const put = await api.putObject('bkt', 'dags/a.py', Buffer.from('x')).catch((e) => e);
    expect(MwaaError.is(put) && put.exitCode).toBe(1);
    expect(put.message).toBe('PutObject s3://bkt/dags/a.py: InternalError (HTTP 500): InternalError happened');
    const del = await api.deleteObject('bkt', 'dags/a.py', 'v9').catch((e) => e);
    expect(MwaaError.is(del) && del.exitCode).toBe(4);
    expect(del.message).toContain('DeleteObject s3://bkt/dags/a.py (version v9)');
  });

  it('sends ExpectedBucketOwner once scoped to an account, and the body MD5', async () => {
    s3.on(PutObjectCommand).resolves({ VersionId: 'v1', ETag: '"e"' });
    const api = s3Api(client).forOwner?.('123456789012');
    expect(await api?.putObject('bkt', 'k', Buffer.from('x'), { contentMd5: 'md5==' })).toEqual({ versionId: 'v1', etag: '"e"' });
    const input = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(input.ExpectedBucketOwner).toBe('123456789012');
    expect(input.ContentMD5).toBe('md5==');
  });

  it('sends the MD5 of the body when the caller gives none (a bucket with Object Lock retention requires one)', async () => {
    s3.on(PutObjectCommand).resolves({ VersionId: 'v1', ETag: '"e"' });
    await s3Api(client).putObject('bkt', '.mwaa/releases/index.json', Buffer.from('{"current":{}}\n'), { contentType: 'application/json' });
    // printf '{"current":{}}\n' | openssl md5 -binary | base64
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input.ContentMD5).toBe('XgEle11Z7pIZG9Qs3TKprQ==');
  });
});
