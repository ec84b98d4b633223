/**
 * Raw SDK responses, for the deserialize-step middlewares that read a body themselves
 * (src/aws/mwaa.ts, src/aws/logs-events.ts, src/aws/list-versions.ts) and then hand bytes back to the SDK.
 */

/** What a deserialize-step middleware sees of the HTTP response. */
export interface RawResponse {
  statusCode?: number;
  body?: unknown;
}

/** A chunk of a body as a Buffer (a view, not a copy). */
export function chunkBytes(chunk: Uint8Array | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The raw body as one Buffer; undefined when it is none of bytes, a string or an async iterable (left to the SDK). */
export async function collectBody(body: unknown): Promise<Buffer | undefined> {
  if (body instanceof Uint8Array || typeof body === 'string') return chunkBytes(body);
  if (!body || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(chunkBytes(chunk));
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
