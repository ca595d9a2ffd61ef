/**
 * One conversation's messages as the client holds them, and the pure rules that keep it right:
 * ordered by `seq`, each message once (by id), and `syncedSeq` saying up to where the held
 * window is known complete, so a jump in `seq` is seen at once and caught up with
 * `after=syncedSeq`.
 *
 * The contract's guarantee that makes this work: seq is 1, 2, 3, … with no gaps, so a client
 * that holds every seq up to n and asks `after=n` has missed nothing.
 */
import type { ApiErrorPayload } from '../../api/client';
import type { Attachment, ChatMessage, MessageVotes, ReplyRef } from '../../api/types';

/** A vote as cast (`message.vote`), and one's own vote as held (`mine`, null for none). */
export type VoteDirection = 'up' | 'down';
export type OwnVote = MessageVotes['mine'];

/**
 * Votes of ours on one message still to be answered. Every vote toggles, so each answer to one
 * (a `message.votes` frame) changes our `mine`, while the peer's votes never do: that tells our
 * answers from theirs without any id. Once `awaiting` answers have come, the server's counts
 * are the truth again; a refusal, a timeout or a lost connection drops the intent sooner.
 */
export interface VoteIntent {
  /** Our own vote once every vote we sent is taken. */
  mine: OwnVote;
  /** Answers still to come. */
  awaiting: number;
}

export type ThreadStatus = 'idle' | 'loading' | 'ready' | 'failed';

/** Our own message before the server stored it, or after it refused it. */
export interface PendingMessage {
  clientMsgId: string;
  peerId: string;
  content: string;
  /** Uploaded files it carries. */
  attachments?: Attachment[];
  /** Local clock, ISO; only for display. */
  createdAt: string;
  status: 'pending' | 'failed';
  /** Why it failed (the server's `error` frame), when it did. */
  error: { code: string; message: string } | null;
  /** The message it answers, when it is a reply. */
  replyTo?: ReplyRef;
}

export interface Thread {
  /** The other participant: threads are keyed by them, since a conversation id only exists
   *  from the first stored message. */
  peerId: string;
  conversationId: string | null;
  /** Whether the newest page has been loaded (`ready`); live messages are held only then. */
  status: ThreadStatus;
  error: ApiErrorPayload | null;
  byId: Record<string, ChatMessage>;
  /** seq → message id, to see holes and duplicates. */
  idBySeq: Record<number, string>;
  /** Message ids in ascending seq. */
  ids: string[];
  /** Every seq from the oldest held up to this one is held (0: nothing yet). */
  syncedSeq: number;
  /** A message past `syncedSeq + 1` is held: `after=syncedSeq` must be fetched. */
  gapDetected: boolean;
  /** Older pages exist on the server (`before=<oldest seq>`). */
  hasOlder: boolean;
  loadingOlder: boolean;
  catchingUp: boolean;
  /** Our unacknowledged or refused sends, in the order they were made. */
  pending: PendingMessage[];
  /** message id → the clientMsgId it was sent with, for messages sent from this browser: the
   *  row keeps its identity (and DOM element) from pending to sent to read. */
  clientIdByMessageId: Record<string, string>;
  /** message id → our votes on it the server has not answered yet, and the own vote we expect
   *  once it has (optimistic). See `VoteIntent`. */
  voteIntents: Record<string, VoteIntent>;
  /** message id → why our last vote on it was not counted (the server's `error` frame), until
   *  the next vote on it or a fresh count. */
  voteErrors: Record<string, string>;
  /** message id → a change (`message.updated`, the change feed) of a message not held, that
   *  came while a page of this thread was on its way: applied if that page brings the message
   *  (in an older version), so a page fetched before the change cannot undo it. */
  lateChanges?: Record<string, ChatMessage>;
  /** The same for `message.votes` frames (counts and our own vote, with their rev). */
  lateVotes?: Record<string, { votes: MessageVotes; rev: number }>;
}

export function emptyThread(peerId: string): Thread {
  return {
    peerId,
    conversationId: null,
    status: 'idle',
    error: null,
    byId: {},
    idBySeq: {},
    ids: [],
    syncedSeq: 0,
    gapDetected: false,
    hasOlder: false,
    loadingOlder: false,
    catchingUp: false,
    pending: [],
    clientIdByMessageId: {},
    voteIntents: {},
    voteErrors: {},
  };
}

