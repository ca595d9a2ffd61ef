import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import { BOB, CONV_AB, conversation, message } from '../../test/chatFixtures';
import { aliceUser, apiError, json, mockFetch } from '../../test/fetchMock';
import { renderWithProviders } from '../../test/render';
import { openThreadAt } from '../messages/messagesSlice';
import { jumpRequested } from './searchSlice';
import type { SearchResult } from './types';

const bob = { id: BOB, username: 'bob', status: 'online', lastSeenAt: null };
const history = Array.from({ length: 60 }, (_, i) => message(i + 1, { content: `message ${i + 1}` }));

function serve(results: SearchResult[] | 'refused') {
  return mockFetch(({ path, search }) => {
    if (path === '/api/auth/session') return json(200, { user: aliceUser, refreshable: false });
    if (path === '/api/users') return json(200, { users: [bob], nextCursor: null });
    if (path === `/api/users/${BOB}`) return json(200, bob);
    if (path === '/api/messages/conversations') {
      return json(200, { conversations: [conversation({ lastMessage: history.at(-1) ?? null })], nextCursor: null });
    }
    if (path === '/api/notifications') return json(200, { notifications: [], nextCursor: null, unreadCount: 0 });
    if (path === '/api/messages/search') {
      if (results === 'refused') {
        return apiError(400, 'invalid_field', 'Invalid fields.', { q: 'Search for at least one word.' });
      }
      return json(200, { results, nextCursor: null });
    }
    if (path === `/api/messages/conversations/${CONV_AB}/messages`) {
      const at = Number(search.get('around'));
      const page = history.filter((m) => m.seq >= at - 5 && m.seq < at + 5);
      return json(200, { messages: page, hasMore: true, hasMoreBefore: true, hasMoreAfter: true });
    }
    if (path === `/api/messages/with/${BOB}`) {
      const after = Number(search.get('after') ?? 0);
      return json(200, { messages: history.filter((m) => m.seq > after), hasMore: false });
    }
    throw new Error(`unexpected ${path}`);
  });
}

const hit = (seq: number, highlights: [number, number][]): SearchResult => ({
  message: history[seq - 1] ?? message(seq),
  conversation: { id: CONV_AB, kind: 'direct', name: null, peer: { id: BOB, username: 'bob' } },
  highlights,
});

async function openSearch() {
  await screen.findByRole('button', { name: /search/i });
  fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
  return screen.findByRole('dialog', { name: 'Search messages' });
}

// The dialogs' code loads on first use (`onDemand`); loaded here first, so the waits below time
// the UI, not the test runner's first transform of those modules.
beforeAll(() => import('./SearchDialog'));

describe('the search dialog', () => {
  it('opens with Ctrl+K, marks the matches, and opens the chat at the chosen message', async () => {
    const fetch = serve([hit(12, [[0, 7]]), hit(7, [[0, 7]])]);
    const { store } = renderWithProviders(<App />, {
      path: '/',
      preloadedState: { connection: { chat: 'open', notifications: 'open' } },
    });
    const dialog = await openSearch();
    const input = within(dialog).getByRole('combobox', { name: 'Search messages' });
    expect(document.activeElement).toBe(input);
    fireEvent.change(input, { target: { value: 'message' } });

    const results = await within(dialog).findAllByRole('option');
    expect(results).toHaveLength(2);
    expect(within(dialog).getByRole('group', { name: 'bob' })).toBeTruthy();
    expect(results[0]?.querySelector('mark')?.textContent).toBe('message');
    expect(results[0]?.getAttribute('aria-selected')).toBe('true');
    expect(fetch.calls.find((c) => c.path === '/api/messages/search')?.search.get('q')).toBe('message');

    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(results[1]?.getAttribute('aria-selected')).toBe('true');
    expect(input.getAttribute('aria-activedescendant')).toBe(results[1]?.id);
    fireEvent.keyDown(input, { key: 'Enter' });

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const log = await screen.findByRole('log', { name: 'Messages with bob' });
    const target = await within(log).findByTestId('jump-target');
    expect(target.textContent).toContain('message 7');
    const around = fetch.calls.find((c) => c.path === `/api/messages/conversations/${CONV_AB}/messages`);
    expect(around?.search.get('around')).toBe('7');
    expect(store.getState().search.jump?.seq).toBe(7);
  });

  it('says when nothing matches, shows a refusal, and closes with Escape', async () => {
    serve([]);
    renderWithProviders(<App />, { path: '/' });
    let dialog = await openSearch();
    fireEvent.change(within(dialog).getByRole('combobox'), { target: { value: 'zebra' } });
    expect(await within(dialog).findByText('No messages match “zebra”.')).toBeTruthy();
    fireEvent.keyDown(within(dialog).getByRole('combobox'), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    serve('refused');
    fireEvent.click(screen.getByRole('button', { name: /search/i }));
    dialog = await screen.findByRole('dialog', { name: 'Search messages' });
    fireEvent.change(within(dialog).getByRole('combobox'), { target: { value: '-' } });
    expect(await within(dialog).findByText(/Search for at least one word\./)).toBeTruthy();
  });

  it('a chat that opens on a jump it already holds still offers the way to the newest message', async () => {
    // A slow page: the page around the hit and the newer ones are in before the chat mounts, so
    // the list scrolls to the hit in its first render and reports "not at the end" at once.
    serve([]);
    const { store } = renderWithProviders(<App />, {
      path: '/',
      preloadedState: { connection: { chat: 'open', notifications: 'open' } },
    });
    const chats = await screen.findByRole('listbox', { name: 'Conversations' });
    const target = history[6];
    store.dispatch(jumpRequested({ conversationId: CONV_AB, peerId: BOB, messageId: target?.id ?? '', seq: 7 }));
    await store.dispatch(openThreadAt({ peerId: BOB, conversationId: CONV_AB, seq: 7 }));
    fireEvent.click(await within(chats).findByRole('option'));

    const log = await screen.findByRole('log', { name: 'Messages with bob' });
    expect((await within(log).findByTestId('jump-target')).textContent).toContain('message 7');
    expect(await screen.findByRole('button', { name: 'Jump to latest ↓' })).toBeTruthy();
  });
});
