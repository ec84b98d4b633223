/**
 * The check `dags push` runs before it changes anything (exit 2, bucket unchanged; none when nothing is to be
 * deployed) and `dags push --verify` (a release that added import errors is rolled back, exit 5), against the emulator.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import {
  createEnvironment,
  dagFile,
  liveKeys,
  objectText,
  snapshot,
  startDeployWorld,
  writeProject,
  type DeployWorld,
} from './deploy-helpers.js';

const STUB_AIRFLOW = join(ROOT, 'test', 'fixtures', 'stub-airflow');
const CONSTRAINT = '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"';

let w: DeployWorld;
let n = 0;

beforeAll(async () => {
  w = await startDeployWorld();
});
afterAll(async () => {
  await w.close();
});

/** A fresh environment and bucket per test (the project folder is shared and rewritten). */
let envName: string;
let bucket: string;
beforeEach(async () => {
  n++;
  envName = `checkpush${n}`;
  bucket = `check-push-${n}`;
  await createEnvironment(w.emu, envName, bucket);
});

function write(files: Record<string, string | Uint8Array>, entry: { plugins?: boolean; requirements?: boolean } = {}): void {
  writeProject(w.dir, {}, entry);
  rmSync(join(w.dir, 'dags'), { recursive: true, force: true });
  mkdirSync(join(w.dir, 'dags'));
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(w.dir, rel, '..'), { recursive: true });
    writeFileSync(join(w.dir, rel), body);
  }
  const yaml = readFileSync(join(w.dir, 'mwaa.yaml'), 'utf8')
    .replace(/name: \S+/, `name: ${envName}`)
    .replace(/bucket: \S+/, `bucket: ${bucket}`);
  writeFileSync(join(w.dir, 'mwaa.yaml'), yaml.replace('    plugins: ./plugins', '    plugins: ./plugins.zip'));
}

/** The bucket's live keys with their contents, and the environment's pins. */
async function state() {
  const s = await snapshot(w.emu, bucket, envName);
  const texts: Record<string, string | undefined> = {};
  for (const key of liveKeys(s)) if (key.endsWith('.py')) texts[key] = await objectText(w.emu, key, bucket);
  return { texts, pins: s.pins };
}

const BROKEN = {
  'dags/broken.py': 'from airflow import DAG\n\nwith DAG("broken") as dag\n    pass\n',
  'dags/a_first.py': 'from airflow import DAG\n\ndag = DAG("dup")\n',
  'dags/b_second.py': 'from airflow import DAG\n\ndag = DAG("dup")\n',
  'plugins.zip': zipSync({ 'plugins/helpers.py': strToU8('NAME = "x"\n') }),
  'requirements.txt': `${CONSTRAINT}\napache-airflow==2.10.3\npandas==2.1.0\npandas==2.2.0\n`,
};

