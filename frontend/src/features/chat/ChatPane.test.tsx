import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../api/types';
import { App } from '../../app/App';
import { ALICE, BOB, CONV_AB, conversation, message, mine } from '../../test/chatFixtures';
import { aliceUser, json, mockFetch } from '../../test/fetchMock';
import { renderWithProviders } from '../../test/render';
import { messageAcked, typingReceived } from './chatEvents';

const bob = { id: BOB, username: 'bob', status: 'online', lastSeenAt: null };

function serve(history: ChatMessage[], conversations = [conversation({ lastMessage: history.at(-1) ?? null })]) {
  return mockFetch(({ path }) => {
    if (path === '/api/auth/currentuser') return json(200, { user: aliceUser });
    if (path === '/api/users') return json(200, { users: [bob], nextCursor: null });
    if (path === `/api/users/${BOB}`) return json(200, bob);
    if (path === '/api/messages/conversations') return json(200, { conversations, nextCursor: null });
    if (path === `/api/messages/with/${BOB}`) return json(200, { messages: history, hasMore: false });
    if (path === '/api/notifications') return json(200, { notifications: [], nextCursor: null, unreadCount: 0 });
    throw new Error(`unexpected ${path}`);
  });
}

async function openChat(history: ChatMessage[], conversations?: Parameters<typeof serve>[1]) {
  const fetch = serve(history, conversations);
  const rendered = renderWithProviders(<App />, { path: `/chat/${BOB}` });
  const log = await screen.findByRole('log', { name: 'Messages with bob' });
  return { ...rendered, fetch, log };
}

describe('the chat pane', () => {
  it('shows the history with our messages’ status, as plain text', async () => {
    const hostile = '<b>bold</b><script>alert(1)</script>';
    const { log } = await openChat(
      [message(1, { content: hostile }), mine(2, { content: 'read one' }), mine(3, { content: 'sent one' })],
      [conversation({ peerLastReadSeq: 2, lastMessage: mine(3) })],
    );
    await within(log).findByText(hostile);
    const bubbles = within(log).getAllByTestId('message');
    expect(bubbles.map((b) => b.getAttribute('data-status'))).toEqual([null, 'read', 'sent']);
    expect(log.querySelector('b, script')).toBeNull();
    expect(within(bubbles[0] as HTMLElement).getByTestId('message-text').textContent).toBe(hostile);
  });

  it('sends with Enter (pending at once), keeps Shift+Enter for new lines, and becomes sent on ack', async () => {
    const { log, store } = await openChat([]);
    const input = screen.getByLabelText('Message to bob');
    await waitFor(() => expect(document.activeElement).toBe(input));
    fireEvent.change(input, { target: { value: 'line one' } });
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(within(log).queryAllByTestId('message')).toHaveLength(0);

    fireEvent.change(input, { target: { value: 'hello\nthere' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    const bubble = await within(log).findByTestId('message');
    expect(bubble.getAttribute('data-status')).toBe('pending');
    expect((input as HTMLTextAreaElement).value).toBe('');

    const clientMsgId = bubble.getAttribute('data-client-msg-id') as string;
    store.dispatch(messageAcked({ message: mine(1, { content: 'hello\nthere' }), clientMsgId, selfId: ALICE }));
    await waitFor(() => expect(within(log).getByTestId('message').getAttribute('data-status')).toBe('sent'));
    expect(within(log).getByTestId('message').getAttribute('data-client-msg-id')).toBe(clientMsgId);
  });

  it('shows the 4,000-character limit and refuses to send past it', async () => {
    const { log } = await openChat([]);
    const input = screen.getByLabelText('Message to bob');
    fireEvent.change(input, { target: { value: 'x'.repeat(4001) } });
    expect(screen.getByText(/4,001 \/ 4,000/)).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(within(log).queryAllByTestId('message')).toHaveLength(0);
  });

  it('says when the peer is typing', async () => {
    const { store } = await openChat([message(1)]);
    store.dispatch(typingReceived({ conversationId: CONV_AB, userId: BOB, receivedAt: Date.now() }));
    expect(await screen.findByText('bob is typing…')).toBeTruthy();
  });

  it('lists the conversation with its unread badge', async () => {
    await openChat([message(1)], [conversation({ lastMessage: message(1, { content: 'hey' }), unreadCount: 2 })]);
    const list = await screen.findByRole('listbox', { name: 'Conversations' });
    const option = within(list).getByRole('option');
    expect(option.textContent).toContain('hey');
    expect(within(option).getByTestId('unread-badge').textContent).toContain('2');
    expect(option.getAttribute('aria-selected')).toBe('true');
  });
});
