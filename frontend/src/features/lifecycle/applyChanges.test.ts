import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../api/types';
import { makeStore } from '../../app/store';
import { ALICE, BOB, CONV_AB, conversation, message, mine, signedInAsAlice } from '../../test/chatFixtures';
import { json, mockFetch } from '../../test/fetchMock';
import { messageReceived, messageUpdated, votesChanged } from '../../events/chatEvents';
import { fetchConversations } from '../conversations/conversationsSlice';
import { loadOlder, loadThread } from '../messages/messagesSlice';
import { notificationReceived } from '../notifications/notificationsSlice';
import { emptyThread, insertMessage } from '../messages/thread';
import type { ChatGateway } from '../realtime/chatGateway';
import { offlineChatGateway } from '../realtime/chatGateway';
import type { LifecycleCommandFrame } from '../realtime/frames';
import {
  applyChangedMessage,
  changesPageLoaded,
  lastEditableOwn,
  quotePreview,
} from './applyChanges';
import { editStarted, requestFailed, selectPendingChange } from './lifecycleSlice';
import { deleteMessage, editMessage, jumpToMessage, syncChanges, syncThread, toggleReaction } from './lifecycleThunks';

const at = (seq: number) => `2025-01-01T13:00:${String(seq).padStart(2, '0')}.000Z`;
const v = (seq: number, rev: number, overrides: Partial<ChatMessage> = {}) => message(seq, { rev, ...overrides });

function storeWith(messages: ChatMessage[], { hasMore = false, chat }: { hasMore?: boolean; chat?: ChatGateway } = {}) {
  const store = makeStore(signedInAsAlice, { chat });
  store.dispatch(loadThread.fulfilled({ messages, hasMore }, 'r1', { peerId: BOB }));
  return store;
}
const held = (store: ReturnType<typeof makeStore>, seq: number) => {
  const thread = store.getState().messages.threads[BOB];
  return thread?.byId[thread.idBySeq[seq] ?? ''];
};
const revOf = (store: ReturnType<typeof makeStore>) => store.getState().lifecycle.revs[CONV_AB];

describe('applying a changed message', () => {
  it('replaces the held copy only with a later rev, keeping its place', () => {
    const thread = emptyThread(BOB);
    for (const m of [v(1, 1), v(2, 2), v(3, 3)]) insertMessage(thread, m);
    expect(applyChangedMessage(thread, v(2, 5, { content: 'edited', editedAt: at(5) }))).toBe(true);
    expect(thread.byId[thread.idBySeq[2] as string]?.content).toBe('edited');
    // An older copy (a page fetched before the edit) never undoes it.
    expect(applyChangedMessage(thread, v(2, 2))).toBe(false);
    expect(thread.byId[thread.idBySeq[2] as string]?.content).toBe('edited');
    expect(thread.ids).toHaveLength(3);
    // Not held: left to the catch-up or the page that loads it.
    expect(applyChangedMessage(thread, v(9, 9))).toBe(false);
    expect(thread.ids).toHaveLength(3);
  });

  it('lets a re-read page bring a later version of a held message, and ignores an older one', () => {
    const thread = emptyThread(BOB);
    insertMessage(thread, v(1, 1));
    insertMessage(thread, v(1, 4, { deletedAt: at(4), content: '' }));
    expect(thread.byId[thread.idBySeq[1] as string]?.deletedAt).toBe(at(4));
    insertMessage(thread, v(1, 1));
    expect(thread.byId[thread.idBySeq[1] as string]?.deletedAt).toBe(at(4));
  });

  it('quotes the replied message as held now: edited text, or deleted', () => {
    const reply = { id: 'x', seq: 1, senderId: BOB, preview: 'old text' };
    expect(quotePreview(reply, undefined)).toEqual({ text: 'old text', deleted: false });
    expect(quotePreview(reply, v(1, 3, { content: 'new text' }))).toEqual({ text: 'new text', deleted: false });
    expect(quotePreview(reply, v(1, 4, { content: '', deletedAt: at(4) }))).toEqual({ text: '', deleted: true });
    expect(quotePreview({ ...reply, preview: '' }, undefined)).toEqual({ text: '', deleted: true });
  });

  it('finds the last own message that can still be edited', () => {
    const thread = emptyThread(BOB);
    for (const m of [mine(1, { rev: 1 }), message(2, { rev: 2 }), mine(3, { rev: 3, deletedAt: at(3), content: '' })]) {
      insertMessage(thread, m);
    }
    expect(lastEditableOwn(thread, ALICE)?.seq).toBe(1);
    expect(lastEditableOwn(emptyThread(BOB), ALICE)).toBeUndefined();
  });
});

