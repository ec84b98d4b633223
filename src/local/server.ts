/**
 * The emulator's HTTP server: reads each request fully, lets the world catch up with the clock, routes
 * the request to a service and writes its answer. It never crashes on input: an exception in a handler
 * becomes a 500 in that service's error shape, a malformed HTTP request a bare 400.
 *
 * Routing (see contract.ts):
 *   /_mwaa_local/...                          control endpoint (no Authorization needed)
 *   /aws_mwaa/...                             Airflow web server (its own Bearer-token auth)
 *   /, /home, /dags/... from a browser         its read-only UI (airflow/ui.ts): session cookie or Accept: text/html
 *   x-amz-target: Logs_20140328.*             CloudWatch Logs (also: SigV4 scope service "logs")
 *   SigV4 scope service "airflow"             MWAA REST API
 *   SigV4 scope service "sts" (or an unsigned form POST with Action=)   STS (GetCallerIdentity)
 *   everything else                           S3
 * Requests for the AWS services without an Authorization header (or presigned X-Amz-Credential query)
 * are refused in the service's shape: S3 403 AccessDenied XML, Logs 400
 * MissingAuthenticationTokenException JSON, MWAA 403 {"message":"Missing Authentication Token"}.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { EmuRequest, EmuResponse, Handler, World } from './contract.js';
import { s3ErrorResponse } from './s3/xml.js';
import { stsError } from './sts/index.js';

export type Route = 'control' | 'airflow' | 'logs' | 'mwaa' | 'sts' | 's3';

export interface ServiceHandlers {
  s3: Handler;
  logs: Handler;
  mwaa: Handler;
  sts: Handler;
  airflow: Handler;
  control: Handler;
}

export interface ServerOptions {
  world: World;
  handlers: ServiceHandlers;
  /** requests with a larger body are refused (default 512 MiB) */
  maxBodyBytes?: number;
  /** called with every exception turned into a 500 (default: printed to stderr when MWAA_LOCAL_DEBUG is set) */
  onError?: (err: unknown, req: EmuRequest | undefined) => void;
}

const MWAA_PATH = /^\/(environments|clitoken|webtoken|tags|metrics|restapi)(\/|$)/;

/** The SigV4 credential scope's service ("s3", "logs", "airflow", ...), from the header or a presigned URL. */
export function signingService(req: EmuRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /Credential=[^/,\s]*\/\d{8}\/[^/]*\/([^/]+)\/aws4_request/.exec(auth);
    return m ? m[1] : undefined;
  }
  const q = req.query.get('X-Amz-Credential');
  if (q) {
    const m = /^[^/]*\/\d{8}\/[^/]*\/([^/]+)\/aws4_request$/.exec(q);
    return m ? m[1] : undefined;
  }
  return undefined;
}

export function hasAuthorization(req: EmuRequest): boolean {
  const auth = req.headers.authorization;
  if (auth !== undefined && auth.trim().length > 0) return true;
  if (req.query.has('X-Amz-Credential') && req.query.has('X-Amz-Signature')) return true;
  // S3's SigV2 query-string authentication (boto3's default presigned URL in us-east-1)
  return req.query.has('AWSAccessKeyId') && req.query.has('Signature');
}

