/**
 * The release transaction over fakes, for cases the emulator does not produce: pip errors in the
 * requirements_install streams of an update that MWAA reports as successful (its images may only log a failed pip run), and a
 * failure after an artifact was set for the first time (MWAA cannot unset it: exit 6).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnvironmentInfo, MwaaApi, UpdateEnvironmentInput } from '../../src/core/ports/mwaa.js';
import type { DeployPorts } from '../../src/core/deploy/ports.js';
import { push, type PushRequest } from '../../src/core/deploy/push.js';
import { RecordReader, type ReleaseRecord } from '../../src/core/deploy/records.js';
import { rollback } from '../../src/core/deploy/rollback.js';
import { MwaaError } from '../../src/core/errors.js';
import { recordEvents } from '../../src/core/events.js';
import type { LogsPort } from '../../src/core/logs/port.js';
import { tempDir } from '../helpers/cli.js';
import { boom, FakeS3 } from './deploy-fakes.js';

/** A stored release record's text, read back. */
function decodeRecord(text: string): ReleaseRecord {
  const reader = new RecordReader();
  reader.push(text);
  return reader.end();
}

const CONSTRAINT = '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"';

class FakeMwaa implements Partial<MwaaApi> {
  updates: UpdateEnvironmentInput[] = [];
  constructor(
    public env: EnvironmentInfo,
    private now: () => number,
  ) {}
  async getEnvironment(): Promise<EnvironmentInfo> {
    return structuredClone(this.env);
  }
  async updateEnvironment(input: UpdateEnvironmentInput): Promise<string> {
    this.updates.push(input);
    for (const [k, v] of Object.entries(input)) if (k !== 'Name' && v !== undefined) (this.env as Record<string, unknown>)[k] = v;
    this.env.Status = 'AVAILABLE';
    this.env.LastUpdate = { Status: 'SUCCESS', CreatedAt: new Date(this.now()) };
    return 'arn';
  }
}

let t: { dir: string; cleanup: () => void };
let s3: FakeS3;
let mwaa: FakeMwaa;

/** An UPDATING environment answers UPDATING to the next `n` polls, then AVAILABLE. */
function availableAfterPolls(n: number): void {
  let polls = 0;
  const get = mwaa.getEnvironment.bind(mwaa);
  mwaa.getEnvironment = async () => {
    if (mwaa.env.Status === 'UPDATING' && ++polls > n) mwaa.env.Status = 'AVAILABLE';
    return get();
  };
}
let logs: { lines: string[] };
let now = Date.parse('2026-03-01T12:00:00Z');

function ports(): DeployPorts {
  const logsPort: LogsPort = {
    async filterLogEvents(input) {
      if (!input.group.endsWith('-Worker')) return { events: [] };
      return {
        events: logs.lines.map((message, i) => ({
          logStreamName: 'requirements_install_ip-10-0-0-1.ec2.internal_1.log',
          timestamp: (input.startTime ?? 0) + i,
          message,
        })),
      };
    },
    async describeLogStreams() {
      return { streams: [] };
    },
    async getLogEvents() {
      return { events: [] };
    },
  };
  return {
    s3,
    mwaa: mwaa as unknown as MwaaApi,
    logs: logsPort,
    clock: {
      now: () => (now += 10),
      // polls return at once; the lock's renewal timer (minutes) only ends when the lock is released
      sleep: (ms: number, signal?: AbortSignal) =>
        ms < 1000
          ? new Promise<void>((r) => setImmediate(r))
          : new Promise<void>((_r, reject) => signal?.addEventListener('abort', () => reject(new Error('stopped')))),
    },
    events: recordEvents().sink,
    pollMs: 1,
    actor: { user: 'u', host: 'h', pid: 1 },
    request: async () => true,
  };
}

const request = (): PushRequest => ({
  environment: 'env',
  sources: { projectDir: t.dir, dags: join(t.dir, 'dags'), requirements: join(t.dir, 'requirements.txt') },
  prune: true,
  wait: true,
  dryRun: false,
  concurrency: 16,
});

