/**
 * `mwaa check` end to end, in-process (no AWS, no emulator needed): the machine's python3 for the
 * syntax path, a stub `airflow` package on a temporary PYTHONPATH for the DagBag path, a local HTTP
 * server (then the cache folder) for the constraints file, and bash -n for the startup script.
 */
import { createServer, type Server } from 'node:http';
import { cpSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARALLEL_FROM } from '../../src/core/check/python.js';
import { baseEnv, ROOT, runCli, tempDir } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

const STUB_AIRFLOW = join(ROOT, 'test', 'fixtures', 'stub-airflow');
const CORPUS = join(ROOT, 'test', 'fixtures', 'dag-corpus');

let root: { dir: string; cleanup: () => void };
let server: Server;
let constraintsUrl: string;
let served = 0;

beforeAll(async () => {
  root = tempDir('mwaa-check-');
  server = createServer((req, res) => {
    served++;
    if (req.url === '/constraints-2.10.3/constraints-3.11.txt') res.end('# constraints\nrequests==2.32.3\nboto3==1.35.0\n');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  constraintsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/constraints-2.10.3/constraints-3.11.txt`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  root.cleanup();
});

const ENVIRONMENT = [
  '    environment:',
  '      airflowVersion: "2.10.3"',
  '      executionRoleArn: arn:aws:iam::123456789012:role/mwaa',
  '      network: { subnetIds: [subnet-a, subnet-b], securityGroupIds: [sg-1] }',
];

let counter = 0;
/** A project folder with mwaa.yaml and the given files (a Uint8Array is written as is). */
function project(files: Record<string, string | Uint8Array>, entry: string[] = []): string {
  const dir = join(root.dir, `p${++counter}`);
  mkdirSync(join(dir, 'dags'), { recursive: true });
  writeFileSync(
    join(dir, 'mwaa.yaml'),
    ['environments:', '  test:', '    name: checktest', '    bucket: check-bucket', '    dags: ./dags', ...entry, ...ENVIRONMENT, ''].join(
      '\n',
    ),
  );
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  return dir;
}

function check(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  return runCli(['check', ...args], { cwd: dir, env: baseEnv({ MWAA_CACHE_DIR: join(root.dir, 'cache'), ...env }) });
}

const withStub = { PYTHONPATH: STUB_AIRFLOW };

/** The Python processes running in `dir` (Linux: /proc/<pid>/cwd and cmdline). */
function pythonsIn(dir: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) === dir && /python/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) found.push(Number(pid));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

describe('mwaa check', () => {
  it('reports exactly the syntax error, the duplicate DAG id, the bad requirements and the wrapped plugins.zip', async () => {
    const dir = project(
      {
        'dags/broken.py': 'from airflow import DAG\n\nwith DAG("broken") as dag\n    pass\n',
        'dags/a_first.py': 'from airflow import DAG\n\ndag = DAG("dup")\n',
        'dags/b_second.py': 'from airflow import DAG\n\n\ndag = DAG("dup")\n',
        'dags/fine.py': 'from airflow import DAG\nfrom helpers import NAME\n\ndag = DAG(NAME)\n',
        'plugins.zip': zipSync({ 'plugins/helpers.py': strToU8('NAME = "fine"\n') }),
        'requirements.txt': `--constraint "${constraintsUrl}"\napache-airflow==2.10.3\nrequests==2.31.0\npandas==2.1.0\npandas==2.2.0\n`,
      },
      ['    plugins: ./plugins.zip', '    requirements: ./requirements.txt'],
    );
    const r = await check(dir, ['--json'], withStub);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('check.failed');
    expect(doc.error.exitCode).toBe(1);
    const found = doc.error.details.findings.map(
      (f: { file: string; line?: number; code: string }) => `${f.file}:${f.line ?? ''} ${f.code}`,
    );
    expect(found).toEqual([
      'dags/b_second.py:4 dags.duplicate-id',
      'dags/broken.py:3 dags.syntax',
      // the wrapped zip hides the plugin module from the DagBag too
      'dags/fine.py:2 dags.import-error',
      'plugins.zip: plugins.layout',
      'requirements.txt:2 requirements.airflow-pin',
      'requirements.txt:3 requirements.constraint-conflict',
      'requirements.txt:5 requirements.conflict',
    ]);
    const byCode = Object.fromEntries(
      doc.error.details.findings.map((f: { code: string; message: string; column?: number }) => [f.code, f]),
    );
    expect(byCode['dags.syntax']).toMatchObject({ message: "SyntaxError: expected ':'", column: 26 });
    expect(byCode['dags.duplicate-id'].message).toMatch(/^Ignoring DAG dup from .*b_second\.py - also found in .*a_first\.py$/);
    expect(byCode['dags.import-error'].message).toBe("ModuleNotFoundError: No module named 'helpers'");
    expect(byCode['requirements.constraint-conflict'].message).toContain('requests==2.32.3');
    expect(doc.error.details.ran.some((x: string) => x.startsWith('DagBag (Airflow 2.10.3)'))).toBe(true);

    // the same in text: file:line: messages on stdout, the summary as the error
    const text = await check(dir, [], withStub);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("dags/broken.py:3:26: error: SyntaxError: expected ':'");
    expect(text.stdout).toContain('requirements.txt:5: error: "pandas==2.2.0" conflicts with "pandas==2.1.0" (requirements.txt:4)');
    expect(text.stderr).toMatch(/^error: check failed: 7 errors, 0 warnings \(/m);
  });

  it('loads the DagBag with the plugins folder on sys.path, and passes a clean project', async () => {
    const dir = project(
      {
        // a DAG file that prints at import, as Airflow's own logging does (to stdout)
        'dags/uses_plugin.py': 'from airflow import DAG\nfrom helpers import NAME\n\nprint("loading", NAME)\ndag = DAG(NAME)\n',
        'plugins/helpers.py': 'NAME = "from_plugin"\n',
        'requirements.txt': `--constraint "${constraintsUrl}"\nrequests==2.32.3\n`,
        'startup.sh': '#!/bin/bash\nexport X=1\n',
      },
      ['    plugins: ./plugins', '    requirements: ./requirements.txt', '    startupScript: ./startup.sh'],
    );
    const r = await check(dir, ['--json'], withStub);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ environment: 'test', airflowVersion: '2.10.3', errors: 0, warnings: 0, findings: [] });
    expect(doc.ran).toEqual(expect.arrayContaining([expect.stringMatching(/^DagBag \(Airflow 2\.10\.3\): 1 DAG$/), 'bash -n startup.sh']));
  });

  it('reads the constraints file from the cache once it was fetched (offline afterwards)', async () => {
    const files = { 'dags/a.py': 'x = 1\n', 'requirements.txt': `--constraint "${constraintsUrl}"\nboto3==1.34.0\n` };
    const dir = project(files, ['    requirements: ./requirements.txt']);
    const first = await check(dir, ['--json']);
    expect(first.code).toBe(1);
    const before = served;
    // the second run reads the cache: the server sees no request
    const r = await check(dir, ['--json']);
    expect(served).toBe(before);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.details.findings.map((f: { code: string }) => f.code)).toEqual(['requirements.constraint-conflict']);
    expect(doc.error.details.ran).toContain(`constraints ${constraintsUrl} (cached)`);
  });

  it('says what it skipped when it cannot fetch the constraints file', async () => {
    const dir = project(
      {
        'dags/a.py': 'x = 1\n',
        'requirements.txt': '--constraint "http://127.0.0.1:9/constraints-2.10.3/constraints-3.11.txt"\nboto3==1.34.0\n',
      },
      ['    requirements: ./requirements.txt'],
    );
    const r = await check(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped: pins against the constraints file http:\/\/127\.0\.0\.1:9\/.*: could not fetch it/);
  });

  it('checks the constraint line against the Airflow and Python versions of the environment', async () => {
    const dir = project(
      {
        'requirements.txt':
          '-c https://raw.githubusercontent.com/apache/airflow/constraints-2.9.2/constraints-3.11.txt\n-r more/extra.txt\n',
        'more/extra.txt': '-c ../local-constraints.txt\n-r missing.txt\nboto3==1.0\n',
        'local-constraints.txt': 'boto3==2.0\n',
      },
      ['    requirements: ./requirements.txt'],
    );
    const r = await check(dir, ['--json'], { MWAA_CACHE_DIR: join(root.dir, 'empty-cache'), PATH: '/nonexistent' });
    const doc = JSON.parse(r.stdout);
    expect(
      doc.error.details.findings.map((f: { file: string; line?: number; code: string }) => `${f.file}:${f.line ?? ''} ${f.code}`),
    ).toEqual([
      'more/extra.txt:2 requirements.include-missing',
      'more/extra.txt:3 requirements.constraint-conflict',
      'requirements.txt:1 requirements.constraint-version',
    ]);
  });

  it('checks wheels expected in plugins.zip', async () => {
    const dir = project(
      {
        'plugins/my_lib-1.0-py3-none-any.whl': 'not really a wheel',
        'requirements.txt': `--constraint "${constraintsUrl}"\n--no-index\n--find-links /usr/local/airflow/plugins\nmy-lib==1.0\nother_lib==2.0\n/usr/local/airflow/plugins/gone-1.0-py3-none-any.whl\n`,
      },
      ['    plugins: ./plugins', '    requirements: ./requirements.txt'],
    );
    const r = await check(dir, ['--json'], { PATH: '/nonexistent' });
    const doc = JSON.parse(r.stdout);
    expect(
      doc.error.details.findings.map(
        (f: { line?: number; code: string; message: string }) => `${f.line} ${f.code} ${f.message.split(':')[0]}`,
      ),
    ).toEqual([
      '5 requirements.wheel-missing other-lib',
      '6 requirements.wheel-missing /usr/local/airflow/plugins/gone-1.0-py3-none-any.whl is not in plugins.zip',
    ]);
  });

  it('compiles the Python files of the plugins, in a folder and inside a given zip', async () => {
    const folder = project({ 'plugins/plugin.py': 'X = 1\n', 'plugins/ops/broken.py': 'def f(:\n    pass\n' }, ['    plugins: ./plugins']);
    const r = await check(folder, ['--json'], { PYTHONPATH: '' });
    expect(JSON.parse(r.stdout).error.details.findings).toMatchObject([
      { code: 'plugins.syntax', file: 'plugins/ops/broken.py', line: 1, message: 'SyntaxError: invalid syntax' },
    ]);

    const zipped = project(
      {
        'plugins.zip': zipSync({
          'plugin.py': strToU8('X = 1\n'),
          'ops/broken.py': strToU8('x = (1,\n'),
          'ops/fine.py': strToU8('y = 2\n'),
        }),
      },
      ['    plugins: ./plugins.zip'],
    );
    const z = await check(zipped, ['--json'], { PYTHONPATH: '' });
    expect(JSON.parse(z.stdout).error.details.findings).toMatchObject([
      { code: 'plugins.syntax', file: 'plugins.zip:ops/broken.py', line: 1, message: "SyntaxError: '(' was never closed" },
    ]);
  });

  it('reports the startup script with bash -n, and warnings fail only with --strict', async () => {
    const broken = project({ 'startup.sh': '#!/bin/bash\nif true; then\n  echo x\n' }, ['    startupScript: ./startup.sh']);
    const r = await check(broken, ['--json']);
    expect(JSON.parse(r.stdout).error.details.findings).toMatchObject([
      { code: 'startup.syntax', line: 4, message: 'syntax error: unexpected end of file' },
    ]);

    const noShebang = project({ 'startup.sh': 'export X=1\n' }, ['    startupScript: ./startup.sh']);
    expect((await check(noShebang)).code).toBe(0);
    const strict = await check(noShebang, ['--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('startup.sh:1: warning: no shebang line');
  });

  it('says what it skipped without a Python, and refuses a --python that does not exist', async () => {
    const dir = project({ 'dags/broken.py': 'def f(\n' });
    const r = await check(dir, [], { PATH: '/nonexistent' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('skipped: Python syntax and import checks of the DAG files: no python3 on PATH');
    const bad = await check(dir, ['--python', './venv/bin/python']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--python ./venv/bin/python: no such file');
  });

  it('says the DagBag was skipped when the Python cannot import airflow', async () => {
    const dir = project({ 'dags/ok.py': 'x = 1\n' });
    const r = await check(dir, ['--json'], { PYTHONPATH: '' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).skipped).toEqual([
      expect.objectContaining({ area: 'dags', reason: expect.stringContaining('cannot import airflow') }),
    ]);
  });

  it('passes the whole DAG corpus through the syntax path', async () => {
    const dir = project({});
    for (const f of readdirSync(CORPUS)) cpSync(join(CORPUS, f), join(dir, 'dags', f));
    const r = await check(dir, ['--json'], { PYTHONPATH: '' });
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
  });

  it('compiles many files on every core, with the same findings in the same order', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < PARALLEL_FROM + 50; i++) files[`dags/team_${i % 7}/dag_${String(i).padStart(3, '0')}.py`] = `x = ${i}\n`;
    files['dags/team_2/dag_002.py'] = 'def f(\n';
    files['dags/team_4/dag_200.py'] = 'x = 1\n  y = 2\n';
    const dir = project(files);
    const r = await check(dir, ['--json'], { PYTHONPATH: '' });
    expect(r.code, r.stdout).toBe(1);
    const doc = JSON.parse(r.stdout).error.details;
    const processes = Math.min(availableParallelism(), 8);
    expect(doc.ran).toEqual([
      expect.stringMatching(new RegExp(`: syntax of ${PARALLEL_FROM + 50} files${processes > 1 ? ` in ${processes} processes` : ''}$`)),
    ]);
    expect(doc.findings.map((f: { file: string; line: number; message: string }) => `${f.file}:${f.line} ${f.message}`)).toEqual([
      "dags/team_2/dag_002.py:1 SyntaxError: '(' was never closed",
      'dags/team_4/dag_200.py:2 IndentationError: unexpected indent',
    ]);
  });

  it.runIf(process.platform === 'linux')(
    'Ctrl-C while many files compile: exit 130, and no Python process is left behind',
    async () => {
      const files: Record<string, string> = {};
      for (let i = 0; i < 3000; i++) files[`dags/dag_${i}.py`] = 'x = 1\n'.repeat(300);
      const dir = project(files);
      const controller = new AbortController();
      const running = runCli(['check'], {
        cwd: dir,
        env: baseEnv({ MWAA_CACHE_DIR: join(root.dir, 'cache'), PYTHONPATH: '' }),
        signal: controller.signal,
      });
      // the compile has started in more than one process (the check's Python and its workers)
      await until(() => pythonsIn(dir).length > 1, 'the compile workers');
      controller.abort(new Error('interrupted'));
      const r = await running;
      expect(r.code, r.stderr).toBe(130);
      await until(() => pythonsIn(dir).length === 0, 'every Python process of the check to end');
    },
    60_000,
  );

  it('compiles again only the files changed since they last compiled clean', async () => {
    const dir = project({ 'dags/a.py': 'x = 1\n', 'dags/b.py': 'y = 2\n' });
    const first = JSON.parse((await check(dir, ['--json'], { PYTHONPATH: '' })).stdout);
    expect(first.ran).toEqual([expect.stringMatching(/: syntax of 2 files$/)]);
    const second = JSON.parse((await check(dir, ['--json'], { PYTHONPATH: '' })).stdout);
    // nothing compiled again (the Python still runs for the DagBag it cannot load here)
    expect(second.ran).toEqual(['2 Python files unchanged since they last compiled clean']);

    writeFileSync(join(dir, 'dags', 'b.py'), 'y = (2\n');
    const broken = await check(dir, ['--json'], { PYTHONPATH: '' });
    expect(broken.code).toBe(1);
    const doc = JSON.parse(broken.stdout).error.details;
    expect(doc.ran).toEqual(['1 Python file unchanged since they last compiled clean', expect.stringMatching(/: syntax of 1 file$/)]);
    expect(doc.findings).toMatchObject([{ file: 'dags/b.py', code: 'dags.syntax' }]);
    // a file that failed is never remembered as clean
    expect((await check(dir, [], { PYTHONPATH: '' })).code).toBe(1);
  });

  it('validates mwaa.yaml as env create does', async () => {
    const dir = project({});
    writeFileSync(
      join(dir, 'mwaa.yaml'),
      [
        'environments:',
        '  test:',
        '    name: checktest',
        '    bucket: check-bucket',
        ...ENVIRONMENT,
        '      maxWorkers: 1',
        '      minWorkers: 3',
        '',
      ].join('\n'),
    );
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^mwaa\.yaml:\d+:\d+: error: environments\.test\.environment\.minWorkers: minWorkers \(3\) must not be greater than maxWorkers \(1\)$/m,
    );
  });
});
