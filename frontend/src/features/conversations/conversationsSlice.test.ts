import { describe, expect, it } from 'vitest';
import { makeStore } from '../../app/store';
import { ALICE, BOB, CAROL, CONV_AB, conversation, message, mine, signedInAsAlice } from '../../test/chatFixtures';
import { json, mockFetch } from '../../test/fetchMock';
import { sessionEnded } from '../auth/authSlice';
import { messageAcked, messageReceived, readReceived } from '../../events/chatEvents';
import { catchUpPageLoaded } from '../messages/messagesSlice';
import {
  conversationsReducer,
  fetchConversations,
  initialConversationsState,
  selectConversations,
  selectConversationWithPeer,
  selectTotalUnread,
  type ConversationsState,
} from './conversationsSlice';

function stateWith(...items: ReturnType<typeof conversation>[]): ConversationsState {
  return conversationsReducer(
    initialConversationsState,
    fetchConversations.fulfilled({ conversations: items, nextCursor: null }, 'r', undefined),
  );
}

const withState = (conversations: ConversationsState) => ({ conversations });

describe('the list', () => {
  it('is ordered most recently active first', () => {
    const older = conversation({ id: 'c1', updatedAt: '2025-01-01T10:00:00Z' });
    const newer = conversation({ id: 'c2', peer: { id: CAROL, username: 'carol' }, updatedAt: '2025-01-02T10:00:00Z' });
    const state = stateWith(older, newer);
    expect(selectConversations(withState(state)).map((c) => c.id)).toEqual(['c2', 'c1']);
    expect(selectConversationWithPeer(withState(state), CAROL)?.id).toBe('c2');
  });

  it('is fetched from the messages service', async () => {
    const fetch = mockFetch(() => json(200, { conversations: [conversation()], nextCursor: 'n' }));
    const store = makeStore(signedInAsAlice);
    await store.dispatch(fetchConversations());
    expect(fetch.calls[0]?.path).toBe('/api/messages/conversations');
    expect(store.getState().conversations.nextCursor).toBe('n');
    expect(store.getState().conversations.ids).toEqual([CONV_AB]);
  });

  it('keeps a live message newer than a racing re-fetch', () => {
    let state = stateWith(conversation({ lastMessage: message(1) }));
    state = conversationsReducer(state, messageReceived({ message: message(2), selfId: ALICE }));
    state = conversationsReducer(
      state,
      fetchConversations.fulfilled(
        { conversations: [conversation({ lastMessage: message(1), unreadCount: 1 })], nextCursor: null },
        'r2',
        undefined,
      ),
    );
    expect(state.entities[CONV_AB]?.lastMessage?.seq).toBe(2);
  });

  it('is emptied when the session ends', () => {
    const state = conversationsReducer(stateWith(conversation()), sessionEnded());
    expect(state.ids).toEqual([]);
  });
});

