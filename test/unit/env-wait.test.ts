import { describe, expect, it } from 'vitest';
import { failure } from '../helpers/errors.js';
import { FailedError, InterruptedError, NotFoundError } from '../../src/core/errors.js';
import { recordEvents } from '../../src/core/events.js';
import { hintForErrorCode, waitForEnvironment } from '../../src/core/env/wait.js';
import { envWith, fakeClock, scriptedApi } from './env-fakes.js';

const START = Date.UTC(2026, 0, 1);

describe('waitForEnvironment', () => {
  it('follows CREATING → AVAILABLE, emits one event per change and returns the timeline', async () => {
    const clock = fakeClock(START);
    const api = scriptedApi([envWith('CREATING'), envWith('CREATING'), envWith('AVAILABLE', { WebserverUrl: 'h.example.com' })]);
    const rec = recordEvents();
    const result = await waitForEnvironment({ api, name: 'demo', clock, events: rec.sink, until: 'available', pollMs: 1000 });
    expect(result.environment?.Status).toBe('AVAILABLE');
    expect(result.timeline).toEqual([
      { status: 'CREATING', at: START },
      { status: 'AVAILABLE', at: START + 2000 },
    ]);
    expect(result.elapsedMs).toBe(2000);
    const changes = rec.events.filter((e) => e.code === 'env.status.changed');
    expect(changes.map((e) => e.data)).toEqual([
      { name: 'demo', status: 'CREATING', previous: null, elapsedMs: 0 },
      { name: 'demo', status: 'AVAILABLE', previous: 'CREATING', elapsedMs: 2000, webserverUrl: 'https://h.example.com' },
    ]);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it('UPDATE_FAILED throws exit 1 with the LastUpdate error code, message and a hint for the code', async () => {
    const api = scriptedApi([
      envWith('UPDATING'),
      envWith('ROLLING_BACK'),
      envWith('UPDATE_FAILED', {
        LastUpdate: {
          Status: 'FAILED',
          CreatedAt: new Date(START),
          Error: { ErrorCode: 'INCORRECT_CONFIGURATION', ErrorMessage: 'check the role' },
        },
      }),
    ]);
    const rec = recordEvents();
    const error = await failure(
      waitForEnvironment({
        api,
        name: 'demo',
        clock: fakeClock(START),
        events: rec.sink,
        until: 'available',
        pollMs: 10,
        expectUpdateSince: START,
      }),
    );
    expect(error).toBeInstanceOf(FailedError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/updating environment demo failed \(UPDATE_FAILED/);
    expect(error.message).toMatch(/INCORRECT_CONFIGURATION: check the role/);
    expect(error.hint).toBe(hintForErrorCode('INCORRECT_CONFIGURATION'));
    expect(error.details).toMatchObject({ errorCode: 'INCORRECT_CONFIGURATION', errorMessage: 'check the role', status: 'UPDATE_FAILED' });
    expect(rec.events.map((e) => (e.code === 'env.status.changed' ? e.data.status : undefined))).toEqual([
      'UPDATING',
      'ROLLING_BACK',
      'UPDATE_FAILED',
    ]);
  });

  it.each(['CREATE_FAILED', 'UNAVAILABLE'])('%s throws exit 1', async (status) => {
    const api = scriptedApi([envWith(status, { LastUpdate: { Status: 'FAILED', Error: { ErrorCode: 'X_CODE', ErrorMessage: 'boom' } } })]);
    const error = await failure(waitForEnvironment({ api, name: 'demo', clock: fakeClock(), events: () => {}, until: 'available' }));
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain(status);
    expect(error.message).toContain('X_CODE: boom');
    expect(error.hint).toBe(hintForErrorCode('X_CODE', status));
  });

  it('after an update, AVAILABLE with a FAILED LastUpdate is a failure', async () => {
    const api = scriptedApi([
      envWith('UPDATING'),
      envWith('AVAILABLE', {
        LastUpdate: { Status: 'FAILED', CreatedAt: new Date(START + 5), Error: { ErrorCode: 'E', ErrorMessage: 'm' } },
      }),
    ]);
    const error = await failure(
      waitForEnvironment({
        api,
        name: 'demo',
        clock: fakeClock(START),
        events: () => {},
        until: 'available',
        expectUpdateSince: START,
        pollMs: 5,
      }),
    );
    expect(error.code).toBe('env.failed');
    expect(error.message).toContain('E: m');
  });

  it('after an update, an AVAILABLE environment whose LastUpdate predates the update keeps being polled', async () => {
    const old = { Status: 'SUCCESS' as const, CreatedAt: new Date(START - 3_600_000) };
    const fresh = { Status: 'SUCCESS' as const, CreatedAt: new Date(START + 1) };
    const api = scriptedApi([
      envWith('AVAILABLE', { LastUpdate: old }),
      envWith('AVAILABLE', { LastUpdate: old }),
      envWith('AVAILABLE', { LastUpdate: fresh }),
    ]);
    const result = await waitForEnvironment({
      api,
      name: 'demo',
      clock: fakeClock(START),
      events: () => {},
      until: 'available',
      expectUpdateSince: START,
      pollMs: 100,
    });
    expect(api.calls.filter((c) => c.op === 'GetEnvironment')).toHaveLength(3);
    expect(result.elapsedMs).toBe(200);
  });

  it('after an update, an environment that never shows the update fails after the grace period', async () => {
    const api = scriptedApi([envWith('AVAILABLE', { LastUpdate: { Status: 'SUCCESS', CreatedAt: new Date(START - 1) } })]);
    const error = await failure(
      waitForEnvironment({
        api,
        name: 'demo',
        clock: fakeClock(START),
        events: () => {},
        until: 'available',
        expectUpdateSince: START,
        pollMs: 1000,
        updateGraceMs: 3000,
      }),
    );
    expect(error.code).toBe('env.update-not-seen');
    expect(api.calls).toHaveLength(4);
  });

  it('AVAILABLE with LastUpdate PENDING after an update keeps polling until SUCCESS', async () => {
    const api = scriptedApi([
      envWith('UPDATING'),
      envWith('AVAILABLE', { LastUpdate: { Status: 'PENDING', CreatedAt: new Date(START) } }),
      envWith('AVAILABLE', { LastUpdate: { Status: 'SUCCESS', CreatedAt: new Date(START) } }),
    ]);
    const result = await waitForEnvironment({
      api,
      name: 'demo',
      clock: fakeClock(START),
      events: () => {},
      until: 'available',
      expectUpdateSince: START,
      pollMs: 1,
    });
    expect(result.environment?.LastUpdate?.Status).toBe('SUCCESS');
    expect(api.calls).toHaveLength(3);
  });

  it('times out with exit 1 naming `mwaa env wait`', async () => {
    const clock = fakeClock(START);
    const api = scriptedApi([envWith('UPDATING')]);
    const error = await failure(
      waitForEnvironment({ api, name: 'demo', clock, events: () => {}, until: 'available', pollMs: 15_000, timeoutMs: 60_000 }),
    );
    expect(error.code).toBe('env.wait.timeout');
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/after 1m 00s \(status UPDATING\); the environment keeps going/);
    expect(error.hint).toMatch(/`mwaa env wait`/);
    expect(clock.t - START).toBe(60_000);
  });

  it('an aborted signal throws InterruptedError (130) saying the environment keeps going', async () => {
    const controller = new AbortController();
    const clock = fakeClock(START);
    const api = scriptedApi([envWith('UPDATING')]);
    const origSleep = clock.sleep;
    let n = 0;
    clock.sleep = async (ms, signal) => {
      if (++n === 2) controller.abort(new Error('SIGINT'));
      return origSleep(ms, signal);
    };
    const error = await failure(
      waitForEnvironment({
        api,
        name: 'demo',
        clock,
        events: () => {},
        signal: controller.signal,
        until: 'available',
        pollMs: 10,
        resumeCommand: 'mwaa -e dev env wait',
      }),
    );
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.exitCode).toBe(130);
    expect(error.message).toMatch(/stopped waiting for environment demo .*\(status UPDATING\); the environment keeps going/);
    expect(error.hint).toBe('resume with `mwaa -e dev env wait`');
  });

  it('until deleted: DELETING then not found ends with DELETED in the timeline', async () => {
    const api = scriptedApi([envWith('DELETING'), undefined]);
    const rec = recordEvents();
    const result = await waitForEnvironment({ api, name: 'demo', clock: fakeClock(START), events: rec.sink, until: 'deleted', pollMs: 5 });
    expect(result.environment).toBeUndefined();
    expect(result.timeline.map((t) => t.status)).toEqual(['DELETING', 'DELETED']);
  });

  it('until available: a missing environment is exit 3', async () => {
    const error = await failure(
      waitForEnvironment({ api: scriptedApi([undefined]), name: 'demo', clock: fakeClock(), events: () => {}, until: 'available' }),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.exitCode).toBe(3);
  });

  it('until available: DELETING fails instead of waiting for two hours', async () => {
    const error = await failure(
      waitForEnvironment({
        api: scriptedApi([envWith('DELETING')]),
        name: 'demo',
        clock: fakeClock(),
        events: () => {},
        until: 'available',
      }),
    );
    expect(error.code).toBe('env.deleting');
  });

  it('tolerates a few transient read failures, then gives up', async () => {
    const throttled = () => new FailedError('aws.throttled', 'GetEnvironment demo: AWS kept throttling');
    const ok = await waitForEnvironment({
      api: scriptedApi([throttled(), throttled(), envWith('AVAILABLE')]),
      name: 'demo',
      clock: fakeClock(),
      events: () => {},
      until: 'available',
      pollMs: 1,
    });
    expect(ok.environment?.Status).toBe('AVAILABLE');
    const error = await failure(
      waitForEnvironment({
        api: scriptedApi([throttled()]),
        name: 'demo',
        clock: fakeClock(),
        events: () => {},
        until: 'available',
        pollMs: 1,
      }),
    );
    expect(error.code).toBe('aws.throttled');
  });

  it('warns once when an environment is PENDING (customer-managed endpoints)', async () => {
    const rec = recordEvents();
    await waitForEnvironment({
      api: scriptedApi([envWith('PENDING'), envWith('PENDING'), envWith('CREATING'), envWith('AVAILABLE')]),
      name: 'demo',
      clock: fakeClock(),
      events: rec.sink,
      until: 'available',
      pollMs: 1,
    });
    expect(rec.events.filter((e) => e.code === 'env.status.pending')).toHaveLength(1);
  });
});
