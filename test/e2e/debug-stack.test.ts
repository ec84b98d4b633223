/** --debug stack traces of the built binary name the source files (source maps), not bundle chunks. */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, tempDir } from '../helpers/cli.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('--debug', () => {
  it('prints stack frames in src/*.ts with line numbers', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const r = await spawnCli(['--debug', 'env', 'show'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^stack:$/m);
    expect(r.stderr).toMatch(/^\s+at .*src\/core\/config\/load\.ts:\d+:\d+\)$/m);
    expect(r.stderr).not.toMatch(/dist\/(lazy|main)/);
  });

  it('without --debug, no stack', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const r = await spawnCli(['env', 'show'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/stack:|\bat /);
  });
});