describe('dags push runs the check before it changes anything', () => {
  it('refuses the broken project with exit 2 and leaves the bucket and the environment as they were', async () => {
    write(BROKEN, { plugins: true, requirements: true });
    const before = await snapshot(w.emu, bucket, envName);
    const r = await w.cli(['--json', 'dags', 'push', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(doc.error.code).toBe('deploy.check-failed');
    // the quick check: no DagBag, so no duplicate-id finding
    expect(doc.error.details.findings.map((f: { file: string; code: string }) => `${f.file} ${f.code}`)).toEqual([
      'dags/broken.py dags.syntax',
      'plugins.zip plugins.layout',
      'requirements.txt requirements.airflow-pin',
      'requirements.txt requirements.conflict',
    ]);
    const done = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.code === 'check.done');
    expect(done.data).toMatchObject({ errors: 4 });
    expect(done.data.durationMs).toBeLessThan(20_000);
    expect(await snapshot(w.emu, bucket, envName)).toEqual(before);
  });

  it('with --check=full also loads the DagBag (a duplicate DAG id) and still changes nothing', async () => {
    write(BROKEN, { plugins: true, requirements: true });
    const before = await snapshot(w.emu, bucket, envName);
    const r = await w.cli(['dags', 'push', '--yes', '--check=full'], {
      env: { PYTHONPATH: STUB_AIRFLOW, MWAA_CACHE_DIR: join(w.dir, '.cache') },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the check found 5 errors; nothing was deployed');
    expect(r.stderr).toMatch(/dags\/b_second\.py:3: error: Ignoring DAG dup from/);
    expect(r.stderr).toContain("dags/broken.py:3:26: error: SyntaxError: expected ':'");
    expect(await snapshot(w.emu, bucket, envName)).toEqual(before);
  });

  it('--no-check deploys anyway; a clean project deploys with the check time shown', async () => {
    write({ 'dags/broken.py': 'def f(\n' });
    const skipped = await w.cli(['dags', 'push', '--yes', '--no-check']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).not.toContain('check:');

    write({ 'dags/good.py': dagFile('good') });
    const r = await w.cli(['dags', 'push', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^check: 0 errors, 0 warnings \(\d+(\.\d+)?m?s\)$/m);
  });

  it('a push with nothing to deploy runs no check; the next change runs it on the whole project', async () => {
    write({ 'dags/broken.py': 'def f(\n' });
    expect((await w.cli(['dags', 'push', '--yes', '--no-check'])).code).toBe(0);
    // nothing changes, so nothing is checked: the file deployed with --no-check does not stop it
    const noop = await w.cli(['dags', 'push', '--yes']);
    expect(noop.code, noop.stderr).toBe(0);
    expect(noop.stdout).toContain('Nothing to deploy');
    expect(noop.stderr).not.toContain('check:');
    // a change: the check looks at the project as it is, the broken file included; nothing is deployed
    writeFileSync(join(w.dir, 'dags', 'good.py'), dagFile('good'));
    const before = await snapshot(w.emu, bucket, envName);
    const changed = await w.cli(['dags', 'push', '--yes']);
    expect(changed.code, changed.stderr).toBe(2);
    expect(changed.stderr).toMatch(/^\s*dags\/broken\.py:1:6: error: SyntaxError/m);
    expect(await snapshot(w.emu, bucket, envName)).toEqual(before);
  });
});

describe('dags push --verify', () => {
  it('rolls back a release that introduced an import error: exit 5, the bucket and the pins as before', async () => {
    write({ 'dags/good.py': dagFile('good') });
    expect((await w.cli(['dags', 'push', '--yes'])).code).toBe(0);
    const before = await state();

    // compiles fine (the check passes), but Airflow refuses it on import
    write({
      'dags/good.py': dagFile('good', '# changed\n'),
      'dags/dup_task.py':
        'from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\n\nwith DAG("dup_task") as dag:\n    EmptyOperator(task_id="a")\n    EmptyOperator(task_id="a")\n',
    });
    const r = await w.cli(['--json', 'dags', 'push', '--yes', '--verify']);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    const doc = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(doc.error.code).toBe('deploy.verify-rolled-back');
    expect(doc.error.details.importErrors).toEqual([
      expect.objectContaining({
        filepath: expect.stringMatching(/dup_task\.py$/),
        error: expect.stringContaining("DuplicateTaskIdFound: Task id 'a' has already been added to the DAG"),
      }),
    ]);
    expect(await state()).toEqual(before);

    const list = await w.cli(['--json', 'dags', 'list', '--import-errors']);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('without --verify, a push that waited for an environment update reminds of import errors in one line', async () => {
    write(
      {
        'dags/dup_task.py':
          'from airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\n\nwith DAG("dup_task") as dag:\n    EmptyOperator(task_id="a")\n    EmptyOperator(task_id="a")\n',
        'requirements.txt': `${CONSTRAINT}\nrequests==2.32.3\n`,
      },
      { requirements: true },
    );
    const r = await w.cli(['dags', 'push', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('import errors in'))).toEqual([
      `warning: 1 DAG file has import errors in ${envName}: \`mwaa dags list --import-errors\` shows them (\`dags push --verify\` rolls back a release that adds some)`,
    ]);
  });

  it('keeps a release that added no import error', async () => {
    write({ 'dags/good.py': dagFile('good') });
    expect((await w.cli(['dags', 'push', '--yes'])).code).toBe(0);
    write({ 'dags/good.py': dagFile('good'), 'dags/more.py': dagFile('more') });
    const r = await w.cli(['dags', 'push', '--yes', '--verify']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('verify: no new import errors');
    expect(Object.keys((await state()).texts).sort()).toEqual(['dags/good.py', 'dags/more.py']);
  });
});
