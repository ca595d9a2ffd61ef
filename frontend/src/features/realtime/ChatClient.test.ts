import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeStore } from '../../app/store';
import { ALICE, BOB, CONV_AB, conversation, message, mine, signedInAsAlice } from '../../test/chatFixtures';
import { json, mockFetch } from '../../test/fetchMock';
import { FakeLifecycle, FakeWebSocket } from '../../test/fakeWebSocket';
import { fetchConversations } from '../conversations/conversationsSlice';
import { castVote, loadThread, retrySend, sendMessage } from '../messages/messagesSlice';
import { notificationReceived } from '../notifications/notificationsSlice';
import { ChatClient, VOTE_ANSWER_TIMEOUT_MS } from './ChatClient';
import { ACK_TIMEOUT_MS } from './Outbox';

function setup() {
  const events = new FakeLifecycle();
  const chat = new ChatClient({
    url: 'ws://gochat.test/ws/chat',
    createSocket: FakeWebSocket.factory,
    events,
    random: () => 1,
    refresh: async () => 'refreshed',
    checkSession: async () => 'valid',
  });
  const store = makeStore(signedInAsAlice, { chat });
  chat.attach(store);
  return { chat, store, events };
}

/** Answers the catch-up and conversation requests the client makes after each open. */
function serveNothingNew() {
  return mockFetch(({ path }) =>
    path === '/api/messages/conversations'
      ? json(200, { conversations: [], nextCursor: null })
      : json(200, { messages: [], hasMore: false }),
  );
}

const sends = (ws: FakeWebSocket) => ws.sentOfType('message.send').map((frame) => frame.clientMsgId);

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the outbox', () => {
  it('sends at once when connected', async () => {
    serveNothingNew();
    const { chat, store } = setup();
    chat.start();
    FakeWebSocket.latest().open();
    const id = await store.dispatch(sendMessage({ peerId: BOB, content: 'hi' })).unwrap();
    expect(FakeWebSocket.latest().sentOfType('message.send')).toEqual([
      { type: 'message.send', clientMsgId: id, to: BOB, content: 'hi' },
    ]);
  });

  it('keeps sends made while disconnected and sends them, in order, on connect', async () => {
    serveNothingNew();
    const { chat, store } = setup();
    chat.start();
    const a = await store.dispatch(sendMessage({ peerId: BOB, content: 'a' })).unwrap();
    const b = await store.dispatch(sendMessage({ peerId: BOB, content: 'b' })).unwrap();
    expect(FakeWebSocket.latest().sent).toEqual([]);
    FakeWebSocket.latest().open();
    expect(sends(FakeWebSocket.latest())).toEqual([a, b]);
  });

  it('re-sends unacked messages with the same clientMsgId on every reconnect until acked', async () => {
    serveNothingNew();
    const { chat, store } = setup();
    chat.start();
    FakeWebSocket.latest().open();
    const a = await store.dispatch(sendMessage({ peerId: BOB, content: 'a' })).unwrap();
    const b = await store.dispatch(sendMessage({ peerId: BOB, content: 'b' })).unwrap();
    FakeWebSocket.latest().receive({ type: 'message.ack', clientMsgId: a, message: mine(1, { content: 'a' }) });
    FakeWebSocket.latest().serverClose(1006);

    await vi.advanceTimersByTimeAsync(500);
    FakeWebSocket.latest().open();
    expect(sends(FakeWebSocket.latest())).toEqual([b]);

    FakeWebSocket.latest().serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeWebSocket.latest().open();
    expect(sends(FakeWebSocket.latest())).toEqual([b]);
    FakeWebSocket.latest().receive({ type: 'message.ack', clientMsgId: b, message: mine(2, { content: 'b' }) });
    expect(chat.outbox.size).toBe(0);

    FakeWebSocket.latest().serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeWebSocket.latest().open();
    expect(sends(FakeWebSocket.latest())).toEqual([]);
  });

  it('re-sends on the same socket when the ack does not come', async () => {
    serveNothingNew();
    const { chat, store } = setup();
    chat.start();
    FakeWebSocket.latest().open();
    const a = await store.dispatch(sendMessage({ peerId: BOB, content: 'a' })).unwrap();
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT_MS);
    expect(sends(FakeWebSocket.latest())).toEqual([a, a]);
  });

  it('treats a message.new with our clientMsgId (another tab, or a lost ack) as acked', async () => {
    serveNothingNew();
    const { chat, store } = setup();
    chat.start();
    FakeWebSocket.latest().open();
    const a = await store.dispatch(sendMessage({ peerId: BOB, content: 'a' })).unwrap();
    FakeWebSocket.latest().receive({ type: 'message.new', clientMsgId: a, message: mine(1, { content: 'a' }) });
    expect(chat.outbox.size).toBe(0);
    expect(store.getState().messages.threads[BOB]?.pending).toEqual([]);
  });

  it('retries later after "unavailable", keeping the message pending', async () => {
    serveNothingNew();
    const { chat, store } = setup();
    chat.start();
    FakeWebSocket.latest().open();
    const a = await store.dispatch(sendMessage({ peerId: BOB, content: 'a' })).unwrap();
    FakeWebSocket.latest().receive({ type: 'error', code: 'unavailable', message: 'Try later.', clientMsgId: a });
    expect(store.getState().messages.threads[BOB]?.pending[0]?.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(999);
    expect(sends(FakeWebSocket.latest())).toEqual([a]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sends(FakeWebSocket.latest())).toEqual([a, a]);
  });

  it('fails the message for good on a permanent error, and retry queues it again', async () => {
    serveNothingNew();
    const { chat, store } = setup();
    chat.start();
    FakeWebSocket.latest().open();
    const a = await store.dispatch(sendMessage({ peerId: BOB, content: 'a' })).unwrap();
    FakeWebSocket.latest().receive({ type: 'error', code: 'content_too_long', message: 'Too long.', clientMsgId: a });
    expect(store.getState().messages.threads[BOB]?.pending[0]).toMatchObject({
      status: 'failed',
      error: { code: 'content_too_long' },
    });
    expect(chat.outbox.size).toBe(0);
    const ws = FakeWebSocket.latest();
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT_MS * 2);
    expect(sends(ws)).toEqual([a]);

    await store.dispatch(retrySend({ peerId: BOB, clientMsgId: a }));
    expect(sends(ws)).toEqual([a, a]);
    expect(store.getState().messages.threads[BOB]?.pending[0]?.status).toBe('pending');
  });

  it('is emptied by stop() (sign-out): the next user never sends it', async () => {
    serveNothingNew();
    const { chat, store } = setup();
    chat.start();
    await store.dispatch(sendMessage({ peerId: BOB, content: 'a' }));
    chat.stop();
    chat.start();
    FakeWebSocket.latest().open();
    expect(sends(FakeWebSocket.latest())).toEqual([]);
  });
});

