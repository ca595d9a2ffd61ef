import type { DirectoryUser } from '../../api/types';

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const dateOnly = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "Online", "Last seen 5 minutes ago", "Last seen on Mar 3, 2025" or "Offline". */
export function describePresence(user: Pick<DirectoryUser, 'status' | 'lastSeenAt'>, now: Date): string {
  if (user.status === 'online') return 'Online';
  if (!user.lastSeenAt) return 'Offline';
  const seenAt = new Date(user.lastSeenAt);
  if (Number.isNaN(seenAt.getTime())) return 'Offline';

  const elapsed = now.getTime() - seenAt.getTime();
  if (elapsed < MINUTE) return 'Last seen just now';
  if (elapsed < HOUR) return `Last seen ${relative.format(-Math.floor(elapsed / MINUTE), 'minute')}`;
  if (elapsed < DAY) return `Last seen ${relative.format(-Math.floor(elapsed / HOUR), 'hour')}`;
  if (elapsed < 7 * DAY) return `Last seen ${relative.format(-Math.floor(elapsed / DAY), 'day')}`;
  return `Last seen on ${dateOnly.format(seenAt)}`;
}
