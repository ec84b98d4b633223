/**
 * `mwaa dags push` / `mwaa dags diff`: scan the project, plan against the last release and the bucket,
 * and (unless it is a dry run or there is nothing to do) run the release transaction under the lock.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, ConfigError, FailedError } from '../errors.js';
import { buildArtifact, planArtifact, pinsOf, type BuiltArtifact } from './artifacts.js';
import { walkFiles, type WalkResult } from './files.js';
import { digestFiles, md5OfFile, type HashedFile } from './hash.js';
import { currentObjects, latestVersions } from './listing.js';
import { loadIgnoreRule } from './ignore.js';
import { acquireLock, lockedError, lockedPorts, runningHolder, type LockBody } from './lock.js';
import {
  planDags,
  planToJson,
  summarizePlan,
  type ArtifactPlan,
  type DagPlan,
  type DagPlanInput,
  type DeployPlan,
  type RemoteObject,
} from './plan.js';
import type { DeployPorts } from './ports.js';
import {
  ARTIFACT_KINDS,
  recordedEntry,
  type ArtifactKind,
  type GitInfo,
  type ObjectState,
  type ReleaseIndex,
  type ReleaseRecord,
  ReleaseStore,
  newReleaseId,
  unfinishedReleases,
} from './records.js';
import { throwIfAborted } from '../signals.js';
import { checkRequirements } from './requirements.js';
import { recoverRelease } from './rollback.js';
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
import { executeRelease, type ArtifactOp, type KeyOp, type ReleaseSpec } from './transaction.js';
import { msg, question, type AnyQuestion } from '../messages.js';

export interface ProjectSources {
  /** the folder holding mwaa.yaml */
  projectDir: string;
  dags?: string;
  plugins?: string;
  requirements?: string;
  startupScript?: string;
}

export interface PushRequest {
  /** MWAA environment name */
  environment: string;
  sources: ProjectSources;
  /** `bucket:` of mwaa.yaml, checked against the environment's */
  configBucket?: string;
  prune: boolean;
  /** wait for (and check) the environment update; false = --no-wait */
  wait: boolean;
  dryRun: boolean;
  message?: string;
  /**
   * Reads the project's git metadata for the release record. Called once the push knows it will deploy,
   * so that it runs alongside the check, the questions and the lock; a push with nothing to deploy runs
   * no git at all.
   */
  git?: () => Promise<GitInfo | undefined>;
  /** parallel S3 writes (`--concurrency`; its default is declared once, in the command's spec) */
  concurrency: number;
  forceUnlock?: boolean;
  lockTtlMs?: number;
  /** overwrite drift without asking (--yes) */
  yes?: boolean;
  /** the command line, for the lock */
  command?: string;
  /**
   * The project check of `dags push` (docs/check.md, "The push gate"): awaited once the push knows it
   * will change something (the plan is not empty, or unfinished releases wait), before any question or
   * the lock; or when the pre-flight found errors, before they are reported, so that the check can list
   * everything it finds. It throws to stop the push. A push with nothing to deploy never runs it.
   */
  gate?: (environment: { airflowVersion?: string }) => Promise<void>;
}

export interface PushResult {
  status: 'dry-run' | 'up-to-date' | 'deployed';
  plan: DeployPlan;
  findings: Finding[];
  release?: ReleaseRecord;
  /** unfinished releases rolled back before this push */
  recovered: ReleaseRecord[];
  /** unfinished releases found (dry run: not touched) */
  unfinished: string[];
}

interface Scan {
  dags?: HashedFile[];
  /** the local DAGs folder */
  dagsRoot?: string;
  artifacts: BuiltArtifact[];
  findings: Finding[];
}

/** The DAGs folder's files, found (not read yet); a config error when the folder is not there. */
async function walkDags(sources: ProjectSources): Promise<WalkResult | undefined> {
  if (!sources.dags) return undefined;
  let st: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    st = await stat(sources.dags);
  } catch {
    st = undefined;
  }
  if (!st?.isDirectory()) {
    throw new ConfigError(`the DAGs folder ${sources.dags} does not exist`, undefined, {
      code: 'deploy.dags-missing',
      hint: 'create it, or fix `dags:` of the environment in mwaa.yaml',
    });
  }
  return walkFiles(sources.dags, loadIgnoreRule(sources.dags, sources.projectDir));
}

/**
 * The DAG files, hashed. A file whose sha256 the current release recorded shares the record's string
 * and skips its MD5 (the plan knows it from the recorded ETag); the record is read meanwhile.
 */