describe('read marks and typing', () => {
  it('keeps a read mark made while offline and sends the highest on connect', () => {
    serveNothingNew();
    const { chat } = setup();
    chat.start();
    chat.markRead(CONV_AB, 3);
    chat.markRead(CONV_AB, 5);
    chat.markRead(CONV_AB, 4);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().sentOfType('message.read')).toEqual([
      { type: 'message.read', conversationId: CONV_AB, seq: 5 },
    ]);
  });

  it('re-sends a read mark on reconnect until the server echoes it', async () => {
    serveNothingNew();
    const { chat } = setup();
    chat.start();
    FakeWebSocket.latest().open();
    chat.markRead(CONV_AB, 2);
    expect(FakeWebSocket.latest().sentOfType('message.read')).toHaveLength(1);
    FakeWebSocket.latest().serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().sentOfType('message.read')).toEqual([
      { type: 'message.read', conversationId: CONV_AB, seq: 2 },
    ]);
    FakeWebSocket.latest().receive({ type: 'message.read', conversationId: CONV_AB, readerId: ALICE, seq: 2 });
    FakeWebSocket.latest().serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().sentOfType('message.read')).toEqual([]);
  });

  it('drops typing frames while offline', () => {
    serveNothingNew();
    const { chat } = setup();
    chat.start();
    chat.typing(CONV_AB);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().sentOfType('typing')).toEqual([]);
    chat.typing(CONV_AB);
    expect(FakeWebSocket.latest().sentOfType('typing')).toEqual([{ type: 'typing', conversationId: CONV_AB }]);
  });

  it('shows the peer typing and updates read positions from the server', () => {
    serveNothingNew();
    const { chat, store } = setup();
    store.dispatch(fetchConversations.fulfilled({ conversations: [conversation()], nextCursor: null }, 'r', undefined));
    chat.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive({ type: 'typing', conversationId: CONV_AB, userId: BOB });
    FakeWebSocket.latest().receive({ type: 'typing', conversationId: CONV_AB, userId: ALICE });
    expect(Object.keys(store.getState().typing.byConversation[CONV_AB] ?? {})).toEqual([BOB]);
    FakeWebSocket.latest().receive({ type: 'message.read', conversationId: CONV_AB, readerId: BOB, seq: 4 });
    expect(store.getState().conversations.entities[CONV_AB]?.peerLastReadSeq).toBe(4);
  });

  it('marks the conversation’s notifications read when we read it', () => {
    serveNothingNew();
    const { chat, store } = setup();
    store.dispatch(loadThread.fulfilled({ messages: [message(1), message(2)], hasMore: false }, 'r', { peerId: BOB }));
    const note = (n: number) => ({
      id: `n${n}`,
      type: 'message',
      conversationId: CONV_AB,
      messageId: message(n).id,
      senderId: BOB,
      senderUsername: 'bob',
      preview: 'p',
      createdAt: `2025-01-01T00:00:0${n}Z`,
      readAt: null,
    });
    store.dispatch(notificationReceived({ notification: note(1) }));
    store.dispatch(notificationReceived({ notification: note(2) }));
    chat.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive({ type: 'message.read', conversationId: CONV_AB, readerId: ALICE, seq: 1 });
    expect(store.getState().notifications.unreadCount).toBe(1);
    expect(store.getState().notifications.entities.n1?.readAt).not.toBeNull();
    expect(store.getState().notifications.entities.n2?.readAt).toBeNull();
  });
});

