/**
 * S3 REST/XML: request parsing, operation dispatch and the operations themselves.
 *
 * Addressing: path-style (http://host:port/<bucket>/<key>) and virtual-hosted style on *.localhost
 * (http://<bucket>.localhost:port/<key>, also <bucket>.s3.localhost).
 */
import { createHash } from 'node:crypto';
import type { EmuRequest, EmuResponse, World } from '../contract.js';
import { answerWithFault } from '../faults.js';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumHeader,
  computeChecksum,
  isWellFormedChecksum,
  md5,
  toAlgorithm,
} from './checksums.js';
import { ChunkedDecodeError, decodeAwsChunked, isAwsChunked, stripAwsChunked } from './chunked.js';
import { type Bucket, type MultipartUpload, type ObjectVersion, type PublicAccessBlock, type S3StoreImpl, newVersionId } from './store.js';
import { S3Error, el, listOf, malformedXml, newRequestId, parseXmlBody, s3ErrorResponse, textOf, xmlDoc } from './xml.js';

const MAX_KEYS = 1000;
const MAX_METADATA_BYTES = 2048;
const MIN_PART_BYTES = 5 * 1024 * 1024;
const STORAGE_CLASSES = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'OUTPOSTS',
  'GLACIER_IR',
  'SNOW',
  'EXPRESS_ONEZONE',
]);
const STORED_HEADERS = ['content-type', 'cache-control', 'content-disposition', 'content-language', 'expires'] as const;
const RESPONSE_OVERRIDES: Array<[string, string]> = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
];
/** sub-resources this emulator does not implement (answered with 501 NotImplemented) */
const UNSUPPORTED_SUBRESOURCES = [
  'acl',
  'policy',
  'policyStatus',
  'cors',
  'lifecycle',
  'encryption',
  'website',
  'logging',
  'notification',
  'replication',
  'ownershipControls',
  'accelerate',
  'requestPayment',
  'object-lock',
  'intelligent-tiering',
  'inventory',
  'metrics',
  'analytics',
  'torrent',
  'retention',
  'legal-hold',
  'attributes',
  'restore',
  'select',
  'session',
  'metadataTable',
];

interface Target {
  bucket?: string;
  key?: string;
}

interface Ctx {
  req: EmuRequest;
  world: World;
  store: S3StoreImpl;
  bucket: string;
  key: string;
  head: boolean;
}

/** bucket sub-resources answered 501 on buckets only (served on objects) */
const UNSUPPORTED_BUCKET_SUBRESOURCES = ['tagging'];

type Op = { name: string; run: (c: Ctx) => EmuResponse | Promise<EmuResponse>; fields?: (c: Ctx) => Record<string, unknown> };

export function handleS3(req: EmuRequest, world: World): EmuResponse | Promise<EmuResponse> {
  const head = req.method === 'HEAD';
  const resource = req.rawPath;
  const answerS3Error = (e: unknown): EmuResponse => {
    if (e instanceof S3Error) {
      return s3ErrorResponse(e.status, e.code, e.message, { extra: e.extra, headers: e.headers, head, resource });
    }
    throw e;
  };
  try {
    const store = world.s3 as S3StoreImpl;
    if (typeof store.getBucket !== 'function') throw new Error('world.s3 is not the emulator S3 store');
    const target = parseTarget(req);
    const op = dispatch(req, target);
    const ctx: Ctx = { req, world, store, bucket: target.bucket ?? '', key: target.key ?? '', head };
    const versionId = req.query.get('versionId') ?? undefined;
    const fields: Record<string, unknown> = {
      ...(target.bucket !== undefined ? { Bucket: target.bucket } : {}),
      ...(target.key !== undefined ? { Key: target.key } : {}),
      ...(versionId !== undefined ? { VersionId: versionId } : {}),
      ...(op.fields ? op.fields(ctx) : {}),
    };
    const out = answerWithFault(
      world,
      world.faults.check('s3', op.name, fields),
      (fault) => s3ErrorResponse(fault.status, fault.code, fault.message ?? `Injected fault for ${op.name}`, { head, resource }),
      () => {
        checkAccess(ctx);
        return op.run(ctx);
      },
    );
    // a delayed call (or DeleteObjects holding for one of its keys) answers later: its S3Errors too
    return out instanceof Promise ? out.catch(answerS3Error) : out;
  } catch (e) {
    return answerS3Error(e);
  }
}

/**
 * What AWS checks before the operation: an expired SigV2 presigned URL (`Expires` in the past) and the
 * ExpectedBucketOwner conditions (x-amz-expected-bucket-owner, x-amz-source-expected-bucket-owner):
 * every bucket here belongs to the emulator's account, so another account id is 403 AccessDenied.
 */
function checkAccess(c: Ctx): void {
  const q = c.req.query;
  if (q.has('AWSAccessKeyId') && q.has('Signature')) {
    const expires = q.get('Expires');
    if (expires === null || !/^\d+$/.test(expires))
      throw new S3Error(403, 'AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
    if (Number(expires) * 1000 < c.world.clock.now()) {
      throw new S3Error(403, 'AccessDenied', 'Request has expired', {
        Expires: new Date(Number(expires) * 1000).toISOString(),
        ServerTime: new Date(c.world.clock.now()).toISOString(),
      });
    }
  }
  for (const header of ['x-amz-expected-bucket-owner', 'x-amz-source-expected-bucket-owner']) {
    const owner = c.req.headers[header];
    if (owner !== undefined && owner !== c.world.accountId) throw new S3Error(403, 'AccessDenied', 'Access Denied');
  }
}

// ------------------------------------------------------------------------------------------------
// Parsing and dispatch
// ------------------------------------------------------------------------------------------------

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

function parseTarget(req: EmuRequest): Target {
  const vhost = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.(?:s3\.)?localhost$/.exec(req.host);
  const path = req.rawPath.startsWith('/') ? req.rawPath.slice(1) : req.rawPath;
  if (vhost && vhost[1] !== 'api' && vhost[1] !== 'env') {
    return { bucket: vhost[1], key: path.length ? decodePath(path) : undefined };
  }
  if (path.length === 0) return {};
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decodePath(path) };
  const bucket = decodePath(path.slice(0, slash));
  const rawKey = path.slice(slash + 1);
  return { bucket, key: rawKey.length ? decodePath(rawKey) : undefined };
}

function has(req: EmuRequest, name: string): boolean {
  return req.query.has(name);
}

function notImplemented(what = 'A header you provided implies functionality that is not implemented'): S3Error {
  return new S3Error(501, 'NotImplemented', what);
}

function methodNotAllowed(): S3Error {
  return new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
}

function dispatch(req: EmuRequest, t: Target): Op {
  const m = req.method;
  if (t.bucket === undefined) {
    if (m === 'GET') return { name: 'ListBuckets', run: listBuckets };
    throw methodNotAllowed();
  }
  if (t.key === undefined) {
    for (const sub of [...UNSUPPORTED_SUBRESOURCES, ...UNSUPPORTED_BUCKET_SUBRESOURCES]) if (has(req, sub)) throw notImplemented();
    switch (m) {
      case 'PUT':
        if (has(req, 'versioning')) return { name: 'PutBucketVersioning', run: putBucketVersioning };
        if (has(req, 'publicAccessBlock')) return { name: 'PutPublicAccessBlock', run: putPublicAccessBlock };
        return { name: 'CreateBucket', run: createBucket };
      case 'GET':
        if (has(req, 'versioning')) return { name: 'GetBucketVersioning', run: getBucketVersioning };
        if (has(req, 'publicAccessBlock')) return { name: 'GetPublicAccessBlock', run: getPublicAccessBlock };
        if (has(req, 'location')) return { name: 'GetBucketLocation', run: getBucketLocation };
        if (has(req, 'versions')) return { name: 'ListObjectVersions', run: listObjectVersions };
        if (has(req, 'uploads')) return { name: 'ListMultipartUploads', run: listMultipartUploads };
        if (req.query.get('list-type') === '2') return { name: 'ListObjectsV2', run: listObjectsV2 };
        if (req.query.has('list-type')) throw new S3Error(400, 'InvalidArgument', 'Invalid list type specified');
        return { name: 'ListObjects', run: listObjectsV1 };
      case 'HEAD':
        return { name: 'HeadBucket', run: headBucket };
      case 'DELETE':
        if (has(req, 'publicAccessBlock')) return { name: 'DeletePublicAccessBlock', run: deletePublicAccessBlock };
        return { name: 'DeleteBucket', run: deleteBucket };
      case 'POST':
        if (has(req, 'delete')) return { name: 'DeleteObjects', run: deleteObjects };
        throw methodNotAllowed();
      default:
        throw methodNotAllowed();
    }
  }
  for (const sub of UNSUPPORTED_SUBRESOURCES) if (has(req, sub)) throw notImplemented();
  if (has(req, 'tagging')) {
    if (m === 'GET') return { name: 'GetObjectTagging', run: getObjectTagging };
    if (m === 'PUT') return { name: 'PutObjectTagging', run: putObjectTagging };
    if (m === 'DELETE') return { name: 'DeleteObjectTagging', run: deleteObjectTagging };
    throw methodNotAllowed();
  }
  switch (m) {
    case 'PUT':
      if (has(req, 'uploadId') || has(req, 'partNumber')) {
        const partFields = (c: Ctx) => ({
          UploadId: c.req.query.get('uploadId') ?? undefined,
          PartNumber: c.req.query.get('partNumber') ?? undefined,
        });
        if (req.headers['x-amz-copy-source'] !== undefined) {
          return { name: 'UploadPartCopy', run: uploadPartCopy, fields: (c) => ({ ...partFields(c), ...copyFields(c) }) };
        }
        return { name: 'UploadPart', run: uploadPart, fields: partFields };
      }
      if (req.headers['x-amz-copy-source'] !== undefined) {
        return { name: 'CopyObject', run: copyObject, fields: copyFields };
      }
      return { name: 'PutObject', run: putObject };
    case 'GET':
      if (has(req, 'uploadId')) return { name: 'ListParts', run: listParts, fields: (c) => ({ UploadId: c.req.query.get('uploadId') }) };
      return { name: 'GetObject', run: getObject };
    case 'HEAD':
      return { name: 'HeadObject', run: getObject };
    case 'DELETE':
      if (has(req, 'uploadId'))
        return { name: 'AbortMultipartUpload', run: abortMultipartUpload, fields: (c) => ({ UploadId: c.req.query.get('uploadId') }) };
      return { name: 'DeleteObject', run: deleteObject };
    case 'POST':
      if (has(req, 'uploads')) return { name: 'CreateMultipartUpload', run: createMultipartUpload };
      if (has(req, 'uploadId'))
        return {
          name: 'CompleteMultipartUpload',
          run: completeMultipartUpload,
          fields: (c) => ({ UploadId: c.req.query.get('uploadId') }),
        };
      throw methodNotAllowed();
    default:
      throw methodNotAllowed();
  }
}

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

