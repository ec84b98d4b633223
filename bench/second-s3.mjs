// `mwaa dags push` against `aws s3 sync` on a second S3 implementation: moto's server (the Python `moto`
// package, `python3 -m moto.server`), an S3 no one here wrote. moto has no MWAA, so GetEnvironment goes to
// `mwaa local start` (AWS_ENDPOINT_URL_MWAA) and every S3 call to moto (AWS_ENDPOINT_URL_S3). The case
// is the target for a second server: a push from a fresh clone of 2,000 files where nothing
// changed (`mwaa` compares sha256 with its release record, `aws s3 sync` size and mtime, so it uploads
// everything again), at least 10× faster than `aws s3 sync`. A first push of each is timed once too.
//
// Reproduce: npm run build && node bench/second-s3.mjs     (needs python3 with moto and its server
//            dependencies; MWAA_BENCH_RUNS=<n> fresh clones, default 3; --no-write leaves RESULTS.md alone)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MWAAClient } from '@aws-sdk/client-mwaa';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { availableEnvironment, dagFile, localAwsEnv, machine, startLocalEmulator, versionedBucket, writeSection } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.MWAA_BENCH_BIN || join(root, 'bin', 'mwaa.cjs');
const FILES = 2000;
const RUNS = Number(process.env.MWAA_BENCH_RUNS || 3);
const WRITE = !process.argv.includes('--no-write');
const AWS = process.env.AWS_BENCH_BIN || (existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws');
const CRED = { accessKeyId: 'mwaa-local', secretAccessKey: 'mwaa-local' };

const dir = mkdtempSync(join(tmpdir(), 'mwaa-bench-second-s3-'));
const baseEnv = localAwsEnv(dir, CRED);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** moto's server on a free port, answering once it lists buckets. */
async function startMoto() {
  const port = await freePort();
  // its request log goes to a file: a pipe would fill while this process waits in spawnSync, and moto
  // would stop answering
  const log = join(dir, 'moto.log');
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', openSync(log, 'w')],
  });
  const url = `http://127.0.0.1:${port}`;
  const s3 = new S3Client({ endpoint: url, region: 'us-east-1', credentials: CRED, forcePathStyle: true });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null)
      throw new Error(`moto's server did not start (python3 -m moto.server):\n${readFileSync(log, 'utf8').slice(-2000)}`);
    try {
      await s3.send(new ListBucketsCommand({}));
      return { child, url, s3 };
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function run(cmd, args, cwd, env) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return { ms, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

async function main() {
  const awsVersion = spawnSync(AWS, ['--version'], { encoding: 'utf8' });
  if (awsVersion.status !== 0) throw new Error('the `aws` CLI is not on PATH (Debian: apt-get install awscli)');
  const awsName = (awsVersion.stdout || awsVersion.stderr).trim().split(' ')[0];
  const motoVersion = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' }).stdout?.trim();
  if (!motoVersion) {
    console.log('skipped: python3 cannot import moto (pip install "moto[server]"); bench/RESULTS.md left as it is');
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const load0 = loadavg()[0];
  const emulator = await startLocalEmulator({
    bin: BIN,
    cwd: dir,
    stateDir: join(dir, 'state'),
    env: baseEnv,
    extraArgs: ['--create-seconds', '0.2'],
  });
  const moto = await startMoto();
  try {
    const env = { ...baseEnv, AWS_ENDPOINT_URL_MWAA: emulator.url, AWS_ENDPOINT_URL_S3: moto.url };
    // the environment names a bucket the emulator checks for; the pushes go to moto's bucket of that name
    const emulatorS3 = new S3Client({ endpoint: emulator.url, region: 'us-east-1', credentials: CRED, forcePathStyle: true });
    await versionedBucket(emulatorS3, 'bench-moto');
    await versionedBucket(moto.s3, 'bench-moto');
    await versionedBucket(moto.s3, 'bench-aws');
    const mwaa = new MWAAClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CRED, disableHostPrefix: true });
    await availableEnvironment(mwaa, 'bench', 'bench-moto');

    const p = join(dir, 'project');
    mkdirSync(join(p, 'dags'), { recursive: true });
    writeFileSync(
      join(p, 'mwaa.yaml'),
      'environments:\n  bench:\n    name: bench\n    bucket: bench-moto\n    region: us-east-1\n    dags: ./dags\n',
    );
    for (let i = 0; i < FILES; i++) {
      const sub = join(p, 'dags', `team_${i % 20}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, `etl_${i}.py`), dagFile(i));
    }
    const push = (cwd) => run(process.execPath, [BIN, '--yes', '--json', 'dags', 'push', '--no-check'], cwd, env);
    const sync = (cwd) =>
      run(AWS, ['--endpoint-url', moto.url, 's3', 'sync', join(cwd, 'dags'), 's3://bench-aws/dags/', '--only-show-errors'], cwd, env);

    const firstMwaa = push(p).ms;
    const firstAws = sync(p).ms;
    console.log(`first push: mwaa ${fmt(firstMwaa)}, aws s3 sync ${fmt(firstAws)}`);
    const noop = { mwaa: [], aws: [] };
    for (let i = 0; i < RUNS; i++) {
      const c = `${p}-clone${i}`;
      cpSync(p, c, { recursive: true, preserveTimestamps: false });
      const m = push(c);
      if (JSON.parse(m.stdout).status !== 'up-to-date')
        throw new Error(`mwaa pushed something from a fresh clone: ${m.stdout.slice(0, 300)}`);
      noop.mwaa.push(m.ms);
      noop.aws.push(sync(c).ms);
      rmSync(c, { recursive: true, force: true });
      console.log(`fresh clone ${i + 1}/${RUNS}: mwaa ${fmt(noop.mwaa.at(-1))}, aws s3 sync ${fmt(noop.aws.at(-1))}`);
    }
    const ratio = median(noop.aws) / median(noop.mwaa);
    const text = `Reproduce: \`npm run build && node bench/second-s3.mjs\` (${machine()}; ${awsName}; moto ${motoVersion}; ${FILES} generated DAG files of ~1.5 KB in 20 folders; ${RUNS} fresh clones; load average ${load0.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after).

S3 is moto's server (\`python3 -m moto.server\`, an S3 written by others, in Python); MWAA's GetEnvironment goes to
\`mwaa local start\`, which moto does not emulate (\`AWS_ENDPOINT_URL_MWAA\` and \`AWS_ENDPOINT_URL_S3\`). Both tools
push the same project into versioned buckets of moto, \`mwaa dags push --yes --json --no-check\` (the check's
Python is not what is measured here) as a process.

| case | mwaa dags push | aws s3 sync | ratio |
| ---- | -------------- | ----------- | ----- |
| first push, ${FILES} files (one run) | ${fmt(firstMwaa)} | ${fmt(firstAws)} | ${(firstMwaa / firstAws).toFixed(2)}× |
| fresh clone, nothing changed (median) | ${fmt(median(noop.mwaa))} | ${fmt(median(noop.aws))} | 1 / ${ratio.toFixed(1)} |

Every fresh clone: mwaa ${noop.mwaa.map(fmt).join(', ')}; aws s3 sync ${noop.aws.map(fmt).join(', ')}.

Target: fresh-clone no-op at least 10× faster than \`aws s3 sync\` on a second S3 implementation: **${ratio >= 10 ? 'met' : 'NOT met'}** (${ratio.toFixed(1)}×).
`;
    console.log(text);
    if (WRITE) writeSection('Deploy: a second S3 implementation', text);
  } finally {
    moto.child.kill();
    emulator.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
