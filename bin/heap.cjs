// Process-level heap tuning for bin/mwaa.cjs (called before a command's handler runs, not for --help).
// V8 sizes its heap for long-running servers; mwaa is a command that should use about the same memory
// for 2,000 DAG files or 100,000 log events as for a few. Two settings, both read by V8 at each
// collection (the sizes given at start-up, like --max-semi-space-size, cannot change once V8 runs):
'use strict';

/** The young generation's size (both semi-spaces) at which it stops growing. */
const CAP = 8 * 1024 * 1024;

/**
 * Keeps V8's young generation at 4 MiB per semi-space once it has grown that far (best effort: the size
 * is checked after collections, between turns of the event loop, so one long synchronous stretch can
 * still grow it a step further; mwaa's streaming work yields often). V8 doubles the young
 * generation (up to 16 MiB per semi-space) each time the bytes that survived collections since the
 * last growth exceed its size, so a process that streams data grows it the longer it runs, whatever
 * it holds: `mwaa logs` had a peak RSS 25% higher after 100,000 events than after 10,000 with the
 * same live heap, and 4 MiB costs no measurable speed here (bench/logs.mjs, bench/push.mjs).
 * `--max-semi-space-size` cannot be changed once V8 runs, the growth factor can (V8 reads it at each
 * growth); set to 1, growing stops where it is (a newer V8 may raise it to 2 again: then nothing
 * changes).
 */
function capYoungGeneration(capBytes = CAP) {
  if (!knownV8()) return;
  onceYoungGenerationReaches(capBytes, () => setFlag('--semi-space-growth-factor=1'));
}

/** Runs `action` once the young generation has reached `capBytes`: now, or after a later collection. */
function onceYoungGenerationReaches(capBytes, action) {
  const v8 = require('node:v8');
  const { PerformanceObserver } = require('node:perf_hooks');
  const reached = () => {
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (!space || space.space_size < capBytes) return false;
    action();
    return true;
  };
  if (reached()) return;
  const observer = new PerformanceObserver(() => {
    if (reached()) observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** How far (in percent of what is live) the old generation grows before the next full collection. */
const OLD_GROWTH_PERCENT = 30;

/**
 * Lets the old generation grow by 30% over what survived the last full collection (the flag replaces
 * V8's own factor, 1.1 to 4). V8 derives that factor from how fast it collects versus how fast the
 * program allocates, and for a deploy's thousands of S3 calls (each allocating ~250 KB of SDK garbage)
 * it reached 3.5: a 20,000-file push kept 150 MB of heap for 43 MB live, its peak RSS was ~250 MiB;
 * with 50% ~175 MiB, same wall time. 30% (session 3, with far less live per file): a few MiB less at
 * 20,000 files again, no measurable time (bench/push.mjs).
 */
function limitOldGeneration(percent = OLD_GROWTH_PERCENT) {
  if (!knownV8()) return;
  setFlag(`--heap-growing-percent=${percent}`);
}

/** V8 11-13 (Node 20-24) have both flags; an unknown flag would print an error, so others are left alone. */
function knownV8() {
  const major = Number(process.versions.v8.split('.')[0]);
  return major >= 11 && major <= 13;
}

/**
 * Both, for bin/mwaa.cjs, which calls this before a command's handler runs. They take effect once the
 * young generation reaches the cap, not at the call: changing a V8 flag costs everything compiled
 * afterwards its code cache (Node's built-in modules', and bin/compile-cache.cjs's, both keyed by V8's
 * flags). A short command never reaches the cap; a push reaches it after its modules are loaded.
 * `onChange` is told just before the flags change.
 */
function tuneHeap(onChange = () => {}) {
  if (!knownV8()) return;
  onceYoungGenerationReaches(CAP, () => {
    onChange();
    setFlag('--semi-space-growth-factor=1');
    setFlag(`--heap-growing-percent=${OLD_GROWTH_PERCENT}`);
  });
}

let changed = false;

function setFlag(flag) {
  require('node:v8').setFlagsFromString(flag);
  changed = true;
}

/**
 * Puts back V8's defaults (V8 11-13) for both flags, so that a code cache made at exit
 * (bin/compile-cache.cjs) matches the flags of the next process's start.
 */
function restoreDefaults() {
  if (!changed) return;
  const v8 = require('node:v8');
  v8.setFlagsFromString('--semi-space-growth-factor=2');
  v8.setFlagsFromString('--heap-growing-percent=0');
  changed = false;
}

module.exports = { tuneHeap, restoreDefaults, capYoungGeneration, limitOldGeneration, CAP, OLD_GROWTH_PERCENT };
