// `npm run demo`: the whole flow on the embedded local emulator, in a temporary folder, with no AWS
// account: init → env create → dags push → trigger --wait → logs. Pass --keep to keep the folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'mwaa.cjs');
const keep = process.argv.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'mwaa-demo-'));
const env = { ...process.env, MWAA_ENV: 'local' };
// the demo never touches AWS, whatever the shell has configured
for (const name of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[name];

const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }).stdout;
const exists = (command) => new RegExp(`^  ${command.split(' ')[0]}\\b`, 'm').test(help);

const shown = (args) => args.map((a) => (/[\s{}"]/.test(a) ? `'${a}'` : a)).join(' ');
const steps = [
  ['init', '--name', 'demo'],
  ['env', 'create'],
  ['dags', 'push', '-m', 'first deploy'],
  ['trigger', 'example', '--conf', '{"day": "2026-01-01"}', '--wait'],
  ['logs', 'example', '--run', 'latest'],
];

console.log(`mwaa demo in ${dir} (local emulator; state in ${join(dir, '.mwaa', 'local')})\n`);
let failed = false;
for (const args of steps) {
  if (!exists(args[0])) {
    console.log(`$ mwaa ${shown(args)}\n  (skipped: \`mwaa ${args[0]}\` is not built yet)\n`);
    continue;
  }
  console.log(`$ mwaa ${shown(args)}`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, env, stdio: 'inherit' });
  console.log('');
  if (r.status !== 0) {
    console.error(`demo step failed with exit code ${r.status}`);
    failed = true;
    break;
  }
}
if (keep) console.log(`kept ${dir}; try more commands there, e.g. \`cd ${dir} && ${bin} env show\``);
else rmSync(dir, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
