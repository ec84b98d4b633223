/**
 * Bad input for the emulator's S3: malformed XML for every operation that takes XML, then a seeded
 * stream of random methods, paths, queries, headers and bodies. Every answer must be a proper S3 error
 * (XML <Error> with a code, never a 500) or a success, and the server must keep serving. Also: the AWS
 * CLI works against the emulator (skipped when `aws` is not installed).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEmulator, startTestEmulator } from '../helpers/emulator.js';
import { prng } from '../helpers/prng.js';
import { onPath } from '../helpers/tools.js';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.s3.send(new CreateBucketCommand({ Bucket: 'fuzz' }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: 'fuzz', VersioningConfiguration: { Status: 'Enabled' } }));
  await emu.s3.send(new PutObjectCommand({ Bucket: 'fuzz', Key: 'exists.txt', Body: 'hello' }));
});
afterAll(async () => {
  await emu?.close();
});

const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** sends a request with a raw (unnormalised) path */
function raw(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    // (node's client sends no Content-Length for a DELETE/OPTIONS body by itself)
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(
      { host: '127.0.0.1', port: emu.port, method, path, headers: { authorization: AUTH, ...length, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const ERROR_XML = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>[A-Za-z0-9]+<\/Code><Message>[^<]*<\/Message>/;

function expectProperAnswer(r: Raw, method: string, what: string): void {
  expect(r.status, what).toBeGreaterThanOrEqual(200);
  expect(r.status, what).toBeLessThan(600);
  // a 500 would be an unhandled exception; 501 NotImplemented is a proper answer
  expect(r.status === 500 || r.status > 501, `${what} -> ${r.status} ${r.body.slice(0, 300)}`).toBe(false);
  if (r.status >= 400 && method !== 'HEAD') {
    expect(r.body, what).toMatch(ERROR_XML);
    expect(r.headers['content-type'], what).toBe('application/xml');
  }
  expect(r.headers['x-amz-request-id'], what).toBeTruthy();
}

describe('malformed XML bodies', () => {
  const bodies = ['', 'not xml', '<a><b></a>', '<?xml version="1.0"?><Wrong/>', '<Delete><Object></Object></Delete>', '<\u0000>'];
  const ops: Array<{ name: string; method: string; path: string; headers?: Record<string, string>; allowEmpty?: boolean }> = [
    { name: 'PutBucketVersioning', method: 'PUT', path: '/fuzz?versioning' },
    { name: 'PutPublicAccessBlock', method: 'PUT', path: '/fuzz?publicAccessBlock' },
    { name: 'DeleteObjects', method: 'POST', path: '/fuzz?delete', headers: { 'content-md5': '' } },
    { name: 'CreateBucket', method: 'PUT', path: '/fuzz-new-bucket', allowEmpty: true },
  ];
  for (const op of ops) {
    it(`${op.name} answers 400 MalformedXML`, async () => {
      for (const body of bodies) {
        if (op.allowEmpty && body === '') continue;
        const headers = { ...(op.headers ?? {}) };
        if (headers['content-md5'] !== undefined) headers['content-md5'] = md5b64(body);
        const r = await raw(op.method, op.path, headers, body);
        expect([op.name, JSON.stringify(body), r.status], r.body).toEqual([op.name, JSON.stringify(body), 400]);
        expect(r.body).toContain('<Code>MalformedXML</Code>');
      }
    });
  }

  it('DeleteObjects without Content-MD5 or a checksum is refused, with a wrong MD5 gets BadDigest', async () => {
    const xml = '<Delete><Object><Key>exists.txt</Key></Object></Delete>';
    const r = await raw('POST', '/fuzz?delete', {}, xml);
    expect([r.status, /<Code>InvalidRequest<\/Code>/.test(r.body)]).toEqual([400, true]);
    const r2 = await raw('POST', '/fuzz?delete', { 'content-md5': md5b64('other') }, xml);
    expect([r2.status, /<Code>BadDigest<\/Code>/.test(r2.body)]).toEqual([400, true]);
    const ok = await emu.s3.send(new GetObjectCommand({ Bucket: 'fuzz', Key: 'exists.txt' }));
    expect(await ok.Body!.transformToString()).toBe('hello');
  });
});

function md5b64(s: string): string {
  return createHash('md5').update(s).digest('base64');
}

describe('random requests', () => {
  it('answers 600 random requests with proper S3 errors or successes, and keeps serving', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261126);
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const randBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
    const methods = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'PROPFIND'];
    const paths = [
      '/',
      '/fuzz',
      '/fuzz/',
      '/fuzz/exists.txt',
      '/fuzz/new-key',
      '/fuzz/a%20b/c',
      '/fuzz/%',
      '/fuzz/%E0%A4%A',
      '/fuzz/%00',
      '//',
      '/fuzz//double',
      '/no-such-bucket/k',
      '/UPPER/k',
      '/x',
      `/fuzz/${'k'.repeat(1100)}`,
      '/fuzz/../../etc/passwd',
      '/_mwaa_localx', // not the control endpoint: an (invalid) bucket name
    ];
    const queries = [
      '',
      'versioning',
      'delete',
      'uploads',
      'uploadId=nope',
      'partNumber=abc&uploadId=x',
      'partNumber=0&uploadId=x',
      'versions',
      'versions&max-keys=abc',
      'versions&version-id-marker=x',
      'list-type=2',
      'list-type=3',
      'list-type=2&max-keys=-5',
      'list-type=2&max-keys=99999999999',
      'list-type=2&continuation-token=%%%',
      'list-type=2&continuation-token=',
      'list-type=2&encoding-type=xx',
      'versionId=',
      'versionId=nope',
      'location',
      'publicAccessBlock',
      'tagging',
      'acl',
      'max-buckets=0',
      'continuation-token=zzz',
    ];
    const headerPool: Array<() => [string, string]> = [
      () => ['content-md5', pick(['', 'abc', 'AAAAAAAAAAAAAAAAAAAAAA==', '!!!'])],
      () => ['x-amz-checksum-crc32', pick(['', 'AAAAAA==', 'nope', 'AAAAAAAAAAA='])],
      () => ['x-amz-checksum-sha256', 'AAAA'],
      () => ['x-amz-sdk-checksum-algorithm', pick(['CRC32', 'MD4', ''])],
      () => ['x-amz-trailer', pick(['x-amz-checksum-crc32', 'x-amz-checksum-bogus', ''])],
      () => ['content-encoding', pick(['aws-chunked', 'gzip,aws-chunked', 'gzip'])],
      () => ['x-amz-content-sha256', pick(['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'UNSIGNED-PAYLOAD', 'deadbeef'.repeat(8)])],
      () => ['x-amz-decoded-content-length', pick(['0', '5', '-1', 'x'])],
      () => ['range', pick(['bytes=0-0', 'bytes=5-1', 'bytes=-0', 'bytes=abc', 'bytes=0-1,3-4', 'bytes=99999-'])],
      () => ['if-none-match', pick(['*', '"x"', ''])],
      () => ['if-match', pick(['*', '"x"', ''])],
      () => ['if-modified-since', pick(['yesterday', 'Mon, 01 Jan 2001 00:00:00 GMT'])],
      () => ['x-amz-copy-source', pick(['', '/', 'fuzz', 'fuzz/exists.txt', 'fuzz/exists.txt?versionId=', '%%%/x', 'no-such/k'])],
      () => ['x-amz-metadata-directive', pick(['COPY', 'REPLACE', 'MOVE'])],
      () => ['x-amz-storage-class', pick(['STANDARD', 'GLACIER', 'WARM'])],
      () => ['x-amz-meta-big', 'v'.repeat(Math.floor(rnd() * 3000))],
      () => ['x-amz-target', pick(['', 'S3.Nothing'])],
      () => ['content-type', pick(['application/xml', 'text/plain', ''])],
    ];
    const bodyPool: Array<() => Buffer | string | undefined> = [
      () => undefined,
      () => '',
      () => randBytes(Math.floor(rnd() * 300)),
      () => '<Delete><Object><Key>exists.txt</Key></Object><Quiet>maybe</Quiet></Delete>',
      () => '<CreateBucketConfiguration><LocationConstraint>mars-1</LocationConstraint></CreateBucketConfiguration>',
      () => '<VersioningConfiguration><Status>Sometimes</Status></VersioningConfiguration>',
      () => '<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>',
      () => '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
      () => 'zz\r\nhello',
      () => `<${'a>'.repeat(500)}`,
      () => '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><Delete><Object><Key>&e;</Key></Object></Delete>',
    ];

    for (let i = 0; i < 600; i++) {
      const method = pick(methods);
      const q = pick(queries);
      const path = pick(paths) + (q ? `?${q}` : '');
      const headers: Record<string, string> = {};
      const nHeaders = Math.floor(rnd() * 4);
      for (let h = 0; h < nHeaders; h++) {
        const [k, v] = pick(headerPool)();
        headers[k] = v;
      }
      const body = method === 'GET' || method === 'HEAD' ? undefined : pick(bodyPool)();
      const what = `#${i} seed=${seed} ${method} ${path.slice(0, 80)} ${JSON.stringify(headers).slice(0, 200)}`;
      const r = await raw(method, path, headers, body);
      expectProperAnswer(r, method, what);
    }
    expect((await fetch(`${emu.url}/_mwaa_local/health`)).status).toBe(200);
    // (the fuzz may legitimately have deleted or replaced keys: check with a fresh one)
    await emu.s3.send(new PutObjectCommand({ Bucket: 'fuzz', Key: 'after-fuzz', Body: 'still fine' }));
    const g = await emu.s3.send(new GetObjectCommand({ Bucket: 'fuzz', Key: 'after-fuzz' }));
    expect(await g.Body!.transformToString()).toBe('still fine');
  });
});

describe('AWS CLI', () => {
  const hasAws = onPath('aws');

  it.skipIf(!hasAws)(
    'works against the emulator with only the helper environment',
    async () => {
      const work = mkdtempSync(join(tmpdir(), 'mwaa-local-awscli-'));
      try {
        mkdirSync(join(work, 'dags', 'sub'), { recursive: true });
        writeFileSync(join(work, 'dags', 'a.py'), 'print("a")\n');
        writeFileSync(join(work, 'dags', 'sub', 'b c.py'), 'print("b")\n');
        // an hour old: S3 keeps LastModified in whole seconds, and `aws s3 sync` uploads a file again when it
        // is newer than its object, as a file written in the same second as its upload can be
        const anHourAgo = new Date(Date.now() - 3_600_000);
        for (const file of ['a.py', 'sub/b c.py']) utimesSync(join(work, 'dags', file), anHourAgo, anHourAgo);
        const env = emu.childEnv();
        // asynchronous on purpose: spawnSync would block the in-process emulator the CLI talks to
        const aws = (...args: string[]): Promise<string> =>
          new Promise((resolve, reject) => {
            const child = spawn('aws', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            let err = '';
            child.stdout.on('data', (d) => (out += d));
            child.stderr.on('data', (d) => (err += d));
            child.on('error', reject);
            child.on('close', (code) =>
              code === 0 ? resolve(out) : reject(new Error(`aws ${args.join(' ')} failed (${code}): ${err}${out}`)),
            );
          });
        // (`aws s3 mb` is test/e2e/local-start.test.ts's; each AWS CLI run costs about a second of CPU)
        await emu.s3.send(new CreateBucketCommand({ Bucket: 'cli-bucket' }));
        await emu.s3.send(new PutBucketVersioningCommand({ Bucket: 'cli-bucket', VersioningConfiguration: { Status: 'Enabled' } }));
        expect(
          (await aws('s3', 'sync', '--no-progress', join(work, 'dags'), 's3://cli-bucket/dags/')).split('\n').filter(Boolean).sort(),
        ).toEqual([
          expect.stringMatching(/upload: .*a\.py to s3:\/\/cli-bucket\/dags\/a\.py$/),
          expect.stringMatching(/upload: .*b c\.py to s3:\/\/cli-bucket\/dags\/sub\/b c\.py$/),
        ]);
        const b = await emu.s3.send(new GetObjectCommand({ Bucket: 'cli-bucket', Key: 'dags/sub/b c.py' }));
        expect(await b.Body!.transformToString()).toBe('print("b")\n');
        // the CLI reads the listing back (a key with a space in it) and deletes only what is gone locally:
        // a listing it misread would have it upload "b c.py" again, or delete something else
        rmSync(join(work, 'dags', 'a.py'));
        const synced = await aws('s3', 'sync', '--no-progress', '--delete', join(work, 'dags'), 's3://cli-bucket/dags/');
        expect(synced.split('\n').filter(Boolean)).toEqual(['delete: s3://cli-bucket/dags/a.py']);
        const versions = JSON.parse(await aws('s3api', 'list-object-versions', '--bucket', 'cli-bucket', '--output', 'json'));
        expect(versions.DeleteMarkers.map((d: { Key: string }) => d.Key)).toEqual(['dags/a.py']);
        const sdk = await emu.s3.send(new ListObjectVersionsCommand({ Bucket: 'cli-bucket' }));
        expect(sdk.Versions!.map((v) => v.Key).sort()).toEqual(['dags/a.py', 'dags/sub/b c.py']);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      // three AWS CLI runs of 1-2 s of CPU each (Python, botocore): on a loaded 2-core machine, more than 30 s
    },
    180_000,
  );
});
