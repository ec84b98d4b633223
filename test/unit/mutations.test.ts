/** The run's record of what it sent, and the interrupted error built from it. */
import { describe, expect, it } from 'vitest';
import { ExitCode, InterruptedError } from '../../src/core/errors.js';
import { isAbortError, Mutations } from '../../src/core/mutations.js';

const DELETE = {
  description: 'DeleteEnvironment demo',
  next: 'AWS goes on deleting environment demo',
  hint: 'follow it with `mwaa env wait --until deleted`',
};

describe('Mutations', () => {
  it('nothing sent: "interrupted; nothing was changed", exit 130', () => {
    const error = new Mutations().interrupted();
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error.exitCode).toBe(ExitCode.Interrupted);
    expect(error.message).toBe('interrupted; nothing was changed');
    expect(error.hint).toBeUndefined();
  });

  it('an aborted signal stops the call before it is made', async () => {
    const controller = new AbortController();
    const mutations = new Mutations(controller.signal);
    controller.abort();
    let called = false;
    await expect(mutations.send(DELETE, async () => (called = true))).rejects.toThrow('interrupted; nothing was changed');
    expect(called).toBe(false);
    expect(mutations.changed).toBe(false);
  });

  it('after a call was answered: what was sent, what happens next, and the hint', async () => {
    const mutations = new Mutations(new AbortController().signal);
    await mutations.send(DELETE, async () => undefined);
    const error = mutations.interrupted({ during: 'while waiting for environment demo (status DELETING, 3s)' });
    expect(error.message).toBe(
      'interrupted while waiting for environment demo (status DELETING, 3s) after DeleteEnvironment demo was sent; AWS goes on deleting environment demo',
    );
    expect(error.hint).toBe('follow it with `mwaa env wait --until deleted`');
    expect(error.details).toEqual({ changed: true, sent: ['DeleteEnvironment demo'] });
  });

  it('a call refused (not aborted) changed nothing; one cut short by the abort may have', async () => {
    const controller = new AbortController();
    const mutations = new Mutations(controller.signal);
    await expect(mutations.send(DELETE, async () => Promise.reject(new Error('ValidationException')))).rejects.toThrow();
    expect(mutations.interrupted().message).toBe('interrupted; nothing was changed');
    const update = { description: 'UpdateEnvironment demo', next: 'AWS goes on updating environment demo' };
    await expect(
      mutations.send(update, async () => {
        controller.abort();
        throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
      }),
    ).rejects.toThrow();
    expect(mutations.interrupted().message).toBe(
      'interrupted after UpdateEnvironment demo (no answer yet: it may or may not have been applied) was sent; AWS goes on updating environment demo',
    );
  });

  it('several calls: every one named, each next step once', async () => {
    const mutations = new Mutations();
    await mutations.send(
      { description: 'UpdateEnvironment demo', next: 'AWS goes on updating environment demo', hint: 'follow it' },
      async () => undefined,
    );
    await mutations.send({ description: 'TagResource demo', next: 'the tags are set' }, async () => undefined);
    const error = mutations.interrupted();
    expect(error.message).toBe(
      'interrupted after UpdateEnvironment demo, TagResource demo were sent; AWS goes on updating environment demo; the tags are set',
    );
    expect(error.hint).toBe('follow it');
  });

  it('recognises the abort errors of fetch and of the AWS SDK', () => {
    expect(isAbortError(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }))).toBe(true);
    expect(isAbortError(Object.assign(new Error('Request aborted'), { name: 'AbortError' }))).toBe(true);
    expect(isAbortError(new Error('socket hang up'))).toBe(false);
  });
});

describe('the runner after Ctrl-C', () => {
  it('reports an AWS call torn by the interruption as the interruption, not as an AWS error', async () => {
    const { interruptedAccount } = await import('../../src/cli/run.js');
    const { FailedError, InterruptedError } = await import('../../src/core/errors.js');
    const controller = new AbortController();
    const torn = new FailedError('aws.failed', 'ListObjectVersions s3://b/dags/: Error: aborted');
    const mutations = new Mutations(controller.signal);
    // not interrupted: the AWS error stands
    expect(interruptedAccount(mutations, controller.signal, torn)).toBe(torn);
    controller.abort();
    const reported = interruptedAccount(mutations, controller.signal, torn);
    expect(reported).toBeInstanceOf(InterruptedError);
    expect((reported as Error).message).toBe('interrupted; nothing was changed');
    // a deploy's own outcome after Ctrl-C (rolled back) is not rewritten
    const rolledBack = new FailedError('deploy.lock-lost', 'lost');
    expect(interruptedAccount(mutations, controller.signal, rolledBack)).toBe(rolledBack);
  });
});
