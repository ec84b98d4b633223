// `mwaa dags push` against `aws s3 sync` and against the physical floor (bench/floor.mjs), all talking to
// the same `mwaa local start` emulator:
//   - first push of 2,000 generated DAG files (empty buckets)
//   - push from a fresh clone of the same project (every mtime new, nothing changed), and the floor
//   - a push changing 10 of the 2,000 files
//   - a no-op push into a bucket with 30 releases of history against one with 1 release
// reported as wall-time ratios and PUT counts (new object versions in the bucket), plus the peak RSS of
// the mwaa process with 2,000 and 20,000 files. Writes the "Deploy" section of bench/RESULTS.md.
//
// Reproduce: npm run build && node bench/push.mjs      (needs the `aws` CLI: /usr/bin/aws (Debian's awscli, v2) when
//            present, else `aws` on PATH, or AWS_BENCH_BIN=<path>; MWAA_BENCH_BIN=<path> runs another build;
//            MWAA_BENCH_BEFORE_BIN=<path> adds that build's first push to the same rounds, for a before/after ratio;
//            MWAA_BENCH_COMPARE=<path to another build's bin/mwaa.cjs> adds that build's fresh-clone no-op push;
//            --first-only runs the first-push rounds alone and writes the "Deploy: first push" section;
//            MWAA_BENCH_FILES / MWAA_BENCH_BIG / MWAA_BENCH_RUNS / MWAA_BENCH_HISTORY change the sizes)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MWAAClient } from '@aws-sdk/client-mwaa';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { availableEnvironment, dagFile, localAwsEnv, machine, startLocalEmulator, versionedBucket, writeSection } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.MWAA_BENCH_BIN || join(root, 'bin', 'mwaa.cjs');
const COMPARE = process.env.MWAA_BENCH_COMPARE;
const BEFORE_BIN = process.env.MWAA_BENCH_BEFORE_BIN;
const FIRST_ONLY = process.argv.includes('--first-only');
const FILES = Number(process.env.MWAA_BENCH_FILES || 2000);
const BIG = Number(process.env.MWAA_BENCH_BIG || 20000);
const RUNS = Number(process.env.MWAA_BENCH_RUNS || 3);
const MEMORY_RUNS = Number(process.env.MWAA_BENCH_MEMORY_RUNS || 3);
/** no-op pushes (and floors) timed per fresh clone: a run moves by ±20% on a shared 2-core machine */
const NOOP_REPS = Number(process.env.MWAA_BENCH_NOOP_REPS || 5);
const HISTORY = Number(process.env.MWAA_BENCH_HISTORY || 30);
const AWS = process.env.AWS_BENCH_BIN || (existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws');
const FLOOR = join(root, 'bench', 'floor.mjs');
const CRED = { accessKeyId: 'mwaa-local', secretAccessKey: 'mwaa-local' };

const dir = mkdtempSync(join(tmpdir(), 'mwaa-bench-push-'));
// Reports the mwaa process's peak RSS at exit: a CommonJS file for --require (an --import of a data:
// URL would start Node's ES module loader, ~15 ms that mwaa itself never spends)
const RSS_PRELOAD = join(dir, 'rss.cjs');
writeFileSync(
  RSS_PRELOAD,
  "process.on('exit', () => require('node:fs').writeSync(2, '\\nMWAA_BENCH_MAXRSS_KB=' + process.resourceUsage().maxRSS + '\\n'));\n",
);
const env = localAwsEnv(dir, CRED);

function startEmulator() {
  return startLocalEmulator({
    bin: BIN,
    cwd: dir,
    stateDir: join(dir, 'state'),
    env: env,
    extraArgs: ['--create-seconds', '0.2', '--update-seconds', '0.2'],
  });
}

async function versions(s3, name) {
  let n = 0;
  let KeyMarker;
  let VersionIdMarker;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: name, KeyMarker, VersionIdMarker }));
    n += (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0);
    if (!page.IsTruncated) return n;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

/** Rewrites files `from`..`from + count - 1` of a project with a new revision line. */
function edit(p, from, count, revision) {
  for (let i = from; i < from + count; i++)
    writeFileSync(join(p, 'dags', `team_${i % 20}`, `etl_${i}.py`), `${dagFile(i)}# revision ${revision}\n`);
}

