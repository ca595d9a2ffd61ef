/**
 * Times as the lists and bubbles show them (conversations, notifications, messages), in the
 * reader's time zone and in English, like the rest of the interface.
 */
const timeOfDay = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit' });
const dayAndMonth = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });
const fullDate = new Intl.DateTimeFormat('en', { dateStyle: 'medium' });
const full = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/** "02:05 PM" today, "Mar 3" this year, "Mar 3, 2024" before. */
export function formatShortTime(iso: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  if (at.toDateString() === now.toDateString()) return timeOfDay.format(at);
  if (at.getFullYear() === now.getFullYear()) return dayAndMonth.format(at);
  return fullDate.format(at);
}

/** A message's time of day, with the full date for the tooltip. */
export function formatMessageTime(iso: string): { short: string; full: string } {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return { short: '', full: '' };
  return { short: timeOfDay.format(at), full: full.format(at) };
}
