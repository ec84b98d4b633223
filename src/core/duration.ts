/** Durations typed by users (`--timeout 2h`, `--since 15m`, `--poll 5s`) and how they are shown. */
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "90s", "15m", "2h", "1h30m", "500ms", "1d"; a bare number is seconds. Returns milliseconds. */
export function parseDuration(text: string, option = 'duration'): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (trimmed === '' || matched !== trimmed.length) {
    throw new UsageError(`invalid ${option} "${text}"`, { hint: 'use a number with a unit, e.g. 30s, 15m, 2h or 1h30m' });
  }
  return Math.round(total);
}

/**
 * Parses a point in time: a duration back from `now` ("15m" = 15 minutes ago) or an ISO 8601 time.
 * Returns milliseconds since the epoch.
 */
export function parseTimeOrAgo(text: string, now: number, option = 'time'): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const t = Date.parse(text.trim());
    if (Number.isNaN(t))
      throw new UsageError(`invalid ${option} "${text}"`, {
        hint: 'use an ISO time such as 2026-01-31T08:00:00Z, or a duration such as 15m',
      });
    return t;
  }
  try {
    return now - parseDuration(text, option);
  } catch {
    throw new UsageError(`invalid ${option} "${text}"`, {
      hint: 'use a duration such as 15m or 2h, or an ISO time such as 2026-01-31T08:00:00Z',
    });
  }
}

/** "1h 02m 03s", "4m 05s", "12s", "850ms" */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
