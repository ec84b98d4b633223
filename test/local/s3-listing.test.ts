/**
 * ListObjectsV2 and ListObjectVersions of the local emulator: pagination, delimiters, markers, key order,
 * URL encoding — through the real @aws-sdk/client-s3 and its paginators.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3StoreImpl } from '../../src/local/s3/index.js';
import { type TestEmulator, startTestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let s3: S3Client;

/** 1,150 keys: 1,000 under big/, 150 spread over "folders" */
const BIG = Array.from({ length: 1000 }, (_, i) => `big/file-${String(i).padStart(4, '0')}.py`);
const FOLDERS = Array.from({ length: 150 }, (_, i) => `tree/${['a', 'b', 'c', 'd', 'e'][i % 5]}/${i % 3 === 0 ? 'sub/' : ''}k${i}.txt`);

async function putAll(bucket: string, keys: string[], concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const k = keys[next++];
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
      }
    }),
  );
}

/** Fast seeding straight into the store (PutObject itself is tested in s3.test.ts). */
function seed(bucket: string, keys: string[]): void {
  const store = emu.world.s3 as S3StoreImpl;
  for (const k of keys) {
    const body = Buffer.from(k);
    store.doPutVersion(bucket, k, {
      versionId: 'null',
      blob: emu.world.persist.blobs.put(body),
      size: body.length,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      lastModified: emu.world.clock.now(),
      headers: { 'content-type': 'text/plain' },
    });
  }
}

const utf8Sort = (keys: string[]): string[] => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

beforeAll(async () => {
  emu = await startTestEmulator();
  s3 = emu.s3;
  await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
  seed('listing', BIG);
  await putAll('listing', FOLDERS);
});
afterAll(async () => {
  await emu?.close();
});