export function oldestSeq(thread: Thread): number | null {
  const first = thread.ids[0];
  return first === undefined ? null : (thread.byId[first]?.seq ?? null);
}

export function newestSeq(thread: Thread): number {
  const last = thread.ids[thread.ids.length - 1];
  return last === undefined ? 0 : (thread.byId[last]?.seq ?? 0);
}

/**
 * Adds a message in seq order. Returns false for one already held (same id), which changes
 * nothing but its vote counts, or replaces it when this copy has a higher `rev`.
 */
export function insertMessage(thread: Thread, message: ChatMessage): boolean {
  const held = thread.byId[message.id];
  if (held) {
    // A later version (edited, deleted, reacted to since): it replaces the held one whole.
    if ((message.rev ?? 0) > (held.rev ?? 0)) {
      thread.byId[message.id] = message;
      return false;
    }
    // Re-reads (catch-up, the votes refresh after a reconnect) mostly bring the same counts:
    // leaving them untouched keeps the thread, and so every bubble on screen, unchanged.
    const { up, down, mine } = message.votes;
    if (held.votes.up !== up || held.votes.down !== down || held.votes.mine !== mine) held.votes = message.votes;
    return false;
  }
  const sameSeq = thread.idBySeq[message.seq];
  if (sameSeq !== undefined) {
    // Two ids for one seq cannot happen with a correct server; keep the newer answer.
    delete thread.byId[sameSeq];
    const at = thread.ids.indexOf(sameSeq);
    if (at >= 0) thread.ids.splice(at, 1);
  }
  thread.byId[message.id] = message;
  thread.idBySeq[message.seq] = message.id;
  thread.conversationId ??= message.conversationId;

  // Live messages land at the end; only older pages and catch-up fill in earlier.
  const seqAt = (index: number) => thread.byId[thread.ids[index] as string]?.seq ?? 0;
  let low = 0;
  let high = thread.ids.length;
  if (high === 0 || seqAt(high - 1) < message.seq) low = high;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (seqAt(middle) < message.seq) low = middle + 1;
    else high = middle;
  }
  thread.ids.splice(low, 0, message.id);
  return true;
}

/**
 * Moves `syncedSeq` forward over the messages already held and says whether a gap remains,
 * i.e. whether something newer than `syncedSeq + 1` is held while `syncedSeq + 1` is not.
 */
export function advanceSyncedSeq(thread: Thread): boolean {
  while (thread.idBySeq[thread.syncedSeq + 1] !== undefined) thread.syncedSeq += 1;
  thread.gapDetected = newestSeq(thread) > thread.syncedSeq;
  return thread.gapDetected;
}

/** Whether a live message with this seq shows that something was missed. */
export function isGap(syncedSeq: number, incomingSeq: number): boolean {
  return incomingSeq > syncedSeq + 1;
}

/** Removes our pending copy once the stored message is known. Returns whether it was there. */
export function settlePending(thread: Thread, clientMsgId: string): boolean {
  const at = thread.pending.findIndex((p) => p.clientMsgId === clientMsgId);
  if (at < 0) return false;
  thread.pending.splice(at, 1);
  return true;
}

/** The own vote after casting `cast` on top of `current`: the same vote again removes it, the
 *  other one switches it (the server applies the same rule; this only predicts its answer). */
export function voteAfterCasting(current: OwnVote, cast: VoteDirection): OwnVote {
  return current === cast ? null : cast;
}

/**
 * The votes to show: the server's counts with our own vote moved to the one we expect (when
 * votes of ours await an answer). Counts never go below zero, whatever the server last said.
 */
export function displayedVotes(votes: MessageVotes, pending: VoteIntent | undefined): MessageVotes {
  const intent = pending?.mine;
  if (intent === undefined || intent === votes.mine) return votes;
  let { up, down } = votes;
  if (votes.mine === 'up') up -= 1;
  if (votes.mine === 'down') down -= 1;
  if (intent === 'up') up += 1;
  if (intent === 'down') down += 1;
  return { up: Math.max(0, up), down: Math.max(0, down), mine: intent };
}
