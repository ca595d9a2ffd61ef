import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../api/types';
import { App } from '../../app/App';
import { ALICE, BOB, conversation, message, mine } from '../../test/chatFixtures';
import { aliceUser, json, mockFetch } from '../../test/fetchMock';
import { renderWithProviders } from '../../test/render';
import { messageUpdated } from '../../events/chatEvents';
import { offlineChatGateway, type ChatGateway } from '../realtime/chatGateway';
import type { LifecycleCommandFrame } from '../realtime/frames';
import type { OutgoingMessage } from '../realtime/Outbox';
import { filterEmoji } from './EmojiPicker';

const bob = { id: BOB, username: 'bob', status: 'online', lastSeenAt: null };

function recordingChat() {
  const frames: LifecycleCommandFrame[] = [];
  const sends: OutgoingMessage[] = [];
  const chat: ChatGateway = {
    ...offlineChatGateway,
    send: (m) => sends.push(m),
    lifecycle: (frame) => {
      frames.push(frame);
      return true;
    },
  };
  return { chat, frames, sends };
}

async function openChat(history: ChatMessage[], chat: ChatGateway) {
  mockFetch(({ path }) => {
    if (path === '/api/auth/session') return json(200, { user: aliceUser, refreshable: false });
    if (path === '/api/users') return json(200, { users: [bob], nextCursor: null });
    if (path === `/api/users/${BOB}`) return json(200, bob);
    if (path === '/api/messages/conversations') {
      return json(200, { conversations: [conversation({ lastMessage: history.at(-1) ?? null })], nextCursor: null });
    }
    if (path === `/api/messages/with/${BOB}`) return json(200, { messages: history, hasMore: false });
    if (path === '/api/notifications') return json(200, { notifications: [], nextCursor: null, unreadCount: 0 });
    if (path.endsWith('/reactions')) {
      return json(200, {
        reactions: [
          {
            emoji: '👍',
            count: 2,
            mine: true,
            users: [
              { id: BOB, username: 'bob' },
              { id: ALICE, username: 'alice' },
            ],
          },
        ],
      });
    }
    if (path.endsWith('/revisions')) {
      return json(200, { revisions: [{ content: 'first words', editedAt: null }] });
    }
    throw new Error(`unexpected ${path}`);
  });
  const rendered = renderWithProviders(<App />, {
    path: `/chat/${BOB}`,
    chat,
    preloadedState: { connection: { chat: 'open', notifications: 'open' } },
  });
  const log = await screen.findByRole('log', { name: 'Messages with bob' });
  await within(log).findAllByTestId('message');
  return { ...rendered, log };
}

const bubbleAt = (log: HTMLElement, seq: number) => log.querySelector(`[data-seq="${seq}"]`) as HTMLElement;

function choose(bubble: HTMLElement, item: string) {
  fireEvent.click(within(bubble).getByRole('button', { name: 'Message actions' }));
  fireEvent.click(screen.getByRole('menuitem', { name: item }));
}

// The dialogs' code loads on first use (`onDemand`); loaded here first, so the waits below time
// the UI, not the test runner's first transform of those modules.
beforeAll(() => Promise.all([import('./EmojiPicker'), import('./RevisionsDialog'), import('./Dialog')]));

