/**
 * The simulated clock: real time plus an accumulated offset that POST /_mwaa_local/clock moves forward,
 * optionally running `speed` times faster than real time (tests: a simulated half hour passes in seconds,
 * and a CLI run in the same process sleeps on this clock at the same speed, see test/helpers/emulator.ts).
 *
 * The offset is persisted (journal store "clock"), so a restart over the same state directory keeps the
 * simulated time: an environment that was 2 s from AVAILABLE before a 1-hour jump stays AVAILABLE after
 * the restart.
 */
import type { Clock, Persist, PersistentStore } from './contract.js';

export interface SimClock extends Clock, PersistentStore {
  /** simulated time minus real time, in milliseconds */
  offsetMs(): number;
  /** simulated milliseconds per real millisecond */
  readonly speed: number;
}

/**
 * @param persist where advances are journalled (undefined: in-memory only, for unit tests)
 * @param realNow the real time source (injectable for tests)
 * @param speed simulated milliseconds per real millisecond (default 1); not persisted: the time gained is
 *   part of the offset a snapshot keeps, so a restart at another speed goes on from where the clock was
 */
export function createClock(persist?: Persist, realNow: () => number = Date.now, speed = 1): SimClock {
  if (!Number.isFinite(speed) || speed < 1) throw new RangeError(`clock speed must be a finite number >= 1, got ${String(speed)}`);
  let offset = 0;
  const origin = realNow();
  /** what running faster than real time has added since the clock was made */
  const gained = (): number => Math.round((speed - 1) * (realNow() - origin));
  return {
    name: 'clock',
    speed,
    now: () => realNow() + offset + gained(),
    offsetMs: () => offset + gained(),
    advance(seconds: number): void {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        throw new RangeError(`advanceSeconds must be a finite number >= 0, got ${String(seconds)}`);
      }
      const ms = Math.round(seconds * 1000);
      if (ms === 0) return;
      persist?.append('clock', 'advance', { ms });
      offset += ms;
    },
    snapshot: () => ({ offsetMs: offset + gained() }),
    restore(snapshot: unknown): void {
      const s = snapshot as { offsetMs?: unknown } | undefined;
      offset = typeof s?.offsetMs === 'number' && Number.isFinite(s.offsetMs) ? s.offsetMs : 0;
    },
    replay(op: string, data: unknown): void {
      if (op !== 'advance') throw new Error(`clock: unknown journal op ${op}`);
      const ms = (data as { ms?: unknown }).ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new Error('clock: bad advance record');
      offset += ms;
    },
  };
}
