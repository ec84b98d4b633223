// Process-level heap tuning for bin/mwaa.cjs (called before a command's handler runs, not for --help).
'use strict';

/** The young generation's size (both semi-spaces) at which it stops growing. */
const CAP = 8 * 1024 * 1024;

/**
 * Keeps V8's young generation at 4 MiB per semi-space once it has grown that far. V8 doubles the young
 * generation (up to 16 MiB per semi-space) each time the bytes that survived collections since the
 * last growth exceed its size, so a process that streams data grows it the longer it runs, whatever
 * it holds: `mwaa logs` had a peak RSS 25% higher after 100,000 events than after 10,000 with the
 * same live heap, and 4 MiB costs no measurable speed here (bench/logs.mjs, bench/push.mjs).
 * `--max-semi-space-size` cannot be changed once V8 runs, the growth factor can (V8 reads it at each
 * growth); set to 1, growing stops where it is. V8 11-13 (Node 20-24) have the flag (newer V8 may
 * raise it to 2 again: then nothing changes); others are left alone, an unknown flag prints an error.
 */
function capYoungGeneration(capBytes = CAP) {
  const major = Number(process.versions.v8.split('.')[0]);
  if (!(major >= 11 && major <= 13)) return;
  const v8 = require('node:v8');
  const { PerformanceObserver } = require('node:perf_hooks');
  const reached = () => {
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (!space || space.space_size < capBytes) return false;
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    return true;
  };
  if (reached()) return;
  const observer = new PerformanceObserver(() => {
    if (reached()) observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}

module.exports = { capYoungGeneration, CAP };
