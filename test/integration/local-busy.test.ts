/**
 * `--local` commands over a state directory another mwaa command is using: they wait for it (saying
 * so), and give up with a clear error and a hint after MWAA_LOCAL_WAIT seconds; a `mwaa local start`
 * server over the same directory is shared instead.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/local/index.js';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function project(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  writeFileSync(join(dir, 'mwaa.yaml'), 'environments:\n  local:\n    name: demo\n    local: true\n');
  return dir;
}

describe('--local and a state directory in use', () => {
  it('an embedded owner makes the command wait, then fail with exit 1 and a hint', async () => {
    const dir = project();
    const owner = await startEmulator({ stateDir: join(dir, '.mwaa', 'local'), mode: 'embedded' });
    cleanups.push(() => owner.close());
    const r = await runCli(['env', 'list'], { cwd: dir, env: baseEnv({ MWAA_LOCAL_WAIT: '0.3' }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the local emulator is in use by another mwaa command \(pid \d+\); waiting for it to finish/);
    expect(r.stderr).toMatch(/error: the local emulator state directory .* is in use by process \d+/);
    expect(r.stderr).toMatch(/hint: wait for that command, or run `mwaa local start`/);
  });

  it('a `mwaa local start` server over the same directory is shared', async () => {
    const dir = project();
    const server = await startEmulator({ stateDir: join(dir, '.mwaa', 'local'), mode: 'server' });
    cleanups.push(() => server.close());
    // a bucket made through the server is seen by the --local command: the same world
    const made = await runCli(['env', 'create', '--no-wait'], { cwd: dir, env: baseEnv({ MWAA_LOCAL_WAIT: '0.3' }) });
    expect(made.code).toBe(0);
    expect(server.world.s3.bucketExists('demo-local')).toBe(true);
    const r = await runCli(['env', 'list', '--json'], { cwd: dir, env: baseEnv({ MWAA_LOCAL_WAIT: '0.3' }) });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/waiting/);
    expect(JSON.parse(r.stdout).environments.map((e: { name: string }) => e.name)).toEqual(['demo']);
  });
});
