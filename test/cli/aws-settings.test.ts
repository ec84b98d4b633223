/** The profile and region a command is given, checked and named in its errors (in-process CLI). */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, runCli, tempDir } from '../helpers/cli.js';
import { startTestEmulator } from '../helpers/emulator.js';

const cleanups: Array<() => void> = [];
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function project(): string {
  const { dir, cleanup } = tempDir('mwaa-settings-');
  cleanups.push(cleanup);
  writeFileSync(
    join(dir, 'mwaa.yaml'),
    'environments:\n  dev:\n    name: settings-env\n    bucket: settings-bucket\n    region: eu-west-1\n',
  );
  return dir;
}

describe('--region', () => {
  it('a malformed --region is exit 2 before any call', async () => {
    const dir = project();
    // an endpoint that answers nothing: a call would fail with "cannot reach", not a usage error
    const r = await runCli(['--endpoint-url', 'http://127.0.0.1:9', '--region', 'eu west 1', 'env', 'show'], {
      cwd: dir,
      env: baseEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }),
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: --region "eu west 1" is not a region name$/m);
    expect(r.stderr).toMatch(/^hint: use a region code such as eu-west-1/m);
  });
});

describe('--profile', () => {
  it('a profile in neither shared file is named in the credentials error (exit 4)', async () => {
    const dir = project();
    const config = join(dir, 'aws-config');
    const credentials = join(dir, 'aws-credentials');
    writeFileSync(config, '[profile other]\nregion = eu-west-1\n');
    writeFileSync(credentials, '[another]\naws_access_key_id = x\naws_secret_access_key = y\n');
    const files = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
    // the SDK's credential chain reads process.env
    Object.assign(process.env, files);
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const r = await runCli(['--endpoint-url', 'http://127.0.0.1:9', '--profile', 'nope', 'env', 'show'], { cwd: dir, env: baseEnv(files) });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`error: profile nope is not in ${config} or ${credentials}`);
    expect(r.stderr).toMatch(/^hint: check the name \(`aws configure list-profiles`\)/m);
  });
});

describe('--endpoint-url and the local emulator', () => {
  function localProject(): string {
    const { dir, cleanup } = tempDir('mwaa-settings-');
    cleanups.push(cleanup);
    writeFileSync(join(dir, 'mwaa.yaml'), 'environments:\n  dev:\n    name: local-env\n    local: true\n');
    return dir;
  }

  it('an explicit --endpoint-url wins over `local: true` in mwaa.yaml', async () => {
    const emu = await startTestEmulator();
    try {
      const dir = localProject();
      const r = await runCli(['--endpoint-url', emu.url, '--json', 'env', 'list'], { cwd: dir, env: baseEnv(emu.env) });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toBeDefined();
      // nothing embedded was started beside the project: the server given was used
      expect(existsSync(join(dir, '.mwaa', 'local'))).toBe(false);
    } finally {
      await emu.close();
    }
  });

  it('--local with --endpoint-url is exit 2 naming both', async () => {
    const r = await runCli(['--local', '--endpoint-url', 'http://127.0.0.1:9', 'env', 'list'], { cwd: localProject(), env: baseEnv({}) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--local and --endpoint-url cannot be used together');
  });
});
