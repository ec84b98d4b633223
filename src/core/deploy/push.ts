/**
 * `mwaa dags push` / `mwaa dags diff`: scan the project, plan against the last release and the bucket,
 * and (unless it is a dry run or there is nothing to do) run the release transaction under the lock.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { VersionEntry } from '../ports/s3.js';
import { AbortedError, ConfigError } from '../errors.js';
import { buildArtifact, planArtifact, pinsOf, type BuiltArtifact } from './artifacts.js';
import { byRel, walkFiles } from './files.js';
import { digestFiles, md5OfFile, sameEtag, type HashedFile } from './hash.js';
import { loadIgnoreRule } from './ignore.js';
import { acquireLock, lockedError, lockedPorts, runningHolder, type LockBody } from './lock.js';
import { planDags, planToJson, summarizePlan, unchangedStates, type DeployPlan } from './plan.js';
import type { DeployPorts } from './ports.js';
import { ARTIFACT_KINDS, recordedEntry, type ArtifactKind, type GitInfo, type ObjectState, type ReleaseRecord, ReleaseStore, newReleaseId, unfinishedReleases, STATE_PREFIX } from './records.js';
import { throwIfAborted } from '../signals.js';
import { checkRequirements } from './requirements.js';
import { recoverRelease } from './rollback.js';
import { checkTarget, loadTarget, ownerScoped, refreshTarget, reportWarnings, statusFindings, throwOnErrors, type Finding, type Target } from './target.js';
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
  /** git metadata (may still be being read) */
  git?: GitInfo | Promise<GitInfo | undefined>;
  concurrency?: number;
  forceUnlock?: boolean;
  lockTtlMs?: number;
  /** overwrite drift without asking (--yes) */
  yes?: boolean;
  /** the command line, for the lock */
  command?: string;
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
  /** the local DAG files, minus the ones in `matched` */
  dags?: HashedFile[];
  /** entries of `matchedOf` whose local file has exactly the recorded sha256 and size (digestFiles) */
  matched?: Set<ObjectState>;
  matchedOf?: ReleaseRecord;
  /** the local DAGs folder */
  dagsRoot?: string;
  artifacts: BuiltArtifact[];
  findings: Finding[];
}

/**
 * The DAG files, hashed, each compared with the current release's entry (the record is read meanwhile;
 * hashing waits for it after the walk): a file exactly as recorded is kept as that entry (`matched`),
 * the others as hashed files. In a function of its own, so the walk's list goes when it returns.
 */
async function hashDags(
  dir: string,
  projectDir: string,
  concurrency: number,
  recorded: { prefix: string; record: Promise<ReleaseRecord | undefined> },
  signal?: AbortSignal,
): Promise<{ files: HashedFile[]; matched: Set<ObjectState>; matchedOf?: ReleaseRecord; skippedLinks: string[] }> {
  const walk = await walkFiles(dir, loadIgnoreRule(dir, projectDir));
  const record = await recorded.record;
  const matched = new Set<ObjectState>();
  const known = record ? (rel: string) => recordedEntry(record, recorded.prefix + rel) : undefined;
  const files = await digestFiles(walk, { concurrency: Math.max(8, concurrency * 2), signal, known, matched });
  return { files, matched, ...(record ? { matchedOf: record } : {}), skippedLinks: walk.skippedLinks };
}

/**
 * The scan's DAG files as plain hashed files again, for a plan against another record than the one
 * they were matched with (the record re-read under the lock is new objects, even when it is the same
 * release): each matched entry becomes the file it stands for.
 */
function unmatch(scan: Scan, prefix: string): void {
  const { matched, matchedOf } = scan;
  if (!scan.dags || !matched || matched.size === 0 || !matchedOf) return;
  for (const key of Object.keys(matchedOf.dags)) {
    const c = matchedOf.dags[key];
    if (matched.has(c)) scan.dags.push({ rel: key.slice(prefix.length), sha256: c.sha256, md5: undefined, size: c.size });
  }
  scan.dags.sort(byRel);
  scan.matched = undefined;
  scan.matchedOf = undefined;
}

