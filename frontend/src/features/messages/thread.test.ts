import { describe, expect, it } from 'vitest';
import { message } from '../../test/chatFixtures';
import { advanceSyncedSeq, emptyThread, insertMessage, isGap, newestSeq, oldestSeq } from './thread';

const seqs = (thread: ReturnType<typeof emptyThread>) => thread.ids.map((id) => thread.byId[id]?.seq);

describe('insertMessage', () => {
  it('keeps messages in seq order whatever order they arrive in', () => {
    const thread = emptyThread('bob');
    for (const seq of [5, 1, 3, 2, 4, 7, 6]) insertMessage(thread, message(seq));
    expect(seqs(thread)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(oldestSeq(thread)).toBe(1);
    expect(newestSeq(thread)).toBe(7);
  });

  it('holds each message once, by id', () => {
    const thread = emptyThread('bob');
    expect(insertMessage(thread, message(1))).toBe(true);
    expect(insertMessage(thread, message(1))).toBe(false);
    expect(thread.ids).toHaveLength(1);
  });

  it('takes fresh vote counts from a duplicate', () => {
    const thread = emptyThread('bob');
    insertMessage(thread, message(1));
    insertMessage(thread, message(1, { votes: { up: 2, down: 0, mine: 'up' } }));
    expect(thread.byId[message(1).id]?.votes.up).toBe(2);
  });

  it('learns the conversation id from the first message', () => {
    const thread = emptyThread('bob');
    insertMessage(thread, message(1));
    expect(thread.conversationId).toBe(message(1).conversationId);
  });
});

describe('gap detection', () => {
  it('sees a jump past the next expected seq', () => {
    expect(isGap(3, 4)).toBe(false);
    expect(isGap(3, 5)).toBe(true);
    expect(isGap(3, 2)).toBe(false);
  });

  it('moves syncedSeq over contiguous messages and reports a hole', () => {
    const thread = emptyThread('bob');
    insertMessage(thread, message(1));
    insertMessage(thread, message(2));
    insertMessage(thread, message(5));
    expect(advanceSyncedSeq(thread)).toBe(true);
    expect(thread.syncedSeq).toBe(2);
    expect(thread.gapDetected).toBe(true);

    insertMessage(thread, message(3));
    insertMessage(thread, message(4));
    expect(advanceSyncedSeq(thread)).toBe(false);
    expect(thread.syncedSeq).toBe(5);
    expect(thread.gapDetected).toBe(false);
  });
});
