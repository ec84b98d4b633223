/**
 * The emulator's server and control endpoint: health, every fault form, the clock, refusal of requests
 * without Authorization in each service's shape, routing, and 500s that never take the server down.
 */
import { rmSync } from 'node:fs';
import net from 'node:net';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListEnvironmentsCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmuRequest, World } from '../../src/local/contract.js';
import type { S3StoreImpl } from '../../src/local/s3/index.js';
import { createEmulatorServer, routeOf } from '../../src/local/server.js';
import type { LocalBlobStore } from '../../src/local/state.js';
import { type TestEmulator, startTestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.s3.send(new CreateBucketCommand({ Bucket: 'faults' }));
});
afterAll(async () => {
  await emu?.close();
});

async function put(key: string, body = key): Promise<{ ok: boolean; name?: string; status?: number; message?: string }> {
  try {
    await emu.s3.send(new PutObjectCommand({ Bucket: 'faults', Key: key, Body: body }));
    return { ok: true };
  } catch (e: any) {
    return { ok: false, name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
}

describe('control endpoint', () => {
  it('GET /_mwaa_local/health answers {"ok": true}', async () => {
    const r = await fetch(`${emu.url}/_mwaa_local/health`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true });
  });

  it('a fault with a match fails only matching calls, once by default, with the given status, code and message', async () => {
    const r = await emu.control('POST', '/_mwaa_local/faults', {
      service: 's3',
      operation: 'PutObject',
      match: { Key: 'dags/a.py' },
      error: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
    });
    expect(r.status).toBe(200);
    expect(r.body.id).toEqual(expect.any(String));
    expect(await put('dags/b.py')).toEqual({ ok: true });
    expect(await put('dags/a.py')).toMatchObject({ ok: false, name: 'SlowDown', status: 503, message: 'Please reduce your request rate.' });
    expect(await put('dags/a.py')).toEqual({ ok: true });
  });

  it('"after" skips matching calls first and "times" fails that many', async () => {
    await emu.fault({ service: 's3', operation: 'PutObject', match: { Bucket: 'faults' }, after: 2, times: 2 });
    const results = [];
    for (let i = 0; i < 6; i++) results.push((await put(`seq/${i}`)).ok);
    expect(results).toEqual([true, true, false, false, true, true]);
  });

  it('faults apply per operation: GetObject and HEAD (no body) report the fault status', async () => {
    await put('read-me');
    await emu.fault({ service: 's3', operation: 'HeadObject', error: { status: 500, code: 'InternalError' } });
    await emu.fault({
      service: 's3',
      operation: 'GetObject',
      match: { Key: 'read-me' },
      error: { status: 403, code: 'AccessDenied', message: 'nope' },
    });
    const head = await emu.s3.send(new HeadObjectCommand({ Bucket: 'faults', Key: 'read-me' })).catch((e) => e);
    expect(head.$metadata.httpStatusCode).toBe(500);
    const get = await emu.s3.send(new GetObjectCommand({ Bucket: 'faults', Key: 'read-me' })).catch((e) => e);
    expect([get.name, get.$metadata.httpStatusCode, get.message]).toEqual(['AccessDenied', 403, 'nope']);
    const ok = await emu.s3.send(new GetObjectCommand({ Bucket: 'faults', Key: 'read-me' }));
    expect(await ok.Body!.transformToString()).toBe('read-me');
  });

  it('lists pending faults and DELETE /_mwaa_local/faults clears them all', async () => {
    await emu.fault({ service: 's3', operation: 'ListObjectsV2', times: 100 });
    await emu.fault({ service: 'logs', operation: 'PutLogEvents' });
    const listed = await emu.control('GET', '/_mwaa_local/faults');
    expect(listed.body.faults.map((f: any) => f.spec.operation)).toEqual(['ListObjectsV2', 'PutLogEvents']);
    expect((await emu.s3.send(new ListObjectsV2Command({ Bucket: 'faults' })).catch((e) => e)).$metadata.httpStatusCode).toBe(500);
    const cleared = await emu.control('DELETE', '/_mwaa_local/faults');
    expect([cleared.status, cleared.body]).toEqual([200, { ok: true }]);
    expect((await emu.control('GET', '/_mwaa_local/faults')).body.faults).toEqual([]);
    expect((await emu.s3.send(new ListObjectsV2Command({ Bucket: 'faults' }))).$metadata.httpStatusCode).toBe(200);
  });

  it('rejects invalid fault specs with 400 and a message', async () => {
    const bad = [
      'not json',
      { service: 'ec2', operation: 'X', error: { status: 500, code: 'E' } },
      { service: 's3', error: { status: 500, code: 'E' } },
      { service: 's3', operation: 'PutObject' },
      { service: 's3', operation: 'PutObject', error: { status: 200, code: 'E' } },
      { service: 's3', operation: 'PutObject', times: 0, error: { status: 500, code: 'E' } },
      { service: 's3', operation: 'PutObject', after: -1, error: { status: 500, code: 'E' } },
      { service: 's3', operation: 'PutObject', match: 'Key', error: { status: 500, code: 'E' } },
    ];
    for (const body of bad) {
      const r = await fetch(`${emu.url}/_mwaa_local/faults`, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), 400]);
      expect(((await r.json()) as { message: unknown }).message).toEqual(expect.any(String));
    }
    expect((await emu.control('GET', '/_mwaa_local/faults')).body.faults).toEqual([]);
  });

  it('POST /_mwaa_local/clock moves the simulated clock that stamps objects', async () => {
    const before = (await emu.control('GET', '/_mwaa_local/clock')).body;
    const r = await emu.control('POST', '/_mwaa_local/clock', { advanceSeconds: 7200 });
    expect(r.status).toBe(200);
    expect(r.body.offsetMs - before.offsetMs).toBe(7_200_000);
    await put('late');
    const head = await emu.s3.send(new HeadObjectCommand({ Bucket: 'faults', Key: 'late' }));
    const skew = head.LastModified!.getTime() - Date.now();
    expect(skew).toBeGreaterThan(7_190_000);
    expect(skew).toBeLessThan(7_260_000);
    for (const body of [{ advanceSeconds: -5 }, { advanceSeconds: 'x' }, {}]) {
      expect((await emu.control('POST', '/_mwaa_local/clock', body)).status).toBe(400);
    }
    await emu.advance(1);
    expect((await emu.control('GET', '/_mwaa_local/clock')).body.offsetMs).toBe(before.offsetMs + 7_201_000);
  });

  it('answers unknown control paths with 404 and wrong methods with 405', async () => {
    expect((await emu.control('GET', '/_mwaa_local/nope')).status).toBe(404);
    expect((await emu.control('PUT', '/_mwaa_local/faults')).status).toBe(405);
    expect((await emu.control('POST', '/_mwaa_local/health')).status).toBe(405);
  });
});

