/**
 * The S3 client of createAwsClients keeps concurrent calls apart: twenty PutObjects sent at once to two
 * buckets each reach their own bucket. (With the SDK's `cacheMiddleware` option, one handler and one
 * context are shared per command class and half of them went to the wrong bucket.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';

describe('the S3 client under concurrency', () => {
  it('sends each of 20 concurrent PutObjects over two buckets to its own bucket', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { etag: '"0"' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const aws = createAwsClients({
      region: 'us-east-1',
      endpoints: { s3: url },
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    const s3 = await aws.s3();
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          s3.send(new PutObjectCommand({ Bucket: i % 2 ? 'bucket-b' : 'bucket-a', Key: `k${i}`, Body: Buffer.from('x'.repeat(i)) })),
        ),
      );
      const wrong = seen.filter((u) => {
        const m = /^\/(bucket-[ab])\/k(\d+)/.exec(u);
        return !m || (m[1] === 'bucket-b') !== (Number(m[2]) % 2 === 1);
      });
      expect(seen).toHaveLength(20);
      expect(wrong).toEqual([]);
    } finally {
      s3.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
