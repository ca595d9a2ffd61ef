/**
 * How a changed message (an edit, a delete, a reaction, a vote: contract §7) reaches what the
 * client holds, and the per-conversation `rev` watermark that lets a client that was away ask
 * only for what changed (`GET …/changes?since=REV`).
 *
 * The rules, all by `rev` (every change gives the changed message the conversation's next rev):
 * - a copy replaces the held message only when its `rev` is higher, so a page fetched before a
 *   live `message.updated` can never undo it, whatever order they land in;
 * - a changed message that is not held is left alone: a newer one is fetched by the `after=`
 *   catch-up, an older one by the page that loads it, both as they are now; only while a page
 *   of its thread is on its way is the change kept, for that page may predate it;
 * - the watermark moves only with what is known complete: live frames on an open socket (they
 *   come in commit order) and the change feed's own `rev`. History pages never move it, since a
 *   page can show a message changed at rev 60 while an edit at rev 55 of another one is not in
 *   it; the first page of a thread only sets it when there is none yet (every change after that
 *   page has a higher rev than any message in it).
 */
import { createAction } from '@reduxjs/toolkit';
import type { ChatMessage, MessageReaction, MessageVotes, ReplyRef } from '../../api/types';
import type { Thread } from '../messages/thread';

/** One page of `GET /api/messages/conversations/{id}/changes`. */
export interface ChangesPage {
  messages: ChatMessage[];
  rev: number;
  hasMore: boolean;
}

/** A page of the change feed of one conversation arrived. */
export const changesPageLoaded = createAction<{ conversationId: string; messages: ChatMessage[]; rev: number }>(
  'lifecycle/changesPageLoaded',
);

/** Whether `incoming` is a later version of `held` (a copy without `rev`, from a v1 server, is
 *  taken as it comes). */
export function isLaterVersion(incoming: ChatMessage, held: ChatMessage): boolean {
  if (incoming.rev === undefined) return true;
  return incoming.rev > (held.rev ?? 0);
}

/** Puts a changed message in place of the held one (same id, same seq, same row). Returns
 *  whether anything changed. */
export function applyChangedMessage(thread: Thread, message: ChatMessage): boolean {
  const held = thread.byId[message.id];
  if (!held || !isLaterVersion(message, held)) return false;
  thread.byId[message.id] = message;
  return true;
}

/** Whether a page of this thread is on its way (first page, older page, catch-up). */
function pageInFlight(thread: Thread): boolean {
  return thread.status === 'loading' || thread.loadingOlder || thread.catchingUp;
}

/**
 * A changed message: in place when held; otherwise, while a page of the thread is on its way,
 * kept for that page (it may bring the message as it was before this change, and the rev has
 * already moved past it). See `applyLateChanges`.
 */
export function applyOrKeepChange(thread: Thread, message: ChatMessage): void {
  if (thread.byId[message.id]) {
    applyChangedMessage(thread, message);
    return;
  }
  if (!pageInFlight(thread)) return;
  const late = (thread.lateChanges ??= {});
  const kept = late[message.id];
  if (!kept || isLaterVersion(message, kept)) late[message.id] = message;
}

/** The same for new counts of a message not held (`message.votes`, which carries no message). */
export function keepLateVotes(thread: Thread, messageId: string, votes: MessageVotes, rev: number | undefined): void {
  if (rev === undefined || !pageInFlight(thread)) return;
  const late = (thread.lateVotes ??= {});
  if ((late[messageId]?.rev ?? -1) < rev) late[messageId] = { votes, rev };
}

/** After a page landed (or failed): the kept changes of messages it brought are applied; the
 *  rest are forgotten once no page is on its way (a later page shows them as they are). */
export function applyLateChanges(thread: Thread): void {
  const late = thread.lateChanges;
  if (late) {
    for (const [id, message] of Object.entries(late)) {
      if (!thread.byId[id]) continue;
      applyChangedMessage(thread, message);
      delete late[id];
    }
    if (!pageInFlight(thread) || Object.keys(late).length === 0) delete thread.lateChanges;
  }
  const lateVotes = thread.lateVotes;
  if (lateVotes) {
    for (const [id, { votes, rev }] of Object.entries(lateVotes)) {
      const held = thread.byId[id];
      if (!held) continue;
      if ((held.rev ?? 0) < rev) thread.byId[id] = { ...held, votes, rev };
      delete lateVotes[id];
    }
    if (!pageInFlight(thread) || Object.keys(lateVotes).length === 0) delete thread.lateVotes;
  }
}

/** The highest `rev` among these messages (0 for none). */
export function highestRev(messages: readonly ChatMessage[]): number {
  let rev = 0;
  for (const message of messages) rev = Math.max(rev, message.rev ?? 0);
  return rev;
}

/** Raises a watermark (a rev never goes back). */
export function raiseRev(revs: Record<string, number>, conversationId: string, rev: number | undefined): void {
  if (rev === undefined || !Number.isFinite(rev)) return;
  if (rev > (revs[conversationId] ?? 0)) revs[conversationId] = rev;
}

export const isDeleted = (message: Pick<ChatMessage, 'deletedAt'>): boolean => !!message.deletedAt;
export const isEdited = (message: Pick<ChatMessage, 'editedAt' | 'deletedAt'>): boolean =>
  !!message.editedAt && !message.deletedAt;
export const isSystem = (message: Pick<ChatMessage, 'kind'>): boolean => message.kind === 'system';
export const reactionsOf = (message: Pick<ChatMessage, 'reactions'>): MessageReaction[] => message.reactions ?? [];

export const TOMBSTONE_TEXT = 'This message was deleted';

/** A message's text for a one-line preview (the conversation list): a tombstone says so. */
export function previewText(message: Pick<ChatMessage, 'content' | 'deletedAt'>): string {
  return isDeleted(message) ? TOMBSTONE_TEXT : message.content;
}

/** The contract's preview length: the first 100 characters of the replied message. */
export const REPLY_PREVIEW_CHARS = 100;

export function previewOf(content: string): string {
  return [...content].slice(0, REPLY_PREVIEW_CHARS).join('');
}

/** What a reply's quote shows: the replied message as held now (so an edit or a delete shows at
 *  once), else the preview the server served with the reply. */
export function quotePreview(reply: ReplyRef, original: ChatMessage | undefined): { text: string; deleted: boolean } {
  if (original) {
    return isDeleted(original) ? { text: '', deleted: true } : { text: previewOf(original.content), deleted: false };
  }
  return { text: reply.preview, deleted: reply.preview === '' };
}

/** A reply reference to a held message, for the composer's quote and a pending reply. */
export function replyRefOf(message: ChatMessage): ReplyRef {
  return { id: message.id, seq: message.seq, senderId: message.senderId, preview: previewOf(message.content) };
}

/** The newest message of ours in the thread that can still be edited (Up in an empty composer). */
export function lastEditableOwn(thread: Thread, selfId: string): ChatMessage | undefined {
  for (let index = thread.ids.length - 1; index >= 0; index -= 1) {
    const message = thread.byId[thread.ids[index] as string];
    if (message && message.senderId === selfId && !isDeleted(message) && !isSystem(message)) return message;
  }
  return undefined;
}
