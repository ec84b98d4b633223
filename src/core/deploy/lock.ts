/**
 * The deploy lock: `.mwaa/lock.json` at the bucket root, created with a conditional write
 * (`If-None-Match: *`), so two deploys started together cannot both get it. It names its holder and
 * expires after a TTL; the holder renews it while it works. A second deploy fails fast naming the
 * holder. A lock can be taken over when it has expired, when its holder ran on this host and is no
 * longer running (a crash), or with --force-unlock.
 */
import { anySignal } from '../signals.js';
import type { S3Api } from '../../aws/s3.js';
import type { Clock } from '../clock.js';
import { FailedError } from '../errors.js';
import type { EventSink } from '../events.js';
import { LOCK_KEY, type Actor } from './records.js';
import { msg } from '../messages.js';

export const DEFAULT_LOCK_TTL_MS = 10 * 60 * 1000;

export interface LockBody {
  schema: 1;
  owner: string;
  host: string;
  pid: number;
  command: string;
  environment: string;
  releaseId: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface LockHandle {
  body: LockBody;
  /**
   * Aborted when the lock is no longer ours (another deploy took it over, or it is gone): the reason is a
   * FailedError `deploy.lock-lost`. The deploy stops and rolls back (see lockedPorts).
   */
  lost: AbortSignal;
  /** stops renewing and removes the lock (the versions it created) */
  release(): Promise<void>;
}

export interface AcquireOptions {
  s3: S3Api;
  bucket: string;
  actor: Actor;
  command: string;
  environment: string;
  releaseId: string;
  clock: Clock;
  events: EventSink;
  ttlMs?: number;
  /** take the lock whoever holds it */
  force?: boolean;
  /** whether a process on this host is still running (crash detection) */
  isProcessAlive?: (pid: number) => boolean;
}

export function describeHolder(body: LockBody): string {
  return `${body.owner} (pid ${body.pid}, ${body.command}, release ${body.releaseId}, since ${body.acquiredAt})`;
}

/** Reads the lock, if any. */
export async function readLock(s3: S3Api, bucket: string): Promise<LockBody | undefined> {
  const data = await s3.getObject(bucket, LOCK_KEY);
  if (!data) return undefined;
  try {
    return JSON.parse(data.toString('utf8')) as LockBody;
  } catch {
    return { schema: 1, owner: 'unknown', host: 'unknown', pid: 0, command: 'unknown', environment: '', releaseId: '', acquiredAt: '', expiresAt: '' };
  }
}

/** Why a held lock may be taken over, or undefined when it may not. */
export function staleReason(body: LockBody, now: number, actor: Actor, isProcessAlive?: (pid: number) => boolean): string | undefined {
  const expires = Date.parse(body.expiresAt);
  if (!Number.isNaN(expires) && expires < now) return `it expired at ${body.expiresAt}`;
  if (body.host === actor.host && isProcessAlive && body.pid > 0 && body.pid !== actor.pid && !isProcessAlive(body.pid)) {
    return `its holder (pid ${body.pid} on this host) is no longer running`;
  }
  return undefined;
}

export async function acquireLock(options: AcquireOptions): Promise<LockHandle> {
  const { s3, bucket, actor, clock, events } = options;
  const ttl = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
  const makeBody = (): LockBody => {
    const now = clock.now();
    return {
      schema: 1,
      owner: `${actor.user}@${actor.host}`,
      host: actor.host,
      pid: actor.pid,
      command: options.command,
      environment: options.environment,
      releaseId: options.releaseId,
      acquiredAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttl).toISOString(),
    };
  };
  let body = makeBody();
  const versions: string[] = [];
  /** ETag of our last write: renewals replace only that (If-Match), never a lock someone else wrote */
  let lastEtag = '';

  for (let attempt = 0; ; attempt++) {
    const put = await s3.putObject(bucket, LOCK_KEY, Buffer.from(`${JSON.stringify(body)}\n`), { ifNoneMatch: true, contentType: 'application/json' });
    if (!('conflict' in put)) {
      if (put.versionId) versions.push(put.versionId);
      lastEtag = put.etag;
      break;
    }
    const holder = await readLock(s3, bucket);
    if (!holder) continue; // released between our write and our read
    const stale = options.force ? 'forced with --force-unlock' : staleReason(holder, clock.now(), actor, options.isProcessAlive);
    if (!stale || attempt >= 2) {
      throw new FailedError('deploy.locked', `the deploy lock of s3://${bucket} is held by ${describeHolder(holder)}; it expires at ${holder.expiresAt}`, {
        hint: 'wait for that deploy to finish and try again; if it is no longer running, pass --force-unlock',
        details: { holder },
      });
    }
    events(msg('deploy.lock.taken-over', { holder, reason: stale }, `taking over the deploy lock of s3://${bucket} held by ${describeHolder(holder)}: ${stale}`));
    await s3.deleteObject(bucket, LOCK_KEY);
    body = makeBody();
  }
  events(msg('deploy.lock.acquired', { bucket }, `locked s3://${bucket}/${LOCK_KEY}`));

