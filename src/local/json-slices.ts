/**
 * JSON.stringify in slices: writes the JSON text of a value to a file a few milliseconds of work at a
 * time, awaiting each write, so that the event loop serves requests in between (the background
 * compaction of state.ts writes snapshots of tens of megabytes this way).
 *
 * The text is what JSON.stringify(value) gives: arrays and plain objects are walked entry by entry;
 * everything else (strings, numbers, small flat containers, objects with toJSON, class instances) goes
 * through JSON.stringify whole. Entries that JSON.stringify drops (undefined, functions, symbols) are
 * dropped from objects and become null in arrays, as it does. toJSON is called without its key argument.
 */
import type { FileHandle } from 'node:fs/promises';

/** A container with at most this many entries, none of them an object, is stringified in one call. */
const FLAT = 64;
/** characters produced between two looks at the clock */
const STEP = 16 * 1024;

class Sink {
  parts: string[] = [];
  chars = 0;
  add(text: string): void {
    this.parts.push(text);
    this.chars += text.length;
  }
  take(): string {
    const text = this.parts.join('');
    this.parts = [];
    this.chars = 0;
    return text;
  }
}

function walkable(v: unknown): v is Record<string, unknown> | unknown[] {
  if (v === null || typeof v !== 'object') return false;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  const values = Array.isArray(v)
    ? v
    : Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null
      ? Object.values(v)
      : undefined;
  if (!values) return false;
  return values.length > FLAT || values.some((x) => x !== null && typeof x === 'object');
}

/** Appends the JSON text of a walkable value to the sink, pausing (yield) after every STEP characters. */
function* pieces(v: Record<string, unknown> | unknown[], sink: Sink): Generator<void, void, void> {
  if (Array.isArray(v)) {
    sink.add('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) sink.add(',');
      const e = v[i];
      if (walkable(e)) yield* pieces(e, sink);
      else sink.add(JSON.stringify(e) ?? 'null');
      if (sink.chars >= STEP) yield;
    }
    sink.add(']');
    return;
  }
  sink.add('{');
  let first = true;
  for (const key of Object.keys(v)) {
    const e = v[key];
    const sep = first ? '' : ',';
    if (walkable(e)) {
      sink.add(`${sep}${JSON.stringify(key)}:`);
      yield* pieces(e, sink);
    } else {
      const text = JSON.stringify(e);
      if (text === undefined) continue;
      sink.add(`${sep}${JSON.stringify(key)}:${text}`);
    }
    first = false;
    if (sink.chars >= STEP) yield;
  }
  sink.add('}');
}

/**
 * Writes JSON.stringify(value) to `file`, working at most about `sliceMs` between two awaited writes,
 * each followed by `pauseMs` (default 0) of leaving the event loop to other work.
 * Returns false, having stopped early, when `stop()` says so after a write.
 */
export async function writeJsonInSlices(
  file: FileHandle,
  value: unknown,
  opts: { sliceMs: number; pauseMs?: number; stop: () => boolean },
): Promise<boolean> {
  if (!walkable(value)) {
    await file.write(JSON.stringify(value) ?? '');
    return !opts.stop();
  }
  const sink = new Sink();
  const gen = pieces(value, sink);
  let sliceStart = performance.now();
  for (;;) {
    const done = gen.next().done === true;
    if (done || performance.now() - sliceStart >= opts.sliceMs) {
      // an awaited write is a turn of the event loop: requests that arrived meanwhile are served now
      await file.write(sink.take());
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
      if (opts.stop()) return false;
      if (done) return true;
      sliceStart = performance.now();
    }
  }
}