export function routeOf(req: EmuRequest): Route {
  const p = req.rawPath;
  if (p === '/_mwaa_local' || p.startsWith('/_mwaa_local/')) return 'control';
  if (p === '/aws_mwaa' || p.startsWith('/aws_mwaa/')) return 'airflow';
  // the Airflow UI (airflow/ui.ts): a browser (the web login's session cookie, or asking for HTML) without an AWS signature
  if (
    (req.method === 'GET' || req.method === 'HEAD') &&
    !hasAuthorization(req) &&
    (/(^|;\s*)session=/.test(req.headers.cookie ?? '') || (req.headers.accept ?? '').includes('text/html')) &&
    /^\/(home|dags\/.*)?$/.test(p)
  ) {
    return 'airflow';
  }
  const target = req.headers['x-amz-target'];
  if (target?.startsWith('Logs_20140328.')) return 'logs';
  const service = signingService(req);
  if (service === 'airflow') return 'mwaa';
  if (service === 'logs') return 'logs';
  if (service === 'sts') return 'sts';
  if (service === undefined && !hasAuthorization(req)) {
    if (
      req.method === 'POST' &&
      p === '/' &&
      (req.headers['content-type'] ?? '').includes('x-www-form-urlencoded') &&
      req.body.includes('Action=')
    )
      return 'sts';
    // no credential scope to go by: guess from the shape of the request, so the refusal has the right shape
    if (req.host.startsWith('api.') || req.host.startsWith('env.')) return 'mwaa';
    if (req.method === 'PATCH') return 'mwaa';
    if (MWAA_PATH.test(p) && (req.headers['content-type'] ?? '').includes('json')) return 'mwaa';
  }
  return 's3';
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function missingAuthResponse(route: Route, req: EmuRequest): EmuResponse {
  switch (route) {
    case 'logs':
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomBytes(16).toString('hex') },
        body: JSON.stringify({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }),
      };
    case 'mwaa':
      return jsonResponse(403, { message: 'Missing Authentication Token' }, { 'x-amzn-errortype': 'MissingAuthenticationTokenException' });
    case 'sts':
      return stsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    default:
      return s3ErrorResponse(403, 'AccessDenied', 'Access Denied', { head: req.method === 'HEAD', resource: req.rawPath });
  }
}

/** A 500 in the route's error shape. */
export function internalErrorResponse(route: Route, req: EmuRequest | undefined, err: unknown): EmuResponse {
  const detail = err instanceof Error ? err.message : String(err);
  switch (route) {
    case 's3':
      return s3ErrorResponse(500, 'InternalError', `We encountered an internal error. Please try again. (${detail})`, {
        head: req?.method === 'HEAD',
        resource: req?.rawPath,
      });
    case 'logs':
      return {
        status: 500,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ __type: 'ServiceUnavailableException', message: `Internal error: ${detail}` }),
      };
    case 'mwaa':
      return jsonResponse(500, { message: `Internal error: ${detail}` }, { 'x-amzn-errortype': 'InternalServerException' });
    case 'sts':
      return { ...stsError(500, 'InternalFailure', `Internal error: ${detail}`) };
    case 'airflow':
      return jsonResponse(500, { error: 'Internal Server Error', message: detail });
    case 'control':
      return jsonResponse(500, { message: `Internal error: ${detail}` });
  }
}

function tooLargeResponse(route: Route, req: EmuRequest, max: number): EmuResponse {
  if (route === 's3') {
    return s3ErrorResponse(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      extra: { MaxSizeAllowed: max },
      head: req.method === 'HEAD',
    });
  }
  if (route === 'logs') {
    return {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ __type: 'InvalidParameterException', message: 'Request body too large' }),
    };
  }
  if (route === 'mwaa') return jsonResponse(413, { message: 'Request Entity Too Large' }, { 'x-amzn-errortype': 'ValidationException' });
  return jsonResponse(413, { message: 'Request Entity Too Large' });
}

function hostOf(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : h;
  }
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export function toEmuRequest(req: http.IncomingMessage, body: Buffer): EmuRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q >= 0 ? url.slice(0, q) : url;
  let query: URLSearchParams;
  try {
    query = new URLSearchParams(q >= 0 ? url.slice(q + 1) : '');
  } catch {
    query = new URLSearchParams();
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { method: (req.method ?? 'GET').toUpperCase(), rawPath: rawPath || '/', query, headers, body, host: hostOf(headers.host) };
}

function debugLog(err: unknown, req: EmuRequest | undefined): void {
  if (!process.env.MWAA_LOCAL_DEBUG) return;
  process.stderr.write(`[mwaa-local] ${req ? `${req.method} ${req.rawPath}: ` : ''}${err instanceof Error ? err.stack : String(err)}\n`);
}

