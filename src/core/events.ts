/**
 * The event port: core code reports progress through typed, coded events and never writes to a
 * terminal. The CLI renders them (text lines, spinners and live views on a TTY, NDJSON with --json).
 * Tests record them. Codes are stable: `--json` consumers and tests key off them, not off the text.
 */

export type EventLevel = 'debug' | 'info' | 'warn' | 'progress';

export interface MwaaEvent<D extends Record<string, unknown> = Record<string, unknown>> {
  /** stable code, e.g. "env.status.changed", "deploy.upload.done" */
  code: string;
  level: EventLevel;
  /** one human-readable line */
  message: string;
  data?: D;
  /** milliseconds since the epoch, filled by the sink when absent */
  time?: number;
}

export type EventSink = (event: MwaaEvent) => void;

/** A sink that drops everything (for callers that do not care). */
export const noEvents: EventSink = () => {};

/** A sink that keeps every event, for tests. */
export function recordEvents(): { sink: EventSink; events: MwaaEvent[] } {
  const events: MwaaEvent[] = [];
  return { sink: (e) => events.push(e), events };
}