describe('unread badges and previews', () => {
  it("counts the peer's new messages and moves the conversation to the top", () => {
    let state = stateWith(
      conversation({ lastMessage: message(1), updatedAt: '2025-01-01T00:00:00Z' }),
      conversation({ id: 'c2', peer: { id: CAROL, username: 'carol' }, updatedAt: '2025-01-05T00:00:00Z' }),
    );
    const fresh = message(2, { createdAt: '2025-01-06T00:00:00Z', content: 'new!' });
    state = conversationsReducer(state, messageReceived({ message: fresh, selfId: ALICE }));
    expect(state.entities[CONV_AB]?.unreadCount).toBe(1);
    expect(state.entities[CONV_AB]?.lastMessage?.content).toBe('new!');
    expect(state.ids[0]).toBe(CONV_AB);
  });

  it('does not count our own messages, or the same message twice', () => {
    let state = stateWith(conversation({ lastMessage: message(1) }));
    state = conversationsReducer(state, messageAcked({ message: mine(2), clientMsgId: 'c', selfId: ALICE }));
    state = conversationsReducer(state, messageReceived({ message: message(3), selfId: ALICE }));
    state = conversationsReducer(state, messageReceived({ message: message(3), selfId: ALICE }));
    expect(state.entities[CONV_AB]?.unreadCount).toBe(1);
  });

  it('adds a conversation it did not know, with the name given', () => {
    const state = conversationsReducer(
      initialConversationsState,
      messageReceived({ message: message(1), selfId: ALICE, peerUsername: 'bob' }),
    );
    expect(state.entities[CONV_AB]).toMatchObject({ peer: { id: BOB, username: 'bob' }, unreadCount: 1 });
  });

  it('clears the badge when we read up to the newest message, on any device', () => {
    let state = stateWith(conversation({ lastMessage: message(5), unreadCount: 3, lastReadSeq: 2 }));
    state = conversationsReducer(state, readReceived({ conversationId: CONV_AB, readerId: ALICE, seq: 4, selfId: ALICE }));
    expect(state.entities[CONV_AB]?.unreadCount).toBe(1);
    state = conversationsReducer(state, readReceived({ conversationId: CONV_AB, readerId: ALICE, seq: 5, selfId: ALICE }));
    expect(state.entities[CONV_AB]?.unreadCount).toBe(0);
    expect(state.entities[CONV_AB]?.lastReadSeq).toBe(5);
    expect(selectTotalUnread(withState(state))).toBe(0);
  });

  it("moves the peer's read position forward only", () => {
    let state = stateWith(conversation({ peerLastReadSeq: 4 }));
    state = conversationsReducer(state, readReceived({ conversationId: CONV_AB, readerId: BOB, seq: 6, selfId: ALICE }));
    state = conversationsReducer(state, readReceived({ conversationId: CONV_AB, readerId: BOB, seq: 3, selfId: ALICE }));
    expect(state.entities[CONV_AB]?.peerLastReadSeq).toBe(6);
  });

  it('moves the preview on after a catch-up without guessing the unread count', () => {
    let state = stateWith(conversation({ lastMessage: message(1), unreadCount: 0 }));
    state = conversationsReducer(state, catchUpPageLoaded({ peerId: BOB, messages: [message(2), message(3)] }));
    expect(state.entities[CONV_AB]?.lastMessage?.seq).toBe(3);
    expect(state.entities[CONV_AB]?.unreadCount).toBe(0);
  });
});

describe('a re-fetch that raced live frames', () => {
  const refetched = (state: ConversationsState, fresh: ReturnType<typeof conversation>) =>
    conversationsReducer(state, fetchConversations.fulfilled({ conversations: [fresh], nextCursor: null }, 'r3', undefined));

  it('never moves read positions backwards', () => {
    let state = stateWith(conversation({ lastMessage: message(1), unreadCount: 1 }));
    state = conversationsReducer(state, readReceived({ conversationId: CONV_AB, readerId: ALICE, seq: 1, selfId: ALICE }));
    state = conversationsReducer(state, readReceived({ conversationId: CONV_AB, readerId: BOB, seq: 1, selfId: ALICE }));
    // The server answered before either read mark was stored.
    state = refetched(state, conversation({ lastMessage: message(1), unreadCount: 1, lastReadSeq: 0, peerLastReadSeq: 0 }));
    expect(state.entities[CONV_AB]).toMatchObject({ lastReadSeq: 1, peerLastReadSeq: 1, unreadCount: 0 });
  });

  it('adds the peer messages that arrived after the server counted', () => {
    let state = stateWith(conversation({ lastMessage: message(1), unreadCount: 1 }));
    for (const seq of [2, 3, 4]) {
      state = conversationsReducer(state, messageReceived({ message: message(seq), selfId: ALICE }));
    }
    expect(state.entities[CONV_AB]?.unreadCount).toBe(4);
    // Counted when seq 2 was the newest: 2 unread; seqs 3 and 4 came after.
    state = refetched(state, conversation({ lastMessage: message(2), unreadCount: 2 }));
    expect(state.entities[CONV_AB]).toMatchObject({ unreadCount: 4, lastMessage: { seq: 4 } });
    // A later answer that covers everything is taken as it is.
    state = refetched(state, conversation({ lastMessage: message(4), unreadCount: 4 }));
    expect(state.entities[CONV_AB]?.unreadCount).toBe(4);
  });

  it('takes newer read positions and counts from the server', () => {
    let state = stateWith(conversation({ lastMessage: message(3), unreadCount: 3, lastReadSeq: 0 }));
    state = refetched(state, conversation({ lastMessage: message(3), unreadCount: 1, lastReadSeq: 2, peerLastReadSeq: 2 }));
    expect(state.entities[CONV_AB]).toMatchObject({ lastReadSeq: 2, peerLastReadSeq: 2, unreadCount: 1 });
  });
});