  // Renew the lock while the deploy runs, so that a long environment update does not let it expire.
  // Only while it is still ours: read it back first (the version we wrote last must still be the latest),
  // and stop the deploy when it is not.
  const stop = new AbortController();
  const lost = new AbortController();
  const ours = async (): Promise<{ ok: true } | { ok: false; holder?: LockBody }> => {
    const mine = versions.at(-1);
    if (mine) {
      const head = await s3.headObject(bucket, LOCK_KEY);
      if (head?.versionId === mine) return { ok: true };
      return { ok: false, holder: head ? await readLock(s3, bucket).catch(() => undefined) : undefined };
    }
    const now = await readLock(s3, bucket);
    if (now && now.releaseId === body.releaseId && now.pid === body.pid && now.owner === body.owner && now.acquiredAt === body.acquiredAt) return { ok: true };
    return { ok: false, holder: now };
  };
  const renewEvery = Math.max(1000, Math.floor(ttl / 3));
  const renewing = (async () => {
    for (;;) {
      try {
        await clock.sleep(renewEvery, stop.signal);
      } catch {
        return;
      }
      if (stop.signal.aborted) return;
      try {
        let check = await ours();
        if (stop.signal.aborted) return;
        if (check.ok) {
          const renewed = { ...body, expiresAt: new Date(clock.now() + ttl).toISOString() };
          const put = await s3.putObject(bucket, LOCK_KEY, Buffer.from(`${JSON.stringify(renewed)}\n`), {
            contentType: 'application/json',
            ...(lastEtag ? { ifMatch: lastEtag } : {}),
          });
          // taken over between the check and the write: the write changed nothing
          if ('conflict' in put) check = { ok: false, holder: await readLock(s3, bucket).catch(() => undefined) };
          else {
            body = renewed;
            lastEtag = put.etag;
            if (put.versionId) versions.push(put.versionId);
          }
        }
        if (!check.ok) {
          const message = check.holder
            ? `the deploy lock of s3://${bucket} was taken over by ${describeHolder(check.holder)}`
            : `the deploy lock of s3://${bucket} was removed by someone else`;
          events(msg('deploy.lock.lost', { holder: check.holder }, `${message}; stopping this deploy`));
          lost.abort(
            new FailedError('deploy.lock-lost', `${message} while this deploy held it`, {
              hint: 'make sure only one deploy runs at a time (--force-unlock takes the lock from a running deploy), then run the command again',
              details: { holder: check.holder },
            }),
          );
          return;
        }
      } catch (error) {
        events(msg('deploy.lock.renew-failed', {}, `could not renew the deploy lock: ${(error as Error).message}`));
      }
    }
  })();

  return {
    get body() {
      return body;
    },
    lost: lost.signal,
    async release() {
      stop.abort();
      await renewing;
      if (versions.length === 0) {
        // not ours any more: leave the other holder's lock alone
        if (lost.signal.aborted) return;
        await s3.deleteObject(bucket, LOCK_KEY);
      } else {
        // remove exactly the versions we wrote: the key goes back to what it was (absent), no clutter
        for (const v of versions.reverse()) await s3.deleteObject(bucket, LOCK_KEY, v);
      }
      events(msg('deploy.lock.released', { bucket }, `unlocked s3://${bucket}/${LOCK_KEY}`));
    },
  };
}

/**
 * The ports a deploy uses while it holds the lock: their signal is also aborted when the lock is lost,
 * with the lock-lost error as the reason (the transaction fails with it and rolls back).
 */
export function lockedPorts<P extends { signal?: AbortSignal }>(ports: P, lock: Pick<LockHandle, 'lost'>): P {
  const outer = ports.signal;
  if (!outer) return { ...ports, signal: lock.lost };
  // one per deploy, for its whole duration: nothing to dispose early
  return { ...ports, signal: anySignal([outer, lock.lost]).signal };
}