function ok(status: number, headers: Record<string, string> = {}, body?: string | Buffer): EmuResponse {
  const h: Record<string, string> = { 'x-amz-request-id': newRequestId(), ...headers };
  if (typeof body === 'string' && h['content-type'] === undefined) h['content-type'] = 'application/xml';
  return body === undefined ? { status, headers: h } : { status, headers: h, body };
}

function xmlOk(root: string, inner: string, headers: Record<string, string> = {}): EmuResponse {
  return ok(200, { 'content-type': 'application/xml', ...headers }, xmlDoc(root, inner));
}

function noSuchBucket(name: string): S3Error {
  return new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });
}

function noSuchKey(key: string, headers: Record<string, string> = {}): S3Error {
  return new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }, headers);
}

function noSuchVersion(key: string, versionId: string): S3Error {
  return new S3Error(404, 'NoSuchVersion', 'The specified version does not exist.', { Key: key, VersionId: versionId });
}

function bucketOf(c: Ctx): Bucket {
  const b = c.store.getBucket(c.bucket);
  if (!b) throw noSuchBucket(c.bucket);
  return b;
}

function checkKey(key: string): void {
  if (Buffer.byteLength(key) > 1024) {
    throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', { Size: Buffer.byteLength(key), MaxSizeAllowed: 1024 });
  }
}

/**
 * Whether a version id has the form of one S3 hands out: "null", or an opaque id of at least 32
 * URL-safe characters (the emulator's are 32). Anything else is "Invalid version id specified".
 */
function isWellFormedVersionId(v: string): boolean {
  return v === 'null' || /^[A-Za-z0-9._+/=-]{32,1024}$/.test(v);
}

function invalidVersionId(name: string, value: string): S3Error {
  return new S3Error(400, 'InvalidArgument', 'Invalid version id specified', { ArgumentName: name, ArgumentValue: value });
}

function versionIdParam(c: Ctx): string | undefined {
  const v = c.req.query.get('versionId');
  if (v === null) return undefined;
  if (v === '')
    throw new S3Error(400, 'InvalidArgument', 'Version id cannot be the empty string', { ArgumentName: 'versionId', ArgumentValue: '' });
  if (!isWellFormedVersionId(v)) throw invalidVersionId('versionId', v);
  return v;
}

function isoDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

function httpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString();
}

function ownerXml(c: Ctx): string {
  return `<Owner>${el('ID', ownerId(c.world.accountId))}${el('DisplayName', 'mwaa-local')}</Owner>`;
}

const ownerIds = new Map<string, string>();
function ownerId(account: string): string {
  let id = ownerIds.get(account);
  if (!id) {
    id = createHash('sha256').update(`mwaa-local:${account}`).digest('hex');
    ownerIds.set(account, id);
  }
  return id;
}

function encodeIf(url: boolean, s: string): string {
  return url ? encodeURIComponent(s).replace(/%2F/g, '/') : s;
}

function parseMaxKeys(c: Ctx, param = 'max-keys'): number {
  const raw = c.req.query.get(param);
  if (raw === null) return MAX_KEYS;
  if (!/^-?\d+$/.test(raw) || Math.abs(Number(raw)) > 2147483647) {
    throw new S3Error(400, 'InvalidArgument', `Provided ${param} not an integer or within integer range`, {
      ArgumentName: param,
      ArgumentValue: raw,
    });
  }
  const n = Number(raw);
  if (n < 0)
    throw new S3Error(400, 'InvalidArgument', `Argument ${param} must be an integer between 0 and 2147483647`, {
      ArgumentName: param,
      ArgumentValue: raw,
    });
  return Math.min(n, MAX_KEYS);
}

function parseEncodingType(c: Ctx): boolean {
  const e = c.req.query.get('encoding-type');
  if (e === null || e === '') return false;
  if (e.toLowerCase() !== 'url') {
    throw new S3Error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
      ArgumentValue: e,
    });
  }
  return true;
}

/** The ETag without W/ and quotes; S3 also accepts it with the quotes missing or only one of them. */
function stripEtag(s: string): string {
  let t = s.trim();
  if (t.startsWith('W/')) t = t.slice(2);
  if (t.startsWith('"')) t = t.slice(1);
  if (t.endsWith('"')) t = t.slice(0, -1);
  return t;
}

/** Whether an If-Match / If-None-Match header value matches the ETag. */
function etagMatches(header: string, etag: string): boolean {
  const want = stripEtag(etag);
  return header.split(',').some((part) => {
    const p = part.trim();
    return p === '*' || stripEtag(p) === want;
  });
}

function parseHttpDate(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

function userMetadata(req: EmuRequest): Record<string, string> | undefined {
  let meta: Record<string, string> | undefined;
  let size = 0;
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const short = name.slice('x-amz-meta-'.length);
    meta ??= {};
    meta[short] = value;
    size += Buffer.byteLength(short) + Buffer.byteLength(value);
  }
  if (size > MAX_METADATA_BYTES) {
    throw new S3Error(400, 'MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', {
      Size: size,
      MaxSizeAllowed: MAX_METADATA_BYTES,
    });
  }
  return meta;
}

function storedHeaders(req: EmuRequest, contentEncoding: string | undefined): Record<string, string> {
  const h: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const v = req.headers[name];
    if (v !== undefined) h[name] = v;
  }
  if (h['content-type'] === undefined) h['content-type'] = 'binary/octet-stream';
  if (contentEncoding !== undefined) h['content-encoding'] = contentEncoding;
  return h;
}

function storageClassOf(req: EmuRequest): string | undefined {
  const sc = req.headers['x-amz-storage-class'];
  if (sc === undefined) return undefined;
  if (!STORAGE_CLASSES.has(sc))
    throw new S3Error(400, 'InvalidStorageClass', 'The storage class you specified is not valid', { StorageClassRequested: sc });
  return sc === 'STANDARD' ? undefined : sc;
}

// ---- object tags -----------------------------------------------------------------------------

const MAX_TAGS = 10;

function invalidTag(message: string, extra: Record<string, string> = {}): S3Error {
  return new S3Error(400, 'InvalidTag', message, extra);
}

/** S3's limits on an object's tags: at most 10, keys 1-128 and values 0-256 characters, keys unique. */
function checkTags(tags: Array<[string, string]>): Array<[string, string]> {
  if (tags.length > MAX_TAGS) throw invalidTag('Object tags cannot be greater than 10');
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128) throw invalidTag('The TagKey you have provided is invalid', { TagKey: k });
    if (v.length > 256) throw invalidTag('The TagValue you have provided is invalid', { TagKey: k, TagValue: v });
    if (seen.has(k)) throw invalidTag('Cannot provide multiple Tags with the same key', { TagKey: k });
    seen.add(k);
  }
  return tags;
}

/** The x-amz-tagging header (a URL query string: k1=v1&k2=v2), or undefined without one. */
function taggingHeader(req: EmuRequest): Array<[string, string]> | undefined {
  const raw = req.headers['x-amz-tagging'];
  if (raw === undefined) return undefined;
  return checkTags([...new URLSearchParams(raw)]);
}

// ---- server-side encryption ---------------------------------------------------------------------

type Sse = NonNullable<ObjectVersion['sse']>;

