/**
 * The local emulator's read-only Airflow UI, reached through the URL `mwaa open --print` gives (the web
 * login token flow): first with plain HTTP (session cookie, what is and is not served), then in headless
 * Chromium (Debian's /usr/bin/chromium; the browser part is skipped when it is not installed), asserting
 * on the DOM of the page the browser ends on and keeping its screenshot in test-artifacts/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, ROOT, runCli, tempDir } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator, untilStatus } from '../helpers/emulator.js';
import { createEnvironment, project, putObject, versionedBucket, ETL_DAG as ETL } from './logs-helpers.js';

const CHROMIUM = process.env.MWAA_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const BUCKET = 'ui-bucket';
const ENV = 'ui-env';

const IDLE = `from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("idle", schedule=None) as dag:
    EmptyOperator(task_id="nothing")
`;
const BROKEN = `from airflow import DAG
with DAG("broken", schedule=None) as dag:
    x = (1,
`;

let emu: TestEmulator;
let dir: string;
let cleanup: () => void;
let runId: string;
const savedEnv = { ...process.env };
const mwaa = (...argv: string[]) => runCli(['--endpoint-url', emu.url, ...argv], { cwd: dir, env: baseEnv(emu.env) });

async function openUrl(): Promise<string> {
  const r = await mwaa('--json', 'open', '--print');
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { url: string }).url;
}

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 0.5, taskSeconds: 2 } });
  Object.assign(process.env, emu.env);
  ({ dir, cleanup } = tempDir('mwaa-ui-'));
  await versionedBucket(emu, BUCKET);
  await putObject(emu, BUCKET, 'dags/etl.py', ETL);
  await putObject(emu, BUCKET, 'dags/idle.py', IDLE);
  await putObject(emu, BUCKET, 'dags/broken.py', BROKEN);
  await createEnvironment(emu, BUCKET, ENV, {
    AirflowVersion: '2.10.3',
    LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } },
  });
  await untilStatus(emu, ENV, 'AVAILABLE');
  project(dir, ENV, BUCKET);
  expect((await mwaa('airflow', 'dags', 'unpause', 'etl')).code).toBe(0);
  await emu.control('POST', `/_mwaa_local/airflow/${ENV}/fail-task`, { dagId: 'etl', taskId: 'transform' });
  const t = await mwaa('--json', 'trigger', 'etl');
  expect(t.code, t.stderr).toBe(0);
  runId = (JSON.parse(t.stdout) as { runId: string }).runId;
  await emu.advance(30);
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await emu?.close();
  cleanup?.();
});

describe('the local Airflow UI over HTTP', () => {
  it('is reached only with the session the web login sets; without it the address stays S3', async () => {
    const url = await openUrl();
    const base = new URL(url).origin;
    const anonymous = await fetch(`${base}/home`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');
    const forged = await fetch(`${base}/home`, { headers: { cookie: 'session=abc.def' } });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('run <code>mwaa open</code>');
    // a browser opening the printed Airflow UI address without signing in is told how to
    const browser = await fetch(`${base}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(browser.status).toBe(403);
    expect(await browser.text()).toContain('<p id="sign-in">');

    const token = new URL(url).hash.slice(1);
    const login = await fetch(`${base}/aws_mwaa/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(token)}`,
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const home = await fetch(`${base}/home`, { headers: { cookie } });
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toMatch(/<tr data-dag-id="etl">.*data-paused="false"/);
    expect(html).toMatch(/<tr data-dag-id="idle">.*data-paused="true"/);
    expect(html).toContain('broken.py');
    expect(html).toContain('&#39;(&#39; was never closed'.replace(/&#39;/g, "'"));

    const grid = await (await fetch(`${base}/dags/etl/grid`, { headers: { cookie } })).text();
    for (const [task, state] of [
      ['extract', 'success'],
      ['transform', 'failed'],
      ['load', 'upstream_failed'],
    ]) {
      expect(grid).toContain(`data-task-id="${task}" data-run-id="${runId}" data-state="${state}"`);
    }
    const log = await (
      await fetch(`${base}/dags/etl/runs/${encodeURIComponent(runId)}/tasks/transform/log?try=1`, { headers: { cookie } })
    ).text();
    expect(log).toContain('Task failed with exception');
    expect(log).toContain('<span id="ti-state">failed</span>');
  }, 60_000);
});

function chromium(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!existsSync(CHROMIUM))('the local Airflow UI in headless Chromium', () => {
  it("opens the `open --print` URL, logs in, and shows the DAG list and the grid with the run's task states", async () => {
    const profile = mkdtempSync(join(tmpdir(), 'mwaa-chromium-'));
    try {
      const url = await openUrl();
      const flags = [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        '--virtual-time-budget=10000',
        '--window-size=1280,1000',
      ];
      // one browser run both prints the DOM and takes the screenshot (a launch costs ~1.5 s of CPU)
      mkdirSync(ARTIFACTS, { recursive: true });
      const png = join(ARTIFACTS, 'local-ui.png');
      rmSync(png, { force: true });
      const dom = await chromium([...flags, '--dump-dom', `--screenshot=${png}`, url]);
      expect(dom.code, dom.stderr).toBe(0);
      expect(statSync(png).size).toBeGreaterThan(10_000);
      const html = dom.stdout;
      expect(html).toContain('<table id="dags">');
      expect(html).toMatch(/<tr data-dag-id="etl">/);
      expect(html).toMatch(/<tr data-dag-id="idle">.*data-paused="true"/);
      expect(html).toContain('broken.py');
      expect(html).toMatch(/<table class="grid" id="grid" data-dag-id="etl">/);
      for (const [task, state] of [
        ['extract', 'success'],
        ['transform', 'failed'],
        ['load', 'upstream_failed'],
      ]) {
        expect(html).toContain(`data-task-id="${task}" data-run-id="${runId}" data-state="${state}"`);
      }
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
