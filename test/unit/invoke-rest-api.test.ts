/**
 * InvokeRestApi on the 3.523.0 client: the request it sends (through the client's own stack: endpoint,
 * host prefix, signing) and how answers and errors come back, against a local HTTP server and, for the
 * AWS host, a capturing request handler.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MWAAClient } from '@aws-sdk/client-mwaa';
import { HttpResponse } from '@smithy/protocol-http';
import { createAwsClients } from '../../src/aws/clients.js';
import { mwaaApi } from '../../src/aws/mwaa.js';
import { InvokeRestApiCommand } from '../../src/aws/invoke-rest-api.js';
import { MwaaError } from '../../src/core/errors.js';

interface Seen {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
type Answer = { status: number; headers?: Record<string, string>; body: unknown };
let answer: Answer = { status: 200, body: {} };
/** answered first, one per request, before `answer` */
const queued: Answer[] = [];
const seen: Seen[] = [];
let url = '';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    const a = queued.shift() ?? answer;
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function api(maxAttempts = 1) {
  const aws = createAwsClients({ region: 'eu-west-1', endpoints: { mwaa: url }, credentials, maxAttempts });
  return mwaaApi(await aws.mwaa());
}

async function failure(promise: Promise<unknown>): Promise<MwaaError> {
  try {
    await promise;
  } catch (error) {
    if (MwaaError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('InvokeRestApi with a custom endpoint', () => {
  it('POSTs /restapi/<name> to the endpoint host itself (no env. prefix), signed for airflow, with the JSON body', async () => {
    seen.length = 0;
    answer = { status: 200, body: { RestApiStatusCode: 200, RestApiResponse: { dags: [{ dag_id: 'etl' }], total_entries: 1 } } };
    const out = await (await api()).invokeRestApi({ name: 'demo', path: '/dags', method: 'GET', query: { limit: 100, only_active: true } });
    expect(out).toEqual({ status: 200, body: { dags: [{ dag_id: 'etl' }], total_entries: 1 } });
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/restapi/demo');
    expect(req.headers.host).toBe(url.replace('http://', ''));
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/airflow\/aws4_request/);
    expect(JSON.parse(req.body)).toEqual({ Path: '/dags', Method: 'GET', QueryParameters: { limit: 100, only_active: true } });
  });

  it('sends Body as it is and leaves QueryParameters out when there are none', async () => {
    seen.length = 0;
    answer = { status: 200, body: { RestApiStatusCode: 200, RestApiResponse: { dag_run_id: 'r1', state: 'queued' } } };
    const out = await (await api()).invokeRestApi({
      name: 'demo',
      path: '/dags/etl/dagRuns',
      method: 'POST',
      body: { conf: { a: [1, null] }, logical_date: null },
    });
    expect(out.body).toEqual({ dag_run_id: 'r1', state: 'queued' });
    expect(JSON.parse(seen[0].body)).toEqual({
      Path: '/dags/etl/dagRuns',
      Method: 'POST',
      Body: { conf: { a: [1, null] }, logical_date: null },
    });
  });

  it('returns Airflow 4xx and 5xx (RestApiClientException / RestApiServerException) as answers, not errors', async () => {
    const a = await api();
    answer = {
      status: 400,
      headers: { 'x-amzn-errortype': 'RestApiClientException:http://internal.amazon.com/' },
      body: { RestApiStatusCode: 404, RestApiResponse: { title: 'DAG not found', status: 404, detail: 'DAG with dag_id: nope not found' } },
    };
    expect(await a.invokeRestApi({ name: 'demo', path: '/dags/nope', method: 'GET' })).toEqual({
      status: 404,
      body: { title: 'DAG not found', status: 404, detail: 'DAG with dag_id: nope not found' },
    });
    answer = { status: 400, body: { __type: 'RestApiServerException', RestApiStatusCode: 503, RestApiResponse: { title: 'busy' } } };
    expect(await a.invokeRestApi({ name: 'demo', path: '/dags', method: 'GET' })).toEqual({ status: 503, body: { title: 'busy' } });
  });

  it('maps AccessDenied to the auth error naming airflow:InvokeRestApi (exit 4)', async () => {
    answer = {
      status: 403,
      headers: { 'x-amzn-errortype': 'AccessDeniedException' },
      body: { Message: 'not authorized to perform: airflow:InvokeRestApi' },
    };
    const error = await failure((await api()).invokeRestApi({ name: 'demo', path: '/dags', method: 'GET' }));
    expect(error.exitCode).toBe(4);
    expect(error.code).toBe('rest.denied');
    expect(error.hint).toContain('airflow:InvokeRestApi');
  });

  it('types the "update your environment" validation error (an Airflow older than 2.4.3) for fallback', async () => {
    answer = {
      status: 400,
      headers: { 'x-amzn-errortype': 'ValidationException' },
      body: { message: 'Update your environment to use InvokeRestApi.' },
    };
    const error = await failure((await api()).invokeRestApi({ name: 'demo', path: '/dags', method: 'GET' }));
    expect(error.code).toBe('rest.unsupported');
    expect(error.exitCode).toBe(1);
  });

  it('says an answer over the 6 MB limit is too large and suggests a smaller limit', async () => {
    answer = {
      status: 400,
      headers: { 'x-amzn-errortype': 'ValidationException' },
      body: { message: 'The Apache Airflow REST API response (7340032 bytes) exceeds the InvokeRestApi response payload limit of 6 MB.' },
    };
    const error = await failure((await api()).invokeRestApi({ name: 'demo', path: '/dags', method: 'GET' }));
    expect(error.code).toBe('rest.too-large');
    expect(error.hint).toContain('limit');
  });

  it('maps an unknown environment to exit 3 and other validation errors to exit 2', async () => {
    answer = { status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' }, body: { message: 'Environment nope not found' } };
    expect((await failure((await api()).invokeRestApi({ name: 'nope', path: '/dags', method: 'GET' }))).exitCode).toBe(3);
    answer = { status: 400, headers: { 'x-amzn-errortype': 'ValidationException' }, body: { message: 'Method must be one of GET, PUT' } };
    expect((await failure((await api()).invokeRestApi({ name: 'demo', path: '/dags', method: 'GET' }))).exitCode).toBe(2);
  });

  it('refuses a path InvokeRestApi cannot take before sending anything', async () => {
    seen.length = 0;
    const error = await failure((await api()).invokeRestApi({ name: 'demo', path: `/${'x'.repeat(64)}`, method: 'GET' }));
    expect(error.exitCode).toBe(2);
    expect(seen).toHaveLength(0);
  });
});

describe('InvokeRestApi retries', () => {
  it('a call that changes something is sent once after an ambiguous 500 (Airflow may have acted); a GET is retried', async () => {
    const a = await api(3);
    answer = { status: 500, headers: { 'x-amzn-errortype': 'InternalServerException' }, body: { message: 'internal' } };
    seen.length = 0;
    const post = await failure(a.invokeRestApi({ name: 'demo', path: '/dags/etl/dagRuns', method: 'POST', body: { conf: {} } }));
    expect(post.exitCode).toBe(1);
    expect(seen).toHaveLength(1);
    seen.length = 0;
    await failure(a.invokeRestApi({ name: 'demo', path: '/dags', method: 'GET' }));
    expect(seen).toHaveLength(3);
  });

  it('a throttled call that changes something is tried again (it was not processed)', async () => {
    const a = await api(3);
    seen.length = 0;
    queued.push({ status: 429, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body: { message: 'Rate exceeded' } });
    answer = { status: 200, body: { RestApiStatusCode: 200, RestApiResponse: { is_paused: false } } };
    expect(await a.invokeRestApi({ name: 'demo', path: '/dags/etl', method: 'PATCH', body: { is_paused: false } })).toEqual({
      status: 200,
      body: { is_paused: false },
    });
    expect(seen.length).toBe(2);
  });
});

describe('InvokeRestApi on AWS endpoints', () => {
  it('uses the env. host prefix of the regional endpoint, as CreateCliToken does', async () => {
    const requests: Array<{ hostname: string; path: string; headers: Record<string, string> }> = [];
    const client = new MWAAClient({
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: { hostname: string; path: string; headers: Record<string, string> }) => {
          requests.push(request);
          const body = Readable.from([Buffer.from(JSON.stringify({ RestApiStatusCode: 200, RestApiResponse: [] }))]);
          return { response: new HttpResponse({ statusCode: 200, headers: {}, body }) };
        },
      } as never,
    });
    const out = await client.send(new InvokeRestApiCommand({ Name: 'demo', Path: '/dags', Method: 'GET' }) as never);
    expect(out).toMatchObject({ RestApiStatusCode: 200, RestApiResponse: [] });
    expect(requests[0].hostname).toBe('env.airflow.us-east-1.amazonaws.com');
    expect(requests[0].path).toBe('/restapi/demo');
    expect(requests[0].headers.authorization).toMatch(/\/us-east-1\/airflow\/aws4_request/);
  });
});
