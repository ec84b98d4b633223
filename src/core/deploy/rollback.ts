/**
 * `mwaa rollback [<release>]`: restores the DAG files and artifact versions of an earlier release by
 * copying its object versions forward (history is kept) and re-pinning its artifact versions, as a new
 * release that goes through the same transaction as a push. It also finishes what a crashed deploy (or a
 * rollback that could not complete) left: the journal of an unfinished release says which keys it
 * touched and what they were before.
 */
import pLimit from 'p-limit';
import type { VersionEntry } from '../ports/s3.js';
import { AbortedError, FailedError, NotFoundError, RollbackIncompleteError, UsageError } from '../errors.js';
import { throwIfAborted } from '../signals.js';
import { pinsOf } from './artifacts.js';
import { sameEtag } from './hash.js';
import { acquireLock, describeHolder, lockedError, lockedPorts, lockState, type LockBody } from './lock.js';
import { prevOf } from './plan.js';
import type { DeployPorts } from './ports.js';
import {
  ARTIFACT_FIELDS,
  ARTIFACT_KINDS,
  type GitInfo,
  type ObjectState,
  type ReleaseRecord,
  ReleaseStore,
  newReleaseId,
  previousRelease,
  resolveReleaseId,
  STATE_PREFIX,
  unfinishedReleases,
} from './records.js';
import {
  checkTarget,
  loadTarget,
  ownerScoped,
  refreshTarget,
  reportWarnings,
  statusFindings,
  throwOnErrors,
  type Finding,
  type Target,
} from './target.js';
import { describeFailure, executeRelease, undoRelease, type ArtifactOp, type KeyOp, type ReleaseSpec } from './transaction.js';
import { msg, question } from '../messages.js';

/** Rolls back an unfinished release from its journal (the caller holds the lock). */
export async function recoverRelease(id: string, target: Target, ports: DeployPorts): Promise<ReleaseRecord> {
  await ports.checkLock?.();
  const store = new ReleaseStore(ports.s3, target.bucket);
  const record = await store.read(id);
  if (!record)
    throw new NotFoundError(`release record ${id} is missing from s3://${target.bucket}/.mwaa/releases/`, { code: 'release.not-found' });
  ports.events(
    msg(
      'deploy.recover.started',
      { id },
      `rolling back unfinished release ${id} (${record.status}, started ${record.startedAt} by ${record.actor.user}@${record.actor.host})`,
    ),
  );
  const items = Object.entries(record.journal.keys).map(([key, prev]) => ({ key, prev, created: [] as string[] }));
  const undo = await undoRelease({
    ports,
    bucket: target.bucket,
    environment: target.name,
    dagPrefix: record.dagPrefix,
    items,
    pinsBefore: record.journal.envUpdate ? record.journal.pins : {},
    artifactKeys: record.journal.artifactKeys ?? {},
    envTouched: record.journal.envUpdate,
    // what MWAA cannot undo (an artifact set for the first time) is the end state, not a rollback left to do
    acceptUnremovable: true,
  });
  const reason = record.reason ?? 'it did not finish (the process ended before committing or rolling back)';
  record.status = undo.left.length === 0 ? 'rolled-back' : 'rollback-incomplete';
  record.reason = reason;
  record.finishedAt = new Date(ports.clock.now()).toISOString();
  if (undo.left.length) record.left = undo.left;
  else delete record.left;
  await store.save(record);
  if (undo.left.length > 0) {
    throw new RollbackIncompleteError(
      `the rollback of release ${id} did not complete; left as is:\n${undo.left.map((l) => `- ${l}`).join('\n')}`,
      {
        hint: `run \`mwaa recover\` again to finish rolling back release ${id} once the cause is fixed`,
        details: { release: id, left: undo.left },
      },
    );
  }
  ports.events(
    msg(
      'deploy.recover.done',
      { id },
      `rolled back unfinished release ${id}: ${undo.restoredKeys} object${undo.restoredKeys === 1 ? '' : 's'} checked and restored`,
    ),
  );
  return record;
}

