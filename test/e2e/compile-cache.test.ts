/**
 * bin/compile-cache.cjs: V8's code cache for dist/, written at the end of a run into the user's cache folder
 * and used by the next run. V8 rejects a cache made under other V8 flags, and the cache writes a file again
 * only when it had none or V8 rejected it: a file left untouched by the second run is a cache V8 accepted.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baseEnv, ROOT } from '../helpers/cli.js';

const BIN = join(ROOT, 'bin', 'mwaa.cjs');
const CACHE = join(ROOT, 'bin', 'compile-cache.cjs');
const HEAP = join(ROOT, 'bin', 'heap.cjs');
const built = existsSync(join(ROOT, 'dist', 'build-id'));

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'mwaa-compile-cache-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function mwaa(argv: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...argv], {
    cwd: home,
    encoding: 'utf8',
    env: { ...baseEnv(), XDG_CACHE_HOME: join(home, 'cache'), ...env } as NodeJS.ProcessEnv,
  });
}

/** The cache's files (the one build folder under cache/mwaa/compile) with what identifies each write. */
function cacheFiles(): Map<string, string> {
  const root = join(home, 'cache', 'mwaa', 'compile');
  const builds = existsSync(root) ? readdirSync(root) : [];
  expect(builds.length).toBeLessThanOrEqual(1);
  const files = new Map<string, string>();
  for (const build of builds) {
    for (const name of readdirSync(join(root, build))) {
      const st = statSync(join(root, build, name));
      files.set(name, `${st.ino}:${st.mtimeMs}:${st.size}`);
    }
  }
  return files;
}

