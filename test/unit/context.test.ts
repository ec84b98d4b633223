import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import type { GlobalOptions } from '../../src/cli/globals.js';
import { Io } from '../../src/ui/io.js';

const globals = (extra: Partial<GlobalOptions> = {}): GlobalOptions => ({
  local: false,
  json: false,
  color: false,
  yes: false,
  quiet: false,
  debug: false,
  ...extra,
});

function settingsFor(env: Record<string, string>, extra: Partial<GlobalOptions> = {}) {
  const io = new Io(
    { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough() },
    {
      json: false,
      color: false,
      quiet: false,
      debug: false,
      ci: false,
      yes: false,
    },
  );
  const ctx = createContext({ io, globals: globals(extra), cwd: '/', env, signal: new AbortController().signal });
  return ctx.aws({ requireConfig: false }).then((aws) => aws.settings);
}

describe('AWS settings from the environment handed to the command', () => {
  it('keys in the environment are the credentials, with the session token', async () => {
    const s = await settingsFor({
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'tok',
      AWS_REGION: 'eu-west-1',
    });
    expect(s.credentials).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' });
    expect(s.region).toBe('eu-west-1');
  });
  it('an explicit --profile wins over keys in the environment', async () => {
    const s = await settingsFor({ AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' }, { profile: 'prod' });
    expect(s.credentials).toBeUndefined();
    expect(s.profile).toBe('prod');
  });
  it('AWS_PROFILE is used when there are no keys; --region wins over AWS_REGION', async () => {
    const s = await settingsFor({ AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' }, { region: 'us-west-2' });
    expect(s.credentials).toBeUndefined();
    expect(s.profile).toBe('dev');
    expect(s.region).toBe('us-west-2');
  });
  it('AWS_ENDPOINT_URL is honoured', async () => {
    const s = await settingsFor({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(s.endpoints).toEqual({ s3: 'http://127.0.0.1:9', mwaa: 'http://127.0.0.1:9', logs: 'http://127.0.0.1:9' });
  });
});

describe('a malformed region is refused before any call (exit 2), as the AWS CLI refuses it', () => {
  for (const region of ['eu west 1', 'EU-WEST-1!', '-eu-west-1', 'eu_west_1']) {
    it(`--region ${JSON.stringify(region)}`, async () => {
      const error = await settingsFor({}, { region }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ exitCode: 2, code: 'aws.region-invalid', message: `--region "${region}" is not a region name` });
    });
  }
  it('AWS_REGION is checked too, and named', async () => {
    await expect(settingsFor({ AWS_REGION: 'eu west 1' })).rejects.toMatchObject({
      exitCode: 2,
      message: 'AWS_REGION "eu west 1" is not a region name',
    });
  });
  it('a well-formed region passes', async () => {
    expect((await settingsFor({}, { region: 'ap-southeast-2' })).region).toBe('ap-southeast-2');
  });
});