/** The encryption a write asks for: undefined for the default (SSE-S3, AES256). */
function sseOf(c: Ctx, region: string): Sse | undefined {
  const h = c.req.headers;
  if (h['x-amz-server-side-encryption-customer-algorithm'] !== undefined) {
    throw notImplemented('Server-side encryption with customer-provided keys (SSE-C) is not implemented by mwaa local');
  }
  const alg = h['x-amz-server-side-encryption'];
  if (alg === undefined || alg === 'AES256') {
    if (h['x-amz-server-side-encryption-aws-kms-key-id'] !== undefined) {
      throw new S3Error(
        400,
        'InvalidArgument',
        'Server Side Encryption with KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
        {
          ArgumentName: 'x-amz-server-side-encryption',
          ArgumentValue: alg ?? 'null',
        },
      );
    }
    return undefined;
  }
  if (alg !== 'aws:kms' && alg !== 'aws:kms:dsse') {
    throw new S3Error(400, 'InvalidArgument', 'The encryption method specified is not supported', {
      ArgumentName: 'x-amz-server-side-encryption',
      ArgumentValue: alg,
    });
  }
  const given = h['x-amz-server-side-encryption-aws-kms-key-id'];
  const account = c.world.accountId;
  let kmsKeyId: string;
  if (given === undefined || given === '') kmsKeyId = `arn:aws:kms:${region}:${account}:key/${awsManagedKeyId(account, region)}`;
  else if (given.startsWith('arn:')) kmsKeyId = given;
  else kmsKeyId = `arn:aws:kms:${region}:${account}:${given.startsWith('alias/') ? given : `key/${given}`}`;
  return { algorithm: alg, kmsKeyId };
}

/** A stable key id (UUID form) standing for the account's AWS managed key aws/s3 in a region. */
function awsManagedKeyId(account: string, region: string): string {
  const h = createHash('sha256').update(`mwaa-local:aws/s3:${account}:${region}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function sseHeaders(sse: Sse | undefined): Record<string, string> {
  if (!sse) return { 'x-amz-server-side-encryption': 'AES256' };
  return { 'x-amz-server-side-encryption': sse.algorithm, 'x-amz-server-side-encryption-aws-kms-key-id': sse.kmsKeyId };
}

// ---- ACLs and object lock: features the emulator's buckets do not have ------------------------------

const GRANT_HEADERS = [
  'x-amz-grant-full-control',
  'x-amz-grant-read',
  'x-amz-grant-read-acp',
  'x-amz-grant-write',
  'x-amz-grant-write-acp',
];
const OBJECT_LOCK_HEADERS = ['x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold'];

/**
 * What S3 answers a write that sets an ACL or an object lock on a bucket like the emulator's (Object
 * Ownership "bucket owner enforced", the default for new buckets, and no Object Lock configuration),
 * instead of accepting and ignoring it.
 */
function refuseAclAndObjectLock(req: EmuRequest): void {
  const acl = req.headers['x-amz-acl'];
  if ((acl !== undefined && acl !== 'bucket-owner-full-control') || GRANT_HEADERS.some((h) => req.headers[h] !== undefined)) {
    throw new S3Error(400, 'AccessControlListNotSupported', 'The bucket does not allow ACLs');
  }
  if (OBJECT_LOCK_HEADERS.some((h) => req.headers[h] !== undefined)) {
    throw new S3Error(400, 'InvalidRequest', 'Bucket is missing Object Lock Configuration');
  }
}

interface Payload {
  body: Buffer;
  trailers: Record<string, string>;
  /** content-encoding without aws-chunked */
  contentEncoding: string | undefined;
}

/** The request body, aws-chunked decoded when needed. */
function readPayload(req: EmuRequest): Payload {
  const te = (req.headers['transfer-encoding'] ?? '').toLowerCase();
  if (isAwsChunked(req.headers)) {
    let decoded: ReturnType<typeof decodeAwsChunked>;
    try {
      decoded = decodeAwsChunked(req.body);
    } catch (e) {
      if (e instanceof ChunkedDecodeError)
        throw new S3Error(400, 'IncompleteBody', `The request body is not valid aws-chunked encoding: ${e.message}`);
      throw e;
    }
    const declared = req.headers['x-amz-decoded-content-length'];
    if (declared === undefined) throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
    if (!/^\d+$/.test(declared) || Number(declared) !== decoded.body.length) {
      throw new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
    }
    return { body: decoded.body, trailers: decoded.trailers, contentEncoding: stripAwsChunked(req.headers['content-encoding']) };
  }
  if (te.includes('chunked')) {
    throw new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', {
      Header: 'Transfer-Encoding',
    });
  }
  return { body: req.body, trailers: {}, contentEncoding: req.headers['content-encoding'] };
}

interface Integrity {
  md5Hex: string;
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/** Content-MD5, x-amz-checksum-* (header or trailer) and x-amz-content-sha256 checks. */
function verifyIntegrity(req: EmuRequest, p: Payload): Integrity {
  const digest = md5(p.body);
  const cmd5 = req.headers['content-md5'];
  if (cmd5 !== undefined) {
    const given = /^[A-Za-z0-9+/]*={0,2}$/.test(cmd5.trim()) ? Buffer.from(cmd5.trim(), 'base64') : Buffer.alloc(0);
    if (given.length !== 16)
      throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.', { 'Content-MD5': cmd5 });
    if (!given.equals(digest)) {
      throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', {
        ExpectedDigest: cmd5,
        CalculatedDigest: digest.toString('base64'),
      });
    }
  }
  const sha = req.headers['x-amz-content-sha256'];
  if (sha !== undefined && /^[0-9a-fA-F]{64}$/.test(sha) && !isAwsChunked(req.headers)) {
    const computed = createHash('sha256').update(p.body).digest('hex');
    if (computed !== sha.toLowerCase()) {
      throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
        ClientComputedContentSHA256: sha,
        S3ComputedContentSHA256: computed,
      });
    }
  }
  const given: Array<{ algorithm: ChecksumAlgorithm; value: string }> = [];
  const trailerNames = (req.headers['x-amz-trailer'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = checksumHeader(algorithm);
    const fromHeader = req.headers[name];
    const fromTrailer = trailerNames.includes(name) ? p.trailers[name] : undefined;
    if (trailerNames.includes(name) && fromTrailer === undefined) {
      throw new S3Error(
        400,
        'MalformedTrailerError',
        'The request contained trailing data that was not well-formed or did not conform to our published schema.',
      );
    }
    const value = fromHeader ?? fromTrailer;
    if (value !== undefined) given.push({ algorithm, value });
  }
  for (const name of trailerNames) {
    if (name.startsWith('x-amz-checksum-') && !toAlgorithm(name.slice('x-amz-checksum-'.length))) {
      throw new S3Error(400, 'InvalidRequest', `Value for x-amz-trailer header is invalid.`);
    }
  }
  if (given.length > 1) {
    throw new S3Error(400, 'InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const sdkAlgo = req.headers['x-amz-sdk-checksum-algorithm'];
  let algorithm: ChecksumAlgorithm | undefined;
  if (sdkAlgo !== undefined) {
    algorithm = toAlgorithm(sdkAlgo);
    if (!algorithm || (given.length === 1 && given[0].algorithm !== algorithm)) {
      throw new S3Error(400, 'InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
    }
  }
  if (given.length === 1) {
    const { algorithm: a, value } = given[0];
    if (!isWellFormedChecksum(a, value)) throw new S3Error(400, 'InvalidRequest', `Value for ${checksumHeader(a)} header is invalid.`);
    const computed = computeChecksum(a, p.body);
    if (computed !== value) throw new S3Error(400, 'BadDigest', `The ${a} you specified did not match the calculated checksum.`);
    return { md5Hex: digest.toString('hex'), checksum: { algorithm: a, value } };
  }
  if (algorithm) return { md5Hex: digest.toString('hex'), checksum: { algorithm, value: computeChecksum(algorithm, p.body) } };
  return { md5Hex: digest.toString('hex') };
}

function checksumResponseHeaders(v: { checksum?: { algorithm: ChecksumAlgorithm; value: string } }): Record<string, string> {
  if (!v.checksum) return {};
  return { [checksumHeader(v.checksum.algorithm)]: v.checksum.value, 'x-amz-checksum-type': 'FULL_OBJECT' };
}

function versionHeader(b: Bucket, versionId: string): Record<string, string> {
  return b.versioning !== null || versionId !== 'null' ? { 'x-amz-version-id': versionId } : {};
}

/** the version id a new write gets in this bucket */
function nextVersionId(b: Bucket): string {
  return b.versioning === 'Enabled' ? newVersionId() : 'null';
}

function currentObject(c: Ctx, b: Bucket, key: string): ObjectVersion | undefined {
  const v = c.store.latest(b, key);
  return v && !v.deleteMarker ? v : undefined;
}

/** If-None-Match: * and If-Match on writes (S3 conditional writes). */
function checkWriteConditions(c: Ctx, b: Bucket, key: string): void {
  const inm = c.req.headers['if-none-match'];
  const im = c.req.headers['if-match'];
  const cur = currentObject(c, b, key);
  if (inm !== undefined) {
    if (inm.trim() !== '*') throw notImplemented();
    if (cur)
      throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
        Condition: 'If-None-Match',
      });
  }
  if (im !== undefined) {
    if (!cur) throw noSuchKey(key);
    if (!etagMatches(im, cur.etag)) {
      throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
        Condition: 'If-Match',
      });
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Service and bucket operations
// ------------------------------------------------------------------------------------------------

function listBuckets(c: Ctx): EmuResponse {
  const prefix = c.req.query.get('prefix') ?? '';
  const regionFilter = c.req.query.get('bucket-region');
  const maxRaw = c.req.query.get('max-buckets');
  let max = 10000;
  if (maxRaw !== null) {
    if (!/^\d+$/.test(maxRaw) || Number(maxRaw) < 1 || Number(maxRaw) > 10000) {
      throw new S3Error(400, 'InvalidArgument', 'Argument max-buckets must be an integer between 1 and 10000', {
        ArgumentName: 'max-buckets',
        ArgumentValue: maxRaw,
      });
    }
    max = Number(maxRaw);
  }
  const token = c.req.query.get('continuation-token');
  const after = token ? decodeToken(token) : undefined;
  const all = c.store
    .listBuckets()
    .filter((b) => b.name.startsWith(prefix) && (!regionFilter || b.region === regionFilter) && (after === undefined || b.name > after));
  const page = all.slice(0, max);
  let inner = '<Buckets>';
  for (const b of page) {
    inner += `<Bucket>${el('Name', b.name)}${el('CreationDate', isoDate(b.created))}${el('BucketRegion', b.region)}</Bucket>`;
  }
  inner += `</Buckets>${ownerXml(c)}`;
  if (all.length > page.length) inner += el('ContinuationToken', encodeToken(page[page.length - 1].name));
  if (prefix) inner += el('Prefix', prefix);
  return xmlOk('ListAllMyBucketsResult', inner);
}

function signingRegion(req: EmuRequest): string | undefined {
  const auth = req.headers.authorization ?? '';
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request/.exec(auth);
  if (m) return m[1];
  const q = req.query.get('X-Amz-Credential');
  const mq = q ? /^[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request$/.exec(q) : null;
  return mq ? mq[1] : undefined;
}

function validBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes('..') || name.includes('.-') || name.includes('-.')) return false;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  if (name.startsWith('xn--') || name.startsWith('sthree-') || name.endsWith('-s3alias') || name.endsWith('--ol-s3')) return false;
  return true;
}

function createBucket(c: Ctx): EmuResponse {
  const name = c.bucket;
  if (!validBucketName(name)) throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
  if ((c.req.headers['x-amz-bucket-object-lock-enabled'] ?? '').toLowerCase() === 'true') {
    throw notImplemented('Object Lock is not implemented by mwaa local');
  }
  const acl = c.req.headers['x-amz-acl'];
  if (
    (acl !== undefined && acl !== 'private' && acl !== 'bucket-owner-full-control') ||
    GRANT_HEADERS.some((h) => c.req.headers[h] !== undefined)
  ) {
    throw new S3Error(
      400,
      'InvalidBucketAclWithObjectOwnership',
      "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    );
  }
  let constraint: string | undefined;
  if (c.req.body.length > 0 && c.req.body.toString('utf8').trim().length > 0) {
    const conf = parseXmlBody(c.req.body, 'CreateBucketConfiguration');
    const lc = textOf(conf, 'LocationConstraint');
    if (lc !== undefined && lc.trim() !== '') constraint = lc.trim();
  }
  const endpointRegion = signingRegion(c.req) ?? 'us-east-1';
  if (constraint !== undefined) {
    if (constraint !== 'EU' && !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(constraint)) {
      throw new S3Error(400, 'InvalidLocationConstraint', 'The specified location-constraint is not valid', {
        LocationConstraint: constraint,
      });
    }
    if (constraint === 'us-east-1' && endpointRegion === 'us-east-1') {
      throw new S3Error(400, 'InvalidLocationConstraint', 'The specified location-constraint is not valid', {
        LocationConstraint: constraint,
      });
    }
    if (endpointRegion !== 'us-east-1' && constraint !== endpointRegion) {
      throw new S3Error(
        400,
        'IllegalLocationConstraintException',
        `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      );
    }
  } else if (endpointRegion !== 'us-east-1') {
    throw new S3Error(
      400,
      'IllegalLocationConstraintException',
      'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
    );
  }
  const existing = c.store.getBucket(name);
  // us-east-1 keeps its legacy answer: re-creating a bucket you own there is 200 OK
  if (existing && existing.region === 'us-east-1' && endpointRegion === 'us-east-1') return ok(200, { location: `/${name}` });
  if (existing) {
    throw new S3Error(
      409,
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      { BucketName: name },
    );
  }
  const region = constraint === 'EU' ? 'eu-west-1' : (constraint ?? 'us-east-1');
  c.store.doCreateBucket(name, region);
  return ok(200, { location: `/${name}` });
}

