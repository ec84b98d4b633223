/**
 * The raw body of an SDK response as one Buffer, for the deserialize-step middlewares that read a
 * body themselves (src/aws/mwaa.ts, src/aws/logs-events.ts) and then hand the bytes back to the SDK.
 * Undefined when the body is none of bytes, a string or an async iterable (left to the SDK).
 */
export async function collectBody(body: unknown): Promise<Buffer | undefined> {
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return Buffer.from(body);
  if (!body || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