export function createEmulatorServer(opts: ServerOptions): http.Server {
  const { world, handlers } = opts;
  const maxBody = opts.maxBodyBytes ?? 512 * 1024 * 1024;
  const onError = opts.onError ?? debugLog;

  const server = http.createServer((req, res) => {
    res.on('error', () => undefined);
    req.on('error', () => undefined);

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      void respond(req, res, tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks, size), tooLarge);
    });
  });

  async function respond(raw: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tooLarge: boolean): Promise<void> {
    let emu: EmuRequest | undefined;
    let route: Route = 's3';
    let out: EmuResponse;
    try {
      emu = toEmuRequest(raw, body);
      route = routeOf(emu);
      if (tooLarge) out = tooLargeResponse(route, emu, maxBody);
      else if ((route === 's3' || route === 'logs' || route === 'mwaa' || route === 'sts') && !hasAuthorization(emu))
        out = missingAuthResponse(route, emu);
      else {
        try {
          world.tick();
        } catch (e) {
          // a store that cannot catch up is a bug worth a 500; the control endpoint stays usable
          if (route !== 'control') throw e;
          onError(e, emu);
        }
        out = await handlers[route](emu, world);
        if (!out || typeof out.status !== 'number') throw new Error('handler returned no response');
      }
    } catch (e) {
      onError(e, emu);
      try {
        out = internalErrorResponse(route, emu, e);
      } catch {
        out = { status: 500, headers: { 'content-type': 'text/plain' }, body: 'Internal error' };
      }
    }
    write(res, raw.method === 'HEAD', out);
  }

  function write(res: http.ServerResponse, head: boolean, out: EmuResponse): void {
    if (res.writableEnded || res.destroyed) return;
    try {
      const body = out.body === undefined ? undefined : typeof out.body === 'string' ? Buffer.from(out.body, 'utf8') : out.body;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(out.headers ?? {})) {
        if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
      }
      const requestId = headers['x-amz-request-id'] ?? headers['x-amzn-requestid'] ?? randomBytes(16).toString('hex');
      headers['x-amz-request-id'] ??= requestId;
      headers['x-amzn-requestid'] ??= requestId;
      const status = Number.isInteger(out.status) && out.status >= 100 && out.status <= 599 ? out.status : 500;
      if (out.stream && !head) {
        writeStream(res, status, headers, out.stream);
        return;
      }
      const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
      if (noBody) delete headers['content-length'];
      else if (!(head && headers['content-length'] !== undefined)) headers['content-length'] = String(body?.length ?? 0);
      res.writeHead(status, headers);
      if (head || noBody || !body) res.end();
      else res.end(body);
    } catch (e) {
      onError(e, undefined);
      try {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('Internal error');
        } else res.destroy();
      } catch {
        /* the connection is gone */
      }
    }
  }

  /** A streamed answer (chunked): it ends when the producer settles; the producer stops when the client goes. */
  function writeStream(
    res: http.ServerResponse,
    status: number,
    headers: Record<string, string>,
    stream: NonNullable<EmuResponse['stream']>,
  ): void {
    delete headers['content-length'];
    res.writeHead(status, headers);
    res.flushHeaders();
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    stream((chunk) => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    }, gone.signal)
      .catch((e: unknown) => onError(e, undefined))
      .finally(() => {
        if (!res.writableEnded && !res.destroyed) res.end();
      });
  }

  server.on('clientError', (_err, socket) => {
    try {
      if (socket.writable && !socket.destroyed) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      } else socket.destroy();
    } catch {
      /* ignore */
    }
  });
  // Idle keep-alive connections are kept a minute, as AWS endpoints keep them well beyond Node's 5 s
  // default: a client that reuses a connection the server is closing at that moment gets ECONNRESET,
  // and a client idle for about 5 s (a test waiting on processes) met that race often. close() ends
  // them all at once, so this does not delay a shutdown.
  server.keepAliveTimeout = 60_000;
  return server;
}
