import { describe, expect, it } from 'vitest';
import type { AppNotification } from '../../api/types';
import { makeStore } from '../../app/store';
import { BOB, CONV_AB, signedInAsAlice } from '../../test/chatFixtures';
import { json, mockFetch, noContent } from '../../test/fetchMock';
import {
  fetchNotifications,
  markNotificationsRead,
  notificationReceived,
  notificationsReadLocally,
  selectNotifications,
  selectUnreadNotificationCount,
} from './notificationsSlice';

function notification(n: number, overrides: Partial<AppNotification> = {}): AppNotification {
  return {
    id: `n-${n}`,
    type: 'message',
    conversationId: CONV_AB,
    messageId: `m-${n}`,
    senderId: BOB,
    senderUsername: 'bob',
    preview: `hello ${n}`,
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, n)).toISOString(),
    readAt: null,
    ...overrides,
  };
}

describe('notifications', () => {
  it('loads the newest page and the unread total', async () => {
    const fetch = mockFetch(() =>
      json(200, { notifications: [notification(2), notification(1)], nextCursor: null, unreadCount: 7 }),
    );
    const store = makeStore(signedInAsAlice);
    await store.dispatch(fetchNotifications());
    expect(fetch.calls[0]?.path).toBe('/api/notifications');
    expect(selectNotifications(store.getState()).map((n) => n.id)).toEqual(['n-2', 'n-1']);
    expect(selectUnreadNotificationCount(store.getState())).toBe(7);
  });

  it('adds pushed notifications newest first, once', () => {
    const store = makeStore(signedInAsAlice);
    store.dispatch(notificationReceived({ notification: notification(1) }));
    store.dispatch(notificationReceived({ notification: notification(2) }));
    store.dispatch(notificationReceived({ notification: notification(2) }));
    expect(selectNotifications(store.getState()).map((n) => n.id)).toEqual(['n-2', 'n-1']);
    expect(selectUnreadNotificationCount(store.getState())).toBe(2);
  });

  it('does not count one whose conversation was already read', () => {
    const store = makeStore(signedInAsAlice);
    store.dispatch(notificationReceived({ notification: notification(1), alreadyRead: true }));
    expect(selectUnreadNotificationCount(store.getState())).toBe(0);
    expect(selectNotifications(store.getState())[0]?.readAt).not.toBeNull();
  });

  it('marks chosen ones read at once and tells the server', async () => {
    const fetch = mockFetch(() => noContent());
    const store = makeStore(signedInAsAlice);
    store.dispatch(notificationReceived({ notification: notification(1) }));
    store.dispatch(notificationReceived({ notification: notification(2) }));
    await store.dispatch(markNotificationsRead({ ids: ['n-1'] }));
    expect(fetch.calls[0]).toMatchObject({ method: 'POST', path: '/api/notifications/read', body: { ids: ['n-1'] } });
    expect(selectUnreadNotificationCount(store.getState())).toBe(1);
    await store.dispatch(markNotificationsRead({ all: true }));
    expect(fetch.calls[1]?.body).toEqual({ all: true });
    expect(selectUnreadNotificationCount(store.getState())).toBe(0);
  });

  it('re-fetches when the server refused the mark', async () => {
    const fetch = mockFetch(({ path }) =>
      path === '/api/notifications/read'
        ? json(503, { error: { code: 'unavailable', message: 'Down.' } })
        : json(200, { notifications: [notification(1)], nextCursor: null, unreadCount: 1 }),
    );
    const store = makeStore(signedInAsAlice);
    store.dispatch(notificationReceived({ notification: notification(1) }));
    await store.dispatch(markNotificationsRead({ ids: ['n-1'] }));
    await expect.poll(() => selectUnreadNotificationCount(store.getState())).toBe(1);
    expect(fetch.paths()).toContain('GET /api/notifications');
  });

  it('applies read marks the server made because a conversation was read', () => {
    const store = makeStore(signedInAsAlice);
    store.dispatch(notificationReceived({ notification: notification(1) }));
    store.dispatch(notificationsReadLocally({ ids: ['n-1', 'n-unknown'], at: '2025-01-02T00:00:00Z' }));
    expect(selectUnreadNotificationCount(store.getState())).toBe(0);
  });
});

describe('a re-fetch that raced live frames', () => {
  it('keeps a pushed notification newer than the listing, and local read marks', async () => {
    let answer: (response: Response) => void = () => {};
    mockFetch(() => new Promise<Response>((resolve) => (answer = resolve)));
    const store = makeStore(signedInAsAlice);
    store.dispatch(notificationReceived({ notification: notification(1) }));
    store.dispatch(notificationsReadLocally({ ids: ['n-1'], at: '2025-01-02T00:00:00Z' }));
    const fetching = store.dispatch(fetchNotifications());
    store.dispatch(notificationReceived({ notification: notification(3) }));
    answer(json(200, { notifications: [notification(2), notification(1)], nextCursor: null, unreadCount: 2 }));
    await fetching;
    expect(selectNotifications(store.getState()).map((n) => n.id)).toEqual(['n-3', 'n-2', 'n-1']);
    expect(store.getState().notifications.entities['n-1']?.readAt).not.toBeNull();
    expect(selectUnreadNotificationCount(store.getState())).toBe(2);
  });
});