describe('ListObjectsV2', () => {
  it('caps a page at 1000 keys and continues with the continuation token', async () => {
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 5000 }));
    expect(first.MaxKeys).toBe(1000);
    expect(first.KeyCount).toBe(1000);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextContinuationToken).toBeTruthy();
    const second = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: first.NextContinuationToken }));
    expect(second.IsTruncated).toBe(false);
    expect(second.ContinuationToken).toBe(first.NextContinuationToken);
    const all = [...first.Contents!, ...second.Contents!].map((c) => c.Key!);
    expect(all).toEqual(utf8Sort([...BIG, ...FOLDERS]));
    expect(second.Contents![0]).toMatchObject({
      Size: expect.any(Number),
      ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      StorageClass: 'STANDARD',
    });
    expect(second.Contents![0].LastModified).toBeInstanceOf(Date);
  });

  it('paginates with small pages, a prefix and start-after without losing or repeating keys', async () => {
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 37 }, { Bucket: 'listing', Prefix: 'big/' })) {
      pages++;
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
      for (const c of page.Contents ?? []) keys.push(c.Key!);
    }
    expect(keys).toEqual(BIG);
    expect(pages).toBe(Math.ceil(1000 / 37));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'big/', StartAfter: 'big/file-0995.py' }));
    expect(after.Contents!.map((c) => c.Key)).toEqual(BIG.slice(996));
    expect(after.StartAfter).toBe('big/file-0995.py');
  });

  it('rolls keys up into CommonPrefixes with a delimiter, counting them against max-keys', async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(top.Contents).toBeUndefined();
    expect(top.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['big/', 'tree/']);
    expect(top.KeyCount).toBe(2);
    const tree = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', Prefix: 'tree/' }));
    expect(tree.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['tree/a/', 'tree/b/', 'tree/c/', 'tree/d/', 'tree/e/']);
    // one item per page: every prefix once, then the keys, in order
    const seen: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1 }, { Bucket: 'listing', Delimiter: '/', Prefix: 'tree/a/' })) {
      expect((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(1);
      for (const p of page.CommonPrefixes ?? []) seen.push(`P:${p.Prefix}`);
      for (const c of page.Contents ?? []) seen.push(c.Key!);
    }
    const direct = FOLDERS.filter((k) => k.startsWith('tree/a/') && !k.startsWith('tree/a/sub/'));
    const expectedItems = utf8Sort(['tree/a/sub/', ...direct]).map((k) => (k === 'tree/a/sub/' ? `P:${k}` : k));
    expect(seen).toEqual(expectedItems);
    expect(seen).toContain('P:tree/a/sub/');
  });

  it('hides keys whose latest version is a delete marker, and folders holding only such keys', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'hidden' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'hidden', VersioningConfiguration: { Status: 'Enabled' } }));
    await putAll('hidden', ['keep.txt', 'gone.txt', 'dir/only.txt', 'dir2/x.txt']);
    await s3.send(new DeleteObjectCommand({ Bucket: 'hidden', Key: 'gone.txt' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'hidden', Key: 'dir/only.txt' }));
    const flat = await s3.send(new ListObjectsV2Command({ Bucket: 'hidden' }));
    expect(flat.Contents!.map((c) => c.Key)).toEqual(['dir2/x.txt', 'keep.txt']);
    const rolled = await s3.send(new ListObjectsV2Command({ Bucket: 'hidden', Delimiter: '/' }));
    expect(rolled.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['dir2/']);
    expect(rolled.Contents!.map((c) => c.Key)).toEqual(['keep.txt']);
  });

  it('orders keys by UTF-8 bytes and URL-encodes them with encoding-type=url', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'unicode' }));
    const keys = ['a\u{1F600}.txt', 'a\uE000.txt', 'a b+c&d.txt', 'a\u00e9.txt', 'A.txt', 'a/b.txt'];
    await putAll('unicode', keys, 1);
    const plain = await s3.send(new ListObjectsV2Command({ Bucket: 'unicode' }));
    expect(plain.Contents!.map((c) => c.Key)).toEqual(utf8Sort(keys));
    const enc = await s3.send(new ListObjectsV2Command({ Bucket: 'unicode', EncodingType: 'url' }));
    expect(enc.EncodingType).toBe('url');
    expect(enc.Contents!.map((c) => decodeURIComponent(c.Key!))).toEqual(utf8Sort(keys));
    expect(enc.Contents!.map((c) => c.Key)).toContain('a%20b%2Bc%26d.txt');
    expect(enc.Contents!.map((c) => c.Key)).toContain('a/b.txt');
  });

  it('rejects a bad continuation token, negative max-keys and an unknown encoding type with InvalidArgument', async () => {
    for (const input of [{ ContinuationToken: 'bm90LWEtdG9rZW4=' }, { MaxKeys: -1 }, { EncodingType: 'base64' as 'url' }]) {
      const err = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', ...input })).then(
        () => undefined,
        (e) => e,
      );
      expect([JSON.stringify(input), err?.name, err?.$metadata?.httpStatusCode]).toEqual([JSON.stringify(input), 'InvalidArgument', 400]);
    }
    const zero = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 0 }));
    expect([zero.KeyCount, zero.IsTruncated, zero.Contents]).toEqual([0, false, undefined]);
  });
});