function mwaaYaml(name, bucketName) {
  return `environments:\n  bench:\n    name: ${name}\n    bucket: ${bucketName}\n    region: us-east-1\n    dags: ./dags\n`;
}

function project(name, files, bucketName) {
  const p = join(dir, name);
  mkdirSync(join(p, 'dags'), { recursive: true });
  writeFileSync(join(p, 'mwaa.yaml'), mwaaYaml(name, bucketName));
  for (let i = 0; i < files; i++) {
    const sub = join(p, 'dags', `team_${i % 20}`);
    if (i < 20) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `etl_${i}.py`), dagFile(i));
  }
  return p;
}

/** A copy with every mtime new (like a fresh clone), without the emulator state. */
function clone(p, n) {
  const c = `${p}-clone${n}`;
  rmSync(c, { recursive: true, force: true });
  cpSync(p, c, { recursive: true, preserveTimestamps: false });
  return c;
}

/** A copy of the project for a first push to another environment, without the check's cache (every file compiled, as in round 0). */
function firstPushCopy(p, n, envName, bucketName) {
  const c = clone(p, n);
  rmSync(join(c, '.mwaa'), { recursive: true, force: true });
  writeFileSync(join(c, 'mwaa.yaml'), mwaaYaml(envName, bucketName));
  return c;
}

function run(cmd, args, cwd) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const rss = /MWAA_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr ?? '');
  return { ms, rssKb: rss ? Number(rss[1]) : undefined, stdout: r.stdout };
}

const mwaaPush = (url, cwd, bin = BIN) =>
  run(process.execPath, ['--require', RSS_PRELOAD, bin, '--endpoint-url', url, '--yes', '--json', 'dags', 'push'], cwd);

/** What hashing costs: sha256 and MD5 of every file of a folder, read whole, in this process (ms). */
function hashAll(folder) {
  const start = performance.now();
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = readFileSync(join(entry.parentPath ?? entry.path, entry.name));
    createHash('sha256').update(bytes).digest('hex');
    createHash('md5').update(bytes).digest('hex');
  }
  return performance.now() - start;
}
const floor = (url, cwd, bucketName, envName) => run(process.execPath, [FLOOR, url, bucketName, 'dags/', join(cwd, 'dags'), envName], cwd);
const awsSync = (url, cwd, bucketName) =>
  run(AWS, ['--endpoint-url', url, 's3', 'sync', join(cwd, 'dags'), `s3://${bucketName}/dags/`, '--only-show-errors'], cwd);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const mib = (kb) => `${(kb / 1024).toFixed(1)} MiB`;

