import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, noContent } from '../../test/fetchMock';
import { renderWithProviders } from '../../test/render';
import { MuteMenu } from './MuteMenu';
import { PushSettingsMenu } from './PushSettingsMenu';

const browser = vi.hoisted(() => ({
  pushSupported: vi.fn(() => true),
  notificationPermission: vi.fn((): NotificationPermission => 'default'),
  requestNotificationPermission: vi.fn(async (): Promise<NotificationPermission> => 'denied'),
  currentSubscription: vi.fn(async (): Promise<PushSubscription | null> => null),
  subscribe: vi.fn(),
  registerServiceWorker: vi.fn(),
}));
vi.mock('./browserPush', () => browser);

beforeEach(() => {
  browser.requestNotificationPermission.mockClear();
});

function openMenu(name: string) {
  fireEvent.click(screen.getByRole('button', { name }));
  return screen.getByRole('menu', { name });
}

describe('the settings menu', () => {
  it('asks for permission only when "Enable notifications" is chosen', async () => {
    mockFetch((request) =>
      request.path === '/api/notifications/mutes' ? json(200, { mutes: [] }) : json(200, { subscriptions: [] }),
    );
    renderWithProviders(<PushSettingsMenu />);
    const menu = openMenu('Settings');
    const enable = await within(menu).findByRole('menuitem', { name: 'Enable notifications' });
    expect(document.activeElement).toBe(enable);
    expect(browser.requestNotificationPermission).not.toHaveBeenCalled();

    fireEvent.click(enable);
    await waitFor(() => expect(browser.requestNotificationPermission).toHaveBeenCalledTimes(1));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Settings' }));
    const reopened = openMenu('Settings');
    expect(await within(reopened).findByRole('menuitem', { name: 'Notifications are blocked' })).toBeTruthy();
  });

  it('closes on Escape and gives focus back', async () => {
    mockFetch(() => json(200, { mutes: [], subscriptions: [] }));
    renderWithProviders(<PushSettingsMenu />);
    const menu = openMenu('Settings');
    fireEvent.keyDown(menu, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Settings' }));
  });
});

describe('the conversation menu', () => {
  it('mutes for a while, shows it, and unmutes', async () => {
    const server = mockFetch((request) =>
      request.path === '/api/notifications' ? json(200, { notifications: [], nextCursor: null, unreadCount: 0 }) : noContent(),
    );
    renderWithProviders(<MuteMenu conversationId="c1" />);
    let menu = openMenu('Conversation options');
    const items = within(menu).getAllByRole('menuitem').map((item) => item.textContent);
    expect(items).toEqual(['Mute for 1 hour', 'Mute for 8 hours', 'Mute until I unmute']);

    fireEvent.click(within(menu).getByRole('menuitem', { name: 'Mute for 8 hours' }));
    expect(await screen.findByTestId('muted-state')).toBeTruthy();
    expect(screen.getByTestId('muted-state').textContent).toMatch(/^Muted until /);
    expect(server.paths()).toContain('PUT /api/notifications/mutes/c1');
    // The bell's count is asked again: muted conversations are left out of it.
    await waitFor(() => expect(server.paths()).toContain('GET /api/notifications'));

    menu = openMenu('Conversation options');
    fireEvent.click(within(menu).getByRole('menuitem', { name: 'Unmute' }));
    await waitFor(() => expect(screen.queryByTestId('muted-state')).toBeNull());
    expect(server.paths()).toContain('DELETE /api/notifications/mutes/c1');
  });

  it('moves between items with the arrow keys', () => {
    mockFetch(() => noContent());
    renderWithProviders(<MuteMenu conversationId="c1" />);
    const menu = openMenu('Conversation options');
    const [first, second, third] = within(menu).getAllByRole('menuitem');
    expect(document.activeElement).toBe(first);
    fireEvent.keyDown(menu, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(second);
    fireEvent.keyDown(menu, { key: 'End' });
    expect(document.activeElement).toBe(third);
    fireEvent.keyDown(menu, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(first);
  });
});