describe('ListObjectVersions', () => {
  /** expected (key, versionId, isLatest, isDeleteMarker) rows, in S3 order */
  let expected: Array<[string, string, boolean, boolean]>;

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'history' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'history', VersioningConfiguration: { Status: 'Enabled' } }));
    const rows = new Map<string, Array<[string, boolean]>>(); // key -> [versionId, deleteMarker] newest first
    const add = (k: string, id: string, dm: boolean): void => {
      rows.set(k, [[id, dm], ...(rows.get(k) ?? [])]);
    };
    for (let i = 0; i < 12; i++) {
      const key = `dags/d${String(i).padStart(2, '0')}.py`;
      for (let v = 0; v <= i % 3; v++) {
        const r = await s3.send(new PutObjectCommand({ Bucket: 'history', Key: key, Body: `${key}#${v}` }));
        add(key, r.VersionId!, false);
      }
      if (i % 4 === 0) {
        const d = await s3.send(new DeleteObjectCommand({ Bucket: 'history', Key: key }));
        add(key, d.VersionId!, true);
      }
    }
    const r = await s3.send(new PutObjectCommand({ Bucket: 'history', Key: 'plugins.zip', Body: 'zip' }));
    add('plugins.zip', r.VersionId!, false);
    expected = [...rows.keys()]
      .sort()
      .flatMap((k) => rows.get(k)!.map(([id, dm], i) => [k, id, i === 0, dm] as [string, string, boolean, boolean]));
  });

  it('lists versions and delete markers newest first per key, with IsLatest', async () => {
    const all = await s3.send(new ListObjectVersionsCommand({ Bucket: 'history' }));
    const rows = [
      ...(all.Versions ?? []).map((v) => [v.Key!, v.VersionId!, v.IsLatest!, false] as [string, string, boolean, boolean]),
      ...(all.DeleteMarkers ?? []).map((d) => [d.Key!, d.VersionId!, d.IsLatest!, true] as [string, string, boolean, boolean]),
    ];
    const order = new Map(expected.map((e, i) => [e[1], i]));
    rows.sort((a, b) => order.get(a[1])! - order.get(b[1])!);
    expect(rows).toEqual(expected);
    expect(all.IsTruncated).toBe(false);
  });

  it("paginates with key and version-id markers, splitting a key's versions across pages", async () => {
    for (const pageSize of [1, 2, 5]) {
      const got: Array<[string, string, boolean, boolean]> = [];
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      for (;;) {
        const page = await s3.send(new ListObjectVersionsCommand({ Bucket: 'history', MaxKeys: pageSize, KeyMarker, VersionIdMarker }));
        // the SDK splits Versions/DeleteMarkers; restore the document order by the expected order within the page
        const items = [
          ...(page.Versions ?? []).map((v) => [v.Key!, v.VersionId!, v.IsLatest!, false] as [string, string, boolean, boolean]),
          ...(page.DeleteMarkers ?? []).map((d) => [d.Key!, d.VersionId!, d.IsLatest!, true] as [string, string, boolean, boolean]),
        ];
        expect(items.length).toBeLessThanOrEqual(pageSize);
        if (page.IsTruncated) {
          expect(page.NextKeyMarker).toBeTruthy();
          expect(page.NextVersionIdMarker).toBeTruthy();
        }
        const order = new Map(expected.map((e, i) => [e[1], i]));
        items.sort((a, b) => order.get(a[1])! - order.get(b[1])!);
        got.push(...items);
        if (!page.IsTruncated) break;
        KeyMarker = page.NextKeyMarker;
        VersionIdMarker = page.NextVersionIdMarker;
      }
      expect(got, `page size ${pageSize}`).toEqual(expected);
    }
  });

  it('filters by prefix, rolls up with a delimiter, and starts after a key marker', async () => {
    const p = await s3.send(new ListObjectVersionsCommand({ Bucket: 'history', Prefix: 'plugins' }));
    expect(p.Versions!.map((v) => v.Key)).toEqual(['plugins.zip']);
    const d = await s3.send(new ListObjectVersionsCommand({ Bucket: 'history', Delimiter: '/' }));
    expect(d.CommonPrefixes!.map((c) => c.Prefix)).toEqual(['dags/']);
    expect(d.Versions!.map((v) => v.Key)).toEqual(['plugins.zip']);
    const m = await s3.send(new ListObjectVersionsCommand({ Bucket: 'history', KeyMarker: 'dags/d10.py' }));
    const keys = new Set([...(m.Versions ?? []), ...(m.DeleteMarkers ?? [])].map((v) => v.Key));
    expect([...keys].sort()).toEqual(['dags/d11.py', 'plugins.zip']);
  });

  it('refuses a version-id marker without a key marker', async () => {
    const err = await s3.send(new ListObjectVersionsCommand({ Bucket: 'history', VersionIdMarker: 'abc' })).catch((e) => e);
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
  });
});
