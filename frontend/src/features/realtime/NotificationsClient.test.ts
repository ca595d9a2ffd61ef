import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeStore } from '../../app/store';
import { BOB, CONV_AB, signedInAsAlice } from '../../test/chatFixtures';
import { aliceUser, json, mockFetch } from '../../test/fetchMock';
import { FakeLifecycle, FakeWebSocket } from '../../test/fakeWebSocket';
import { NotificationsClient } from './NotificationsClient';

function setup(
  refresh: () => Promise<'refreshed' | 'ended' | 'failed'> = async () => 'refreshed',
  loaded: 'succeeded' | 'idle' = 'succeeded',
) {
  const fetch = mockFetch(({ path, search }) => {
    if (path === '/api/users') {
      return json(200, {
        users: [{ id: BOB, username: search.get('q') ? 'bobby' : 'bob', status: 'offline', lastSeenAt: null }],
        nextCursor: null,
      });
    }
    return json(200, { notifications: [], nextCursor: null, unreadCount: 0 });
  });
  const client = new NotificationsClient({
    url: 'ws://gochat.test/ws/notifications',
    createSocket: FakeWebSocket.factory,
    events: new FakeLifecycle(),
    random: () => 1,
    refresh,
    checkSession: async () => 'valid',
  });
  // Both lists loaded once already unless `loaded` is 'idle' (an open re-reads only what was
  // asked for).
  const initial = makeStore().getState();
  const store = makeStore({
    ...signedInAsAlice,
    users: { ...initial.users, selfId: aliceUser.id, status: loaded },
    notifications: { ...initial.notifications, status: loaded },
  });
  client.attach(store);
  return { client, store, fetch };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the notifications socket', () => {
  it('re-fetches the directory and the bell on every (re)connect', async () => {
    const { client, fetch } = setup();
    client.start();
    FakeWebSocket.latest().open();
    await vi.waitFor(() => expect(fetch.paths()).toEqual(['GET /api/users', 'GET /api/notifications']));
    FakeWebSocket.latest().serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeWebSocket.latest().open();
    await vi.waitFor(() => expect(fetch.calls).toHaveLength(4));
  });

  it('re-reads neither list on an open before either was asked for (they load after it)', async () => {
    const { client, fetch } = setup(undefined, 'idle');
    client.start();
    FakeWebSocket.latest().open();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch.calls).toHaveLength(0);
  });

  it('turns presence and sign-up frames into directory updates', async () => {
    const { client, store } = setup();
    client.start();
    FakeWebSocket.latest().open();
    await vi.waitFor(() => expect(store.getState().users.status).toBe('succeeded'));
    FakeWebSocket.latest().receive({
      type: 'presence',
      userId: BOB,
      username: 'bob',
      status: 'online',
      lastSeenAt: '2025-01-02T00:00:00Z',
    });
    expect(store.getState().users.entities[BOB]?.status).toBe('online');
    FakeWebSocket.latest().receive({ type: 'user.registered', user: { id: 'u-new', username: 'newbie', status: 'offline' } });
    expect(store.getState().users.entities['u-new']?.username).toBe('newbie');
  });

  it('ignores a presence frame older than what it holds', () => {
    const { client, store } = setup();
    client.start();
    FakeWebSocket.latest().open();
    const presence = (status: string, lastSeenAt: string) =>
      FakeWebSocket.latest().receive({ type: 'presence', userId: 'u-x', username: 'x', status, lastSeenAt });
    presence('offline', '2025-01-02T00:00:10Z');
    presence('online', '2025-01-02T00:00:05Z');
    expect(store.getState().users.entities['u-x']?.status).toBe('offline');
    presence('online', '2025-01-02T00:00:20Z');
    expect(store.getState().users.entities['u-x']?.status).toBe('online');
  });

  it('adds pushed notifications to the bell', () => {
    const { client, store } = setup();
    client.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive({
      type: 'notification',
      notification: {
        id: 'n1',
        type: 'message',
        conversationId: CONV_AB,
        messageId: 'm1',
        senderId: BOB,
        senderUsername: 'bob',
        preview: 'hi',
        createdAt: '2025-01-01T00:00:00Z',
        readAt: null,
      },
    });
    expect(store.getState().notifications.unreadCount).toBe(1);
  });

  it('signs out locally when a 4001 close cannot be refreshed', async () => {
    const { client, store } = setup(async () => 'ended');
    client.start();
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().serverClose(4001);
    await vi.waitFor(() => expect(store.getState().auth.session).toBe('anonymous'));
    expect(store.getState().auth.notice).toMatch(/session has ended/);
  });
});
