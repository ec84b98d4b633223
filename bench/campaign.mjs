// Fault campaign: `mwaa dags push` run as a user runs it (node bin/mwaa.cjs, a clean environment) against
// `mwaa local start` as a separate process, interrupted or disturbed at random moments, and the bucket
// and the environment checked afterwards through the emulator's S3 and MWAA APIs. Five categories:
//
//   1 kill -9 of the push, then `mwaa recover --yes` (twice: the second run must change nothing)
//   2 SIGINT of the push
//   3 injected S3/MWAA faults (500s, 403s, failed environment updates, delays)
//   4 kill -9 of the emulator mid-push, restarted over the same state directory, then recover
//   5 a stale deploy lock, then N pushes racing for it, some of their lock calls delayed
//
// The invariant everywhere: the user-visible state (every key's latest version outside .mwaa/, and the
// environment's pinned plugins/requirements versions) is either exactly as before the push or exactly
// what the push would have made (compared by content with the project on disk) — never a mix — and the
// exit code says which.
//
// Each trial draws from its own PRNG seeded by (--seed, category, round), so one trial can be re-run
// alone: `--only <category> --round <n>` (timing on a loaded machine still varies).
//
// Reproduce: npm run build && node bench/campaign.mjs [--seed 1] [--rounds 5] [--only 1,3] [--round 2] [--verbose]
//            exit 1 when any trial violates the invariant; stops by itself: each category has a time budget
//            (without --rounds) and no trial starts after 230 s.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CreateEnvironmentCommand, GetEnvironmentCommand, MWAAClient } from '@aws-sdk/client-mwaa';
import { GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { unzipSync } from 'fflate';
import { benchEnv, versionedBucket } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.MWAA_BENCH_BIN || join(root, 'bin', 'mwaa.cjs');
const REGION = 'us-east-1';
const CRED = { accessKeyId: 'mwaa-local', secretAccessKey: 'mwaa-local' };
const LOCK_KEY = '.mwaa/lock.json';
const INDEX_KEY = '.mwaa/releases/index.json';
const AIRFLOW = '2.10.3';
const CONSTRAINT = `--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-${AIRFLOW}/constraints-3.11.txt"`;
/** no single mwaa process may take longer than this (a hang is a violation, not a stuck campaign) */
const PROCESS_TIMEOUT_MS = 60_000;
/** the whole campaign stops starting trials after this (it must end within 5 minutes) */
const DEADLINE_MS = 230_000;

/**
 * rounds: the default number of trials; budgetS: no further trial of the category starts after this many
 * seconds of it (at least one runs), so that on a loaded machine every category still gets its turn
 * and the whole run stays under 5 minutes (the budgets add up to 220 s; a trial takes up to ~25 s at a
 * load average of 12 on 2 cores).
 */
const CATEGORIES = {
  1: { name: 'kill -9 push + recover', rounds: 5, budgetS: 40, run: killPushTrial },
  2: { name: 'SIGINT push', rounds: 5, budgetS: 35, run: sigintTrial },
  3: { name: 'injected S3/MWAA faults', rounds: 8, budgetS: 45, run: faultTrial },
  4: { name: 'kill -9 emulator + recover', rounds: 3, budgetS: 40, run: killEmulatorTrial },
  5: { name: 'stale lock + racing pushes', rounds: 4, budgetS: 60, run: lockRaceTrial },
};

// ------------------------------------------------------------------------------------------------
// Options, PRNG
// ------------------------------------------------------------------------------------------------

const { values: argv } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    rounds: { type: 'string' },
    only: { type: 'string' },
    round: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const SEED = Number(argv.seed);
// the SDK clients of this script, like bin/mwaa.cjs: no warning that future SDK releases need Node 22
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const VERBOSE = argv.verbose;
const log = (...a) => VERBOSE && console.error('  ', ...a);

/** mulberry32: small, fast, good enough to pick moments and subsets reproducibly */
function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One PRNG per trial, so that a trial's choices do not depend on which trials ran before it. */
function trialRng(seed, category, round) {
  const h = createHash('sha256').update(`${seed}/${category}/${round}`).digest();
  const next = mulberry32(h.readUInt32LE(0));
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha = (buf) => createHash('sha256').update(buf).digest('hex');

// ------------------------------------------------------------------------------------------------
// Processes: the emulator and mwaa, spawned as a user would
// ------------------------------------------------------------------------------------------------

/** The environment a user's shell would give mwaa: no AWS profile or config from this machine. */
function cliEnv(url) {
  return benchEnv({
    AWS_ACCESS_KEY_ID: CRED.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CRED.secretAccessKey,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ENDPOINT_URL: url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
}

/** `mwaa local start` over stateDir (port 0: any); resolves once it announces its URL. Short simulated durations. */
function startEmulator(stateDir, port = 0) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--json',
        'local',
        'start',
        '--port',
        String(port),
        '--state-dir',
        stateDir,
        '--create-seconds',
        '0.1',
        '--update-seconds',
        '0.1',
        '--delete-seconds',
        '0.1',
      ],
      { env: cliEnv(''), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        const url = JSON.parse(line).url;
        resolve({ child, url, port: Number(new URL(url).port), exited: new Promise((r) => child.on('close', r)) });
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => reject(new Error(`mwaa local start exited (${code}): ${err}`)));
  });
}

async function stopEmulator(emu) {
  if (emu.child.exitCode !== null || emu.child.signalCode !== null) return;
  emu.child.kill('SIGINT');
  await emu.exited;
}

/**
 * Spawns `node bin/mwaa.cjs --endpoint-url <url> --yes <args>` in cwd. `done` resolves with the exit
 * code (a death by signal counts as 128 + signal number, as a shell reports it), stdout and stderr.
 */
