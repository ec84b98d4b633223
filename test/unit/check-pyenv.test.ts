/**
 * The check's python3 when PATH finds pyenv's shim: the version pyenv would choose is run directly in
 * the plain case (one installed version), and everything else goes through the shim (src/cli/check-ports.ts).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPorts, pyenvTarget } from '../../src/cli/check-ports.js';
import type { Context } from '../../src/cli/context.js';
import { tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let root: string;
let shim: string;
let project: string;

function file(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function install(version: string): string {
  const python = join(root, 'versions', version, 'bin', 'python3');
  file(python, '#!/bin/sh\n');
  chmodSync(python, 0o755);
  return python;
}

beforeEach(() => {
  t = tempDir();
  root = join(t.dir, '.pyenv');
  shim = join(root, 'shims', 'python3');
  // what `pyenv rehash` writes
  file(
    shim,
    `#!/usr/bin/env bash\nset -e\n[ -n "$PYENV_DEBUG" ] && set -x\n\nprogram="\${0##*/}"\n\nexport PYENV_ROOT="${root}"\nexec "${root}/libexec/pyenv" exec "$program" "$@"\n`,
  );
  project = join(t.dir, 'work', 'project');
  mkdirSync(join(project, 'dags'), { recursive: true });
  file(join(root, 'version'), '3.11.7\n');
});
afterEach(() => t.cleanup());

const env = (extra: Record<string, string> = {}) => ({ PATH: `${join(root, 'shims')}:/usr/bin`, HOME: t.dir, ...extra });

describe('pyenvTarget', () => {
  it("runs the global version's python3, with what `pyenv exec` would give it", () => {
    const python = install('3.11.7');
    expect(pyenvTarget(shim, env(), project)).toEqual({
      executable: python,
      env: { PYENV_VERSION: '3.11.7', PATH: `${join(root, 'versions', '3.11.7', 'bin')}:${join(root, 'shims')}:/usr/bin` },
    });
    // and the check's ports run it, not the shim
    const ctx = { cwd: project, env: env(), signal: new AbortController().signal, clock: { now: Date.now } } as unknown as Context;
    expect(checkPorts(ctx, { network: false }).python?.executable).toBe(python);
  });

  it('takes PYENV_VERSION, else the nearest .python-version from PYENV_DIR or the working folder up, before the global one', () => {
    install('3.11.7');
    const local = install('3.10.14');
    install('3.12.4');
    file(join(t.dir, 'work', '.python-version'), '# the team pins this\n\n3.10.14   \n');
    expect(pyenvTarget(shim, env(), join(project, 'dags'))?.executable).toBe(local);
    expect(pyenvTarget(shim, env({ PYENV_VERSION: '3.11.7' }), project)?.env.PYENV_VERSION).toBe('3.11.7');
    file(join(t.dir, 'elsewhere', '.python-version'), '3.12.4\n');
    expect(pyenvTarget(shim, env({ PYENV_DIR: join(t.dir, 'elsewhere') }), project)?.env.PYENV_VERSION).toBe('3.12.4');
  });

  it('leaves everything else to the shim: system, several versions, a prefix, a missing version, a plugin exec hook', () => {
    install('3.11.7');
    expect(pyenvTarget(shim, env({ PYENV_VERSION: 'system' }), project)).toBeUndefined();
    expect(pyenvTarget(shim, env({ PYENV_VERSION: '3.11.7:3.10.14' }), project)).toBeUndefined();
    expect(pyenvTarget(shim, env({ PYENV_VERSION: '3.11' }), project)).toBeUndefined();
    expect(pyenvTarget(shim, env({ PYENV_VERSION: '../../bin' }), project)).toBeUndefined();
    file(join(project, '.python-version'), '3.11.7\n3.10.14\n');
    expect(pyenvTarget(shim, env(), project)).toBeUndefined();
    file(join(project, '.python-version'), '3.11.7\n');
    expect(pyenvTarget(shim, env(), project)?.env.PYENV_VERSION).toBe('3.11.7');

    // pyenv's own pip-rehash hook changes nothing for python3; another plugin's exec hook might
    file(join(root, 'pyenv.d', 'exec', 'pip-rehash.bash'), '');
    expect(pyenvTarget(shim, env(), project)).toBeDefined();
    file(join(root, 'plugins', 'pyenv-other', 'etc', 'pyenv.d', 'exec', 'activate.bash'), '');
    expect(pyenvTarget(shim, env(), project)).toBeUndefined();
  });

  it('is not taken for a python3 that is not a pyenv shim', () => {
    install('3.11.7');
    file(join(t.dir, 'shims', 'python3'), '#!/bin/sh\nexec /usr/bin/python3 "$@"\n');
    expect(pyenvTarget(join(t.dir, 'shims', 'python3'), env(), project)).toBeUndefined();
    expect(pyenvTarget(join(root, 'versions', '3.11.7', 'bin', 'python3'), env(), project)).toBeUndefined();
  });
});