describe('authorization and routing', () => {
  it("refuses requests without Authorization in each service's shape", async () => {
    const s3 = await fetch(`${emu.url}/faults?list-type=2`);
    expect(s3.status).toBe(403);
    const s3Body = await s3.text();
    expect(s3Body).toContain('<Code>AccessDenied</Code>');
    expect(s3Body).toMatch(/^<\?xml/);

    const logs = await fetch(emu.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(logs.status).toBe(400);
    expect(await logs.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });

    const mwaa = await fetch(`${emu.url}/environments`, { headers: { 'content-type': 'application/json' } });
    expect(mwaa.status).toBe(403);
    expect(await mwaa.json()).toEqual({ message: 'Missing Authentication Token' });

    const mwaaHost = await fetch(`${emu.url}/environments/x`, { method: 'PATCH', body: '{}' });
    expect(mwaaHost.status).toBe(403);
    expect(await mwaaHost.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('routes signed requests to S3, CloudWatch Logs and MWAA, and the rest to Airflow and the control handlers', async () => {
    expect((await emu.logs.send(new DescribeLogGroupsCommand({}))).$metadata.httpStatusCode).toBe(200);
    expect((await emu.mwaa.send(new ListEnvironmentsCommand({}))).Environments).toEqual(expect.any(Array));
    expect((await emu.s3.send(new ListObjectsV2Command({ Bucket: 'faults' }))).$metadata.httpStatusCode).toBe(200);
    // the Airflow web server does its own (Bearer) authentication
    expect((await fetch(`${emu.url}/aws_mwaa/cli`, { method: 'POST', body: 'version' })).status).toBe(401);
    // the services' control endpoints: an unknown environment is theirs to refuse
    const env = await emu.control('POST', '/_mwaa_local/environments/no-such-env/fail-next-update', { errorCode: 'X' });
    expect([env.status, env.body.message]).toEqual([404, expect.stringContaining('no-such-env')]);
    const task = await emu.control('POST', '/_mwaa_local/airflow/no-such-env/fail-task', { dagId: 'd', taskId: 't' });
    expect([task.status, task.body.message]).toEqual([404, expect.stringContaining('no-such-env')]);
  });

  it('classifies requests by path, target header and credential scope', () => {
    const req = (p: Partial<EmuRequest>): EmuRequest => ({
      method: 'GET',
      rawPath: '/',
      query: new URLSearchParams(),
      headers: {},
      body: Buffer.alloc(0),
      host: '127.0.0.1',
      ...p,
    });
    const auth = (service: string): Record<string, string> => ({
      authorization: `AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    });
    expect(routeOf(req({ rawPath: '/_mwaa_local/health' }))).toBe('control');
    expect(routeOf(req({ rawPath: '/aws_mwaa/cli', method: 'POST' }))).toBe('airflow');
    expect(routeOf(req({ headers: { 'x-amz-target': 'Logs_20140328.PutLogEvents', ...auth('logs') } }))).toBe('logs');
    expect(routeOf(req({ rawPath: '/environments/x', headers: auth('airflow') }))).toBe('mwaa');
    expect(routeOf(req({ rawPath: '/environments/x', headers: auth('s3') }))).toBe('s3');
    expect(routeOf(req({ rawPath: '/bucket/key', headers: auth('s3') }))).toBe('s3');
    expect(
      routeOf(
        req({
          rawPath: '/bucket/key',
          query: new URLSearchParams('X-Amz-Credential=AKID%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0'),
        }),
      ),
    ).toBe('s3');
  });

  it('serves presigned URLs (query-string auth)', async () => {
    await put('presigned', 'via query auth');
    const r = await fetch(
      `${emu.url}/faults/presigned?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00&X-Amz-SignedHeaders=host`,
    );
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('via query auth');
  });
});

describe('resilience', () => {
  it('turns an exception inside a service into a 500 in its shape and keeps serving', async () => {
    await put('blob-gone', 'soon missing');
    const store = emu.world.s3 as S3StoreImpl;
    const version = store.latest(store.getBucket('faults')!, 'blob-gone')!;
    rmSync((emu.world.persist.blobs as LocalBlobStore).path(version.blob!));
    const r = await fetch(`${emu.url}/faults/blob-gone`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3/aws4_request' },
    });
    expect(r.status).toBe(500);
    expect(await r.text()).toContain('<Code>InternalError</Code>');
    expect((await fetch(`${emu.url}/_mwaa_local/health`)).status).toBe(200);
  });

  it('answers malformed HTTP with 400 and keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(emu.port, '127.0.0.1', () => sock.write('THIS IS NOT HTTP\r\n\r\n'));
      let data = '';
      sock.on('data', (d) => (data += d.toString()));
      sock.on('close', () => resolve(data));
      sock.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${emu.url}/_mwaa_local/health`)).status).toBe(200);
  });

  it('refuses oversized bodies in the service shape and survives handlers that throw or return nothing', async () => {
    const world = { tick: () => undefined } as unknown as World;
    const boom = (): never => {
      throw new Error('kaboom');
    };
    const server = createEmulatorServer({
      world,
      maxBodyBytes: 1024,
      handlers: { s3: boom, logs: boom, mwaa: () => undefined as never, sts: boom, airflow: boom, control: boom },
      onError: () => undefined,
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const auth = (service: string): Record<string, string> => ({
      authorization: `AWS4-HMAC-SHA256 Credential=A/20250101/us-east-1/${service}/aws4_request`,
    });
    try {
      const big = await fetch(`${url}/b/k`, { method: 'PUT', headers: auth('s3'), body: Buffer.alloc(4096) });
      expect(big.status).toBe(400);
      expect(await big.text()).toContain('<Code>EntityTooLarge</Code>');
      const s3 = await fetch(`${url}/b/k`, { headers: auth('s3') });
      expect(s3.status).toBe(500);
      expect(await s3.text()).toContain('<Code>InternalError</Code>');
      const logs = await fetch(url, { method: 'POST', headers: { ...auth('logs'), 'x-amz-target': 'Logs_20140328.X' }, body: '{}' });
      expect(logs.status).toBe(500);
      expect(((await logs.json()) as { __type: unknown }).__type).toEqual(expect.any(String));
      const mwaa = await fetch(`${url}/environments`, { headers: auth('airflow') });
      expect(mwaa.status).toBe(500);
      expect(mwaa.headers.get('x-amzn-errortype')).toBe('InternalServerException');
      const control = await fetch(`${url}/_mwaa_local/health`);
      expect(control.status).toBe(500);
      expect(((await control.json()) as { message: string }).message).toContain('kaboom');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
