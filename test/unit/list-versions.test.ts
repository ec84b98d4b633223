/**
 * ListObjectVersions bodies read as they arrive (src/aws/list-versions.ts): the scanner on its own, and
 * the S3 adapter through a real S3Client whose HTTP handler answers with canned responses (no mock of
 * the client: the SDK's middleware stack, signing and error parsing all run).
 */
import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { VersionsScanner, xmlText } from '../../src/aws/list-versions.js';
import { s3Api } from '../../src/aws/s3.js';
import type { VersionEntry } from '../../src/core/ports/s3.js';
import { MwaaError } from '../../src/core/errors.js';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#13;');

function version(key: string, id: string, latest: boolean, etag: string, size: number): string {
  return (
    `<Version><Key>${esc(key)}</Key><VersionId>${id}</VersionId><IsLatest>${latest}</IsLatest><LastModified>2026-11-26T06:44:03.000Z</LastModified>` +
    `<ETag>${esc(etag)}</ETag><Size>${size}</Size><Owner><ID>abc</ID><DisplayName>x</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Version>`
  );
}

function marker(key: string, id: string, latest: boolean): string {
  return `<DeleteMarker><Key>${esc(key)}</Key><VersionId>${id}</VersionId><IsLatest>${latest}</IsLatest><LastModified>2026-11-26T06:44:04.000Z</LastModified><Owner><ID>abc</ID></Owner></DeleteMarker>`;
}

