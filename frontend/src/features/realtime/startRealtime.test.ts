import { describe, expect, it, vi } from 'vitest';
import { makeStore } from '../../app/store';
import { aliceUser, mockFetch, noContent } from '../../test/fetchMock';
import { loadCurrentUser, sessionEnded, signOut } from '../auth/authSlice';
import { startRealtime } from './startRealtime';

function fakeClient() {
  return { attach: vi.fn(), start: vi.fn(), stop: vi.fn() };
}

describe('startRealtime', () => {
  it('runs the sockets exactly while someone is signed in', async () => {
    const store = makeStore();
    const chat = fakeClient();
    const notifications = fakeClient();
    startRealtime(store, { chat, notifications });
    expect(chat.start).not.toHaveBeenCalled();

    store.dispatch(loadCurrentUser.fulfilled(aliceUser, 'r'));
    expect(chat.start).toHaveBeenCalledOnce();
    expect(notifications.start).toHaveBeenCalledOnce();

    store.dispatch(sessionEnded());
    expect(chat.stop).toHaveBeenCalledOnce();
    expect(notifications.stop).toHaveBeenCalledOnce();
  });

  it('stops as soon as a sign-out starts, so the server’s 4001 is not mistaken for expiry', async () => {
    let finish: (response: Response) => void = () => {};
    mockFetch(() => new Promise<Response>((resolve) => (finish = resolve)));
    const store = makeStore();
    const chat = fakeClient();
    startRealtime(store, { chat, notifications: fakeClient() });
    store.dispatch(loadCurrentUser.fulfilled(aliceUser, 'r'));
    const signingOut = store.dispatch(signOut());
    expect(chat.stop).toHaveBeenCalledOnce();
    finish(noContent());
    await signingOut;
    expect(chat.start).toHaveBeenCalledOnce();
  });
});
