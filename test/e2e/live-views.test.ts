/**
 * The live views (trigger --wait, dags push) in a real terminal, as a person sees them: the built binary in
 * a pty (test/helpers/terminal.ts) over a project with `local: true`. Each project's state directory is
 * served by an in-process emulator (server mode), which the binary reuses, so the test can change the
 * bucket behind mwaa's back and move the simulated clock.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { ERASING, ESC, runInTerminal, STYLING } from '../helpers/terminal.js';

const ENV = 'views-demo';
const BUCKET = `${ENV}-local`;

/** 30 tasks: start, 28 in parallel, end. */
const WIDE = [
  'from datetime import datetime',
  'from airflow import DAG',
  'from airflow.operators.bash import BashOperator',
  '',
  'with DAG(dag_id="wide", start_date=datetime(2024, 1, 1), schedule=None, catchup=False) as dag:',
  '    start = BashOperator(task_id="start", bash_command="echo start")',
  '    end = BashOperator(task_id="end", bash_command="echo end")',
  '    for i in range(28):',
  '        step = BashOperator(task_id=f"step_{i}", bash_command="echo step")',
  '        start >> step >> end',
  '',
].join('\n');

const small = (name: string, note = '') =>
  `from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\nwith DAG(dag_id="${name}", start_date=datetime(2024, 1, 1), schedule=None) as dag:\n    BashOperator(task_id="only", bash_command="echo ${note}")\n`;

interface Project {
  dir: string;
  emu: TestEmulator;
  env: Record<string, string | undefined>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A project with `local: true`, its environment AVAILABLE and its DAGs pushed once. */
async function project(taskSeconds: number, registry = cleanups): Promise<Project> {
  const { dir, cleanup } = tempDir('mwaa-views-');
  registry.push(cleanup);
  writeFileSync(
    join(dir, 'mwaa.yaml'),
    [
      'environments:',
      '  dev:',
      `    name: ${ENV}`,
      '    local: true',
      '    dags: ./dags',
      '    environment:',
      '      airflowVersion: "2.10.3"',
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'dags'));
  writeFileSync(join(dir, 'dags', 'wide.py'), WIDE);
  writeFileSync(join(dir, 'dags', 'small.py'), small('small', 'one'));
  const emu = await startTestEmulator({
    stateDir: join(dir, '.mwaa', 'local'),
    sim: { createSeconds: 0.2, updateSeconds: 0.2, taskSeconds },
  });
  registry.push(() => emu.close());
  const env = baseEnv();
  const created = await runCli(['env', 'create', '--json'], { cwd: dir, env });
  expect(created.code, created.stderr).toBe(0);
  const pushed = await runCli(['dags', 'push', '--yes', '--json'], { cwd: dir, env });
  expect(pushed.code, pushed.stderr).toBe(0);
  return { dir, emu, env };
}

/**
 * One project for the tests that only trigger a DAG and watch the run (each trigger makes its own run):
 * made on first use, removed after the last test.
 */
const afterAllCleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of afterAllCleanups.splice(0).reverse()) await c();
});
let shared: Promise<Project> | undefined;
function sharedProject(): Promise<Project> {
  shared ??= project(0.2, afterAllCleanups);
  return shared;
}

function count(lines: string[], pattern: RegExp): number {
  return lines.filter((l) => pattern.test(l)).length;
}

