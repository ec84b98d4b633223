// V8's code cache for the bundled CLI (dist/), kept between runs in the user's cache folder. Compiling
// the ~1 MB of JavaScript a command loads is a large part of its start-up; a file's cache, made at the
// end of a run, holds every function the run compiled, so the next run neither parses nor compiles them
// (a no-op `dags push` of 2,000 files 18% faster, `env show` 15%: bench/RESULTS.md). Node 22 has this
// built in (module.enableCompileCache); Node 20 does not, hence this file. docs/architecture.md, "Start-up".
//
// What keeps it safe:
// - one folder per Node version, platform and build (dist/build-id, written by scripts/build.mjs), created
//   private to the user, and used only while it is (cached data is code); V8 rejects data made by another
//   V8 or under other V8 flags, and then the file is compiled as usual and its cache made again;
// - a file holding an import() is never cached: Node 20 restores cached code without its import callback;
// - every failure (no home folder, a read-only or full disk) costs speed only, never output: nothing here
//   prints or throws.
'use strict';

const Module = require('node:module');
const { Script } = require('node:vm');
const fs = require('node:fs');
const path = require('node:path');

/** How many builds' caches are kept besides the running one (an upgrade leaves the old build's behind). */
const KEEP_OTHER_BUILDS = 2;

/**
 * The cache's root: `compile/` in mwaa's cache folder, found as src/cli/check-ports.ts's cacheDir finds it
 * ($MWAA_CACHE_DIR, else $XDG_CACHE_HOME/mwaa, else ~/.cache/mwaa); undefined without any of them.
 */
function cacheRoot(env) {
  const dir =
    env.MWAA_CACHE_DIR || (env.XDG_CACHE_HOME ? path.join(env.XDG_CACHE_HOME, 'mwaa') : env.HOME && path.join(env.HOME, '.cache', 'mwaa'));
  return dir ? path.join(dir, 'compile') : undefined;
}

/**
 * Compiles the files under `distDir` with the code cache from now on. Returns the cache's controls, or
 * undefined when it stays off (MWAA_DISABLE_COMPILE_CACHE=1, no build id, no cache folder).
 * - `flagsChanged()`: V8 flags were changed at run time (bin/heap.cjs). A file compiled afterwards is
 *   rejected for the flags, not for its data, so that is no reason to write it again (bin/mwaa.cjs puts
 *   V8's defaults back before `save`, so what is written matches a fresh process);
 * - `save()`: at exit, writes the cache of each file that had none or whose cache V8 rejected, and on a
 *   command's first run, of every file it loaded.
 */
function startCompileCache({ distDir, env = process.env }) {
  if (env.MWAA_DISABLE_COMPILE_CACHE === '1') return undefined;
  let buildId;
  try {
    buildId = fs.readFileSync(path.join(distDir, 'build-id'), 'utf8').trim();
  } catch {
    return undefined;
  }
  const root = cacheRoot(env);
  if (!root || !/^[0-9a-f]+$/.test(buildId)) return undefined;
  const dir = path.join(root, `${process.version}-${process.platform}-${process.arch}-${buildId}`);
  if (!privateFolder(dir)) return undefined;
  const prefix = distDir.endsWith(path.sep) ? distDir : distDir + path.sep;
  const handlers = `lazy${path.sep}commands${path.sep}`;
  /** every file compiled here, and whether it is written even when this is not a command's first run */
  const loaded = [];
  let flagsAsAtStart = true;
  let commandsFirstRun = false;

  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (!filename.startsWith(prefix) || content.includes('import(')) return compile.call(this, content, filename);
    const rel = filename.slice(prefix.length);
    const file = path.join(dir, rel.split(path.sep).join('__'));
    let cachedData;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined && rel.startsWith(handlers)) commandsFirstRun = true;
    loaded.push({ file, script, missing: flagsAsAtStart && (cachedData === undefined || script.cachedDataRejected) });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, path.dirname(filename));
  };

  return {
    flagsChanged() {
      flagsAsAtStart = false;
    },
    save() {
      // A command's first run (its handler had no cache) writes every file it loaded: the data holds what
      // earlier commands compiled and restored from the cache plus what this one compiled, so that a
      // chunk shared by `env show` and `dags push` serves both. Later runs write only what was missing.
      const toWrite = commandsFirstRun ? loaded : loaded.filter((s) => s.missing);
      if (toWrite.length === 0) return;
      try {
        const fresh = !fs.existsSync(dir);
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        for (const { file, script } of toWrite) {
          // written aside and renamed: a process starting meanwhile reads the old file or the new one, whole
          const part = `${file}.${process.pid}.part`;
          try {
            fs.writeFileSync(part, script.createCachedData(), { mode: 0o600 });
            fs.renameSync(part, file);
          } catch {
            fs.rmSync(part, { force: true });
          }
        }
        if (fresh) pruneOtherBuilds(root, path.basename(dir));
      } catch {
        // the cache is only speed: the next run compiles as usual
      }
    },
  };
}

/**
 * Cached data is code: a folder that someone else could have written (another user's, or one open to
 * all, as under a shared XDG_CACHE_HOME) is neither read nor written. One not there yet is made private.
 */
function privateFolder(dir) {
  let st;
  try {
    st = fs.statSync(dir);
  } catch (error) {
    return error.code === 'ENOENT';
  }
  if (!st.isDirectory()) return false;
  // (Windows has neither owners nor modes here: its folders under the user's profile are the user's)
  if (typeof process.getuid !== 'function') return true;
  return st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

/** Removes the caches of all but the most recent other builds (the user's own: a cache folder may be shared). */
function pruneOtherBuilds(root, current) {
  const others = fs
    .readdirSync(root)
    .filter((name) => name !== current)
    .map((name) => ({ name, st: fs.statSync(path.join(root, name)) }))
    .filter(({ st }) => typeof process.getuid !== 'function' || st.uid === process.getuid())
    .map(({ name, st }) => ({ name, time: st.mtimeMs }))
    .sort((a, b) => b.time - a.time);
  for (const { name } of others.slice(KEEP_OTHER_BUILDS)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
}

module.exports = { startCompileCache };