describe('a change that overtakes a page', () => {
  it('is kept while the first page is on its way and applied when it brings an older copy', () => {
    const store = makeStore(signedInAsAlice);
    store.dispatch(loadThread.pending('r1', { peerId: BOB }));
    store.dispatch(messageUpdated({ message: v(2, 5, { content: 'edited' }), selfId: ALICE }));
    store.dispatch(loadThread.fulfilled({ messages: [v(1, 1), v(2, 2)], hasMore: false }, 'r1', { peerId: BOB }));
    expect(held(store, 2)?.content).toBe('edited');
    expect(store.getState().messages.threads[BOB]?.lateChanges).toBeUndefined();
    expect(revOf(store)).toBe(5);
  });

  it('is kept while an older page is on its way, from the feed too, and forgotten when no page comes', () => {
    const store = storeWith([v(51, 51), v(52, 52)], { hasMore: true });
    store.dispatch(loadOlder.pending('r2', { peerId: BOB }));
    store.dispatch(changesPageLoaded({ conversationId: CONV_AB, messages: [v(3, 60, { content: '', deletedAt: at(60) })], rev: 60 }));
    store.dispatch(messageUpdated({ message: v(9, 61, { content: 'not on the page' }), selfId: ALICE }));
    store.dispatch(
      loadOlder.fulfilled({ messages: [v(3, 3), v(4, 4)], hasMore: true }, 'r2', { peerId: BOB }),
    );
    expect(held(store, 3)?.deletedAt).toBe(at(60));
    // Nothing on its way any more: what no page brought is forgotten (a later page shows it as it is).
    expect(store.getState().messages.threads[BOB]?.lateChanges).toBeUndefined();
    // Votes too.
    store.dispatch(loadOlder.pending('r3', { peerId: BOB }));
    store.dispatch(votesChanged({ conversationId: CONV_AB, messageId: v(2, 2).id, up: 3, down: 0, mine: 'up', rev: 80 }));
    store.dispatch(loadOlder.fulfilled({ messages: [v(2, 2)], hasMore: false }, 'r3', { peerId: BOB }));
    expect(held(store, 2)?.votes).toEqual({ up: 3, down: 0, mine: 'up' });
    expect(held(store, 2)?.rev).toBe(80);
    expect(store.getState().messages.threads[BOB]?.lateVotes).toBeUndefined();
    // And without a page on its way, a change of a message not held is not kept at all.
    store.dispatch(messageUpdated({ message: v(1, 70, { content: 'x' }), selfId: ALICE }));
    expect(store.getState().messages.threads[BOB]?.lateChanges).toBeUndefined();
  });
});

describe('the rev watermark', () => {
  it('starts at the first page’s highest rev and moves with live frames and the feed, not with older pages', () => {
    const store = storeWith([v(3, 7), v(4, 9)], { hasMore: true });
    expect(revOf(store)).toBe(9);
    store.dispatch(messageReceived({ message: v(5, 10), selfId: ALICE }));
    expect(revOf(store)).toBe(10);
    store.dispatch(votesChanged({ conversationId: CONV_AB, messageId: v(5, 10).id, up: 1, down: 0, mine: null, rev: 11 }));
    expect(revOf(store)).toBe(11);
    expect(held(store, 5)?.rev).toBe(11);
    store.dispatch(messageUpdated({ message: v(4, 12, { content: 'edited' }), selfId: ALICE }));
    expect(revOf(store)).toBe(12);
    // An older page may show a message changed later than what we hold complete: no move.
    store.dispatch(loadOlder.fulfilled({ messages: [v(1, 40), v(2, 2)], hasMore: false }, 'r2', { peerId: BOB }));
    expect(revOf(store)).toBe(12);
    store.dispatch(changesPageLoaded({ conversationId: CONV_AB, messages: [], rev: 44 }));
    expect(revOf(store)).toBe(44);
    // A second first page (reopened) does not reset it.
    store.dispatch(loadThread.fulfilled({ messages: [v(4, 12)], hasMore: true }, 'r3', { peerId: BOB }));
    expect(revOf(store)).toBe(44);
  });
});