async function scanProject(
  sources: ProjectSources,
  target: Target,
  concurrency: number,
  record: Promise<ReleaseRecord | undefined>,
  signal?: AbortSignal,
): Promise<Scan> {
  const findings: Finding[] = [];
  let dags: HashedFile[] | undefined;
  let matched: Pick<Scan, 'matched' | 'matchedOf'> = {};
  if (sources.dags) {
    let st;
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
    const hashed = await hashDags(sources.dags, sources.projectDir, concurrency, { prefix: target.dagPrefix, record }, signal);
    for (const link of hashed.skippedLinks) {
      findings.push({ level: 'warning', code: 'local.symlink-outside', message: `skipped ${link}: a symlink pointing outside the DAGs folder (or dangling)` });
    }
    dags = hashed.files;
    matched = { matched: hashed.matched, ...(hashed.matchedOf ? { matchedOf: hashed.matchedOf } : {}) };
  }
  const artifacts: BuiltArtifact[] = [];
  for (const kind of ARTIFACT_KINDS) {
    const source = sources[kind];
    if (!source) continue;
    const built = await buildArtifact(kind, source, sources.projectDir);
    for (const p of built.problems) findings.push({ level: p.level, code: `local.plugins-zip`, message: p.message, fix: p.fix });
    for (const link of built.skippedLinks) {
      findings.push({ level: 'warning', code: 'local.symlink-outside', message: `skipped plugins/${link}: a symlink pointing outside the plugins folder (or dangling)` });
    }
    if (kind === 'requirements') {
      for (const f of checkRequirements(Buffer.from(built.bytes).toString('utf8'), target.env.AirflowVersion)) {
        findings.push({ level: 'warning', code: f.code, message: f.message, fix: f.fix });
      }
    }
    artifacts.push(built);
  }
  return { dags, ...matched, ...(sources.dags ? { dagsRoot: sources.dags } : {}), artifacts, findings };
}

/** The bucket's DAG keys: listing entries, and the record entries the listing confirmed. */
interface RemoteDags {
  remote: Map<string, VersionEntry>;
  confirmed: Set<ObjectState>;
}

/**
 * The latest entry of every key under the DAG prefix, minus tool state, a page at a time: an entry that
 * is exactly what the current release recorded (version id and ETag) is kept as that record entry
 * (`confirmed`), so a bucket of 20,000 unchanged files costs a set of references, not 20,000 entries.
 */
async function remoteDags(ports: DeployPorts, target: Target, recorded: Promise<ReleaseRecord | undefined>): Promise<RemoteDags> {
  const remote = new Map<string, VersionEntry>();
  const confirmed = new Set<ObjectState>();
  let record: ReleaseRecord | undefined | null = null;
  await ports.s3.listVersions(target.bucket, target.dagPrefix, {
    latestOnly: true,
    signal: ports.signal,
    onPage: async (entries) => {
      if (record === null) record = await recorded;
      for (const e of entries) {
        if (e.key.startsWith(STATE_PREFIX) || e.key.endsWith('/')) continue;
        const c = recordedEntry(record, e.key);
        if (c && !e.deleteMarker && e.versionId === c.versionId && sameEtag(e.etag, c.etag)) confirmed.add(c);
        else remote.set(e.key, e);
      }
    },
  });
  return { remote, confirmed };
}