function headBucket(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  return ok(200, { 'content-type': 'application/xml', 'x-amz-bucket-region': b.region, 'x-amz-access-point-alias': 'false' });
}

function deleteBucket(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  if (b.keys.length > 0) {
    throw new S3Error(
      409,
      'BucketNotEmpty',
      b.versioning
        ? 'The bucket you tried to delete is not empty. You must delete all versions in the bucket.'
        : 'The bucket you tried to delete is not empty',
      { BucketName: b.name },
    );
  }
  c.store.doDeleteBucket(b.name);
  return ok(204);
}

function getBucketLocation(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  const loc = b.region === 'us-east-1' ? '' : b.region;
  return ok(
    200,
    { 'content-type': 'application/xml' },
    `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${loc}</LocationConstraint>`,
  );
}

function getBucketVersioning(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  return xmlOk('VersioningConfiguration', b.versioning ? el('Status', b.versioning) : '');
}

function putBucketVersioning(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  const conf = parseXmlBody(c.req.body, 'VersioningConfiguration');
  const status = textOf(conf, 'Status');
  const mfa = textOf(conf, 'MfaDelete');
  if (mfa !== undefined && mfa !== 'Disabled' && mfa !== 'Enabled') throw malformedXml();
  if (mfa === 'Enabled') throw new S3Error(400, 'InvalidRequest', 'DevPay and Mfa are mutually exclusive authorization methods.');
  if (status === undefined) return ok(200);
  if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
  if (b.versioning !== status) c.store.doSetVersioning(b.name, status);
  return ok(200);
}

const PAB_FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

function getPublicAccessBlock(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  if (!b.publicAccessBlock) {
    throw new S3Error(404, 'NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', {
      BucketName: b.name,
    });
  }
  const pab = b.publicAccessBlock;
  return xmlOk('PublicAccessBlockConfiguration', PAB_FIELDS.map((f) => el(f, pab[f])).join(''));
}

function putPublicAccessBlock(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  const conf = parseXmlBody(c.req.body, 'PublicAccessBlockConfiguration');
  const pab = {} as PublicAccessBlock;
  for (const f of PAB_FIELDS) {
    const v = textOf(conf, f);
    if (v === undefined) pab[f] = false;
    else if (v.trim() === 'true' || v.trim() === 'false') pab[f] = v.trim() === 'true';
    else throw malformedXml();
  }
  c.store.doSetPublicAccessBlock(b.name, pab);
  return ok(200);
}

function deletePublicAccessBlock(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  if (b.publicAccessBlock) c.store.doSetPublicAccessBlock(b.name, null);
  return ok(204);
}

// ------------------------------------------------------------------------------------------------
// Listings
// ------------------------------------------------------------------------------------------------

const TOKEN_PREFIX = 'mwaa-local:';
function encodeToken(marker: string): string {
  return Buffer.from(TOKEN_PREFIX + marker, 'utf8').toString('base64');
}
function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith(TOKEN_PREFIX) || encodeToken(text.slice(TOKEN_PREFIX.length)).replace(/=+$/, '') !== token.replace(/=+$/, '')) {
    throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', {
      ArgumentName: 'continuation-token',
      ArgumentValue: token,
    });
  }
  return text.slice(TOKEN_PREFIX.length);
}

function contentsXml(c: Ctx, key: string, v: ObjectVersion, url: boolean, withOwner: boolean): string {
  return (
    '<Contents>' +
    el('Key', encodeIf(url, key)) +
    el('LastModified', isoDate(v.lastModified)) +
    el('ETag', v.etag) +
    (v.checksum ? el('ChecksumAlgorithm', v.checksum.algorithm) + el('ChecksumType', 'FULL_OBJECT') : '') +
    el('Size', v.size) +
    (withOwner ? ownerXml(c) : '') +
    el('StorageClass', v.storageClass ?? 'STANDARD') +
    '</Contents>'
  );
}

/** What every listing reads first: the bucket, then prefix, delimiter, max-keys and encoding-type. */
function listQuery(c: Ctx) {
  const b = bucketOf(c);
  const q = c.req.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const maxKeys = parseMaxKeys(c);
  const url = parseEncodingType(c);
  return { b, q, prefix, delimiter, maxKeys, url };
}

function commonPrefixesXml(url: boolean, prefixes: readonly string[]): string {
  let xml = '';
  for (const p of prefixes) xml += `<CommonPrefixes>${el('Prefix', encodeIf(url, p))}</CommonPrefixes>`;
  return xml;
}

