/**
 * A Clock for unit tests: time moves only when told to (`advance`, `t`) or by a sleep, and sleeps
 * return at once, recorded in `sleeps`, after running `onSleep` (which may abort the signal: a sleep
 * aborted before or during it throws the signal's reason).
 *
 *   const clock = fakeClock(Date.UTC(2026, 0, 1));
 *   await clock.sleep(5_000);  // clock.now() moved 5 s; clock.sleeps = [5000]
 */
import { systemClock, type Clock } from '../../src/core/clock.js';

export interface FakeClock extends Clock {
  /** the current time (ms); tests may set it */
  t: number;
  /** every sleep asked for, in order */
  sleeps: number[];
  advance(ms: number): void;
}

export function fakeClock(start = 1_700_000_000_000, onSleep?: (ms: number, n: number) => void): FakeClock {
  const clock: FakeClock = {
    t: start,
    sleeps: [],
    now: () => clock.t,
    advance: (ms) => {
      clock.t += ms;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      clock.sleeps.push(ms);
      clock.t += ms;
      onSleep?.(ms, clock.sleeps.length);
      await Promise.resolve();
      if (signal?.aborted) throw signal.reason;
    },
  };
  return clock;
}

/**
 * A clock that runs `speed` times faster than real time, for CLI runs against a fake server: the CLI's
 * backoffs and polls take 1/speed of their real time, and its deadlines (by now()) keep their meaning.
 * (Against the emulator, use the emulator's own `emu.clock`, which shares its simulated time.)
 */
export function scaledClock(speed: number): Clock {
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * speed,
    sleep: (ms, signal) => systemClock.sleep(ms / speed, signal),
  };
}
