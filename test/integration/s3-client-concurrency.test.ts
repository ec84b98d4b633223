/**
 * The S3 clients of createAwsClients keep concurrent calls apart. Twenty PutObjects sent at once over two
 * buckets each reach their own bucket: through `s3()` (which does not use the SDK's `cacheMiddleware`: with
 * it, one handler and one context are shared per command class and half of them went to the wrong
 * bucket), and through the deploy adapter's `putObject`, which lends each call an `s3Uploader()` client
 * (those do cache their middleware) that no other call is using.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from '../../src/aws/clients.js';
import { s3Api } from '../../src/aws/s3.js';

let server: ReturnType<typeof createServer>;
let seen: Array<{ url: string; authorization: string }>;
let aws: AwsClients;
/** the answer to a PUT is held until this many PUTs arrived, so that they are all in flight at once */
let holdUntil = 0;
let held: Array<() => void> = [];

beforeEach(async () => {
  seen = [];
  held = [];
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? '', authorization: String(req.headers.authorization ?? '') });
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const answer = () => {
        res.writeHead(200, { etag: `"${path}"` });
        res.end();
      };
      held.push(answer);
      if (held.length >= holdUntil) for (const a of held.splice(0)) a();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  aws = createAwsClients({
    region: 'us-east-1',
    endpoints: { s3: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
});
afterEach(async () => {
  (await aws.s3()).destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** requests that went to the other bucket than their key's number says */
function wrongBucket(): string[] {
  return seen
    .map((s) => s.url)
    .filter((u) => {
      const m = /^\/(bucket-[ab])\/k(\d+)/.exec(u);
      return !m || (m[1] === 'bucket-b') !== (Number(m[2]) % 2 === 1);
    });
}

describe('S3 clients under concurrency', () => {
  it('s3(): each of 20 concurrent PutObjects over two buckets reaches its own bucket', async () => {
    const s3 = await aws.s3();
    holdUntil = 20;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket: i % 2 ? 'bucket-b' : 'bucket-a', Key: `k${i}`, Body: Buffer.from('x'.repeat(i)) })),
      ),
    );
    expect(seen).toHaveLength(20);
    expect(wrongBucket()).toEqual([]);
  });

  it('putObject with uploader clients: 20 concurrent uploads each reach their own bucket and get their own answer; the clients are reused', async () => {
    const made: S3Client[] = [];
    const api = s3Api(await aws.s3(), {
      uploader: async () => {
        const client = await aws.s3Uploader();
        made.push(client);
        return client;
      },
    });
    holdUntil = 20;
    const round = () =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          api.putObject(i % 2 ? 'bucket-b' : 'bucket-a', `k${i}`, Buffer.from('x'.repeat(i)), { contentMd5: 'AAAAAAAAAAAAAAAAAAAAAA==' }),
        ),
      );
    const first = await round();
    expect(seen).toHaveLength(20);
    expect(wrongBucket()).toEqual([]);
    // each call got the answer to its own request
    expect(first.map((r) => ('etag' in r ? r.etag : r))).toEqual(
      Array.from({ length: 20 }, (_, i) => `"/bucket-${i % 2 ? 'b' : 'a'}/k${i}"`),
    );
    expect(made).toHaveLength(20);

    // ten more at once, through the adapter for an expected bucket owner: the clients of the first round are lent again
    holdUntil = 10;
    seen = [];
    const api2 = api.forOwner?.('123456789012') ?? api;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api2.putObject(i % 2 ? 'bucket-b' : 'bucket-a', `k${i}`, Buffer.from('y'), { contentMd5: 'AAAAAAAAAAAAAAAAAAAAAA==' }),
      ),
    );
    expect(seen).toHaveLength(10);
    expect(wrongBucket()).toEqual([]);
    expect(made).toHaveLength(20);
    // signed with the main client's credentials and region
    for (const s of seen) expect(s.authorization).toMatch(/Credential=a\/\d{8}\/us-east-1\/s3\/aws4_request/);
  });
});
