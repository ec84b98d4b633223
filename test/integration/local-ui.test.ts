/**
 * `--local` with the embedded emulator (no `mwaa local start`): its web server stops with the command, so
 * the Airflow UI address printed at the end must not be one that is already dead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';

let dir: string;
let cleanup: () => void;
const mwaa = (...argv: string[]) => runCli(argv, { cwd: dir, env: baseEnv() });

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('mwaa-local-ui-'));
  const init = await mwaa('init', '--name', 'local-ui');
  expect(init.code, init.stderr).toBe(0);
});
afterAll(() => cleanup?.());

describe('the Airflow UI address of the embedded local emulator', () => {
  it('env create says there is none once the command ends, instead of printing a dead URL', async () => {
    const r = await mwaa('env', 'create');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^Airflow UI: none once this command ends \(the embedded local emulator stops with it\); run `mwaa local start`/m,
    );
    expect(r.stdout).not.toMatch(/https?:\/\//);
  }, 60_000);

  it('mwaa open refuses (exit 1) instead of printing a login URL the embedded emulator will not answer', async () => {
    const r = await mwaa('open', '--print');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/https?:\/\//);
    expect(r.stderr).toMatch(/embedded local emulator stops when this command ends/);
    expect(r.stderr).toMatch(/mwaa local start/);
  }, 60_000);

  it('env wait says the same', async () => {
    const r = await mwaa('env', 'wait');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Airflow UI: none once this command ends/m);
    expect(r.stdout).not.toMatch(/https?:\/\//);
  }, 60_000);
});
