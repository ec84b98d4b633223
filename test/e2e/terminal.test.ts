/** The terminal harness itself (test/helpers/terminal.ts): what later terminal tests rely on. */
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { ERASING, runInTerminal } from '../helpers/terminal.js';

describe('the terminal harness', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('shows what the command prints below what was on screen, and its exit code', async () => {
    const run = runInTerminal(['--version'], { before: ['$ earlier output'] });
    expect(await run.exit).toBe(0);
    const all = await run.all();
    expect(all[0]).toBe('$ earlier output');
    expect(all[1]).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.raw()).not.toMatch(ERASING);
  });

  it('turns a typed Ctrl-C into SIGINT for the command', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const run = runInTerminal(['local', 'start', '--port', '0'], { cwd: dir });
    await run.waitFor(/Press Ctrl-C to stop/);
    run.interrupt();
    expect(await run.exit).toBe(0);
    expect((await run.all()).join('\n')).toMatch(/stopped; the state is kept/);
  });
});