function mwaa(url, cwd, args) {
  const child = spawn(process.execPath, [BIN, '--endpoint-url', url, '--yes', ...args], {
    cwd,
    env: cliEnv(url),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_TIMEOUT_MS);
  const started = Date.now();
  const done = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const bySignal = { SIGINT: 130, SIGKILL: 137, SIGTERM: 143 };
      resolve({
        code: code ?? bySignal[signal] ?? 128,
        signal,
        stdout,
        stderr,
        ms: Date.now() - started,
        timedOut: Date.now() - started >= PROCESS_TIMEOUT_MS,
      });
    }),
  );
  return { child, done, stderr: () => stderr };
}

const run = (url, cwd, args) => mwaa(url, cwd, args).done;

/**
 * `mwaa recover` is being added on another branch. Until it exists, what it will do is emulated with
 * what exists: `mwaa rollback --yes` finishes unfinished releases, but when there are none it rolls
 * back the current release, which recover must never do: so it is only run when the index lists an
 * unfinished release. (`mwaa <unknown> --help` exits 0 with the root help, hence the Usage check.)
 */
const HAS_RECOVER = (() => {
  const r = spawnSync(process.execPath, [BIN, 'recover', '--help'], { encoding: 'utf8', env: cliEnv('') });
  return r.status === 0 && /Usage: mwaa recover/.test(r.stdout);
})();

async function recover(t) {
  if (HAS_RECOVER) return run(t.url, t.dir, ['recover']);
  const unfinished = (await readIndex(t)).releases.filter(
    (r) => r.environment === t.env && (r.status === 'in-progress' || r.status === 'rollback-incomplete'),
  );
  if (unfinished.length === 0)
    return { code: 0, stdout: 'nothing to recover (emulated: no unfinished release in the index)', stderr: '', emulated: true };
  return run(t.url, t.dir, ['rollback']);
}

// ------------------------------------------------------------------------------------------------
// The emulator's APIs: setup, faults, reading the state
// ------------------------------------------------------------------------------------------------

function clients(url) {
  return {
    s3: new S3Client({ endpoint: url, region: REGION, credentials: CRED, forcePathStyle: true }),
    mwaa: new MWAAClient({ endpoint: url, region: REGION, credentials: CRED, disableHostPrefix: true }),
  };
}

