/**
 * S3 checksums (written here rather than borrowed from the SDK: the emulator is an independent oracle).
 * Values are base64 of the big-endian digest, as in the x-amz-checksum-* headers.
 */
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

/** digest length in bytes */
export const CHECKSUM_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export function checksumHeader(algo: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algo.toLowerCase()}`;
}

export function toAlgorithm(s: string | undefined): ChecksumAlgorithm | undefined {
  if (!s) return undefined;
  const up = s.toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(up) ? (up as ChecksumAlgorithm) : undefined;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

// crc32 (zlib's, Node >= 20.15); fallback table otherwise.
const zcrc = (zlib as unknown as { crc32?: (data: Buffer) => number }).crc32;
const CRC32_TABLE = makeTable32(0xedb88320);
const CRC32C_TABLE = makeTable32(0x82f63b78);

function makeTable32(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let j = 0; j < 8; j++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
}

function crc32With(table: Uint32Array, data: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = (crc >>> 8) ^ table[(crc ^ data[i]) & 0xff];
  return (crc ^ 0xffffffff) >>> 0;
}

// CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, init and xorout all ones. Kept as two 32-bit halves.
const C64_HI = new Uint32Array(256);
const C64_LO = new Uint32Array(256);
{
  const poly = 0x9a6c9329ac4bc9b5n;
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let j = 0; j < 8; j++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    C64_HI[i] = Number(c >> 32n);
    C64_LO[i] = Number(c & 0xffffffffn);
  }
}

function crc64nvme(data: Buffer): Buffer {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ data[i]) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ C64_LO[idx]) >>> 0;
    hi = ((hi >>> 8) ^ C64_HI[idx]) >>> 0;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
  return out;
}

export function computeChecksum(algo: ChecksumAlgorithm, data: Buffer): string {
  switch (algo) {
    case 'CRC32':
      return u32(zcrc ? zcrc(data) : crc32With(CRC32_TABLE, data)).toString('base64');
    case 'CRC32C':
      return u32(crc32With(CRC32C_TABLE, data)).toString('base64');
    case 'CRC64NVME':
      return crc64nvme(data).toString('base64');
    case 'SHA1':
      return createHash('sha1').update(data).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(data).digest('base64');
  }
}

/** Whether a header value is well-formed base64 of the algorithm's digest length. */
export function isWellFormedChecksum(algo: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  return Buffer.from(value, 'base64').length === CHECKSUM_BYTES[algo] && value.length % 4 === 0;
}

export function md5(data: Buffer): Buffer {
  return createHash('md5').update(data).digest();
}
