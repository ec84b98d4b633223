/**
 * ListObjectVersions responses read as they arrive. The SDK collects a page's body (~0.5 MB for 1,000
 * versions) into one buffer, builds its text, parses it a character at a time into a tree and then
 * into output objects: about 20 MB of short-lived garbage per page, which makes V8 collect often and
 * promote the page buffers (a rollback or a first push lists the versions of whole folders). `scanVersionPages` is a middleware for the
 * ListObjectVersions command: it takes a successful response's body itself, a chunk at a time, and
 * hands the SDK an empty result to deserialize; errors are left to the SDK as they are.
 *
 * The body is S3's fixed XML: `<Version>` and `<DeleteMarker>` elements with simple child elements
 * (no attributes, no CDATA), text escaped as XML entities.
 */
import { chunkBytes, type RawResponse } from './raw-body.js';
import type { ObjectEntry, VersionEntry } from '../core/ports/s3.js';

export interface ScannedPage {
  entries: VersionEntry[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

const TOP = /<(IsTruncated|NextKeyMarker|NextVersionIdMarker)>([^<]*)<\/\1>/g;
const ENTITY = /&(?:quot|amp|lt|gt|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;
const NAMED: Record<string, string> = { '&quot;': '"', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&apos;': "'" };

/** XML text with its entities replaced (S3 escapes `&`, `<`, `>`, quotes, and control characters as `&#N;`). */
export function xmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    ENTITY,
    (e) => NAMED[e] ?? String.fromCodePoint(e[2] === 'x' ? parseInt(e.slice(3, -1), 16) : parseInt(e.slice(2, -1), 10)),
  );
}

const VERSION = Buffer.from('<Version>');
const MARKER = Buffer.from('<DeleteMarker>');
const VERSION_END = Buffer.from('</Version>');
const MARKER_END = Buffer.from('</DeleteMarker>');
const FIELDS = ['Key', 'VersionId', 'IsLatest', 'ETag', 'Size', 'LastModified'].map((name) => ({
  name,
  open: Buffer.from(`<${name}>`),
  close: Buffer.from(`</${name}>`),
}));

/** The text of a child element within [from, to) of an entry, or undefined. */
function field(element: Buffer, open: Buffer, close: Buffer): string | undefined {
  const at = element.indexOf(open);
  if (at < 0) return undefined;
  const start = at + open.length;
  const end = element.indexOf(close, start);
  if (end < 0) return undefined;
  // decoded from the bytes: a string of its own, not a slice that would keep the page's text alive
  return xmlText(element.toString('utf8', start, end));
}

function entry(buf: Buffer, from: number, to: number, deleteMarker: boolean): VersionEntry {
  // searched within the entry only: a field it lacks (a delete marker's ETag) is not looked for in the rest of the page
  const element = buf.subarray(from, to);
  const [key, versionId, isLatest, etag, size, lastModified] = FIELDS.map((f) => field(element, f.open, f.close));
  const time = lastModified === undefined ? NaN : Date.parse(lastModified);
  return {
    key: key ?? '',
    versionId: versionId ?? '',
    isLatest: isLatest === 'true',
    deleteMarker,
    etag,
    size: size === undefined ? undefined : Number(size),
    lastModified: Number.isNaN(time) ? undefined : time,
  };
}

/**
 * Reads one ListVersionsResult body pushed as byte chunks (any cut), keeping only the part of an entry
 * still arriving. Works on the bytes: `<` never occurs inside a UTF-8 sequence, so an entry's bounds
 * are found without decoding, and only its fields become strings.
 */
export class VersionsScanner {
  private rest: Buffer = Buffer.alloc(0);
  /** bytes outside the entries (copied): the page's own fields (IsTruncated, markers) */
  private readonly outside: Buffer[] = [];
  private readonly entries: VersionEntry[] = [];

  push(chunk: Buffer): void {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let at = 0;
    let nextVersion = buf.indexOf(VERSION, at);
    let nextMarker = buf.indexOf(MARKER, at);
    for (;;) {
      const isMarker = nextMarker >= 0 && (nextVersion < 0 || nextMarker < nextVersion);
      const start = isMarker ? nextMarker : nextVersion;
      if (start < 0) break;
      const endTag = isMarker ? MARKER_END : VERSION_END;
      const end = buf.indexOf(endTag, start);
      if (end < 0) break;
      if (start > at) this.outside.push(Buffer.from(buf.subarray(at, start)));
      this.entries.push(entry(buf, start, end, isMarker));
      at = end + endTag.length;
      if (isMarker) nextMarker = buf.indexOf(MARKER, at);
      else nextVersion = buf.indexOf(VERSION, at);
    }
    // after the last whole entry: an entry still arriving, or the page's own fields (a tag may be cut)
    const open = Math.min(...[buf.indexOf(VERSION, at), buf.indexOf(MARKER, at)].filter((i) => i >= 0), Infinity);
    const keep = open !== Infinity ? open : Math.max(at, buf.length - MARKER_END.length);
    if (keep > at) this.outside.push(Buffer.from(buf.subarray(at, keep)));
    this.rest = Buffer.from(buf.subarray(keep));
  }

  end(): ScannedPage {
    const tail = Buffer.concat([...this.outside, this.rest]).toString('utf8');
    if (!/<ListVersionsResult[\s>]/.test(tail)) throw new Error('ListObjectVersions: the response is not a ListVersionsResult');
    const page: ScannedPage = { entries: this.entries, isTruncated: false };
    TOP.lastIndex = 0;
    for (let m = TOP.exec(tail); m; m = TOP.exec(tail)) {
      if (m[1] === 'IsTruncated') page.isTruncated = m[2] === 'true';
      else if (m[1] === 'NextKeyMarker') page.nextKeyMarker = xmlText(m[2]);
      else page.nextVersionIdMarker = xmlText(m[2]);
    }
    return page;
  }
}

/** Reads a body stream to its page. */
export async function scanVersionsBody(body: AsyncIterable<Uint8Array | string>): Promise<ScannedPage> {
  const scanner = new VersionsScanner();
  for await (const chunk of body) scanner.push(chunkBytes(chunk));
  return scanner.end();
}

/** What the SDK deserializes instead of the body it would have parsed whole. */
const EMPTY_RESULT =
  '<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></ListVersionsResult>';

type Next = (args: unknown) => Promise<{ response: unknown; output?: unknown }>;

/**
 * A middleware (deserialize step, inside the SDK's deserializer) for one listing command: a 200
 * response's body is read by `scan` and goes to `onPage`, and the SDK deserializes `empty` instead.
 * Added per command, so retries (outside the deserialize step) scan each attempt's body afresh.
 */
function scanPages<P>(scan: (body: AsyncIterable<Uint8Array | string>) => Promise<P>, empty: string, onPage: (page: P) => void) {
  return (next: Next) =>
    async (args: unknown): Promise<{ response: unknown; output?: unknown }> => {
      const result = await next(args);
      const response = result.response as RawResponse;
      const body = response.body as AsyncIterable<Uint8Array | string> | undefined;
      if (response.statusCode === 200 && body && typeof body[Symbol.asyncIterator] === 'function') {
        onPage(await scan(body));
        response.body = Buffer.from(empty);
      }
      return result;
    };
}

/** For one ListObjectVersions command: each page's entries, scanned as the body streams in. */
export function scanVersionPages(onPage: (page: ScannedPage) => void) {
  return scanPages(scanVersionsBody, EMPTY_RESULT, onPage);
}

/** One ListObjectsV2 page as read by scanObjectsPage. */
export interface ScannedObjectsPage {
  objects: ObjectEntry[];
  isTruncated: boolean;
  nextContinuationToken?: string;
}

const CONTENTS = Buffer.from('<Contents>');
const CONTENTS_END = Buffer.from('</Contents>');
const tag = (name: string) => ({ open: Buffer.from(`<${name}>`), close: Buffer.from(`</${name}>`) });
const KEY = tag('Key');
const ETAG = tag('ETag');
const SIZE = tag('Size');
const OBJECTS_TOP = /<(IsTruncated|NextContinuationToken)>([^<]*)<\/\1>/g;

/**
 * Reads a whole ListBucketResult (ListObjectsV2, asked for without a delimiter) body: a page of up to
 * 1,000 keys is ~250 KB, read as bytes; each key and ETag becomes a string of its own, nothing else is
 * built (the SDK would build a tree and its output objects for the page, ~40× the body in garbage).
 */
export function scanObjectsPage(buf: Buffer): ScannedObjectsPage {
  const page: ScannedObjectsPage = { objects: [], isTruncated: false };
  const outside: string[] = [];
  let at = 0;
  for (let start = buf.indexOf(CONTENTS, at); start >= 0; start = buf.indexOf(CONTENTS, at)) {
    const end = buf.indexOf(CONTENTS_END, start);
    if (end < 0) throw new Error('ListObjectsV2: an element is not closed');
    outside.push(buf.toString('utf8', at, start));
    const element = buf.subarray(start, end);
    const size = field(element, SIZE.open, SIZE.close);
    page.objects.push({
      key: field(element, KEY.open, KEY.close) ?? '',
      etag: field(element, ETAG.open, ETAG.close),
      size: size === undefined ? undefined : Number(size),
    });
    at = end + CONTENTS_END.length;
  }
  outside.push(buf.toString('utf8', at));
  const rest = outside.join('');
  if (!/<ListBucketResult[\s>]/.test(rest)) throw new Error('ListObjectsV2: the response is not a ListBucketResult');
  OBJECTS_TOP.lastIndex = 0;
  for (let m = OBJECTS_TOP.exec(rest); m; m = OBJECTS_TOP.exec(rest)) {
    if (m[1] === 'IsTruncated') page.isTruncated = m[2] === 'true';
    else page.nextContinuationToken = xmlText(m[2]);
  }
  return page;
}

const EMPTY_OBJECTS =
  '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></ListBucketResult>';

/** For one ListObjectsV2 command: each page's objects, scanned from the whole body. */
export function scanObjectPages(onPage: (page: ScannedObjectsPage) => void) {
  return scanPages(
    async (body) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunkBytes(chunk));
      return scanObjectsPage(Buffer.concat(chunks));
    },
    EMPTY_OBJECTS,
    onPage,
  );
}