describe('the change feed', () => {
  it('pages from the rev held, applies edits, tombstones and reactions in place, and moves the rev', async () => {
    const store = storeWith([v(1, 1), v(2, 2), v(3, 3), v(4, 4)]);
    const edited = v(2, 6, { content: 'fixed', editedAt: at(6) });
    const tombstone = v(3, 7, { content: '', deletedAt: at(7), reactions: [], votes: { up: 0, down: 0, mine: null } });
    const reacted = v(1, 8, { reactions: [{ emoji: '👍', count: 2, mine: true }] });
    const fresh = v(5, 5);
    const fetch = mockFetch((request) => {
      const since = request.search.get('since');
      if (since === '4') return json(200, { messages: [fresh, edited], rev: 6, hasMore: true });
      if (since === '6') return json(200, { messages: [tombstone, reacted], rev: 8, hasMore: false });
      return json(500, {});
    });
    const rev = await store.dispatch(syncChanges({ conversationId: CONV_AB, since: 4 })).unwrap();
    expect(rev).toBe(8);
    expect(fetch.calls.map((call) => call.path)).toEqual([
      `/api/messages/conversations/${CONV_AB}/changes`,
      `/api/messages/conversations/${CONV_AB}/changes`,
    ]);
    expect(fetch.calls.map((call) => call.search.get('limit'))).toEqual(['100', '100']);
    expect(held(store, 2)?.content).toBe('fixed');
    expect(held(store, 3)?.deletedAt).toBe(at(7));
    expect(held(store, 1)?.reactions).toEqual([{ emoji: '👍', count: 2, mine: true }]);
    // A new message is the `after=` catch-up's to add, with the seq bookkeeping.
    expect(held(store, 5)).toBeUndefined();
    expect(store.getState().messages.threads[BOB]?.ids).toHaveLength(4);
    expect(revOf(store)).toBe(8);
  });

  it('never lets the feed undo a newer live change', async () => {
    const store = storeWith([v(1, 1), v(2, 2)]);
    mockFetch(() => {
      // While the feed is out, a later edit arrives live.
      store.dispatch(messageUpdated({ message: v(2, 9, { content: 'second edit' }), selfId: ALICE }));
      return json(200, { messages: [v(2, 5, { content: 'first edit' })], rev: 5, hasMore: false });
    });
    await store.dispatch(syncChanges({ conversationId: CONV_AB, since: 2 }));
    expect(held(store, 2)?.content).toBe('second edit');
    expect(revOf(store)).toBe(9);
  });

  it('after a reconnect runs the feed, then fetches new messages with after=, never the whole history', async () => {
    const store = storeWith([v(1, 1), v(2, 2)]);
    const fetch = mockFetch((request) => {
      if (request.path.endsWith('/changes')) {
        return json(200, { messages: [v(1, 4, { content: '', deletedAt: at(4) }), v(3, 3)], rev: 4, hasMore: false });
      }
      return json(200, { messages: [v(3, 3)], hasMore: false });
    });
    await store.dispatch(syncThread({ peerId: BOB, since: 2 }));
    expect(fetch.calls.map((call) => `${call.path.split('/').pop()}?${call.search.toString()}`)).toEqual([
      'changes?since=2&limit=100',
      `${BOB}?after=2&limit=100`,
    ]);
    expect(held(store, 1)?.deletedAt).toBe(at(4));
    expect(held(store, 3)?.seq).toBe(3);
  });
});