describe.skipIf(!built)('the compile cache of bin/mwaa.cjs', () => {
  it('is written by a first run and used, untouched, by the next', () => {
    const first = mwaa(['completion', 'bash']);
    expect(first.status, first.stderr).toBe(0);
    const written = cacheFiles();
    expect([...written.keys()]).toEqual(expect.arrayContaining(['main.cjs', 'lazy__run.cjs', 'lazy__commands__completion.cjs']));
    expect([...written.keys()].some((name) => name.startsWith('lazy__chunks__command-'))).toBe(true);

    const second = mwaa(['completion', 'bash']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
    expect(cacheFiles()).toEqual(written);
  });

  it("adds a command's functions to the files it shares with the commands that ran before it, once", () => {
    expect(mwaa(['completion', 'bash']).status).toBe(0);
    const before = cacheFiles();
    const shared = [...before.keys()].find((name) => name.startsWith('lazy__chunks__command-')) ?? '';
    // (no mwaa.yaml: exit 2, after the handler and the chunks it shares with `completion` were loaded)
    expect(mwaa(['dags', 'diff']).status).toBe(2);
    const after = cacheFiles();
    expect(after.has('lazy__commands__dags__diff.cjs')).toBe(true);
    // written again, with what `dags diff` compiled added: larger
    const size = (identity = '') => Number(identity.split(':')[2]);
    expect(size(after.get(shared))).toBeGreaterThan(size(before.get(shared)));
    expect(after.get('main.cjs')).not.toBe(before.get('main.cjs'));
    expect(mwaa(['dags', 'diff']).status).toBe(2);
    expect(cacheFiles()).toEqual(after);
    expect(mwaa(['completion', 'bash']).status).toBe(0);
    expect(cacheFiles()).toEqual(after);
  });

  it('never caches a file holding an import() (Node 20 would restore it without its import callback)', () => {
    // the views' loader is the one such file of the command path: the build turns the rest into require()s
    const lazy = join(ROOT, 'dist', 'lazy');
    const withImport = readdirSync(lazy, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.cjs') && readFileSync(join(lazy, f), 'utf8').includes('import('));
    expect(withImport.map((f) => f.replace(/-[\w-]{8}\.cjs$/, ''))).toEqual([join('chunks', 'view-modules')]);

    // a push opens a live view only on a terminal; `dags push --help` and a failing push load its chunks
    expect(mwaa(['dags', 'push']).status).toBe(2);
    const names = [...cacheFiles().keys()];
    expect(names.length).toBeGreaterThan(3);
    expect(names.filter((n) => n.includes('view-modules'))).toEqual([]);
  });

  it('takes a damaged cache file for no cache: same output, nothing on stderr, the file made again', () => {
    const first = mwaa(['completion', 'bash']);
    const root = join(home, 'cache', 'mwaa', 'compile');
    const build = readdirSync(root)[0];
    writeFileSync(join(root, build, 'main.cjs'), 'not a code cache');
    const second = mwaa(['completion', 'bash']);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
    expect(readFileSync(join(root, build, 'main.cjs')).length).toBeGreaterThan(1000);
  });

  it('stays silent when it cannot write, and off with MWAA_DISABLE_COMPILE_CACHE=1', () => {
    writeFileSync(join(home, 'cache'), 'a file where the cache folder would go');
    const blocked = mwaa(['completion', 'bash']);
    expect(blocked.status).toBe(0);
    expect(blocked.stderr).toBe('');
    expect(blocked.stdout).toContain('complete');

    rmSync(join(home, 'cache'));
    const off = mwaa(['completion', 'bash'], { MWAA_DISABLE_COMPILE_CACHE: '1' });
    expect(off.status).toBe(0);
    expect(existsSync(join(home, 'cache'))).toBe(false);
  });

  it('neither reads nor writes a build folder that others can write to (cached data is code)', () => {
    const id = readFileSync(join(ROOT, 'dist', 'build-id'), 'utf8').trim();
    const build = join(home, 'cache', 'mwaa', 'compile', `${process.version}-${process.platform}-${process.arch}-${id}`);
    mkdirSync(build, { recursive: true });
    chmodSync(build, 0o777);
    writeFileSync(join(build, 'main.cjs'), 'planted');
    const r = mwaa(['completion', 'bash']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(readdirSync(build)).toEqual(['main.cjs']);
    expect(readFileSync(join(build, 'main.cjs'), 'utf8')).toBe('planted');
  });

  it('keeps the caches of the two most recent other builds, no more', () => {
    const root = join(home, 'cache', 'mwaa', 'compile');
    for (const [i, name] of ['v0-old-1', 'v0-old-2', 'v0-old-3'].entries()) {
      mkdirSync(join(root, name), { recursive: true });
      const t = new Date(Date.now() - (3 - i) * 60_000);
      utimesSync(join(root, name), t, t);
    }
    expect(mwaa(['completion', 'bash']).status).toBe(0);
    const left = readdirSync(root).sort();
    expect(left).toHaveLength(3);
    expect(left).toEqual(expect.arrayContaining(['v0-old-2', 'v0-old-3']));
  });
});

describe('V8 flags and the cache (bin/compile-cache.cjs with bin/heap.cjs)', () => {
  /** A fake dist/ of two files, loaded by a process that changes V8's flags between them (or not). */
  function runScript(dist: string, options: { tune: boolean; restore: boolean }): void {
    const script = `
      const cache = require(${JSON.stringify(CACHE)}).startCompileCache({ distDir: ${JSON.stringify(dist)}, env: { XDG_CACHE_HOME: ${JSON.stringify(join(home, 'cache'))} } });
      const heap = require(${JSON.stringify(HEAP)});
      require(${JSON.stringify(join(dist, 'a.cjs'))}).run();
      if (${options.tune}) { cache.flagsChanged(); heap.capYoungGeneration(0); heap.limitOldGeneration(); }
      require(${JSON.stringify(join(dist, 'b.cjs'))}).run();
      if (${options.restore}) heap.restoreDefaults();
      cache.save();`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  }

  it('writes at exit under the flags a fresh process starts with, and nothing for code loaded after a change', () => {
    const dist = join(home, 'dist');
    mkdirSync(dist);
    writeFileSync(join(dist, 'build-id'), 'abc123\n');
    for (const name of ['a', 'b']) writeFileSync(join(dist, `${name}.cjs`), `exports.run = () => [1, 2, 3].map((x) => x * 2);\n`);

    runScript(dist, { tune: true, restore: true });
    const first = cacheFiles();
    expect([...first.keys()]).toEqual(['a.cjs']); // b.cjs was loaded after the flags changed

    runScript(dist, { tune: false, restore: false });
    const second = cacheFiles();
    expect(second.get('a.cjs')).toBe(first.get('a.cjs')); // accepted: made under a fresh process's flags
    expect([...second.keys()].sort()).toEqual(['a.cjs', 'b.cjs']);

    // without restoring the defaults, a.cjs's rewritten cache would carry the tuned flags: rejected next time
    rmSync(join(home, 'cache'), { recursive: true });
    runScript(dist, { tune: true, restore: false });
    const tuned = cacheFiles().get('a.cjs');
    runScript(dist, { tune: false, restore: false });
    expect(cacheFiles().get('a.cjs')).not.toBe(tuned);
  });
});
