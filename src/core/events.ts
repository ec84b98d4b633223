/**
 * The event port under its older names: core code reports through a typed notify (see messages.ts,
 * where every code, level and payload is declared) and never writes to a terminal.
 */
import { noNotify, recordMessages, type AnyMessage, type MessageLevel, type Notify } from './messages.js';

export type EventLevel = MessageLevel;

/** A message as core reports it (the JSON form of an event). */
export type MwaaEvent = AnyMessage;

/** Where core code reports to: the typed notify. */
export type EventSink = Notify;

/** A sink that drops everything (for callers that do not care). */
export const noEvents: EventSink = noNotify;

/** A sink that keeps every event, for tests. */
export function recordEvents(): { sink: EventSink; events: MwaaEvent[] } {
  const { notify, messages } = recordMessages();
  return { sink: notify, events: messages };
}
