/** Combining abort signals (the command's Ctrl-C, a timeout, a lost deploy lock…). */
import { InterruptedError, MwaaError } from './errors.js';

/**
 * AbortSignal.any (Node 20.3+), with a fallback for older Node 20 releases (package.json allows 20.0).
 * Call `dispose` when the combined signal is no longer needed: the fallback adds a listener to each
 * given signal, and a long-lived one (the command's) would otherwise keep one per call.
 */
export function anySignal(signals: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  if (typeof AbortSignal.any === 'function') return { signal: AbortSignal.any(signals), dispose: () => {} };
  const controller = new AbortController();
  const listeners: Array<[AbortSignal, () => void]> = [];
  const dispose = () => {
    for (const [s, listener] of listeners.splice(0)) s.removeEventListener('abort', listener);
  };
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    const listener = () => {
      dispose();
      controller.abort(s.reason);
    };
    listeners.push([s, listener]);
    s.addEventListener('abort', listener, { once: true });
  }
  if (controller.signal.aborted) dispose();
  return { signal: controller.signal, dispose };
}

/**
 * Throws when the signal is aborted: its reason when that is a typed error (a lost deploy lock), else
 * the bare interrupted error, which the runner turns into "interrupted; nothing was changed" (or says
 * what was sent). For the points before a command's first change.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw MwaaError.is(signal.reason) ? signal.reason : new InterruptedError();
}
