/** Groups through the chat socket: the frames of contract §6 and what the slices make of them. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeStore } from '../../app/store';
import { messageReceived } from '../../events/chatEvents';
import { conversationUpdated, deliveredReceived } from '../../events/groupEvents';
import { ALICE, BOB, CAROL, conversation, message, signedInAsAlice } from '../../test/chatFixtures';
import { FakeLifecycle, FakeWebSocket } from '../../test/fakeWebSocket';
import { json, mockFetch } from '../../test/fetchMock';
import { GROUP, group, groupMessage, MEMBERS, systemMessage } from '../../test/groupFixtures';
import { fetchConversations } from '../conversations/conversationsSlice';
import { loadThread, sendMessage } from '../messages/messagesSlice';
import { ChatClient } from '../realtime/ChatClient';
import { parseChatFrame } from '../realtime/frames';
import { selectDeparture, selectGroupDetails } from './groupsSlice';
import { storedStatus } from './ownStatus';

function setup() {
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
  chat.start();
  FakeWebSocket.latest().open();
  // The home's first load of the list, after the open (which re-reads only what was loaded).
  void store.dispatch(fetchConversations());
  return { chat, store, ws: FakeWebSocket.latest() };
}

function serveGroup() {
  return mockFetch(({ path }) => {
    if (path === '/api/messages/conversations') return json(200, { conversations: [group()], nextCursor: null });
    if (path.endsWith('/members')) return json(200, { members: MEMBERS, nextCursor: null });
    if (path === `/api/messages/conversations/${GROUP}`) return json(200, { conversation: group() });
    return json(200, { messages: [], hasMore: false });
  });
}

beforeEach(() => {
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('group frames', () => {
  it('reads a group message (no receiver) and the new frames', () => {
    expect(parseChatFrame({ type: 'message.new', message: groupMessage(1) })).not.toBeNull();
    expect(parseChatFrame({ type: 'message.delivered', conversationId: GROUP, userId: BOB, seq: 2 })).toEqual({
      type: 'message.delivered',
      conversationId: GROUP,
      userId: BOB,
      seq: 2,
    });
    expect(parseChatFrame({ type: 'conversation.updated', conversation: group() })?.type).toBe('conversation.updated');
    expect(parseChatFrame({ type: 'conversation.updated', conversation: { id: GROUP } })).toBeNull();
    expect(parseChatFrame({ type: 'conversation.removed', conversationId: GROUP })).toEqual({
      type: 'conversation.removed',
      conversationId: GROUP,
    });
  });
});

describe('the chat client in a group', () => {
  it('sends into the conversation and tells the server what arrived, forward only', async () => {
    serveGroup();
    const { store, ws } = setup();
    await store.dispatch(loadThread({ peerId: GROUP, group: true }));
    expect(store.getState().messages.threads[GROUP]?.conversationId).toBe(GROUP);

    const id = await store.dispatch(sendMessage({ peerId: GROUP, content: 'hi all' })).unwrap();
    expect(ws.sentOfType('message.send')).toEqual([
      { type: 'message.send', clientMsgId: id, conversationId: GROUP, content: 'hi all' },
    ]);

    ws.receive({ type: 'message.new', message: groupMessage(2) });
    ws.receive({ type: 'message.new', message: groupMessage(2) });
    ws.receive({ type: 'message.new', message: groupMessage(1) });
    ws.receive({ type: 'message.new', message: groupMessage(3, { senderId: ALICE }) });
    expect(ws.sentOfType('message.delivered')).toEqual([{ type: 'message.delivered', conversationId: GROUP, seq: 2 }]);
    expect(store.getState().messages.threads[GROUP]?.ids).toEqual(['g-1', 'g-2', 'g-3']);
  });

  it('keeps members’ watermarks from the frames, and re-reads members on a change', async () => {
    const fetch = serveGroup();
    const { store, ws } = setup();
    store.dispatch(conversationUpdated({ conversation: group() }));
    await vi.waitFor(() => expect(store.getState().conversations.status).toBe('succeeded'));
    ws.receive({ type: 'conversation.updated', conversation: group({ name: 'Crew', memberCount: 2 }) });
    expect(store.getState().conversations.entities[GROUP]).toMatchObject({ name: 'Crew', memberCount: 2 });
    // No member list held yet: nothing to re-read.
    expect(fetch.paths().filter((p) => p.endsWith('/members'))).toEqual([]);

    await vi.waitFor(() => expect(store.getState().conversations.status).toBe('succeeded'));
    const { fetchMembers } = await import('./groupsSlice');
    await store.dispatch(fetchMembers({ conversationId: GROUP }));
    ws.receive({ type: 'message.read', conversationId: GROUP, readerId: CAROL, seq: 4 });
    ws.receive({ type: 'message.delivered', conversationId: GROUP, userId: BOB, seq: 5 });
    expect(selectGroupDetails(store.getState(), GROUP)?.watermarks[CAROL]).toEqual({ read: 4, delivered: 4 });
    expect(selectGroupDetails(store.getState(), GROUP)?.watermarks[BOB]).toEqual({ read: 0, delivered: 5 });

    ws.receive({ type: 'conversation.updated', conversation: group({ memberCount: 4 }) });
    await vi.waitFor(() => expect(fetch.paths().filter((p) => p.endsWith('/members'))).toHaveLength(2));
  });

  it('drops the group from the list when we are removed, and says so', async () => {
    serveGroup();
    const { store, ws } = setup();
    await vi.waitFor(() => expect(store.getState().conversations.entities[GROUP]).toBeDefined());
    ws.receive({ type: 'conversation.removed', conversationId: GROUP });
    expect(store.getState().conversations.entities[GROUP]).toBeUndefined();
    expect(selectDeparture(store.getState(), GROUP)).toBe('removed');
  });
});

describe('the conversation list with groups', () => {
  it('never counts system messages as unread, and counts others’ messages', () => {
    const store = makeStore(signedInAsAlice);
    store.dispatch(conversationUpdated({ conversation: group() }));
    store.dispatch(
      messageReceived({ message: systemMessage(1, { event: 'member.added', actorId: BOB, userIds: [CAROL] }), selfId: ALICE }),
    );
    expect(store.getState().conversations.entities[GROUP]?.unreadCount).toBe(0);
    store.dispatch(messageReceived({ message: groupMessage(2), selfId: ALICE }));
    expect(store.getState().conversations.entities[GROUP]).toMatchObject({ unreadCount: 1 });
    expect(store.getState().conversations.entities[GROUP]?.lastMessage?.seq).toBe(2);
  });

  it('does not make up a group from a message of one it does not know', () => {
    const store = makeStore(signedInAsAlice);
    store.dispatch(messageReceived({ message: groupMessage(1), selfId: ALICE }));
    expect(store.getState().conversations.ids).toEqual([]);
  });

  it('shows a direct message sent, then delivered, then read', () => {
    const store = makeStore(signedInAsAlice);
    store.dispatch(
      messageReceived({ message: message(1), selfId: ALICE }),
    );
    const direct = () => store.getState().conversations.entities[conversation().id];
    expect(storedStatus(1, direct())).toBe('sent');
    store.dispatch(deliveredReceived({ conversationId: conversation().id, userId: BOB, seq: 1, selfId: ALICE }));
    expect(storedStatus(1, direct())).toBe('delivered');
    expect(storedStatus(2, direct())).toBe('sent');
    expect(storedStatus(1, { ...direct()!, peerLastReadSeq: 1 })).toBe('read');
    expect(storedStatus(1, group())).toBe('sent');
  });
});