describe('trigger --wait in a terminal', () => {
  it('a 30-task run in a 24-row terminal: the frame fits, nothing on screen is erased, the verdict is printed once', async () => {
    const p = await project(60);
    const run = runInTerminal(['trigger', 'wide', '--unpause', '--wait', '--poll', '100ms'], {
      cwd: p.dir,
      env: p.env,
      rows: 24,
      cols: 100,
      before: ['$ echo earlier output', 'earlier output'],
    });
    await run.waitFor(/Ctrl-C stops waiting/);
    // the run starts, then start succeeds, then the 28 steps run: more than 23 lines of tasks
    await p.emu.advance(120);
    await run.waitFor(/… \d+ more tasks: .*\d+ (running|queued)/);
    const screen = await run.screen();
    expect(screen.length).toBe(24);
    expect(count(screen, /Ctrl-C stops waiting/)).toBe(1);
    expect(count(screen, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] wide /)).toBe(1);

    // every task ends within 5 minutes of simulated time
    await p.emu.advance(300);
    expect(await run.exit).toBe(0);
    const all = await run.all();
    expect(run.raw()).not.toMatch(ERASING);
    // colours by default on a terminal (what the NO_COLOR tests below turn off)
    expect(run.raw()).toMatch(STYLING);
    expect(all.slice(0, 2)).toEqual(['$ echo earlier output', 'earlier output']);
    expect(count(all, /^triggered wide: run manual__/)).toBe(1);
    const runId = all.find((l) => /^triggered wide: run /.test(l))!.replace(/^triggered wide: run /, '');
    expect(count(all, new RegExp(`^${runId.replace(/[.+]/g, '\\$&')}$`))).toBe(1);
    expect(count(all, /^ {2}succeeded \(waited \S+\)$/)).toBe(1);
    // printed whole above the frame (a frame line would cut it), once
    expect(count(all, /^Airflow UI: http/)).toBe(1);
    expect(count(all, /^✔ wide /)).toBe(1);
    // no stale frame left behind: the spinner head appears nowhere
    expect(count(all, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] wide /)).toBe(0);
  }, 60_000);

  // (NO_COLOR=1 alone: the push and env create views below; NO_COLOR=1 FORCE_COLOR=1 fails as well if
  // NO_COLOR is ignored)
  it.each([
    ['NO_COLOR=1 FORCE_COLOR=1', { NO_COLOR: '1', FORCE_COLOR: '1' }, []],
    ['FORCE_COLOR=0', { FORCE_COLOR: '0' }, []],
    ['--no-color', {}, ['--no-color']],
  ])(
    '%s: no colour, bold or dim anywhere',
    async (_name, extra: Record<string, string>, flags: string[]) => {
      // the one-task DAG: the same kinds of lines (the run, a task in each state, the verdict) as the wide
      // run above, which shows that they are coloured by default, for about half the CPU (0.55 s against 1.0 s)
      const p = await sharedProject();
      const run = runInTerminal([...flags, 'trigger', 'small', '--unpause', '--wait', '--poll', '100ms'], {
        cwd: p.dir,
        env: { ...p.env, ...extra },
      });
      expect(await run.exit).toBe(0);
      expect((await run.all()).join('\n')).toMatch(/✔ small .*\n\s+✔ only\s+success/);
      expect(run.raw()).not.toMatch(STYLING);
    },
    60_000,
  );

  it('a terminal that reports 0 columns is drawn 80 columns wide, not one character per line', async () => {
    const p = await sharedProject();
    const run = runInTerminal(['trigger', 'small', '--unpause', '--wait', '--poll', '100ms'], {
      cwd: p.dir,
      env: p.env,
      cols: 100,
      rows: 24,
      reported: { cols: 0, rows: 24 },
    });
    expect(await run.exit).toBe(0);
    const all = await run.all();
    expect(count(all, /^✔ small manual__\S+\s+success/)).toBe(1);
    // the last frame: the run, its task, the verdict; each on one line of at most 80 columns
    const frame = all.slice(all.findIndex((l) => /^✔ small /.test(l)));
    expect(frame).toHaveLength(3);
    expect(frame[1]).toMatch(/^\s+✔ only\s+success/);
    expect(frame[2]).toMatch(/^ {2}succeeded \(waited \S+\)$/);
    expect(frame.every((l) => l.length <= 80)).toBe(true);
  }, 60_000);
});