export interface RollbackRequest {
  environment: string;
  configBucket?: string;
  /** release id (or unique prefix, `previous`); default: the one before current */
  releaseId?: string;
  wait: boolean;
  dryRun: boolean;
  yes?: boolean;
  message?: string;
  git?: GitInfo;
  /** parallel S3 writes (`--concurrency`; its default is declared once, in the command's spec) */
  concurrency: number;
  forceUnlock?: boolean;
  lockTtlMs?: number;
  command?: string;
}

export interface RollbackPlan {
  environment: string;
  bucket: string;
  target: string;
  current?: string;
  restore: Array<{ key: string; versionId: string; action: 'copy' }>;
  remove: string[];
  unchanged: number;
  artifacts: Array<{ kind: string; key: string; from?: string; to: string }>;
  /** artifacts the environment uses now but the target did not (MWAA cannot remove them) */
  kept: string[];
  empty: boolean;
}

export interface RollbackResult {
  status: 'dry-run' | 'up-to-date' | 'rolled-back' | 'recovered';
  plan?: RollbackPlan;
  release?: ReleaseRecord;
  recovered: ReleaseRecord[];
  findings: Finding[];
}

interface Computed {
  plan: RollbackPlan;
  spec: Omit<ReleaseSpec, 'id' | 'startedAt' | 'wait' | 'concurrency'>;
}

