import { describe, expect, it } from 'vitest';
import { describePresence } from './formatLastSeen';

const now = new Date('2025-03-10T12:00:00Z');
const offlineSince = (iso: string | null) => describePresence({ status: 'offline', lastSeenAt: iso }, now);

describe('describePresence', () => {
  it('says online for an online user', () => {
    expect(describePresence({ status: 'online', lastSeenAt: null }, now)).toBe('Online');
  });

  it('phrases how long ago an offline user was seen', () => {
    expect(offlineSince(null)).toBe('Offline');
    expect(offlineSince('2025-03-10T11:59:30Z')).toBe('Last seen just now');
    expect(offlineSince('2025-03-10T11:55:00Z')).toBe('Last seen 5 minutes ago');
    expect(offlineSince('2025-03-10T09:00:00Z')).toBe('Last seen 3 hours ago');
    expect(offlineSince('2025-03-09T11:00:00Z')).toBe('Last seen yesterday');
    expect(offlineSince('2025-01-02T00:00:00Z')).toBe('Last seen on Jan 2, 2025');
  });
});
