/**
 * Delay faults (POST /_mwaa_local/faults with "delayMs"): a delayed call is held while others are
 * served, then fails with the fault's error or, without one, is served against the state as it is
 * after the wait. after/times/match, listing and consumption work as for the other faults.
 *
 * Ordering, not durations, is asserted: a delayed call is started, we wait until the emulator has
 * seen it (the fault's "fired" counter), then race another call against it. Delays are long (2 s)
 * compared to a local call so that the other call wins even on a loaded machine.
 */
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultDelayAborted } from '../../src/local/faults.js';
import { type TestEmulator, startTestEmulator } from '../helpers/emulator.js';

const BUCKET = 'delays';
/** how long a held call waits: far longer than the one call served meanwhile takes, even on a loaded machine */
const SLOW = 700;

let emu: TestEmulator;

beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await emu.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
});
afterAll(async () => {
  await emu?.close();
});
beforeEach(async () => {
  await emu.clearFaults();
});

/** Polls the fault listing until fault `id` has fired `n` times (or is gone, i.e. used up). */
async function untilFired(id: string, n: number): Promise<void> {
  for (;;) {
    const f = (await emu.faults()).find((x) => x.id === id);
    if (!f || f.fired >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Settles a promise into {ok, value} / {ok: false, name, status}, recording the order of completion. */
function track<T>(
  label: string,
  order: string[],
  p: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; name: string; status?: number }> {
  return p.then(
    (value) => {
      order.push(label);
      return { ok: true as const, value };
    },
    (e: any) => {
      order.push(label);
      return { ok: false as const, name: String(e?.name), status: e?.$metadata?.httpStatusCode };
    },
  );
}

const putIfAbsent = (key: string, body: string) =>
  emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, IfNoneMatch: '*' }));
const text = async (key: string) => (await emu.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();

describe('delay-only faults', () => {
  it('hold one call while another is served; the held call then sees the state changed meanwhile (IfNoneMatch → 412)', async () => {
    const id = await emu.delay({ service: 's3', operation: 'PutObject', match: { Key: 'race/lock.json' }, delayMs: SLOW });
    const order: string[] = [];
    const first = track('first', order, putIfAbsent('race/lock.json', 'first'));
    await untilFired(id, 1);
    const second = await track('second', order, putIfAbsent('race/lock.json', 'second'));
    expect(second.ok).toBe(true);
    const late = await first;
    expect(order).toEqual(['second', 'first']);
    expect(late).toMatchObject({ ok: false, status: 412 });
    expect(await text('race/lock.json')).toBe('second');
    const versions = await emu.s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'race/' }));
    expect(versions.Versions?.length).toBe(1);
  });

  it('a delayed GetObject answers the body written while it waited', async () => {
    await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'read/me', Body: 'old' }));
    const id = await emu.delay({ service: 's3', operation: 'GetObject', match: { Key: 'read/me' }, delayMs: SLOW });
    const order: string[] = [];
    const read = track('read', order, text('read/me'));
    await untilFired(id, 1);
    await track('write', order, emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'read/me', Body: 'new' })));
    expect(await read).toEqual({ ok: true, value: 'new' });
    expect(order).toEqual(['write', 'read']);
  });

  it('a delay on one key of DeleteObjects holds the whole batch, which then deletes the newest version', async () => {
    await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'batch/a', Body: 'a1' }));
    await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'batch/b', Body: 'b1' }));
    const id = await emu.delay({ service: 's3', operation: 'DeleteObject', match: { Key: 'batch/b' }, delayMs: SLOW });
    const order: string[] = [];
    const del = track(
      'delete',
      order,
      emu.s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'batch/a' }, { Key: 'batch/b' }] } })),
    );
    await untilFired(id, 1);
    // the batch has not touched batch/a yet: it is held as a whole
    expect(await text('batch/a')).toBe('a1');
    await track('put', order, emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'batch/b', Body: 'b2' })));
    const r = await del;
    expect(order).toEqual(['put', 'delete']);
    expect(r.ok && (r.value as any).Deleted.map((d: any) => d.Key).sort()).toEqual(['batch/a', 'batch/b']);
    const listed = await emu.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'batch/' }));
    expect(listed.KeyCount).toBe(0);
    const versions = await emu.s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'batch/b' }));
    expect(versions.Versions?.map((v) => v.IsLatest)).toEqual([false, false]);
    expect(versions.DeleteMarkers?.map((m) => m.IsLatest)).toEqual([true]);
  });

  it('work for CloudWatch Logs too: a delayed CreateLogGroup finds the group created meanwhile', async () => {
    const id = await emu.delay({ service: 'logs', operation: 'CreateLogGroup', match: { logGroupName: 'delayed-group' }, delayMs: SLOW });
    const order: string[] = [];
    const late = track('late', order, emu.logs.send(new CreateLogGroupCommand({ logGroupName: 'delayed-group' })));
    await untilFired(id, 1);
    expect((await track('early', order, emu.logs.send(new CreateLogGroupCommand({ logGroupName: 'delayed-group' })))).ok).toBe(true);
    expect(await late).toMatchObject({ ok: false, name: 'ResourceAlreadyExistsException' });
    expect(order).toEqual(['early', 'late']);
  });
});

