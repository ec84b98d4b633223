/**
 * Date formats of Airflow's output and the date parsing of its CLI arguments. Times are integer
 * microseconds since the epoch, UTC (MWAA's default `core.default_timezone`).
 */

export const US = 1000; // µs per ms

function parts(us: number): { date: string; time: string; micro: number } {
  const ms = Math.floor(us / 1000);
  const micro = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  const iso = new Date(ms).toISOString(); // 2024-11-05T10:00:00.123Z
  return { date: iso.slice(0, 10), time: iso.slice(11, 19), micro };
}

/** datetime.isoformat(): `2024-11-05T10:00:00+00:00`, `.ffffff` only when microseconds are not 0. */
export function isoformat(us: number, sep = 'T'): string {
  const p = parts(us);
  const frac = p.micro ? `.${String(p.micro).padStart(6, '0')}` : '';
  return `${p.date}${sep}${p.time}${frac}+00:00`;
}

/** str(datetime): like isoformat with a space. */
export function strDatetime(us: number): string {
  return isoformat(us, ' ');
}

/** Airflow's log record time: `2024-11-05T10:00:00.123+0000`. */
export function logTimestamp(us: number): string {
  const ms = Math.floor(us / 1000);
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** structlog's ISO timestamp (Airflow 3 task logs): `2024-11-05T10:00:00.123456Z`. */
export function structlogTimestamp(us: number): string {
  const p = parts(us);
  return `${p.date}T${p.time}.${String(p.micro).padStart(6, '0')}Z`;
}

/** `20241105T100000` (Airflow's "Marking task as SUCCESS" line). */
export function compactDate(us: number): string {
  const p = parts(us);
  return `${p.date.replace(/-/g, '')}T${p.time.replace(/:/g, '')}`;
}

export class DateParseError extends Error {
  constructor(readonly input: string) {
    super(`Invalid date string: ${input}`);
    this.name = 'ParserError';
  }
}

/**
 * airflow.utils.timezone.parse (pendulum.parse(s, tz=UTC, strict=False)) for the forms people pass:
 * `2024-11-05`, `20241105`, `2024-11-05T10:00`, `2024-11-05 10:00:00.123456`, with `Z`, `+00:00`,
 * `+0000` or `+00` offsets (no offset = UTC), plus `YYYY-MM-DDTHHMMSS`. Anything else is rejected with
 * pendulum's message `Invalid date string: <s>`.
 */
export function parseDate(input: string): number {
  const s = input.trim();
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
    s,
  );
  if (!m) throw new DateParseError(input);
  const [, y, mo, d, h = '0', mi = '0', se = '0', frac = '', tz] = m;
  // a date written without separators must not also have a separated time with separators mixed in
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) && !/^\d{8}/.test(s)) throw new DateParseError(input);
  const Y = Number(y);
  const M = Number(mo);
  const D = Number(d);
  const H = Number(h);
  const MI = Number(mi);
  const S = Number(se);
  if (M < 1 || M > 12 || D < 1 || D > daysInMonth(Y, M) || H > 23 || MI > 59 || S > 59) throw new DateParseError(input);
  let offsetMin = 0;
  if (tz && tz.toUpperCase() !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) throw new DateParseError(input);
    offsetMin = sign * (oh * 60 + om);
  }
  const micro = frac ? Number(frac.padEnd(6, '0').slice(0, 6)) : 0;
  const ms = Date.UTC(Y, M - 1, D, H, MI, S) - offsetMin * 60_000;
  return ms * 1000 + micro;
}

export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