async function main() {
  const awsVersion = spawnSync(AWS, ['--version'], { encoding: 'utf8' });
  if (awsVersion.status !== 0) throw new Error('the `aws` CLI is not on PATH (Debian: apt-get install awscli)');
  const awsName = (awsVersion.stdout || awsVersion.stderr).trim().split(' ')[0];
  const loadBefore = loadavg()[0];
  const { child, url } = await startEmulator();
  try {
    const s3 = new S3Client({ endpoint: url, region: 'us-east-1', credentials: CRED, forcePathStyle: true });
    const mwaa = new MWAAClient({ endpoint: url, region: 'us-east-1', credentials: CRED, disableHostPrefix: true });
    await versionedBucket(s3, 'bench-mwaa');
    await versionedBucket(s3, 'bench-aws');
    await availableEnvironment(mwaa, 'bench', 'bench-mwaa');
    const p = project('bench', FILES, 'bench-mwaa');

    // first push, each tool into its own empty bucket, RUNS rounds interleaved (round 0 into the buckets
    // the later cases use; the other rounds from a copy of the project, each into new buckets)
    const first = { mwaa: [], aws: [], before: [], planMs: [], uploadMs: [], hashMs: [], mwaaPuts: 0, awsPuts: 0 };
    for (let i = 0; i < RUNS; i++) {
      let proj = p;
      let names = { env: 'bench', mwaa: 'bench-mwaa', aws: 'bench-aws' };
      if (i > 0) {
        names = { env: `first-${i}`, mwaa: `bench-first-${i}-mwaa`, aws: `bench-first-${i}-aws` };
        proj = firstPushCopy(p, `first${i}`, names.env, names.mwaa);
        await versionedBucket(s3, names.mwaa);
        await versionedBucket(s3, names.aws);
        await availableEnvironment(mwaa, names.env, names.mwaa);
      }
      let v0 = await versions(s3, names.mwaa);
      const m = mwaaPush(url, proj);
      if (i === 0) first.mwaaPuts = (await versions(s3, names.mwaa)) - v0;
      const { durations } = JSON.parse(m.stdout);
      first.mwaa.push(m.ms);
      first.planMs.push(durations.planMs);
      first.uploadMs.push(durations.uploadMs);
      first.hashMs.push(hashAll(join(proj, 'dags')));
      if (BEFORE_BIN) {
        const b = { env: `before-${i}`, bucket: `bench-before-${i}` };
        await versionedBucket(s3, b.bucket);
        await availableEnvironment(mwaa, b.env, b.bucket);
        const c = firstPushCopy(p, `before${i}`, b.env, b.bucket);
        first.before.push(mwaaPush(url, c, BEFORE_BIN).ms);
        rmSync(c, { recursive: true, force: true });
      }
      v0 = await versions(s3, names.aws);
      const a = awsSync(url, proj, names.aws);
      if (i === 0) first.awsPuts = (await versions(s3, names.aws)) - v0;
      first.aws.push(a.ms);
      if (proj !== p) rmSync(proj, { recursive: true, force: true });
      console.log(
        `first push ${i + 1}/${RUNS} of ${FILES}: mwaa ${fmt(m.ms)} (plan ${fmt(durations.planMs)}, uploads ${fmt(durations.uploadMs)})${BEFORE_BIN ? `, before ${fmt(first.before.at(-1))}` : ''}, aws s3 sync ${fmt(a.ms)}`,
      );
    }

    const firstText = () => {
      const firstMwaa = median(first.mwaa);
      const firstAws = median(first.aws);
      const firstBefore = BEFORE_BIN ? median(first.before) : undefined;
      return `First push: median of ${RUNS} rounds, each tool into new buckets, interleaved (every round's mwaa / aws: ${first.mwaa.map((m, i) => (m / first.aws[i]).toFixed(2)).join(', ')}); every push compiles every file in the check (no \`.mwaa/check-cache.json\`).${
        firstBefore
          ? ` The build at \`MWAA_BENCH_BEFORE_BIN\` in the same rounds: ${fmt(firstBefore)}, ${(firstBefore / firstAws).toFixed(2)}× \`aws s3 sync\` (this build ${(firstMwaa / firstBefore).toFixed(2)}× it; every round: ${first.mwaa.map((m, i) => (m / first.before[i]).toFixed(2)).join(', ')}).`
          : ''
      }
Of mwaa's first push, planning (from the deploy's start, after the check, to the plan: GetEnvironment, the bucket
checks, the release state, the listing and hashing every file, in parallel) took ${fmt(median(first.planMs))}, the uploads ${fmt(median(first.uploadMs))}, and the rest
(start-up, the check compiling every file, the lock, the journal, the commit) ${fmt(median(first.mwaa.map((m, i) => m - first.planMs[i] - first.uploadMs[i])))} (medians). Hashing
alone (sha256 and MD5 of the ${FILES} files, read whole, one after the other, in the benchmark's process) takes ${fmt(median(first.hashMs))}:
the most that starting uploads during hashing could save, as uploads also wait for the plan, the lock and the journal.`;
    };
    if (FIRST_ONLY) {
      const firstMwaa = median(first.mwaa);
      const firstAws = median(first.aws);
      const body = `Reproduce: \`npm run build && ${BEFORE_BIN ? 'MWAA_BENCH_BEFORE_BIN=<bin/mwaa.cjs of the build before> ' : ''}node bench/push.mjs --first-only\` (${machine()}; ${awsName}; ${FILES} generated DAG files of ~1.5 KB in 20 folders; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after).

The first-push case of "Deploy" alone (\`mwaa dags push --yes --json\` and \`aws s3 sync\`, both against \`mwaa local start\`):
mwaa ${fmt(firstMwaa)}, \`aws s3 sync\` ${fmt(firstAws)}: **${(firstMwaa / firstAws).toFixed(2)}×** (target: at most 0.5×).

${firstText()}
`;
      writeSection('Deploy: first push', body);
      console.log(body);
      return;
    }

    // fresh clones: nothing changed, every mtime new
    const noop = { mwaa: [], aws: [], floor: [], compare: [], mwaaPuts: 0, awsPuts: 0 };
    for (let i = 0; i < RUNS; i++) {
      const c = clone(p, i);
      // the other build reads the fresh clone first every other run, so that neither gains from going second
      const compare = () => COMPARE && noop.compare.push(mwaaPush(url, c, COMPARE).ms);
      if (i % 2 === 1) compare();
      let before = await versions(s3, 'bench-mwaa');
      const m = mwaaPush(url, c);
      noop.mwaaPuts += (await versions(s3, 'bench-mwaa')) - before;
      noop.mwaa.push(m.ms);
      noop.floor.push(floor(url, c, 'bench-mwaa', 'bench').ms);
      if (i % 2 === 0) compare();
      if (JSON.parse(m.stdout).status !== 'up-to-date')
        throw new Error(`mwaa pushed something from a fresh clone: ${m.stdout.slice(0, 300)}`);
      before = await versions(s3, 'bench-aws');
      const a = awsSync(url, c, 'bench-aws');
      noop.awsPuts += (await versions(s3, 'bench-aws')) - before;
      noop.aws.push(a.ms);
      // more no-op pushes and floors from the same clone (a no-op push writes nothing to it), in turns
      for (let r = 1; r < NOOP_REPS; r++) {
        const timeMwaa = () => noop.mwaa.push(mwaaPush(url, c).ms);
        const timeFloor = () => noop.floor.push(floor(url, c, 'bench-mwaa', 'bench').ms);
        const turn = (i + r) % 2 === 0 ? [timeMwaa, timeFloor, compare] : [compare, timeFloor, timeMwaa];
        for (const time of turn) time();
      }
      rmSync(c, { recursive: true, force: true });
      console.log(`fresh clone ${i + 1}/${RUNS}: mwaa ${fmt(m.ms)}, floor ${fmt(noop.floor.at(-1))}, aws s3 sync ${fmt(a.ms)}`);
    }

    // 10 of the files changed, in the project both tools synced from (aws s3 sync sees the new mtimes)
    const ten = { mwaa: [], aws: [], mwaaPuts: [], awsPuts: [] };
    for (let i = 0; i < RUNS; i++) {
      edit(p, i * 10, 10, `ten-${i}`);
      let before = await versions(s3, 'bench-mwaa');
      ten.mwaa.push(mwaaPush(url, p).ms);
      ten.mwaaPuts.push((await versions(s3, 'bench-mwaa')) - before);
      before = await versions(s3, 'bench-aws');
      ten.aws.push(awsSync(url, p, 'bench-aws').ms);
      ten.awsPuts.push((await versions(s3, 'bench-aws')) - before);
      console.log(
        `10 changed ${i + 1}/${RUNS}: mwaa ${fmt(ten.mwaa.at(-1))} (${ten.mwaaPuts.at(-1)} new versions), aws s3 sync ${fmt(ten.aws.at(-1))} (${ten.awsPuts.at(-1)})`,
      );
    }

    // history: the same project in a bucket with 1 release and in one with HISTORY releases (each of
    // them rewriting every file), then no-op pushes from fresh clones into both, interleaved
    const hist = {};
    for (const releases of [1, HISTORY]) {
      const name = `hist-${releases}`;
      await versionedBucket(s3, `bench-${name}`);
      await availableEnvironment(mwaa, name, `bench-${name}`);
      const proj = project(name, FILES, `bench-${name}`);
      for (let r = 0; r < releases; r++) {
        if (r > 0) edit(proj, 0, FILES, `history-${r}`);
        mwaaPush(url, proj);
      }
      hist[releases] = { proj, ms: [], versions: await versions(s3, `bench-${name}`) };
      console.log(`history: ${releases} release(s), ${hist[releases].versions} object versions`);
    }
    for (let i = 0; i < RUNS; i++) {
      for (const releases of [1, HISTORY]) {
        const c = clone(hist[releases].proj, i);
        const m = mwaaPush(url, c);
        if (JSON.parse(m.stdout).status !== 'up-to-date')
          throw new Error(`mwaa pushed something from a fresh clone: ${m.stdout.slice(0, 300)}`);
        hist[releases].ms.push(m.ms);
        rmSync(c, { recursive: true, force: true });
      }
      console.log(
        `history no-op ${i + 1}/${RUNS}: 1 release ${fmt(hist[1].ms.at(-1))}, ${HISTORY} releases ${fmt(hist[HISTORY].ms.at(-1))}`,
      );
    }

    // memory: for each size, rounds of a first push into a new bucket and a no-op push from a fresh clone
    // (the median of each: one run's peak RSS moves by a few MiB with the timing of collections)
    const memory = {};
    for (const files of [FILES, BIG]) {
      const m = { first: [], noop: [], firstMs: [], noopMs: [] };
      memory[files] = m;
      for (let r = 0; r < MEMORY_RUNS; r++) {
        const name = `mem-${files}-${r}`;
        await versionedBucket(s3, `bench-${name}`);
        await availableEnvironment(mwaa, name, `bench-${name}`);
        const proj = project(name, files, `bench-${name}`);
        const first = mwaaPush(url, proj);
        const c = clone(proj, 0);
        const again = mwaaPush(url, c);
        if (JSON.parse(again.stdout).status !== 'up-to-date')
          throw new Error(`mwaa pushed something from a fresh clone: ${again.stdout.slice(0, 300)}`);
        rmSync(c, { recursive: true, force: true });
        rmSync(proj, { recursive: true, force: true });
        m.first.push(first.rssKb);
        m.noop.push(again.rssKb);
        m.firstMs.push(first.ms);
        m.noopMs.push(again.ms);
        console.log(
          `${files} files, round ${r + 1}/${MEMORY_RUNS}: first push ${fmt(first.ms)} (${mib(first.rssKb)}), fresh clone ${fmt(again.ms)} (${mib(again.rssKb)})`,
        );
      }
    }
    const rss = (files, kind) => median(memory[files][kind]);
    const rssRow = (files, kind) => `${mib(rss(files, kind))} (${memory[files][kind].map((kb) => (kb / 1024).toFixed(1)).join(', ')})`;

    const noopMwaa = median(noop.mwaa);
    const noopAws = median(noop.aws);
    const noopRatio = noopAws / noopMwaa;
    const firstMwaa = median(first.mwaa);
    const firstAws = median(first.aws);
    const firstRatio = firstMwaa / firstAws;
    const floorMs = median(noop.floor);
    const floorRatio = noopMwaa / floorMs;
    const tenMwaa = median(ten.mwaa);
    const tenAws = median(ten.aws);
    const histRatio = median(hist[HISTORY].ms) / median(hist[1].ms);
    const rssGrowth = rss(BIG, 'first') / rss(FILES, 'first');
    const noopGrowth = rss(BIG, 'noop') / rss(FILES, 'noop');
    const perFile = (bigKb, smallKb) => `${((bigKb - smallKb) / (BIG - FILES)).toFixed(1)} KB`;
    const body = `
Reproduce: \`npm run build && node bench/push.mjs\` (${machine()}; ${awsName}; ${FILES} generated DAG files of ~1.5 KB in 20 folders; fresh clones: ${RUNS}, each timed once against \`aws s3 sync\` and ${NOOP_REPS} times against the floor).

Both tools talk to the same \`mwaa local start\` emulator (a separate process, state on disk), each into its own
versioned bucket. \`mwaa dags push\` runs as a process (bin/mwaa.cjs, \`--yes --json\`), its wall time includes start-up,
GetEnvironment, the bucket checks, hashing every file, the listing, and (when something changes) the lock, the
journal and the release record. A fresh clone is a copy of the project folder with every mtime new; \`aws s3 sync\`
decides by size and mtime, so it uploads everything again, while \`mwaa\` compares sha256 with the release record.
PUTs are the new object versions the run left in the bucket (for mwaa's first push: the DAG files plus its own
state under \`.mwaa/\`: release record and index).

| case | mwaa dags push | aws s3 sync | mwaa / aws | PUTs mwaa / aws |
|---|---|---|---|---|
| first push, ${FILES} files | ${fmt(firstMwaa)} | ${fmt(firstAws)} | ${firstRatio.toFixed(2)}× | ${first.mwaaPuts} / ${first.awsPuts} |
| fresh clone, nothing changed | ${fmt(noopMwaa)} | ${fmt(noopAws)} | 1 / ${noopRatio.toFixed(1)} | ${noop.mwaaPuts / RUNS} / ${Math.round(noop.awsPuts / RUNS)} |
| 10 of ${FILES} files changed | ${fmt(tenMwaa)} | ${fmt(tenAws)} | ${(tenMwaa / tenAws).toFixed(2)}× | ${median(ten.mwaaPuts)} / ${median(ten.awsPuts)} |

${firstText()}

The floor (bench/floor.mjs, a process: walk and sha256 every file, the same ListObjectsV2 requests, GET of
the index and the current record; node:http, no SDK) of the fresh-clone no-op: ${fmt(floorMs)}; mwaa ${fmt(noopMwaa)}, **${floorRatio.toFixed(2)}×** the floor (medians of ${RUNS} clones × ${NOOP_REPS} runs, in turns).${
      COMPARE
        ? ` The build at \`MWAA_BENCH_COMPARE\`, in the same runs: ${fmt(median(noop.compare))}, ${(median(noop.compare) / floorMs).toFixed(2)}× the floor.`
        : ''
    }