describe('delay with an error', () => {
  it('fails after the delay, in the service shape, without changing state; other calls are served meanwhile', async () => {
    const id = await emu.fault({
      service: 's3',
      operation: 'PutObject',
      match: { Key: 'err/x' },
      delayMs: SLOW,
      error: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
    });
    const order: string[] = [];
    const put = track('put', order, emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'err/x', Body: 'x' })));
    await untilFired(id, 1);
    expect((await track('list', order, emu.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'err/' })))).ok).toBe(true);
    expect(await put).toEqual({ ok: false, name: 'SlowDown', status: 503 });
    expect(order).toEqual(['list', 'put']);
    const head = await emu.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'err/x' })).catch((e) => e);
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it('works for MWAA: the error comes in its JSON shape', async () => {
    await emu.fault({
      service: 'mwaa',
      operation: 'GetEnvironment',
      delayMs: 50,
      error: { status: 403, code: 'AccessDeniedException', message: 'no' },
    });
    const e = await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'any-env' })).catch((x) => x);
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
    // the fault is used up: the next call is served (this environment does not exist)
    const next = await emu.mwaa.send(new GetEnvironmentCommand({ Name: 'any-env' })).catch((x) => x);
    expect(next.name).toBe('ResourceNotFoundException');
  });
});

describe('after, times, match, listing', () => {
  it('skip `after` matching calls, delay the next `times`, ignore other keys, then are gone', async () => {
    for (const k of ['m/a', 'm/b']) await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: k }));
    const id = await emu.delay({ service: 's3', operation: 'GetObject', match: { Key: 'm/a' }, after: 1, times: 2, delayMs: 100 });
    const listed = async () => (await emu.faults()).find((f) => f.id === id);
    expect(await listed()).toMatchObject({
      spec: { service: 's3', operation: 'GetObject', match: { Key: 'm/a' }, after: 1, times: 2, delayMs: 100 },
      seen: 0,
      fired: 0,
    });
    expect((await listed())!.spec).not.toHaveProperty('error');

    expect(await text('m/a')).toBe('m/a'); // passes: after 1
    expect(await listed()).toMatchObject({ seen: 1, fired: 0 });
    expect(await text('m/b')).toBe('m/b'); // other key: not counted
    expect(await listed()).toMatchObject({ seen: 1, fired: 0 });
    expect(await text('m/a')).toBe('m/a'); // delayed, then served
    expect(await listed()).toMatchObject({ seen: 2, fired: 1 });
    expect(await text('m/a')).toBe('m/a'); // delayed, then served; the fault is used up
    expect(await listed()).toBeUndefined();
  });

  it('a delayed call with times > 1 does not hold the others: the second delayed call starts while the first waits', async () => {
    await emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'two/a', Body: 'a' }));
    const id = await emu.delay({ service: 's3', operation: 'HeadObject', match: { Key: 'two/a' }, times: 2, delayMs: SLOW });
    const order: string[] = [];
    const one = track('one', order, emu.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'two/a' })));
    await untilFired(id, 1);
    const two = track('two', order, emu.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'two/a' })));
    await untilFired(id, 2); // the second call reached the emulator while the first was still held
    expect(order).toEqual([]);
    expect((await one).ok && (await two).ok).toBe(true);
  });

  it('refuses invalid specs with 400: neither error nor delay, bad delayMs, bad error next to a delay', async () => {
    const base = { service: 's3', operation: 'PutObject' };
    const bad = [
      base,
      { ...base, delayMs: -1 },
      { ...base, delayMs: 1.5 },
      { ...base, delayMs: '100' },
      { ...base, delayMs: 600_001 },
      { ...base, delayMs: null },
      { ...base, delayMs: 100, error: { status: 200, code: 'X' } },
      { ...base, delayMs: 100, error: 'SlowDown' },
      { ...base, delayMs: 100, times: 0 },
    ];
    for (const body of bad) {
      const r = await emu.control('POST', '/_mwaa_local/faults', body);
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), 400]);
      expect(r.body.message).toEqual(expect.any(String));
    }
    expect(await emu.faults()).toEqual([]);
    for (const delayMs of [0, 600_000]) {
      expect((await emu.control('POST', '/_mwaa_local/faults', { ...base, delayMs })).status).toBe(200);
    }
    await emu.clearFaults();
  });
});

describe('close during a delay', () => {
  it('does not wait for the delay and serves nothing afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mwaa-delay-close-'));
    try {
      const own = await startTestEmulator({ stateDir: dir });
      await own.s3.send(new CreateBucketCommand({ Bucket: 'closing' }));
      const id = await own.delay({ service: 's3', operation: 'PutObject', delayMs: 600_000 });
      const held = own.s3.send(new PutObjectCommand({ Bucket: 'closing', Key: 'never', Body: 'x' })).then(
        () => 'served',
        () => 'failed',
      );
      for (;;) {
        const f = (await own.faults()).find((x) => x.id === id);
        if (!f) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const world = own.world;
      await own.close(); // a 10-minute delay pending: this must still return (the test's timeout is 30 s)
      expect(await held).toBe('failed');
      await expect(world.faults.wait(1)).rejects.toBeInstanceOf(FaultDelayAborted);

      const again = await startTestEmulator({ stateDir: dir });
      try {
        const head = await again.s3.send(new HeadObjectCommand({ Bucket: 'closing', Key: 'never' })).catch((e) => e);
        expect(head.$metadata.httpStatusCode).toBe(404);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
