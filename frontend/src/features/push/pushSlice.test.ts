import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeStore } from '../../app/store';
import { json, mockFetch, noContent } from '../../test/fetchMock';
import { markNotificationsRead, notificationReceived } from '../notifications/notificationsSlice';
import {
  disablePush,
  enablePush,
  fetchMutes,
  loadPushStatus,
  muteConversation,
  muteInForce,
  unmuteConversation,
} from './pushSlice';

const browser = vi.hoisted(() => ({
  pushSupported: vi.fn(() => true),
  notificationPermission: vi.fn((): NotificationPermission => 'default'),
  requestNotificationPermission: vi.fn(async (): Promise<NotificationPermission> => 'granted'),
  currentSubscription: vi.fn(async (): Promise<PushSubscription | null> => null),
  subscribe: vi.fn(),
  registerServiceWorker: vi.fn(),
}));
vi.mock('./browserPush', () => browser);

const KEY = 'AQID';
const ENDPOINT = 'https://fcm.googleapis.com/fcm/send/abc';

function fakeSubscription(key: number[] = [1, 2, 3]) {
  return {
    endpoint: ENDPOINT,
    options: { applicationServerKey: new Uint8Array(key).buffer },
    toJSON: () => ({ endpoint: ENDPOINT, keys: { p256dh: 'p', auth: 'a' } }),
    unsubscribe: vi.fn(async () => true),
  } as unknown as PushSubscription & { unsubscribe: ReturnType<typeof vi.fn> };
}

beforeEach(() => {
  for (const fn of Object.values(browser)) fn.mockClear();
  browser.pushSupported.mockReturnValue(true);
  browser.notificationPermission.mockReturnValue('default');
  browser.requestNotificationPermission.mockResolvedValue('granted');
  browser.currentSubscription.mockResolvedValue(null);
});

describe('enabling push', () => {
  it('asks for permission, subscribes with the server key and sends the subscription', async () => {
    const subscription = fakeSubscription();
    browser.subscribe.mockResolvedValue(subscription);
    const server = mockFetch((request) => {
      if (request.path === '/api/notifications/push/key') return json(200, { publicKey: KEY });
      return json(201, { subscription: { id: 's1', endpoint: ENDPOINT, createdAt: '2026-01-01T00:00:00Z' } });
    });
    const store = makeStore();

    await store.dispatch(enablePush());

    expect(browser.requestNotificationPermission).toHaveBeenCalledTimes(1);
    expect(Array.from(browser.subscribe.mock.calls[0]?.[0] as Uint8Array)).toEqual([1, 2, 3]);
    expect(server.paths()).toEqual(['GET /api/notifications/push/key', 'POST /api/notifications/push/subscriptions']);
    expect(server.calls[1]?.body).toEqual({ endpoint: ENDPOINT, keys: { p256dh: 'p', auth: 'a' } });
    expect(store.getState().push.status).toBe('on');
  });

  it('stops at a refusal, subscribing nothing', async () => {
    browser.requestNotificationPermission.mockResolvedValue('denied');
    const server = mockFetch(() => json(500, {}));
    const store = makeStore();

    await store.dispatch(enablePush());

    expect(browser.subscribe).not.toHaveBeenCalled();
    expect(server.calls).toHaveLength(0);
    expect(store.getState().push.status).toBe('blocked');
  });

  it('replaces a subscription made for another key', async () => {
    const old = fakeSubscription([9, 9, 9]);
    browser.currentSubscription.mockResolvedValue(old);
    browser.subscribe.mockResolvedValue(fakeSubscription());
    mockFetch((request) =>
      request.path.endsWith('/key') ? json(200, { publicKey: KEY }) : json(200, { subscription: {} }),
    );

    await makeStore().dispatch(enablePush());

    expect(old.unsubscribe).toHaveBeenCalled();
    expect(browser.subscribe).toHaveBeenCalled();
  });

  it('says why when the server refuses', async () => {
    browser.subscribe.mockResolvedValue(fakeSubscription());
    mockFetch((request) =>
      request.path.endsWith('/key')
        ? json(200, { publicKey: KEY })
        : json(400, { error: { code: 'invalid_field', message: 'Some fields are invalid.' } }),
    );
    const store = makeStore();

    await store.dispatch(enablePush());

    expect(store.getState().push.status).toBe('off');
    expect(store.getState().push.error).toBe('Some fields are invalid.');
  });
});

