/** S3's XML: response building, the error shape, and parsing of request bodies. */
import { randomBytes } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { EmuResponse } from '../contract.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Escapes text for XML; control characters XML 1.0 cannot carry literally become character references, as S3 does. */
export function esc(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what XML 1.0 cannot carry raw
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
    }
  });
}

/** <name>escaped text</name>, or '' when value is undefined */
export function el(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${esc(String(value))}</${name}>`;
}

export function xmlDoc(root: string, inner: string): string {
  return `${XML_DECL}<${root} xmlns="${S3_NS}">${inner}</${root}>`;
}

export function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** An S3 error: thrown by operations, turned into the XML error shape by the handler. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** extra elements of the <Error> document, e.g. { Key: "a", BucketName: "b" } */
    readonly extra: Record<string, string | number | undefined> = {},
    /** extra response headers (e.g. x-amz-delete-marker on a 404 for a delete marker) */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export function s3ErrorResponse(
  status: number,
  code: string,
  message: string,
  opts: { extra?: Record<string, string | number | undefined>; headers?: Record<string, string>; resource?: string; head?: boolean } = {},
): EmuResponse {
  const requestId = newRequestId();
  const headers: Record<string, string> = {
    'x-amz-request-id': requestId,
    'x-amz-id-2': randomBytes(24).toString('base64'),
    ...(opts.headers ?? {}),
  };
  if (opts.head) {
    // HEAD responses carry no body; S3 still says what went wrong in these headers for some errors.
    return { status, headers };
  }
  let inner = el('Code', code) + el('Message', message);
  for (const [k, v] of Object.entries(opts.extra ?? {})) inner += el(k, v);
  if (opts.resource !== undefined) inner += el('Resource', opts.resource);
  inner += el('RequestId', requestId) + el('HostId', headers['x-amz-id-2']);
  headers['content-type'] = 'application/xml';
  return { status, headers, body: `${XML_DECL}<Error>${inner}</Error>` };
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

export function malformedXml(): S3Error {
  return new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
}

/** Parses a request body; MalformedXML when it is not well-formed or its root element is not `root`. */
export function parseXmlBody(body: Buffer, root: string): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim().length === 0) throw malformedXml();
  let ok: true | unknown;
  try {
    ok = XMLValidator.validate(text);
  } catch {
    ok = false;
  }
  if (ok !== true) throw malformedXml();
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch {
    throw malformedXml();
  }
  const top = doc[root];
  if (top === undefined) throw malformedXml();
  if (top === '' || typeof top === 'string') return {};
  if (typeof top !== 'object' || top === null || Array.isArray(top)) throw malformedXml();
  return top as Record<string, unknown>;
}

/** A child element's text: undefined when absent; MalformedXML when it is repeated or has children. */
export function textOf(node: Record<string, unknown>, name: string): string | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  throw malformedXml();
}

/** Child elements that may repeat, as a list of element objects. */
export function listOf(node: Record<string, unknown>, name: string): Array<Record<string, unknown>> {
  const v = node[name];
  if (v === undefined) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => {
    if (x === '') return {};
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw malformedXml();
    return x as Record<string, unknown>;
  });
}
