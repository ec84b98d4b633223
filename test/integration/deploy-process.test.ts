/**
 * Deploys interrupted for real: SIGINT to a spawned `mwaa dags push` mid-upload (exit 5, everything back),
 * kill -9 mid-push followed by `mwaa recover` (same guarantee), and two pushes started together (one
 * fails fast naming the holder; never interleaved). Uses the built bin/mwaa.cjs (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, baseEnv, runCli } from '../helpers/cli.js';
import {
  BUCKET,
  createEnvironment,
  dagFile,
  liveKeys,
  objectText,
  slowProxy,
  snapshot,
  startDeployWorld,
  writeProject,
  type DeployWorld,
  type SlowProxy,
} from './deploy-helpers.js';
import { runInTerminal } from '../helpers/terminal.js';
import { until } from '../helpers/until.js';

/**
 * Enough files for the uploads to last ~1 s through the proxy (8 rounds of 16 uploads, each held
 * UPLOAD_DELAY_MS), so that a signal sent once the first uploads are reported arrives mid-upload. The
 * delay is waited, not worked: fewer files held longer cost the test less CPU than more files.
 */
const FILES = 120;
const UPLOAD_DELAY_MS = 120;
/**
 * Every push here skips the project check (--no-check): what is tested happens after it (uploads, the
 * lock, the rollback), and each push would otherwise compile the files in Python first.
 */
const PUSH = ['dags', 'push', '--no-check'];
let w: DeployWorld;
let proxy: SlowProxy;
let round = 0;

function rewriteAll(): void {
  round++;
  for (let i = 0; i < FILES; i++)
    writeFileSync(join(w.dir, `dags/dag_${String(i).padStart(3, '0')}.py`), dagFile(`dag_${i}`, `# round ${round}\n`));
}

function spawnPush(): { child: ChildProcess; stderr: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BIN, '--endpoint-url', proxy.url, ...PUSH], {
    cwd: w.dir,
    env: baseEnv(w.emu.env) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  child.stdout?.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => err, exit };
}

beforeAll(async () => {
  w = await startDeployWorld();
  await createEnvironment(w.emu);
  proxy = await slowProxy(
    () => w.emu.url,
    UPLOAD_DELAY_MS,
    (method, path) => method === 'PUT' && path.startsWith(`/${BUCKET}/dags/`),
  );
  writeProject(w.dir, {});
  rewriteAll();
  const first = await w.cli(PUSH);
  expect(first.code, first.stderr).toBe(0);
});
afterAll(async () => {
  await proxy?.close();
  await w?.close();
});