async function control(url, method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const addFault = (url, spec) => control(url, 'POST', '/_mwaa_local/faults', spec);
const clearFaults = (url) => control(url, 'DELETE', '/_mwaa_local/faults');

/** A versioned, private bucket and an AVAILABLE environment reading DAGs from it (what `mwaa env create` would make). */
async function createWorld(c, bucket, env) {
  await versionedBucket(c.s3, bucket);
  await c.mwaa.send(
    new CreateEnvironmentCommand({
      Name: env,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/campaign',
      SourceBucketArn: `arn:aws:s3:::${bucket}`,
      DagS3Path: 'dags',
      AirflowVersion: AIRFLOW,
      NetworkConfiguration: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0a'] },
    }),
  );
  await envSettled(c, env);
}

/** Polls until the environment is no longer moving (an update started by a killed push ends by itself). */
async function envSettled(c, env) {
  const start = Date.now();
  for (;;) {
    const e = (await c.mwaa.send(new GetEnvironmentCommand({ Name: env }))).Environment;
    if (!['CREATING', 'UPDATING', 'ROLLING_BACK'].includes(e.Status)) return e;
    if (Date.now() - start > 20_000) throw new Error(`environment ${env} stays ${e.Status}`);
    await sleep(50);
  }
}

async function listVersions(c, bucket) {
  const all = [];
  let KeyMarker;
  let VersionIdMarker;
  for (;;) {
    const page = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    for (const v of page.Versions ?? []) all.push({ key: v.Key, versionId: v.VersionId, latest: v.IsLatest, marker: false });
    for (const m of page.DeleteMarkers ?? []) all.push({ key: m.Key, versionId: m.VersionId, latest: m.IsLatest, marker: true });
    if (!page.IsTruncated) return all;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

/**
 * What a user sees: the latest version of every key outside .mwaa/ (a delete marker as "marker:<id>"),
 * the pinned artifact versions, and, to tell whether a command changed anything at all, the tool's own
 * state (latest versions under .mwaa/ and the number of versions overall).
 */
async function snapshot(t) {
  const c = t.c;
  const versions = await listVersions(c, t.bucket);
  const latest = {};
  const tool = {};
  for (const v of versions) {
    if (!v.latest) continue;
    const id = v.marker ? `marker:${v.versionId}` : v.versionId;
    if (v.key.startsWith('.mwaa/')) tool[v.key] = id;
    else latest[v.key] = id;
  }
  const e = await envSettled(c, t.env);
  const pins = {
    plugins: e.PluginsS3Path ? `${e.PluginsS3Path}@${e.PluginsS3ObjectVersion}` : undefined,
    requirements: e.RequirementsS3Path ? `${e.RequirementsS3Path}@${e.RequirementsS3ObjectVersion}` : undefined,
  };
  return { latest, pins, tool, versionCount: versions.length, status: e.Status };
}

async function getBody(c, bucket, key, versionId) {
  try {
    const out = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    return Buffer.from(await out.Body.transformToByteArray());
  } catch (e) {
    if (e?.$metadata?.httpStatusCode === 404) return undefined;
    throw e;
  }
}

async function readIndex(t) {
  const body = await getBody(t.c, t.bucket, INDEX_KEY);
  return body ? JSON.parse(body.toString('utf8')) : { current: {}, releases: [] };
}

// ------------------------------------------------------------------------------------------------
// The project: a small DAG folder, plugins and requirements, changed at random
// ------------------------------------------------------------------------------------------------

const dagText = (name, rev) =>
  `from airflow import DAG\nfrom datetime import datetime\n\nwith DAG("${name}", start_date=datetime(2024, 1, 1), schedule=None) as dag:\n    pass\n# revision ${rev}\n`;

/** A project as a map rel path -> text: 10-16 DAGs in three folders, two plugin files, requirements. */
function initialProject(rng) {
  const files = {};
  const n = rng.int(10, 16);
  for (let i = 0; i < n; i++) files[`dags/${['', 'team_a/', 'team_b/'][i % 3]}dag_${i}.py`] = dagText(`dag_${i}`, 0);
  files['plugins/hooks/__init__.py'] = '';
  files['plugins/hooks/campaign_hook.py'] = 'HOOK = 0\n';
  files['requirements.txt'] = `${CONSTRAINT}\nrequests==2.31.0\n`;
  return files;
}

/** A random change: some DAGs edited, added, removed; sometimes the plugins or requirements too (an environment update). */
function mutate(rng, files, tag, { dagsOnly = false } = {}) {
  const next = { ...files };
  const dags = Object.keys(next).filter((k) => k.startsWith('dags/'));
  let changed = 0;
  for (const k of dags) {
    const r = rng.next();
    if (r < 0.3) {
      next[k] = dagText(k, tag);
      changed++;
    } else if (r < 0.4 && dags.length > 3) {
      delete next[k];
      changed++;
    }
  }
  for (let i = rng.int(0, 2); i > 0; i--) {
    next[`dags/new_${tag}_${i}.py`] = dagText(`new_${tag}_${i}`, tag);
    changed++;
  }
  if (changed === 0) next[dags[0]] = dagText(dags[0], tag);
  if (dagsOnly) return next;
  if (rng.chance(0.3)) next['plugins/hooks/campaign_hook.py'] = `HOOK = "${tag}"\n`;
  if (rng.chance(0.3)) next['requirements.txt'] = `${CONSTRAINT}\nrequests==2.31.0\n# ${tag}\n`;
  return next;
}

function writeProject(dir, bucket, env, files) {
  rmSync(join(dir, 'dags'), { recursive: true, force: true });
  rmSync(join(dir, 'plugins'), { recursive: true, force: true });
  const yaml = [
    'environments:',
    '  campaign:',
    `    name: ${env}`,
    `    bucket: ${bucket}`,
    `    region: ${REGION}`,
    '    dags: ./dags',
    '    plugins: ./plugins',
    '    requirements: ./requirements.txt',
    '',
  ];
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'mwaa.yaml'), yaml.join('\n'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

// ------------------------------------------------------------------------------------------------
// The invariant
// ------------------------------------------------------------------------------------------------

/** Differences from the state before: every latest version and pin must be exactly the same. */
function diffFromBefore(before, now) {
  const out = [];
  for (const k of new Set([...Object.keys(before.latest), ...Object.keys(now.latest)])) {
    if (before.latest[k] !== now.latest[k]) out.push(`${k}: ${before.latest[k] ?? 'absent'} -> ${now.latest[k] ?? 'absent'}`);
  }
  for (const k of Object.keys(before.pins)) if (before.pins[k] !== now.pins[k]) out.push(`${k} pin: ${before.pins[k]} -> ${now.pins[k]}`);
  return out;
}

/**
 * Differences from what the push of `files` would have made, by content: each DAG's latest version has
 * the file's bytes, no other DAG key is live, and the pinned plugins.zip / requirements.txt versions hold
 * the project's plugins and requirements.
 */
async function diffFromRelease(t, files, now) {
  const out = [];
  const wanted = new Map(Object.entries(files).filter(([k]) => k.startsWith('dags/')));
  for (const [key, text] of wanted) {
    const v = now.latest[key];
    if (!v || v.startsWith('marker:')) out.push(`${key}: missing`);
    else if (sha((await getBody(t.c, t.bucket, key, v)) ?? Buffer.alloc(0)) !== sha(Buffer.from(text))) out.push(`${key}: old content`);
  }
  for (const [key, v] of Object.entries(now.latest)) {
    if (key.startsWith('dags/') && !wanted.has(key) && !v.startsWith('marker:')) out.push(`${key}: should be deleted`);
  }
  const pinned = async (pin) => {
    if (!pin) return undefined;
    const [path, version] = pin.split('@');
    return getBody(t.c, t.bucket, path.replace(/^s3:\/\/[^/]+\//, ''), version);
  };
  const req = await pinned(now.pins.requirements);
  if (!req || req.toString('utf8') !== files['requirements.txt']) out.push('requirements pin: not the project requirements.txt');
  const zip = await pinned(now.pins.plugins);
  const plugins = Object.entries(files).filter(([k]) => k.startsWith('plugins/'));
  let entries = {};
  try {
    entries = zip ? unzipSync(new Uint8Array(zip)) : {};
  } catch {
    out.push('plugins pin: not a zip');
  }
  const names = Object.keys(entries).filter((n) => !n.endsWith('/'));
  const sameZip =
    names.length === plugins.length &&
    plugins.every(
      ([k, text]) => entries[k.slice('plugins/'.length)] && Buffer.from(entries[k.slice('plugins/'.length)]).toString('utf8') === text,
    );
  if (!sameZip) out.push('plugins pin: not the project plugins');
  return out;
}

/** "before", "release" or "mixed" (with what differs from each). */
async function classify(t, before, files, now) {
  const fromBefore = diffFromBefore(before, now);
  if (fromBefore.length === 0) return { state: 'before' };
  const fromRelease = await diffFromRelease(t, files, now);
  if (fromRelease.length === 0) return { state: 'release' };
  return {
    state: 'mixed',
    detail: `vs before: ${fromBefore.slice(0, 3).join('; ')}${fromBefore.length > 3 ? '; …' : ''} | vs release: ${fromRelease.slice(0, 3).join('; ')}${fromRelease.length > 3 ? '; …' : ''}`,
  };
}

/** The releases the index gained since `beforeIndex`. */
async function newReleases(t, beforeIndex) {
  const known = new Set(beforeIndex.releases.map((r) => r.id));
  return (await readIndex(t)).releases.filter((r) => !known.has(r.id));
}

/**
 * After a push that may have been cut short and a recover: the state is before or release; release
 * only with the push's release recorded succeeded (and current); no release left unfinished.
 */
async function checkRecovered(t, v, before, beforeIndex, files, what) {
  const now = await snapshot(t);
  const s = await classify(t, before, files, now);
  if (s.state === 'mixed') v(`${what}: a mix of before and the release: ${s.detail}`);
  const fresh = await newReleases(t, beforeIndex);
  const pushes = fresh.filter((r) => r.kind === 'push');
  const unfinished = fresh.filter((r) => r.status === 'in-progress' || r.status === 'rollback-incomplete');
  if (unfinished.length) v(`${what}: releases left unfinished: ${unfinished.map((r) => `${r.id} ${r.status}`).join(', ')}`);
  if (s.state === 'release') {
    const ok = pushes.find((r) => r.status === 'succeeded');
    if (!ok)
      v(
        `${what}: the bucket is the release's, but no push release is recorded succeeded (${pushes.map((r) => `${r.id} ${r.status}`).join(', ') || 'none'})`,
      );
    else if ((await readIndex(t)).current[t.env] !== ok.id) v(`${what}: release ${ok.id} succeeded but is not current`);
  }
  if (s.state === 'before' && pushes.some((r) => r.status === 'succeeded'))
    v(`${what}: the bucket is as before, but release ${pushes.find((r) => r.status === 'succeeded').id} is recorded succeeded`);
  return { state: s.state, now };
}

/** `mwaa recover --yes` once more: exit 0, "nothing to recover", nothing changed (not even under .mwaa/). */
async function checkRecoverIdempotent(t, v) {
  const before = await snapshot(t);
  const r = await recover(t);
  const after = await snapshot(t);
  if (r.code !== 0) v(`second recover: exit ${r.code}: ${firstLine(r.stderr)}`);
  if (HAS_RECOVER && !/nothing to recover/i.test(r.stdout))
    v(`second recover: stdout does not say "nothing to recover": ${firstLine(r.stdout)}`);
  const d = diffFromBefore(before, after);
  if (d.length) v(`second recover changed the bucket: ${d.slice(0, 3).join('; ')}`);
  const toolChanged = Object.keys({ ...before.tool, ...after.tool }).filter((k) => before.tool[k] !== after.tool[k]);
  if (toolChanged.length || before.versionCount !== after.versionCount) {
    v(`second recover changed the tool state: ${toolChanged.join(', ') || `${after.versionCount - before.versionCount} new versions`}`);
  }
}

/** The CLI's error line ("error: ...") of a stderr, else its last line: what a violation quotes. */
const firstLine = (s) => {
  const lines = (s || '').trim().split('\n').filter(Boolean);
  return (lines.find((l) => l.startsWith('error:')) ?? lines.at(-1) ?? '').slice(0, 200);
};

// ------------------------------------------------------------------------------------------------
// Trials
// ------------------------------------------------------------------------------------------------

/**
 * A fresh bucket and environment on the emulator at url, a project folder, and a first push that must
 * succeed (the base every trial starts from). Returns the trial context.
 */
async function setupTrial(ctx, rng, name, url = ctx.url, c = ctx.c) {
  const t = { url, c, bucket: `camp-${name}`, env: `camp-${name}`, dir: join(ctx.tmp, name) };
  await createWorld(c, t.bucket, t.env);
  t.files = initialProject(rng);
  writeProject(t.dir, t.bucket, t.env, t.files);
  // the first push is the yardstick of interruptMoment(): when its lock appeared, how long it held it
  const p = mwaa(url, t.dir, ['dags', 'push']);
  const lockAt = await lockAppears(t, p);
  const first = await p.done;
  if (first.code !== 0) throw new Error(`setup: the first push exited ${first.code}: ${first.stderr.slice(-500)}`);
  t.pushMs = first.ms;
  t.lockedMs = Math.max(100, first.ms - (lockAt ?? first.ms));
  return t;
}

/** Polls until push p's deploy lock exists (ms after its start) or p has ended (undefined). */
async function lockAppears(t, p) {
  const started = Date.now();
  let ended = false;
  p.done.then(() => (ended = true));
  while (!ended) {
    if (await lockHeld(t)) return Date.now() - started;
    await sleep(10);
  }
  return undefined;
}

/**
 * Waits for a random moment to interrupt push `p`. Start-up and planning take most of a small push and
 * change nothing, so a uniform moment would mostly interrupt before the first change: a quarter of the
 * moments are drawn from the early part, the others from after the deploy lock appears (the push is
 * about to change the bucket) until 60% of the time the first push held its lock (it uploaded
 * everything and updated the environment: later pushes are often shorter, so some finish first).
 * Returns when the moment has come or the push has ended, and says which part it was drawn from.
 */
async function interruptMoment(t, rng, p) {
  if (rng.chance(0.25)) {
    await Promise.race([sleep(rng.int(0, Math.round((t.pushMs - t.lockedMs) * 0.8))), p.done]);
    return 'early';
  }
  const extra = rng.int(0, Math.round(t.lockedMs * 0.6));
  await lockAppears(t, p);
  await Promise.race([sleep(extra), p.done]);
  return `lock+${extra}ms`;
}

const lockHeld = (t) =>
  t.c.s3.send(new HeadObjectCommand({ Bucket: t.bucket, Key: LOCK_KEY })).then(
    () => true,
    () => false,
  );

/** Changes the project at random (with `envUpdate`: requirements.txt too) and takes the "before" snapshot. */
async function nextPush(t, rng, tag, { envUpdate = false } = {}) {
  t.files = mutate(rng, t.files, tag);
  if (envUpdate) t.files['requirements.txt'] = `${CONSTRAINT}\nrequests==2.31.0\n# ${tag} (an environment update)\n`;
  writeProject(t.dir, t.bucket, t.env, t.files);
  return { before: await snapshot(t), beforeIndex: await readIndex(t) };
}

/** Starts `mwaa dags push`, sends it the signal at a random moment, and waits for it to end. */
async function signalledPush(t, rng, signal) {
  const p = mwaa(t.url, t.dir, ['dags', 'push']);
  let at = await interruptMoment(t, rng, p);
  if (p.child.exitCode !== null) at += ' (it had ended)';
  p.child.kill(signal);
  return { at, result: await p.done };
}

async function killPushTrial(ctx, rng, round, v) {
  const t = await setupTrial(ctx, rng, `c1-r${round}`);
  const { before, beforeIndex } = await nextPush(t, rng, `r${round}`);
  const { at, result: pushed } = await signalledPush(t, rng, 'SIGKILL');
  log(`c1 r${round}: killed at ${at} (first push took ${t.pushMs} ms), exit ${pushed.code}`);
  const r = await recover(t);
  if (r.code !== 0) v(`recover: exit ${r.code}: ${firstLine(r.stderr)}`);
  const { state } = await checkRecovered(t, v, before, beforeIndex, t.files, 'after recover');
  await checkRecoverIdempotent(t, v);
  return {
    note: `killed at ${at}`,
    outcome: `${pushed.code === 0 ? 'finished' : 'killed'} -> ${state}${r.emulated ? '' : ' (recover ran)'}`,
  };
}

async function sigintTrial(ctx, rng, round, v) {
  const t = await setupTrial(ctx, rng, `c2-r${round}`);
  const { before, beforeIndex } = await nextPush(t, rng, `r${round}`);
  const { at, result: r } = await signalledPush(t, rng, 'SIGINT');
  log(`c2 r${round}: SIGINT at ${at}, exit ${r.code}`);
  if (![0, 5, 6, 130].includes(r.code)) v(`exit ${r.code} (expected 0, 5, 6 or 130): ${firstLine(r.stderr)}`);
  const now = await snapshot(t);
  const s = await classify(t, before, t.files, now);
  if (r.code === 0 && s.state !== 'release') v(`exit 0 but the state is ${s.state}${s.detail ? `: ${s.detail}` : ''}`);
  if (r.code !== 0 && s.state !== 'before')
    v(
      `exit ${r.code} but the state is ${s.state}${s.detail ? `: ${s.detail}` : ` (${diffFromBefore(before, now).slice(0, 3).join('; ')})`}`,
    );
  const unfinished = (await newReleases(t, beforeIndex)).filter((x) => x.status === 'in-progress');
  if (r.code !== 130 && unfinished.length) v(`exit ${r.code} with release ${unfinished[0].id} left in-progress`);
  return { note: `SIGINT at ${at}`, outcome: `exit ${r.code} -> ${s.state}` };
}

/** The faults category 3 draws from: [label, spec(s) to inject] for a trial's bucket/env. */
function drawFault(rng, t) {
  const s3 = (operation, status, code, extra = {}) => ({
    service: 's3',
    operation,
    after: rng.int(0, 6),
    times: rng.int(1, 6),
    error: { status, code, message: 'injected by the campaign' },
    ...extra,
  });
  const choices = [
    () => ['PutObject 500', s3('PutObject', 500, 'InternalError')],
    () => ['PutObject 503 SlowDown x8', s3('PutObject', 503, 'SlowDown', { times: 8 })],
    () => ['PutObject 403', s3('PutObject', 403, 'AccessDenied')],
    () => ['DeleteObject 403', s3('DeleteObject', 403, 'AccessDenied', { after: 0 })],
    () => ['CopyObject 500 x10', s3('CopyObject', 500, 'InternalError', { after: 0, times: 10 })],
    () => ['GetObject 403', s3('GetObject', 403, 'AccessDenied', { after: rng.int(0, 3) })],
    () => ['ListObjectVersions 500 x4', s3('ListObjectVersions', 500, 'InternalError', { after: rng.int(0, 2), times: 4 })],
    () => ['HeadObject 403', s3('HeadObject', 403, 'AccessDenied')],
    () => [
      'UpdateEnvironment 500',
      { service: 'mwaa', operation: 'UpdateEnvironment', error: { status: 500, code: 'InternalServerException', message: 'injected' } },
    ],
    () => [
      'UpdateEnvironment 400',
      { service: 'mwaa', operation: 'UpdateEnvironment', error: { status: 400, code: 'ValidationException', message: 'injected' } },
    ],
    () => ['update ends UPDATE_FAILED', { failNextUpdate: true }],
    // a failing deploy whose rollback fails too: PutObject fails, then every DeleteObject (exit 6, then recover)
    () => [
      'PutObject 403 + DeleteObject 403 x50',
      [s3('PutObject', 403, 'AccessDenied', { times: 1 }), s3('DeleteObject', 403, 'AccessDenied', { after: 0, times: 50 })],
    ],
    () => [
      'delay PutObject',
      { service: 's3', operation: 'PutObject', after: rng.int(0, 6), times: rng.int(1, 3), delayMs: rng.int(200, 1500) },
    ],
    () => [
      'delay + 500 on a DAG key',
      {
        service: 's3',
        operation: 'PutObject',
        match: { Key: rng.pick(Object.keys(t.files).filter((k) => k.startsWith('dags/'))) },
        times: 4,
        delayMs: rng.int(200, 800),
        error: { status: 500, code: 'InternalError' },
      },
    ],
    () => ['delay UpdateEnvironment', { service: 'mwaa', operation: 'UpdateEnvironment', delayMs: rng.int(200, 1500) }],
  ];
  return rng.pick(choices)();
}

async function faultTrial(ctx, rng, round, v) {
  const t = await setupTrial(ctx, rng, `c3-r${round}`);
  const [label, spec] = drawFault(rng, t);
  const specs = [spec].flat();
  // a fault on the environment update is only met by a push that updates the environment
  const { before, beforeIndex } = await nextPush(t, rng, `r${round}`, {
    envUpdate: specs.some((f) => f.failNextUpdate || f.service === 'mwaa'),
  });
  const ids = [];
  for (const f of specs) {
    if (f.failNextUpdate)
      await control(t.url, 'POST', `/_mwaa_local/environments/${t.env}/fail-next-update`, {
        errorCode: 'INCORRECT_CONFIGURATION',
        errorMessage: 'injected',
      });
    else ids.push({ id: (await addFault(t.url, f)).id, times: f.times ?? 1 });
  }
  const r = await run(t.url, t.dir, ['dags', 'push']);
  // how often the faults fired (a fault used up is gone from the list), then the campaign's own reads must not meet them
  const left = (await control(t.url, 'GET', '/_mwaa_local/faults')).faults;
  const fired = ids.reduce((n, { id, times }) => n + (left.find((f) => f.id === id)?.fired ?? times), 0);
  await clearFaults(t.url);
  log(`c3 r${round}: ${label}: fired ${fired}, exit ${r.code}: ${firstLine(r.stderr)}`);
  let now = await snapshot(t);
  let s = await classify(t, before, t.files, now);
  if (r.code === 0 && s.state !== 'release') v(`${label}: exit 0 but the state is ${s.state}${s.detail ? `: ${s.detail}` : ''}`);
  if (r.code === 6) {
    const rec = await recover(t);
    if (rec.code !== 0) v(`${label}: recover after exit 6: exit ${rec.code}: ${firstLine(rec.stderr)}`);
    now = await snapshot(t);
    s = await classify(t, before, t.files, now);
    if (s.state !== 'before')
      v(
        `${label}: exit 6, then recover: the state is ${s.state}${s.detail ? `: ${s.detail}` : ` (${diffFromBefore(before, now).slice(0, 3).join('; ')})`}`,
      );
  } else if (r.code !== 0 && s.state !== 'before') {
    v(
      `${label}: exit ${r.code} but the state is ${s.state}${s.detail ? `: ${s.detail}` : ` (${diffFromBefore(before, now).slice(0, 3).join('; ')})`}`,
    );
  }
  let unfinished = (await newReleases(t, beforeIndex)).filter((x) => x.status === 'in-progress' || x.status === 'rollback-incomplete');
  let tidied = false;
  // A fault that also refuses the release record's own write leaves the record in-progress though the
  // bucket is exact: the push must say so, and `mwaa recover` must tidy it without changing the state.
  if (unfinished.length && r.code === 5 && /the release record could not be updated/.test(r.stderr)) {
    const rec = await recover(t);
    if (rec.code !== 0) v(`${label}: recover of the unrecorded release: exit ${rec.code}: ${firstLine(rec.stderr)}`);
    const after = await snapshot(t);
    const d = diffFromBefore(now, after);
    if (d.length) v(`${label}: recover of the unrecorded release changed the bucket: ${d.slice(0, 3).join('; ')}`);
    unfinished = (await newReleases(t, beforeIndex)).filter((x) => x.status === 'in-progress' || x.status === 'rollback-incomplete');
    tidied = true;
  }
  if (unfinished.length) v(`${label}: exit ${r.code}, release ${unfinished[0].id} left ${unfinished[0].status}`);
  return {
    note: `${label}${ids.length ? ` (fired ${fired})` : ''}`,
    outcome: `exit ${r.code} -> ${s.state}${tidied ? ' (record tidied by recover)' : ''}`,
  };
}

async function killEmulatorTrial(ctx, rng, round, v) {
  // its own emulator (the shared one serves the other categories), restarted over the same directory and port
  const stateDir = join(ctx.tmp, `c4-r${round}-state`);
  let emu = await startEmulator(stateDir);
  ctx.emulators.add(emu);
  try {
    const c = clients(emu.url);
    const t = await setupTrial(ctx, rng, `c4-r${round}`, emu.url, c);
    const { before, beforeIndex } = await nextPush(t, rng, `r${round}`);
    const p = mwaa(t.url, t.dir, ['dags', 'push']);
    const gap = rng.int(0, 1500);
    const at = await interruptMoment(t, rng, p);
    emu.child.kill('SIGKILL');
    await emu.exited;
    ctx.emulators.delete(emu);
    await sleep(gap); // the emulator is down this long: the push's retries may or may not outlast it
    emu = await startEmulator(stateDir, emu.port);
    ctx.emulators.add(emu);
    const pushed = await p.done;
    log(`c4 r${round}: emulator killed at ${at}, down ${gap} ms, push exit ${pushed.code}: ${firstLine(pushed.stderr)}`);
    const pushState = (await classify(t, before, t.files, await snapshot(t))).state;
    if (pushed.code === 0 && pushState !== 'release') v(`push exit 0 but the state is ${pushState}`);
    const r = await recover(t);
    if (r.code !== 0) v(`recover: exit ${r.code}: ${firstLine(r.stderr)}`);
    const { state } = await checkRecovered(t, v, before, beforeIndex, t.files, 'after recover');
    await checkRecoverIdempotent(t, v);
    c.s3.destroy();
    c.mwaa.destroy();
    return { note: `emulator killed at ${at}, down ${gap} ms`, outcome: `push exit ${pushed.code} -> ${state}` };
  } finally {
    await stopEmulator(emu);
    ctx.emulators.delete(emu);
  }
}

/** Leaves a stale lock: either a push killed -9 while holding it, or a lock written with an expired expiresAt. */
async function staleLock(t, rng) {
  if (rng.chance(0.5)) {
    const p = mwaa(t.url, t.dir, ['dags', 'push']);
    await lockAppears(t, p);
    p.child.kill('SIGKILL');
    await p.done;
    return 'lock of a push killed -9';
  }
  const past = Date.now() - 60_000;
  const body = {
    schema: 1,
    owner: 'ghost@elsewhere',
    host: 'elsewhere',
    pid: 4242,
    command: 'mwaa dags push',
    environment: t.env,
    releaseId: 'r-ghost',
    acquiredAt: new Date(past - 600_000).toISOString(),
    expiresAt: new Date(past).toISOString(),
  };
  await t.c.s3.send(
    new PutObjectCommand({ Bucket: t.bucket, Key: LOCK_KEY, Body: `${JSON.stringify(body)}\n`, ContentType: 'application/json' }),
  );
  return 'expired lock';
}

async function lockRaceTrial(ctx, rng, round, v) {
  const t = await setupTrial(ctx, rng, `c5-r${round}`);
  const base = t.files;
  // DAG changes only, here and below: a push that updates the environment makes the next ones refuse to
  // start (environment not AVAILABLE) before they reach the lock, which is not what this category tests.
  // The killed push of staleLock() uses its own change.
  t.files = mutate(rng, base, `stale${round}`, { dagsOnly: true });
  writeProject(t.dir, t.bucket, t.env, t.files);
  const how = await staleLock(t, rng);
  const lockBefore = await getBody(t.c, t.bucket, LOCK_KEY);
  // each racer pushes its own change, from its own folder: the bucket then tells who won
  const n = rng.int(4, 5);
  const racers = Array.from({ length: n }, (_, i) => {
    const files = mutate(rng, base, `p${i}`, { dagsOnly: true });
    const dir = join(ctx.tmp, `c5-r${round}-p${i}`);
    writeProject(dir, t.bucket, t.env, files);
    return { i, files, dir };
  });
  const faults = [];
  for (let k = rng.int(1, 3); k > 0; k--) {
    const f = {
      service: 's3',
      operation: rng.pick(['PutObject', 'DeleteObject', 'GetObject', 'HeadObject']),
      match: { Key: LOCK_KEY },
      after: rng.int(0, 4),
      times: rng.int(1, 2),
      delayMs: rng.int(200, 1500),
    };
    faults.push(`${f.operation}+${f.delayMs}ms@${f.after}x${f.times}`);
    await addFault(t.url, f);
  }
  // the winner stays busy (its first index write is held 2.5 s) long enough for every racer to meet its
  // lock; otherwise a racer that starts late takes the lock after the winner released it, which is
  // correct but not a race
  await addFault(t.url, { service: 's3', operation: 'PutObject', match: { Key: '.mwaa/releases/index.json' }, times: 1, delayMs: 2500 });
  const beforeIndex = await readIndex(t);
  const procs = [];
  for (const r of racers) {
    await sleep(rng.int(0, 100)); // all start within 0-300 ms (n-1 gaps of at most 100 ms)
    procs.push({ ...r, p: mwaa(t.url, r.dir, ['--json', 'dags', 'push']) });
  }
  const results = await Promise.all(procs.map(async (x) => ({ ...x, r: await x.p.done })));
  await clearFaults(t.url);
  const winners = results.filter((x) => x.r.code === 0);
  const losers = results.filter((x) => x.r.code !== 0);
  const label = `${how}${lockBefore ? '' : ' (no lock was left)'}, ${n} pushes, delays ${faults.join(' ')}`;
  log(`c5 r${round}: ${label}: exits ${results.map((x) => x.r.code).join(' ')}`);
  // Two pushes that both exit 0 are fine only when one deployed after the other: a push plans again
  // under the lock, so the later release's base is the earlier one. Both based on the same release
  // means both held the lock at once.
  const released = winners
    .map((w) => {
      try {
        return JSON.parse(w.r.stdout);
      } catch {
        return undefined;
      }
    })
    .filter(Boolean)
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const serialized = released.length === winners.length && released.every((r, k) => k === 0 || r.base === released[k - 1].id);
  if (winners.length === 0 || (winners.length > 1 && !serialized))
    v(
      `${label}: ${winners.length} pushes exited 0 (exits ${results.map((x) => x.r.code).join(', ')})${winners.length > 1 ? `, releases ${released.map((r) => `${r.id} (base ${r.base})`).join(', ')}: they overlapped` : ''}`,
    );
  for (const l of losers)
    if (!/deploy lock/.test(l.r.stderr + l.r.stdout))
      v(`${label}: push ${l.i} exit ${l.r.code} without the lock message: ${firstLine(l.r.stderr)}`);
  const index = await readIndex(t);
  for (const w of winners) {
    let id;
    try {
      id = JSON.parse(w.r.stdout).id;
    } catch {
      v(`${label}: push ${w.i} exited 0 without a release on stdout: ${w.r.stdout.slice(0, 120)}`);
      continue;
    }
    const rec = index.releases.find((x) => x.id === id);
    if (rec?.status !== 'succeeded') v(`${label}: push ${w.i} exited 0 but its release ${id} is ${rec?.status ?? 'not in the index'}`);
  }
  const fresh = await newReleases(t, beforeIndex);
  const unfinished = fresh.filter((x) => x.status === 'in-progress' || x.status === 'rollback-incomplete');
  if (unfinished.length) v(`${label}: releases left ${unfinished.map((x) => `${x.id} ${x.status}`).join(', ')}`);
  const now = await snapshot(t);
  if (winners.length === 1 || (winners.length > 1 && serialized)) {
    // the last release is what the bucket holds
    const last = winners.length === 1 ? winners[0] : winners.find((w) => JSON.parse(w.r.stdout).id === released.at(-1).id);
    const d = await diffFromRelease(t, last.files, now);
    if (d.length) v(`${label}: the bucket is not the last winner's (push ${last.i}) release: ${d.slice(0, 3).join('; ')}`);
  } else if (winners.length > 1) {
    // say what the double success left: one of the winners' releases, or a mix of them
    const matches = [];
    for (const w of winners) if ((await diffFromRelease(t, w.files, now)).length === 0) matches.push(w.i);
    v(
      `${label}: the bucket is ${matches.length ? `push ${matches.join('/')}'s release` : "a mix of the winners' releases"}; index: ${fresh.map((x) => `${x.id} ${x.status}`).join(', ')}`,
    );
  }
  return {
    note: label,
    outcome: `${winners.length} exit 0${winners.length > 1 && serialized ? ' (one after the other)' : ''}, ${losers.length} lock refusals`,
  };
}

// ------------------------------------------------------------------------------------------------
// Main
// ------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const only = argv.only ? argv.only.split(',').map(Number) : Object.keys(CATEGORIES).map(Number);
  const tmp = mkdtempSync(join(tmpdir(), 'mwaa-campaign-'));
  const ctx = { tmp, emulators: new Set() };
  const shared = await startEmulator(join(tmp, 'state'));
  ctx.emulators.add(shared);
  ctx.url = shared.url;
  ctx.c = clients(shared.url);
  console.log(
    `fault campaign: seed ${SEED}, load average ${loadavg()[0].toFixed(1)}, ${HAS_RECOVER ? '`mwaa recover`' : '`mwaa recover` not available: emulated with `mwaa rollback` when the index lists an unfinished release'}; emulator ${shared.url}`,
  );
  const rows = [];
  const violations = [];
  let stoppedEarly = false;
  try {
    for (const cat of only) {
      const spec = CATEGORIES[cat];
      const rounds =
        argv.round !== undefined
          ? [Number(argv.round)]
          : Array.from({ length: argv.rounds ? Number(argv.rounds) : spec.rounds }, (_, i) => i);
      const row = { cat, name: spec.name, trials: 0, bad: 0, outcomes: {} };
      rows.push(row);
      const catStarted = Date.now();
      for (const round of rounds) {
        const overBudget = row.trials > 0 && Date.now() - catStarted > spec.budgetS * 1000;
        if (Date.now() - started > DEADLINE_MS || (overBudget && argv.rounds === undefined)) {
          stoppedEarly = true;
          break;
        }
        const found = [];
        const v = (what) => found.push(what);
        let outcome;
        let note;
        try {
          const r = await spec.run(ctx, trialRng(SEED, cat, round), round, v);
          ({ outcome, note } = typeof r === 'string' ? { outcome: r } : r);
        } catch (e) {
          v(`trial error: ${e?.stack?.split('\n').slice(0, 2).join(' ') ?? e}`);
          outcome = 'error';
        }
        await clearFaults(ctx.url).catch(() => undefined);
        row.trials++;
        if (found.length) row.bad++;
        row.outcomes[outcome] = (row.outcomes[outcome] ?? 0) + 1;
        for (const what of found) violations.push({ cat, round, what });
        console.log(
          `  [${cat}] round ${round}: ${note ? `${note}: ` : ''}${outcome}${found.length ? `  — ${found.length} violation${found.length === 1 ? '' : 's'}` : ''}`,
        );
      }
    }
  } finally {
    ctx.c.s3.destroy();
    ctx.c.mwaa.destroy();
    for (const e of ctx.emulators) await stopEmulator(e);
    if (!argv.keep) rmSync(tmp, { recursive: true, force: true });
  }
  console.log('');
  console.log('| category | trials | violations | outcomes |');
  console.log('|---|---|---|---|');
  for (const r of rows) {
    const outcomes = Object.entries(r.outcomes)
      .map(([k, n]) => `${k} ×${n}`)
      .join('; ');
    console.log(`| ${r.cat}. ${r.name} | ${r.trials} | ${r.bad} | ${outcomes} |`);
  }
  console.log('');
  for (const x of violations) console.log(`violation: seed ${SEED} category ${x.cat} round ${x.round}: ${x.what}`);
  if (stoppedEarly)
    console.log(
      `some trials were not run: a category's time budget or the ${DEADLINE_MS / 1000} s deadline was reached (the machine's load average is in the first and last lines)`,
    );
  console.log(
    `${((Date.now() - started) / 1000).toFixed(0)} s (load average ${loadavg()[0].toFixed(1)}); reproduce one trial with: node bench/campaign.mjs --seed ${SEED} --only <category> --round <round>`,
  );
  process.exitCode = violations.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
