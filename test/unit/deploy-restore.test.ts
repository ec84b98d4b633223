/** Putting keys back (restore) and the deploy lock, over an in-memory versioned bucket. */
import { describe, expect, it } from 'vitest';
import { acquireLock, readLock } from '../../src/core/deploy/lock.js';
import { LOCK_KEY } from '../../src/core/deploy/records.js';
import { restoreKeys } from '../../src/core/deploy/restore.js';
import { recordEvents } from '../../src/core/events.js';
import { boom, FakeS3 } from './deploy-fakes.js';

const B = 'bucket';

describe('restoreKeys', () => {
  it('deletes the versions a deploy created; the previous versions are latest again', async () => {
    const s3 = new FakeS3();
    const a1 = s3.put('dags/a.py', 'a1');
    const before = s3.state();
    const a2 = s3.put('dags/a.py', 'a2');
    const b1 = s3.put('dags/b.py', 'b1');
    const out = await restoreKeys({
      s3,
      bucket: B,
      items: [
        { key: 'dags/a.py', prev: { versionId: a1 }, created: [a2] },
        { key: 'dags/b.py', prev: { versionId: null }, created: [b1] },
      ],
      listPrefixes: ['dags/'],
    });
    expect(out.left).toEqual([]);
    expect(s3.state()).toEqual(before);
  });

  it('removes the delete marker a deploy created', async () => {
    const s3 = new FakeS3();
    s3.put('dags/a.py', 'a1');
    const prev = s3.latest('dags/a.py')?.versionId as string;
    const before = s3.state();
    const marker = (await s3.deleteObject(B, 'dags/a.py')).versionId as string;
    const out = await restoreKeys({
      s3,
      bucket: B,
      items: [{ key: 'dags/a.py', prev: { versionId: prev }, created: [marker] }],
      listPrefixes: ['dags/'],
    });
    expect(out.left).toEqual([]);
    expect(s3.state()).toEqual(before);
  });

  it('unknown outcomes (a crash): removes whatever is above the previous version, delete markers included', async () => {
    const s3 = new FakeS3();
    s3.put('dags/a.py', 'a1');
    await s3.deleteObject(B, 'dags/a.py'); // the key was deleted before the deploy: prev is a delete marker
    const prevMarker = s3.latest('dags/a.py')?.versionId as string;
    const before = s3.state();
    s3.put('dags/a.py', 'a2'); // unknown to the restore
    s3.put('dags/a.py', 'a3');
    s3.put('dags/new.py', 'n');
    const out = await restoreKeys({
      s3,
      bucket: B,
      items: [
        { key: 'dags/a.py', prev: { versionId: prevMarker, deleteMarker: true }, created: [] },
        { key: 'dags/new.py', prev: { versionId: null }, created: [] },
        { key: 'dags/untouched.py', prev: { versionId: null }, created: [] },
      ],
      listPrefixes: ['dags/'],
    });
    expect(out.left).toEqual([]);
    expect(s3.state()).toEqual(before);
  });

  it('a key whose previous version is gone is reported, not guessed', async () => {
    const s3 = new FakeS3();
    s3.put('dags/a.py', 'a2');
    const out = await restoreKeys({
      s3,
      bucket: B,
      items: [{ key: 'dags/a.py', prev: { versionId: 'vanished' }, created: [] }],
      listPrefixes: ['dags/'],
    });
    expect(out.left).toEqual([{ key: 'dags/a.py', reason: 'its previous version vanished no longer exists in the bucket' }]);
  });

  it('a delete that keeps failing leaves the key in the report; the other keys are restored', async () => {
    const s3 = new FakeS3();
    const a1 = s3.put('dags/a.py', 'a1');
    const b1 = s3.put('dags/b.py', 'b1');
    const a2 = s3.put('dags/a.py', 'a2');
    const b2 = s3.put('dags/b.py', 'b2');
    s3.failWhen = (op, key) =>
      op === 'DeleteObject' && key === 'dags/a.py' ? boom('DeleteObject s3://bucket/dags/a.py: AccessDenied') : undefined;
    const out = await restoreKeys({
      s3,
      bucket: B,
      items: [
        { key: 'dags/a.py', prev: { versionId: a1 }, created: [a2] },
        { key: 'dags/b.py', prev: { versionId: b1 }, created: [b2] },
      ],
      listPrefixes: ['dags/'],
    });
    expect(out.left).toEqual([{ key: 'dags/a.py', reason: 'DeleteObject s3://bucket/dags/a.py: AccessDenied' }]);
    expect(s3.latest('dags/b.py')?.versionId).toBe(b1);
    expect(out.restored).toBe(1);
  });

  it('keys outside the listed prefixes (artifacts at the bucket root) are checked one by one', async () => {
    const s3 = new FakeS3();
    const r1 = s3.put('requirements.txt', 'r1');
    s3.put('requirements.txt.bak', 'other');
    s3.put('requirements.txt', 'r2');
    const out = await restoreKeys({
      s3,
      bucket: B,
      items: [{ key: 'requirements.txt', prev: { versionId: r1 }, created: [] }],
      listPrefixes: ['dags/'],
    });
    expect(out.left).toEqual([]);
    expect(s3.latest('requirements.txt')?.versionId).toBe(r1);
    expect(s3.objects.get('requirements.txt.bak')).toHaveLength(1);
  });
});