async function computeRollback(
  ports: DeployPorts,
  target: Target,
  store: ReleaseStore,
  targetId: string,
  currentId: string | undefined,
  request: RollbackRequest,
): Promise<Computed> {
  const wanted = await store.read(targetId);
  if (!wanted)
    throw new NotFoundError(`release record ${targetId} is missing from s3://${target.bucket}/.mwaa/releases/`, {
      code: 'release.not-found',
    });
  if (wanted.status !== 'succeeded') {
    throw new FailedError('release.not-restorable', `release ${targetId} is ${wanted.status}; only a succeeded release can be restored`, {
      hint: 'choose another one from `mwaa releases list`',
    });
  }
  if (wanted.dagPrefix !== target.dagPrefix) {
    throw new FailedError(
      'release.prefix-changed',
      `release ${targetId} deployed DAGs under ${wanted.dagPrefix}, but the environment now reads ${target.dagPrefix}`,
      {
        hint: 'restore it by hand, or push the project again',
      },
    );
  }
  const latest = new Map<string, VersionEntry>();
  for (const e of await ports.s3.listVersions(target.bucket, target.dagPrefix, { latestOnly: true })) {
    if (!e.key.startsWith(STATE_PREFIX)) latest.set(e.key, e);
  }
  const artifactKeys = new Set(Object.values(wanted.artifacts).map((a) => a?.key));
  const dagOps: KeyOp[] = [];
  const unchanged: Record<string, ObjectState> = {};
  for (const [key, state] of Object.entries(wanted.dags)) {
    const l = latest.get(key);
    if (l && !l.deleteMarker && (l.versionId === state.versionId || sameEtag(l.etag, state.etag))) {
      unchanged[key] = { ...state, versionId: l.versionId, etag: l.etag ?? state.etag };
      continue;
    }
    dagOps.push({
      key,
      prev: prevOf(l),
      action: 'copy',
      sourceVersionId: state.versionId,
      sha256: state.sha256,
      etag: state.etag,
      size: state.size,
    });
  }
  for (const [key, l] of latest) {
    if (l.deleteMarker || key in wanted.dags || artifactKeys.has(key) || key.endsWith('/')) continue;
    dagOps.push({ key, prev: prevOf(l), action: 'delete' });
  }
  // the versions to restore must still exist
  const limit = pLimit(request.concurrency);
  const missing: string[] = [];
  await Promise.all(
    dagOps
      .filter((o) => o.action === 'copy')
      .map((o) =>
        limit(async () => {
          if (!(await ports.s3.headObject(target.bucket, o.key, o.sourceVersionId)))
            missing.push(`${o.key} (version ${o.sourceVersionId})`);
        }),
      ),
  );

  const artifactOps: ArtifactOp[] = [];
  const pinsBefore: ReleaseSpec['pinsBefore'] = {};
  const kept: string[] = [];
  const unchangedArtifacts: ReleaseSpec['unchangedArtifacts'] = {};
  for (const kind of ARTIFACT_KINDS) {
    const want = wanted.artifacts[kind];
    const now = pinsOf(target.env, kind);
    if (!want) {
      if (now.version) kept.push(`${ARTIFACT_FIELDS[kind].label} ${now.path} version ${now.version}`);
      continue;
    }
    if (now.version === want.versionId && (now.path ?? '').replace(`s3://${target.bucket}/`, '') === want.key) {
      unchangedArtifacts[kind] = want;
      continue;
    }
    if (!(await ports.s3.headObject(target.bucket, want.key, want.versionId))) missing.push(`${want.key} (version ${want.versionId})`);
    const latestArtifact = (await ports.s3.listVersions(target.bucket, want.key, { latestOnly: true })).find((v) => v.key === want.key);
    artifactOps.push({
      kind,
      key: want.key,
      prev: prevOf(latestArtifact),
      pinVersion: want.versionId,
      sha256: want.sha256,
      size: want.size,
      etag: want.etag,
    });
    pinsBefore[kind] = now;
  }
  if (missing.length > 0) {
    throw new FailedError(
      'release.versions-missing',
      `release ${targetId} cannot be restored: ${missing.length} object version${missing.length === 1 ? ' is' : 's are'} gone from the bucket:\n${missing
        .slice(0, 20)
        .map((m) => `- ${m}`)
        .join('\n')}`,
      {
        hint: 'a lifecycle rule may expire noncurrent versions; choose a newer release',
      },
    );
  }
  const restore = dagOps
    .filter((o) => o.action === 'copy')
    .map((o) => ({ key: o.key, versionId: o.sourceVersionId as string, action: 'copy' as const }));
  const remove = dagOps.filter((o) => o.action === 'delete').map((o) => o.key);
  const plan: RollbackPlan = {
    environment: target.name,
    bucket: target.bucket,
    target: targetId,
    ...(currentId ? { current: currentId } : {}),
    restore,
    remove,
    unchanged: Object.keys(unchanged).length,
    artifacts: artifactOps.map((a) => ({
      kind: a.kind,
      key: a.key,
      ...(pinsBefore[a.kind]?.version ? { from: pinsBefore[a.kind]?.version } : {}),
      to: a.pinVersion as string,
    })),
    kept,
    empty: dagOps.length === 0 && artifactOps.length === 0,
  };
  const spec: Computed['spec'] = {
    kind: 'rollback',
    environment: target.name,
    bucket: target.bucket,
    dagPrefix: target.dagPrefix,
    message: request.message ?? `rollback to ${targetId}`,
    ...(request.git ? { git: request.git } : {}),
    ...(currentId ? { base: currentId } : {}),
    target: targetId,
    dagOps,
    artifactOps,
    pinsBefore,
    unchangedDags: unchanged,
    unchangedArtifacts,
    counts: { added: 0, changed: restore.length, removed: remove.length, unchanged: Object.keys(unchanged).length },
    changes: { added: [], changed: restore.map((r) => r.key), removed: remove },
    envUpdate: {
      needed: artifactOps.length > 0,
      reasons: artifactOps.map((a) => `${ARTIFACT_FIELDS[a.kind].label}: back to version ${a.pinVersion}`),
    },
  };
  return { plan, spec };
}

/** Unfinished releases of the environment, minus the one a running deploy holds the lock for. */
async function unfinishedOf(ports: DeployPorts, target: Target, store: ReleaseStore) {
  const [index, lock] = await Promise.all([store.readIndex(), lockState(ports, target.bucket)]);
  const running = lock.stale ? undefined : lock.holder;
  const unfinished = unfinishedReleases(index, target.name)
    .map((r) => r.id)
    .filter((id) => id !== running?.releaseId);
  return { index, lock, running, unfinished };
}

