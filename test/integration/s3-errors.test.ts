/**
 * S3 errors as the real SDK parses the emulator's answers: a HEAD request's error has no body (so no
 * error code), and must still be classified by its status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Api } from '../../src/aws/s3.js';
import { ExitCode } from '../../src/core/errors.js';
import { failure } from '../helpers/errors.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { versionedBucket } from './logs-helpers.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
  await versionedBucket(emu, 'errors-bucket');
});
afterAll(async () => {
  await emu?.close();
});

describe('S3 errors without a body', () => {
  it('403 on HeadObject is the permissions error (exit 4), naming the call', async () => {
    await emu.fault({ service: 's3', operation: 'HeadObject', error: { status: 403, code: 'AccessDenied', message: 'denied' } });
    const error = await failure(s3Api(emu.s3).headObject('errors-bucket', 'dags/a.py'));
    expect(error.exitCode).toBe(ExitCode.Auth);
    expect(error.message).toBe(
      'HeadObject s3://errors-bucket/dags/a.py: AWS refused the credentials or permission (HTTP 403, no error details: usually AccessDenied)',
    );
    expect(error.hint).toMatch(/--profile/);
  });

  it('403 with a body keeps its code', async () => {
    await emu.fault({ service: 's3', operation: 'GetObject', error: { status: 403, code: 'AccessDenied', message: 'denied' } });
    const error = await failure(s3Api(emu.s3).getObject('errors-bucket', 'dags/a.py'));
    expect(error.exitCode).toBe(ExitCode.Auth);
    expect(error.message).toContain('(AccessDenied: denied)');
  });

  it('a 500 on HeadObject stays a failure (exit 1)', async () => {
    await emu.fault({ service: 's3', operation: 'HeadObject', times: 10, error: { status: 500, code: 'InternalError' } });
    const error = await failure(s3Api(emu.s3).headObject('errors-bucket', 'dags/a.py'));
    await emu.clearFaults();
    expect(error.exitCode).toBe(ExitCode.Failed);
  });
});