describe('interrupted deploys', () => {
  it('SIGINT mid-upload: exit 5 and the bucket is as before', async () => {
    rewriteAll();
    const before = await snapshot(w.emu);
    const p = spawnPush();
    await until(() => /uploaded \d+\/\d+ files/.test(p.stderr()), 'the first uploads');
    p.child.kill('SIGINT');
    const { code } = await p.exit;
    expect(code, p.stderr()).toBe(5);
    expect(p.stderr()).toMatch(/deploy interrupted/);
    const after = await snapshot(w.emu);
    expect(after.latest).toEqual(before.latest);
    expect(after.pins).toEqual(before.pins);
    expect(await objectText(w.emu, '.mwaa/lock.json')).toBeUndefined();
  });

  it('the terminal closes mid-upload (SIGHUP): the deploy rolls back, then the process ends hung up', async () => {
    rewriteAll();
    const before = await snapshot(w.emu);
    const t = runInTerminal(['--endpoint-url', proxy.url, ...PUSH, '--yes'], { cwd: w.dir, env: baseEnv(w.emu.env) });
    await t.waitFor(new RegExp(`\\d+/${FILES} files`));
    t.hangUp();
    // 128 + SIGHUP: ended by the hangup, as a process without a handler would be, but only after its rollback
    expect(await t.exit).toBe(129);
    const after = await snapshot(w.emu);
    expect(after.latest).toEqual(before.latest);
    expect(after.pins).toEqual(before.pins);
    expect(await objectText(w.emu, '.mwaa/lock.json')).toBeUndefined();
    const list = JSON.parse((await w.cli(['--json', 'releases', 'list'])).stdout) as { releases: Array<{ status: string }> };
    expect(list.releases[0].status).toBe('rolled-back');
  });

  it('kill -9 mid-push, then `mwaa recover` restores the state before the push', async () => {
    rewriteAll();
    const before = await snapshot(w.emu);
    const p = spawnPush();
    await until(() => /uploaded \d+\/\d+ files/.test(p.stderr()), 'the first uploads');
    p.child.kill('SIGKILL');
    await p.exit;
    // uploads the dead process had sent still land (as they would on S3): the rollback comes after them
    await until(() => proxy.inflight === 0, 'the uploads the dead process had sent');
    const mid = await snapshot(w.emu);
    expect(mid.latest).not.toEqual(before.latest); // some files were uploaded
    expect(await objectText(w.emu, '.mwaa/lock.json')).toContain('"releaseId"');

    // the history says so before anything is done about it
    const list = await w.cli(['releases', 'list']);
    expect(list.stdout).toMatch(/^\S+\s+.*\bunfinished\b/m);
    expect(list.stdout).toMatch(/the deploy ended before recording how it ended .*`mwaa recover` checks and finishes it\./);

    const r = await w.cli(['recover', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Rolled back unfinished release/);
    expect(r.stderr).toMatch(/took over the deploy lock .*no longer running/);
    // run again: nothing left to do, nothing changed
    const again = await w.cli(['recover', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Nothing to recover; release \S+ is current and complete\. Nothing was changed\.$/m);
    const after = await snapshot(w.emu);
    expect(after.latest).toEqual(before.latest);
    expect(after.pins).toEqual(before.pins);
    expect(await objectText(w.emu, '.mwaa/lock.json')).toBeUndefined();
  });

  it('a second Ctrl-C during the rollback: exit 130 with one line saying `mwaa recover` finishes it', async () => {
    rewriteAll();
    const before = await snapshot(w.emu);
    // after the first SIGINT every request is slowed, so the rollback is still running at the second
    let stalled = false;
    const slow = await slowProxy(
      () => w.emu.url,
      UPLOAD_DELAY_MS,
      (method, path) => stalled || (method === 'PUT' && path.startsWith(`/${BUCKET}/dags/`)),
    );
    try {
      const child = spawn(process.execPath, [BIN, '--endpoint-url', slow.url, ...PUSH], {
        cwd: w.dir,
        env: baseEnv(w.emu.env) as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr?.on('data', (d) => (err += d));
      child.stdout?.resume();
      const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await until(() => /uploaded \d+\/\d+ files/.test(err), 'the first uploads');
      stalled = true;
      child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 150));
      child.kill('SIGINT');
      expect(await exit, err).toBe(130);
      const lines = err.split('\n').filter((l) => /stopped without finishing/.test(l));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('`mwaa recover` finishes');
    } finally {
      await slow.close();
      // the journal lets `mwaa recover` finish it (and leaves the bucket clean for the next test)
      const r = await w.cli(['recover', '--yes']);
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await snapshot(w.emu)).latest).toEqual(before.latest);
  });

  it('two pushes started together: one deploys, the other fails fast naming the holder', async () => {
    rewriteAll();
    const run = () => runCli(['--endpoint-url', proxy.url, ...PUSH], { cwd: w.dir, env: baseEnv(w.emu.env) });
    const [a, b] = await Promise.all([run(), run()]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toMatch(
      /the deploy lock of s3:\/\/deploy-test-bucket is held by \S+@\S+ \(pid \d+, mwaa --endpoint-url \S+ dags push, release \S+, since /,
    );
    expect(loser.stderr).toContain('--force-unlock');
    const list = await w.cli(['--json', 'releases', 'list']);
    const releases = JSON.parse(list.stdout).releases as Array<{ status: string }>;
    expect(releases[0].status).toBe('succeeded');
    const s = await snapshot(w.emu);
    expect(liveKeys(s)).toHaveLength(FILES);
    expect(await objectText(w.emu, 'dags/dag_007.py')).toBe(dagFile('dag_7', `# round ${round}\n`));
  });
});
