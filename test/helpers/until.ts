/**
 * Waiting for a condition instead of a fixed time: resolves once `condition()` holds (checked every
 * 10 ms); fails after `timeoutMs` naming what it waited for.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
