/**
 * Airflow 3 task logs in CloudWatch are JSON events (a structlog event dict per event).
 * These functions turn one into text: `LEVEL logger: event key=value…` and its traceback below.
 */

/** The event as an object when the message is a JSON object (Airflow 3 task logs), else undefined. */
export function parseStructured(message: string): Record<string, unknown> | undefined {
  if (message.length < 2 || message.charCodeAt(0) !== 123 /* { */) return undefined;
  const end = message.trimEnd();
  if (end.charCodeAt(end.length - 1) !== 125 /* } */) return undefined;
  try {
    const value = JSON.parse(end) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const SHOWN_KEYS = new Set(['timestamp', 'level', 'event', 'logger', 'error_detail', 'exception', 'exc_info']);

function scalar(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}

interface FrameDict {
  filename?: unknown;
  lineno?: unknown;
  name?: unknown;
}

interface ExceptionDict {
  exc_type?: unknown;
  exc_value?: unknown;
  frames?: unknown;
  is_cause?: unknown;
}

/** structlog's exception dicts (`error_detail` / `exception` lists) as a Python-style traceback. */
function tracebackLines(detail: unknown): string[] {
  if (typeof detail === 'string') return detail.replace(/\n+$/, '').split('\n');
  if (!Array.isArray(detail)) return [];
  const lines: string[] = [];
  detail.forEach((item, i) => {
    if (typeof item !== 'object' || item === null) return;
    const e = item as ExceptionDict;
    if (i > 0) {
      lines.push(
        e.is_cause === true
          ? 'The above exception was the direct cause of the following exception:'
          : 'During handling of the above exception, another exception occurred:',
      );
    }
    const frames = Array.isArray(e.frames) ? (e.frames as FrameDict[]) : [];
    if (frames.length > 0) lines.push('Traceback (most recent call last):');
    for (const f of frames) {
      if (typeof f !== 'object' || f === null) continue;
      lines.push(`  File "${String(f.filename ?? '?')}", line ${String(f.lineno ?? '?')}, in ${String(f.name ?? '?')}`);
    }
    const type = e.exc_type === undefined ? 'Exception' : String(e.exc_type);
    lines.push(e.exc_value === undefined || e.exc_value === '' ? type : `${type}: ${String(e.exc_value)}`);
  });
  return lines;
}

/** An Airflow 3 structured event as text: `LEVEL logger: event key=value…` and its traceback below. */
export function structuredText(event: Record<string, unknown>): string {
  const level = typeof event.level === 'string' ? event.level.toUpperCase() : undefined;
  const logger = typeof event.logger === 'string' && event.logger !== '' ? event.logger : undefined;
  const message = event.event === undefined ? '' : typeof event.event === 'string' ? event.event : JSON.stringify(event.event);
  let head = level ? `${level} ` : '';
  if (logger) head += `${logger}: `;
  head += message;
  for (const key of Object.keys(event)) {
    if (SHOWN_KEYS.has(key)) continue;
    head += ` ${key}=${scalar(event[key])}`;
  }
  const trace = [...tracebackLines(event.error_detail), ...tracebackLines(event.exception)];
  if (typeof event.exc_info === 'string' && event.exc_info !== 'true' && event.exc_info !== 'True')
    trace.push(...tracebackLines(event.exc_info));
  return trace.length ? `${head}\n${trace.join('\n')}` : head;
}

/** The text of a message: Airflow 3 JSON rendered, anything else as it is (without trailing newlines). */
export function eventText(message: string): string {
  const structured = parseStructured(message);
  if (structured) return structuredText(structured);
  let end = message.length;
  while (end > 0 && (message.charCodeAt(end - 1) === 10 || message.charCodeAt(end - 1) === 13)) end--;
  return end === message.length ? message : message.slice(0, end);
}