async function makePlan(
  ports: DeployPorts,
  target: Target,
  scan: Scan,
  record: ReleaseRecord | undefined,
  prune: boolean,
  listing?: RemoteDags,
): Promise<DeployPlan> {
  const artifacts = await Promise.all(scan.artifacts.map((built) => planArtifact({ built, env: target.env, bucket: target.bucket, s3: ports.s3, record })));
  let dags;
  if (scan.dags) {
    const { remote, confirmed } = listing ?? (await remoteDags(ports, target, Promise.resolve(record)));
    for (const a of artifacts) {
      remote.delete(a.key);
      const c = recordedEntry(record, a.key);
      if (c) confirmed.delete(c);
    }
    const root = scan.dagsRoot as string;
    if (scan.matchedOf !== record) unmatch(scan, target.dagPrefix);
    dags = planDags({ prefix: target.dagPrefix, local: scan.dags, matched: scan.matched, remote, confirmed, record, prune, md5Of: (rel) => md5OfFile(join(root, rel)) });
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
  const artifactOps: ArtifactOp[] = changed.map((a) => ({ kind: a.kind, key: a.key, prev: a.prev, bytes: a.bytes, sha256: a.sha256, size: a.size }));
  const pinsBefore = Object.fromEntries(changed.map((a) => [a.kind, a.pinned]));

  let unchangedDags: Record<string, ObjectState>;
  if (dags) {
    unchangedDags = unchangedStates(dags, record);
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
    else if (planned) unchangedArtifacts[kind] = { key: planned.key, versionId: pin.version, sha256: planned.pinnedSha256 ?? '', etag: '', size: planned.pinnedSha256 ? planned.size : 0 };
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
    concurrency: request.concurrency ?? 16,
    planMs: input.planMs,
    startedAt: input.startedAt,
  };
}

async function currentRecord(store: ReleaseStore, environment: string): Promise<ReleaseRecord | undefined> {
  const index = await store.readIndex();
  const id = index.current[environment];
  return id ? forPlanning(await store.read(id, { lean: true })) : undefined;
}

/**
 * The current release as a push needs it: its DAG and artifact entries, without the keys it changed or
 * journaled (after a first push of 20,000 files, 20,000 strings no plan reads). A record read `lean`
 * has skipped them already; one in another layout has them, and loses them here.
 */
function forPlanning(record: ReleaseRecord | undefined): ReleaseRecord | undefined {
  if (!record) return undefined;
  return { ...record, changes: { added: [], changed: [], removed: [] }, journal: { ...record.journal, keys: {} } };
}

interface Unlocked {
  findings: Finding[];
  scan: Scan;
  unfinished: string[];
  /** the holder of the deploy lock, when it is held by a deploy that still runs */
  running?: LockBody;
  plan: DeployPlan;
  planMs: number;
}

/**
 * Before the lock: the local scan, the bucket checks, the release state and the listing, read in
 * parallel, and a first plan (shown, and all a dry run needs). Its own function so that the listing and
 * the release record it read are let go when it returns (an async function keeps its locals alive
 * across every await, used or not).
 */
async function planUnlocked(request: PushRequest, ports: DeployPorts, target: Target, store: ReleaseStore, startedAt: number): Promise<Unlocked> {
  const { clock, events } = ports;
  const reading = (async () => {
    const index = await store.readIndex();
    const id = index.current[target.name];
    return { index, record: id ? forPlanning(await store.read(id, { lean: true })) : undefined };
  })();
  // hashing and the listing compare with the record as they go (its failure is reported through `reading`)
  const record = reading.then(
    (r) => r.record,
    () => undefined,
  );
  const [findings, scan, state, listing, running] = await Promise.all([
    checkTarget(ports, target, { wait: request.wait && !request.dryRun }),
    scanProject(request.sources, target, request.concurrency ?? 16, record, ports.signal),
    reading,
    request.sources.dags ? remoteDags(ports, target, record) : Promise.resolve(undefined),
    runningHolder(ports, target.bucket),
  ]);
  findings.push(...scan.findings);
  reportWarnings(findings, events);
  throwOnErrors(findings);

  // the release of a deploy that is running is not unfinished: it is being deployed
  const unfinished = unfinishedReleases(state.index, target.name)
    .map((r) => r.id)
    .filter((id) => id !== running?.releaseId);
  const plan = await makePlan(ports, target, scan, state.record, request.prune, listing);
  const planMs = clock.now() - startedAt;
  events(msg('deploy.plan', { plan: planToJson(plan), planMs }, planLine(plan)));
  return { findings, scan, unfinished, plan, planMs, ...(running ? { running } : {}) };
}

export async function push(request: PushRequest, unscoped: DeployPorts): Promise<PushResult> {
  const { clock, events } = unscoped;
  const startedAt = clock.now();

  let target = await loadTarget(unscoped, request.environment, request.configBucket);
  const ports = ownerScoped(unscoped, target);
  const store = new ReleaseStore(ports.s3, target.bucket);
  let first: Unlocked | undefined = await planUnlocked(request, ports, target, store, startedAt);
  const { findings, scan, unfinished, planMs } = first;
  // another deploy is running: say so now, before any question (the lock would refuse it anyway)
  if (first.running && !request.dryRun && !request.forceUnlock) throw lockedError(target.bucket, first.running);

  if (unfinished.length > 0) {
    events(msg('deploy.unfinished', { releases: unfinished }, `release${unfinished.length === 1 ? '' : 's'} ${unfinished.join(', ')} did not finish (the process ended or its rollback failed)`));
  }
  if (request.dryRun) return { status: 'dry-run', plan: first.plan, findings, recovered: [], unfinished };
  if (first.plan.empty && unfinished.length === 0) return { status: 'up-to-date', plan: first.plan, findings, recovered: [], unfinished };

  if (unfinished.length > 0 && !request.yes) {
    const ok = await ask(ports, question('confirm', undefined, `roll back the unfinished release${unfinished.length === 1 ? '' : 's'} ${unfinished.join(', ')} first?`));
    if (!ok) throw new AbortedError('push cancelled: an unfinished release must be rolled back first', { hint: 'run `mwaa recover` to finish it' });
  }
  if (first.plan.dags && first.plan.dags.drift.length > 0 && !request.yes) {
    const drift = first.plan.dags.drift.length;
    const ok = await ask(ports, question('deploy.drift', { count: drift }, `${drift} object${drift === 1 ? ' was' : 's were'} changed outside mwaa (see the plan); overwrite?`));
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
    // Under the lock: finish what a crashed deploy left, then plan again against what is there now.
    const fresh = await store.readIndex();
    for (const r of unfinishedReleases(fresh, target.name)) recovered.push(await recoverRelease(r.id, target, held));
    let record = fresh.current[target.name] ? await currentRecord(store, target.name) : undefined;
    // the environment as it is now: another deploy may have re-pinned it while this one waited
    target = await refreshTarget(held, target);
    throwOnErrors(statusFindings(target, { wait: request.wait }));
    first = undefined; // the first plan, its listing and record: replaced by what follows
    const final = await makePlan(held, target, scan, record, request.prune);
    scan.dags = undefined; // the hashes live on in the plan
    scan.matched = undefined;
    if (final.empty) return { status: 'up-to-date', plan: final, findings, recovered, unfinished };
    checkEnvUpdate(final, target);
    events(msg('deploy.plan.final', { counts: final.counts }, 'plan confirmed under the lock'));
    const git = await Promise.resolve(request.git).catch(() => undefined);
    const spec = pushSpec({ id, plan: final, target, record, request, git, startedAt, planMs });
    record = undefined; // what the release keeps of it is in the spec
    const release = await executeRelease(spec, held);
    return { status: 'deployed', plan: final, findings, release, recovered, unfinished };
  } finally {
    try {
      await lock.release();
    } catch (error) {
      events(msg('deploy.lock.release-failed', {}, `could not remove the deploy lock s3://${target.bucket}/.mwaa/lock.json (${(error as Error).message}); the next deploy can take it over with --force-unlock`));
    }
  }
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