function listObjectsV2(c: Ctx): EmuResponse {
  const { b, q, prefix, delimiter, maxKeys, url } = listQuery(c);
  const token = q.get('continuation-token');
  if (token === '')
    throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  const startAfter = q.get('start-after') ?? undefined;
  const fetchOwner = q.get('fetch-owner') === 'true';
  let marker = startAfter || undefined;
  if (token !== null) {
    const t = decodeToken(token);
    if (marker === undefined || t > marker) marker = t;
  }
  const page = c.store.list(b, { prefix, delimiter, marker, maxKeys });
  let inner =
    el('Name', b.name) +
    el('Prefix', encodeIf(url, prefix)) +
    (delimiter !== undefined ? el('Delimiter', encodeIf(url, delimiter)) : '') +
    el('MaxKeys', maxKeys) +
    (url ? el('EncodingType', 'url') : '') +
    el('KeyCount', page.contents.length + page.commonPrefixes.length) +
    el('IsTruncated', page.isTruncated) +
    (token !== null ? el('ContinuationToken', token) : '') +
    (page.isTruncated && page.last !== undefined ? el('NextContinuationToken', encodeToken(page.last)) : '') +
    (startAfter !== undefined ? el('StartAfter', encodeIf(url, startAfter)) : '');
  for (const { key, version } of page.contents) inner += contentsXml(c, key, version, url, fetchOwner);
  inner += commonPrefixesXml(url, page.commonPrefixes);
  return xmlOk('ListBucketResult', inner);
}

function listObjectsV1(c: Ctx): EmuResponse {
  const { b, q, prefix, delimiter, maxKeys, url } = listQuery(c);
  const marker = q.get('marker') ?? '';
  const page = c.store.list(b, { prefix, delimiter, marker: marker || undefined, maxKeys });
  let inner =
    el('Name', b.name) +
    el('Prefix', encodeIf(url, prefix)) +
    el('Marker', encodeIf(url, marker)) +
    (page.isTruncated && delimiter !== undefined && page.last !== undefined ? el('NextMarker', encodeIf(url, page.last)) : '') +
    el('MaxKeys', maxKeys) +
    (delimiter !== undefined ? el('Delimiter', encodeIf(url, delimiter)) : '') +
    el('IsTruncated', page.isTruncated) +
    (url ? el('EncodingType', 'url') : '');
  for (const { key, version } of page.contents) inner += contentsXml(c, key, version, url, true);
  inner += commonPrefixesXml(url, page.commonPrefixes);
  return xmlOk('ListBucketResult', inner);
}

function listObjectVersions(c: Ctx): EmuResponse {
  const { b, q, prefix, delimiter, maxKeys, url } = listQuery(c);
  const keyMarker = q.get('key-marker') ?? '';
  const versionIdMarker = q.get('version-id-marker') ?? '';
  if (versionIdMarker !== '' && keyMarker === '') {
    throw new S3Error(400, 'InvalidArgument', 'A version-id marker cannot be specified without a key marker.', {
      ArgumentName: 'version-id-marker',
      ArgumentValue: versionIdMarker,
    });
  }
  if (versionIdMarker !== '' && !isWellFormedVersionId(versionIdMarker)) throw invalidVersionId('version-id-marker', versionIdMarker);
  const page = c.store.listVersions(b, {
    prefix,
    delimiter,
    keyMarker: keyMarker || undefined,
    versionIdMarker: versionIdMarker || undefined,
    maxKeys,
  });
  let inner =
    el('Name', b.name) +
    el('Prefix', encodeIf(url, prefix)) +
    el('KeyMarker', encodeIf(url, keyMarker)) +
    el('VersionIdMarker', versionIdMarker) +
    (page.isTruncated && page.nextKeyMarker !== undefined ? el('NextKeyMarker', encodeIf(url, page.nextKeyMarker)) : '') +
    (page.isTruncated && page.nextVersionIdMarker !== undefined ? el('NextVersionIdMarker', page.nextVersionIdMarker) : '') +
    el('MaxKeys', maxKeys) +
    (delimiter !== undefined ? el('Delimiter', encodeIf(url, delimiter)) : '') +
    el('IsTruncated', page.isTruncated) +
    (url ? el('EncodingType', 'url') : '');
  const owner = ownerXml(c);
  for (const { key, version: v, isLatest } of page.entries) {
    if (v.deleteMarker) {
      inner += `<DeleteMarker>${el('Key', encodeIf(url, key))}${el('VersionId', v.versionId)}${el('IsLatest', isLatest)}${el('LastModified', isoDate(v.lastModified))}${owner}</DeleteMarker>`;
    } else {
      inner +=
        '<Version>' +
        el('Key', encodeIf(url, key)) +
        el('VersionId', v.versionId) +
        el('IsLatest', isLatest) +
        el('LastModified', isoDate(v.lastModified)) +
        el('ETag', v.etag) +
        (v.checksum ? el('ChecksumAlgorithm', v.checksum.algorithm) + el('ChecksumType', 'FULL_OBJECT') : '') +
        el('Size', v.size) +
        owner +
        el('StorageClass', v.storageClass ?? 'STANDARD') +
        '</Version>';
    }
  }
  inner += commonPrefixesXml(url, page.commonPrefixes);
  return xmlOk('ListVersionsResult', inner);
}

// ------------------------------------------------------------------------------------------------
// Object operations
// ------------------------------------------------------------------------------------------------

function putObject(c: Ctx): EmuResponse {
  checkKey(c.key);
  const b = bucketOf(c);
  refuseAclAndObjectLock(c.req);
  const payload = readPayload(c.req);
  const integrity = verifyIntegrity(c.req, payload);
  const metadata = userMetadata(c.req);
  const headers = storedHeaders(c.req, payload.contentEncoding);
  const storageClass = storageClassOf(c.req);
  const tags = taggingHeader(c.req);
  const sse = sseOf(c, b.region);
  checkWriteConditions(c, b, c.key);
  const blob = c.store.persist.blobs.put(payload.body);
  const version: ObjectVersion = {
    versionId: nextVersionId(b),
    blob,
    size: payload.body.length,
    etag: `"${integrity.md5Hex}"`,
    lastModified: c.world.clock.now(),
    ...(metadata ? { metadata } : {}),
    headers,
    ...(integrity.checksum ? { checksum: integrity.checksum } : {}),
    ...(storageClass ? { storageClass } : {}),
    ...(tags && tags.length > 0 ? { tags } : {}),
    ...(sse ? { sse } : {}),
  };
  c.store.doPutVersion(b.name, c.key, version);
  return ok(200, {
    etag: version.etag,
    ...sseHeaders(sse),
    ...versionHeader(b, version.versionId),
    ...checksumResponseHeaders(version),
  });
}