beforeEach(() => {
  t = tempDir();
  mkdirSync(join(t.dir, 'dags'));
  writeFileSync(join(t.dir, 'dags/a.py'), 'A = 1\n');
  writeFileSync(join(t.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.31.0\n`);
  s3 = new FakeS3();
  logs = { lines: [] };
  mwaa = new FakeMwaa(
    { Name: 'env', Status: 'AVAILABLE', SourceBucketArn: 'arn:aws:s3:::bucket', DagS3Path: 'dags', AirflowVersion: '2.10.3' },
    () => now,
  );
});
afterEach(() => t.cleanup());

describe('the release transaction', () => {
  it('pip errors in requirements_install after a "successful" update roll everything back (exit 5)', async () => {
    const first = await push(request(), ports());
    expect(first.status).toBe('deployed');
    const pinned = mwaa.env.RequirementsS3ObjectVersion;
    const before = s3.state();
    writeFileSync(join(t.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.31.0\nnot-a-package==9\n`);
    writeFileSync(join(t.dir, 'dags/a.py'), 'A = 2\n');
    logs.lines = [
      'Collecting not-a-package==9',
      'ERROR: Could not find a version that satisfies the requirement not-a-package==9',
      'ERROR: No matching distribution found for not-a-package==9',
    ];
    const error = await push(request(), ports()).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode).toBe(5);
    expect(error.message).toContain('pip could not install requirements.txt: ERROR: Could not find a version');
    expect(error.message).toContain('pip output (airflow-env-Worker / requirements_install_');
    expect(mwaa.env.RequirementsS3ObjectVersion).toBe(pinned);
    expect(mwaa.updates.at(-1)?.RequirementsS3ObjectVersion).toBe(pinned);
    const after = s3.state();
    for (const key of ['dags/a.py', 'requirements.txt']) expect(after[key]).toBe(before[key]);
  });

  it('the journal lists every key before the first change, the committed record keeps it, and a failed commit is undone from it', async () => {
    await push(request(), ports());
    const records = () =>
      [...s3.objects.entries()]
        .filter(([k]) => k.startsWith('.mwaa/releases/2'))
        .flatMap(([, versions]) => versions.map((v) => decodeRecord(v.body?.toString('utf8') ?? '')));
    const [committed] = records();
    expect(committed.status).toBe('succeeded');
    // kept: a crash between this record and the index leaves an in-progress index entry to undo from it
    expect(committed.journal.keys).toEqual({ 'dags/a.py': { versionId: null }, 'requirements.txt': { versionId: null } });
    expect(Object.keys(committed.dags)).toEqual(['dags/a.py']);

    const before = s3.state();
    writeFileSync(join(t.dir, 'dags/a.py'), 'A = 2\n');
    writeFileSync(join(t.dir, 'dags/b.py'), 'B = 1\n');
    // the index written by the commit (the journal wrote it once before) fails
    let indexWrites = 0;
    s3.failWhen = (op, key) =>
      op === 'PutObject' && key === '.mwaa/releases/index.json' && ++indexWrites === 2
        ? boom('PutObject index.json: InternalError')
        : undefined;
    const error = await push(request(), ports()).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode).toBe(5);
    const after = s3.state();
    expect(after['dags/a.py']).toBe(before['dags/a.py']);
    expect(after['dags/b.py']).toBeUndefined();
    const failed = records().find((r) => r.id !== committed.id && r.status === 'rolled-back') as ReleaseRecord;
    expect(failed.journal.keys).toEqual({ 'dags/a.py': { versionId: before['dags/a.py'] }, 'dags/b.py': { versionId: null } });
    // what was journaled before the first change: the same keys, status in-progress
    const journaled = s3.objects
      .get(`.mwaa/releases/${failed.id}.json`)
      ?.map((v) => decodeRecord(v.body?.toString('utf8') ?? ''))
      .find((r) => r.status === 'in-progress') as ReleaseRecord;
    expect(journaled.journal.keys).toEqual(failed.journal.keys);
  });

  it('the new record lists unchanged and written keys in one sorted list, each written key with its new version', async () => {
    for (const name of ['c.py', 'e.py', 'g.py']) writeFileSync(join(t.dir, 'dags', name), `${name}\n`);
    const first = await push(request(), ports());
    const firstDags = first.release?.dags ?? {};
    // interleaved: written keys before, between and after unchanged ones, and one written over (c.py)
    for (const name of ['b.py', 'd.py', 'h.py']) writeFileSync(join(t.dir, 'dags', name), `${name}\n`);
    writeFileSync(join(t.dir, 'dags/c.py'), 'C = 2\n');
    const second = await push(request(), ports());
    const dags = second.release?.dags ?? {};
    expect(Object.keys(dags)).toEqual(['dags/a.py', 'dags/b.py', 'dags/c.py', 'dags/d.py', 'dags/e.py', 'dags/g.py', 'dags/h.py']);
    for (const key of ['dags/a.py', 'dags/e.py', 'dags/g.py']) expect(dags[key]).toEqual(firstDags[key]);
    expect(dags['dags/c.py'].versionId).not.toBe(firstDags['dags/c.py'].versionId);
    for (const key of ['dags/b.py', 'dags/c.py', 'dags/d.py', 'dags/h.py']) {
      expect(dags[key].versionId).toBe(s3.state()[key]);
      expect(dags[key].etag).toMatch(/^"?[0-9a-f]{32}"?$/);
    }
  });

  it('a failure after requirements.txt was set for the first time: exit 6 saying MWAA cannot unset it', async () => {
    s3.failWhen = (op, key) =>
      op === 'PutObject' && key === 'dags/a.py' ? boom('PutObject s3://bucket/dags/a.py: InternalError') : undefined;
    const error = await push(request(), ports()).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode).toBe(6);
    expect(error.message).toContain('which it did not use before; MWAA cannot remove an artifact once set');
    expect(error.message).toContain('s3://bucket/requirements.txt: kept the new version because environment env still pins it');
    expect(error.hint).toContain('mwaa recover');
    // the version it pins is still there
    expect(s3.latest('requirements.txt')?.versionId).toBe(mwaa.env.RequirementsS3ObjectVersion);
  });

  it('after that exit 6, `mwaa recover` records the release as rolled back with the environment keeping the artifact; a later push works', async () => {
    s3.failWhen = (op, key) =>
      op === 'PutObject' && key === 'dags/a.py' ? boom('PutObject s3://bucket/dags/a.py: InternalError') : undefined;
    const error = await push(request(), ports()).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode).toBe(6);
    expect(error.hint).toContain('`mwaa recover` records the release as rolled back with the environment keeping that artifact');
    const failedId = error.details.release as string;
    s3.failWhen = undefined;
    const pinned = mwaa.env.RequirementsS3ObjectVersion;
    const p = ports();
    const events = recordEvents();
    p.events = events.sink;
    const r = await rollback({ environment: 'env', wait: true, dryRun: false, yes: true, concurrency: 16 }, p);
    expect(r.status).toBe('recovered');
    expect(r.recovered.map((x) => [x.id, x.status, x.left])).toEqual([[failedId, 'rolled-back', undefined]]);
    expect(events.events.some((e) => e.code === 'deploy.rollback.unremovable' && e.level === 'warn')).toBe(true);
    // the environment keeps the artifact and its version stays in the bucket
    expect(mwaa.env.RequirementsS3ObjectVersion).toBe(pinned);
    expect(s3.latest('requirements.txt')?.versionId).toBe(pinned);
    // nothing unfinished is left: a push runs without recovering anything
    const next = await push(request(), ports());
    expect(next.status).toBe('deployed');
    expect(next.recovered).toEqual([]);
  });

  it('Ctrl-C before the first upload: nothing changed, exit 5 (interrupted)', async () => {
    const controller = new AbortController();
    const p = ports();
    p.signal = controller.signal;
    s3.failWhen = (op, key) => {
      if (op === 'PutObject' && key.startsWith('.mwaa/releases/') && !controller.signal.aborted) controller.abort();
      return undefined;
    };
    const req = { ...request(), sources: { projectDir: t.dir, dags: join(t.dir, 'dags') } };
    const error = await push(req, p).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode).toBe(5);
    expect(error.message).toMatch(/^deploy interrupted/);
    expect(Object.keys(s3.state()).filter((k) => !k.startsWith('.mwaa/'))).toEqual([]);
  });
});