function announceUnfinished(ports: DeployPorts, unfinished: string[]): void {
  const one = unfinished.length === 1;
  ports.events(
    msg(
      'deploy.unfinished',
      { releases: unfinished },
      `release${one ? '' : 's'} ${unfinished.join(', ')} did not finish; rolling ${one ? 'it' : 'them'} back`,
    ),
  );
}

/** Asks before rolling back the unfinished releases (--yes skips it); a no cancels the command. */
async function confirmFinishing(
  ports: DeployPorts,
  unfinished: string[],
  yes: boolean | undefined,
  command: 'rollback' | 'recover',
): Promise<void> {
  if (yes) return;
  const ok = await ask(ports, `roll back the unfinished release${unfinished.length === 1 ? '' : 's'} ${unfinished.join(', ')}?`);
  if (!ok) throw new AbortedError(`${command} cancelled: nothing was changed`);
}

/** Rolls back the unfinished releases under the lock. */
async function finishUnfinished(
  ports: DeployPorts,
  target: Target,
  request: Pick<RollbackRequest, 'command' | 'lockTtlMs' | 'forceUnlock'>,
  unfinished: string[],
): Promise<ReleaseRecord[]> {
  const lock = await takeLock(ports, target, request, newReleaseId(ports.clock.now()));
  const recovered: ReleaseRecord[] = [];
  try {
    const held = lockedPorts(ports, lock);
    for (const id of unfinished) recovered.push(await recoverRelease(id, target, held));
  } finally {
    await releaseLock(lock, ports, target);
  }
  return recovered;
}

export async function rollback(request: RollbackRequest, unscoped: DeployPorts): Promise<RollbackResult> {
  const { clock, events } = unscoped;
  const startedAt = clock.now();
  const target = await loadTarget(unscoped, request.environment, request.configBucket);
  const ports = ownerScoped(unscoped, target);
  const findings = (await checkTarget(ports, target, { wait: request.wait })).filter((f) => f.code !== 'env.not-available' || request.wait);
  reportWarnings(findings, events);
  const store = new ReleaseStore(ports.s3, target.bucket);
  const { running, unfinished } = await unfinishedOf(ports, target, store);
  // a running deploy is not unfinished: refuse now, naming it, before judging anything
  if (running && !request.dryRun && !request.forceUnlock) throw lockedError(target.bucket, running);

  // Finishing an unfinished release comes first; without an explicit id it is all `mwaa rollback` does.
  if (unfinished.length > 0) {
    announceUnfinished(ports, unfinished);
    if (request.dryRun) return { status: 'dry-run', recovered: [], findings };
    await confirmFinishing(ports, unfinished, request.yes, 'rollback');
    const recovered = await finishUnfinished(ports, target, request, unfinished);
    if (!request.releaseId) return { status: 'recovered', recovered, findings };
    return { ...(await rollbackTo(request, ports, target, store, startedAt, findings)), recovered };
  }
  return rollbackTo(request, ports, target, store, startedAt, findings);
}

export interface RecoverRequest {
  environment: string;
  configBucket?: string;
  dryRun: boolean;
  yes?: boolean;
  forceUnlock?: boolean;
  lockTtlMs?: number;
  command?: string;
}

export interface RecoverResult {
  /** nothing-to-recover: nothing was changed */
  status: 'nothing-to-recover' | 'dry-run' | 'recovered';
  environment: string;
  /** the current release (after recovering) */
  current?: string;
  /** unfinished releases found */
  unfinished: string[];
  recovered: ReleaseRecord[];
  /** a deploy lock left by a deploy that no longer runs (the next deploy takes it over) */
  staleLock?: { holder: LockBody; reason: string };
}