describe('deploy lock', () => {
  const clock = {
    now: () => Date.parse('2026-03-01T12:00:00Z'),
    sleep: (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_r, reject) => signal?.addEventListener('abort', () => reject(new Error('stop')))),
  };
  const actor = { user: 'ana', host: 'laptop', pid: 100 };
  const base = (s3: FakeS3, extra = {}) => ({
    s3,
    bucket: B,
    actor,
    command: 'mwaa dags push',
    environment: 'e',
    releaseId: 'r1',
    clock,
    events: recordEvents().sink,
    ...extra,
  });

  it('a second deploy fails fast naming the holder; release removes the lock versions', async () => {
    const s3 = new FakeS3();
    const lock = await acquireLock(base(s3));
    const other = acquireLock(base(s3, { actor: { user: 'bo', host: 'ci', pid: 7 }, releaseId: 'r2' }));
    await expect(other).rejects.toThrow(/held by ana@laptop \(pid 100, mwaa dags push, release r1, since 2026-03-01T12:00:00.000Z\)/);
    await lock.release();
    expect(s3.objects.has(LOCK_KEY)).toBe(false);
    expect(await readLock(s3, B)).toBeUndefined();
  });

  it('takes over an expired lock, a lock whose holder on this host is gone, or with --force-unlock', async () => {
    for (const [holder, extra] of [
      [{ expiresAt: '2026-03-01T11:00:00.000Z', host: 'elsewhere', pid: 5 }, {}],
      [{ expiresAt: '2026-03-01T13:00:00.000Z', host: 'laptop', pid: 5 }, { isProcessAlive: () => false }],
      [{ expiresAt: '2026-03-01T13:00:00.000Z', host: 'elsewhere', pid: 5 }, { force: true }],
    ] as const) {
      const s3 = new FakeS3();
      s3.put(
        LOCK_KEY,
        JSON.stringify({
          schema: 1,
          owner: 'x@y',
          command: 'mwaa dags push',
          environment: 'e',
          releaseId: 'old',
          acquiredAt: '2026-03-01T10:00:00.000Z',
          ...holder,
        }),
      );
      const events = recordEvents();
      const lock = await acquireLock(base(s3, { ...extra, events: events.sink }));
      expect(lock.body.releaseId).toBe('r1');
      expect(events.events.map((e) => e.code)).toContain('deploy.lock.taken-over');
      await lock.release();
    }
  });

  it('does not take over a live holder on this host', async () => {
    const s3 = new FakeS3();
    s3.put(
      LOCK_KEY,
      JSON.stringify({
        schema: 1,
        owner: 'x@laptop',
        host: 'laptop',
        pid: 5,
        command: 'c',
        environment: 'e',
        releaseId: 'old',
        acquiredAt: '',
        expiresAt: '2026-03-01T13:00:00.000Z',
      }),
    );
    await expect(acquireLock(base(s3, { isProcessAlive: () => true }))).rejects.toThrow(/--force-unlock|held by/);
  });
});
