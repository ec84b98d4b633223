import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The folder of the Python that `python3` runs, put first on the tests' PATH: `mwaa check`, the pty
 * helper and the boto3 tests start Python a few hundred times, and a version manager's shim in front of
 * it (pyenv's is a shell script that runs pyenv) costs about half a second per start on this machine.
 * The same interpreter either way; without a python3, PATH stays as it is.
 */
function pythonFirstOnPath(): string | undefined {
  // vitest evaluates this file more than once in its process: ask python3 (through its shim) once
  if (process.env.MWAA_TEST_PATH) return process.env.MWAA_TEST_PATH;
  try {
    const python = execFileSync('python3', ['-S', '-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    if (!python) return undefined;
    process.env.MWAA_TEST_PATH = `${dirname(python)}:${process.env.PATH ?? ''}`;
    return process.env.MWAA_TEST_PATH;
  } catch {
    return undefined;
  }
}
const PATH = pythonFirstOnPath() ?? process.env.PATH ?? '';

/**
 * The tests' temporary folders (projects, emulators' state, the files a push uploads) on a RAM file
 * system when the machine has one that may hold them: /dev/shm as tmpfs, executable (tests run scripts
 * they write there), with 1 GiB free. The suite creates and removes tens of thousands of small files;
 * on this machine's disk a file's creation costs ~0.4 ms of kernel time, on tmpfs a tenth of that
 * (measured with 250 files; the suite's kernel time went from ~9.5 to ~7 s in a run of six fs-heavy
 * files). Nothing the tests assert depends on the disk: fsync is a no-op on tmpfs, and no test cuts power.
 * Every test takes its folders from os.tmpdir(), which reads TMPDIR; a TMPDIR already set is kept.
 */
function ramTmpdir(): string | undefined {
  if (process.env.TMPDIR || process.platform !== 'linux') return undefined;
  try {
    const shm = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .find(([, mountPoint, type]) => mountPoint === '/dev/shm' && type === 'tmpfs');
    if (!shm || shm[3].split(',').includes('noexec')) return undefined;
    const free = statfsSync('/dev/shm');
    if (free.bavail * free.bsize < 2 ** 30) return undefined;
    const dir = join('/dev/shm', `mwaa-tests-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // someone else's folder of that name (/dev/shm is shared like /tmp): not ours to write in
    return statSync(dir).uid === process.getuid?.() ? dir : undefined;
  } catch {
    return undefined;
  }
}
const TMPDIR = ramTmpdir();

/**
 * Test files run four at a time on this 2-core machine: most of them spend part of their time waiting (an
 * emulator's simulated delay, a child process, a held S3 call). Measured in alternating runs of the whole
 * suite (2026-12-07): 3 workers 109 s, 4 workers 102–112 s, 5 workers 107 s, 6 workers 125–130 s; each
 * worker beyond four added CPU (more processes loading the CLI, more switching) and no overlap. They share
 * their worker process (`isolate: false`): the CLI's modules, which an in-process run loads through
 * Vite's transform, are loaded once per worker rather than once per file (about 0.7 s each);
 * test/helpers/setup.ts gives every file the environment variables the worker started with. A file that
 * mocks a module with vi.mock runs isolated, because its mock would otherwise answer the files that come
 * after it in the same worker.
 */
const ISOLATED = ['test/unit/host.test.ts'];
/** (projects that run together must have the same number of workers) */
const WORKERS = 4;

/**
 * The files that take longest (wall time, measured in whole runs on this 2-core machine, longest first).
 * Vitest starts the longest files first by the durations of the last run it remembers
 * (node_modules/.vite); a fresh clone (CI) has none, and vitest then starts the largest files first:
 * deploy-race, a small file of 35 s, started among the last and ran alone at the end for ~15 s. Without
 * remembered durations, these go first; with them, vitest's own order stands.
 */
const SLOWEST = [
  'test/integration/deploy-race.test.ts',
  'test/e2e/live-views.test.ts',
  'test/integration/deploy-process.test.ts',
  'test/integration/deploy-failures.test.ts',
  'test/integration/rest-emulator.test.ts',
  'test/integration/env.test.ts',
  'test/e2e/pipe.test.ts',
  'test/e2e/reader-gone.test.ts',
  'test/local/s3-fuzz.test.ts',
  'test/e2e/heap.test.ts',
];

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const remembered = files.some((f) => this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(root, f.moduleId)}`));
    if (remembered) return sorted;
    const rank = (f: TestSpecification) => {
      const i = SLOWEST.indexOf(relative(root, f.moduleId));
      return i === -1 ? SLOWEST.length : i;
    };
    // each project's files apart, in vitest's order of projects; a stable sort: the others keep vitest's order
    const projects = new Map<string, TestSpecification[]>();
    for (const f of sorted) projects.set(f.project.name, [...(projects.get(f.project.name) ?? []), f]);
    return [...projects.values()].flatMap((group) => group.sort((a, b) => rank(a) - rank(b)));
  }
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    sequence: { sequencer: SlowestFirst },
    setupFiles: ['test/helpers/setup.ts'],
    // Keeps the TypeScript it transforms for the tests in node_modules/.experimental-vitest-cache, keyed
    // by each file's content and the configuration, so that a run after an edit transforms only what
    // changed: ~12 of the ~15 s of CPU the transforms took per run (an experimental option of Vitest 4,
    // the default from Vitest 5; `npx vitest --clearCache` empties it).
    experimental: { fsModuleCache: true },
    // the default output, then one plain "tests: N passed, N failed, N skipped" line
    reporters: ['default', './scripts/summary-reporter.mjs'],
    env: {
      // Tests never reach AWS: no shared config or credentials files, no instance metadata. CLI runs get
      // a clean environment from test/helpers/cli.ts (baseEnv); SDK clients in tests get explicit credentials.
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      NO_COLOR: '1',
      PATH,
      ...(TMPDIR ? { TMPDIR } : {}),
      // SDK clients made in test processes: as bin/mwaa.cjs does, no warning that future SDK releases need Node 22
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: ['**/node_modules/**', ...ISOLATED],
          isolate: false,
          maxWorkers: WORKERS,
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true, maxWorkers: WORKERS } },
    ],
  },
});