async function hashDags(
  walk: WalkResult,
  concurrency: number,
  recorded: { prefix: string; record: Promise<ReleaseRecord | undefined> },
  signal?: AbortSignal,
): Promise<HashedFile[]> {
  const record = await recorded.record;
  const known = record ? (rel: string) => recordedEntry(record, recorded.prefix + rel) : undefined;
  return digestFiles(walk, { concurrency: Math.max(8, concurrency * 2), signal, known });
}

async function scanProject(
  sources: ProjectSources,
  walking: Promise<WalkResult | undefined>,
  target: Target,
  concurrency: number,
  record: Promise<ReleaseRecord | undefined>,
  signal?: AbortSignal,
): Promise<Scan> {
  const findings: Finding[] = [];
  let dags: HashedFile[] | undefined;
  const walk = await walking;
  if (walk) {
    dags = await hashDags(walk, concurrency, { prefix: target.dagPrefix, record }, signal);
    for (const link of walk.skippedLinks) {
      findings.push({
        level: 'warning',
        code: 'local.symlink-outside',
        message: `skipped ${link}: a symlink pointing outside the DAGs folder (or dangling)`,
      });
    }
  }
  const artifacts: BuiltArtifact[] = [];
  for (const kind of ARTIFACT_KINDS) {
    const source = sources[kind];
    if (!source) continue;
    const built = await buildArtifact(kind, source, sources.projectDir);
    for (const p of built.problems) findings.push({ level: p.level, code: `local.plugins-zip`, message: p.message, fix: p.fix });
    for (const link of built.skippedLinks) {
      findings.push({
        level: 'warning',
        code: 'local.symlink-outside',
        message: `skipped plugins/${link}: a symlink pointing outside the plugins folder (or dangling)`,
      });
    }
    if (kind === 'requirements') {
      for (const f of checkRequirements(Buffer.from(built.bytes).toString('utf8'), target.env.AirflowVersion)) {
        findings.push({ level: 'warning', code: f.code, message: f.message, fix: f.fix });
      }
    }
    artifacts.push(built);
  }
  return { dags, ...(sources.dags ? { dagsRoot: sources.dags } : {}), artifacts, findings };
}

/** The keys the project's DAG files have in the bucket. */
function keysOf(target: Target, files: Array<{ rel: string }>): string[] {
  return files.map((f) => target.dagPrefix + f.rel);
}

/** Each artifact against the version the environment pins. */
function planArtifacts(ports: DeployPorts, target: Target, scan: Scan, record: ReleaseRecord | undefined): Promise<ArtifactPlan[]> {
  return Promise.all(scan.artifacts.map((built) => planArtifact({ built, env: target.env, bucket: target.bucket, s3: ports.s3, record })));
}

/**
 * The plan: artifacts against the environment's pins, DAG files against the record and the bucket's
 * current objects (`listing`, when already read). The listing has no version ids: the keys the plan
 * touches have theirs looked up, and the plan is made again with them.
 */
async function makePlan(
  ports: DeployPorts,
  target: Target,
  scan: Scan,
  record: ReleaseRecord | undefined,
  prune: boolean,
  listing?: Map<string, RemoteObject>,
): Promise<DeployPlan> {
  const artifacts = await planArtifacts(ports, target, scan, record);
  let dags: DagPlan | undefined;
  if (scan.dags) {
    const remote = listing ?? (await currentObjects(ports.s3, target.bucket, target.dagPrefix, keysOf(target, scan.dags), ports.signal));
    for (const a of artifacts) remote.delete(a.key);
    const root = scan.dagsRoot as string;
    const input: DagPlanInput = {
      prefix: target.dagPrefix,
      local: scan.dags,
      remote,
      record,
      prune,
      md5Of: (rel) => md5OfFile(join(root, rel)),
    };
    dags = planDags(input);
    const keys = dags.needsVersions;
    if (keys.length > 0) {
      const versions = await latestVersions(ports.s3, target.bucket, target.dagPrefix, keys, ports.signal);
      for (const key of keys) {
        const v = versions.get(key);
        if (v) remote.set(key, { etag: v.etag, size: v.size, versionId: v.versionId, deleteMarker: v.deleteMarker });
        else remote.delete(key);
      }
      dags = planDags({ ...input, versionsKnown: new Set(keys) });
      if (dags.needsVersions.length > 0) {
        throw new FailedError(
          'deploy.bucket-changed',
          `s3://${target.bucket}/${dags.needsVersions[0]} changed while the push was planning`,
          { hint: 'push again' },
        );
      }
    }
  }
  return summarizePlan(target.name, target.bucket, dags, artifacts);
}

