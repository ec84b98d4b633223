/**
 * Decoding of the aws-chunked content encoding (SigV4 streaming uploads, and the SDK's flexible
 * checksums with a trailer):
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n ...][\r\n]
 *
 * Signatures are not verified (the emulator accepts any signature).
 */

export class ChunkedDecodeError extends Error {}

export interface DecodedChunked {
  body: Buffer;
  /** lower-cased trailer names -> values (e.g. x-amz-checksum-crc32) */
  trailers: Record<string, string>;
}

export function isAwsChunked(headers: Record<string, string>): boolean {
  const enc = headers['content-encoding'] ?? '';
  if (enc.split(',').some((t) => t.trim().toLowerCase() === 'aws-chunked')) return true;
  const sha = headers['x-amz-content-sha256'] ?? '';
  return sha.startsWith('STREAMING-');
}

/** content-encoding without the aws-chunked token (undefined when nothing is left) */
export function stripAwsChunked(contentEncoding: string | undefined): string | undefined {
  if (contentEncoding === undefined) return undefined;
  const rest = contentEncoding
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0 && t.toLowerCase() !== 'aws-chunked');
  return rest.length ? rest.join(',') : undefined;
}

function indexOfCrlf(buf: Buffer, from: number): number {
  for (let i = from; i + 1 < buf.length; i++) {
    if (buf[i] === 0x0d && buf[i + 1] === 0x0a) return i;
  }
  return -1;
}

export function decodeAwsChunked(buf: Buffer): DecodedChunked {
  const parts: Buffer[] = [];
  let pos = 0;
  let total = 0;
  for (;;) {
    const eol = indexOfCrlf(buf, pos);
    if (eol < 0) throw new ChunkedDecodeError('aws-chunked body ends inside a chunk header');
    const header = buf.toString('latin1', pos, eol);
    const sizeText = header.split(';', 1)[0].trim();
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText))
      throw new ChunkedDecodeError(`bad aws-chunked chunk size ${JSON.stringify(sizeText.slice(0, 20))}`);
    const size = parseInt(sizeText, 16);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size > buf.length) throw new ChunkedDecodeError('aws-chunked body ends inside a chunk');
    parts.push(buf.subarray(pos, pos + size));
    total += size;
    pos += size;
    if (buf[pos] !== 0x0d || buf[pos + 1] !== 0x0a) throw new ChunkedDecodeError('aws-chunked chunk not followed by CRLF');
    pos += 2;
  }
  const trailers: Record<string, string> = {};
  while (pos < buf.length) {
    let eol = indexOfCrlf(buf, pos);
    if (eol < 0) eol = buf.length;
    const line = buf.toString('utf8', pos, eol);
    pos = eol + 2;
    if (line.length === 0) break;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ChunkedDecodeError('bad aws-chunked trailer line');
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts, total), trailers };
}