describe('the lifecycle in the chat', () => {
  it('shows a tombstone, the edited mark, the quote and the reactions of held messages', async () => {
    const { chat } = recordingChat();
    const { log } = await openChat(
      [
        message(1, { rev: 1, content: '', deletedAt: '2025-01-01T13:00:00Z' }),
        message(2, { rev: 2, content: 'now better', editedAt: '2025-01-01T13:00:01Z' }),
        mine(3, {
          rev: 3,
          content: 'agreed',
          replyTo: { id: message(2).id, seq: 2, senderId: BOB, preview: 'now better' },
          reactions: [
            { emoji: '👍', count: 2, mine: true },
            { emoji: '🎉', count: 1, mine: false },
          ],
        }),
      ],
      chat,
    );
    expect(within(bubbleAt(log, 1)).getByTestId('message-tombstone').textContent).toBe('This message was deleted');
    expect(within(bubbleAt(log, 1)).queryByRole('group', { name: 'Votes' })).toBeNull();
    expect(within(bubbleAt(log, 1)).queryByRole('button', { name: 'Message actions' })).toBeNull();
    expect(within(bubbleAt(log, 2)).getByRole('button', { name: 'Edited: show the edit history' })).toBeTruthy();
    expect(within(bubbleAt(log, 3)).getByTestId('reply-quote').textContent).toContain('now better');
    const chips = within(bubbleAt(log, 3)).getAllByTestId('reaction');
    expect(chips.map((c) => [c.textContent, c.getAttribute('aria-pressed')])).toEqual([
      ['👍2', 'true'],
      ['🎉1', 'false'],
    ]);
    expect(chips[0]?.getAttribute('aria-label')).toMatch(/2 reactions, including yours/);
  });

  it('follows a message.updated: an edit of the original shows in the quote, a delete becomes a tombstone', async () => {
    const { chat } = recordingChat();
    const original = message(1, { rev: 1, content: 'original' });
    const { log, store } = await openChat(
      [original, mine(2, { rev: 2, content: 'reply', replyTo: { id: original.id, seq: 1, senderId: BOB, preview: 'original' } })],
      chat,
    );
    store.dispatch(messageUpdated({ message: { ...original, rev: 3, content: 'changed', editedAt: 'x' }, selfId: ALICE }));
    await waitFor(() => expect(within(bubbleAt(log, 2)).getByTestId('reply-quote').textContent).toContain('changed'));
    store.dispatch(messageUpdated({ message: { ...original, rev: 4, content: '', deletedAt: 'y' }, selfId: ALICE }));
    await waitFor(() => expect(within(bubbleAt(log, 1)).getByTestId('message-tombstone')).toBeTruthy());
    expect(within(bubbleAt(log, 2)).getByTestId('reply-quote').textContent).toContain('This message was deleted');
  });

  it('replies from the menu: the quote above the composer goes with the send, and can be cancelled', async () => {
    const { chat, sends } = recordingChat();
    const { log } = await openChat([message(1, { rev: 1, content: 'question' })], chat);
    choose(bubbleAt(log, 1), 'Reply');
    const bar = await screen.findByTestId('composer-reply');
    expect(bar.textContent).toContain('Replying to bob');
    expect(bar.textContent).toContain('question');
    const input = screen.getByLabelText('Message to bob');
    // Escape cancels it.
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByTestId('composer-reply')).toBeNull();
    choose(bubbleAt(log, 1), 'Reply');
    fireEvent.change(input, { target: { value: 'answer' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(sends).toEqual([expect.objectContaining({ content: 'answer', replyTo: message(1).id })]);
    expect(screen.queryByTestId('composer-reply')).toBeNull();
    const pending = (await within(log).findAllByTestId('message')).at(-1) as HTMLElement;
    expect(within(pending).getByTestId('reply-quote').textContent).toContain('question');
  });

  it('edits the last own message with Up in the empty composer: Escape cancels, Enter saves', async () => {
    const { chat, frames } = recordingChat();
    const { log } = await openChat([mine(1, { rev: 1, content: 'old' }), message(2, { rev: 2 })], chat);
    const input = screen.getByLabelText('Message to bob');
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    const editor = (await screen.findByLabelText('Edit message')) as HTMLTextAreaElement;
    expect(editor.value).toBe('old');
    await waitFor(() => expect(document.activeElement).toBe(editor));
    fireEvent.keyDown(editor, { key: 'Escape' });
    expect(screen.queryByLabelText('Edit message')).toBeNull();
    expect(document.activeElement).toBe(input);

    fireEvent.keyDown(input, { key: 'ArrowUp' });
    const again = (await screen.findByLabelText('Edit message')) as HTMLTextAreaElement;
    fireEvent.change(again, { target: { value: 'new' } });
    fireEvent.keyDown(again, { key: 'Enter' });
    await waitFor(() => expect(screen.queryByLabelText('Edit message')).toBeNull());
    expect(frames).toEqual([expect.objectContaining({ type: 'message.edit', messageId: mine(1).id, content: 'new' })]);
    // Shown at once, marked as saving, until the server's copy comes.
    expect(within(bubbleAt(log, 1)).getByTestId('message-text').textContent).toBe('new');
    expect(within(bubbleAt(log, 1)).getByText('Saving…')).toBeTruthy();
    // Up with text in the composer is just the cursor.
    fireEvent.change(input, { target: { value: 'typing' } });
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(screen.queryByLabelText('Edit message')).toBeNull();
  });

  it('deletes only after confirming, and reacts by a chip or the picker', async () => {
    const { chat, frames } = recordingChat();
    const { log } = await openChat(
      [mine(1, { rev: 1, content: 'mine', reactions: [{ emoji: '👍', count: 1, mine: false }] })],
      chat,
    );
    choose(bubbleAt(log, 1), 'Delete');
    const dialog = await screen.findByRole('dialog', { name: 'Delete this message?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(frames).toEqual([]);
    choose(bubbleAt(log, 1), 'Delete');
    fireEvent.click(within(await screen.findByRole('dialog', { name: 'Delete this message?' })).getByRole('button', { name: 'Delete' }));
    expect(frames.at(-1)).toMatchObject({ type: 'message.delete', messageId: mine(1).id });

    fireEvent.click(within(bubbleAt(log, 1)).getByTestId('reaction'));
    expect(frames.at(-1)).toMatchObject({ type: 'message.react', emoji: '👍' });
    choose(bubbleAt(log, 1), 'Add reaction');
    const picker = await screen.findByRole('dialog', { name: 'Add a reaction' });
    fireEvent.change(within(picker).getByRole('searchbox', { name: 'Search emoji' }), { target: { value: 'rocket' } });
    const found = within(picker).getAllByRole('button').filter((b) => b.textContent === '🚀');
    expect(found).toHaveLength(1);
    fireEvent.click(found[0] as HTMLElement);
    expect(frames.at(-1)).toMatchObject({ type: 'message.react', emoji: '🚀' });
    expect(screen.queryByRole('dialog', { name: 'Add a reaction' })).toBeNull();
  });

  it('names the reactors on hover, and offers delete only for our own messages in a direct chat', async () => {
    const { chat } = recordingChat();
    const { log } = await openChat(
      [
        message(1, { rev: 3, content: 'theirs', reactions: [{ emoji: '👍', count: 2, mine: true }] }),
        mine(2, { rev: 4, content: 'mine' }),
      ],
      chat,
    );
    const chip = within(bubbleAt(log, 1)).getByTestId('reaction');
    expect(chip.getAttribute('title')).toBe('2 reactions');
    fireEvent.pointerEnter(within(bubbleAt(log, 1)).getByTestId('reactions'));
    await waitFor(() => expect(chip.getAttribute('title')).toBe('bob and You reacted with 👍'));
    expect(chip.getAttribute('aria-label')).toMatch(/2 reactions, including yours \(bob and You\)/);

    fireEvent.click(within(bubbleAt(log, 1)).getByRole('button', { name: 'Message actions' }));
    expect(screen.queryByRole('menuitem', { name: 'Delete' })).toBeNull();
    fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    choose(bubbleAt(log, 2), 'Delete');
    expect(await screen.findByRole('dialog', { name: 'Delete this message?' })).toBeTruthy();
  });

  it('shows the edit history: the original, then the current text', async () => {
    const { chat } = recordingChat();
    const { log } = await openChat([message(1, { rev: 2, content: 'second words', editedAt: '2025-01-01T13:00:00Z' })], chat);
    fireEvent.click(within(bubbleAt(log, 1)).getByRole('button', { name: 'Edited: show the edit history' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit history' });
    await waitFor(() => expect(within(dialog).getAllByTestId('revision')).toHaveLength(2));
    const items = within(dialog).getAllByTestId('revision').map((item) => item.textContent);
    expect(items[0]).toMatch(/Original.*first words/);
    expect(items[1]).toMatch(/Current.*second words/);
  });

  it('finds emoji by any word of their names', () => {
    expect(filterEmoji('party').map((e) => e.emoji)).toEqual(['🎉']);
    expect(filterEmoji('thumbs').map((e) => e.emoji)).toEqual(['👍', '👎']);
    expect(filterEmoji('').length).toBeGreaterThan(40);
    expect(filterEmoji('zzz')).toEqual([]);
  });
});
