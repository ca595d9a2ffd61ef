import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '../../api/types';
import { makeStore } from '../../app/store';
import { BOB, CONV_AB, message, mine, signedInAsAlice } from '../../test/chatFixtures';
import { json, mockFetch } from '../../test/fetchMock';
import { FakeLifecycle, FakeWebSocket } from '../../test/fakeWebSocket';
import { loadThread, sendMessage } from '../messages/messagesSlice';
import { ChatClient, LIFECYCLE_ANSWER_TIMEOUT_MS } from '../realtime/ChatClient';
import { parseChatFrame } from '../realtime/frames';
import { deleteMessage, editMessage, toggleReaction } from './lifecycleThunks';

function setup(messages: ChatMessage[]) {
  const chat = new ChatClient({
    url: 'ws://gochat.test/ws/chat',
    createSocket: FakeWebSocket.factory,
    events: new FakeLifecycle(),
    random: () => 1,
    refresh: async () => 'refreshed',
    checkSession: async () => 'valid',
  });
  const store = makeStore(signedInAsAlice, { chat });
  chat.attach(store);
  store.dispatch(loadThread.fulfilled({ messages, hasMore: false }, 'r', { peerId: BOB }));
  return { chat, store };
}

const held = (store: ReturnType<typeof makeStore>, seq: number) => {
  const thread = store.getState().messages.threads[BOB];
  return thread?.byId[thread.idBySeq[seq] ?? ''];
};

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the chat client and the message lifecycle', () => {
  it('applies message.updated in place and raises the rev; votes carry theirs', () => {
    mockFetch(() => json(200, { messages: [], hasMore: false, rev: 2, conversations: [], nextCursor: null }));
    const { chat, store } = setup([message(1, { rev: 1 }), mine(2, { rev: 2 })]);
    chat.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive({
      type: 'message.updated',
      message: message(1, { rev: 3, content: '', deletedAt: '2025-01-01T13:00:00Z' }),
    });
    expect(held(store, 1)?.deletedAt).toBe('2025-01-01T13:00:00Z');
    FakeWebSocket.latest().receive({
      type: 'message.votes',
      conversationId: CONV_AB,
      messageId: mine(2).id,
      up: 1,
      down: 0,
      mine: null,
      rev: 4,
    });
    expect(held(store, 2)?.rev).toBe(4);
    expect(store.getState().lifecycle.revs[CONV_AB]).toBe(4);
  });

  it('sends edits, deletes and reactions with a request id and shows a refusal that echoes it', async () => {
    mockFetch(() => json(200, { messages: [], hasMore: false, rev: 1, conversations: [], nextCursor: null }));
    const own = mine(1, { rev: 1, content: 'hello' });
    const { chat, store } = setup([own]);
    chat.start();
    // Offline: nothing goes out, and the message says why.
    expect(await store.dispatch(toggleReaction({ messageId: own.id, emoji: '👍' })).unwrap()).toBe(false);
    expect(store.getState().lifecycle.errors[own.id]).toMatch(/Not connected/);
    FakeWebSocket.latest().open();
    await store.dispatch(editMessage({ message: own, content: 'hello there' }));
    await store.dispatch(deleteMessage({ messageId: own.id }));
    const ws = FakeWebSocket.latest();
    const [edit] = ws.sentOfType('message.edit');
    const [del] = ws.sentOfType('message.delete');
    expect(edit).toMatchObject({ messageId: own.id, content: 'hello there', requestId: expect.any(String) });
    expect(del).toMatchObject({ messageId: own.id, requestId: expect.any(String) });
    expect(Object.keys(store.getState().lifecycle.requests)).toHaveLength(2);

    ws.receive({ type: 'error', code: 'forbidden', message: 'no', requestId: del?.requestId });
    expect(store.getState().lifecycle.errors[own.id]).toBe('You cannot change this message.');
    // The edit's answer: the server's copy with the new text.
    ws.receive({ type: 'message.updated', message: { ...own, rev: 2, content: 'hello there', editedAt: '2025-01-01T13:00:00Z' } });
    expect(store.getState().lifecycle.requests).toEqual({});
    expect(held(store, 1)?.content).toBe('hello there');
  });

  it('forgets changes still awaiting an answer when the socket closes or none comes', async () => {
    mockFetch(() => json(200, { messages: [], hasMore: false, rev: 1, conversations: [], nextCursor: null }));
    const own = mine(1, { rev: 1 });
    const { chat, store } = setup([own]);
    chat.start();
    FakeWebSocket.latest().open();
    await store.dispatch(toggleReaction({ messageId: own.id, emoji: '👍' }));
    expect(Object.keys(store.getState().lifecycle.requests)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(LIFECYCLE_ANSWER_TIMEOUT_MS);
    expect(store.getState().lifecycle.requests).toEqual({});
    await store.dispatch(editMessage({ message: own, content: 'changed' }));
    FakeWebSocket.latest().serverClose(1006);
    expect(store.getState().lifecycle.requests).toEqual({});
  });

  it('after a reconnect asks the change feed from the rev held when the socket opened, then after=', async () => {
    const fetch = mockFetch(({ path, search }) => {
      if (path === '/api/messages/conversations') return json(200, { conversations: [], nextCursor: null });
      if (path.endsWith('/changes')) {
        return json(200, {
          messages: [message(1, { rev: 5, content: 'edited while away', editedAt: '2025-01-01T13:00:00Z' })],
          rev: 5,
          hasMore: false,
        });
      }
      if (search.get('after') === '2') return json(200, { messages: [message(3, { rev: 6 })], hasMore: false });
      return json(200, { messages: [], hasMore: false });
    });
    const { chat, store } = setup([message(1, { rev: 1 }), message(2, { rev: 2 })]);
    // Every open is a reconnect as far as the held threads go.
    chat.start();
    const before = fetch.calls.length;
    FakeWebSocket.latest().open();
    // A frame right after the open (newer than what was missed) must not move the feed's start.
    FakeWebSocket.latest().receive({ type: 'message.updated', message: message(2, { rev: 7, content: 'live edit' }) });
    await vi.waitFor(() => expect(held(store, 3)).toBeDefined());
    expect(held(store, 1)?.content).toBe('edited while away');
    expect(held(store, 2)?.content).toBe('live edit');
    const calls = fetch.calls.slice(before).filter((call) => call.path !== '/api/messages/conversations');
    expect(calls.map((call) => `${call.path.split('/').pop()}?${call.search.toString()}`)).toEqual([
      'changes?since=2&limit=100',
      `${BOB}?after=2&limit=100`,
    ]);
    expect(store.getState().lifecycle.revs[CONV_AB]).toBe(7);
  });

  it('sends a reply with the replied message’s id', async () => {
    mockFetch(() => json(200, { messages: [], hasMore: false, rev: 1, conversations: [], nextCursor: null }));
    const { chat, store } = setup([message(1, { rev: 1 })]);
    chat.start();
    FakeWebSocket.latest().open();
    const replyTo = { id: message(1).id, seq: 1, senderId: BOB, preview: 'message 1' };
    const id = await store.dispatch(sendMessage({ peerId: BOB, content: 'yes', replyTo })).unwrap();
    expect(FakeWebSocket.latest().sentOfType('message.send')).toEqual([
      { type: 'message.send', clientMsgId: id, to: BOB, content: 'yes', replyTo: replyTo.id },
    ]);
    expect(store.getState().messages.threads[BOB]?.pending[0]?.replyTo).toEqual(replyTo);
  });
});

describe('the lifecycle frames', () => {
  it('reads message.updated, the votes’ rev and the request id an error echoes', () => {
    const changed = message(1, { rev: 3, reactions: [{ emoji: '👍', count: 1, mine: true }] });
    expect(parseChatFrame({ type: 'message.updated', message: changed })).toEqual({ type: 'message.updated', message: changed });
    expect(parseChatFrame({ type: 'message.updated', message: { id: 1 } })).toBeNull();
    expect(
      parseChatFrame({ type: 'message.votes', conversationId: CONV_AB, messageId: 'm', up: 1, down: 0, mine: null, rev: 9 }),
    ).toMatchObject({ rev: 9 });
    expect(parseChatFrame({ type: 'error', code: 'forbidden', message: 'no', requestId: 'r1' })).toEqual({
      type: 'error',
      code: 'forbidden',
      message: 'no',
      requestId: 'r1',
    });
  });
});
