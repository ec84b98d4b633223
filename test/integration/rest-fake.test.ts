/**
 * The REST transport end to end through `main`, against a small fake MWAA endpoint that answers
 * GetEnvironment, InvokeRestApi (like Airflow 2's API v1 or Airflow 3's v2) and CreateCliToken. The
 * emulator does not answer InvokeRestApi yet; this fake stands in for it. Also `mwaa api`'s request
 * building and pagination (src/core/remote/api.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';
import { scaledClock } from '../helpers/clock.js';
import { buildApiCall, normalizePath, parseFields, runApiCall } from '../../src/core/remote/api.js';

const RUN_ID = 'manual__2026-01-01T00:00:00.123456+00:00';

interface Rest {
  Path: string;
  Method: string;
  QueryParameters?: Record<string, unknown>;
  Body?: Record<string, unknown>;
}

let airflowVersion = '2.10.3';
let denyRest = false;
let runPolls = 0;
let paused = true;
let importErrors: Array<Record<string, unknown>> = [];
const restCalls: Rest[] = [];
const cliTokens: number[] = [];
const dags = Array.from({ length: 7 }, (_, i) => ({
  dag_id: i === 0 ? 'etl' : `dag_${i}`,
  is_paused: i === 0 ? paused : false,
  owners: ['data'],
  tags: [],
}));

function send(res: ServerResponse, status: number, body: unknown, type?: string): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(type ? { 'x-amzn-errortype': type } : {}) });
  res.end(JSON.stringify(body));
}

function airflow(r: Rest): { status: number; body: unknown } {
  const v3 = airflowVersion.startsWith('3');
  if (r.Path === '/dags' && r.Method === 'GET') {
    const limit = Number(r.QueryParameters?.limit ?? 100);
    const offset = Number(r.QueryParameters?.offset ?? 0);
    return {
      status: 200,
      body: {
        dags: dags.slice(offset, offset + limit).map((d) => (d.dag_id === 'etl' ? { ...d, is_paused: paused } : d)),
        total_entries: dags.length,
      },
    };
  }
  if (r.Path === '/importErrors') {
    const all = importErrors.slice(
      Number(r.QueryParameters?.offset ?? 0),
      Number(r.QueryParameters?.offset ?? 0) + Number(r.QueryParameters?.limit ?? 100),
    );
    return { status: 200, body: { import_errors: all, total_entries: importErrors.length } };
  }
  if (r.Path === '/dags/etl' && r.Method === 'PATCH') {
    paused = Boolean(r.Body?.is_paused);
    return { status: 200, body: { dag_id: 'etl', is_paused: paused } };
  }
  if (r.Path.startsWith('/dags/') && r.Method === 'PATCH')
    return { status: 404, body: { title: 'DAG not found', status: 404, detail: `DAG with dag_id: '${r.Path.slice(6)}' not found` } };
  if (r.Path === '/dags/etl/dagRuns' && r.Method === 'POST') {
    if (v3 && !('logical_date' in (r.Body ?? {})))
      return { status: 422, body: { detail: [{ msg: 'Field required', loc: ['body', 'logical_date'] }] } };
    runPolls = 0;
    return {
      status: 200,
      body: v3
        ? { dag_run_id: RUN_ID, dag_id: 'etl', logical_date: null, run_after: '2026-01-01T00:00:00.123456Z', state: 'queued' }
        : {
            dag_run_id: RUN_ID,
            dag_id: 'etl',
            execution_date: '2026-01-01T00:00:00.123456+00:00',
            logical_date: '2026-01-01T00:00:00.123456+00:00',
            state: 'queued',
          },
    };
  }
  if (r.Path === '/dags/etl/dagRuns' && r.Method === 'GET') {
    runPolls++;
    return {
      status: 200,
      body: { dag_runs: [{ dag_run_id: RUN_ID, dag_id: 'etl', state: runPolls < 2 ? 'running' : 'failed' }], total_entries: 1 },
    };
  }
  if (r.Path === '/dags/~/dagRuns/~/taskInstances/list') {
    const done = runPolls >= 2;
    return {
      status: 200,
      body: {
        task_instances: [
          {
            task_id: 'extract',
            dag_run_id: RUN_ID,
            state: 'success',
            map_index: -1,
            start_date: '2026-01-01T00:00:01Z',
            end_date: '2026-01-01T00:00:02Z',
          },
          {
            task_id: 'load',
            dag_run_id: RUN_ID,
            state: done ? 'failed' : 'running',
            map_index: -1,
            start_date: '2026-01-01T00:00:02Z',
            ...(done ? { end_date: '2026-01-01T00:00:05Z' } : {}),
          },
        ],
        total_entries: 2,
      },
    };
  }
  if (r.Path === '/variables/missing')
    return { status: 404, body: { title: 'Variable not found', status: 404, detail: 'Variable does not exist' } };
  if (r.Path === '/pools') return { status: 500, body: { title: 'Internal Server Error', status: 500 } };
  return { status: 404, body: { title: 'Not Found', status: 404 } };
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '';
    if (req.method === 'GET' && url.startsWith('/environments/')) {
      const name = decodeURIComponent(url.slice('/environments/'.length));
      if (name !== 'demo') return send(res, 404, { message: `Environment ${name} not found` }, 'ResourceNotFoundException');
      return send(res, 200, {
        Environment: {
          Name: 'demo',
          Status: 'AVAILABLE',
          AirflowVersion: airflowVersion,
          WebserverUrl: 'demo.example.com',
          LoggingConfiguration: { TaskLogs: { Enabled: false, LogLevel: 'INFO' } },
        },
      });
    }
    if (req.method === 'POST' && url === '/restapi/demo') {
      if (denyRest) return send(res, 403, { Message: 'User is not authorized to perform: airflow:InvokeRestApi' }, 'AccessDeniedException');
      const r = JSON.parse(text) as Rest;
      restCalls.push(r);
      const answer = airflow(r);
      if (answer.status >= 400) {
        return send(
          res,
          400,
          { RestApiStatusCode: answer.status, RestApiResponse: answer.body },
          answer.status >= 500 ? 'RestApiServerException' : 'RestApiClientException',
        );
      }
      return send(res, 200, { RestApiStatusCode: answer.status, RestApiResponse: answer.body });
    }
    if (req.method === 'POST' && url === '/clitoken/demo') {
      cliTokens.push(Date.now());
      // no web server behind it: the CLI transport fails to connect, which is all the fallback test needs
      return send(res, 200, { CliToken: 'tok', WebServerHostname: '127.0.0.1:1' });
    }
    send(res, 404, { message: `no route ${req.method} ${url}` }, 'UnknownOperationException');
  });
});

let dir = '';
let cleanup: () => void = () => {};
let endpoint = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ({ dir, cleanup } = tempDir('mwaa-rest-'));
  writeFileSync(
    join(dir, 'mwaa.yaml'),
    ['environments:', '  dev:', '    name: demo', '    region: us-east-1', '    bucket: demo-bucket'].join('\n'),
  );
});

afterAll(async () => {
  cleanup();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  restCalls.length = 0;
  cliTokens.length = 0;
  denyRest = false;
  paused = true;
  importErrors = [];
  airflowVersion = '2.10.3';
});

const env = () => baseEnv({ AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_ENDPOINT_URL: endpoint, AWS_MAX_ATTEMPTS: '1' });
// the CLI's backoffs (e.g. the CLI transport retrying a web server that is not there) at 20× speed
const clock = scaledClock(20);
const cli = (...argv: string[]) => runCli(argv, { cwd: dir, env: env(), clock });

describe('trigger and dags on the REST transport (fake MWAA)', () => {
  for (const version of ['2.10.3', '3.0.6']) {
    it(`Airflow ${version}: trigger --unpause --wait exits 1 naming the failed task, and prints its log note`, async () => {
      airflowVersion = version;
      const r = await cli('trigger', 'etl', '--unpause', '--wait', '--poll', '100ms', '--conf', '{"a": 1}');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout.trim()).toBe(RUN_ID);
      expect(r.stderr).toContain('failed task: load');
      expect(r.stderr).toContain('task load failed');
      const post = restCalls.find((c) => c.Method === 'POST' && c.Path === '/dags/etl/dagRuns')!;
      expect(post.Body).toEqual(version.startsWith('3') ? { conf: { a: 1 }, logical_date: null } : { conf: { a: 1 } });
      expect(restCalls.find((c) => c.Method === 'PATCH')?.Body).toEqual({ is_paused: false });
      expect(cliTokens).toHaveLength(0);
    });
  }

  it('an unknown DAG is exit 3 with "did you mean"', async () => {
    const r = await cli('trigger', 'elt');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('"etl"');
  });

  it('dags list --json pages through /dags; dags pause / unpause; an unknown DAG is exit 3', async () => {
    const list = await cli('--json', 'dags', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(7);
    expect((await cli('dags', 'unpause', 'etl')).stdout.trim()).toBe('unpaused etl');
    expect(paused).toBe(false);
    const p = await cli('--json', 'dags', 'pause', 'etl');
    expect(JSON.parse(p.stdout)).toMatchObject({ dagId: 'etl', paused: true, transport: 'rest' });
    expect((await cli('dags', 'pause', 'nope')).code).toBe(3);
  });

  it('dags list warns about import errors; --import-errors lists them (v2 with bundle_name)', async () => {
    airflowVersion = '3.0.6';
    importErrors = [
      {
        import_error_id: 1,
        timestamp: '2026-01-01T00:00:00Z',
        filename: 'broken.py',
        bundle_name: 'dags-folder',
        stack_trace: 'Traceback…\nSyntaxError: invalid syntax',
      },
    ];
    const list = await cli('dags', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toContain('some DAG files failed to import');
    const errors = await cli('--json', 'dags', 'list', '--import-errors');
    expect(errors.code, errors.stderr).toBe(0);
    expect(JSON.parse(errors.stdout)).toEqual([
      { filepath: 'broken.py', error: 'Traceback…\nSyntaxError: invalid syntax', bundle: 'dags-folder' },
    ]);
  });

  it('falls back to the CLI token when InvokeRestApi is denied, and says why once', async () => {
    denyRest = true;
    const r = await cli('dags', 'list');
    expect(cliTokens.length).toBeGreaterThan(0);
    expect(r.stderr.match(/using the Airflow CLI token/g)).toHaveLength(1);
    expect(r.stderr).toContain('AccessDeniedException');
  });

  it('--transport rest does not fall back: denied is exit 4 naming airflow:InvokeRestApi', async () => {
    denyRest = true;
    const r = await cli('dags', 'list', '--transport', 'rest');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('airflow:InvokeRestApi');
    expect(cliTokens).toHaveLength(0);
  });

  it('Airflow older than 2.4.3 uses the CLI token without trying REST', async () => {
    airflowVersion = '2.4.2';
    await cli('dags', 'list');
    expect(restCalls).toHaveLength(0);
    expect(cliTokens.length).toBeGreaterThan(0);
  });
});

describe('mwaa api (fake MWAA)', () => {
  it('prints the JSON answer; -f goes to the query for GET', async () => {
    const r = await cli('api', '/dags', '-f', 'limit=2');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ total_entries: 7, dags: [{ dag_id: 'etl' }, { dag_id: 'dag_1' }] });
    expect(restCalls[0]).toEqual({ Path: '/dags', Method: 'GET', QueryParameters: { limit: '2' } });
  });

  it('--paginate merges every page into one array', async () => {
    const r = await cli('api', '/api/v1/dags?limit=3', '--paginate');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ dag_id: string }>).map((d) => d.dag_id)).toHaveLength(7);
    expect(restCalls.map((c) => c.QueryParameters?.offset)).toEqual([0, 3, 6]);
  });

  it('-X PATCH -F sends a typed body; 404 is exit 3 and 500 exit 1, with the problem detail on stderr', async () => {
    const ok = await cli('api', '/dags/etl', '-X', 'PATCH', '-F', 'is_paused=false');
    expect(ok.code, ok.stderr).toBe(0);
    expect(restCalls[0].Body).toEqual({ is_paused: false });
    const missing = await cli('api', '/variables/missing');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('Variable not found: Variable does not exist');
    const broken = await cli('api', '/pools');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('HTTP 500');
  });

  it('--input - sends stdin as the body (POST by default)', async () => {
    const r = await runCli(['api', '/dags/etl/dagRuns', '--input', '-'], { cwd: dir, env: env(), clock, input: '{"conf": {"x": [1]}}' });
    expect(r.code, r.stderr).toBe(0);
    expect(restCalls[0]).toMatchObject({ Method: 'POST', Path: '/dags/etl/dagRuns', Body: { conf: { x: [1] } } });
  });
});

describe('api request building', () => {
  it('fields: -f strings, -F typed, repeated keys and key[] make lists', () => {
    expect(parseFields(['a=1', 'tags=x', 'tags=y', 'one[]=z'], ['n=5', 'b=true', 'z=null', 's=abc'])).toEqual({
      a: '1',
      tags: ['x', 'y'],
      one: ['z'],
      n: 5,
      b: true,
      z: null,
      s: 'abc',
    });
    expect(() => parseFields(['novalue'], [])).toThrow(/key=value/);
  });

  it('paths: /api/vN dropped, query split off, over 64 characters refused (exit 2)', () => {
    expect(normalizePath('/api/v2/dags?limit=5&tags=a&tags=b')).toEqual({ path: '/dags', query: { limit: '5', tags: ['a', 'b'] } });
    expect(normalizePath('dags')).toEqual({ path: '/dags', query: {} });
    expect(() => normalizePath(`/dags/${'x'.repeat(60)}`)).toThrow(/64 characters/);
  });

  it('fields go to the query for GET/DELETE and to the body otherwise; --input keeps them in the query', () => {
    expect(buildApiCall({ path: '/dags', rawFields: ['limit=5'] })).toEqual({ path: '/dags', method: 'GET', query: { limit: '5' } });
    expect(buildApiCall({ path: '/variables', method: 'post', rawFields: ['key=k', 'value=v'] })).toEqual({
      path: '/variables',
      method: 'POST',
      body: { key: 'k', value: 'v' },
    });
    expect(
      buildApiCall({ path: '/dags/etl', method: 'PATCH', rawFields: ['update_mask=is_paused'], inputText: '{"is_paused": true}' }),
    ).toEqual({
      path: '/dags/etl',
      method: 'PATCH',
      query: { update_mask: 'is_paused' },
      body: { is_paused: true },
    });
    expect(() => buildApiCall({ path: '/dags', method: 'TRACE' })).toThrow(/GET, PUT, POST, PATCH, DELETE/);
    expect(() => buildApiCall({ path: '/dags', inputText: '{' })).toThrow(/not valid JSON/);
    expect(() => buildApiCall({ path: '/dags', method: 'POST', paginate: true })).toThrow(/--paginate/);
  });

  it('--paginate stops at total_entries, or on an empty page, and refuses what is not a listing', async () => {
    const pages = [
      { status: 200, body: { variables: [1, 2], total_entries: 3 } },
      { status: 200, body: { variables: [3], total_entries: 3 } },
    ];
    let n = 0;
    expect(await runApiCall(async () => pages[n++], { path: '/variables', method: 'GET', query: { limit: 2 } }, true)).toEqual([1, 2, 3]);
    expect(n).toBe(2);
    await expect(
      runApiCall(async () => ({ status: 200, body: { dag_id: 'x' } }), { path: '/dags/x', method: 'GET' }, true),
    ).rejects.toThrow(/not answer a listing/);
  });
});
