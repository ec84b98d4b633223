/**
 * The deploy lock: `.mwaa/lock.json` at the bucket root. Every write of it is conditional, so that of
 * any number of deploys racing for it exactly one holds it:
 *
 *   create    `If-None-Match: *`: only when there is no lock
 *   take over `If-Match: <ETag of the stale lock read>`: replaces exactly that stale lock; a racer that
 *             read the same stale lock finds a different ETag (the winner's) and fails naming the winner
 *   renew     `If-Match: <ETag of our last write>`: only while it is still ours
 *
 * It names its holder and expires after a TTL; the holder renews it while it works, and checks that it
 * still holds it before each mutating phase of a release (`check()`), so a deploy whose lock was taken
 * (it expired, or --force-unlock) stops and rolls back before it changes anything more. A lock can be
 * taken over when it has expired, when its holder ran on this host and is no longer running (a crash),
 * or with --force-unlock. Releasing deletes exactly the versions this deploy wrote (and, after a
 * takeover, the stale versions below them), so the key ends absent, with no clutter.
 */
import { anySignal } from '../signals.js';
import type { S3Api } from '../ports/s3.js';
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
  /**
   * Checks that the lock is still ours (one HEAD); when it is not, marks it lost (see `lost`) and throws
   * the lock-lost error. Called before each mutating phase of a release.
   */
  check(): Promise<void>;
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

/** The lock as read: its body, and the version and ETag it was read at (for a conditional takeover). */
export interface ReadLock {
  body: LockBody;
  versionId?: string;
  etag: string;
}

const UNREADABLE: LockBody = {
  schema: 1,
  owner: 'unknown',
  host: 'unknown',
  pid: 0,
  command: 'unknown',
  environment: '',
  releaseId: '',
  acquiredAt: '',
  expiresAt: '',
};

function parseLock(data: Buffer): LockBody {
  try {
    return JSON.parse(data.toString('utf8')) as LockBody;
  } catch {
    return UNREADABLE;
  }
}

/** Reads the lock, if any (one GET). */
export async function readLock(s3: S3Api, bucket: string): Promise<LockBody | undefined> {
  const data = await s3.getObject(bucket, LOCK_KEY);
  return data ? parseLock(data) : undefined;
}

/** Reads the lock with the version and ETag of what was read (the body is that version's). */
export async function readLockVersion(s3: S3Api, bucket: string): Promise<ReadLock | undefined> {
  const head = await s3.headObject(bucket, LOCK_KEY);
  if (!head) return undefined;
  const data = await s3.getObject(bucket, LOCK_KEY, head.versionId);
  // gone between the two calls (released): as if there were none
  if (!data) return undefined;
  return { body: parseLock(data), etag: head.etag, ...(head.versionId ? { versionId: head.versionId } : {}) };
}

/** The lock as a deploy about to plan sees it: its holder, and why it may be taken over (stale) if it may. */
export interface LockState {
  holder?: LockBody;
  stale?: string;
}

/** Reads the lock and judges it. A lock that cannot be read counts as not held: taking it decides. */
export async function lockState(
  ports: { s3: S3Api; clock: Clock; actor: Actor; isProcessAlive?: (pid: number) => boolean },
  bucket: string,
): Promise<LockState> {
  const holder = await readLock(ports.s3, bucket).catch(() => undefined);
  if (!holder) return {};
  const stale = staleReason(holder, ports.clock.now(), ports.actor, ports.isProcessAlive);
  return { holder, ...(stale ? { stale } : {}) };
}

/**
 * The holder of the lock when a deploy that still runs holds it (not stale), else undefined. Read before
 * a deploy plans, so that a running deploy's release is not taken for an unfinished one, and a second
 * deploy fails at once naming it.
 */
export async function runningHolder(ports: Parameters<typeof lockState>[0], bucket: string): Promise<LockBody | undefined> {
  const { holder, stale } = await lockState(ports, bucket);
  return stale ? undefined : holder;
}