describe('the environment under the lock', () => {
  /** another deploy re-pins requirements.txt to a new version of its own */
  function otherDeploy(): string {
    const v = s3.put('requirements.txt', `${CONSTRAINT}\nrequests==2.32.0\n`);
    mwaa.env.RequirementsS3ObjectVersion = v;
    return v;
  }

  it('push: pins changed while it waited for the lock are the "pins before" its failure restores', async () => {
    expect((await push(request(), ports())).status).toBe('deployed');
    writeFileSync(join(t.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.31.0\nflask==3.0.0\n`);
    writeFileSync(join(t.dir, 'dags/a.py'), 'A = 3\n');
    let other: string | undefined;
    s3.failWhen = (op, key) => {
      if (op === 'PutObject' && key === '.mwaa/lock.json' && !other) other = otherDeploy();
      if (op === 'PutObject' && key === 'dags/a.py') return boom('PutObject s3://bucket/dags/a.py: InternalError');
      return undefined;
    };
    const error = await push(request(), ports()).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode, error.message).toBe(5);
    expect(mwaa.env.RequirementsS3ObjectVersion).toBe(other);
    expect(s3.latest('requirements.txt')?.versionId).toBe(other);
  });

  it('push: an environment that started updating while it waited for the lock stops it before any change (exit 1)', async () => {
    expect((await push(request(), ports())).status).toBe('deployed');
    writeFileSync(join(t.dir, 'dags/a.py'), 'A = 4\n');
    const before = s3.state();
    s3.failWhen = (op, key) => {
      if (op === 'PutObject' && key === '.mwaa/lock.json') mwaa.env.Status = 'UPDATING';
      return undefined;
    };
    const error = await push(request(), ports()).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode, error.message).toBe(1);
    expect(error.message).toContain('environment env is UPDATING; a deploy needs it AVAILABLE');
    const after = s3.state();
    for (const key of ['dags/a.py', 'requirements.txt', '.mwaa/lock.json']) expect(after[key]).toBe(before[key]);
  });

  it('rollback: pins changed while it waited for the prompt are the "pins before" its failure restores', async () => {
    expect((await push(request(), ports())).status).toBe('deployed');
    writeFileSync(join(t.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.31.0\nflask==3.0.0\n`);
    writeFileSync(join(t.dir, 'dags/a.py'), 'A = 3\n');
    expect((await push(request(), ports())).status).toBe('deployed');
    let other: string | undefined;
    const p = ports();
    p.request = async () => {
      other = otherDeploy();
      return true;
    };
    s3.failWhen = (op, key) =>
      op === 'CopyObject' && key === 'dags/a.py' ? boom('CopyObject s3://bucket/dags/a.py: InternalError') : undefined;
    const error = await rollback({ environment: 'env', wait: true, dryRun: false, concurrency: 16 }, p).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode, error.message).toBe(5);
    expect(mwaa.env.RequirementsS3ObjectVersion).toBe(other);
  });
});

