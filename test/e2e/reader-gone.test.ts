/**
 * A reader that goes away takes only the output with it (`mwaa dags push 2>&1 | head -3`, `mwaa --json
 * trigger … --wait | head -1`): the command goes on to its own end and exits with its own code. The built
 * binary, spawned with stdout or stderr on a pipe that the test closes after the first bytes arrive.
 */
import { spawn } from 'node:child_process';
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
