import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { aliceUser, apiError, json, mockFetch } from '../test/fetchMock';
import { renderWithProviders } from '../test/render';
import { App } from './App';
import { safeReturnPath } from './guards';

describe('App routing', () => {
  it('sends a visitor without a session from / to the sign-in form', async () => {
    mockFetch(() => apiError(401, 'unauthorized', 'Not signed in.'));
    renderWithProviders(<App />, { path: '/' });
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByLabelText('Email or username')).toBeTruthy();
  });

  it('shows the directory to a signed-in user', async () => {
    mockFetch(({ path }) => {
      if (path === '/api/users') {
        return json(200, {
          users: [{ id: 'u-bob', username: 'bob', status: 'online', lastSeenAt: null }],
          nextCursor: null,
        });
      }
      if (path === '/api/messages/conversations') return json(200, { conversations: [], nextCursor: null });
      if (path === '/api/notifications') return json(200, { notifications: [], nextCursor: null, unreadCount: 0 });
      return json(200, { user: aliceUser });
    });
    renderWithProviders(<App />, { path: '/' });
    expect(await screen.findByText('bob')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Welcome, alice' })).toBeTruthy();
    expect(screen.getByText('1 online')).toBeTruthy();
  });
});

describe('safeReturnPath', () => {
  it('only returns same-site paths outside the auth pages', () => {
    expect(safeReturnPath({ from: '/status' })).toBe('/status');
    expect(safeReturnPath({ from: '//evil.example' })).toBe('/');
    expect(safeReturnPath({ from: 'https://evil.example' })).toBe('/');
    expect(safeReturnPath({ from: '/signin' })).toBe('/');
    expect(safeReturnPath(null)).toBe('/');
  });
});