function getObject(c: Ctx): EmuResponse {
  checkKey(c.key);
  const b = bucketOf(c);
  const versionId = versionIdParam(c);
  let v: ObjectVersion | undefined;
  if (versionId !== undefined) {
    v = c.store.findVersion(b, c.key, versionId);
    if (!v) throw noSuchVersion(c.key, versionId);
    if (v.deleteMarker) {
      throw new S3Error(
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
        { Method: c.req.method, ResourceType: 'DeleteMarker' },
        {
          'x-amz-delete-marker': 'true',
          'x-amz-version-id': v.versionId,
          'last-modified': httpDate(v.lastModified),
          allow: 'DELETE',
        },
      );
    }
  } else {
    v = c.store.latest(b, c.key);
    if (!v) throw noSuchKey(c.key);
    if (v.deleteMarker) throw noSuchKey(c.key, { 'x-amz-delete-marker': 'true', ...versionHeader(b, v.versionId) });
  }
  if (v.storageClass === 'GLACIER' || v.storageClass === 'DEEP_ARCHIVE') {
    throw new S3Error(403, 'InvalidObjectState', "The operation is not valid for the object's storage class", {
      StorageClass: v.storageClass,
    });
  }

  // conditional requests (RFC 7232 order, as S3 applies them)
  const h = c.req.headers;
  const ifMatch = h['if-match'];
  const ifNoneMatch = h['if-none-match'];
  const ifModifiedSince = parseHttpDate(h['if-modified-since']);
  const ifUnmodifiedSince = parseHttpDate(h['if-unmodified-since']);
  const mtime = Math.floor(v.lastModified / 1000) * 1000;
  const baseHeaders: Record<string, string> = {
    etag: v.etag,
    'last-modified': httpDate(v.lastModified),
    ...versionHeader(b, v.versionId),
  };
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, v.etag))
      throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
        Condition: 'If-Match',
      });
  } else if (ifUnmodifiedSince !== undefined && mtime > ifUnmodifiedSince) {
    throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: 'If-Unmodified-Since',
    });
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, v.etag)) return ok(304, baseHeaders);
  } else if (ifModifiedSince !== undefined && mtime <= ifModifiedSince) {
    return ok(304, baseHeaders);
  }

  const size = v.size;
  const headers: Record<string, string> = {
    ...baseHeaders,
    'accept-ranges': 'bytes',
    ...sseHeaders(v.sse),
  };
  if (v.tags) headers['x-amz-tagging-count'] = String(v.tags.length);
  for (const [name, value] of Object.entries(v.headers ?? {})) headers[name] = value;
  for (const [name, value] of Object.entries(v.metadata ?? {})) headers[`x-amz-meta-${name}`] = value;
  if (v.storageClass) headers['x-amz-storage-class'] = v.storageClass;
  for (const [param, header] of RESPONSE_OVERRIDES) {
    const o = c.req.query.get(param);
    if (o !== null) headers[header] = o;
  }

  let start = 0;
  let end = size - 1;
  let partial = false;
  const range = h.range;
  const partNumber = c.req.query.get('partNumber');
  if (partNumber !== null) {
    // a part of the object as uploaded (a single-part object has exactly one), answered like a range
    if (!/^\d+$/.test(partNumber) || Number(partNumber) < 1 || Number(partNumber) > 10000) {
      throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
        ArgumentName: 'partNumber',
        ArgumentValue: partNumber,
      });
    }
    if (range !== undefined) throw new S3Error(400, 'InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
    const parts = v.partSizes ?? [size];
    const n = Number(partNumber);
    if (n > parts.length) {
      throw new S3Error(416, 'InvalidPartNumber', 'The requested partnumber is not satisfiable', {
        PartNumberRequested: n,
        ActualPartCount: parts.length,
      });
    }
    start = parts.slice(0, n - 1).reduce((a, x) => a + x, 0);
    end = start + parts[n - 1] - 1;
    partial = parts[n - 1] > 0;
    if (v.partSizes) headers['x-amz-mp-parts-count'] = String(parts.length);
  } else if (range !== undefined) {
    // one range only (S3 ignores multi-range requests and syntactically invalid ranges: whole object)
    const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(range);
    if (m && (m[1] !== '' || m[2] !== '')) {
      if (m[1] === '') {
        const n = Number(m[2]);
        if (n === 0 || size === 0) throw invalidRange(range, size);
        start = Math.max(0, size - n);
        partial = true;
      } else {
        const s = Number(m[1]);
        const e = m[2] === '' ? Infinity : Number(m[2]);
        if (e >= s) {
          if (s >= size) throw invalidRange(range, size);
          start = s;
          end = Math.min(e, size - 1);
          partial = true;
        }
      }
    }
  }
  if (partial) {
    headers['content-range'] = `bytes ${start}-${end}/${size}`;
  } else if (c.req.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED') {
    Object.assign(headers, checksumResponseHeaders(v));
  }
  headers['content-length'] = String(partial ? end - start + 1 : size);
  if (c.head) return ok(partial ? 206 : 200, headers);
  const body = c.store.body(v);
  return ok(partial ? 206 : 200, headers, partial ? body.subarray(start, end + 1) : body);
}

function preconditionFailed(condition: string): S3Error {
  return new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
}

function invalidRange(range: string, size: number): S3Error {
  return new S3Error(
    416,
    'InvalidRange',
    'The requested range is not satisfiable',
    { RangeRequested: range, ActualObjectSize: size },
    {
      'content-range': `bytes */${size}`,
    },
  );
}

