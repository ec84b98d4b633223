/**
 * The MWAA REST-JSON API (src/local/mwaa/README.md, "Wire") and the MWAA part of the control endpoint.
 *
 * Requests are routed by method and path only, so they work with or without the `api.` / `env.` /
 * `ops.` host prefix. Errors use the rest-json shape @aws-sdk/client-mwaa 3.523.0 parses: the code in
 * the `x-amzn-errortype` header, `{"message": ...}` in the body (`Message` for AccessDeniedException).
 */
import { randomUUID } from 'node:crypto';
import type { EmuRequest, EmuResponse, Handler, RestApiCall, World } from '../contract.js';
import { envControlRequest, json as controlJson } from '../control.js';
import { answerWithFault } from '../faults.js';
import { callerRegion } from '../scope.js';
import { LocalMwaaStore, MwaaError, notFound } from './store.js';
import { Constraints, RULES, REST_METHODS, ValidationError, checkName, compareVersions } from './validate.js';

type Operation =
  | 'CreateEnvironment'
  | 'GetEnvironment'
  | 'UpdateEnvironment'
  | 'DeleteEnvironment'
  | 'ListEnvironments'
  | 'CreateCliToken'
  | 'CreateWebLoginToken'
  | 'TagResource'
  | 'UntagResource'
  | 'ListTagsForResource'
  | 'PublishMetrics'
  | 'InvokeRestApi';

interface Route {
  op: Operation;
  /** environment name (URI label) */
  name?: string;
  /** ResourceArn (URI label) */
  arn?: string;
}

const JSON_BODY_OPS: ReadonlySet<Operation> = new Set([
  'CreateEnvironment',
  'UpdateEnvironment',
  'TagResource',
  'PublishMetrics',
  'InvokeRestApi',
]);

function json(status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...headers },
    body: JSON.stringify(body),
  };
}

export function mwaaError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): EmuResponse {
  const body: Record<string, unknown> = code === 'AccessDeniedException' ? { Message: message } : { message };
  return json(status, { ...body, ...extra }, { 'x-amzn-errortype': code });
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ValidationError(`The request path segment '${segment}' is not valid percent-encoding.`);
  }
}

function route(method: string, rawPath: string): Route | undefined {
  const parts = rawPath.split('/').slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const [head, ...rest] = parts;
  const m = method.toUpperCase();
  if (head === 'environments') {
    if (rest.length === 0) return m === 'GET' ? { op: 'ListEnvironments' } : undefined;
    if (rest.length !== 1) return undefined;
    const name = decode(rest[0]);
    const op = ({ PUT: 'CreateEnvironment', GET: 'GetEnvironment', PATCH: 'UpdateEnvironment', DELETE: 'DeleteEnvironment' } as const)[
      m as 'PUT'
    ];
    return op ? { op, name } : undefined;
  }
  if ((head === 'clitoken' || head === 'webtoken' || head === 'restapi') && rest.length === 1 && m === 'POST') {
    const op = head === 'clitoken' ? 'CreateCliToken' : head === 'webtoken' ? 'CreateWebLoginToken' : 'InvokeRestApi';
    return { op, name: decode(rest[0]) };
  }
  if (head === 'tags' && rest.length >= 1) {
    // The ARN is one URI label (the SDK encodes its "/"), but tolerate clients that leave "/" as is.
    const arn = rest.map(decode).join('/');
    const op = ({ GET: 'ListTagsForResource', POST: 'TagResource', DELETE: 'UntagResource' } as const)[m as 'GET'];
    return op ? { op, arn } : undefined;
  }
  if (head === 'metrics' && rest[0] === 'environments' && rest.length === 2 && m === 'POST') {
    return { op: 'PublishMetrics', name: decode(rest[1]) };
  }
  return undefined;
}

