#!/usr/bin/env node
// The only place that touches the process: wires signals and streams, runs the bundled CLI and sets
// the exit code. Everything else lives in dist/ (built from src/ by `npm run build`). CommonJS, like
// dist/main.cjs, so that `mwaa --help` does not pay for starting Node's ES module loader.
'use strict';

// The AWS SDK warns on every run under Node 20 that its future releases will need Node 22. That is for
// the SDK's integrators (us), not for people running mwaa, whose output it would clutter.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// --debug prints stack traces: with source maps (dist/*.map) they name src/ files and lines, not bundle
// chunks. Only then, so that an ordinary start-up does not pay for reading the maps.
const debugIndex = process.argv.indexOf('--debug', 2);
const dashes = process.argv.indexOf('--', 2);
const debug = debugIndex !== -1 && (dashes === -1 || debugIndex < dashes);
if (debug) process.setSourceMapsEnabled(true);

// V8's code cache for dist/ between runs (bin/compile-cache.cjs), written at exit. Not with --debug:
// Node maps stack traces to src/ only for the files its own loader compiles.
const compileCache = debug
  ? undefined
  : require('./compile-cache.cjs').startCompileCache({ distDir: require('node:path').join(__dirname, '..', 'dist') });
let heap;
process.on('exit', () => {
  if (!compileCache) return;
  heap?.restoreDefaults(); // the cache must match a fresh process's V8 flags
  compileCache.save();
});

const { main, preScan } = require('../dist/main.cjs');

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal) => {
  interrupts += 1;
  if (interrupts > 1) {
    // a second Ctrl-C: stop now, but say what that leaves (a deploy's journal in the bucket allows finishing it)
    try {
      process.stderr.write(
        '\nmwaa: stopped without finishing; if a deploy was rolling back, `mwaa recover` finishes its rollback (the journal in the bucket allows it)\n',
      );
    } catch {
      // stderr closed: exit anyway
    }
    process.exit(130);
  }
  controller.abort(new Error(signal === 'SIGTERM' ? 'terminated' : 'interrupted'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// The terminal closed (SIGHUP: a dropped SSH session, a closed window). By default Node dies at once, and
// a deploy died half-way with its lock held. Now it stops as on Ctrl-C (a deploy rolls back), and never
// counts as the second Ctrl-C that stops a rollback: no person is there to insist. (`nohup` cannot keep a
// Node process alive anyway: Node resets SIGHUP to its default when it starts.)
let hungUp = false;
process.on('SIGHUP', () => {
  hungUp = true;
  if (!controller.signal.aborted) controller.abort(new Error('hangup'));
});

// `mwaa dags push 2>&1 | head -3`, `mwaa logs | head`: a reader that goes away takes only the output with
// it (EPIPE; EIO for a terminal that closed). What is left to write to that stream is dropped, and the
// command goes on to its own end and exit code: a deploy is never cut off half-way (it used to exit 0 here,
// leaving an unfinished release), and `trigger --wait` still exits with how the run ended. `mwaa logs`
// stops by itself once its stdout is gone. Any other failure to write (a full disk under `> out.json`)
// is dropped the same way, never thrown in the middle of a deploy, and reported at the end (stdoutLost).
let stdoutLost;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error && (error.code === 'EPIPE' || error.code === 'EIO')) return;
    if (stream === process.stdout) stdoutLost ??= error;
  });
}

main({
  argv: process.argv.slice(2),
  // stdin is opened only when a command reads it (a prompt, `--conf @-`)
  streams: {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
  },
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
  // V8 heap settings (bin/heap.cjs) for the commands whose work grows with the project or the log (their
  // specs say `tunesHeap`); loaded only then, so that --help and short commands do not pay for them
  tuneHeap: () => {
    heap = require('./heap.cjs');
    heap.tuneHeap(() => compileCache?.flagsChanged());
  },
}).then(async (code) => {
  process.exitCode = code;
  // Everything written must reach the reader before the process ends: on a pipe, stdout is written
  // asynchronously, and exiting with writes pending cuts the output (at 64 KB, a pipe's buffer) with
  // exit 0. So wait until both streams have handed their last byte to the OS (a slow reader makes
  // this wait), and only then exit: handles left open by SDK clients or servers must not keep a
  // finished command alive.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  if (stdoutLost) {
    // the output did not reach stdout (a file on a full disk): not a success, whatever the command did
    const errno = stdoutLost.code;
    const reason = errno ? `${errno}: ${stdoutLost.message.replace(/^\w+: /, '')}` : String(stdoutLost);
    const outcome = code === 0 ? 'succeeded' : `ended with exit code ${code}`;
    const message = `could not write to stdout (${reason}); the command itself ${outcome}, but its output is incomplete`;
    // with --json, stderr carries NDJSON events: this is one more
    const json = preScan(process.argv.slice(2), process.env).json;
    const data = { errno: errno ?? null, commandExitCode: code };
    process.stderr.write(
      json ? `${JSON.stringify({ time: Date.now(), code: 'cli.stdout-lost', level: 'warn', message, data })}\n` : `mwaa: ${message}\n`,
    );
    if (code === 0) code = 1;
    await flushed(process.stderr);
  }
  if (hungUp) {
    // Node's exit resets the terminal's modes, and on a terminal that is gone it aborts (or crashes);
    // a process the hangup stopped ends as one: killed by SIGHUP, as without this handler, but only now
    process.removeAllListeners('SIGHUP');
    process.kill(process.pid, 'SIGHUP');
    return;
  }
  process.exit(code);
});

/** Resolves once every write queued on the stream so far has been handed to the OS (or the stream is gone). */
function flushed(stream) {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve();
    stream.once('error', resolve);
    stream.write('', () => resolve());
  });
}
