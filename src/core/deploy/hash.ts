/**
 * Content hashes: sha256 (what release records compare) and MD5 (what a single-part S3 ETag is, so an
 * object uploaded by someone else but byte-identical can be adopted instead of re-uploaded). Files are
 * streamed; small files are read in one go (faster, and memory stays bounded by the concurrency).
 */
// a namespace import: `hash` is missing before Node 20.12, and a named import of it would not load there
import * as crypto from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import pLimit from 'p-limit';
import { pathOf, type LocalFile } from './files.js';

export interface Digest {
  sha256: string;
  md5: string;
  size: number;
}

const STREAM_THRESHOLD = 4 * 1024 * 1024;

export function digestBytes(data: Uint8Array): Digest {
  return { sha256: hex('sha256', data), md5: hex('md5', data), size: data.byteLength };
}

/** A large file's hashes, streamed. */
async function digestFile(path: string): Promise<Digest> {
  const sha = crypto.createHash('sha256');
  const md5 = crypto.createHash('md5');
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
 * A local file with its hashes: what a plan keeps per file. digestFiles fills them into the walk's own
 * objects (LocalFile), so for tens of thousands of files there is one object each, not two.
 */
export interface HashedFile {
  /** path relative to the root, posix separators */
  rel: string;
  sha256: string;
  /** left out when the sha256 is the one the last release recorded (`known`): the plan knows it then */
  md5?: string;
  size: number;
}

/** What the last release recorded of a file. */
export interface Recorded {
  sha256: string;
  size: number;
}

/** The last release's entry for a file (by its relative path), if any. */
export type KnownEntry = (rel: string) => Recorded | undefined;

/** One-shot hashing (Node 20.12+), without a Hash object per call; createHash before that. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

function hex(algorithm: 'sha256' | 'md5', data: Uint8Array): string {
  return oneShot ? oneShot(algorithm, data, 'hex') : crypto.createHash(algorithm).update(data).digest('hex');
}

/** One buffer reused for every small file: no allocation per file, so memory does not grow with the count. */
let scratch = Buffer.allocUnsafe(256 * 1024);

/**
 * A file's bytes in the scratch buffer (valid until the next call), or undefined when it has
 * STREAM_THRESHOLD bytes or more (then it is streamed).
 */
function readSmallFile(path: string): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    // as readFileSync does: the size stat gives, without a read for the end of the file (a size of 0,
    // as some special files report, reads to the end)
    const expected = fstatSync(fd).size;
    if (expected >= STREAM_THRESHOLD) return undefined;
    let size = 0;
    while (expected === 0 || size < expected) {
      if (size === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, size);
        scratch = bigger;
      }
      const n = readSync(fd, scratch, size, scratch.length - size, null);
      if (n === 0) break;
      size += n;
    }
    return scratch.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Hashes the files of a walk in place (see LocalFile) and returns them. Small files are read
 * synchronously, yielding to the event loop every few hundred files so network calls started alongside
 * (the bucket listing) keep moving; large files are streamed with bounded concurrency. A file whose
 * sha256 the last release recorded (`known`) keeps that very string and gets no MD5 (the plan knows
 * it from the recorded ETag).
 */
export async function digestFiles(
  walk: { root: string; files: LocalFile[] },
  options: { concurrency?: number; signal?: AbortSignal; known?: KnownEntry } = {},
): Promise<LocalFile[]> {
  const { root, files } = walk;
  const settle = (f: LocalFile, size: number, sha256: string, md5: string | Uint8Array) => {
    f.size = size;
    const recorded = options.known?.(f.rel);
    const same = recorded !== undefined && recorded.sha256 === sha256;
    f.sha256 = same ? recorded.sha256 : sha256;
    f.md5 = same ? undefined : typeof md5 === 'string' ? md5 : hex('md5', md5);
  };
  const large: LocalFile[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    const data = readSmallFile(pathOf(root, f.rel));
    if (data) settle(f, data.byteLength, hex('sha256', data), data);
    else large.push(f);
    if (i % 256 === 255) {
      options.signal?.throwIfAborted();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const limit = pLimit(options.concurrency ?? 8);
  await Promise.all(
    large.map((f) =>
      limit(async () => {
        options.signal?.throwIfAborted();
        const digest = await digestFile(pathOf(root, f.rel));
        settle(f, digest.size, digest.sha256, digest.md5);
      }),
    ),
  );
  return files;
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
    const md5 = crypto.createHash('md5');
    if (scratch.length < 1024 * 1024) scratch = Buffer.allocUnsafe(1024 * 1024);
    const chunk = scratch;
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