function parseBody(req: EmuRequest): { body: Record<string, unknown>; error?: string } {
  const text = req.body.toString('utf8');
  if (text.trim() === '') return { body: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { body: {}, error: `Could not parse the request body as JSON: ${(e as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { body: {}, error: 'The request body must be a JSON object.' };
  }
  return { body: parsed as Record<string, unknown> };
}

function storeOf(world: World): LocalMwaaStore {
  const s = world.mwaa;
  if (!(s instanceof LocalMwaaStore)) throw new Error('world.mwaa is not the local MWAA store (createMwaaStore)');
  return s;
}

function hasAuthorization(req: EmuRequest): boolean {
  return Boolean(req.headers.authorization) || req.query.has('X-Amz-Credential') || req.query.has('X-Amz-Signature');
}

/** MWAA's error shape for what a handler throws. */
function answerMwaaError(e: unknown): EmuResponse {
  if (e instanceof MwaaError) return mwaaError(e.status, e.code, e.message, e.extra);
  if (e instanceof ValidationError) return mwaaError(400, 'ValidationException', e.message);
  return mwaaError(500, 'InternalServerException', `Internal error in the local MWAA emulator: ${(e as Error)?.message ?? String(e)}`);
}

export const handleMwaa: Handler = (req: EmuRequest, world: World): EmuResponse | Promise<EmuResponse> => {
  try {
    if (!hasAuthorization(req)) {
      return mwaaError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    let r: Route | undefined;
    try {
      r = route(req.method, req.rawPath);
    } catch (e) {
      if (e instanceof ValidationError) return mwaaError(400, 'ValidationException', e.message);
      throw e;
    }
    if (!r) {
      return mwaaError(404, 'UnknownOperationException', `No MWAA operation matches ${req.method.toUpperCase()} ${req.rawPath}.`);
    }
    const parsed = JSON_BODY_OPS.has(r.op) ? parseBody(req) : { body: {} as Record<string, unknown> };
    const fields: Record<string, unknown> = { ...parsed.body };
    if (r.name !== undefined) fields.Name = r.name;
    if (r.name !== undefined && r.op === 'PublishMetrics') fields.EnvironmentName = r.name;
    if (r.arn !== undefined) {
      fields.ResourceArn = r.arn;
      const n = /:environment\/(.+)$/s.exec(r.arn);
      if (n) fields.Name = n[1];
    }
    if (r.op === 'ListEnvironments') {
      if (req.query.has('MaxResults')) fields.MaxResults = req.query.get('MaxResults');
      if (req.query.has('NextToken')) fields.NextToken = req.query.get('NextToken');
    }
    if (r.op === 'UntagResource') fields.tagKeys = req.query.getAll('tagKeys');

    const found = r;
    const out = answerWithFault(
      world,
      world.faults.check('mwaa', r.op, fields),
      (fault) =>
        found.op === 'InvokeRestApi' && REST_API_ERRORS.has(fault.code)
          ? // an injected Airflow error: fault.status is the Airflow status MWAA passes on in an HTTP 400
            mwaaError(
              400,
              fault.status >= 500 ? 'RestApiServerException' : 'RestApiClientException',
              fault.message ?? `Injected fault: Airflow answered ${fault.status}`,
              {
                RestApiStatusCode: fault.status,
                RestApiResponse: {
                  detail: fault.message ?? `Injected fault: ${fault.code}`,
                  status: fault.status,
                  title: 'Injected fault',
                },
              },
            )
          : mwaaError(fault.status, fault.code, fault.message ?? `Injected fault: ${fault.code}`),
      () => {
        if (parsed.error) return mwaaError(400, 'ValidationException', parsed.error);
        const store = storeOf(world);
        store.tick(world.clock.now());
        return dispatch(store, world, found, parsed.body, req);
      },
    );
    return out instanceof Promise ? out.catch(answerMwaaError) : out;
  } catch (e) {
    return answerMwaaError(e);
  }
};

function dispatch(store: LocalMwaaStore, world: World, r: Route, body: Record<string, unknown>, req: EmuRequest): EmuResponse {
  const name = r.name ?? '';
  // each region has its own environments; ARNs carry the caller's region
  const region = callerRegion(req, world);
  switch (r.op) {
    case 'CreateEnvironment':
      return json(200, { Arn: store.createEnvironment(name, body, region) });
    case 'GetEnvironment':
      checkName(name);
      return json(200, { Environment: store.getEnvironmentView(name, region) });
    case 'UpdateEnvironment':
      return json(200, { Arn: store.updateEnvironment(name, body, region) });
    case 'DeleteEnvironment':
      checkName(name);
      store.deleteEnvironment(name, region);
      return json(200, {});
    case 'ListEnvironments':
      return json(200, store.listEnvironments(req.query.get('MaxResults'), req.query.get('NextToken'), region));
    case 'CreateCliToken': {
      const t = store.createToken(name, 'cli', region);
      return json(200, { CliToken: t.token, WebServerHostname: t.hostname });
    }
    case 'CreateWebLoginToken': {
      const t = store.createToken(name, 'web', region);
      const akid = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'local';
      return json(200, {
        WebToken: t.token,
        WebServerHostname: t.hostname,
        IamIdentity: `arn:aws:iam::${world.accountId}:user/${akid}`,
        AirflowIdentity: `user/${akid}`.slice(0, 64),
      });
    }
    case 'ListTagsForResource':
      return json(200, { Tags: store.listTags(r.arn ?? '', region) });
    case 'TagResource':
      store.tagResource(r.arn ?? '', body.Tags, region);
      return json(200, {});
    case 'UntagResource':
      store.untagResource(r.arn ?? '', req.query.getAll('tagKeys'), region);
      return json(200, {});
    case 'PublishMetrics':
      checkName(name, 'environmentName');
      throw new ValidationError('This API is for internal use and not meant for public use, and is no longer available.');
    case 'InvokeRestApi':
      return invokeRestApi(store, world, name, body, region);
  }
}

/** The oldest Airflow version InvokeRestApi serves; older environments are told to update. */
export const REST_API_MIN_AIRFLOW = '2.4.3';
/** InvokeRestApi refuses Airflow responses larger than this (bytes of the JSON payload). */
export const REST_API_MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

const REST_API_ERRORS = new Set(['RestApiClientException', 'RestApiServerException']);

/** An Airflow 4xx/5xx as MWAA passes it on: HTTP 400 with the Airflow status and body. */
function restApiError(status: number, response: unknown): MwaaError {
  const code = status >= 500 ? 'RestApiServerException' : 'RestApiClientException';
  return new MwaaError(400, code, `The Apache Airflow REST API answered HTTP ${status}.`, {
    RestApiStatusCode: status,
    ...(response !== undefined ? { RestApiResponse: response } : {}),
  });
}

/**
 * InvokeRestApi: validates the request as MWAA does, then lets the environment's simulated Airflow
 * answer (world.airflow.invokeRestApi: API v1 on Airflow 2, v2 on Airflow 3) and wraps its answer:
 * 2xx → 200 {RestApiStatusCode, RestApiResponse}; 4xx → RestApiClientException; 5xx (and a web server
 * that is not serving) → RestApiServerException, both HTTP 400 with the Airflow status and body.
 */
function invokeRestApi(store: LocalMwaaStore, world: World, name: string, body: Record<string, unknown>, region: string): EmuResponse {
  checkName(name);
  const c = new Constraints();
  c.required('path', body.Path);
  c.str('path', body.Path, RULES.restApiPath);
  c.required('method', body.Method);
  c.enumeration('method', body.Method, REST_METHODS);
  const q = body.QueryParameters;
  if (q !== undefined && q !== null && (typeof q !== 'object' || Array.isArray(q))) {
    c.errors.push(`Value at 'queryParameters' failed to satisfy constraint: Member must be a JSON object`);
  }
  c.throwIfAny();
  if (!store.exists(name, region)) throw notFound(name);
  const rec = store.getEnvironmentView(name, region);
  if (compareVersions(String(rec.AirflowVersion), REST_API_MIN_AIRFLOW) < 0) {
    throw new ValidationError(
      `Update your environment to use InvokeRestApi: the Apache Airflow REST API is available through InvokeRestApi for Apache Airflow ${REST_API_MIN_AIRFLOW} and later (environment ${name} runs ${String(rec.AirflowVersion)}).`,
    );
  }
  const answer = world.airflow.invokeRestApi(name, {
    path: body.Path as string,
    method: body.Method as RestApiCall['method'],
    query: (q ?? {}) as Record<string, unknown>,
    body: body.Body,
  });
  if ('unavailable' in answer) {
    throw restApiError(503, {
      detail: `The Apache Airflow web server of environment ${name} is not available (${answer.unavailable}).`,
      status: 503,
      title: 'Service Unavailable',
    });
  }
  const size = answer.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(answer.body), 'utf8');
  if (size > REST_API_MAX_RESPONSE_BYTES) {
    throw new ValidationError(
      `The Apache Airflow REST API response (${size} bytes) exceeds the InvokeRestApi response payload limit of 6 MB. Request less data, e.g. a smaller page with the limit and offset query parameters.`,
    );
  }
  if (answer.status >= 400) throw restApiError(answer.status, answer.body);
  return json(200, { RestApiStatusCode: answer.status, ...(answer.body !== undefined ? { RestApiResponse: answer.body } : {}) });
}

// ---- control endpoint -------------------------------------------------------------------------------

/** POST /_mwaa_local/environments/<name>/fail-next-update {"errorCode", "errorMessage"} */
export const handleMwaaControl: Handler = (req: EmuRequest, world: World): EmuResponse => {
  try {
    const parsed = envControlRequest(req, /^\/_mwaa_local\/environments\/([^/]+)\/fail-next-update\/?$/, {
      example: '{"errorCode": "...", "errorMessage": "..."}',
      emptyBody: true,
    });
    if ('response' in parsed) return parsed.response;
    const { name, body } = parsed;
    const { errorCode, errorMessage } = body;
    if (typeof errorCode !== 'string' || errorCode.length === 0)
      return controlJson(400, { message: 'errorCode must be a non-empty string' });
    if (errorMessage !== undefined && (typeof errorMessage !== 'string' || errorMessage.length === 0 || errorMessage.length > 1024)) {
      return controlJson(400, { message: 'errorMessage must be a string of 1 to 1024 characters' });
    }
    const store = storeOf(world);
    store.tick(world.clock.now());
    if (!store.exists(name)) return controlJson(404, { message: `environment ${name} not found` });
    store.failNextUpdate(name, errorCode, (errorMessage as string | undefined) ?? `The update of ${name} failed (${errorCode}).`);
    return controlJson(200, { ok: true });
  } catch (e) {
    return controlJson(500, { message: (e as Error)?.message ?? String(e) });
  }
};
