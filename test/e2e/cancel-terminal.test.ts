/**
 * Ctrl-C typed in a real terminal before a destructive command (env delete, env update, dags push) sends its change: the
 * command stops with exit 130 and "nothing was changed", and the environment is as it was. The proxy in
 * front of the emulator holds the command's GetEnvironment until Ctrl-C was typed (no fixed sleep), then
 * lets it through: a command that ignored the signal would send its mutation right after.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { runInTerminal } from '../helpers/terminal.js';
import {
  awsEnvironmentYaml,
  goodBucket,
  NETWORK,
  recordingProxy,
  ROLE,
  useEmulatorCredentials,
  writeConfig,
  type RecordingProxy,
} from '../integration/env-helpers.js';

let emu: TestEmulator;
let proxy: RecordingProxy;
const savedEnv = { ...process.env };
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  emu = await startTestEmulator({ sim: { createSeconds: 0.2, updateSeconds: 0.2, deleteSeconds: 0.2 } });
  proxy = await recordingProxy(() => emu.url);
  useEmulatorCredentials(emu);
});
afterAll(async () => {
  process.env = savedEnv;
  await proxy?.close();
  await emu?.close();
});
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function project(name: string, environment = ''): string {
  const { dir, cleanup } = tempDir('mwaa-cancel-');
  cleanups.push(cleanup);
  writeConfig(dir, awsEnvironmentYaml(name, name, `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\n${environment}`));
  return dir;
}

async function createdEnvironment(name: string): Promise<string> {
  await goodBucket(emu, name);
  const dir = project(name, 'maxWorkers: 2');
  const r = await runCli(['--endpoint-url', proxy.url, 'env', 'create'], { cwd: dir, env: baseEnv(emu.env) });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

async function environment(name: string) {
  return (await emu.mwaa.send(new GetEnvironmentCommand({ Name: name }))).Environment;
}

/**
 * Runs `mwaa --endpoint-url <proxy> <args>` in a terminal and types Ctrl-C while the call `match` picks
 * is held. With `letThrough`, the call is let through once the terminal has echoed ^C (a command that
 * ignored the signal would go on to send its change); without, it stays held, and the command must give
 * it up by itself.
 */
async function interruptedWhileHeld(dir: string, match: Parameters<RecordingProxy['hold']>[0], args: string[], letThrough: boolean) {
  const held = proxy.hold(match);
  const run = runInTerminal(['--endpoint-url', proxy.url, ...args], { cwd: dir, env: baseEnv(emu.env) });
  try {
    await held.arrived;
    const callsBefore = proxy.calls.length;
    run.interrupt();
    if (letThrough) {
      // the terminal echoes ^C once its line discipline has sent SIGINT to the command
      await run.waitFor(/\^C/);
      held.release();
    }
    const code = await run.exit;
    return { code, screen: (await run.all()).join('\n'), callsAfter: proxy.calls.slice(callsBefore) };
  } finally {
    held.release();
  }
}

/** Ctrl-C while the command's GetEnvironment is held, then that call let through. */
function interruptedAtGetEnvironment(dir: string, name: string, args: string[]) {
  return interruptedWhileHeld(dir, (c) => c.service === 'mwaa' && c.method === 'GET' && c.path === `/environments/${name}`, args, true);
}

describe('Ctrl-C before an environment command sends its change', () => {
  it('env delete --yes: exit 130, "nothing was changed", DeleteEnvironment never sent', async () => {
    const dir = await createdEnvironment('cancel-delete');
    const r = await interruptedAtGetEnvironment(dir, 'cancel-delete', ['env', 'delete', '--yes']);
    expect(r.code, r.screen).toBe(130);
    expect(r.screen).toMatch(/error: interrupted; nothing was changed/);
    expect(r.screen).not.toMatch(/keeps going|deleting environment/);
    expect(r.callsAfter.filter((c) => c.method === 'DELETE')).toEqual([]);
    expect((await environment('cancel-delete'))?.Status).toBe('AVAILABLE');
  });

  it('env update --yes: exit 130, no plan printed, UpdateEnvironment never sent', async () => {
    const dir = await createdEnvironment('cancel-update');
    writeConfig(
      dir,
      awsEnvironmentYaml(
        'cancel-update',
        'cancel-update',
        `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\nmaxWorkers: 5`,
      ),
    );
    const r = await interruptedAtGetEnvironment(dir, 'cancel-update', ['env', 'update', '--yes']);
    expect(r.code, r.screen).toBe(130);
    expect(r.screen).toMatch(/error: interrupted; nothing was changed/);
    expect(r.screen).not.toMatch(/maxWorkers|updating environment/);
    expect(r.callsAfter.filter((c) => c.service === 'mwaa' && c.method !== 'GET')).toEqual([]);
    const after = await environment('cancel-update');
    expect(after?.Status).toBe('AVAILABLE');
    expect(after?.MaxWorkers).toBe(2);
  });

  it('env delete at its confirmation prompt: Ctrl-C exits 130, "nothing was changed", nothing deleted', async () => {
    const dir = await createdEnvironment('cancel-prompt');
    const run = runInTerminal(['--endpoint-url', proxy.url, 'env', 'delete'], { cwd: dir, env: baseEnv(emu.env) });
    await run.waitFor(/Type the environment name \(cancel-prompt\) to delete it:/);
    const callsBefore = proxy.calls.length;
    run.interrupt();
    const code = await run.exit;
    const screen = (await run.all()).join('\n');
    expect(code, screen).toBe(130);
    expect(screen).toMatch(/error: interrupted; nothing was changed/);
    expect(proxy.calls.slice(callsBefore).filter((c) => c.method === 'DELETE')).toEqual([]);
    expect((await environment('cancel-prompt'))?.Status).toBe('AVAILABLE');
  });

  it('dags push --yes: Ctrl-C while it plans: exit 130, "nothing was changed", no write to the bucket', async () => {
    const dir = await createdEnvironment('cancel-push');
    writeConfig(
      dir,
      awsEnvironmentYaml(
        'cancel-push',
        'cancel-push',
        `airflowVersion: "2.10.3"\nexecutionRoleArn: ${ROLE}\n${NETWORK}\nmaxWorkers: 2`,
        'dags: ./dags',
      ),
    );
    mkdirSync(join(dir, 'dags'), { recursive: true });
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'dags', `dag_${i}.py`), `# dag ${i}\n`);
    const versionsBefore = (await emu.s3.send(new ListObjectVersionsCommand({ Bucket: 'cancel-push' }))).Versions ?? [];
    // Ctrl-C while the listing of the DAG prefix (planning) is held; it stays held
    const r = await interruptedWhileHeld(
      dir,
      (c) => c.service === 's3' && c.method === 'GET' && /[?&]versions/.test(c.path) && /prefix=dags/.test(c.path),
      ['dags', 'push', '--yes'],
      false,
    );
    expect(r.code, r.screen).toBe(130);
    expect(r.screen).toMatch(/error: interrupted; nothing was changed/);
    expect(r.screen).not.toMatch(/AbortError|ListObjectVersions/);
    expect(r.callsAfter.filter((c) => c.service === 's3' && ['PUT', 'POST', 'DELETE'].includes(c.method))).toEqual([]);
    const versionsAfter = (await emu.s3.send(new ListObjectVersionsCommand({ Bucket: 'cancel-push' }))).Versions ?? [];
    expect(versionsAfter.map((v) => [v.Key, v.VersionId])).toEqual(versionsBefore.map((v) => [v.Key, v.VersionId]));
  });
});
