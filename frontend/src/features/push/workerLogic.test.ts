import { describe, expect, it } from 'vitest';
import {
  OPEN_MESSAGE,
  alreadyShown,
  appHasFocus,
  conversationPath,
  notificationDisplay,
  openRequest,
  parsePush,
  windowForClick,
  type PushedNotification,
} from './workerLogic';

const notification: PushedNotification = {
  id: 'n1',
  type: 'message',
  conversationId: 'c1',
  messageId: 'm1',
  senderId: 'u-ann',
  senderUsername: 'ann',
  preview: 'lunch?',
  createdAt: '2026-12-01T12:00:00.000Z',
  readAt: null,
};

const ORIGIN = 'https://chat.example';

describe('parsePush', () => {
  it('reads the notification frame', () => {
    expect(parsePush({ type: 'notification', notification })).toEqual(notification);
  });

  it('refuses anything else', () => {
    for (const json of [null, 'text', 42, {}, { type: 'presence' }, { type: 'notification' }, {
      type: 'notification',
      notification: { ...notification, senderId: 7 },
    }]) {
      expect(parsePush(json)).toBeNull();
    }
  });
});

describe('notificationDisplay', () => {
  it('shows who wrote what, one per conversation, and where a click goes', () => {
    const display = notificationDisplay(notification);
    expect(display.title).toBe('ann');
    expect(display.options.body).toBe('lunch?');
    expect(display.options.tag).toBe('conversation:c1');
    expect(display.options.data).toEqual({ notificationId: 'n1', conversationId: 'c1', path: '/chat/u-ann' });
    expect(display.options.timestamp).toBe(Date.parse(notification.createdAt));
  });

  it('names the group when there is one', () => {
    const display = notificationDisplay({ ...notification, conversationKind: 'group', conversationName: 'Team' });
    expect(display.title).toBe('ann in Team');
  });

  it('never shows an empty title', () => {
    expect(notificationDisplay({ ...notification, senderUsername: '' }).title).toBe('Someone');
  });

  it('opens a group by its conversation, not by the sender', () => {
    const group = { ...notification, conversationKind: 'group' as const, conversationName: 'Team' };
    expect(conversationPath(group)).toBe('/group/c1');
    expect(notificationDisplay(group).options.data.path).toBe('/group/c1');
    expect(conversationPath({ ...notification, conversationKind: 'direct' })).toBe('/chat/u-ann');
    expect(conversationPath({ ...notification, conversationKind: null })).toBe('/chat/u-ann');
    expect(conversationPath({ ...group, conversationId: '../x?y' })).toBe('/group/..%2Fx%3Fy');
  });

  it('keeps ids in the path from escaping it', () => {
    expect(conversationPath({ ...notification, senderId: '../x?y' })).toBe('/chat/..%2Fx%3Fy');
  });
});

describe('appHasFocus', () => {
  it('is true only for a focused, visible window', () => {
    expect(appHasFocus([])).toBe(false);
    expect(appHasFocus([{ url: `${ORIGIN}/`, focused: false, visibilityState: 'visible' }])).toBe(false);
    expect(appHasFocus([{ url: `${ORIGIN}/`, focused: true, visibilityState: 'hidden' }])).toBe(false);
    expect(appHasFocus([{ url: `${ORIGIN}/`, focused: true, visibilityState: 'visible' }])).toBe(true);
  });
});

describe('alreadyShown', () => {
  it('finds the same notification among those on screen', () => {
    const shown = [{ data: { notificationId: 'n0' } }, { data: undefined }];
    expect(alreadyShown(shown, 'n1')).toBe(false);
    expect(alreadyShown([...shown, { data: { notificationId: 'n1' } }], 'n1')).toBe(true);
  });
});

describe('windowForClick', () => {
  const at = (path: string, focused = false, visibilityState = 'hidden') => ({
    url: `${ORIGIN}${path}`,
    focused,
    visibilityState,
  });

  it('prefers the window already showing the conversation', () => {
    const windows = [at('/', true, 'visible'), at('/chat/u-ann')];
    expect(windowForClick(windows, '/chat/u-ann', ORIGIN)).toEqual({ window: windows[1], navigate: false });
  });

  it('otherwise sends an app window there, the focused or visible one first', () => {
    const windows = [at('/status'), at('/', false, 'visible')];
    expect(windowForClick(windows, '/chat/u-ann', ORIGIN)).toEqual({ window: windows[1], navigate: true });
  });

  it('opens a new window when the app has none', () => {
    expect(windowForClick([], '/chat/u-ann', ORIGIN)).toBeNull();
    expect(windowForClick([{ url: 'https://other.example/', focused: true, visibilityState: 'visible' }], '/chat/u-ann', ORIGIN)).toBeNull();
  });
});

describe('openRequest', () => {
  it('accepts only the app’s own chat paths', () => {
    expect(openRequest({ type: OPEN_MESSAGE, path: '/chat/u-ann' })).toBe('/chat/u-ann');
    expect(openRequest({ type: OPEN_MESSAGE, path: '/group/c1' })).toBe('/group/c1');
    for (const message of [
      null,
      { type: 'other', path: '/chat/u' },
      { type: OPEN_MESSAGE, path: 'https://evil.example/' },
      { type: OPEN_MESSAGE, path: '//evil.example/chat/x' },
      { type: OPEN_MESSAGE, path: '/chat/a/b' },
      { type: OPEN_MESSAGE, path: '/group/a/b' },
      { type: OPEN_MESSAGE, path: '/settings/x' },
    ]) {
      expect(openRequest(message)).toBeNull();
    }
  });
});