describe('catching up', () => {
  it('after a reconnect, fetches what each open conversation missed and re-fetches the list', async () => {
    const fetch = mockFetch(({ path, search }) => {
      if (path === '/api/messages/conversations') return json(200, { conversations: [conversation()], nextCursor: null });
      if (search.get('after') === '2') return json(200, { messages: [message(3), message(4)], hasMore: false });
      return json(200, { messages: [], hasMore: false });
    });
    const { chat, store } = setup();
    store.dispatch(fetchConversations.fulfilled({ conversations: [conversation()], nextCursor: null }, 'r', undefined));
    store.dispatch(loadThread.fulfilled({ messages: [message(1), message(2)], hasMore: false }, 'r', { peerId: BOB }));
    chat.start();
    FakeWebSocket.latest().open();
    await vi.waitFor(() => expect(store.getState().messages.threads[BOB]?.ids).toHaveLength(4));
    expect(fetch.paths()).toContain('GET /api/messages/conversations');
    expect(fetch.calls.find((call) => call.search.has('after'))?.path).toBe(`/api/messages/with/${BOB}`);
  });

  it('fetches the gap when a live message jumps past the held seqs', async () => {
    const fetch = mockFetch(({ search }) =>
      search.get('after') === '1'
        ? json(200, { messages: [message(2), message(3)], hasMore: false })
        : json(200, { messages: [], hasMore: false, conversations: [], nextCursor: null }),
    );
    const { chat, store } = setup();
    store.dispatch(fetchConversations.fulfilled({ conversations: [conversation()], nextCursor: null }, 'r', undefined));
    store.dispatch(loadThread.fulfilled({ messages: [message(1)], hasMore: false }, 'r', { peerId: BOB }));
    chat.start();
    FakeWebSocket.latest().open();
    await vi.waitFor(() => expect(store.getState().messages.threads[BOB]?.catchingUp).toBe(false));
    FakeWebSocket.latest().receive({ type: 'message.new', message: message(3) });
    await vi.waitFor(() => {
      const thread = store.getState().messages.threads[BOB];
      expect(thread?.ids.map((id) => thread.byId[id]?.seq)).toEqual([1, 2, 3]);
    });
    expect(fetch.calls.filter((call) => call.search.get('after') === '1').length).toBeGreaterThanOrEqual(1);
  });

  it('does not re-read a list never asked for: its first load comes after the open', async () => {
    const fetch = serveNothingNew();
    const { chat } = setup();
    chat.start();
    FakeWebSocket.latest().open();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch.paths()).not.toContain('GET /api/messages/conversations');
  });

  it('re-fetches the list for a message in a conversation it does not hold', async () => {
    const fetch = serveNothingNew();
    const { chat, store } = setup();
    store.dispatch(fetchConversations.fulfilled({ conversations: [], nextCursor: null }, 'r', undefined));
    chat.start();
    FakeWebSocket.latest().open();
    await vi.waitFor(() => expect(fetch.paths()).toContain('GET /api/messages/conversations'));
    const before = fetch.calls.length;
    FakeWebSocket.latest().receive({ type: 'message.new', message: message(1, { conversationId: 'other' }) });
    await vi.waitFor(() => expect(fetch.calls.length).toBe(before + 1));
  });
});

