/**
 * Content hashes: sha256 (what release records compare) and MD5 (what a single-part S3 ETag is, so an
 * object uploaded by someone else but byte-identical can be adopted instead of re-uploaded). Files are
 * streamed; small files are read in one go (faster, and memory stays bounded by the concurrency).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import type { LocalFile } from './files.js';

export interface Digest {
  sha256: string;
  md5: string;
  size: number;
}

const STREAM_THRESHOLD = 4 * 1024 * 1024;

export function digestBytes(data: Uint8Array): Digest {
  return {
    sha256: createHash('sha256').update(data).digest('hex'),
    md5: createHash('md5').update(data).digest('hex'),
    size: data.byteLength,
  };
}

export async function digestFile(path: string, sizeHint?: number): Promise<Digest> {
  if (sizeHint !== undefined && sizeHint < STREAM_THRESHOLD) return digestBytes(await readFile(path));
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const b = chunk as Buffer;
    sha.update(b);
    md5.update(b);
    size += b.byteLength;
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('hex'), size };
}

export interface HashedFile extends LocalFile, Digest {}

/** Hashes files with bounded concurrency, in the order given. */
export async function digestFiles(files: LocalFile[], options: { concurrency?: number; signal?: AbortSignal } = {}): Promise<HashedFile[]> {
  const limit = pLimit(options.concurrency ?? 32);
  return Promise.all(
    files.map((f) =>
      limit(async () => {
        options.signal?.throwIfAborted();
        const d = await digestFile(f.abs, f.size);
        return { ...f, ...d };
      }),
    ),
  );
}

/** The MD5 an ETag carries when the object was uploaded in one part (no "-N" suffix), else undefined. */
export function etagMd5(etag: string | undefined): string | undefined {
  if (!etag) return undefined;
  const bare = etag.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(bare) ? bare : undefined;
}

/** ETags compare without their quotes. */
export function sameEtag(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  return a.replace(/"/g, '') === b.replace(/"/g, '');
}

export function md5Base64(hexMd5: string): string {
  return Buffer.from(hexMd5, 'hex').toString('base64');
}