describe('edit, delete and react commands', () => {
  function recording(connected = true) {
    const frames: LifecycleCommandFrame[] = [];
    const chat: ChatGateway = {
      ...offlineChatGateway,
      lifecycle: (frame) => {
        if (!connected) return false;
        frames.push(frame);
        return true;
      },
    };
    return { chat, frames };
  }

  it('sends each with a request id, shows an edit until the server’s copy says so, and a refusal under the message', async () => {
    const { chat, frames } = recording();
    const own = mine(1, { rev: 1, content: 'typo' });
    const store = storeWith([own], { chat });
    store.dispatch(editStarted({ messageId: own.id, origin: 'composer' }));
    expect(await store.dispatch(editMessage({ message: own, content: '  fixed  ' })).unwrap()).toBe(true);
    expect(store.getState().lifecycle.editing).toBeNull();
    await store.dispatch(toggleReaction({ messageId: own.id, emoji: '🎉' }));
    await store.dispatch(deleteMessage({ messageId: own.id }));
    expect(frames.map(({ requestId: _, ...frame }) => frame)).toEqual([
      { type: 'message.edit', messageId: own.id, content: 'fixed' },
      { type: 'message.react', messageId: own.id, emoji: '🎉' },
      { type: 'message.delete', messageId: own.id },
    ]);
    expect(new Set(frames.map((f) => f.requestId)).size).toBe(3);
    expect(selectPendingChange(store.getState(), own.id, 'edit')?.content).toBe('fixed');

    store.dispatch(messageUpdated({ message: { ...own, rev: 2, content: 'fixed', editedAt: at(2) }, selfId: ALICE }));
    expect(selectPendingChange(store.getState(), own.id, 'edit')).toBeUndefined();
    store.dispatch(requestFailed({ requestId: frames[2]!.requestId, error: 'You cannot change this message.' }));
    expect(store.getState().lifecycle.errors[own.id]).toBe('You cannot change this message.');
    expect(selectPendingChange(store.getState(), own.id, 'delete')).toBeUndefined();
  });

  it('sends nothing for unchanged or empty text, and says so when offline', async () => {
    const { chat, frames } = recording(false);
    const own = mine(1, { rev: 1, content: 'same' });
    const store = storeWith([own], { chat });
    expect(await store.dispatch(editMessage({ message: own, content: '   ' })).unwrap()).toBe(false);
    expect(await store.dispatch(editMessage({ message: own, content: 'same ' })).unwrap()).toBe(true);
    expect(await store.dispatch(toggleReaction({ messageId: own.id, emoji: '👍' })).unwrap()).toBe(false);
    expect(frames).toEqual([]);
    expect(store.getState().lifecycle.errors[own.id]).toMatch(/Not connected/);
  });
});

describe('jumping to a replied message', () => {
  it('pages back with before= until the message is held, then asks to show it', async () => {
    const store = storeWith([v(101, 101), v(102, 102)], { hasMore: true });
    const fetch = mockFetch((request) => {
      const before = Number(request.search.get('before'));
      const from = Math.max(1, before - 50);
      const messages = Array.from({ length: before - from }, (_, i) => v(from + i, from + i));
      return json(200, { messages, hasMore: from > 1 });
    });
    const target = v(20, 20);
    expect(await store.dispatch(jumpToMessage({ threadKey: BOB, messageId: target.id, seq: 20 })).unwrap()).toBe(true);
    expect(fetch.calls.map((call) => call.search.get('before'))).toEqual(['101', '51']);
    expect(store.getState().lifecycle.jump).toEqual({ threadKey: BOB, messageId: target.id });
  });
});

describe('the list and the bell follow changes', () => {
  it('moves the preview, stops counting a deleted unread message, and drops its notifications', () => {
    const store = storeWith([v(1, 1), v(2, 2)]);
    store.dispatch(
      fetchConversations.fulfilled(
        { conversations: [conversation({ lastMessage: v(2, 2), unreadCount: 2 })], nextCursor: null },
        'r',
        undefined,
      ),
    );
    store.dispatch(
      notificationReceived({
        notification: {
          id: 'n2',
          type: 'message',
          conversationId: CONV_AB,
          messageId: v(2, 2).id,
          senderId: BOB,
          senderUsername: 'bob',
          preview: 'message 2',
          createdAt: at(2),
          readAt: null,
        },
      }),
    );
    store.dispatch(messageUpdated({ message: v(2, 3, { content: 'better', editedAt: at(3) }), selfId: ALICE }));
    expect(store.getState().conversations.entities[CONV_AB]?.lastMessage?.content).toBe('better');
    expect(store.getState().notifications.entities.n2?.preview).toBe('better');
    expect(store.getState().conversations.entities[CONV_AB]?.unreadCount).toBe(2);

    store.dispatch(messageUpdated({ message: v(2, 4, { content: '', deletedAt: at(4) }), selfId: ALICE }));
    expect(store.getState().conversations.entities[CONV_AB]?.lastMessage?.deletedAt).toBe(at(4));
    expect(store.getState().conversations.entities[CONV_AB]?.unreadCount).toBe(1);
    expect(store.getState().notifications.entities.n2).toBeUndefined();
    expect(store.getState().notifications.unreadCount).toBe(0);
  });
});