function deleteObject(c: Ctx): EmuResponse {
  checkKey(c.key);
  const b = bucketOf(c);
  const versionId = versionIdParam(c);
  const ifMatch = c.req.headers['if-match'];
  if (ifMatch !== undefined) {
    // conditional delete: the object meant (the version named, else the current one) must have that ETag
    const target = versionId !== undefined ? c.store.findVersion(b, c.key, versionId) : currentObject(c, b, c.key);
    if (!target || target.deleteMarker) throw noSuchKey(c.key);
    if (!etagMatches(ifMatch, target.etag)) throw preconditionFailed('If-Match');
  }
  const r = deleteOne(c, b, c.key, versionId);
  const headers: Record<string, string> = {};
  if (r.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  if (r.versionId !== undefined) headers['x-amz-version-id'] = r.versionId;
  return ok(204, headers);
}

interface DeleteResult {
  deleteMarker: boolean;
  /** the version removed, or the delete marker created */
  versionId?: string;
}

function deleteOne(c: Ctx, b: Bucket, key: string, versionId: string | undefined): DeleteResult {
  if (versionId !== undefined) {
    const v = c.store.findVersion(b, key, versionId);
    if (v) c.store.doDeleteVersion(b.name, key, versionId);
    return { deleteMarker: v?.deleteMarker === true, versionId };
  }
  if (b.versioning === null) {
    if (c.store.findVersion(b, key, 'null')) c.store.doDeleteVersion(b.name, key, 'null');
    return { deleteMarker: false };
  }
  const marker: ObjectVersion = {
    versionId: nextVersionId(b),
    deleteMarker: true,
    size: 0,
    etag: '',
    lastModified: c.world.clock.now(),
  };
  c.store.doPutVersion(b.name, key, marker);
  return { deleteMarker: true, versionId: marker.versionId };
}

function deleteObjects(c: Ctx): EmuResponse | Promise<EmuResponse> {
  const b = bucketOf(c);
  if (
    c.req.headers['content-md5'] === undefined &&
    !CHECKSUM_ALGORITHMS.some(
      (a) =>
        c.req.headers[checksumHeader(a)] !== undefined || (c.req.headers['x-amz-trailer'] ?? '').toLowerCase().includes(checksumHeader(a)),
    )
  ) {
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-Md5.');
  }
  const payload = readPayload(c.req);
  verifyIntegrity(c.req, payload);
  const doc = parseXmlBody(payload.body, 'Delete');
  const quietText = textOf(doc, 'Quiet');
  if (quietText !== undefined && quietText.trim() !== 'true' && quietText.trim() !== 'false') throw malformedXml();
  const quiet = quietText?.trim() === 'true';
  const objects = listOf(doc, 'Object');
  if (objects.length === 0 || objects.length > 1000) throw malformedXml();
  const items = objects.map((o) => {
    const key = textOf(o, 'Key');
    const versionId = textOf(o, 'VersionId');
    // a conditional delete of one object (ETag), as DeleteObject's If-Match
    const etag = textOf(o, 'ETag');
    if (key === undefined) throw malformedXml();
    return { key, versionId: versionId === undefined || versionId === '' ? undefined : versionId, etag };
  });
  // every key is checked first (as operation DeleteObject), so that a delay fault on any of them holds
  // the whole request, which then deletes against the state as it is after the wait
  const hits = items.map(({ key, versionId }) =>
    c.world.faults.check('s3', 'DeleteObject', {
      Bucket: b.name,
      Key: key,
      ...(versionId !== undefined ? { VersionId: versionId } : {}),
      Batch: true,
    }),
  );
  const finish = (): EmuResponse => {
    const bucket = bucketOf(c);
    let inner = '';
    items.forEach(({ key, versionId, etag }, i) => {
      const error = (code: string, message: string): void => {
        inner += `<Error>${el('Key', key)}${versionId !== undefined ? el('VersionId', versionId) : ''}${el('Code', code)}${el('Message', message)}</Error>`;
      };
      const fault = hits[i]?.error;
      if (fault) {
        error(fault.code, fault.message ?? 'Injected fault');
        return;
      }
      if (etag !== undefined) {
        const target = versionId !== undefined ? c.store.findVersion(bucket, key, versionId) : currentObject(c, bucket, key);
        if (!target || target.deleteMarker) {
          error('NoSuchKey', 'The specified key does not exist.');
          return;
        }
        if (!etagMatches(etag, target.etag)) {
          error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
          return;
        }
      }
      if (Buffer.byteLength(key) > 1024) {
        inner += `<Error>${el('Key', key)}${el('Code', 'KeyTooLongError')}${el('Message', 'Your key is too long')}</Error>`;
        return;
      }
      const r = deleteOne(c, bucket, key, versionId);
      if (quiet) return;
      inner += `<Deleted>${el('Key', key)}`;
      if (versionId !== undefined) inner += el('VersionId', versionId);
      if (r.deleteMarker) inner += el('DeleteMarker', true) + el('DeleteMarkerVersionId', r.versionId);
      inner += '</Deleted>';
    });
    return xmlOk('DeleteResult', inner);
  };
  const delayMs = Math.max(0, ...hits.map((h) => h?.delayMs ?? 0));
  if (delayMs === 0) return finish();
  return c.world.faults.wait(delayMs).then(() => {
    c.world.tick();
    return finish();
  });
}

interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

function parseCopySource(raw: string): CopySource {
  let s = raw.trim();
  let versionId: string | undefined;
  const qi = s.indexOf('?');
  if (qi >= 0) {
    const params = new URLSearchParams(s.slice(qi + 1));
    versionId = params.get('versionId') ?? undefined;
    s = s.slice(0, qi);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(s);
  } catch {
    decoded = s;
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error(400, 'InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', {
      ArgumentName: 'x-amz-copy-source',
      ArgumentValue: raw,
    });
  }
  if (versionId === '') throw new S3Error(400, 'InvalidArgument', 'Version id cannot be the empty string', { ArgumentName: 'versionId' });
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}

function copyFields(c: Ctx): Record<string, unknown> {
  try {
    const src = parseCopySource(c.req.headers['x-amz-copy-source'] ?? '');
    return { CopySource: c.req.headers['x-amz-copy-source'], SourceBucket: src.bucket, SourceKey: src.key, SourceVersionId: src.versionId };
  } catch {
    return { CopySource: c.req.headers['x-amz-copy-source'] };
  }
}

/** The copy source's bucket and version (CopyObject, UploadPartCopy), with its x-amz-copy-source-if-* conditions checked. */
function copySourceVersion(c: Ctx): { src: CopySource; sb: Bucket; sv: ObjectVersion } {
  const src = parseCopySource(c.req.headers['x-amz-copy-source'] ?? '');
  const sb = c.store.getBucket(src.bucket);
  if (!sb) throw noSuchBucket(src.bucket);
  let sv: ObjectVersion | undefined;
  if (src.versionId !== undefined) {
    sv = c.store.findVersion(sb, src.key, src.versionId);
    if (!sv) throw noSuchVersion(src.key, src.versionId);
    if (sv.deleteMarker) {
      throw new S3Error(400, 'InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
    }
  } else {
    sv = c.store.latest(sb, src.key);
    if (!sv || sv.deleteMarker) throw noSuchKey(src.key);
  }
  // x-amz-copy-source-if-* conditions, before anything else is judged; the 412 names the header that failed
  const h = c.req.headers;
  const cim = h['x-amz-copy-source-if-match'];
  const cinm = h['x-amz-copy-source-if-none-match'];
  const cims = parseHttpDate(h['x-amz-copy-source-if-modified-since']);
  const cius = parseHttpDate(h['x-amz-copy-source-if-unmodified-since']);
  const smtime = Math.floor(sv.lastModified / 1000) * 1000;
  if (cim !== undefined && !etagMatches(cim, sv.etag)) throw preconditionFailed('x-amz-copy-source-If-Match');
  if (cim === undefined && cius !== undefined && smtime > cius) throw preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  if (cinm !== undefined && etagMatches(cinm, sv.etag)) throw preconditionFailed('x-amz-copy-source-If-None-Match');
  if (cinm === undefined && cims !== undefined && smtime <= cims) throw preconditionFailed('x-amz-copy-source-If-Modified-Since');
  return { src, sb, sv };
}

function copyObject(c: Ctx): EmuResponse {
  checkKey(c.key);
  const dest = bucketOf(c);
  refuseAclAndObjectLock(c.req);
  const { src, sb, sv } = copySourceVersion(c);
  const h = c.req.headers;
  const directive = (h['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3Error(400, 'InvalidArgument', 'Unknown metadata directive.', {
      ArgumentName: 'x-amz-metadata-directive',
      ArgumentValue: directive,
    });
  }
  const storageClass = storageClassOf(c.req);
  const taggingDirective = (h['x-amz-tagging-directive'] ?? 'COPY').toUpperCase();
  if (taggingDirective !== 'COPY' && taggingDirective !== 'REPLACE') {
    throw new S3Error(400, 'InvalidArgument', 'Unknown tagging directive.', {
      ArgumentName: 'x-amz-tagging-directive',
      ArgumentValue: taggingDirective,
    });
  }
  const tags = taggingDirective === 'COPY' ? sv.tags : taggingHeader(c.req);
  const sse = sseOf(c, dest.region);
  const sameObject = sb.name === dest.name && src.key === c.key;
  // naming a version (even the current one) makes the copy a new version, as on S3
  if (
    sameObject &&
    src.versionId === undefined &&
    directive === 'COPY' &&
    storageClass === (sv.storageClass ?? undefined) &&
    h['x-amz-server-side-encryption'] === undefined
  ) {
    throw new S3Error(
      400,
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  checkWriteConditions(c, dest, c.key);

  const version: ObjectVersion = {
    versionId: nextVersionId(dest),
    blob: sv.blob,
    size: sv.size,
    etag: sv.etag,
    lastModified: c.world.clock.now(),
    ...(directive === 'COPY'
      ? { ...(sv.metadata ? { metadata: sv.metadata } : {}), headers: sv.headers }
      : { ...(userMetadata(c.req) ? { metadata: userMetadata(c.req) } : {}), headers: storedHeaders(c.req, h['content-encoding']) }),
    ...(sv.checksum ? { checksum: sv.checksum } : {}),
    ...(storageClass ? { storageClass } : {}),
    ...(sv.partSizes ? { partSizes: sv.partSizes } : {}),
    ...(tags && tags.length > 0 ? { tags } : {}),
    ...(sse ? { sse } : {}),
  };
  c.store.doPutVersion(dest.name, c.key, version);
  const headers: Record<string, string> = {
    ...sseHeaders(sse),
    ...versionHeader(dest, version.versionId),
  };
  if (sb.versioning !== null || sv.versionId !== 'null') headers['x-amz-copy-source-version-id'] = sv.versionId;
  const cs = sv.checksum ? el(`Checksum${sv.checksum.algorithm}`, sv.checksum.value) + el('ChecksumType', 'FULL_OBJECT') : '';
  return xmlOk('CopyObjectResult', el('ETag', version.etag) + el('LastModified', isoDate(version.lastModified)) + cs, headers);
}

// ------------------------------------------------------------------------------------------------
// Multipart uploads (enough for the AWS CLI's and the SDK's large uploads)
// ------------------------------------------------------------------------------------------------

function uploadOf(c: Ctx, b: Bucket): MultipartUpload {
  const id = c.req.query.get('uploadId') ?? '';
  const u = b.uploads.get(id);
  if (!u || u.key !== c.key) {
    throw new S3Error(
      404,
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: id },
    );
  }
  return u;
}

function createMultipartUpload(c: Ctx): EmuResponse {
  checkKey(c.key);
  const b = bucketOf(c);
  refuseAclAndObjectLock(c.req);
  const metadata = userMetadata(c.req);
  const storageClass = storageClassOf(c.req);
  const tags = taggingHeader(c.req);
  const sse = sseOf(c, b.region);
  const upload: MultipartUpload = {
    uploadId: newVersionId() + newVersionId(),
    key: c.key,
    initiated: c.world.clock.now(),
    ...(metadata ? { metadata } : {}),
    headers: storedHeaders(c.req, c.req.headers['content-encoding']),
    ...(storageClass ? { storageClass } : {}),
    ...(tags && tags.length > 0 ? { tags } : {}),
    ...(sse ? { sse } : {}),
    parts: {},
  };
  c.store.doCreateUpload(b.name, upload);
  return xmlOk('InitiateMultipartUploadResult', el('Bucket', b.name) + el('Key', c.key) + el('UploadId', upload.uploadId), sseHeaders(sse));
}

function partNumberParam(c: Ctx): number {
  const pn = c.req.query.get('partNumber') ?? '';
  if (!/^\d+$/.test(pn) || Number(pn) < 1 || Number(pn) > 10000) {
    throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      ArgumentName: 'partNumber',
      ArgumentValue: pn,
    });
  }
  return Number(pn);
}

function uploadPart(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  const pn = partNumberParam(c);
  const u = uploadOf(c, b);
  const payload = readPayload(c.req);
  const integrity = verifyIntegrity(c.req, payload);
  const blob = c.store.persist.blobs.put(payload.body);
  const part = { partNumber: pn, blob, size: payload.body.length, etag: `"${integrity.md5Hex}"`, lastModified: c.world.clock.now() };
  c.store.doPutPart(b.name, u.uploadId, part);
  return ok(200, { etag: part.etag, ...sseHeaders(u.sse), ...checksumResponseHeaders(integrity) });
}

function completeMultipartUpload(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  const u = uploadOf(c, b);
  const payload = readPayload(c.req);
  const doc = parseXmlBody(payload.body, 'CompleteMultipartUpload');
  const parts = listOf(doc, 'Part').map((p) => ({ partNumber: textOf(p, 'PartNumber'), etag: textOf(p, 'ETag') }));
  if (parts.length === 0) throw malformedXml();
  let prev = 0;
  const chosen = parts.map(({ partNumber, etag }, i) => {
    if (partNumber === undefined || etag === undefined || !/^\d+$/.test(partNumber.trim())) throw malformedXml();
    const n = Number(partNumber.trim());
    if (n <= prev)
      throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
    prev = n;
    const stored = u.parts[n];
    if (!stored || stripEtag(stored.etag) !== stripEtag(etag)) {
      throw new S3Error(
        400,
        'InvalidPart',
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { UploadId: u.uploadId, PartNumber: n },
      );
    }
    if (i < parts.length - 1 && stored.size < MIN_PART_BYTES) {
      throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
        ProposedSize: stored.size,
        MinSizeAllowed: MIN_PART_BYTES,
        PartNumber: n,
      });
    }
    return stored;
  });
  checkWriteConditions(c, b, c.key);
  const body = Buffer.concat(chosen.map((p) => c.store.persist.blobs.get(p.blob)));
  const etagHash = createHash('md5')
    .update(Buffer.concat(chosen.map((p) => Buffer.from(stripEtag(p.etag), 'hex'))))
    .digest('hex');
  const version: ObjectVersion = {
    versionId: nextVersionId(b),
    blob: c.store.persist.blobs.put(body),
    size: body.length,
    etag: `"${etagHash}-${chosen.length}"`,
    lastModified: c.world.clock.now(),
    ...(u.metadata ? { metadata: u.metadata } : {}),
    headers: u.headers,
    ...(u.storageClass ? { storageClass: u.storageClass } : {}),
    ...(u.tags ? { tags: u.tags } : {}),
    ...(u.sse ? { sse: u.sse } : {}),
    partSizes: chosen.map((p) => p.size),
  };
  c.store.doPutVersion(b.name, c.key, version);
  c.store.doEndUpload(b.name, u.uploadId);
  const location = `${c.world.baseUrl()}/${b.name}/${encodeURIComponent(c.key).replace(/%2F/g, '/')}`;
  return xmlOk(
    'CompleteMultipartUploadResult',
    el('Location', location) + el('Bucket', b.name) + el('Key', c.key) + el('ETag', version.etag),
    { ...sseHeaders(u.sse), ...versionHeader(b, version.versionId) },
  );
}

