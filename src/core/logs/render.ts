/**
 * How log events look: one line per event (time, where it comes from in short form, the message),
 * Airflow 3 JSON events rendered as text (level, logger, event, then extra fields and the exception),
 * multi-line messages kept with their continuation lines aligned under the message, levels colored
 * when a styler is given. Pure functions; the CLI decides about colors and where the text goes.
 */
import { parseTaskStream } from './address.js';
import type { LogEvent } from './port.js';
import { eventText, parseStructured } from './structured.js';

export { eventText, parseStructured, structuredText } from './structured.js';

export type Level = 'CRITICAL' | 'ERROR' | 'WARNING' | 'INFO' | 'DEBUG';

/** Colors for levels; identity functions (or no styler) when colors are off. */
export interface LevelStyler {
  error(text: string): string;
  warning(text: string): string;
  info(text: string): string;
  debug(text: string): string;
  dim(text: string): string;
}

// ------------------------------------------------------------------------------------------------
// Levels
// ------------------------------------------------------------------------------------------------

const LEVEL_RE = /\b(CRITICAL|ERROR|WARNING|WARN|INFO|DEBUG|FATAL)\b/;

/** The first level word near the start of a line, e.g. `[…] {taskinstance.py:1} ERROR - …`. */
export function levelOf(text: string): { level: Level; index: number; length: number } | undefined {
  const m = LEVEL_RE.exec(text.length > 160 ? text.slice(0, 160) : text);
  if (!m) return undefined;
  const word = m[1];
  const level: Level = word === 'WARN' ? 'WARNING' : word === 'FATAL' ? 'CRITICAL' : (word as Level);
  return { level, index: m.index, length: word.length };
}

function colorLevel(text: string, styler: LevelStyler): string {
  const found = levelOf(text);
  if (!found) return text;
  const word = text.slice(found.index, found.index + found.length);
  const colored =
    found.level === 'ERROR' || found.level === 'CRITICAL'
      ? styler.error(word)
      : found.level === 'WARNING'
        ? styler.warning(word)
        : found.level === 'INFO'
          ? styler.info(word)
          : styler.debug(word);
  return text.slice(0, found.index) + colored + text.slice(found.index + found.length);
}

// ------------------------------------------------------------------------------------------------
// Time
// ------------------------------------------------------------------------------------------------

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * A time formatter: local `YYYY-MM-DD HH:MM:SS.mmm`, or ISO 8601 UTC (`…T…Z`) with `utc`. The part up to
 * the second is cached, so consecutive events of the same second cost one string concatenation.
 */
export function timeFormatter(utc: boolean): (ms: number) => string {
  let cachedSecond = Number.NaN;
  let cachedText = '';
  return (ms: number) => {
    const second = Math.floor(ms / 1000);
    const millis = ms - second * 1000;
    if (second !== cachedSecond) {
      const d = new Date(second * 1000);
      cachedText = utc
        ? `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.`
        : `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`;
      cachedSecond = second;
    }
    return utc ? `${cachedText}${pad3(millis)}Z` : `${cachedText}${pad3(millis)}`;
  };
}

// ------------------------------------------------------------------------------------------------
// Where an event comes from, in short form
// ------------------------------------------------------------------------------------------------

export interface LabelContext {
  /** parts fixed by the address are left out of task labels */
  dagId?: string;
  runId?: string;
  /** prefix component labels with the group's component (events from several groups are shown) */
  showGroup?: boolean;
}

const COMPONENT_STREAM = /^(.+)_([^_/]+)_(\d{9,})\.log$/;

/**
 * Task streams: `[dag/][run/]task[map]#try` (what the address already fixes is left out; a trigger
 * stream gets ` trigger`); component streams `<prefix>_<host>_<epoch>.log`: `prefix@host` (the host's
 * first label); anything else: the stream name.
 */
export function streamLabel(group: string, stream: string, context: LabelContext): string {
  const task = parseTaskStream(stream);
  if (task) {
    let label = '';
    if (context.dagId === undefined) label += `${task.dagId}/`;
    if (context.runId === undefined) label += `${task.runId}/`;
    label += task.taskId;
    if (task.mapIndex !== undefined) label += `[${task.mapIndex}]`;
    label += `#${task.try}`;
    if (task.trigger !== undefined) label += ' trigger';
    return label;
  }
  let label = stream;
  const m = COMPONENT_STREAM.exec(stream);
  if (m) label = `${m[1]}@${m[2].split('.')[0]}`;
  if (context.showGroup) {
    const dash = group.lastIndexOf('-');
    label = `${dash >= 0 ? group.slice(dash + 1) : group} ${label}`;
  }
  return label;
}

// ------------------------------------------------------------------------------------------------
// Lines
// ------------------------------------------------------------------------------------------------

/** An event as FilterLogEvents returns it (the log group is passed beside it). */
export type { LogEvent } from './port.js';

export interface TextRendererOptions {
  utc: boolean;
  label: LabelContext;
  /** colors for levels; undefined = no colors */
  styler?: LevelStyler;
}

/** Returns a function rendering an event (of a log group) as its text line(s), ending with a newline. */
export function textRenderer(options: TextRendererOptions): (event: LogEvent, group: string) => string {
  const time = timeFormatter(options.utc);
  const styler = options.styler;
  // group -> stream -> label, bounded whatever the number of streams
  const labels = new Map<string, Map<string, string>>();
  let cached = 0;
  let width = 0;
  return (event, group) => {
    let byStream = labels.get(group);
    if (!byStream) {
      byStream = new Map();
      labels.set(group, byStream);
    }
    let label = byStream.get(event.logStreamName);
    if (label === undefined) {
      label = streamLabel(group, event.logStreamName, options.label);
      if (++cached > 10_000) {
        for (const m of labels.values()) m.clear();
        cached = 1;
      }
      byStream.set(event.logStreamName, label);
    }
    if (label.length > width) width = Math.min(label.length, 60);
    const padded = label.length < width ? label + ' '.repeat(width - label.length) : label;
    const prefix = `${time(event.timestamp)}  ${padded}  `;
    const text = eventText(event.message);
    const head = styler ? `${styler.dim(prefix.slice(0, -2 - padded.length))}${prefix.slice(-2 - padded.length)}` : prefix;
    if (text.indexOf('\n') < 0) return `${head}${styler ? colorLevel(text, styler) : text}\n`;
    const indent = ' '.repeat(prefix.length);
    const lines = text.split('\n');
    let out = `${head}${styler ? colorLevel(lines[0], styler) : lines[0]}\n`;
    for (let i = 1; i < lines.length; i++) out += `${indent}${lines[i].replace(/\r$/, '')}\n`;
    return out;
  };
}

/** The NDJSON record of an event (--json): the raw message, and the parsed object of a JSON event. */
export function jsonRecord(event: LogEvent, group: string): Record<string, unknown> {
  const structured = parseStructured(event.message);
  return {
    timestamp: event.timestamp,
    time: new Date(event.timestamp).toISOString(),
    group,
    stream: event.logStreamName,
    ...(event.eventId !== undefined ? { eventId: event.eventId } : {}),
    message: event.message,
    ...(structured ? { structured } : {}),
  };
}
