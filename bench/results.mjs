// Replaces one "## <title>" section of bench/RESULTS.md, leaving the others as they are.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const HEAD =
  "# Benchmark results\n\nEach section is written by its benchmark; ratios are measured in one run on this project's\n2-core machines. Reproduce with the command given in the section.\n";

export function writeSection(title, body) {
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : HEAD;
  const heading = `## ${title}`;
  const section = `${heading}\n\n${body.trim()}\n`;
  const start = text.indexOf(`${heading}\n`);
  if (start === -1) {
    text = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = text.indexOf('\n## ', start + heading.length);
    text = text.slice(0, start) + section + (next === -1 ? '' : `\n${text.slice(next + 1)}`);
  }
  writeFileSync(RESULTS, text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * The environment of the processes a benchmark starts (mwaa, the AWS CLI, the emulator): only PATH and
 * HOME of the caller's, no instance metadata, no shared config or credentials files (`extra` may name
 * its own), no colour; `extra` adds credentials, a region or an endpoint.
 */
export function benchEnv(extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    NO_COLOR: '1',
    ...extra,
  };
}

export function machine() {
  return `Node ${process.version}, ${process.platform}/${process.arch}`;
}

/**
 * Starts `mwaa local start` (the built bin) as a separate process over `stateDir`; resolves with the
 * child and the URL it announces.
 */
export function startLocalEmulator({ bin, cwd, stateDir, env, extraArgs = [] }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'local', 'start', '--port', '0', '--state-dir', stateDir, '--json', ...extraArgs], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => reject(new Error(`mwaa local start exited (${code}): ${err}`)));
  });
}
