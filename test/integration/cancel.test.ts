/**
 * The cancellation contract, in-process (runCli with a signal): the signal is aborted while a proxy in
 * front of the emulator holds a chosen call, so each test decides exactly where Ctrl-C lands.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, runCli } from '../helpers/cli.js';
import { BUCKET, createEnvironment, ENV_NAME, snapshot, startDeployWorld, writeProject, type DeployWorld } from './deploy-helpers.js';
import { recordingProxy, type RecordedCall, type RecordingProxy } from './env-helpers.js';
import { untilStatus } from '../helpers/emulator.js';

let w: DeployWorld;
let proxy: RecordingProxy;

beforeAll(async () => {
  w = await startDeployWorld({ speed: 20 });
  await createEnvironment(w.emu);
  proxy = await recordingProxy(() => w.emu.url);
  writeProject(w.dir, { 'dags/a.py': 'print("a")\n', 'requirements.txt': 'requests==2.32.2\n' }, { requirements: true });
  const first = await w.cli(['dags', 'push', '--yes']);
  expect(first.code, first.stderr).toBe(0);
});
afterAll(async () => {
  await proxy?.close();
  await w?.close();
});
afterEach(() => {
  proxy.calls.length = 0;
});

/** Runs mwaa through the proxy; Ctrl-C (the signal) while the first call matching `at` is held. */
async function interruptedAt(argv: string[], at: (c: RecordedCall) => boolean) {
  const controller = new AbortController();
  const held = proxy.hold(at);
  void held.arrived.then(() => {
    controller.abort(new Error('interrupted'));
    held.release();
  });
  try {
    return await runCli(['--endpoint-url', proxy.url, ...argv], { cwd: w.dir, env: baseEnv(w.emu.env), signal: controller.signal });
  } finally {
    held.release();
  }
}

describe('Ctrl-C during a deploy', () => {
  it('during planning (the bucket listing): exit 130, "nothing was changed", not an AWS error', async () => {
    writeProject(w.dir, { 'dags/a.py': 'print("a2")\n', 'requirements.txt': 'requests==2.32.2\n' }, { requirements: true });
    const before = await snapshot(w.emu);
    const r = await interruptedAt(
      ['dags', 'push'],
      (c) => c.method === 'GET' && c.path.startsWith(`/${BUCKET}/?`) && /[?&]versions=/.test(c.path),
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^error: interrupted; nothing was changed$/m);
    expect(r.stderr).not.toMatch(/AbortError|ListObjectVersions/);
    expect(await snapshot(w.emu)).toEqual(before);
  });

  it('during the environment update: rolled back (exit 5), without "keeps going" or "nothing was changed"', async () => {
    writeProject(w.dir, { 'dags/a.py': 'print("a3")\n', 'requirements.txt': 'requests==2.32.3\n' }, { requirements: true });
    const before = await snapshot(w.emu);
    // the first GetEnvironment after UpdateEnvironment: the deploy is waiting for the update
    let updated = false;
    const r = await interruptedAt(['dags', 'push', '--yes'], (c) => {
      if (c.service === 'mwaa' && c.method === 'PATCH') updated = true;
      return updated && c.service === 'mwaa' && c.method === 'GET';
    });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(
      /^error: deploy interrupted: interrupted while waiting for environment deploytest \(.*\) to apply the new versions$/m,
    );
    expect(r.stderr).not.toMatch(/keeps going|nothing was changed/);
    await untilStatus(w.emu, ENV_NAME, 'AVAILABLE');
    expect((await snapshot(w.emu)).pins).toEqual(before.pins);
  });
});

describe('Ctrl-C after an environment change was sent', () => {
  it('env delete: exit 130 saying DeleteEnvironment was sent, that AWS goes on deleting, and how to follow it', async () => {
    await createEnvironment(w.emu, 'cancel-after', 'cancel-after-bucket');
    let deleted = false;
    writeFileSync(
      join(w.dir, 'mwaa.yaml'),
      'environments:\n  gone:\n    name: cancel-after\n    bucket: cancel-after-bucket\n    region: us-east-1\n    dags: ./dags\n',
    );
    try {
      const r = await interruptedAt(['env', 'delete', '--yes'], (c) => {
        if (c.service === 'mwaa' && c.method === 'DELETE') deleted = true;
        return deleted && c.service === 'mwaa' && c.method === 'GET';
      });
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(
        /^error: interrupted while waiting for environment cancel-after \(.*\) after DeleteEnvironment cancel-after was sent; AWS goes on deleting environment cancel-after$/m,
      );
      expect(r.stderr).toMatch(/^hint: follow it with `mwaa --endpoint-url \S+ env wait --until deleted`$/m);
      const env = await w.emu.mwaa.send(new GetEnvironmentCommand({ Name: 'cancel-after' })).catch(() => undefined);
      expect(env?.Environment?.Status ?? 'DELETED').toMatch(/DELETING|DELETED/);
    } finally {
      writeProject(w.dir, { 'dags/a.py': 'print("a")\n' });
    }
  });
});
