/**
 * The outside world of `mwaa check` (docs/check.md): the Python and bash it runs as child processes,
 * and the constraints file fetched over HTTP(S) into the user's cache folder.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { CheckPorts, ProcessResult, ProgramPort } from '../core/check/index.js';
import { InterruptedError, UsageError } from '../core/errors.js';
import type { Context } from './context.js';

/** How long a constraints download may take before the check says it was skipped. */
const FETCH_TIMEOUT_MS = 8000;

function program(command: string, executable: string, baseEnv: Readonly<Record<string, string | undefined>>, cwd: string): ProgramPort {
  return {
    command,
    executable,
    run: (args, options = {}) =>
      new Promise<ProcessResult>((done, fail) => {
        const child = spawn(executable, args, {
          cwd,
          env: { ...(baseEnv as Record<string, string>), ...options.env },
          stdio: ['pipe', 'pipe', 'pipe'],
          ...(options.signal ? { signal: options.signal } : {}),
        });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        const timer =
          options.timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                timedOut = true;
                child.kill('SIGKILL');
              }, options.timeoutMs);
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        // Ctrl-C while the check runs: the program is killed and the command stops with nothing changed
        child.on('error', (error) => fail(options.signal?.aborted ? new InterruptedError(undefined, { cause: error }) : error));
        child.on('close', (code) => {
          clearTimeout(timer);
          done({ code, stdout, stderr, ...(timedOut ? { timedOut } : {}) });
        });
        child.stdin.on('error', () => {}); // a program that exits without reading its input
        child.stdin.end(options.input ?? '');
      }),
  };
}

/**
 * The interpreter a pyenv shim would run, found without running the shim, or undefined (then the shim
 * runs). pyenv's shim is a bash script that runs `pyenv exec`, ~0.3 s a start: more than the check's
 * Python itself, on every push with changes. Only the plain case is taken here, as pyenv decides it:
 * one version named by PYENV_VERSION, else by the nearest .python-version (from PYENV_DIR or the working
 * folder up), else by pyenv's global `version` file, installed as `versions/<name>/bin/python3`. The
 * child gets what `pyenv exec` gives it (PYENV_VERSION, the version's bin folder first on PATH).
 * Anything else (`system`, several versions, a name pyenv resolves by prefix, an `exec` hook of a plugin
 * other than pyenv's own pip-rehash) goes through the shim. docs/check.md, "The Python part".
 */
export function pyenvTarget(
  found: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): { executable: string; env: Record<string, string> } | undefined {
  if (basename(dirname(found)) !== 'shims') return undefined;
  let shim: string;
  try {
    shim = statSync(found).size < 4096 ? readFileSync(found, 'utf8') : '';
  } catch {
    return undefined;
  }
  const root = /^export PYENV_ROOT="([^"]+)"$/m.exec(shim)?.[1];
  if (!root || !shim.includes(`"${root}/libexec/pyenv" exec "$program"`)) return undefined;
  const name = env.PYENV_VERSION !== undefined ? oneVersion(env.PYENV_VERSION.split(':')) : versionFromFiles(env, cwd, root);
  if (!name || name === 'system' || name === '..' || name.includes('/')) return undefined;
  if (execHooks(env, root).some((hook) => !/^pip-rehash(\.bash)?$/.test(hook))) return undefined;
  const bin = join(root, 'versions', name, 'bin');
  const executable = join(bin, 'python3');
  if (!existsSync(executable)) return undefined;
  return { executable, env: { PYENV_VERSION: name, PATH: `${bin}:${env.PATH ?? ''}` } };
}

function oneVersion(names: string[]): string | undefined {
  const named = names.map((n) => n.trim()).filter((n) => n !== '');
  return named.length === 1 ? named[0] : undefined;
}

/** pyenv's version files: each line's first word, blank lines and `#` comments left out. */
function versionFromFiles(env: Readonly<Record<string, string | undefined>>, cwd: string, root: string): string | undefined {
  const local = (env.PYENV_DIR ? nearestVersionFile(resolve(cwd, env.PYENV_DIR)) : undefined) ?? nearestVersionFile(cwd);
  const file = local ?? join(root, 'version');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // no version file: pyenv's `system`, left to the shim
  }
  return oneVersion(
    text
      .split(/\r?\n/)
      .map((line) => line.trim().split(/\s/)[0])
      .filter((word) => word && !word.startsWith('#')),
  );
}

