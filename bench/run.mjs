// Runs every benchmark in bench/ (each writes its own section of bench/RESULTS.md).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
let failed = 0;
for (const file of readdirSync(here)
  // (floor.mjs is a process push.mjs starts with its arguments, not a benchmark of its own)
  .filter((f) => f.endsWith('.mjs') && !['run.mjs', 'results.mjs', 'floor.mjs'].includes(f))
  .sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  console.log(`\n== ${file}`);
  const r = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