/** The release spec of a push plan. */
export function pushSpec(input: {
  id: string;
  plan: DeployPlan;
  target: Target;
  record?: ReleaseRecord;
  request: PushRequest;
  git?: GitInfo;
  startedAt: number;
  planMs: number;
}): ReleaseSpec {
  const { plan, target, record, request } = input;
  const dags = plan.dags;
  // the plan's uploads and removals are the operations themselves
  const dagOps: KeyOp[] = [...(dags?.uploads ?? []), ...(dags?.removals ?? [])];
  const changed = plan.artifacts.filter((a) => a.change);
  const artifactOps: ArtifactOp[] = changed.map((a) => ({
    kind: a.kind,
    key: a.key,
    prev: a.prev,
    bytes: a.bytes,
    sha256: a.sha256,
    size: a.size,
  }));
  const pinsBefore = Object.fromEntries(changed.map((a) => [a.kind, a.pinned]));

  let unchangedDags: Record<string, ObjectState>;
  if (dags) {
    unchangedDags = { ...dags.unchanged };
    for (const key of dags.kept) {
      const c = record?.dags[key];
      if (c) unchangedDags[key] = c;
    }
  } else {
    unchangedDags = { ...(record?.dags ?? {}) };
  }
  const unchangedArtifacts: ReleaseSpec['unchangedArtifacts'] = {};
  for (const kind of ARTIFACT_KINDS) {
    if (changed.some((a) => a.kind === kind)) continue;
    const planned = plan.artifacts.find((a) => a.kind === kind);
    const pin = pinsOf(target.env, kind);
    if (!pin.version || !pin.path) continue;
    const recorded = record?.artifacts[kind];
    if (recorded && recorded.versionId === pin.version) unchangedArtifacts[kind] = recorded;
    else if (planned)
      unchangedArtifacts[kind] = {
        key: planned.key,
        versionId: pin.version,
        sha256: planned.pinnedSha256 ?? '',
        etag: '',
        size: planned.pinnedSha256 ? planned.size : 0,
      };
    else unchangedArtifacts[kind] = { key: pin.path, versionId: pin.version, sha256: '', etag: '', size: 0 };
  }
  return {
    id: input.id,
    kind: 'push',
    environment: target.name,
    bucket: target.bucket,
    dagPrefix: target.dagPrefix,
    ...(request.sources.dags ? { localRoot: request.sources.dags } : {}),
    ...(request.message ? { message: request.message } : {}),
    ...(input.git ? { git: input.git } : {}),
    ...(record ? { base: record.id } : {}),
    dagOps,
    artifactOps,
    pinsBefore: pinsBefore as ReleaseSpec['pinsBefore'],
    unchangedDags,
    unchangedArtifacts,
    counts: plan.counts,
    changes: {
      added: (dags?.uploads ?? []).filter((u) => u.kind === 'add').map((u) => u.key),
      changed: (dags?.uploads ?? []).filter((u) => u.kind === 'change').map((u) => u.key),
      removed: (dags?.removals ?? []).map((r) => r.key),
    },
    envUpdate: plan.envUpdate,
    wait: request.wait,
    concurrency: request.concurrency,
    planMs: input.planMs,
    startedAt: input.startedAt,
  };
}

/**
 * The current release as a push needs it: its DAG and artifact entries, without the keys it changed or
 * journaled (records.ts reads it `lean`).
 */
async function currentRecord(store: ReleaseStore, index: ReleaseIndex, environment: string): Promise<ReleaseRecord | undefined> {
  const id = index.current[environment];
  return id ? await store.read(id, { lean: true }) : undefined;
}

interface Planned {
  findings: Finding[];
  scan: Scan;
  /** the release state the plan was made against, and the ETag of the index it came from */
  index: ReleaseIndex;
  indexEtag?: string;
  record?: ReleaseRecord;
  unfinished: string[];
  /** the holder of the deploy lock, when it is held by a deploy that still runs */
  running?: LockBody;
  plan: DeployPlan;
  planMs: number;
}

/**
 * Before the lock: the local scan, the bucket checks, the release state and the bucket's current
 * objects, read in parallel, and the plan (shown, and all a dry run needs).
 */