describe('the lock renewal', () => {
  it('a lock taken over by another deploy is not overwritten: the deploy stops and rolls back (exit 5)', async () => {
    expect((await push(request(), ports())).status).toBe('deployed');
    const pinned = mwaa.env.RequirementsS3ObjectVersion;
    const before = s3.state();
    writeFileSync(join(t.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.31.0\nflask==3.0.0\n`);
    writeFileSync(join(t.dir, 'dags/a.py'), 'A = 5\n');
    const other = {
      schema: 1,
      owner: 'other@elsewhere',
      host: 'elsewhere',
      pid: 42,
      command: 'mwaa dags push',
      environment: 'env',
      releaseId: 'r-other',
      acquiredAt: '2026-03-01T12:00:00.000Z',
      expiresAt: '2026-03-01T13:00:00.000Z',
    };
    let renew: (() => void) | undefined;
    const p = ports();
    const sleep = p.clock.sleep;
    // the renewal timer fires when the test says so (the first one only)
    p.clock = { ...p.clock, sleep: (ms, signal) => (ms >= 1000 && !renew ? new Promise<void>((r) => (renew = r)) : sleep(ms, signal)) };
    // the environment update takes a few polls; meanwhile another deploy takes the lock and ours renews
    const update = mwaa.updateEnvironment.bind(mwaa);
    let tookOver = false;
    mwaa.updateEnvironment = async (input) => {
      const out = await update(input);
      if (!tookOver) {
        tookOver = true;
        mwaa.env.Status = 'UPDATING';
        s3.put('.mwaa/lock.json', `${JSON.stringify(other)}\n`);
        renew?.();
      }
      return out;
    };
    availableAfterPolls(50);
    const error = await push(request(), p).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode, error.message).toBe(5);
    expect(error.message).toMatch(/^deploy failed: the deploy lock of s3:\/\/bucket was taken over by other@elsewhere \(pid 42/);
    // the other holder's lock is untouched, and everything is back
    expect(JSON.parse(String(await s3.getObject('bucket', '.mwaa/lock.json')))).toEqual(other);
    expect(mwaa.env.RequirementsS3ObjectVersion).toBe(pinned);
    const after = s3.state();
    for (const key of ['dags/a.py', 'requirements.txt']) expect(after[key]).toBe(before[key]);
  });

  it("a takeover between the renewal's check and its write is not overwritten either (If-Match)", async () => {
    expect((await push(request(), ports())).status).toBe('deployed');
    const pinned = mwaa.env.RequirementsS3ObjectVersion;
    writeFileSync(join(t.dir, 'requirements.txt'), `${CONSTRAINT}\nrequests==2.31.0\nflask==3.0.0\n`);
    const other = {
      schema: 1,
      owner: 'other@elsewhere',
      host: 'elsewhere',
      pid: 43,
      command: 'mwaa dags push',
      environment: 'env',
      releaseId: 'r-other',
      acquiredAt: '2026-03-01T12:00:00.000Z',
      expiresAt: '2026-03-01T13:00:00.000Z',
    };
    let renew: (() => void) | undefined;
    const p = ports();
    const sleep = p.clock.sleep;
    p.clock = { ...p.clock, sleep: (ms, signal) => (ms >= 1000 && !renew ? new Promise<void>((r) => (renew = r)) : sleep(ms, signal)) };
    // the other deploy writes its lock right after our renewal has checked that the lock is ours
    let armed = false;
    const head = s3.headObject.bind(s3);
    s3.headObject = async (bucket, key, versionId) => {
      const out = await head(bucket, key, versionId);
      if (armed && key === '.mwaa/lock.json') {
        armed = false;
        s3.put('.mwaa/lock.json', `${JSON.stringify(other)}\n`);
      }
      return out;
    };
    const update = mwaa.updateEnvironment.bind(mwaa);
    mwaa.updateEnvironment = async (input) => {
      const out = await update(input);
      if (renew) {
        mwaa.env.Status = 'UPDATING';
        armed = true;
        renew();
      }
      return out;
    };
    availableAfterPolls(50);
    const error = await push(request(), p).catch((e) => e);
    expect(MwaaError.is(error) && error.exitCode, error.message).toBe(5);
    expect(error.message).toMatch(/the deploy lock of s3:\/\/bucket was taken over by other@elsewhere \(pid 43/);
    expect(JSON.parse(String(await s3.getObject('bucket', '.mwaa/lock.json')))).toEqual(other);
    expect(mwaa.env.RequirementsS3ObjectVersion).toBe(pinned);
  });
});

describe('artifacts', () => {
  it('an empty plugins folder does not cause an environment update when no plugins.zip is used', async () => {
    mkdirSync(join(t.dir, 'plugins'));
    const req = { ...request(), sources: { projectDir: t.dir, dags: join(t.dir, 'dags'), plugins: join(t.dir, 'plugins') } };
    const r = await push(req, ports());
    expect(r.plan.envUpdate.needed).toBe(false);
    expect(r.plan.artifacts[0].reason).toContain('the folder is empty');
    expect(mwaa.updates).toEqual([]);
    writeFileSync(join(t.dir, 'plugins/p.py'), 'P = 1\n');
    const r2 = await push(req, ports());
    expect(r2.plan.envUpdate.needed).toBe(true);
    expect(mwaa.env.PluginsS3Path).toBe('plugins.zip');
  });
});