/**
 * `mwaa recover`: finishes what an interrupted deploy left — every unfinished release is rolled back
 * from its journal — and changes nothing when nothing is unfinished (it says so, naming the current
 * release). Safe to run any number of times, and after any crash: it never goes back a release.
 */
export async function recover(request: RecoverRequest, unscoped: DeployPorts): Promise<RecoverResult> {
  const { events } = unscoped;
  const target = await loadTarget(unscoped, request.environment, request.configBucket);
  const ports = ownerScoped(unscoped, target);
  const store = new ReleaseStore(ports.s3, target.bucket);
  const { index, lock, running, unfinished } = await unfinishedOf(ports, target, store);
  if (running && !request.forceUnlock) throw lockedError(target.bucket, running);
  const base = { environment: target.name, unfinished };
  if (unfinished.length === 0) {
    const current = index.current[target.name];
    const staleLock = lock.holder && lock.stale ? { holder: lock.holder, reason: lock.stale } : undefined;
    return { status: 'nothing-to-recover', ...base, ...(current ? { current } : {}), recovered: [], ...(staleLock ? { staleLock } : {}) };
  }
  announceUnfinished(ports, unfinished);
  if (request.dryRun) return { status: 'dry-run', ...base, recovered: [] };
  reportWarnings(
    (await checkTarget(ports, target, { wait: true })).filter((f) => f.code !== 'env.not-available'),
    events,
  );
  await confirmFinishing(ports, unfinished, request.yes, 'recover');
  const recovered = await finishUnfinished(ports, target, request, unfinished);
  const current = (await store.readIndex()).current[target.name];
  return { status: 'recovered', ...base, ...(current ? { current } : {}), recovered };
}

export { describeHolder };

async function rollbackTo(
  request: RollbackRequest,
  ports: DeployPorts,
  target: Target,
  store: ReleaseStore,
  startedAt: number,
  findings: Finding[],
): Promise<RollbackResult> {
  throwOnErrors(findings);
  const index = await store.readIndex();
  const currentId = index.current[target.name];
  let targetId: string;
  if (request.releaseId) targetId = resolveReleaseId(index, target.name, request.releaseId);
  else {
    const prev = previousRelease(index, target.name);
    if (!prev) {
      throw new NotFoundError(
        currentId
          ? `environment ${target.name} has no succeeded release before the current one (${currentId}); nothing was changed`
          : `environment ${target.name} has no releases yet`,
        { code: 'release.not-found', hint: 'list them with `mwaa releases list`; after an interrupted deploy, `mwaa recover` finishes it' },
      );
    }
    // Going back a release is an explicit act: --yes alone never does it, a person is asked.
    if (request.yes && !request.dryRun) {
      throw new UsageError(
        `nothing is unfinished, and \`mwaa rollback\` without a release would go back from ${currentId} to ${prev}; nothing was changed`,
        {
          code: 'rollback.target-needed',
          hint: `name the release to go back to: \`mwaa rollback previous\` (${prev}) or \`mwaa rollback <release>\`; after an interrupted deploy, \`mwaa recover\` finishes it`,
          details: { current: currentId, previous: prev },
        },
      );
    }
    targetId = prev;
  }
  let computed = await computeRollback(ports, target, store, targetId, currentId, request);
  ports.events(
    msg(
      'deploy.rollback.plan',
      { plan: computed.plan },
      `rollback plan to ${targetId}: restore ${computed.plan.restore.length}, remove ${computed.plan.remove.length}, unchanged ${computed.plan.unchanged}; environment update: ${computed.plan.artifacts.length ? 'yes' : 'no'}`,
    ),
  );
  if (request.dryRun) return { status: 'dry-run', plan: computed.plan, recovered: [], findings };
  if (computed.plan.empty) return { status: 'up-to-date', plan: computed.plan, recovered: [], findings };
  checkEnvUpdate(computed, target);
  if (!request.yes) {
    const p = computed.plan;
    const question =
      `roll back ${target.name} to release ${targetId}${request.releaseId ? '' : ` (the one before ${currentId})`}: restore ${p.restore.length}, remove ${p.remove.length} DAG file${p.remove.length === 1 ? '' : 's'}` +
      `${p.artifacts.length ? `, re-pin ${p.artifacts.map((a) => a.kind).join(', ')} (environment update)` : ''}?`;
    let ok: boolean;
    try {
      ok = await ask(ports, question);
    } catch (error) {
      // nobody to ask: --yes would not do either when no release was named (see above)
      if (request.releaseId || !(error instanceof AbortedError)) throw error;
      throw new UsageError(
        `\`mwaa rollback\` without a release goes back from ${currentId} to ${targetId} and needs a person to confirm; nothing was changed`,
        {
          code: 'rollback.target-needed',
          hint: `name the release: \`mwaa rollback previous --yes\` (${targetId}) or \`mwaa rollback <release> --yes\`; after an interrupted deploy, \`mwaa recover\` finishes it`,
          details: { current: currentId, previous: targetId },
        },
      );
    }
    if (!ok) throw new AbortedError('rollback cancelled: nothing was changed');
  }
  const id = newReleaseId(ports.clock.now());
  const lock = await takeLock(ports, target, request, id);
  try {
    // plan again under the lock, against the environment as it is now (not as read before the prompt and the lock)
    const held = lockedPorts(ports, lock);
    const now = await refreshTarget(held, target);
    throwOnErrors(statusFindings(now, { wait: request.wait }));
    computed = await computeRollback(held, now, store, targetId, (await store.readIndex()).current[target.name], request);
    if (computed.plan.empty) return { status: 'up-to-date', plan: computed.plan, recovered: [], findings };
    checkEnvUpdate(computed, now);
    const release = await executeRelease(
      { ...computed.spec, id, startedAt, wait: request.wait, concurrency: request.concurrency, planMs: ports.clock.now() - startedAt },
      held,
    );
    return { status: 'rolled-back', plan: computed.plan, release, recovered: [], findings };
  } finally {
    await releaseLock(lock, ports, target);
  }
}