describe('votes', () => {
  const first = message(1);
  const votesFrame = (up: number, down: number, mine: 'up' | 'down' | null) => ({
    type: 'message.votes',
    conversationId: CONV_AB,
    messageId: first.id,
    up,
    down,
    mine,
  });

  function connectedWithThread() {
    serveNothingNew();
    const context = setup();
    context.store.dispatch(loadThread.fulfilled({ messages: [first], hasMore: false }, 'r', { peerId: BOB }));
    context.chat.start();
    FakeWebSocket.latest().open();
    return context;
  }
  const thread = (store: ReturnType<typeof setup>['store']) => store.getState().messages.threads[BOB];
  const vote = (store: ReturnType<typeof setup>['store'], direction: 'up' | 'down') =>
    store.dispatch(castVote({ peerId: BOB, messageId: first.id, vote: direction })).unwrap();

  it('sends message.vote on the open socket', async () => {
    const { store } = connectedWithThread();
    expect(await vote(store, 'down')).toBe(true);
    expect(FakeWebSocket.latest().sentOfType('message.vote')).toEqual([
      { type: 'message.vote', messageId: first.id, vote: 'down' },
    ]);
  });

  it('neither sends nor queues a vote while disconnected', async () => {
    serveNothingNew();
    const { chat, store } = setup();
    store.dispatch(loadThread.fulfilled({ messages: [first], hasMore: false }, 'r', { peerId: BOB }));
    chat.start();
    expect(await vote(store, 'up')).toBe(false);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().sentOfType('message.vote')).toEqual([]);
    expect(thread(store)?.voteIntents).toEqual({});
  });

  it('takes the counts from message.votes, converging on the server’s answer', async () => {
    const { store } = connectedWithThread();
    await vote(store, 'up');
    FakeWebSocket.latest().receive(votesFrame(1, 0, 'up'));
    expect(thread(store)?.byId[first.id]?.votes).toEqual({ up: 1, down: 0, mine: 'up' });
    expect(thread(store)?.voteIntents).toEqual({});
    // Answered: the timeout no longer applies.
    await vi.advanceTimersByTimeAsync(VOTE_ANSWER_TIMEOUT_MS);
    expect(thread(store)?.voteErrors).toEqual({});
  });

  it('drops the prediction and says why when an error frame comes while a vote awaits its answer', async () => {
    const { store } = connectedWithThread();
    await vote(store, 'up');
    FakeWebSocket.latest().receive({ type: 'error', code: 'rate_limited', message: 'Slow down.' });
    expect(thread(store)?.voteIntents).toEqual({});
    expect(thread(store)?.voteErrors[first.id]).toMatch(/too many votes/i);
    expect(thread(store)?.byId[first.id]?.votes).toEqual(first.votes);
  });

  it('leaves votes alone on an error that names a send', async () => {
    const { store } = connectedWithThread();
    await vote(store, 'up');
    FakeWebSocket.latest().receive({ type: 'error', code: 'not_found', message: 'x', clientMsgId: 'someone' });
    expect(thread(store)?.voteIntents[first.id]?.mine).toBe('up');
  });

  it('gives up on an answer that does not come in time', async () => {
    const { store } = connectedWithThread();
    await vote(store, 'up');
    await vi.advanceTimersByTimeAsync(VOTE_ANSWER_TIMEOUT_MS - 1);
    expect(thread(store)?.voteIntents[first.id]?.mine).toBe('up');
    await vi.advanceTimersByTimeAsync(1);
    expect(thread(store)?.voteIntents).toEqual({});
  });

  it('drops predictions when the socket closes and re-reads the counts after reconnecting', async () => {
    const fetch = mockFetch(({ path, search }) => {
      if (path === '/api/messages/conversations') return json(200, { conversations: [], nextCursor: null });
      if (search.has('after')) return json(200, { messages: [], hasMore: false });
      return json(200, { messages: [message(1, { votes: { up: 1, down: 0, mine: 'up' } })], hasMore: false });
    });
    const { chat, store } = setup();
    store.dispatch(loadThread.fulfilled({ messages: [first], hasMore: false }, 'r', { peerId: BOB }));
    chat.start();
    FakeWebSocket.latest().open();
    await vote(store, 'up');
    FakeWebSocket.latest().serverClose(1006);
    expect(thread(store)?.voteIntents).toEqual({});
    await vi.advanceTimersByTimeAsync(500);
    const before = fetch.calls.length;
    FakeWebSocket.latest().open();
    await vi.waitFor(() => expect(thread(store)?.byId[first.id]?.votes).toEqual({ up: 1, down: 0, mine: 'up' }));
    const reads = fetch.calls.slice(before).filter((call) => call.path === `/api/messages/with/${BOB}`);
    expect(reads.some((call) => !call.search.has('after') && !call.search.has('before'))).toBe(true);
  });
});

describe('frames it does not understand', () => {
  it('ignores unknown types and malformed messages', () => {
    serveNothingNew();
    const { chat, store } = setup();
    chat.start();
    FakeWebSocket.latest().open();
    const before = store.getState();
    FakeWebSocket.latest().receive({ type: 'something.new' });
    FakeWebSocket.latest().receive({ type: 'message.new', message: { id: 1 } });
    expect(store.getState().messages).toBe(before.messages);
  });
});
