import { describe, expect, it } from 'vitest';
import { message } from '../../test/chatFixtures';
import {
  advanceSyncedSeq,
  displayedVotes,
  emptyThread,
  insertMessage,
  isGap,
  newestSeq,
  oldestSeq,
  voteAfterCasting,
} from './thread';

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

describe('votes', () => {
  const awaitingOne = (mine: 'up' | 'down' | null) => ({ mine, awaiting: 1 });

  it('predicts the server’s rule: the same vote again removes it, the other one switches it', () => {
    expect(voteAfterCasting(null, 'up')).toBe('up');
    expect(voteAfterCasting(null, 'down')).toBe('down');
    expect(voteAfterCasting('up', 'up')).toBeNull();
    expect(voteAfterCasting('down', 'down')).toBeNull();
    expect(voteAfterCasting('up', 'down')).toBe('down');
    expect(voteAfterCasting('down', 'up')).toBe('up');
  });

  it('shows the server’s votes unchanged when no vote of ours is waiting', () => {
    const votes = { up: 3, down: 1, mine: 'up' as const };
    expect(displayedVotes(votes, undefined)).toBe(votes);
    expect(displayedVotes(votes, { mine: 'up', awaiting: 2 })).toBe(votes);
  });

  it('moves our own vote to the predicted one, adjusting both counts', () => {
    expect(displayedVotes({ up: 3, down: 1, mine: null }, awaitingOne('up'))).toEqual({ up: 4, down: 1, mine: 'up' });
    expect(displayedVotes({ up: 3, down: 1, mine: 'up' }, awaitingOne(null))).toEqual({ up: 2, down: 1, mine: null });
    expect(displayedVotes({ up: 3, down: 1, mine: 'up' }, awaitingOne('down'))).toEqual({ up: 2, down: 2, mine: 'down' });
    expect(displayedVotes({ up: 0, down: 1, mine: 'down' }, awaitingOne('up'))).toEqual({ up: 1, down: 0, mine: 'up' });
  });

  it('never shows a negative count, whatever the server last said', () => {
    expect(displayedVotes({ up: 0, down: 0, mine: 'up' }, awaitingOne(null))).toEqual({ up: 0, down: 0, mine: null });
  });
});
