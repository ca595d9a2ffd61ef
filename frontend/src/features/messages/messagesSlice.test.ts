import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../api/types';
import { makeStore } from '../../app/store';
import { ALICE, BOB, message, mine, signedInAsAlice } from '../../test/chatFixtures';
import { json, mockFetch, noContent } from '../../test/fetchMock';
import { signOut } from '../auth/authSlice';
import { initialConversationsState } from '../conversations/conversationsSlice';
import { messageAcked, messageReceived, sendFailed, votesChanged } from '../../events/chatEvents';
import type { ChatGateway } from '../realtime/chatGateway';
import type { OutgoingMessage } from '../realtime/Outbox';
import {
  castVote,
  catchUp,
  discardSend,
  initialMessagesState,
  loadOlder,
  loadThread,
  markConversationRead,
  messageLength,
  messageQueued,
  messagesReducer,
  openThread,
  refreshVotes,
  retrySend,
  selectHasVoteIntent,
  sendMessage,
  voteIntentsDropped,
} from './messagesSlice';
import type { VoteDirection } from './thread';

function recordingGateway({ connected = true } = {}) {
  const sent: OutgoingMessage[] = [];
  const discarded: string[] = [];
  const reads: [string, number][] = [];
  const votes: [string, VoteDirection][] = [];
  const gateway: ChatGateway = {
    send: (m) => sent.push(m),
    discard: (id) => discarded.push(id),
    markRead: (conversationId, seq) => reads.push([conversationId, seq]),
    typing: () => {},
    vote: (messageId, vote) => {
      if (!connected) return false;
      votes.push([messageId, vote]);
      return true;
    },
    lifecycle: () => connected,
  };
  return { gateway, sent, discarded, reads, votes };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const page = (messages: ChatMessage[], hasMore = false) => json(200, { messages, hasMore });

function storeWithThread(messages: ChatMessage[], hasMore = false, chat?: ChatGateway) {
  const store = makeStore(signedInAsAlice, { chat });
  store.dispatch(loadThread.fulfilled({ messages, hasMore }, 'r1', { peerId: BOB }));
  return store;
}

const threadSeqs = (store: ReturnType<typeof makeStore>) => {
  const thread = store.getState().messages.threads[BOB];
  return thread?.ids.map((id) => thread.byId[id]?.seq) ?? [];
};

describe('loading a thread', () => {
  it('holds the newest page as complete from its first message on', () => {
    const store = storeWithThread(range(51, 100).map((seq) => message(seq)), true);
    const thread = store.getState().messages.threads[BOB];
    expect(thread?.status).toBe('ready');
    expect(thread?.syncedSeq).toBe(100);
    expect(thread?.hasOlder).toBe(true);
    expect(thread?.gapDetected).toBe(false);
  });

  it('asks the server for the newest page by peer', async () => {
    const fetch = mockFetch(() => page([message(1)]));
    const store = makeStore(signedInAsAlice);
    await store.dispatch(openThread({ peerId: BOB }));
    expect(fetch.calls[0]?.path).toBe(`/api/messages/with/${BOB}`);
    expect(fetch.calls[0]?.search.get('limit')).toBe('50');
    expect(fetch.calls[0]?.search.has('after')).toBe(false);
    expect(threadSeqs(store)).toEqual([1]);
  });

  it('starts empty for a conversation that does not exist yet', () => {
    const store = storeWithThread([]);
    const thread = store.getState().messages.threads[BOB];
    expect(thread?.ids).toEqual([]);
    expect(thread?.syncedSeq).toBe(0);
    expect(thread?.hasOlder).toBe(false);
  });

  it('loads older pages with before=<oldest seq> and keeps the order', async () => {
    const fetch = mockFetch(() => page(range(1, 50).map((seq) => message(seq)), false));
    const store = storeWithThread(range(51, 100).map((seq) => message(seq)), true);
    await store.dispatch(loadOlder({ peerId: BOB }));
    expect(fetch.calls[0]?.search.get('before')).toBe('51');
    expect(threadSeqs(store)).toEqual(range(1, 100));
    expect(store.getState().messages.threads[BOB]?.hasOlder).toBe(false);
    // Nothing older: no second request.
    await store.dispatch(loadOlder({ peerId: BOB }));
    expect(fetch.calls).toHaveLength(1);
  });

  it('records a failure', async () => {
    mockFetch(() => json(503, { error: { code: 'unavailable', message: 'Down.' } }));
    const store = makeStore(signedInAsAlice);
    await store.dispatch(openThread({ peerId: BOB }));
    expect(store.getState().messages.threads[BOB]?.status).toBe('failed');
    expect(store.getState().messages.threads[BOB]?.error?.code).toBe('unavailable');
  });
});

describe('live messages and gaps', () => {
  it('appends the next message without a gap', () => {
    const store = storeWithThread([message(1), message(2)]);
    store.dispatch(messageReceived({ message: message(3), selfId: ALICE }));
    expect(threadSeqs(store)).toEqual([1, 2, 3]);
    expect(store.getState().messages.threads[BOB]?.gapDetected).toBe(false);
    expect(store.getState().messages.threads[BOB]?.syncedSeq).toBe(3);
  });

  it('flags a jump in seq as a gap, keeping syncedSeq where the held run ends', () => {
    const store = storeWithThread([message(1), message(2)]);
    store.dispatch(messageReceived({ message: message(5), selfId: ALICE }));
    const thread = store.getState().messages.threads[BOB];
    expect(thread?.gapDetected).toBe(true);
    expect(thread?.syncedSeq).toBe(2);
    expect(threadSeqs(store)).toEqual([1, 2, 5]);
  });

  it('ignores a duplicate delivery', () => {
    const store = storeWithThread([message(1), message(2)]);
    store.dispatch(messageReceived({ message: message(2), selfId: ALICE }));
    expect(threadSeqs(store)).toEqual([1, 2]);
  });

  it('does not hold live messages for a thread never opened', () => {
    const state = messagesReducer(
      initialMessagesState,
      messageReceived({ message: message(7), selfId: ALICE }),
    );
    expect(state.threads[BOB]).toBeUndefined();
  });

  it('catches up after=<syncedSeq>, page by page until hasMore is false', async () => {
    const fetch = mockFetch(({ search }) => {
      const after = Number(search.get('after'));
      if (after === 2) return page([message(3), message(4)], true);
      if (after === 4) return page([message(5), message(6)], false);
      throw new Error(`unexpected after=${after}`);
    });
    const store = storeWithThread([message(1), message(2)]);
    store.dispatch(messageReceived({ message: message(6), selfId: ALICE }));
    const added = await store.dispatch(catchUp({ peerId: BOB })).unwrap();
    expect(fetch.calls.map((call) => call.search.get('after'))).toEqual(['2', '4']);
    expect(fetch.calls[0]?.search.get('limit')).toBe('100');
    expect(threadSeqs(store)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(added).toBe(3);
    const thread = store.getState().messages.threads[BOB];
    expect(thread?.syncedSeq).toBe(6);
    expect(thread?.gapDetected).toBe(false);
    expect(thread?.catchingUp).toBe(false);
  });

  it('holds every message once when catch-up and live delivery overlap', async () => {
    const store = storeWithThread([message(1)]);
    mockFetch(() => {
      // While the request is out, the same messages arrive live.
      store.dispatch(messageReceived({ message: message(2), selfId: ALICE }));
      store.dispatch(messageReceived({ message: message(3), selfId: ALICE }));
      return page([message(2), message(3)], false);
    });
    await store.dispatch(catchUp({ peerId: BOB }));
    expect(threadSeqs(store)).toEqual([1, 2, 3]);
  });

  it('stops when the server makes no progress instead of looping', async () => {
    const fetch = mockFetch(() => page([], true));
    const store = storeWithThread([message(1)]);
    await store.dispatch(catchUp({ peerId: BOB }));
    expect(fetch.calls).toHaveLength(1);
  });

  it('runs one catch-up at a time per thread', async () => {
    let release: (response: Response) => void = () => {};
    const fetch = mockFetch(() => new Promise<Response>((resolve) => (release = resolve)));
    const store = storeWithThread([message(1)]);
    const first = store.dispatch(catchUp({ peerId: BOB }));
    await store.dispatch(catchUp({ peerId: BOB }));
    release(page([], false));
    await first;
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('own messages', () => {
  it('shows a send at once as pending and hands it to the socket with a fresh clientMsgId', async () => {
    const { gateway, sent } = recordingGateway();
    const store = storeWithThread([], false, gateway);
    const clientMsgId = await store.dispatch(sendMessage({ peerId: BOB, content: 'hello' })).unwrap();
    expect(clientMsgId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent).toEqual([{ clientMsgId, to: BOB, content: 'hello' }]);
    const thread = store.getState().messages.threads[BOB];
    expect(thread?.pending).toMatchObject([{ clientMsgId, content: 'hello', status: 'pending' }]);
  });

  it('replaces the pending copy with the stored message on ack, remembering its clientMsgId', async () => {
    const { gateway } = recordingGateway();
    const store = storeWithThread([message(1)], false, gateway);
    const clientMsgId = await store.dispatch(sendMessage({ peerId: BOB, content: 'hi' })).unwrap();
    const stored = mine(2, { content: 'hi' });
    store.dispatch(messageAcked({ message: stored, clientMsgId, selfId: ALICE }));
    const thread = store.getState().messages.threads[BOB];
    expect(thread?.pending).toEqual([]);
    expect(threadSeqs(store)).toEqual([1, 2]);
    expect(thread?.clientIdByMessageId[stored.id]).toBe(clientMsgId);
  });

  it('reconciles a copy our other tab sent (message.new with clientMsgId) without duplicating', () => {
    const store = storeWithThread([message(1)]);
    store.dispatch(messageQueued({ peerId: BOB, clientMsgId: 'c-1', content: 'hi', createdAt: 'now' }));
    store.dispatch(messageReceived({ message: mine(2), selfId: ALICE, clientMsgId: 'c-1' }));
    store.dispatch(messageAcked({ message: mine(2), clientMsgId: 'c-1', selfId: ALICE }));
    const thread = store.getState().messages.threads[BOB];
    expect(thread?.pending).toEqual([]);
    expect(threadSeqs(store)).toEqual([1, 2]);
  });

  it('marks a refused send failed; retry re-sends the same clientMsgId; discard drops it', async () => {
    const { gateway, sent, discarded } = recordingGateway();
    const store = storeWithThread([], false, gateway);
    const clientMsgId = await store.dispatch(sendMessage({ peerId: BOB, content: 'x' })).unwrap();
    store.dispatch(sendFailed({ clientMsgId, code: 'not_found', message: 'No such user.' }));
    expect(store.getState().messages.threads[BOB]?.pending[0]).toMatchObject({
      status: 'failed',
      error: { code: 'not_found', message: 'No such user.' },
    });

    await store.dispatch(retrySend({ peerId: BOB, clientMsgId }));
    expect(store.getState().messages.threads[BOB]?.pending[0]?.status).toBe('pending');
    expect(sent.map((m) => m.clientMsgId)).toEqual([clientMsgId, clientMsgId]);

    await store.dispatch(discardSend({ peerId: BOB, clientMsgId }));
    expect(store.getState().messages.threads[BOB]?.pending).toEqual([]);
    expect(discarded).toEqual([clientMsgId]);
  });

  it('counts characters as the server does: code points of the trimmed text', () => {
    expect(messageLength('  hi \n')).toBe(2);
    expect(messageLength('😀😀')).toBe(2);
    expect(messageLength('é'.repeat(4000))).toBe(4000);
  });
});

describe('reads and votes', () => {
  it('marks read through the socket and applies it locally at once', async () => {
    const { gateway, reads } = recordingGateway();
    const store = makeStore(
      {
        ...signedInAsAlice,
        conversations: {
          ...initialConversationsState,
          ids: ['c'],
          entities: {
            c: {
              id: 'c',
              peer: { id: BOB, username: 'bob' },
              lastMessage: message(3, { conversationId: 'c' }),
              unreadCount: 3,
              lastReadSeq: 0,
              peerLastReadSeq: 0,
              updatedAt: 'x',
            },
          },
          status: 'succeeded',
        },
      },
      { chat: gateway },
    );
    await store.dispatch(markConversationRead({ conversationId: 'c', seq: 3 }));
    expect(reads).toEqual([['c', 3]]);
    expect(store.getState().conversations.entities.c?.unreadCount).toBe(0);
    expect(store.getState().conversations.entities.c?.lastReadSeq).toBe(3);
  });

  it('updates vote counts of a held message', () => {
    const store = storeWithThread([message(1)]);
    store.dispatch(
      votesChanged({ conversationId: message(1).conversationId, messageId: message(1).id, up: 1, down: 2, mine: 'down' }),
    );
    expect(store.getState().messages.threads[BOB]?.byId[message(1).id]?.votes).toEqual({ up: 1, down: 2, mine: 'down' });
  });
});

describe('votes', () => {
  const first = message(1);
  const votesOf = (store: ReturnType<typeof makeStore>) => store.getState().messages.threads[BOB]?.byId[first.id]?.votes;
  const intentOf = (store: ReturnType<typeof makeStore>) =>
    store.getState().messages.threads[BOB]?.voteIntents[first.id]?.mine;
  const serverSays = (up: number, down: number, mine: 'up' | 'down' | null) =>
    votesChanged({ conversationId: first.conversationId, messageId: first.id, up, down, mine });

  it('sends the vote and predicts its outcome until the server answers', async () => {
    const { gateway, votes } = recordingGateway();
    const store = storeWithThread([message(1, { votes: { up: 2, down: 0, mine: null } })], false, gateway);
    expect(await store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: 'up' })).unwrap()).toBe(true);
    expect(votes).toEqual([[first.id, 'up']]);
    expect(intentOf(store)).toBe('up');
    expect(selectHasVoteIntent(store.getState(), first.id)).toBe(true);

    store.dispatch(serverSays(3, 0, 'up'));
    expect(votesOf(store)).toEqual({ up: 3, down: 0, mine: 'up' });
    expect(intentOf(store)).toBeUndefined();
  });

  it('predicts a removal for the same vote again and a switch for the other one', async () => {
    const { gateway } = recordingGateway();
    const store = storeWithThread([message(1, { votes: { up: 1, down: 0, mine: 'up' } })], false, gateway);
    await store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: 'up' }));
    expect(intentOf(store)).toBeNull();
    store.dispatch(serverSays(0, 0, null));
    await store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: 'down' }));
    expect(intentOf(store)).toBe('down');
    await store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: 'up' }));
    expect(intentOf(store)).toBe('up');
  });

  it('keeps the prediction through the answers to earlier clicks and the peer’s votes', async () => {
    const { gateway, votes } = recordingGateway();
    const store = storeWithThread([message(1)], false, gateway);
    await store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: 'up' }));
    await store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: 'up' }));
    expect(votes).toHaveLength(2);
    expect(store.getState().messages.threads[BOB]?.voteIntents[first.id]).toEqual({ mine: null, awaiting: 2 });
    // The peer's downvote, then the answer to our first click: neither is where we are going.
    store.dispatch(serverSays(0, 1, null));
    expect(intentOf(store)).toBeNull();
    store.dispatch(serverSays(1, 1, 'up'));
    expect(intentOf(store)).toBeNull();
    expect(votesOf(store)).toEqual({ up: 1, down: 1, mine: 'up' });
    // The answer to the second click: converged.
    store.dispatch(serverSays(0, 1, null));
    expect(selectHasVoteIntent(store.getState(), first.id)).toBe(false);
    expect(votesOf(store)).toEqual({ up: 0, down: 1, mine: null });
  });

  it('sends nothing and predicts nothing while the socket is down', async () => {
    const { gateway, votes } = recordingGateway({ connected: false });
    const store = storeWithThread([message(1)], false, gateway);
    expect(await store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: 'up' })).unwrap()).toBe(false);
    expect(votes).toEqual([]);
    expect(intentOf(store)).toBeUndefined();
  });

  it('cannot vote on a message it does not hold', async () => {
    const { gateway, votes } = recordingGateway();
    const store = storeWithThread([message(1)], false, gateway);
    expect(await store.dispatch(castVote({ peerId: BOB, messageId: 'nope', vote: 'up' })).unwrap()).toBe(false);
    expect(votes).toEqual([]);
  });

  it('falls back to the server’s counts when a vote is refused, saying why until the next vote', async () => {
    const { gateway } = recordingGateway();
    const store = storeWithThread([message(1, { votes: { up: 1, down: 0, mine: null } })], false, gateway);
    await store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: 'down' }));
    store.dispatch(voteIntentsDropped({ messageIds: [first.id], error: 'Too many votes.' }));
    const thread = store.getState().messages.threads[BOB];
    expect(thread?.voteIntents).toEqual({});
    expect(thread?.voteErrors[first.id]).toBe('Too many votes.');
    expect(votesOf(store)).toEqual({ up: 1, down: 0, mine: null });

    await store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: 'down' }));
    expect(store.getState().messages.threads[BOB]?.voteErrors).toEqual({});
  });

  it('re-reads the newest page’s counts for held messages without adding any', async () => {
    const fetch = mockFetch(() =>
      page([message(1, { votes: { up: 4, down: 2, mine: 'down' } }), message(2), message(3)]),
    );
    const store = storeWithThread([message(1)]);
    await store.dispatch(refreshVotes({ peerId: BOB }));
    expect(fetch.calls[0]?.path).toBe(`/api/messages/with/${BOB}`);
    expect(votesOf(store)).toEqual({ up: 4, down: 2, mine: 'down' });
    expect(threadSeqs(store)).toEqual([1]);
  });
});

describe('sign-out', () => {
  it('forgets every thread', async () => {
    mockFetch(() => noContent());
    const store = storeWithThread([message(1)]);
    await store.dispatch(signOut());
    expect(store.getState().messages.threads).toEqual({});
  });
});