function checkEnvUpdate(computed: Computed, target: Target): void {
  if (computed.spec.envUpdate.needed && target.env.Status !== 'AVAILABLE' && target.env.Status !== 'UPDATE_FAILED') {
    throwOnErrors([
      {
        level: 'error',
        code: 'env.not-available',
        message: `environment ${target.name} is ${target.env.Status}; re-pinning artifacts needs it AVAILABLE`,
        fix: 'wait for it with `mwaa env wait`',
      },
    ]);
  }
}

function takeLock(ports: DeployPorts, target: Target, request: Pick<RollbackRequest, 'command' | 'lockTtlMs' | 'forceUnlock'>, id: string) {
  // Ctrl-C during planning or at a question: stop before the lock, the first write
  throwIfAborted(ports.signal);
  return acquireLock({
    s3: ports.s3,
    bucket: target.bucket,
    actor: ports.actor,
    command: request.command ?? 'mwaa rollback',
    environment: target.name,
    releaseId: id,
    clock: ports.clock,
    events: ports.events,
    ttlMs: request.lockTtlMs,
    force: request.forceUnlock,
    isProcessAlive: ports.isProcessAlive,
  });
}

async function releaseLock(lock: { release(): Promise<void> }, ports: DeployPorts, target: Target): Promise<void> {
  try {
    await lock.release();
  } catch (error) {
    ports.events(
      msg(
        'deploy.lock.release-failed',
        {},
        `could not remove the deploy lock s3://${target.bucket}/.mwaa/lock.json (${(error as Error).message}); the next deploy can take it over with --force-unlock`,
      ),
    );
  }
}

async function ask(ports: DeployPorts, text: string): Promise<boolean> {
  if (!ports.request) throw new AbortedError(`${text.replace(/\?$/, '')}: confirmation needed`, { hint: 'pass --yes to confirm' });
  return ports.request(question('confirm', undefined, text));
}

export { describeFailure };
