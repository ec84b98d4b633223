/**
 * Output is never cut: a `--json` result far above a pipe's 64 KB buffer, read by a slow reader, arrives
 * whole and parses. The reader takes nothing until the command has had every chance to exit early (its
 * exit, or a while without it), then reads a piece at a time: a process that exits with writes pending
 * loses everything past the first 64 KB, with exit 0.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv } from '../helpers/cli.js';
import { createEnvironment, dagFile, startDeployWorld, writeProject, type DeployWorld } from '../integration/deploy-helpers.js';

/**
 * 400 files in a folder with a long name: every command's document is above 2 × 64 KB (the smallest,
 * `dags diff`, ~155 KB) with fewer files to hash and upload than short names would need (900 before).
 */
const FILES = 400;
const FOLDER = `dags/${'a_folder_with_a_rather_long_name_'.repeat(7)}`;
let w: DeployWorld;
let fifos = 0;

/**
 * Runs `mwaa --endpoint-url … <argv>` with stdout on a real pipe (a FIFO: 64 KB of buffer, as in a
 * shell pipeline; Node's own child pipes are sockets with larger buffers) and a reader that holds back,
 * then drains slowly.
 */
function slowlyRead(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const fifo = join(w.dir, `out-${++fifos}.fifo`);
  execFileSync('mkfifo', [fifo]);
  const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(fifo, 'w');
  const reader = new Socket({ fd: readFd, readable: true, writable: false });
  reader.pause();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--endpoint-url', w.emu.url, ...argv], {
      cwd: w.dir,
      env: baseEnv(w.emu.env) as NodeJS.ProcessEnv,
      stdio: ['ignore', writeFd, 'pipe'],
    });
    closeSync(writeFd);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    const drain = async () => {
      const chunks: Buffer[] = [];
      // a piece at a time, each on a later turn of the event loop: a reader slower than the writer
      for await (const piece of reader) {
        chunks.push(piece as Buffer);
        await new Promise((r) => setTimeout(r, 1));
      }
      resolve({ code: await closed, stdout: Buffer.concat(chunks).toString('utf8'), stderr });
    };
    // start reading when the command has exited, or after a second without it (it waits for the reader)
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      drain().catch(reject);
    };
    const timer = setTimeout(start, 1000);
    child.on('exit', start);
    child.on('error', reject);
  });
}

beforeAll(async () => {
  w = await startDeployWorld();
  await createEnvironment(w.emu);
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) files[`${FOLDER}/dag_number_${String(i).padStart(4, '0')}.py`] = dagFile(`dag_${i}`);
  writeProject(w.dir, files);
  // (the check, which would compile every file in Python, is not what this file is about)
  const first = await w.cli(['dags', 'push', '--yes', '--no-check']);
  expect(first.code, first.stderr).toBe(0);
  // a pending change, so that the plan commands list files too
  for (let i = 0; i < FILES; i++)
    writeFileSync(join(w.dir, `${FOLDER}/dag_number_${String(i).padStart(4, '0')}.py`), dagFile(`dag_${i}`, '# changed\n'));
  // a first push of 400 files: allow for two cores shared with other test files
}, 120_000);
afterAll(async () => {
  await w?.close();
});

describe('--json output through a slow pipe', () => {
  const commands: Array<{ argv: string[]; ndjson?: boolean }> = [
    { argv: ['--json', 'releases', 'show', 'current'] },
    { argv: ['--json', 'dags', 'diff'] },
    { argv: ['--json', 'dags', 'push', '--dry-run'] },
    { argv: ['--json', 'dags', 'push', '--yes', '--no-check'] },
  ];
  for (const { argv } of commands) {
    it(`mwaa ${argv.join(' ')}: the whole document, far above 64 KB`, async () => {
      const r = await slowlyRead(argv);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(2 * 65_536);
      expect(() => JSON.parse(r.stdout)).not.toThrow();
    });
  }
});
