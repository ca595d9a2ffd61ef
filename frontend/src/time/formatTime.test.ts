import { describe, expect, it } from 'vitest';
import { formatMessageTime, formatShortTime } from './formatTime';

/** A local time (the reader's zone), as the server's RFC 3339 UTC string. */
const at = (year: number, month: number, day: number, hour = 12, minute = 0) =>
  new Date(year, month - 1, day, hour, minute).toISOString();

describe('formatShortTime', () => {
  const now = new Date(2026, 2, 15, 18, 30);

  it('shows the time of day for today', () => {
    expect(formatShortTime(at(2026, 3, 15, 9, 5), now)).toBe('09:05 AM');
  });

  it('shows the day and month earlier this year, and the year before that', () => {
    expect(formatShortTime(at(2026, 3, 3), now)).toBe('Mar 3');
    expect(formatShortTime(at(2024, 3, 3), now)).toBe('Mar 3, 2024');
  });

  it('shows nothing for a time it cannot read', () => {
    expect(formatShortTime('not a time', now)).toBe('');
  });
});

describe('formatMessageTime', () => {
  it('gives the time of day, with the full date for the tooltip', () => {
    const { short, full } = formatMessageTime(at(2026, 3, 15, 9, 5));
    expect(short).toBe('09:05 AM');
    expect(full).toMatch(/^Mar 15, 2026.*9:05/);
  });
});
