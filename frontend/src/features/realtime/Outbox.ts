/**
 * Sends that the server has not acknowledged yet, in the order they were made. Every entry is
 * (re)sent on every (re)connect, with the same `clientMsgId`, until its `message.ack` (or a
 * `message.new` carrying its `clientMsgId`, seen by another of the user's connections) arrives:
 * the server stores a `clientMsgId` once and answers a repeat with the same ack, so resending is
 * always safe. An entry the server refused for good (`content_too_long`, `not_found`, ...) is
 * dropped; the message stays on screen as failed until the user retries or discards it.
 */

/** A send: to a person (`to`, a direct conversation) or into a conversation (`conversationId`,
 *  a group), exactly one of the two (contract §6); `replyTo`: the id of the message it answers;
 *  `attachmentIds`: pending uploads it carries (its text may then be empty). */
export type OutgoingMessage = { clientMsgId: string; content: string; replyTo?: string; attachmentIds?: string[] } & (
  | { /** The other participant's user id. */ to: string }
  | { conversationId: string }
);

interface Entry {
  message: OutgoingMessage;
  /** Earliest time (ms since epoch) the entry may be sent again; 0 = whenever connected. */
  notBefore: number;
  /** When it was last handed to a socket, for the ack timeout; null = not since (re)connect. */
  sentAt: number | null;
  /** Consecutive `unavailable`/`rate_limited` answers, for the retry backoff. */
  deferrals: number;
}

/** A send that got no ack this long after it went out is sent again on the same socket. */
export const ACK_TIMEOUT_MS = 15_000;

/** Error codes after which the same send may succeed later. */
export const TRANSIENT_SEND_ERRORS: ReadonlySet<string> = new Set(['unavailable', 'rate_limited']);

export class Outbox {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  has(clientMsgId: string): boolean {
    return this.entries.has(clientMsgId);
  }

  /** Adds a send (or re-adds a failed one for a retry). Keeps the original position if present. */
  add(message: OutgoingMessage): void {
    const existing = this.entries.get(message.clientMsgId);
    if (existing) {
      existing.notBefore = 0;
      existing.sentAt = null;
      return;
    }
    this.entries.set(message.clientMsgId, { message, notBefore: 0, sentAt: null, deferrals: 0 });
  }

  /** The server stored it: forget it. Returns whether it was pending here. */
  acknowledge(clientMsgId: string): boolean {
    return this.entries.delete(clientMsgId);
  }

  /** The server refused it for good. */
  drop(clientMsgId: string): boolean {
    return this.entries.delete(clientMsgId);
  }

  /**
   * The server could not take it now (`unavailable`, `rate_limited`): it goes again after a
   * growing pause (1 s, 2 s, 4 s, … up to 30 s, or `retryAfterMs` when the server said).
   * Returns the delay, or null when the entry is not here.
   */
  defer(clientMsgId: string, now: number, retryAfterMs?: number): number | null {
    const entry = this.entries.get(clientMsgId);
    if (!entry) return null;
    const delay = retryAfterMs ?? Math.min(30_000, 1_000 * 2 ** Math.min(entry.deferrals, 5));
    entry.deferrals += 1;
    entry.notBefore = now + delay;
    entry.sentAt = null;
    return delay;
  }

  /** A new socket: everything not acked must go again (the old socket may have lost it). */
  resetForNewConnection(): void {
    for (const entry of this.entries.values()) entry.sentAt = null;
  }

  /**
   * The sends due now, in order: never sent on this socket, or sent longer than `ACK_TIMEOUT_MS`
   * ago without an answer, and not waiting for a deferral. Marks them as sent at `now`.
   */
  takeDue(now: number): OutgoingMessage[] {
    const due: OutgoingMessage[] = [];
    for (const entry of this.entries.values()) {
      if (entry.notBefore > now) continue;
      if (entry.sentAt !== null && now - entry.sentAt < ACK_TIMEOUT_MS) continue;
      entry.sentAt = now;
      due.push(entry.message);
    }
    return due;
  }

  /** When the next entry becomes due (for a timer), or null when nothing waits. */
  nextDueAt(): number | null {
    let next: number | null = null;
    for (const entry of this.entries.values()) {
      const at = entry.sentAt !== null ? Math.max(entry.notBefore, entry.sentAt + ACK_TIMEOUT_MS) : entry.notBefore;
      if (next === null || at < next) next = at;
    }
    return next;
  }

  /** Puts back a send that could not be handed to the socket after all. */
  unmarkSent(clientMsgId: string): void {
    const entry = this.entries.get(clientMsgId);
    if (entry) entry.sentAt = null;
  }

  clear(): void {
    this.entries.clear();
  }
}
