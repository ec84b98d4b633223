/**
 * bin/heap.cjs: the young generation stops growing at the cap once capYoungGeneration() ran (a process
 * that keeps some of what it allocates, like `mwaa logs` holding a page, otherwise grows it to 32 MiB);
 * limitOldGeneration() keeps the heap near what is live under a high rate of short-lived garbage (like
 * a deploy's S3 calls); bin/mwaa.cjs's tuneHeap applies both once the young generation reaches the cap, for
 * a command whose work grows with the project or the log (specs that declare `tunesHeap`), never for short
 * commands.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { baseEnv, captureStreams, ROOT } from '../helpers/cli.js';

const HEAP = join(ROOT, 'bin', 'heap.cjs');

/** Runs a Node script that prints one JSON line; it must exit 0 and print nothing on stderr (no "unrecognized flag" from V8). */
function runScript(script: string): unknown {
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

/**
 * Allocates ~1.25 MB a round (~75 MB in 60 rounds), keeping the newest 4,000 arrays alive, and reports
 * the young generation's size (and, with tuneHeap, the round in which it changed V8's flags). Without the
 * cap, V8 has grown the young generation to its 32 MiB within 20 rounds (measured on Node 20); 200
 * rounds, as before, cost twice the CPU for the same sizes.
 */
function churn(mode: 'free' | 'cap' | 'tune', rounds = 60): { newSpace: number; cap: number; changedAt?: number } {
  const script = `
    const { capYoungGeneration, tuneHeap, CAP } = require(${JSON.stringify(HEAP)});
    let r = 0;
    let changedAt;
    if (${JSON.stringify(mode)} === 'cap') capYoungGeneration();
    if (${JSON.stringify(mode)} === 'tune') tuneHeap(() => (changedAt = r));
    const ring = new Array(4000);
    let i = 0;
    (async () => {
      for (r = 0; r < ${rounds}; r++) {
        for (let k = 0; k < 5000; k++) ring[i++ % ring.length] = new Array(64).fill(k);
        await new Promise((res) => setImmediate(res));
      }
      const s = require('node:v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
      console.log(JSON.stringify({ newSpace: s.space_size, cap: CAP, changedAt }));
    })();`;
  return runScript(script) as { newSpace: number; cap: number };
}

/** Keeps ~300,000 objects live while allocating ~2 million that survive a while; reports the peak heap. */
function oldChurn(limit: boolean): { peakMiB: number } {
  const script = `
    const { limitOldGeneration } = require(${JSON.stringify(HEAP)});
    if (${limit}) limitOldGeneration();
    const v8 = require('node:v8');
    const live = Array.from({ length: 300000 }, (_, i) => ({ i, s: 'x' + i }));
    const ring = new Array(100000);
    let peak = 0, n = 0;
    (async () => {
      for (let r = 0; r < 100; r++) {
        for (let k = 0; k < 20000; k++) ring[n++ % ring.length] = { k, a: [k, k + 1, k + 2], s: 'y' + k };
        peak = Math.max(peak, v8.getHeapStatistics().total_heap_size);
        await new Promise((res) => setImmediate(res));
      }
      console.log(JSON.stringify({ peakMiB: peak / 1048576, live: live.length }));
    })();`;
  return runScript(script) as { peakMiB: number };
}

const major = Number(process.versions.v8.split('.')[0]);

describe('limitOldGeneration (bin/heap.cjs)', () => {
  it.skipIf(major < 11 || major > 13)(
    'keeps the heap much closer to what is live than V8 does by itself',
    () => {
      const free = oldChurn(false);
      const limited = oldChurn(true);
      // measured: ~210 MiB without, ~112 MiB with (V8 grows the heap to its peak within the first 100
      // rounds; 300 rounds, as before, gave the same peaks for three times the CPU)
      expect(limited.peakMiB).toBeLessThan(free.peakMiB * 0.8);
      // two processes of ~1.5 s of CPU each: on two cores shared with other test files, far more than 30 s
      // can pass; what is asserted is memory, not time
    },
    180_000,
  );
});

describe('capYoungGeneration (bin/heap.cjs)', () => {
  it.skipIf(major < 11 || major > 13)('keeps the young generation at the cap under a workload that grows it without', () => {
    const free = churn('free');
    const capped = churn('cap');
    expect(free.newSpace).toBeGreaterThan(free.cap);
    expect(capped.newSpace).toBeLessThanOrEqual(capped.cap);
    expect(capped.newSpace).toBeGreaterThanOrEqual(capped.cap / 2);
  });
});

describe('tuneHeap (bin/heap.cjs)', () => {
  it.skipIf(major < 11 || major > 13)('changes V8 flags once the young generation reaches the cap, not at the start', () => {
    const tuned = churn('tune', 20); // the cap is reached within the first rounds
    expect(tuned.changedAt).toBeDefined(); // told, in the round that reached the cap (not at the call: next test)
    expect(tuned.newSpace).toBeLessThanOrEqual(tuned.cap);
  });

  it('leaves the flags alone in a short process (restoreDefaults: test/e2e/compile-cache.test.ts)', () => {
    // a short process: what it compiles keeps its code cache, and the one written at exit matches a fresh process
    const short = runScript(`
      const heap = require(${JSON.stringify(HEAP)});
      let told = false;
      heap.tuneHeap(() => (told = true));
      console.log(JSON.stringify({ told }));`);
    expect(short).toEqual({ told: false });
  });
});

describe('tuneHeap', () => {
  const run = async (argv: string[]) => {
    const tuneHeap = vi.fn();
    const { stdout, stderr, stdin } = captureStreams();
    // (the repository's root has no mwaa.yaml: commands that need one exit 2 after the handler started)
    const code = await main({ argv, streams: { stdout, stderr, stdin }, env: baseEnv(), cwd: ROOT, tuneHeap });
    return { code, calls: tuneHeap.mock.calls.length };
  };

  it('is called once before the handler of a command that declares tunesHeap, and for nothing else', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, calls: 0 });
    expect(await run(['--version'])).toEqual({ code: 0, calls: 0 });
    expect(await run(['logs', '--help'])).toEqual({ code: 0, calls: 0 });
    expect(await run(['complettion'])).toEqual({ code: 2, calls: 0 });
    expect(await run(['completion', 'bash'])).toEqual({ code: 0, calls: 0 });
    expect(await run(['env', 'show'])).toEqual({ code: 2, calls: 0 });
    expect(await run(['dags', 'diff'])).toEqual({ code: 2, calls: 1 });
  });
});

describe('bin/mwaa.cjs', () => {
  /** Runs the built binary and reports whether bin/heap.cjs was loaded by the time it exited. */
  const heapLoaded = (argv: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'mwaa-heap-probe-'));
    try {
      const probe = join(dir, 'probe.cjs');
      writeFileSync(
        probe,
        `process.on('exit', () => process.stderr.write('HEAP_LOADED=' + Object.keys(require.cache).some((k) => k.endsWith(${JSON.stringify(join('bin', 'heap.cjs'))})) + '\\n'));\n`,
      );
      const r = spawnSync(process.execPath, ['--require', probe, join(ROOT, 'bin', 'mwaa.cjs'), ...argv], {
        encoding: 'utf8',
        env: baseEnv() as NodeJS.ProcessEnv,
      });
      return /HEAP_LOADED=(true|false)/.exec(r.stderr)?.[1];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.skipIf(!existsSync(join(ROOT, 'dist', 'main.cjs')))(
    'tunes the heap for `dags diff`, and loads nothing for --help or `env show`',
    () => {
      expect(heapLoaded(['--help'])).toBe('false');
      expect(heapLoaded(['env', 'show'])).toBe('false');
      expect(heapLoaded(['dags', 'diff'])).toBe('true');
    },
  );
});