function abortMultipartUpload(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  const u = uploadOf(c, b);
  c.store.doEndUpload(b.name, u.uploadId);
  return ok(204);
}

function uploadPartCopy(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  const pn = partNumberParam(c);
  const u = uploadOf(c, b);
  const { sb, sv } = copySourceVersion(c);
  const body = c.store.body(sv);
  let slice = body;
  const range = c.req.headers['x-amz-copy-source-range'];
  if (range !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(range.trim());
    if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= body.length) {
      throw new S3Error(400, 'InvalidArgument', `Range specified is not valid for source object of size: ${body.length}`, {
        ArgumentName: 'x-amz-copy-source-range',
        ArgumentValue: range,
      });
    }
    slice = body.subarray(Number(m[1]), Number(m[2]) + 1);
  }
  const part = {
    partNumber: pn,
    blob: c.store.persist.blobs.put(slice),
    size: slice.length,
    etag: `"${md5(slice).toString('hex')}"`,
    lastModified: c.world.clock.now(),
  };
  c.store.doPutPart(b.name, u.uploadId, part);
  const headers: Record<string, string> = sseHeaders(u.sse);
  if (sb.versioning !== null || sv.versionId !== 'null') headers['x-amz-copy-source-version-id'] = sv.versionId;
  return xmlOk('CopyPartResult', el('ETag', part.etag) + el('LastModified', isoDate(part.lastModified)), headers);
}

function listParts(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  const u = uploadOf(c, b);
  const q = c.req.query;
  const maxParts = parseMaxKeys(c, 'max-parts');
  const markerRaw = q.get('part-number-marker') ?? '0';
  if (!/^\d+$/.test(markerRaw)) {
    throw new S3Error(400, 'InvalidArgument', 'Provided part-number-marker not an integer or within integer range', {
      ArgumentName: 'part-number-marker',
      ArgumentValue: markerRaw,
    });
  }
  const marker = Number(markerRaw);
  const all = Object.values(u.parts)
    .filter((p) => p.partNumber > marker)
    .sort((a, b2) => a.partNumber - b2.partNumber);
  const page = all.slice(0, maxParts);
  const truncated = all.length > page.length;
  const owner = `${el('ID', ownerId(c.world.accountId))}${el('DisplayName', 'mwaa-local')}`;
  let inner =
    el('Bucket', b.name) +
    el('Key', u.key) +
    el('UploadId', u.uploadId) +
    `<Initiator>${owner}</Initiator><Owner>${owner}</Owner>` +
    el('StorageClass', u.storageClass ?? 'STANDARD') +
    el('PartNumberMarker', marker) +
    (page.length > 0 ? el('NextPartNumberMarker', page[page.length - 1].partNumber) : '') +
    el('MaxParts', maxParts) +
    el('IsTruncated', truncated);
  for (const p of page) {
    inner += `<Part>${el('PartNumber', p.partNumber)}${el('LastModified', isoDate(p.lastModified))}${el('ETag', p.etag)}${el('Size', p.size)}</Part>`;
  }
  return xmlOk('ListPartsResult', inner);
}

function listMultipartUploads(c: Ctx): EmuResponse {
  const b = bucketOf(c);
  const q = c.req.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const keyMarker = q.get('key-marker') ?? '';
  const uploadIdMarker = q.get('upload-id-marker') ?? '';
  const maxUploads = parseMaxKeys(c, 'max-uploads');
  const url = parseEncodingType(c);
  const sorted = [...b.uploads.values()].sort((x, y) => compareKeysForUploads(x, y));
  const items: Array<{ upload?: MultipartUpload; prefix?: string; sortKey: string }> = [];
  const seenPrefixes = new Set<string>();
  for (const u of sorted) {
    if (!u.key.startsWith(prefix)) continue;
    if (keyMarker !== '') {
      if (u.key < keyMarker) continue;
      if (u.key === keyMarker && (uploadIdMarker === '' || u.uploadId <= uploadIdMarker)) continue;
    }
    if (delimiter !== undefined) {
      const i = u.key.indexOf(delimiter, prefix.length);
      if (i >= 0) {
        const p = u.key.slice(0, i + delimiter.length);
        if (!seenPrefixes.has(p)) {
          seenPrefixes.add(p);
          items.push({ prefix: p, sortKey: p });
        }
        continue;
      }
    }
    items.push({ upload: u, sortKey: u.key });
  }
  const page = items.slice(0, maxUploads);
  const truncated = items.length > page.length;
  const last = page[page.length - 1];
  const owner = `${el('ID', ownerId(c.world.accountId))}${el('DisplayName', 'mwaa-local')}`;
  let inner =
    el('Bucket', b.name) +
    el('KeyMarker', encodeIf(url, keyMarker)) +
    el('UploadIdMarker', uploadIdMarker) +
    (truncated && last ? el('NextKeyMarker', encodeIf(url, last.sortKey)) + el('NextUploadIdMarker', last.upload?.uploadId ?? '') : '') +
    el('Prefix', encodeIf(url, prefix)) +
    (delimiter !== undefined ? el('Delimiter', encodeIf(url, delimiter)) : '') +
    el('MaxUploads', maxUploads) +
    el('IsTruncated', truncated) +
    (url ? el('EncodingType', 'url') : '');
  for (const it of page) {
    if (!it.upload) continue;
    const u = it.upload;
    inner += `<Upload>${el('Key', encodeIf(url, u.key))}${el('UploadId', u.uploadId)}<Initiator>${owner}</Initiator><Owner>${owner}</Owner>${el('StorageClass', u.storageClass ?? 'STANDARD')}${el('Initiated', isoDate(u.initiated))}</Upload>`;
  }
  inner += commonPrefixesXml(
    url,
    page.filter((it) => it.prefix !== undefined).map((it) => it.prefix!),
  );
  return xmlOk('ListMultipartUploadsResult', inner);
}

function compareKeysForUploads(x: MultipartUpload, y: MultipartUpload): number {
  const k = Buffer.compare(Buffer.from(x.key), Buffer.from(y.key));
  return k !== 0 ? k : x.initiated - y.initiated || (x.uploadId < y.uploadId ? -1 : 1);
}

// ------------------------------------------------------------------------------------------------
// Object tagging
// ------------------------------------------------------------------------------------------------

/** The version a tagging call is about: the one named, else the current one (a delete marker: 404/405 as GetObject). */
function taggedVersion(c: Ctx): { b: Bucket; v: ObjectVersion } {
  checkKey(c.key);
  const b = bucketOf(c);
  const versionId = versionIdParam(c);
  if (versionId !== undefined) {
    const v = c.store.findVersion(b, c.key, versionId);
    if (!v) throw noSuchVersion(c.key, versionId);
    if (v.deleteMarker)
      throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
        Method: c.req.method,
        ResourceType: 'DeleteMarker',
      });
    return { b, v };
  }
  const v = c.store.latest(b, c.key);
  if (!v || v.deleteMarker) throw noSuchKey(c.key);
  return { b, v };
}

function getObjectTagging(c: Ctx): EmuResponse {
  const { b, v } = taggedVersion(c);
  const tagSet = (v.tags ?? []).map(([k, val]) => `<Tag>${el('Key', k)}${el('Value', val)}</Tag>`).join('');
  return xmlOk('Tagging', `<TagSet>${tagSet}</TagSet>`, versionHeader(b, v.versionId));
}

function putObjectTagging(c: Ctx): EmuResponse {
  const { b, v } = taggedVersion(c);
  const doc = parseXmlBody(readPayload(c.req).body, 'Tagging');
  const tagSets = listOf(doc, 'TagSet');
  if (tagSets.length !== 1) throw malformedXml();
  const tags = checkTags(
    listOf(tagSets[0], 'Tag').map((t) => {
      const k = textOf(t, 'Key');
      const val = textOf(t, 'Value');
      if (k === undefined || val === undefined) throw malformedXml();
      return [k, val] as [string, string];
    }),
  );
  c.store.doSetTags(b.name, c.key, v.versionId, tags);
  return ok(200, versionHeader(b, v.versionId));
}

function deleteObjectTagging(c: Ctx): EmuResponse {
  const { b, v } = taggedVersion(c);
  if (v.tags) c.store.doSetTags(b.name, c.key, v.versionId, []);
  return ok(204, versionHeader(b, v.versionId));
}