describe('the status on start', () => {
  it('never asks for permission', async () => {
    mockFetch(() => json(200, { subscriptions: [] }));
    await makeStore().dispatch(loadPushStatus());
    expect(browser.requestNotificationPermission).not.toHaveBeenCalled();
  });

  it('is on only if the server has this browser’s subscription', async () => {
    browser.notificationPermission.mockReturnValue('granted');
    browser.currentSubscription.mockResolvedValue(fakeSubscription());
    let listed = [{ id: 's1', endpoint: ENDPOINT, createdAt: '' }];
    mockFetch(() => json(200, { subscriptions: listed }));
    const store = makeStore();
    await store.dispatch(loadPushStatus());
    expect(store.getState().push.status).toBe('on');

    // After a sign-out the server forgot it: off until the user turns it on again.
    listed = [];
    await store.dispatch(loadPushStatus());
    expect(store.getState().push.status).toBe('off');
  });

  it('knows when the browser cannot, or the user refused', async () => {
    const store = makeStore();
    browser.notificationPermission.mockReturnValue('denied');
    await store.dispatch(loadPushStatus());
    expect(store.getState().push.status).toBe('blocked');
    browser.pushSupported.mockReturnValue(false);
    await store.dispatch(loadPushStatus());
    expect(store.getState().push.status).toBe('unsupported');
  });
});

describe('disabling push', () => {
  it('deletes the server’s subscription, then the browser’s', async () => {
    const subscription = fakeSubscription();
    browser.currentSubscription.mockResolvedValue(subscription);
    const server = mockFetch((request) =>
      request.method === 'GET'
        ? json(200, { subscriptions: [{ id: 's1', endpoint: ENDPOINT, createdAt: '' }] })
        : noContent(),
    );
    const store = makeStore();

    await store.dispatch(disablePush());

    expect(server.paths()).toEqual([
      'GET /api/notifications/push/subscriptions',
      'DELETE /api/notifications/push/subscriptions/s1',
    ]);
    expect(subscription.unsubscribe).toHaveBeenCalled();
    expect(store.getState().push.status).toBe('off');
  });
});

describe('mutes', () => {
  it('mutes for a while or until unmuted, and unmutes', async () => {
    const server = mockFetch(() => noContent());
    const store = makeStore();
    const before = Date.now();

    await store.dispatch(muteConversation({ conversationId: 'c1', duration: '1h' }));
    await store.dispatch(muteConversation({ conversationId: 'c2', duration: 'forever' }));

    const until = (server.calls[0]?.body as { until: string }).until;
    expect(Date.parse(until) - before).toBeGreaterThanOrEqual(60 * 60 * 1000);
    expect(Date.parse(until) - before).toBeLessThan(61 * 60 * 1000);
    expect(server.calls[1]?.body).toEqual({ until: null });
    expect(server.paths()).toEqual(['PUT /api/notifications/mutes/c1', 'PUT /api/notifications/mutes/c2']);
    expect(store.getState().push.mutes).toEqual({ c1: until, c2: null });

    await store.dispatch(unmuteConversation('c2'));
    expect(server.paths()[2]).toBe('DELETE /api/notifications/mutes/c2');
    expect(store.getState().push.mutes).toEqual({ c1: until });
  });

  it('tells when a mute is in force', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    expect(muteInForce(undefined, now)).toBe(false);
    expect(muteInForce(null, now)).toBe(true);
    expect(muteInForce('2026-01-01T13:00:00Z', now)).toBe(true);
    expect(muteInForce('2026-01-01T11:00:00Z', now)).toBe(false);
  });

  it('keeps the bell’s count when a muted conversation is read', async () => {
    mockFetch((request) =>
      request.path === '/api/notifications/mutes'
        ? json(200, { mutes: [{ conversationId: 'muted', until: null }] })
        : noContent(),
    );
    const store = makeStore();
    await store.dispatch(fetchMutes());
    const base = {
      type: 'message',
      messageId: 'm',
      senderId: 'u',
      senderUsername: 'ann',
      preview: 'hi',
      createdAt: '2026-01-01T00:00:00Z',
      readAt: null,
    };
    // Both held in the bell's list, however they got there.
    store.dispatch(notificationReceived({ notification: { ...base, id: 'loud', conversationId: 'loud' } }));
    store.dispatch(
      notificationReceived({ notification: { ...base, id: 'quiet', conversationId: 'muted' } }),
    );
    const counted = store.getState().notifications.unreadCount;

    await store.dispatch(markNotificationsRead({ ids: ['quiet'] }));
    expect(store.getState().notifications.unreadCount).toBe(counted);
    await store.dispatch(markNotificationsRead({ ids: ['loud'] }));
    expect(store.getState().notifications.unreadCount).toBe(counted - 1);
  });
});
