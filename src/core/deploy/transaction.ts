/**
 * The release transaction (docs/deploy.md, steps 4–7), shared by `dags push` and `rollback`:
 *
 *   journal   the release record, status in-progress, with every key's previous latest version and the
 *             environment's pins before — written before the first mutation
 *   artifacts plugins.zip / requirements.txt / startup script uploaded (or an older version chosen),
 *             UpdateEnvironment with the new versions, wait for AVAILABLE, check LastUpdate and the
 *             requirements_install streams for pip errors
 *   dags      uploads (or copies of older versions) with bounded concurrency, then deletions
 *   commit    the record marked succeeded with every key's version, sha256 and ETag; `current` moves
 *
 * Any failure — an S3 call that failed after the SDK's retries, UpdateEnvironment rejected, the update
 * ending UPDATE_FAILED/UNAVAILABLE or LastUpdate FAILED, pip errors, Ctrl-C, even the commit — undoes
 * everything: every key touched goes back to its previous version and the environment is re-pinned to
 * its previous versions (waiting for that update). The record says `rolled-back` with the reason and the
 * command fails with exit 5; when the undo itself cannot finish, `rollback-incomplete` and exit 6, with
 * exactly what is left and the command that finishes it (`mwaa recover`).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { EnvironmentInfo, UpdateEnvironmentInput } from '../ports/mwaa.js';
import { formatDuration } from '../duration.js';
import { throwIfAborted } from '../signals.js';
import { DeployRolledBackError, FailedError, InterruptedError, MwaaError, RollbackIncompleteError } from '../errors.js';
import { FAST_POLL_MS, waitForEnvironment } from '../env/wait.js';
import { keyOfPath, pinsOf } from './artifacts.js';
import { pathOf } from './files.js';
import { digestBytes, md5Base64 } from './hash.js';
import { findPipFailure, type PipFailure } from './pip.js';
import type { DeployPorts } from './ports.js';
import {
  ARTIFACT_FIELDS,
  type ArtifactKind,
  type GitInfo,
  type ObjectState,
  type Pin,
  type PrevVersion,
  type ReleaseCounts,
  type ReleaseRecord,
  ReleaseStore,
} from './records.js';
import { restoreKeys, type RestoreItem, type RestoreLeft } from './restore.js';
import { msg } from '../messages.js';

/** One DAG key the release changes. */
export interface KeyOp {
  key: string;
  prev: PrevVersion;
  action: 'put' | 'copy' | 'delete';
  /** put: the expected content of the local file (ReleaseSpec.localRoot) */
  sha256?: string;
  size?: number;
  /** copy: the version copied forward, and its recorded ETag */
  sourceVersionId?: string;
  etag?: string;
  /** set by the release: the version (or delete marker) it created, and the new ETag */
  createdVersionId?: string;
  createdEtag?: string;
}

/** One environment artifact the release re-pins. */
export interface ArtifactOp {
  kind: ArtifactKind;
  key: string;
  prev: PrevVersion;
  /** put these bytes as a new version, or pin an existing version */
  bytes?: Uint8Array;
  pinVersion?: string;
  sha256: string;
  size: number;
  etag?: string;
}

export interface ReleaseSpec {
  id: string;
  kind: 'push' | 'rollback';
  environment: string;
  bucket: string;
  dagPrefix: string;
  /** the local DAGs folder: a put op's file is this folder plus its key without dagPrefix */
  localRoot?: string;
  message?: string;
  git?: GitInfo;
  base?: string;
  target?: string;
  dagOps: KeyOp[];
  artifactOps: ArtifactOp[];
  /** the environment's pins before, for every artifact kind the release re-pins */
  pinsBefore: Partial<Record<ArtifactKind, Pin>>;
  /** the DAG keys the release leaves alone, with their state */
  unchangedDags: Record<string, ObjectState>;
  /** artifacts the release leaves pinned as they are, with their state when known */
  unchangedArtifacts: Partial<Record<ArtifactKind, ObjectState & { key: string }>>;
  counts: ReleaseCounts;
  changes: { added: string[]; changed: string[]; removed: string[] };
  envUpdate: { needed: boolean; reasons: string[] };
  /** wait for the environment update (and check it); false = --no-wait */
  wait: boolean;
  concurrency: number;
  /** milliseconds spent before the transaction (planning) */
  planMs?: number;
  startedAt: number;
}