/** The error of a deploy that finds the lock held by a running deploy. */
export function lockedError(bucket: string, holder: LockBody): FailedError {
  return new FailedError(
    'deploy.locked',
    `the deploy lock of s3://${bucket} is held by ${describeHolder(holder)}; it expires at ${holder.expiresAt}`,
    {
      hint: 'wait for that deploy to finish and try again; if it is no longer running, pass --force-unlock',
      details: { holder },
    },
  );
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
  /** we replaced a stale lock: its versions are below ours, and go when we release */
  let tookOver = false;

  for (let attempt = 0; ; attempt++) {
    const put = await s3.putObject(bucket, LOCK_KEY, Buffer.from(`${JSON.stringify(body)}\n`), {
      ifNoneMatch: true,
      contentType: 'application/json',
    });
    if (!('conflict' in put)) {
      if (put.versionId) versions.push(put.versionId);
      lastEtag = put.etag;
      break;
    }
    const held = await readLockVersion(s3, bucket);
    if (!held) {
      // released between our write and our read: try again, a few times
      if (attempt >= 5) {
        throw new FailedError('deploy.lock-unavailable', `the deploy lock of s3://${bucket} could be neither created nor read`, {
          hint: 'another deploy may be taking and releasing it in a loop; try again, or look at the versions of .mwaa/lock.json',
        });
      }
      continue;
    }
    const stale = options.force ? 'forced with --force-unlock' : staleReason(held.body, clock.now(), actor, options.isProcessAlive);
    if (!stale || attempt >= 3) throw lockedError(bucket, held.body);
    // Replace exactly the stale lock we read: a racer that read the same one loses here (its If-Match
    // no longer matches) and, reading again, finds our fresh lock and fails naming us.
    body = makeBody();
    const replaced = await s3.putObject(bucket, LOCK_KEY, Buffer.from(`${JSON.stringify(body)}\n`), {
      ifMatch: held.etag,
      contentType: 'application/json',
    });
    if ('conflict' in replaced) continue;
    if (replaced.versionId) versions.push(replaced.versionId);
    lastEtag = replaced.etag;
    tookOver = true;
    events(
      msg(
        'deploy.lock.taken-over',
        { holder: held.body, reason: stale },
        `took over the deploy lock of s3://${bucket} from ${describeHolder(held.body)}: ${stale}`,
      ),
    );
    break;
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
    if (now && now.releaseId === body.releaseId && now.pid === body.pid && now.owner === body.owner && now.acquiredAt === body.acquiredAt)
      return { ok: true };
    return { ok: false, holder: now };
  };
  /** Marks the lock lost (once): the deploy's signal aborts with the lock-lost error, which is returned. */
  const lose = (holder: LockBody | undefined): unknown => {
    if (lost.signal.aborted) return lost.signal.reason;
    const message = holder
      ? `the deploy lock of s3://${bucket} was taken over by ${describeHolder(holder)}`
      : `the deploy lock of s3://${bucket} was removed by someone else`;
    events(msg('deploy.lock.lost', { holder }, `${message}; stopping this deploy`));
    lost.abort(
      new FailedError('deploy.lock-lost', `${message} while this deploy held it`, {
        hint: 'make sure only one deploy runs at a time (--force-unlock takes the lock from a running deploy), then run the command again',
        details: { holder },
      }),
    );
    return lost.signal.reason;
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
          lose(check.holder);
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
    async check() {
      if (lost.signal.aborted) throw lost.signal.reason;
      const now = await ours();
      if (!now.ok) throw lose(now.holder);
    },
    async release() {
      stop.abort();
      await renewing;
      if (versions.length === 0) {
        // not ours any more: leave the other holder's lock alone
        if (lost.signal.aborted) return;
        await s3.deleteObject(bucket, LOCK_KEY);
      } else {
        // After a takeover the stale lock's versions lie below ours: remove them first, while ours is
        // still the latest (nobody else can write the key meanwhile), or deleting ours would bring the
        // stale lock back.
        if (tookOver) {
          const history = (await s3.listVersions(bucket, LOCK_KEY)).filter((e) => e.key === LOCK_KEY);
          const oursAt = history.findIndex((e) => e.versionId === versions[0]);
          if (oursAt >= 0) for (const e of history.slice(oursAt + 1)) await s3.deleteObject(bucket, LOCK_KEY, e.versionId);
        }
        // remove exactly the versions we wrote: the key goes back to what it was (absent), no clutter
        for (const v of versions.reverse()) await s3.deleteObject(bucket, LOCK_KEY, v);
      }
      events(msg('deploy.lock.released', { bucket }, `unlocked s3://${bucket}/${LOCK_KEY}`));
    },
  };
}

/**
 * The ports a deploy uses while it holds the lock: their signal is also aborted when the lock is lost,
 * with the lock-lost error as the reason (the transaction fails with it and rolls back), and
 * `checkLock` asks S3 whether the lock is still ours (before each mutating phase).
 */
export function lockedPorts<P extends { signal?: AbortSignal; checkLock?: () => Promise<void> }>(
  ports: P,
  lock: Pick<LockHandle, 'lost' | 'check'>,
): P {
  const outer = ports.signal;
  const checkLock = () => lock.check();
  if (!outer) return { ...ports, signal: lock.lost, checkLock };
  // one per deploy, for its whole duration: nothing to dispose early
  return { ...ports, signal: anySignal([outer, lock.lost]).signal, checkLock };
}
