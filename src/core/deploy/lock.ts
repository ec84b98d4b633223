/**
 * The deploy lock: `.mwaa/lock.json` at the bucket root, created with a conditional write
 * (`If-None-Match: *`), so two deploys started together cannot both get it. It names its holder and
 * expires after a TTL; the holder renews it while it works. A second deploy fails fast naming the
 * holder. A lock can be taken over when it has expired, when its holder ran on this host and is no
 * longer running (a crash), or with --force-unlock.
 */
import type { S3Api } from '../../aws/s3.js';
import type { Clock } from '../clock.js';
import { FailedError } from '../errors.js';
import type { EventSink } from '../events.js';
import { LOCK_KEY, type Actor } from './records.js';

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

  for (let attempt = 0; ; attempt++) {
    const put = await s3.putObject(bucket, LOCK_KEY, Buffer.from(`${JSON.stringify(body)}\n`), { ifNoneMatch: true, contentType: 'application/json' });
    if (!('conflict' in put)) {
      if (put.versionId) versions.push(put.versionId);
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
    events({
      code: 'deploy.lock.taken-over',
      level: 'warn',
      message: `taking over the deploy lock of s3://${bucket} held by ${describeHolder(holder)}: ${stale}`,
      data: { holder, reason: stale },
    });
    await s3.deleteObject(bucket, LOCK_KEY);
    body = makeBody();
  }
  events({ code: 'deploy.lock.acquired', level: 'debug', message: `locked s3://${bucket}/${LOCK_KEY}`, data: { bucket } });

  // Renew the lock while the deploy runs, so that a long environment update does not let it expire.
  const stop = new AbortController();
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
        body = { ...body, expiresAt: new Date(clock.now() + ttl).toISOString() };
        const put = await s3.putObject(bucket, LOCK_KEY, Buffer.from(`${JSON.stringify(body)}\n`), { contentType: 'application/json' });
        if (!('conflict' in put) && put.versionId) versions.push(put.versionId);
      } catch (error) {
        events({ code: 'deploy.lock.renew-failed', level: 'warn', message: `could not renew the deploy lock: ${(error as Error).message}`, data: {} });
      }
    }
  })();

  return {
    get body() {
      return body;
    },
    async release() {
      stop.abort();
      await renewing;
      if (versions.length === 0) {
        await s3.deleteObject(bucket, LOCK_KEY);
      } else {
        // remove exactly the versions we wrote: the key goes back to what it was (absent), no clutter
        for (const v of versions.reverse()) await s3.deleteObject(bucket, LOCK_KEY, v);
      }
      events({ code: 'deploy.lock.released', level: 'debug', message: `unlocked s3://${bucket}/${LOCK_KEY}`, data: { bucket } });
    },
  };
}
