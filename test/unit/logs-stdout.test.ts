import { getEventListeners } from 'node:events';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { StdoutSink } from '../../src/cli/commands/logs.js';
import { anySignal } from '../../src/core/signals.js';

/** A stdout whose reader never reads: the first write fills it and 'drain' never comes. */
function blockedStream(): Writable & { chunks: string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    highWaterMark: 1,
    write(chunk, _encoding, _callback) {
      chunks.push(String(chunk)); // never calls back: blocked
    },
  });
  return Object.assign(stream, { chunks });
}

const event = { logStreamName: 's', timestamp: 1, message: 'hello' };

function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<'settled' | 'pending'> {
  return Promise.race([promise.then(() => 'settled' as const), new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

describe('StdoutSink (mwaa logs output)', () => {
  it('flush waits for drain while stdout is blocked, and returns when the command is interrupted (Ctrl-C)', async () => {
    const stream = blockedStream();
    const controller = new AbortController();
    let closed = 0;
    const sink = new StdoutSink(
      stream,
      (e) => `${e.message}\n`,
      () => closed++,
      controller.signal,
    );
    sink.write(event, 'g');
    const flushed = sink.flush();
    expect(await settlesWithin(flushed, 30)).toBe('pending'); // backpressure: waits for the reader
    expect(stream.chunks).toEqual(['hello\n']);
    controller.abort(new Error('interrupted'));
    expect(await settlesWithin(flushed, 200)).toBe('settled');
    // a later flush while still blocked does not wait either
    sink.write(event, 'g');
    expect(await settlesWithin(sink.flush(), 200)).toBe('settled');
    expect(closed).toBe(0);
    stream.destroy();
  });
});

describe('anySignal', () => {
  const native = AbortSignal.any;
  afterEach(() => {
    AbortSignal.any = native;
  });
  const withoutNativeAny = () => {
    // Node 20.0-20.2 (allowed by package.json) have no AbortSignal.any
    (AbortSignal as { any?: unknown }).any = undefined;
  };

  it('without AbortSignal.any: aborts when any signal aborts, with its reason', () => {
    withoutNativeAny();
    const a = new AbortController();
    const b = new AbortController();
    const { signal } = anySignal([a.signal, b.signal]);
    expect(signal.aborted).toBe(false);
    const reason = new Error('stop');
    b.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    // already aborted
    expect(anySignal([new AbortController().signal, b.signal]).signal.reason).toBe(reason);
  });

  it('without AbortSignal.any: dispose leaves no listener on a long-lived signal, however many calls', () => {
    withoutNativeAny();
    const shared = new AbortController();
    for (let i = 0; i < 100; i++) {
      const { dispose } = anySignal([new AbortController().signal, shared.signal]);
      dispose();
    }
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    // and once one aborted, the others' listeners are gone too
    const once = new AbortController();
    anySignal([once.signal, shared.signal]);
    once.abort();
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('with AbortSignal.any: the combined signal follows the given ones', () => {
    const a = new AbortController();
    const { signal, dispose } = anySignal([a.signal, new AbortController().signal]);
    a.abort(new Error('x'));
    expect(signal.aborted).toBe(true);
    dispose();
  });
});
