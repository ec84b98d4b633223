// Start-up: wall time of `mwaa --help` vs `node -e 0` (medians of many runs, measured in one run).
// Target: at most 1.3× (bench/RESULTS.md). Reproduce: npm run build && node bench/startup.mjs
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, writeSection } from './results.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.RUNS ?? 40);

function time(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cases = { node: ['-e', '0'], help: [join(root, 'bin', 'mwaa.cjs'), '--help'], version: [join(root, 'bin', 'mwaa.cjs'), '--version'] };
const samples = { node: [], help: [], version: [] };
for (let i = 0; i < 3; i++) for (const args of Object.values(cases)) time(args); // warm the file cache
for (let i = 0; i < RUNS; i++) for (const [name, args] of Object.entries(cases)) samples[name].push(time(args)); // interleaved

const node = median(samples.node);
const help = median(samples.help);
const version = median(samples.version);
const ratio = help / node;
const body = `Reproduce: \`npm run build && node bench/startup.mjs\` (${RUNS} interleaved runs each, medians; ${machine()}).

| command | median wall time | vs \`node -e 0\` |
|---|---|---|
| \`node -e 0\` | ${node.toFixed(1)} ms | 1.00× |
| \`mwaa --help\` | ${help.toFixed(1)} ms | ${ratio.toFixed(2)}× |
| \`mwaa --version\` | ${version.toFixed(1)} ms | ${(version / node).toFixed(2)}× |

Target: \`mwaa --help\` at most 1.3× \`node -e 0\`: **${ratio <= 1.3 ? 'met' : 'NOT met'}**.`;
writeSection('Start-up', body);
console.log(body);
if (ratio > 1.3) process.exitCode = 1;