async function planUnlocked(
  request: PushRequest,
  ports: DeployPorts,
  target: Target,
  store: ReleaseStore,
  startedAt: number,
): Promise<Planned> {
  const { clock, events } = ports;
  const reading = (async () => {
    const { index, etag } = await store.readIndexTagged();
    return { index, etag, record: await currentRecord(store, index, target.name) };
  })();
  // hashing compares with the record as it goes (a failure to read it is reported through `reading`)
  const record = reading.then(
    (r) => r.record,
    () => undefined,
  );
  // the listing is cut into ranges at the project's own files: it starts once they are found, not read
  const walking = walkDags(request.sources);
  const [findings, scan, state, listing, running] = await Promise.all([
    checkTarget(ports, target, { wait: request.wait && !request.dryRun }),
    scanProject(request.sources, walking, target, request.concurrency, record, ports.signal),
    reading,
    walking.then((walk) => walk && currentObjects(ports.s3, target.bucket, target.dagPrefix, keysOf(target, walk.files), ports.signal)),
    runningHolder(ports, target.bucket),
  ]);
  findings.push(...scan.findings);
  reportWarnings(findings, events);
  if (findings.some((f) => f.level === 'error')) await runGate(request, target);
  throwOnErrors(findings);

  // the release of a deploy that is running is not unfinished: it is being deployed
  const unfinished = unfinishedReleases(state.index, target.name)
    .map((r) => r.id)
    .filter((id) => id !== running?.releaseId);
  const plan = await makePlan(ports, target, scan, state.record, request.prune, listing);
  const planMs = clock.now() - startedAt;
  events(msg('deploy.plan', { plan: planToJson(plan), planMs }, planLine(plan)));
  return {
    findings,
    scan,
    index: state.index,
    ...(state.etag ? { indexEtag: state.etag } : {}),
    record: state.record,
    unfinished,
    plan,
    planMs,
    ...(running ? { running } : {}),
  };
}