History: a no-op push (fresh clone) into a bucket whose ${FILES} files were pushed in ${HISTORY} releases, each rewriting
every file (${hist[HISTORY].versions} object versions), takes ${fmt(median(hist[HISTORY].ms))}; into a bucket with 1 release
(${hist[1].versions} versions) ${fmt(median(hist[1].ms))}: **${histRatio.toFixed(2)}×** (medians of ${RUNS}, interleaved).

Peak RSS of the mwaa process (median of ${MEMORY_RUNS} rounds, each a first push into a new bucket and a no-op push from a
fresh clone; every round's value in brackets):

| files | first push | fresh clone (no-op) | wall time (median) |
|---|---|---|---|
| ${FILES} | ${rssRow(FILES, 'first')} | ${rssRow(FILES, 'noop')} | ${fmt(median(memory[FILES].firstMs))} / ${fmt(median(memory[FILES].noopMs))} |
| ${BIG} | ${rssRow(BIG, 'first')} | ${rssRow(BIG, 'noop')} | ${fmt(median(memory[BIG].firstMs))} / ${fmt(median(memory[BIG].noopMs))} |

Targets:
- no-op push of ${FILES} files at most 2× the floor: **${floorRatio <= 2 ? 'met' : 'NOT met'}** (${floorRatio.toFixed(2)}×).
- no-op push with ${HISTORY} releases of history within 1.2× of the same push with 1 release: **${histRatio <= 1.2 ? 'met' : 'NOT met'}** (${histRatio.toFixed(2)}×).
- fresh-clone no-op at least 20× faster than \`aws s3 sync\` (${awsName}), with 0 PUTs: **${noopRatio >= 20 && noop.mwaaPuts === 0 ? 'met' : 'NOT met'}** (${noopRatio.toFixed(1)}×, ${noop.mwaaPuts} PUTs).
- a push changing 10 of ${FILES} files no slower than \`aws s3 sync\` of the same change: **${tenMwaa <= tenAws ? 'met' : 'NOT met'}** (${(tenMwaa / tenAws).toFixed(2)}×).
- first push at most 0.5× the time of \`aws s3 sync\`: **${firstRatio <= 0.5 ? 'met' : 'NOT met'}** (${firstRatio.toFixed(3)}×; median of ${RUNS} rounds).
- memory flat with ${BIG} files (peak RSS within 20% of the ${FILES}-file run): **${rssGrowth <= 1.2 && noopGrowth <= 1.2 ? 'met' : 'NOT met'}** (first push ×${rssGrowth.toFixed(2)}, fresh clone ×${noopGrowth.toFixed(2)} for ${BIG / FILES}× the files: ${perFile(rss(BIG, 'first'), rss(FILES, 'first'))} and ${perFile(rss(BIG, 'noop'), rss(FILES, 'noop'))} of peak RSS per file beyond the ${FILES}-file runs).

File contents are never held: small files are hashed through one reused buffer, uploads read one file per worker (16
workers pulling from the plan, so nothing is queued per file). What grows with the number of files is metadata, one
object each, with no second copy: the local file (path, size, sha256; the sha256 string shared with the current
record's entry when equal), the record's entry, the bucket's current object (ETag and size from ListObjectsV2), the
plan's entry per key (the record's own entry when unchanged), and at the end the new record, uploaded as one NDJSON
buffer (about 190 bytes per file). bin/heap.cjs keeps V8's heap close to what is live. Single runs move by a few MiB
with the timing of collections, hence the medians.
`;
    writeSection('Deploy', body);
    console.log(body);
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