function nearestVersionFile(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, '.python-version');
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The names of the scripts `pyenv exec` would source (`pyenv hooks exec`). */
function execHooks(env: Readonly<Record<string, string | undefined>>, root: string): string[] {
  const dirs = [
    ...(env.PYENV_HOOK_PATH ?? '').split(':'),
    join(root, 'pyenv.d'),
    '/usr/local/etc/pyenv.d',
    '/etc/pyenv.d',
    '/usr/lib/pyenv/hooks',
  ];
  try {
    for (const plugin of readdirSync(join(root, 'plugins'))) dirs.push(join(root, 'plugins', plugin, 'etc', 'pyenv.d'));
  } catch {
    // no plugins
  }
  return dirs.filter(Boolean).flatMap((dir) => {
    try {
      return readdirSync(join(dir, 'exec'));
    } catch {
      return [];
    }
  });
}

/** The first `name` on PATH, or undefined. */
function onPath(name: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The user's cache folder for mwaa: $MWAA_CACHE_DIR, else $XDG_CACHE_HOME/mwaa, else ~/.cache/mwaa. */
export function cacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.MWAA_CACHE_DIR) return env.MWAA_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'mwaa');
  return env.HOME ? join(env.HOME, '.cache', 'mwaa') : undefined;
}

/**
 * Fetches a URL's text into the cache (a constraints file never changes once published); `network:
 * false` reads the cache only (the quick check of `dags push`).
 */
function fetcher(env: Readonly<Record<string, string | undefined>>, network: boolean, signal: AbortSignal): CheckPorts['fetchText'] {
  const dir = cacheDir(env);
  return async (url) => {
    const file = dir ? join(dir, 'constraints', `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.txt`) : undefined;
    if (file) {
      const cached = await readFile(file, 'utf8').catch(() => undefined);
      if (cached !== undefined) return { text: cached, cached: true };
    }
    if (!network) return { offline: 'not in the cache (the quick check of dags push does not download it; `mwaa check` does, once)' };
    let text: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) });
      if (!response.ok) return { offline: `could not fetch it (HTTP ${response.status}) and it is not in the cache` };
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { offline: `could not fetch it (${cause ?? (error as Error).name ?? 'network error'}) and it is not in the cache` };
    }
    if (file) {
      await mkdir(join(file, '..'), { recursive: true }).catch(() => {});
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, text)
        .then(() => rename(tmp, file))
        .catch(() => {});
    }
    return { text, cached: false };
  };
}

/** Where the check remembers the files that compiled clean: `.mwaa/check-cache.json` beside mwaa.yaml. */
export function checkCacheFile(projectDir: string): string {
  return join(projectDir, '.mwaa', 'check-cache.json');
}

export function checkPorts(ctx: Context, options: { python?: string; network: boolean }): CheckPorts {
  let python: ProgramPort | undefined;
  let pythonMissing: string | undefined;
  if (options.python) {
    const path = resolve(ctx.cwd, options.python);
    if (!existsSync(path)) {
      throw new UsageError(`--python ${options.python}: no such file`, {
        code: 'check.python-missing',
        hint: "point it at a Python, e.g. .venv/bin/python of a virtualenv with the environment's Airflow version",
      });
    }
    python = program(options.python, path, ctx.env, ctx.cwd);
  } else {
    const found = onPath('python3', ctx.env);
    const pyenv = found ? pyenvTarget(found, ctx.env, ctx.cwd) : undefined;
    if (pyenv) python = program('python3', pyenv.executable, { ...ctx.env, ...pyenv.env }, ctx.cwd);
    else if (found) python = program('python3', found, ctx.env, ctx.cwd);
    else pythonMissing = 'no python3 on PATH (pass --python <path>, e.g. .venv/bin/python)';
  }
  const bashPath = onPath('bash', ctx.env);
  return {
    ...(python ? { python } : {}),
    ...(pythonMissing ? { pythonMissing } : {}),
    ...(bashPath ? { bash: program('bash', bashPath, ctx.env, ctx.cwd) } : {}),
    fetchText: fetcher(ctx.env, options.network, ctx.signal),
    clock: ctx.clock,
    signal: ctx.signal,
  };
}
