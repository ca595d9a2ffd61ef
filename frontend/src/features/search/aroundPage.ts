/**
 * Holding a page centred on a message (`around=SEQ`) in a thread without breaking its rule: the
 * held messages run without a hole from the oldest held up to `syncedSeq`.
 *
 * - The page reaches the held window (overlaps it or ends right before it): it is added, and
 *   the window now starts further back.
 * - Otherwise (a message far back, or a thread not loaded yet) the page replaces what was held:
 *   the window is the page, `syncedSeq` its last seq, and `hasMoreAfter` says that a catch-up
 *   (`after=syncedSeq`) must bring the rest, up to the newest message.
 */
import { advanceSyncedSeq, insertMessage, oldestSeq, type Thread } from '../messages/thread';
import type { AroundPage } from './types';

/** Adds `page` to `thread` (see above). Returns whether newer messages must be caught up with. */
export function holdAroundPage(thread: Thread, page: AroundPage): boolean {
  const first = page.messages[0];
  const last = page.messages[page.messages.length - 1];
  if (!first || !last) return false;
  const oldest = oldestSeq(thread);
  const joins = thread.status === 'ready' && oldest !== null && last.seq + 1 >= oldest;
  if (!joins) {
    thread.byId = {};
    thread.idBySeq = {};
    thread.ids = [];
    thread.voteIntents = {};
    thread.voteErrors = {};
    thread.syncedSeq = first.seq - 1;
  }
  for (const message of page.messages) insertMessage(thread, message);
  if (!joins || oldest === null || first.seq < oldest) thread.hasOlder = page.hasMoreBefore;
  thread.status = 'ready';
  thread.error = null;
  advanceSyncedSeq(thread);
  return !joins && page.hasMoreAfter;
}
