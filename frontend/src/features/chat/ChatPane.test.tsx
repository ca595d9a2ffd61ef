import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../api/types';
import { App } from '../../app/App';
import { ALICE, BOB, CONV_AB, conversation, message, mine } from '../../test/chatFixtures';
import { aliceUser, json, mockFetch } from '../../test/fetchMock';
import { renderWithProviders } from '../../test/render';
import { voteIntentsDropped } from '../messages/messagesSlice';
import { offlineChatGateway, type ChatGateway } from '../realtime/chatGateway';
import { socketStatusChanged } from '../realtime/connectionSlice';
import { messageAcked, typingReceived, votesChanged } from '../../events/chatEvents';

const bob = { id: BOB, username: 'bob', status: 'online', lastSeenAt: null };

function serve(history: ChatMessage[], conversations = [conversation({ lastMessage: history.at(-1) ?? null })]) {
  return mockFetch(({ path }) => {
    if (path === '/api/auth/session') return json(200, { user: aliceUser, refreshable: false });
    if (path === '/api/users') return json(200, { users: [bob], nextCursor: null });
    if (path === `/api/users/${BOB}`) return json(200, bob);
    if (path === '/api/messages/conversations') return json(200, { conversations, nextCursor: null });
    if (path === `/api/messages/with/${BOB}`) return json(200, { messages: history, hasMore: false });
    if (path === '/api/notifications') return json(200, { notifications: [], nextCursor: null, unreadCount: 0 });
    throw new Error(`unexpected ${path}`);
  });
}

async function openChat(
  history: ChatMessage[],
  conversations?: Parameters<typeof serve>[1],
  chat: ChatGateway = offlineChatGateway,
) {
  const fetch = serve(history, conversations);
  const rendered = renderWithProviders(<App />, {
    path: `/chat/${BOB}`,
    chat,
    preloadedState: { connection: { chat: 'open', notifications: 'open' } },
  });
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

describe('votes on messages', () => {
  const voteButtons = (bubble: HTMLElement) => ({
    up: within(bubble).getByTestId('vote-up'),
    down: within(bubble).getByTestId('vote-down'),
  });

  function votingGateway() {
    const votes: [string, string][] = [];
    const chat: ChatGateway = {
      ...offlineChatGateway,
      vote: (messageId, vote) => {
        votes.push([messageId, vote]);
        return true;
      },
    };
    return { chat, votes };
  }

  it('shows each message’s counts from history, our own vote pressed, named with its count', async () => {
    const { log } = await openChat([
      message(1, { votes: { up: 3, down: 1, mine: 'up' } }),
      mine(2, { votes: { up: 0, down: 2, mine: null } }),
    ]);
    await within(log).findByText('message 2');
    const [first, second] = within(log).getAllByTestId('message') as [HTMLElement, HTMLElement];
    const one = voteButtons(first);
    expect(one.up.getAttribute('aria-label')).toBe('Upvote (3)');
    expect(one.down.getAttribute('aria-label')).toBe('Downvote (1)');
    expect(one.up.getAttribute('aria-pressed')).toBe('true');
    expect(one.down.getAttribute('aria-pressed')).toBe('false');
    expect(one.up.textContent).toBe('3');
    expect(one.up.className).toContain('vote--pressed');
    expect(within(first).getByRole('button', { name: 'Upvote (3)', pressed: true })).toBe(one.up);

    const two = voteButtons(second);
    expect(two.down.getAttribute('aria-label')).toBe('Downvote (2)');
    expect(two.up.getAttribute('aria-pressed')).toBe('false');
    expect(two.down.getAttribute('aria-pressed')).toBe('false');
    expect((two.up as HTMLButtonElement).disabled).toBe(false);
  });

  it('sends a click as message.vote, shows it at once, and follows the server’s counts', async () => {
    const { chat, votes } = votingGateway();
    const { log, store } = await openChat([message(1)], undefined, chat);
    const bubble = await within(log).findByTestId('message');
    fireEvent.click(voteButtons(bubble).up);
    expect(votes).toEqual([[message(1).id, 'up']]);
    await waitFor(() => expect(voteButtons(bubble).up.getAttribute('aria-label')).toBe('Upvote (1)'));
    expect(voteButtons(bubble).up.getAttribute('aria-pressed')).toBe('true');

    // The server's answer, then the peer's downvote (our own vote stays).
    store.dispatch(votesChanged({ conversationId: CONV_AB, messageId: message(1).id, up: 1, down: 0, mine: 'up' }));
    store.dispatch(votesChanged({ conversationId: CONV_AB, messageId: message(1).id, up: 1, down: 1, mine: 'up' }));
    await waitFor(() => expect(voteButtons(bubble).down.getAttribute('aria-label')).toBe('Downvote (1)'));
    expect(voteButtons(bubble).down.getAttribute('aria-pressed')).toBe('false');
    expect(voteButtons(bubble).up.getAttribute('aria-pressed')).toBe('true');

    // Switching: the down button is pressed at once, the up count drops.
    fireEvent.click(voteButtons(bubble).down);
    expect(votes.at(-1)).toEqual([message(1).id, 'down']);
    await waitFor(() => expect(voteButtons(bubble).down.getAttribute('aria-label')).toBe('Downvote (2)'));
    expect(voteButtons(bubble).down.getAttribute('aria-pressed')).toBe('true');
    expect(voteButtons(bubble).up.getAttribute('aria-label')).toBe('Upvote (0)');
  });

  it('falls back to the server’s counts and says so when a vote is not counted', async () => {
    const { chat } = votingGateway();
    const { log, store } = await openChat([message(1, { votes: { up: 2, down: 0, mine: null } })], undefined, chat);
    const bubble = await within(log).findByTestId('message');
    fireEvent.click(voteButtons(bubble).down);
    await waitFor(() => expect(voteButtons(bubble).down.getAttribute('aria-pressed')).toBe('true'));
    store.dispatch(voteIntentsDropped({ messageIds: [message(1).id], error: 'Too many votes at once.' }));
    await waitFor(() => expect(voteButtons(bubble).down.getAttribute('aria-pressed')).toBe('false'));
    expect(voteButtons(bubble).down.getAttribute('aria-label')).toBe('Downvote (0)');
    expect(within(bubble).getByRole('status').textContent).toBe('Too many votes at once.');
  });

  it('cannot vote on a message that is not stored yet, nor while the connection is down', async () => {
    const { chat, votes } = votingGateway();
    const { log, store } = await openChat([message(1)], undefined, chat);
    await within(log).findByTestId('message');
    const input = screen.getByLabelText('Message to bob');
    fireEvent.change(input, { target: { value: 'not yet stored' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await within(log).findByText('not yet stored');
    const [stored, pending] = within(log).getAllByTestId('message') as [HTMLElement, HTMLElement];
    expect(pending.getAttribute('data-status')).toBe('pending');
    const pendingButtons = voteButtons(pending);
    expect((pendingButtons.up as HTMLButtonElement).disabled).toBe(true);
    expect((pendingButtons.down as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(pendingButtons.up);

    store.dispatch(socketStatusChanged({ socket: 'chat', status: 'reconnecting' }));
    await waitFor(() => expect((voteButtons(stored).up as HTMLButtonElement).disabled).toBe(true));
    fireEvent.click(voteButtons(stored).up);
    expect(votes).toEqual([]);
  });
});
