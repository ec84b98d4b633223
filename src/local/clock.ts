/**
 * The simulated clock: real time plus an accumulated offset that POST /_mwaa_local/clock moves forward.
 *
 * The offset is persisted (journal store "clock"), so a restart over the same state directory keeps the
 * simulated time: an environment that was 2 s from AVAILABLE before a 1-hour jump stays AVAILABLE after
 * the restart.
 */
import type { Clock, Persist, PersistentStore } from './contract.js';

export interface SimClock extends Clock, PersistentStore {
  /** the accumulated offset in milliseconds */
  offsetMs(): number;
}

/**
 * @param persist where advances are journalled (undefined: in-memory only, for unit tests)
 * @param realNow the real time source (injectable for tests)
 */
export function createClock(persist?: Persist, realNow: () => number = Date.now): SimClock {
  let offset = 0;
  return {
    name: 'clock',
    now: () => realNow() + offset,
    offsetMs: () => offset,
    advance(seconds: number): void {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        throw new RangeError(`advanceSeconds must be a finite number >= 0, got ${String(seconds)}`);
      }
      const ms = Math.round(seconds * 1000);
      if (ms === 0) return;
      persist?.append('clock', 'advance', { ms });
      offset += ms;
    },
    snapshot: () => ({ offsetMs: offset }),
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
