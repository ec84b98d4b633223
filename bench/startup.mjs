// Start-up: wall time of `mwaa --help` and `mwaa env show` (against `mwaa local start`, once with
// --endpoint-url and once as a `local: true` environment, which finds that server by its state directory) vs `node -e 0`
// (medians of many runs, interleaved, measured in one run). Targets: `--help` at most 1.3×, `env show` at
// most 3× (bench/RESULTS.md). Reproduce: npm run build && node bench/startup.mjs
// (MWAA_BENCH_BIN=<path to another build's bin/mwaa.cjs> adds that build's `env show` as a case).
// Two more rows show what a live view (dags push, trigger --wait, env wait in a terminal) adds to a
// command's start: its modules as built (ink and React bundled in), and ink from node_modules as the
// views loaded it before.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MWAAClient } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { availableEnvironment, benchEnv, machine, startLocalEmulator, writeSection } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.RUNS ?? 40);
const OTHER = process.env.MWAA_BENCH_BIN;
const CRED = { accessKeyId: 'mwaa-local', secretAccessKey: 'mwaa-local' };
const dir = mkdtempSync(join(tmpdir(), 'mwaa-bench-startup-'));
const env = benchEnv({ AWS_ACCESS_KEY_ID: CRED.accessKeyId, AWS_SECRET_ACCESS_KEY: CRED.secretAccessKey, AWS_REGION: 'us-east-1' });
const bin = join(root, 'bin', 'mwaa.cjs');
const { child, url } = await startLocalEmulator({
  bin,
  cwd: dir,
  // where a `local: true` environment of dir/mwaa.yaml looks for a running emulator
  stateDir: join(dir, '.mwaa', 'local'),
  env,
  extraArgs: ['--create-seconds', '0.2'],
});
const s3 = new S3Client({ endpoint: url, region: 'us-east-1', credentials: CRED, forcePathStyle: true });
await s3.send(new CreateBucketCommand({ Bucket: 'bench-startup' }));
await s3.send(new PutBucketVersioningCommand({ Bucket: 'bench-startup', VersioningConfiguration: { Status: 'Enabled' } }));
s3.destroy();
const mwaa = new MWAAClient({ endpoint: url, region: 'us-east-1', credentials: CRED, disableHostPrefix: true });
await availableEnvironment(mwaa, 'startup', 'bench-startup');
mwaa.destroy();
writeFileSync(
  join(dir, 'mwaa.yaml'),
  'environments:\n  bench:\n    name: startup\n    region: us-east-1\n    bucket: bench-startup\n' +
    '  local:\n    name: startup\n    local: true\n    bucket: bench-startup\n',
);

function time(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: dir, env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cases = {
  node: ['-e', '0'],
  help: [bin, '--help'],
  version: [bin, '--version'],
  envShow: [bin, '--endpoint-url', url, '-e', 'bench', 'env', 'show'],
  ...(OTHER ? { otherEnvShow: [OTHER, '--endpoint-url', url, '-e', 'bench', 'env', 'show'] } : {}),
  envShowLocal: [bin, '-e', 'local', 'env', 'show'],
  ...(OTHER ? { otherEnvShowLocal: [OTHER, '-e', 'local', 'env', 'show'] } : {}),
  view: ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'views', 'deploy.js')).href)})`],
  inkFromNodeModules: [
    '--input-type=module',
    '-e',
    `await import(${JSON.stringify(pathToFileURL(join(root, 'node_modules', 'ink', 'build', 'index.js')).href)})`,
  ],
};
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < 3; i++) for (const args of Object.values(cases)) time(args); // warm the file cache
for (let i = 0; i < RUNS; i++) for (const [name, args] of Object.entries(cases)) samples[name].push(time(args)); // interleaved

const node = median(samples.node);
const help = median(samples.help);
const version = median(samples.version);
const ratio = help / node;
const envShow = median(samples.envShow);
const envRatio = envShow / node;
child.kill('SIGINT');
await new Promise((r) => child.on('close', r));
rmSync(dir, { recursive: true, force: true });
const body = `Reproduce: \`npm run build && node bench/startup.mjs\` (${RUNS} interleaved runs each, medians; ${machine()}).

| command | median wall time | vs \`node -e 0\` |
|---|---|---|
| \`node -e 0\` | ${node.toFixed(1)} ms | 1.00× |
| \`mwaa --help\` | ${help.toFixed(1)} ms | ${ratio.toFixed(2)}× |
| \`mwaa --version\` | ${version.toFixed(1)} ms | ${(version / node).toFixed(2)}× |
| \`mwaa env show\` (GetEnvironment from \`mwaa local start\`) | ${envShow.toFixed(1)} ms | ${envRatio.toFixed(2)}× |
${OTHER ? `| \`mwaa env show\`, the build at \`MWAA_BENCH_BIN\` | ${median(samples.otherEnvShow).toFixed(1)} ms | ${(median(samples.otherEnvShow) / node).toFixed(2)}× |\n` : ''}| \`mwaa env show\` of a \`local: true\` environment (the same server, found by its state directory) | ${median(samples.envShowLocal).toFixed(1)} ms | ${(median(samples.envShowLocal) / node).toFixed(2)}× |
${OTHER ? `| the same, the build at \`MWAA_BENCH_BIN\` | ${median(samples.otherEnvShowLocal).toFixed(1)} ms | ${(median(samples.otherEnvShowLocal) / node).toFixed(2)}× |\n` : ''}| a live view's modules (dist/views/deploy.js: ink and React bundled) | ${median(samples.view).toFixed(1)} ms | ${(median(samples.view) / node).toFixed(2)}× |
| ink from node_modules (how the views loaded it before) | ${median(samples.inkFromNodeModules).toFixed(1)} ms | ${(median(samples.inkFromNodeModules) / node).toFixed(2)}× |

Targets: \`mwaa --help\` at most 1.3× \`node -e 0\`: **${ratio <= 1.3 ? 'met' : 'NOT met'}**; \`mwaa env show\` at most 3×: **${envRatio <= 3 ? 'met' : 'NOT met'}**.`;
writeSection('Start-up', body);
console.log(body);
if (ratio > 1.3 || envRatio > 3) process.exitCode = 1;
