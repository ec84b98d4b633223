/** The Io and a live view on screen: questions suspend it, stderr lines go above it; and the colour decision. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { question } from '../../src/core/messages.js';
import { createHost } from '../../src/ui/host/index.js';
import { colorLevel, Io, type LiveScreen } from '../../src/ui/io.js';

function io(input?: string): { io: Io; err: () => string; out: () => string } {
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  let err = '';
  let out = '';
  stderr.on('data', (d) => (err += d));
  stdout.on('data', (d) => (out += d));
  if (input !== undefined) stdin.write(input);
  return {
    io: new Io({ stdout, stderr, stdin }, { json: false, color: false, quiet: false, debug: true, ci: false, yes: false }),
    err: () => err,
    out: () => out,
  };
}

/** A live view that records what the Io asked of it. */
function recorder(log: string[]): LiveScreen {
  return {
    printAbove: (text) => log.push(`above ${text.trimEnd()}`),
    suspend: () => log.push('suspend'),
    resume: () => log.push('resume'),
  };
}

describe('the Io with a live view on screen', () => {
  it('a question (asked by the host) suspends the view, is asked, and resumes it once answered', async () => {
    const { io: subject, err } = io('y\n');
    const log: string[] = [];
    const release = subject.liveTarget().claim(recorder(log));
    const answer = createHost(subject).request(question('confirm', undefined, 'overwrite?'));
    expect(log).toEqual(['suspend']);
    expect(await answer).toBe(true);
    expect(log).toEqual(['suspend', 'resume']);
    expect(err()).toContain('overwrite? [y/N] ');
    release();
    expect(await createHost(io('n\n').io).request(question('confirm', undefined, 'again?'))).toBe(false);
  });

  it('stderr lines go above the view; stdout lines on a terminal make it step aside; after release, straight to the stream', () => {
    const { io: subject, err, out } = io();
    const log: string[] = [];
    const release = subject.liveTarget().claim(recorder(log));
    subject.info('hello');
    subject.warn('careful');
    subject.debugLine('details');
    subject.out('run-id');
    expect(log).toEqual(['above hello', 'above warning: careful', 'above debug: details', 'suspend', 'resume']);
    expect(err()).toBe('');
    expect(out()).toBe('run-id\n');
    release();
    subject.info('after');
    expect(err()).toBe('after\n');
  });
});

describe('colour', () => {
  it('--no-color and NO_COLOR win; then FORCE_COLOR; else a terminal', () => {
    expect(colorLevel({ color: false, forceColor: '1' }, true)).toBe(0);
    expect(colorLevel({ color: true, forceColor: '0' }, true)).toBe(0);
    expect(colorLevel({ color: true, forceColor: 'false' }, true)).toBe(0);
    expect(colorLevel({ color: true, forceColor: '1' }, false)).toBe(1);
    expect(colorLevel({ color: true, forceColor: '' }, false)).toBe(1);
    expect(colorLevel({ color: true }, true)).toBe(1);
    expect(colorLevel({ color: true }, false)).toBe(0);
  });
});