describe('dags push in a terminal', () => {
  it('the drift question stays on screen, with the plan above it, until answered; then the result once', async () => {
    const p = await project(0.2);
    // small.py changed in the bucket behind mwaa's back, then locally too
    await p.emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/small.py', Body: small('small', 'edited in the bucket') }));
    writeFileSync(join(p.dir, 'dags', 'small.py'), small('small', 'two'));
    const run = runInTerminal(['dags', 'push'], { cwd: p.dir, env: p.env, before: ['$ mwaa dags push'] });
    await run.waitFor(/changed outside mwaa \(dags\/\S+\); overwrite\? \[y\/N\]$/m);
    const asked = await run.screen();
    const rawAtQuestion = run.raw().length;
    // time passes: the person types, changes their mind, types again (each keystroke goes through the
    // command's line editor, which echoes it), and nothing else moves on screen
    for (let i = 0; i < 5; i++) {
      run.type('n');
      await run.waitFor(/overwrite\? \[y\/N\] n$/m);
      run.type('\x7f');
      await run.waitFor(/overwrite\? \[y\/N\]$/m);
    }
    expect(await run.screen()).toEqual(asked);
    // only the echo was written meanwhile: no spinner frame, no cursor moves
    expect(run.raw().slice(rawAtQuestion)).not.toMatch(new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]|${ESC}\\[\\d*A`));
    const questionRow = asked.findIndex((l) => /overwrite\? \[y\/N\]/.test(l));
    const planRow = asked.findIndex((l) => /^Plan for views-demo/.test(l));
    expect(planRow).toBeGreaterThanOrEqual(0);
    expect(planRow).toBeLessThan(questionRow);
    expect(asked.slice(planRow, questionRow).join('\n')).toMatch(/~ dags\/small\.py\s+! changed outside mwaa since the last release/);

    run.type('y\r');
    expect(await run.exit).toBe(0);
    const all = await run.all();
    expect(all[0]).toBe('$ mwaa dags push');
    expect(count(all, /overwrite\? \[y\/N\] y$/)).toBe(1);
    expect(count(all, /^Deployed release \S+ to views-demo/)).toBe(1);
    expect(count(all, /^✔ Deploying to views-demo/)).toBe(1);
    expect(count(all, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Deploying/)).toBe(0);
    expect(run.raw()).not.toMatch(ERASING);
  }, 60_000);

  it('Ctrl-C at the drift question: interrupted (exit 130), the question stays on screen marked ^C, nothing is deployed', async () => {
    const p = await project(0.2);
    await p.emu.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dags/small.py', Body: small('small', 'edited in the bucket') }));
    writeFileSync(join(p.dir, 'dags', 'small.py'), small('small', 'two'));
    const run = runInTerminal(['dags', 'push'], { cwd: p.dir, env: p.env });
    await run.waitFor(/overwrite\? \[y\/N\]$/m);
    run.interrupt();
    expect(await run.exit).toBe(130);
    const all = await run.all();
    expect(count(all, /overwrite\? \[y\/N\] \^C$/)).toBe(1);
    expect(count(all, /^✖ Deploying to views-demo/)).toBe(1);
    expect(count(all, /^error: interrupted; nothing was changed$/)).toBe(1);
    expect(count(all, /Deployed release/)).toBe(0);
  }, 60_000);

  it('rollback: the plan above the live view, the question alone until answered, the result once', async () => {
    const p = await project(0.2);
    writeFileSync(join(p.dir, 'dags', 'small.py'), small('small', 'two'));
    const second = await runCli(['dags', 'push', '--yes'], { cwd: p.dir, env: p.env });
    expect(second.code, second.stderr).toBe(0);
    const run = runInTerminal(['rollback'], { cwd: p.dir, env: p.env, cols: 160 });
    await run.waitFor(/roll back views-demo to release \S+.*: restore 1, remove 0 DAG files\? \[y\/N\]$/m);
    const asked = await run.screen();
    expect(asked.join('\n')).toMatch(/^Rollback of views-demo to release \S+ \(current: \S+\):\n\s+~ dags\/small\.py/m);
    expect(count(asked, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Rolling back/)).toBe(0);
    run.type('y\r');
    expect(await run.exit).toBe(0);
    const all = await run.all();
    expect(count(all, /^Rolled back views-demo to release \S+ as release \S+/)).toBe(1);
    expect(count(all, /^✔ Rolling back views-demo/)).toBe(1);
    expect(count(all, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Rolling back/)).toBe(0);
    expect(run.raw()).not.toMatch(ERASING);
  }, 60_000);

  it('NO_COLOR=1: no colour, bold or dim anywhere', async () => {
    const p = await project(0.2);
    writeFileSync(join(p.dir, 'dags', 'small.py'), small('small', 'three'));
    const run = runInTerminal(['dags', 'push'], { cwd: p.dir, env: { ...p.env, NO_COLOR: '1' } });
    expect(await run.exit).toBe(0);
    expect(count(await run.all(), /^Deployed release /)).toBe(1);
    expect(run.raw()).not.toMatch(STYLING);
  }, 60_000);
});

describe('env create in a terminal', () => {
  it('NO_COLOR=1: the status view without styling; the result and the Airflow UI address once', async () => {
    const { dir, cleanup } = tempDir('mwaa-views-');
    cleanups.push(cleanup);
    writeFileSync(
      join(dir, 'mwaa.yaml'),
      ['environments:', '  dev:', `    name: ${ENV}`, '    local: true', '    environment:', '      airflowVersion: "2.10.3"', ''].join(
        '\n',
      ),
    );
    const emu = await startTestEmulator({ stateDir: join(dir, '.mwaa', 'local'), sim: { createSeconds: 0.5 } });
    cleanups.push(() => emu.close());
    const run = runInTerminal(['env', 'create'], { cwd: dir, env: baseEnv({ NO_COLOR: '1' }), rows: 12, before: ['$ mwaa env create'] });
    expect(await run.exit).toBe(0);
    const all = await run.all();
    expect(all[0]).toBe('$ mwaa env create');
    expect(count(all, /^✔ Creating views-demo\s+AVAILABLE/)).toBe(1);
    expect(count(all, /^Environment views-demo created in .* \(AVAILABLE\)\.$/)).toBe(1);
    expect(count(all, /Airflow UI: http/)).toBe(1);
    expect(count(all, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Creating/)).toBe(0);
    expect(run.raw()).not.toMatch(STYLING);
    expect(run.raw()).not.toMatch(ERASING);
  }, 60_000);
});