export async function push(request: PushRequest, unscoped: DeployPorts): Promise<PushResult> {
  const { clock, events } = unscoped;
  const startedAt = clock.now();

  let target = await loadTarget(unscoped, request.environment, request.configBucket);
  const ports = ownerScoped(unscoped, target);
  const store = new ReleaseStore(ports.s3, target.bucket);
  const first = await planUnlocked(request, ports, target, store, startedAt);
  const { findings, scan, unfinished, planMs } = first;
  // another deploy is running: say so now, before any question (the lock would refuse it anyway)
  if (first.running && !request.dryRun && !request.forceUnlock) throw lockedError(target.bucket, first.running);

  if (unfinished.length > 0) {
    events(
      msg(
        'deploy.unfinished',
        { releases: unfinished },
        `release${unfinished.length === 1 ? '' : 's'} ${unfinished.join(', ')} did not finish (the process ended or its rollback failed)`,
      ),
    );
  }
  if (request.dryRun) return { status: 'dry-run', plan: first.plan, findings, recovered: [], unfinished };
  if (first.plan.empty && unfinished.length === 0) return { status: 'up-to-date', plan: first.plan, findings, recovered: [], unfinished };
  const gitRead = request.git?.().catch(() => undefined);
  // something will change: the check comes before any question and the lock
  await runGate(request, target);

  if (unfinished.length > 0 && !request.yes) {
    const ok = await ask(
      ports,
      question(
        'confirm',
        undefined,
        `roll back the unfinished release${unfinished.length === 1 ? '' : 's'} ${unfinished.join(', ')} first?`,
      ),
    );
    if (!ok)
      throw new AbortedError('push cancelled: an unfinished release must be rolled back first', {
        hint: 'run `mwaa recover` to finish it',
      });
  }
  if (first.plan.dags && first.plan.dags.drift.length > 0 && !request.yes) {
    const keys = first.plan.dags.drift.map((d) => d.key);
    const drift = keys.length;
    // the keys themselves, not "see the plan": with -q the plan is not on screen
    const named = drift <= 3 ? keys.join(', ') : `${keys.slice(0, 2).join(', ')} and ${drift - 2} more`;
    const ok = await ask(
      ports,
      question(
        'deploy.drift',
        { count: drift, keys },
        `${drift} object${drift === 1 ? ' was' : 's were'} changed outside mwaa (${named}); overwrite?`,
      ),
    );
    if (!ok) throw new AbortedError('push cancelled: nothing was changed');
  }
  checkEnvUpdate(first.plan, target);

  const id = newReleaseId(clock.now());
  // Ctrl-C during planning or at a question: stop before the lock, the first write
  throwIfAborted(ports.signal);
  const lock = await acquireLock({
    s3: ports.s3,
    bucket: target.bucket,
    actor: ports.actor,
    command: request.command ?? 'mwaa dags push',
    environment: target.name,
    releaseId: id,
    clock,
    events,
    ttlMs: request.lockTtlMs,
    force: request.forceUnlock,
    isProcessAlive: ports.isProcessAlive,
  });
  try {
    // losing the lock (taken over by another deploy) stops this one like Ctrl-C does, with rollback
    const held = lockedPorts(ports, lock);
    const recovered: ReleaseRecord[] = [];
    // Under the lock. When no release was written since planning (the index's ETag is the same) and
    // nothing is left to finish, the plan stands as made; else unfinished releases are rolled back and
    // the plan is made again against what is there now.
    // (the environment is read again alongside: it may have started updating, or been re-pinned, while
    // this push asked its questions or waited for the lock)
    const [changed, refreshed] = await Promise.all([store.indexIfChanged(first.indexEtag), refreshTarget(held, target)]);
    target = refreshed;
    throwOnErrors(statusFindings(target, { wait: request.wait }));
    let plan = first.plan;
    let record = first.record;
    if (changed || unfinished.length > 0) {
      const index = changed ?? first.index;
      for (const r of unfinishedReleases(index, target.name)) recovered.push(await recoverRelease(r.id, target, held));
      record = await currentRecord(store, recovered.length > 0 ? await store.readIndex() : index, target.name);
      plan = await makePlan(held, target, scan, record, request.prune);
      events(msg('deploy.plan.final', { counts: plan.counts }, 'plan made again under the lock: the release state changed since planning'));
    } else if (plan.envUpdate.needed) {
      // the artifacts against the pins as they are now
      plan = summarizePlan(target.name, target.bucket, plan.dags, await planArtifacts(held, target, scan, record));
    }
    if (plan.empty) return { status: 'up-to-date', plan, findings, recovered, unfinished };
    scan.dags = undefined; // the hashes live on in the plan
    checkEnvUpdate(plan, target);
    const git = await gitRead;
    const spec = pushSpec({ id, plan, target, record, request, git, startedAt, planMs });
    const release = await executeRelease(spec, held);
    return { status: 'deployed', plan, findings, release, recovered, unfinished };
  } finally {
    try {
      await lock.release();
    } catch (error) {
      events(
        msg(
          'deploy.lock.release-failed',
          {},
          `could not remove the deploy lock s3://${target.bucket}/.mwaa/lock.json (${(error as Error).message}); the next deploy can take it over with --force-unlock`,
        ),
      );
    }
  }
}

function runGate(request: PushRequest, target: Target): Promise<void> {
  const airflowVersion = target.env.AirflowVersion;
  return request.gate ? request.gate(airflowVersion ? { airflowVersion } : {}) : Promise.resolve();
}

/** An environment update needs the environment AVAILABLE (or UPDATE_FAILED, which is usable). */
function checkEnvUpdate(plan: DeployPlan, target: Target): void {
  if (plan.envUpdate.needed && target.env.Status !== 'AVAILABLE' && target.env.Status !== 'UPDATE_FAILED') {
    throwOnErrors([
      {
        level: 'error',
        code: 'env.not-available',
        message: `environment ${target.name} is ${target.env.Status}; ${plan.envUpdate.reasons.join('; ')} needs an environment update, which needs it AVAILABLE`,
        fix: 'wait for it with `mwaa env wait` and push again',
      },
    ]);
  }
}

/** One line: "3 added, 1 changed, 0 removed, 120 unchanged; environment update: no". */
export function planLine(plan: DeployPlan): string {
  const c = plan.counts;
  return `plan: ${c.added} added, ${c.changed} changed, ${c.removed} removed, ${c.unchanged} unchanged; environment update: ${plan.envUpdate.needed ? `yes (${plan.envUpdate.reasons.join('; ')})` : 'no'}`;
}

async function ask(ports: DeployPorts, q: AnyQuestion): Promise<boolean> {
  if (!ports.request) throw new AbortedError(`${q.text.replace(/\?$/, '')}: confirmation needed`, { hint: 'pass --yes to confirm' });
  return ports.request(q);
}

export type { ArtifactKind };
