/**
 * Content hashes: sha256 (what release records compare) and MD5 (what a single-part S3 ETag is, so an
 * object uploaded by someone else but byte-identical can be adopted instead of re-uploaded). Files are
 * streamed; small files are read in one go (faster, and memory stays bounded by the concurrency).
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
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
  // small files: one synchronous read is much cheaper than a thread-pool round trip
  if (sizeHint !== undefined && sizeHint < STREAM_THRESHOLD) return digestSmallFile(path);
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

/**
 * A local file with its hashes: what a plan keeps per file (one of these for each of tens of thousands of
 * files, so it is built as one fixed-shape literal, without the absolute path the walk gave).
 */
export interface HashedFile {
  /** path relative to the root, posix separators */
  rel: string;
  sha256: string;
  /** left out when the sha256 is the one the last release recorded (`known`): the plan knows it then */
  md5?: string;
  size: number;
}

/**
 * A file's hashes; when the last release recorded the same sha256, its string instead of a copy and no
 * MD5 (a fresh clone of 20,000 unchanged files keeps one sha256 string per file, not three strings).
 */
function hashed(rel: string, digest: Digest, known: KnownSha | undefined): HashedFile {
  const recorded = known?.(rel);
  if (recorded === digest.sha256) return { rel, sha256: recorded, md5: undefined, size: digest.size };
  return { rel, sha256: digest.sha256, md5: digest.md5, size: digest.size };
}

/** The sha256 the last release recorded for a file (by its relative path), if any. */
export type KnownSha = (rel: string) => string | undefined;

/** One buffer reused for every small file: no allocation per file, so memory does not grow with the count. */
let scratch = Buffer.allocUnsafe(256 * 1024);

function digestSmallFile(path: string): Digest {
  const fd = openSync(path, 'r');
  try {
    let size = 0;
    for (;;) {
      if (size === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, size);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, size, scratch.length - size, null);
      if (n === 0) break;
      size += n;
    }
    return digestBytes(scratch.subarray(0, size));
  } finally {
    closeSync(fd);
  }
}

/**
 * Hashes files in the order given. Small files are read synchronously, yielding to the event loop every
 * few hundred files so network calls started alongside (the bucket listing) keep moving; large files
 * are streamed with bounded concurrency.
 */
export async function digestFiles(
  walk: { root: string; files: LocalFile[] },
  options: { concurrency?: number; signal?: AbortSignal; known?: KnownSha } = {},
): Promise<HashedFile[]> {
  const { root, files } = walk;
  const out: HashedFile[] = new Array(files.length);
  const large: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    if (f.size >= STREAM_THRESHOLD) {
      large.push(i);
      continue;
    }
    out[i] = hashed(f.rel, digestSmallFile(join(root, f.rel)), options.known);
    if (i % 256 === 255) {
      options.signal?.throwIfAborted();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const limit = pLimit(options.concurrency ?? 8);
  await Promise.all(
    large.map((i) =>
      limit(async () => {
        options.signal?.throwIfAborted();
        out[i] = hashed(files[i].rel, await digestFile(join(root, files[i].rel)), options.known);
      }),
    ),
  );
  return out;
}

/** A file's MD5, read synchronously in 1 MiB pieces (for the plan's rare adoption check); undefined when unreadable. */
export function md5OfFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const md5 = createHash('md5');
    const chunk = scratch.length >= 1024 * 1024 ? scratch : (scratch = Buffer.allocUnsafe(1024 * 1024));
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return md5.digest('hex');
      md5.update(chunk.subarray(0, n));
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
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