/** What a release did so far: the basis of an undo. */
interface Progress {
  /** version ids created per artifact key, oldest first (a DAG op holds its own: createdVersionId) */
  created: Map<string, string[]>;
  /** keys whose last call has an unknown outcome */
  uncertain: Set<string>;
  /** UpdateEnvironment was called (even if it failed: it may have been applied) */
  envUpdateCalled: boolean;
  envUpdateStartedAt?: number;
}

const TRANSITIONAL = new Set(['CREATING', 'UPDATING', 'CREATING_SNAPSHOT', 'ROLLING_BACK', 'DELETING', 'PENDING', 'MAINTENANCE']);

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function pollMsOf(ports: DeployPorts): number {
  return ports.pollMs ?? FAST_POLL_MS;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Runs the release; returns its succeeded record or throws DeployRolledBackError / RollbackIncompleteError. */
export async function executeRelease(spec: ReleaseSpec, ports: DeployPorts): Promise<ReleaseRecord> {
  const { s3, events, clock } = ports;
  const store = new ReleaseStore(s3, spec.bucket);
  const durations: Record<string, number> = { ...(spec.planMs !== undefined ? { planMs: spec.planMs } : {}) };
  const progress: Progress = { created: new Map(), uncertain: new Set(), envUpdateCalled: false };
  const record: ReleaseRecord = {
    schema: 2,
    id: spec.id,
    kind: spec.kind,
    status: 'in-progress',
    environment: spec.environment,
    bucket: spec.bucket,
    dagPrefix: spec.dagPrefix,
    startedAt: iso(spec.startedAt),
    ...(spec.message ? { message: spec.message } : {}),
    ...(spec.git ? { git: spec.git } : {}),
    actor: ports.actor,
    ...(spec.base ? { base: spec.base } : {}),
    ...(spec.target ? { target: spec.target } : {}),
    counts: spec.counts,
    changes: spec.changes,
    envUpdate: spec.envUpdate,
    journal: {
      // filled only to be written (journalKeys): the ops hold the same, and a dictionary of 20,000 keys is not free
      keys: {},
      pins: spec.pinsBefore,
      artifactKeys: Object.fromEntries(spec.artifactOps.map((a) => [a.kind, a.key])),
      envUpdate: spec.artifactOps.length > 0,
    },
    dags: {},
    artifacts: {},
    durations,
  };

  // 3. Journal, before the first mutation, and only while the lock is still ours.
  throwIfAborted(ports.signal);
  await ports.checkLock?.();
  await store.save({ ...record, journal: { ...record.journal, keys: journalKeys(spec) } });
  events(
    msg(
      'deploy.journal.written',
      { id: spec.id },
      `release ${spec.id} journaled (${spec.dagOps.length + spec.artifactOps.filter((a) => a.bytes).length} keys)`,
    ),
  );

  const checkInterrupt = () => {
    if (ports.signal?.aborted) throw abortError(ports.signal);
  };
  /** Before each mutating phase: not interrupted, and the deploy lock is still ours (one HEAD). */
  const beforePhase = async () => {
    checkInterrupt();
    await ports.checkLock?.();
  };
  const phase = (name: string, message: string) => events(msg('deploy.phase', { phase: name }, message));
  const track = (key: string, versionId: string | undefined) => {
    if (versionId === undefined) {
      progress.uncertain.add(key);
      return;
    }
    const list = progress.created.get(key) ?? [];
    list.push(versionId);
    progress.created.set(key, list);
    progress.uncertain.delete(key);
  };
  /** A DAG op's outcome, kept on the op (no second object per file). */
  const done = (op: KeyOp, versionId: string | undefined, etag?: string) => {
    if (versionId === undefined) {
      progress.uncertain.add(op.key);
      return;
    }
    op.createdVersionId = versionId;
    if (etag !== undefined) op.createdEtag = etag;
    progress.uncertain.delete(op.key);
  };

  const newArtifacts: Partial<Record<ArtifactKind, ObjectState & { key: string }>> = {};
  let pipFailure: PipFailure | undefined;
  let envAfter: EnvironmentInfo | undefined;

  try {
    await beforePhase();
    // 4. Environment artifacts first.
    if (spec.artifactOps.length > 0) {
      const t0 = clock.now();
      const uploading = spec.artifactOps.filter((a) => a.bytes).map((a) => ARTIFACT_FIELDS[a.kind].label);
      phase(
        'artifacts',
        uploading.length
          ? `uploading ${uploading.join(', ')}`
          : `re-pinning ${spec.artifactOps.map((a) => ARTIFACT_FIELDS[a.kind].label).join(', ')}`,
      );
      const input: UpdateEnvironmentInput = { Name: spec.environment };
      for (const op of spec.artifactOps) {
        checkInterrupt();
        let versionId = op.pinVersion;
        let etag = op.etag ?? '';
        if (op.bytes) {
          progress.uncertain.add(op.key);
          const put = await s3.putObject(spec.bucket, op.key, op.bytes, { contentMd5: md5Base64(digestBytes(op.bytes).md5) });
          if ('conflict' in put) throw new FailedError('deploy.failed', `PutObject s3://${spec.bucket}/${op.key}: unexpected conflict`);
          track(op.key, put.versionId);
          if (!put.versionId)
            throw new FailedError(
              'deploy.unversioned',
              `PutObject s3://${spec.bucket}/${op.key} returned no VersionId: is versioning enabled on the bucket?`,
            );
          versionId = put.versionId;
          etag = put.etag;
          events(msg('deploy.artifact.uploaded', { kind: op.kind, key: op.key, versionId }, `uploaded ${op.key} (version ${versionId})`));
        }
        const f = ARTIFACT_FIELDS[op.kind];
        input[f.path] = op.key;
        input[f.version] = versionId;
        newArtifacts[op.kind] = { key: op.key, versionId: versionId as string, sha256: op.sha256, etag, size: op.size };
      }
      durations.artifactsMs = clock.now() - t0;
      await beforePhase();

      const t1 = clock.now();
      phase('env-update', `updating environment ${spec.environment} to pin the new versions`);
      progress.envUpdateCalled = true;
      progress.envUpdateStartedAt = clock.now();
      await ports.mwaa.updateEnvironment(input);
      events(
        msg(
          'deploy.env.update.started',
          { name: spec.environment },
          `environment ${spec.environment} is updating (this takes 20–30 minutes on AWS)`,
        ),
      );
      if (spec.wait) {
        const requirementsChanged = spec.artifactOps.some((a) => a.kind === 'requirements');
        let waited: Awaited<ReturnType<typeof waitForEnvironment>>;
        try {
          waited = await waitForEnvironment({
            api: ports.mwaa,
            name: spec.environment,
            clock,
            events,
            signal: ports.signal,
            pollMs: pollMsOf(ports),
            timeoutMs: ports.waitTimeoutMs,
            until: 'available',
            expectUpdateSince: progress.envUpdateStartedAt - 1000,
            resumeCommand: 'mwaa env wait',
            // the deploy rolls back: the environment does not just "keep going"
            interrupted: (during) => new InterruptedError(`interrupted ${during} to apply the new versions`),
          });
        } catch (error) {
          // a failed update with new requirements: show pip's own words
          if (requirementsChanged && ports.logs && MwaaError.is(error) && error.code === 'env.failed') {
            const env = await ports.mwaa.getEnvironment(spec.environment).catch(() => undefined);
            if (env) pipFailure = await findPipFailure(ports.logs, env, progress.envUpdateStartedAt).catch(() => undefined);
          }
          throw error;
        }
        envAfter = waited.environment;
        if (ports.logs && requirementsChanged && envAfter) {
          pipFailure = await findPipFailure(ports.logs, envAfter, progress.envUpdateStartedAt, ports.signal);
          if (pipFailure) {
            throw new FailedError('deploy.pip-failed', `pip could not install requirements.txt: ${pipFailure.error}`);
          }
        }
        durations.envUpdateMs = clock.now() - t1;
      }
    }

    // 5. DAG files: uploads/copies, then deletions.
    if (spec.dagOps.length > 0) await beforePhase();
    const writes = spec.dagOps.filter((o) => o.action !== 'delete');
    const deletes = spec.dagOps.filter((o) => o.action === 'delete');
    if (writes.length > 0) {
      const t2 = clock.now();
      const totalBytes = writes.reduce((n, o) => n + (o.size ?? 0), 0);
      phase(
        'uploads',
        `${spec.kind === 'rollback' ? 'restoring' : 'uploading'} ${writes.length} DAG file${writes.length === 1 ? '' : 's'}`,
      );
      let uploaded = 0;
      let bytesDone = 0;
      await runBounded(writes, spec.concurrency, ports.signal, async (op) => {
        progress.uncertain.add(op.key);
        let versionId: string | undefined;
        let etag: string;
        if (op.action === 'put') {
          const file = pathOf(spec.localRoot as string, op.key.slice(spec.dagPrefix.length));
          // a small file in one synchronous read: cheaper than a thread-pool round trip
          const body = (op.size ?? 0) < SYNC_READ_MAX ? readFileSync(file) : await readFile(file);
          const digest = digestBytes(body);
          if (digest.sha256 !== op.sha256) {
            progress.uncertain.delete(op.key);
            throw new FailedError('deploy.file-changed', `${file} changed while pushing (its sha256 is no longer the one planned)`, {
              hint: 'run the push again once the files are stable',
            });
          }
          const put = await s3.putObject(spec.bucket, op.key, body, { contentMd5: md5Base64(digest.md5) });
          if ('conflict' in put) throw new FailedError('deploy.failed', `PutObject s3://${spec.bucket}/${op.key}: unexpected conflict`);
          versionId = put.versionId;
          etag = put.etag;
        } else {
          const copy = await s3.copyObject(spec.bucket, op.key, op.sourceVersionId as string);
          versionId = copy.versionId;
          etag = copy.etag || (op.etag ?? '');
        }
        done(op, versionId, etag);
        if (!versionId)
          throw new FailedError(
            'deploy.unversioned',
            `s3://${spec.bucket}/${op.key}: the bucket returned no VersionId; versioning must be enabled`,
          );
        uploaded++;
        bytesDone += op.size ?? 0;
        events(
          msg(
            'deploy.upload.done',
            { key: op.key, done: uploaded, total: writes.length, bytesDone, bytesTotal: totalBytes },
            `${op.action === 'put' ? 'uploaded' : 'restored'} ${op.key} (${uploaded}/${writes.length})`,
          ),
        );
      });
      durations.uploadMs = clock.now() - t2;
    }
    if (deletes.length > 0) {
      const t3 = clock.now();
      phase('deletes', `deleting ${deletes.length} DAG file${deletes.length === 1 ? '' : 's'} no longer in the project`);
      let deleted = 0;
      await runBounded(deletes, spec.concurrency, ports.signal, async (op) => {
        progress.uncertain.add(op.key);
        const out = await s3.deleteObject(spec.bucket, op.key);
        done(op, out.versionId);
        deleted++;
        events(
          msg(
            'deploy.delete.done',
            { key: op.key, done: deleted, total: deletes.length },
            `deleted ${op.key} (${deleted}/${deletes.length})`,
          ),
        );
      });
      durations.deleteMs = clock.now() - t3;
    }
    await beforePhase();

    // 6. Commit.
    phase('commit', `recording release ${spec.id}`);
    durations.totalMs = clock.now() - spec.startedAt;
    const committed: ReleaseRecord = {
      ...record,
      status: 'succeeded',
      // the journal stays: a crash between this record and the index leaves the index saying
      // in-progress, and `mwaa recover` then undoes the release from this record's journal
      journal: { ...record.journal, keys: journalKeys(spec) },
      dags: releaseDags(spec.unchangedDags, writes),
      artifacts: { ...spec.unchangedArtifacts, ...newArtifacts },
      finishedAt: iso(clock.now()),
    };
    await store.save(committed, { makeCurrent: true });
    events(
      msg(
        'deploy.committed',
        { id: spec.id },
        `release ${spec.id} ${spec.kind === 'rollback' ? 'restored' : 'deployed'} in ${formatDuration(durations.totalMs)}`,
      ),
    );
    return committed;
  } catch (error) {
    record.status = 'in-progress';
    return await failRelease({ spec, record, store, progress, error, pipFailure, ports });
  }
}

/**
 * Runs tasks with bounded concurrency (a fixed pool of workers pulling the next item, so memory does not
 * grow with the number of items); stops starting new ones after the first failure or an abort.
 */
async function runBounded<T>(
  items: T[],
  concurrency: number,
  signal: AbortSignal | undefined,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let failure: unknown;
  let next = 0;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      if (signal?.aborted) {
        failure ??= abortError(signal);
        return;
      }
      const item = items[next++];
      try {
        await task(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure;
}

/** The error of an aborted signal: the lock-lost error (an MwaaError reason), else Ctrl-C. */
function abortError(signal: AbortSignal): Error {
  return MwaaError.is(signal.reason) ? signal.reason : new InterruptedError('interrupted (Ctrl-C)');
}

/** Files up to this size are read synchronously for upload (like hashing does). */
const SYNC_READ_MAX = 1024 * 1024;

/** The journal's keys: every key the release may change, with its latest version before. */
function journalKeys(spec: ReleaseSpec): Record<string, PrevVersion> {
  const keys: Record<string, PrevVersion> = {};
  for (const a of spec.artifactOps) if (a.bytes) keys[a.key] = a.prev;
  for (const o of spec.dagOps) keys[o.key] = o.prev;
  return keys;
}

/**
 * Every DAG key of the new release, sorted: the ones it left alone and the ones it wrote (put or copied
 * forward, their state from the op), merged in one pass over both sorted (no map of the writes: at the
 * end of a first push of 20,000 files, that would be another megabyte beside the new record).
 */
function releaseDags(unchanged: Record<string, ObjectState>, writes: KeyOp[]): Record<string, ObjectState> {
  const keys = Object.keys(unchanged).sort();
  // the release's own list of writes (its order matters to no one after the uploads)
  writes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: Record<string, ObjectState> = {};
  let k = 0;
  for (const op of writes) {
    for (; k < keys.length && keys[k] < op.key; k++) out[keys[k]] = unchanged[keys[k]];
    if (k < keys.length && keys[k] === op.key) k++; // written over
    out[op.key] = { versionId: op.createdVersionId as string, sha256: op.sha256 as string, etag: op.createdEtag ?? '', size: op.size ?? 0 };
  }
  for (; k < keys.length; k++) out[keys[k]] = unchanged[keys[k]];
  return out;
}

interface FailInput {
  spec: ReleaseSpec;
  record: ReleaseRecord;
  store: ReleaseStore;
  progress: Progress;
  error: unknown;
  pipFailure?: PipFailure;
  ports: DeployPorts;
}

/** Undoes a failed release and throws the error that says how it ended (exit 5 or 6). */
async function failRelease(input: FailInput): Promise<never> {
  const { spec, record, store, progress, ports } = input;
  // a lost lock (the signal's MwaaError reason) is why the deploy stopped, whatever the step then threw
  const error = ports.signal?.aborted && MwaaError.is(ports.signal.reason) ? ports.signal.reason : input.error;
  const interrupted = error instanceof InterruptedError || (ports.signal?.aborted === true && !MwaaError.is(error));
  const reason = describeFailure(error, input.pipFailure);
  ports.events(
    msg(
      'deploy.rollback.started',
      { id: spec.id, reason },
      `${spec.kind === 'rollback' ? 'rollback' : 'deploy'} failed (${reason.split('\n')[0]}); rolling back release ${spec.id}`,
    ),
  );

  record.journal.keys = journalKeys(spec);
  const created = new Map(progress.created);
  for (const op of spec.dagOps)
    if (op.createdVersionId !== undefined) created.set(op.key, [...(created.get(op.key) ?? []), op.createdVersionId]);
  const touched = new Set<string>([...created.keys(), ...progress.uncertain]);
  const items: RestoreItem[] = [...touched].map((key) => ({
    key,
    prev: record.journal.keys[key] ?? { versionId: null },
    created: created.get(key) ?? [],
  }));
  const undo = await undoRelease({
    ports,
    bucket: spec.bucket,
    environment: spec.environment,
    dagPrefix: spec.dagPrefix,
    items,
    pinsBefore: spec.pinsBefore,
    artifactKeys: record.journal.artifactKeys ?? {},
    envTouched: progress.envUpdateCalled,
  });
  return finishUndo({ record, store, undo, reason, ports, interrupted, cause: error, pipFailure: input.pipFailure });
}

export function describeFailure(error: unknown, pip?: PipFailure): string {
  let text = errorText(error);
  if (MwaaError.is(error) && error.details?.errorCode && !text.includes(String(error.details.errorCode))) {
    text += `\n${error.details.errorCode}: ${error.details.errorMessage ?? ''}`;
  }
  if (pip) text += `\npip output (${pip.group} / ${pip.stream}):\n${pip.tail.map((l) => `  ${l}`).join('\n')}`;
  return text;
}

export interface UndoInput {
  ports: DeployPorts;
  bucket: string;
  environment: string;
  dagPrefix: string;
  items: RestoreItem[];
  pinsBefore: Partial<Record<ArtifactKind, Pin>>;
  /** the bucket key of each artifact kind in pinsBefore */
  artifactKeys: Partial<Record<ArtifactKind, string>>;
  /** UpdateEnvironment may have been applied: compare pins and re-pin */
  envTouched: boolean;
  /**
   * Recovery of an unfinished release: an artifact the environment did not use before but pins now
   * (MWAA cannot remove it) is accepted as the end state — a warning, its new version kept, nothing left.
   * Without it, that artifact is a `left` entry (exit 6).
   */
  acceptUnremovable?: boolean;
}

export interface UndoResult {
  restoredKeys: number;
  envRepinned: ArtifactKind[];
  left: string[];
  /** artifacts set for the first time that the environment keeps (MWAA cannot remove them) */
  unremovable: ArtifactKind[];
}

/** Re-pins the environment and restores the keys; reports what could not be undone. */
export async function undoRelease(input: UndoInput): Promise<UndoResult> {
  const { ports, bucket, environment } = input;
  const left: string[] = [];
  let envRepinned: ArtifactKind[] = [];
  let unremovable: ArtifactKind[] = [];
  const stillPinned = new Set<string>();
  const accepted = new Set<string>();

  if (input.envTouched && Object.keys(input.pinsBefore).length > 0) {
    const env = await repinEnvironment(input, left);
    envRepinned = env.repinned;
    unremovable = env.unremovable;
    for (const k of env.stillPinnedKeys) stillPinned.add(k);
    for (const k of env.acceptedKeys) accepted.add(k);
  }

  // Keys the environment still pins must not lose their version (its next update would fail).
  const items = input.items.filter((i) => {
    if (accepted.has(i.key)) {
      ports.events(
        msg(
          'deploy.rollback.kept',
          { key: i.key },
          `s3://${bucket}/${i.key}: kept the new version because environment ${environment} pins it (MWAA cannot remove it)`,
        ),
      );
      return false;
    }
    if (!stillPinned.has(i.key)) return true;
    left.push(`s3://${bucket}/${i.key}: kept the new version because environment ${environment} still pins it`);
    return false;
  });
  if (items.length > 0) {
    ports.events(
      msg(
        'deploy.rollback.step',
        { count: items.length },
        `restoring ${items.length} object${items.length === 1 ? '' : 's'} to their previous versions`,
      ),
    );
    let result: { restored: number; left: RestoreLeft[] };
    try {
      result = await restoreKeys({ s3: ports.s3, bucket, items, listPrefixes: [input.dagPrefix], events: ports.events });
    } catch (error) {
      result = { restored: 0, left: items.map((i) => ({ key: i.key, reason: errorText(error) })) };
    }
    for (const l of result.left) {
      const prev = items.find((i) => i.key === l.key)?.prev;
      const want =
        !prev || prev.versionId === null
          ? 'absent'
          : prev.deleteMarker
            ? `deleted (delete marker ${prev.versionId})`
            : `version ${prev.versionId}`;
      left.push(`s3://${bucket}/${l.key}: should be ${want} (${l.reason})`);
    }
    return { restoredKeys: result.restored, envRepinned, left, unremovable };
  }
  return { restoredKeys: 0, envRepinned, left, unremovable };
}

async function settledEnvironment(ports: DeployPorts, name: string): Promise<EnvironmentInfo | undefined> {
  let env = await ports.mwaa.getEnvironment(name);
  if (env && TRANSITIONAL.has(env.Status ?? '')) {
    ports.events(
      msg('deploy.rollback.step', { status: env.Status }, `waiting for environment ${name} (${env.Status}) to settle before re-pinning`),
    );
    try {
      // no signal: a rollback is not interrupted by the Ctrl-C that caused it (a second Ctrl-C exits)
      const out = await waitForEnvironment({
        api: ports.mwaa,
        name,
        clock: ports.clock,
        events: ports.events,
        pollMs: pollMsOf(ports),
        timeoutMs: ports.waitTimeoutMs,
        until: 'available',
        resumeCommand: 'mwaa recover',
      });
      env = out.environment;
    } catch (error) {
      if (!MwaaError.is(error) || error.code !== 'env.failed') throw error;
      env = await ports.mwaa.getEnvironment(name);
    }
  }
  return env;
}

function samePin(a: Pin | undefined, b: Pin): boolean {
  return (a?.path ?? undefined) === (b.path ?? undefined) && (a?.version ?? undefined) === (b.version ?? undefined);
}

interface Repinned {
  repinned: ArtifactKind[];
  /** keys whose new version must stay (the environment pins it): a `left` entry each */
  stillPinnedKeys: string[];
  /** keys whose new version stays and is accepted (acceptUnremovable) */
  acceptedKeys: string[];
  unremovable: ArtifactKind[];
}

async function repinEnvironment(input: UndoInput, left: string[]): Promise<Repinned> {
  const { ports, environment, bucket } = input;
  const kinds = Object.keys(input.pinsBefore) as ArtifactKind[];
  const stillPinnedKeys: string[] = [];
  const acceptedKeys: string[] = [];
  const unremovable: ArtifactKind[] = [];
  const out = (repinned: ArtifactKind[]): Repinned => ({ repinned, stillPinnedKeys, acceptedKeys, unremovable });
  let env: EnvironmentInfo | undefined;
  try {
    env = await settledEnvironment(ports, environment);
  } catch (error) {
    left.push(
      `environment ${environment}: could not read it to re-pin ${kinds.map((k) => ARTIFACT_FIELDS[k].label).join(', ')} (${errorText(error)})`,
    );
    // unknown: keep every artifact version (the environment may pin it)
    stillPinnedKeys.push(...kinds.map((k) => input.artifactKeys[k] ?? ''));
    return out([]);
  }
  if (!env) {
    left.push(`environment ${environment} no longer exists`);
    return out([]);
  }
  const differ = kinds.filter((k) => !samePin(pinsOf(env as EnvironmentInfo, k), input.pinsBefore[k] as Pin));
  if (differ.length === 0) return out([]);

  const keyOf = (k: ArtifactKind) => input.artifactKeys[k] ?? keyOfPath(pinsOf(env as EnvironmentInfo, k).path ?? '', bucket);
  const cannot = differ.filter((k) => !input.pinsBefore[k]?.version);
  for (const k of cannot) {
    const now = pinsOf(env, k);
    unremovable.push(k);
    if (input.acceptUnremovable) {
      ports.events(
        msg(
          'deploy.rollback.unremovable',
          { kind: k, path: now.path, version: now.version },
          `environment ${environment} keeps ${ARTIFACT_FIELDS[k].label} ${now.path} version ${now.version}, which it did not use before: ` +
            'MWAA cannot remove an artifact once set (point it at an empty file to neutralise it)',
        ),
      );
      acceptedKeys.push(keyOf(k));
      continue;
    }
    left.push(
      `environment ${environment}: now uses ${ARTIFACT_FIELDS[k].label} ${now.path} version ${now.version}, which it did not use before; ` +
        'MWAA cannot remove an artifact once set (point it at an empty file to neutralise it)',
    );
    stillPinnedKeys.push(keyOf(k));
  }
  const repin = differ.filter((k) => input.pinsBefore[k]?.version);
  if (repin.length === 0) return out([]);

  const update: UpdateEnvironmentInput = { Name: environment };
  for (const k of repin) {
    const f = ARTIFACT_FIELDS[k];
    update[f.path] = input.pinsBefore[k]?.path;
    update[f.version] = input.pinsBefore[k]?.version;
  }
  const labels = repin.map((k) => ARTIFACT_FIELDS[k].label).join(', ');
  ports.events(msg('deploy.rollback.step', { kinds: repin }, `re-pinning ${labels} of ${environment} to the previous versions`));
  const since = ports.clock.now();
  try {
    await ports.mwaa.updateEnvironment(update);
    await waitForEnvironment({
      api: ports.mwaa,
      name: environment,
      clock: ports.clock,
      events: ports.events,
      pollMs: pollMsOf(ports),
      timeoutMs: ports.waitTimeoutMs,
      until: 'available',
      expectUpdateSince: since - 1000,
      resumeCommand: 'mwaa recover',
    });
  } catch (error) {
    // did it take? read the pins back
    let now: EnvironmentInfo | undefined;
    try {
      now = await ports.mwaa.getEnvironment(environment);
    } catch {
      now = undefined;
    }
    const still = repin.filter((k) => !now || !samePin(pinsOf(now, k), input.pinsBefore[k] as Pin));
    if (still.length > 0) {
      left.push(
        `environment ${environment}: re-pinning ${still.map((k) => `${ARTIFACT_FIELDS[k].label} to version ${input.pinsBefore[k]?.version}`).join(', ')} failed (${errorText(error).split('\n')[0]})`,
      );
      for (const k of still) stillPinnedKeys.push(keyOf(k));
      return out(repin.filter((k) => !still.includes(k)));
    }
  }
  return out(repin);
}

export interface FinishInput {
  record: ReleaseRecord;
  store: ReleaseStore;
  undo: UndoResult;
  reason: string;
  ports: DeployPorts;
  interrupted: boolean;
  cause?: unknown;
  pipFailure?: PipFailure;
}

/** Records how the undo ended and throws exit 5 (clean) or 6 (something left). */
export async function finishUndo(input: FinishInput): Promise<never> {
  const { record, store, undo, reason, ports } = input;
  record.status = undo.left.length === 0 ? 'rolled-back' : 'rollback-incomplete';
  record.reason = reason;
  if (undo.left.length > 0) record.left = undo.left;
  else delete record.left;
  record.finishedAt = iso(ports.clock.now());
  let recordWarning = '';
  try {
    await store.save(record);
  } catch (error) {
    recordWarning = `\n(the release record could not be updated: ${errorText(error)}; \`mwaa recover\` will tidy it up)`;
    ports.events(msg('deploy.record.failed', { id: record.id }, `could not update release record ${record.id}: ${errorText(error)}`));
  }
  const what = record.kind === 'rollback' ? 'rollback' : 'deploy';
  const head = input.interrupted ? `${what} interrupted` : `${what} failed`;
  const details = {
    release: record.id,
    reason,
    restoredKeys: undo.restoredKeys,
    envRepinned: undo.envRepinned,
    ...(input.pipFailure ? { pip: input.pipFailure } : {}),
    ...(undo.left.length ? { left: undo.left } : {}),
  };
  if (undo.left.length === 0) {
    const parts = [`${undo.restoredKeys} object${undo.restoredKeys === 1 ? '' : 's'} restored to their previous versions`];
    if (undo.envRepinned.length)
      parts.push(`environment re-pinned to the previous ${undo.envRepinned.map((k) => ARTIFACT_FIELDS[k].label).join(', ')}`);
    ports.events(msg('deploy.rollback.done', details, `rolled back release ${record.id}: ${parts.join('; ')}`));
    throw new DeployRolledBackError(
      `${head}: ${reason}\nrolled back release ${record.id}: ${parts.join('; ')}; the bucket and the environment are as they were before${recordWarning}`,
      {
        cause: input.cause,
        hint: input.interrupted ? 'run the command again when ready' : failureHint(input.cause, input.pipFailure),
        details,
      },
    );
  }
  ports.events(
    msg(
      'deploy.rollback.incomplete',
      details,
      `the rollback of release ${record.id} did not complete (${undo.left.length} item${undo.left.length === 1 ? '' : 's'} left)`,
    ),
  );
  throw new RollbackIncompleteError(
    `${head}: ${reason}\nthe rollback of release ${record.id} did not complete; left as is:\n${undo.left.map((l) => `- ${l}`).join('\n')}${recordWarning}`,
    {
      cause: input.cause,
      hint:
        `run \`mwaa recover\` to finish rolling back release ${record.id} once the cause is fixed` +
        (undo.unremovable.length
          ? `; MWAA cannot remove the ${undo.unremovable.map((k) => ARTIFACT_FIELDS[k].label).join(', ')} set for the first time, so \`mwaa recover\` records the release as rolled back with the environment keeping ${undo.unremovable.length === 1 ? 'that artifact' : 'those artifacts'}`
          : ''),
      details,
    },
  );
}

function failureHint(cause: unknown, pip?: PipFailure): string {
  if (pip)
    return 'fix requirements.txt (check the package names and versions against the constraints file) and push again; `mwaa logs --component requirements` shows the full pip output';
  if (MwaaError.is(cause) && cause.hint) return cause.hint;
  return 'fix the cause and push again';
}
