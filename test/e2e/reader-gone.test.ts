/**
 * Output that goes away never cuts a command off. A reader that leaves (`mwaa dags push 2>&1 | head -3`,
 * `mwaa --json trigger … --wait | head -1`) takes only the output with it: the command goes on to its own
 * end and exits with its own code. A stream that cannot be written (a full disk: /dev/full) is dropped the
 * same way; when it is stdout, the command says so at the end and does not exit 0. The built binary,
 * spawned with stdout or stderr on a pipe that the test closes after the first bytes arrive, or on /dev/full.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv } from '../helpers/cli.js';
import { ENV_NAME, createEnvironment, dagFile, startDeployWorld, writeProject, type DeployWorld } from '../integration/deploy-helpers.js';

let w: DeployWorld;

const TASKED = [
  'from datetime import datetime',
  'from airflow import DAG',
  'from airflow.operators.bash import BashOperator',
  '',
  'with DAG("tasked", start_date=datetime(2024, 1, 1), schedule=None) as dag:',
  '    BashOperator(task_id="only", bash_command="echo only")',
  '',
].join('\n');

/**
 * Runs `mwaa --endpoint-url … <argv>`; the test reads `stream` until the first bytes come, then closes
 * it, as `| head` does. Resolves with the exit code and what was read before closing.
 */
function closedEarly(argv: string[], stream: 'stdout' | 'stderr'): Promise<{ code: number | null; read: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--endpoint-url', w.emu.url, ...argv], {
      cwd: w.dir,
      env: baseEnv(w.emu.env) as NodeJS.ProcessEnv,
      stdio: ['ignore', stream === 'stdout' ? 'pipe' : 'ignore', stream === 'stderr' ? 'pipe' : 'ignore'],
    });
    const pipe = child[stream];
    let read = '';
    pipe?.once('data', (d) => {
      read += d;
      pipe.destroy();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, read }));
  });
}

beforeAll(async () => {
  w = await startDeployWorld();
  await createEnvironment(w.emu);
  const files: Record<string, string> = { 'dags/tasked.py': TASKED };
  for (let i = 0; i < 60; i++) files[`dags/dag_${i}.py`] = dagFile(`dag_${i}`);
  writeProject(w.dir, files);
});
afterAll(async () => {
  await w?.close();
});

describe('a reader that goes away', () => {
  it('`mwaa dags push 2>&1 | head`: the deploy still completes, and the exit code says so', async () => {
    // plain output: the plan and the progress go to stderr, whose reader is gone after the first lines
    const r = await closedEarly(['dags', 'push', '--yes', '--no-check'], 'stderr');
    expect(r.read).toMatch(/^Plan for deploytest/);
    expect(r.code).toBe(0);
    const list = JSON.parse((await w.cli(['--json', 'releases', 'list'])).stdout) as {
      current: string;
      releases: Array<{ id: string; status: string }>;
    };
    // one release, succeeded and current: not an unfinished one cut off mid-upload
    expect(list.releases).toEqual([expect.objectContaining({ id: list.current, status: 'succeeded' })]);
    const again = await w.cli(['--json', 'dags', 'push', '--no-check']);
    expect(JSON.parse(again.stdout).status).toBe('up-to-date');
  });

  it('`mwaa --json trigger --wait | head -1`: still waits for the run, and exits 1 when it fails', async () => {
    await w.emu.failTask(ENV_NAME, 'tasked', 'only');
    const r = await closedEarly(['--json', 'trigger', 'tasked', '--unpause', '--wait', '--poll', '100ms'], 'stdout');
    // the first NDJSON event got through before the reader left
    expect(JSON.parse(r.read.split('\n')[0])).toHaveProperty('code');
    expect(r.code).toBe(1);
  });

  it('… and exits 0 when the run succeeds (the failure was injected for one run)', async () => {
    const r = await closedEarly(['--json', 'trigger', 'tasked', '--wait', '--poll', '100ms'], 'stdout');
    expect(r.code).toBe(0);
  });
});

/** Runs `mwaa --endpoint-url … <argv>` with `stream` on /dev/full (every write fails with ENOSPC). */
function onFullDisk(argv: string[], stream: 'stdout' | 'stderr'): Promise<{ code: number | null; other: string }> {
  const full = openSync('/dev/full', 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--endpoint-url', w.emu.url, ...argv], {
      cwd: w.dir,
      env: baseEnv(w.emu.env) as NodeJS.ProcessEnv,
      stdio: ['ignore', stream === 'stdout' ? full : 'pipe', stream === 'stderr' ? full : 'pipe'],
    });
    closeSync(full);
    let other = '';
    child[stream === 'stdout' ? 'stderr' : 'stdout']?.on('data', (d) => (other += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, other }));
  });
}

describe.skipIf(!existsSync('/dev/full'))('a stream that cannot be written (a full disk)', () => {
  const edit = (note: string) => writeFileSync(join(w.dir, 'dags/dag_0.py'), dagFile('dag_0', `# ${note}\n`));
  const current = async () => JSON.parse((await w.cli(['--json', 'releases', 'list'])).stdout) as { current: string };

  it('stdout: the deploy completes, then one line says the output is incomplete, and the exit is not 0', async () => {
    edit('full stdout');
    const before = await current();
    const r = await onFullDisk(['dags', 'push', '--yes', '--no-check'], 'stdout');
    expect(r.code).toBe(1);
    expect(r.other.trimEnd().split('\n').at(-1)).toBe(
      'mwaa: could not write to stdout (ENOSPC: no space left on device, write); the command itself succeeded, but its output is incomplete',
    );
    expect(r.other).not.toMatch(/\n\s+at /); // no stack trace
    expect((await current()).current).not.toBe(before.current);
  });

  it('stdout with --json: the same, as one more NDJSON event on stderr', async () => {
    const r = await onFullDisk(['--json', 'releases', 'list'], 'stdout');
    expect(r.code).toBe(1);
    const last = JSON.parse(r.other.trimEnd().split('\n').at(-1) ?? '{}');
    expect(last).toMatchObject({ code: 'cli.stdout-lost', level: 'warn', data: { errno: 'ENOSPC', commandExitCode: 0 } });
  });

  it('stderr (progress only): the deploy completes and exits 0', async () => {
    edit('full stderr');
    const before = await current();
    const r = await onFullDisk(['dags', 'push', '--yes', '--no-check'], 'stderr');
    expect(r.code).toBe(0);
    expect(r.other).toMatch(/^Deployed release /);
    expect((await current()).current).not.toBe(before.current);
  });
});
