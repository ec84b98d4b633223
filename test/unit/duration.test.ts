import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseTimeOrAgo } from '../../src/core/duration.js';
import { UsageError } from '../../src/core/errors.js';

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1d', 86_400_000],
    ['45', 45_000],
    ['1.5s', 1500],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '10x', '5 m', '-3s', 'm5'])('"%s" is a usage error naming the option', (text) => {
    expect(() => parseDuration(text, '--timeout')).toThrowError(UsageError);
    expect(() => parseDuration(text, '--timeout')).toThrowError(`invalid --timeout "${text}"`);
  });

  it('times: ISO or ago', () => {
    const now = Date.parse('2026-01-31T10:00:00Z');
    expect(parseTimeOrAgo('15m', now)).toBe(Date.parse('2026-01-31T09:45:00Z'));
    expect(parseTimeOrAgo('2026-01-30T00:00:00Z', now)).toBe(Date.parse('2026-01-30T00:00:00Z'));
    expect(() => parseTimeOrAgo('2026-13-45', now, '--since')).toThrowError('invalid --since "2026-13-45"');
    expect(() => parseTimeOrAgo('yesterday', now, '--since')).toThrowError(UsageError);
  });

  it('formats', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_000)).toBe('12s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(3_723_000)).toBe('1h 02m 03s');
  });
});