function page(body: string, next?: { key: string; id: string }): string {
  const top = next
    ? `<NextKeyMarker>${esc(next.key)}</NextKeyMarker><NextVersionIdMarker>${next.id}</NextVersionIdMarker><IsTruncated>true</IsTruncated>`
    : '<IsTruncated>false</IsTruncated>';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><Prefix>dags/</Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys>${top}${body}</ListVersionsResult>`;
}

const odd = 'dags/naïve & "odd" <name>\r 🚀.py';
const body = page(
  version('dags/a.py', 'a2', false, '"aa"', 3) +
    marker('dags/a.py', 'm1', true) +
    version(odd, 'o1', true, '"0123456789abcdef0123456789abcdef"', 1084) +
    version('dags/z.py', 'z1', true, '"zz-2"', 9),
  { key: odd, id: 'o1' },
);
const expected: VersionEntry[] = [
  {
    key: 'dags/a.py',
    versionId: 'a2',
    isLatest: false,
    deleteMarker: false,
    etag: '"aa"',
    size: 3,
    lastModified: Date.UTC(2026, 10, 26, 6, 44, 3),
  },
  {
    key: 'dags/a.py',
    versionId: 'm1',
    isLatest: true,
    deleteMarker: true,
    etag: undefined,
    size: undefined,
    lastModified: Date.UTC(2026, 10, 26, 6, 44, 4),
  },
  {
    key: odd,
    versionId: 'o1',
    isLatest: true,
    deleteMarker: false,
    etag: '"0123456789abcdef0123456789abcdef"',
    size: 1084,
    lastModified: Date.UTC(2026, 10, 26, 6, 44, 3),
  },
  {
    key: 'dags/z.py',
    versionId: 'z1',
    isLatest: true,
    deleteMarker: false,
    etag: '"zz-2"',
    size: 9,
    lastModified: Date.UTC(2026, 10, 26, 6, 44, 3),
  },
];

describe('VersionsScanner', () => {
  it('reads versions and delete markers in document order, entities decoded, however the bytes are cut', () => {
    const bytes = Buffer.from(body);
    for (const size of [1, 2, 7, 64, 1000, bytes.length]) {
      const scanner = new VersionsScanner();
      for (let at = 0; at < bytes.length; at += size) scanner.push(bytes.subarray(at, at + size));
      const result = scanner.end();
      expect(result.entries).toEqual(expected);
      expect(result).toMatchObject({ isTruncated: true, nextKeyMarker: odd, nextVersionIdMarker: 'o1' });
    }
  });

  it('an empty, last page; and a body that is not a listing is an error', () => {
    const scanner = new VersionsScanner();
    scanner.push(Buffer.from(page('')));
    expect(scanner.end()).toEqual({ entries: [], isTruncated: false });
    const bad = new VersionsScanner();
    bad.push(Buffer.from('<Error><Code>x</Code></Error>'));
    expect(() => bad.end()).toThrow(/not a ListVersionsResult/);
  });

  it('decodes XML entities, numeric ones included', () => {
    expect(xmlText('a&amp;b&lt;c&gt;d&quot;e&apos;f&#13;g&#x1F680;')).toBe('a&b<c>d"e\'f\rg🚀');
    expect(xmlText('plain')).toBe('plain');
  });
});

/** A client whose HTTP handler answers from `responses`, in order, each body in 100-byte chunks. */
function cannedClient(responses: { status: number; body: string }[]): { client: S3Client; queries: string[] } {
  const queries: string[] = [];
  const client = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { query?: Record<string, string> }) => {
        queries.push(JSON.stringify(request.query ?? {}));
        const next = responses.shift();
        if (!next) throw new Error('no more canned responses');
        const bytes = Buffer.from(next.body);
        const chunks: Buffer[] = [];
        for (let at = 0; at < bytes.length; at += 100) chunks.push(bytes.subarray(at, at + 100));
        return { response: { statusCode: next.status, headers: { 'content-type': 'application/xml' }, body: Readable.from(chunks) } };
      },
    } as never,
  });
  return { client, queries };
}

describe('s3Api.listVersions over the wire format', () => {
  it('reads each page as it arrives and follows the markers', async () => {
    const second = page(version('dags/zz.py', 'y1', true, '"yy"', 1));
    const { client, queries } = cannedClient([
      { status: 200, body },
      { status: 200, body: second },
    ]);
    const all = await s3Api(client).listVersions('bkt', 'dags/');
    expect(all.map((e) => `${e.key}:${e.versionId}`)).toEqual([
      'dags/a.py:m1',
      'dags/a.py:a2',
      `${odd}:o1`,
      'dags/z.py:z1',
      'dags/zz.py:y1',
    ]);
    expect(all[2]).toEqual(expected[2]);
    expect(JSON.parse(queries[1])).toMatchObject({ 'key-marker': odd, 'version-id-marker': 'o1' });
  });

  it('folds pages keeping the IsLatest entry first within a key; latestOnly keeps only those', async () => {
    // a key split by the page boundary, its delete marker (the latest) on the second page
    const first = page(version('dags/a.py', 'a1', false, '"x"', 1), { key: 'dags/a.py', id: 'a1' });
    const second = page(marker('dags/a.py', 'm1', true) + version('dags/b.py', 'b1', true, '"y"', 3));
    const { client } = cannedClient([
      { status: 200, body: first },
      { status: 200, body: second },
      { status: 200, body: first },
      { status: 200, body: second },
    ]);
    const api = s3Api(client);
    const all = await api.listVersions('bkt', 'dags/');
    expect(all.map((e) => `${e.key}:${e.versionId}:${e.isLatest}:${e.deleteMarker}`)).toEqual([
      'dags/a.py:m1:true:true',
      'dags/a.py:a1:false:false',
      'dags/b.py:b1:true:false',
    ]);
    const latest = await api.listVersions('bkt', 'dags/', { latestOnly: true });
    expect(latest.map((e) => e.versionId)).toEqual(['m1', 'b1']);
  });

  it('leaves an error response to the SDK, mapped to a typed error', async () => {
    const { client } = cannedClient([
      {
        status: 403,
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      },
    ]);
    const error = await s3Api(client)
      .listVersions('bkt', 'dags/')
      .catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode).toBe(4);
    expect(error.message).toContain('ListObjectVersions s3://bkt/dags/');
    expect(error.message).toContain('AccessDenied');
  });
});

describe('s3Api.listObjects (ListObjectsV2) over the wire format', () => {
  const contents = (key: string, etag: string, size: number) =>
    `<Contents><Key>${esc(key)}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>${esc(etag)}</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
  const result = (inner: string, token?: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><Prefix>dags/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${token ? 'true' : 'false'}</IsTruncated>${token ? `<NextContinuationToken>${esc(token)}</NextContinuationToken>` : ''}${inner}</ListBucketResult>`;
  const odd = 'dags/a & <b> "c".py';

  it('reads keys, ETags and sizes from the bytes, and follows the continuation token', async () => {
    const { client, queries } = cannedClient([
      { status: 200, body: result(contents(odd, '"e1"', 12), 'tok&1') },
      { status: 200, body: result(contents('dags/naïve 🚀.py', '"e2"', 3)) },
    ]);
    const listing = await s3Api(client).listObjects('bkt', 'dags/');
    expect(listing.objects).toEqual([
      { key: odd, etag: '"e1"', size: 12 },
      { key: 'dags/naïve 🚀.py', etag: '"e2"', size: 3 },
    ]);
    expect(JSON.parse(queries[1])).toMatchObject({ 'continuation-token': 'tok&1', 'list-type': '2' });
  });

  it('reads every object of a page, and never takes a field from the next element', async () => {
    const bare = (key: string) => `<Contents><Key>${key}</Key></Contents>`; // no ETag, no Size
    const many = Array.from({ length: 300 }, (_, i) => contents(`dags/f${i}.py`, `"e${i}"`, i)).join('');
    const { client } = cannedClient([{ status: 200, body: result(`${bare('dags/x.py')}${many}${bare('dags/y.py')}`) }]);
    const listing = await s3Api(client).listObjects('bkt', 'dags/');
    expect(listing.objects).toHaveLength(302);
    expect(listing.objects[0]).toEqual({ key: 'dags/x.py', etag: undefined, size: undefined });
    expect(listing.objects[1]).toEqual({ key: 'dags/f0.py', etag: '"e0"', size: 0 });
    expect(listing.objects[300]).toEqual({ key: 'dags/f299.py', etag: '"e299"', size: 299 });
    expect(listing.objects[301]).toEqual({ key: 'dags/y.py', etag: undefined, size: undefined });
  });

  it('startAfter goes with the first request only; no page is asked for once one reached `until`', async () => {
    const { client, queries } = cannedClient([
      { status: 200, body: result(`${contents('dags/b.py', '"1"', 1)}${contents('dags/c.py', '"2"', 1)}`, 'tok1') },
      { status: 200, body: result(`${contents('dags/d.py', '"3"', 1)}${contents('dags/e.py', '"4"', 1)}`, 'tok2') },
      { status: 200, body: result(contents('dags/f.py', '"5"', 1)) },
    ]);
    const listing = await s3Api(client).listObjects('bkt', 'dags/', { startAfter: 'dags/a.py', until: 'dags/d.py', maxKeys: 2 });
    // the second page ends at e.py, past d.py: the third is not asked for (the caller drops e.py)
    expect(listing.objects.map((o) => o.key)).toEqual(['dags/b.py', 'dags/c.py', 'dags/d.py', 'dags/e.py']);
    expect(queries).toHaveLength(2);
    expect(JSON.parse(queries[0])).toMatchObject({ 'start-after': 'dags/a.py', 'max-keys': '2' });
    expect(JSON.parse(queries[1])).toMatchObject({ 'continuation-token': 'tok1', 'max-keys': '2' });
    expect(JSON.parse(queries[1])).not.toHaveProperty('start-after');
  });

  it('an empty listing, and an error response mapped to a typed error', async () => {
    const { client } = cannedClient([
      { status: 200, body: result('') },
      {
        status: 403,
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      },
    ]);
    expect(await s3Api(client).listObjects('bkt', 'dags/')).toEqual({ objects: [] });
    const error = await s3Api(client)
      .listObjects('bkt', 'dags/')
      .catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode).toBe(4);
    expect(error.message).toContain('ListObjectsV2 s3://bkt/dags/');
  });
});
