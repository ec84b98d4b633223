/**
 * The emulator's simulated clock: advances, and a speed above real time (what tests use to run the
 * simulation faster) that survives a snapshot and a restart without going back.
 */
import { describe, expect, it } from 'vitest';
import { createClock } from '../../src/local/clock.js';

function realTime(start = 1_000_000) {
  const t = { now: start };
  return { t, realNow: () => t.now };
}

describe('simulated clock', () => {
  it('at speed 1 is real time plus what was advanced', () => {
    const { t, realNow } = realTime();
    const clock = createClock(undefined, realNow);
    t.now += 500;
    clock.advance(2);
    expect(clock.now()).toBe(1_000_000 + 500 + 2000);
    expect(clock.offsetMs()).toBe(2000);
  });

  it('at speed 20 a real second is twenty simulated ones, and advances add to it', () => {
    const { t, realNow } = realTime();
    const clock = createClock(undefined, realNow, 20);
    const start = clock.now();
    t.now += 1000;
    expect(clock.now() - start).toBe(20_000);
    clock.advance(60);
    expect(clock.now() - start).toBe(80_000);
    expect(clock.offsetMs()).toBe(19_000 + 60_000);
  });

  it('a snapshot keeps the time gained, so a restart at another speed goes on from there', () => {
    const { t, realNow } = realTime();
    const fast = createClock(undefined, realNow, 10);
    t.now += 3000;
    const before = fast.now();
    const restarted = createClock(undefined, realNow, 1);
    restarted.restore(fast.snapshot());
    expect(restarted.now()).toBe(before);
    t.now += 1000;
    expect(restarted.now()).toBe(before + 1000);
  });

  it('refuses a speed below real time', () => {
    expect(() => createClock(undefined, Date.now, 0.5)).toThrow(/clock speed must be a finite number >= 1/);
    expect(() => createClock(undefined, Date.now, Number.NaN)).toThrow(RangeError);
  });
});
