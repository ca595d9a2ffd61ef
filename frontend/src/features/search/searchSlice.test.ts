import { describe, expect, it } from 'vitest';
import { makeStore } from '../../app/store';
import { BOB, CONV_AB, message, signedInAsAlice } from '../../test/chatFixtures';
import { apiError, json, mockFetch } from '../../test/fetchMock';
import { signOut } from '../auth/authSlice';
import { openThreadAt } from '../messages/messagesSlice';
import {
  conversationTitle,
  groupByConversation,
  jumpCleared,
  jumpRequested,
  loadMoreResults,
  resultPath,
  searchCleared,
  searchMessages,
} from './searchSlice';
import type { SearchConversation, SearchResult } from './types';

const direct: SearchConversation = { id: CONV_AB, kind: 'direct', name: null, peer: { id: BOB, username: 'bob' } };
const group: SearchConversation = { id: 'g-1', kind: 'group', name: 'Trip', peer: null };
const hit = (seq: number, conversation = direct): SearchResult => ({
  message: message(seq, { conversationId: conversation.id, content: `pasta ${seq}` }),
  conversation,
  highlights: [[0, 5]],
});

describe('the search slice', () => {
  it('asks the server with q and a page size, and holds the answer', async () => {
    const fetch = mockFetch(() => json(200, { results: [hit(3), hit(1)], nextCursor: 'next' }));
    const store = makeStore(signedInAsAlice);
    await store.dispatch(searchMessages({ q: 'pasta' }));
    const [call] = fetch.calls;
    expect(call?.path).toBe('/api/messages/search');
    expect(call?.search.get('q')).toBe('pasta');
    expect(call?.search.get('limit')).toBe('20');
    const state = store.getState().search;
    expect(state.status).toBe('ready');
    expect(state.query).toBe('pasta');
    expect(state.results.map((r) => r.message.seq)).toEqual([3, 1]);
    expect(state.nextCursor).toBe('next');
  });

  it('keeps only the answer to the latest query', async () => {
    let answerFirst: (r: Response) => void = () => {};
    mockFetch(({ search }) =>
      search.get('q') === 'slow'
        ? new Promise<Response>((resolve) => {
            answerFirst = resolve;
          })
        : json(200, { results: [hit(2)], nextCursor: null }),
    );
    const store = makeStore(signedInAsAlice);
    const slow = store.dispatch(searchMessages({ q: 'slow' }));
    await store.dispatch(searchMessages({ q: 'fast' }));
    answerFirst(json(200, { results: [hit(9), hit(8)], nextCursor: null }));
    await slow;
    const state = store.getState().search;
    expect(state.query).toBe('fast');
    expect(state.results.map((r) => r.message.seq)).toEqual([2]);
  });

  it('appends further pages without repeats, with the cursor', async () => {
    const fetch = mockFetch(({ search }) =>
      search.get('cursor') === 'next'
        ? json(200, { results: [hit(2), hit(1)], nextCursor: null })
        : json(200, { results: [hit(3), hit(2)], nextCursor: 'next' }),
    );
    const store = makeStore(signedInAsAlice);
    await store.dispatch(searchMessages({ q: 'pasta' }));
    await store.dispatch(loadMoreResults());
    expect(fetch.calls[1]?.search.get('q')).toBe('pasta');
    const state = store.getState().search;
    expect(state.results.map((r) => r.message.seq)).toEqual([3, 2, 1]);
    expect(state.nextCursor).toBeNull();
    await store.dispatch(loadMoreResults());
    expect(fetch.calls).toHaveLength(2);
  });

  it('shows why a query was refused', async () => {
    mockFetch(() => apiError(400, 'invalid_field', 'Invalid fields.', { q: 'Use at most 200 characters.' }));
    const store = makeStore(signedInAsAlice);
    await store.dispatch(searchMessages({ q: 'x'.repeat(201) }));
    const state = store.getState().search;
    expect(state.status).toBe('failed');
    expect(state.error?.fields?.q).toBe('Use at most 200 characters.');
  });

  it('clears, remembers a jump until its chat is done with it, and forgets all at sign-out', async () => {
    mockFetch(() => json(200, { results: [hit(1)], nextCursor: null }));
    const store = makeStore(signedInAsAlice);
    await store.dispatch(searchMessages({ q: 'pasta' }));
    const jump = { conversationId: CONV_AB, peerId: BOB, messageId: 'm-1', seq: 1 };
    store.dispatch(jumpRequested(jump));
    store.dispatch(searchCleared());
    expect(store.getState().search.results).toEqual([]);
    expect(store.getState().search.jump).toEqual(jump);
    store.dispatch(jumpCleared({ messageId: 'other' }));
    expect(store.getState().search.jump).toEqual(jump);
    store.dispatch(jumpCleared({ messageId: 'm-1' }));
    expect(store.getState().search.jump).toBeNull();
    store.dispatch(jumpRequested(jump));
    store.dispatch(signOut.fulfilled(undefined, 'r'));
    expect(store.getState().search.jump).toBeNull();
  });

  it('groups results by conversation, newest first, and names where each opens', () => {
    const groups = groupByConversation([hit(5), hit(4, group), hit(3), hit(2, group)]);
    expect(groups.map((g) => conversationTitle(g.conversation))).toEqual(['bob', 'Trip']);
    expect(groups.map((g) => g.results.map((r) => r.message.seq))).toEqual([
      [5, 3],
      [4, 2],
    ]);
    expect(resultPath(hit(1))).toBe(`/chat/${BOB}`);
    expect(resultPath(hit(1, group))).toBe('/group/g-1');
  });
});

describe('opening a conversation at a message', () => {
  const around = (seqs: number[], hasMoreBefore: boolean, hasMoreAfter: boolean) =>
    json(200, { messages: seqs.map((seq) => message(seq)), hasMore: hasMoreBefore, hasMoreBefore, hasMoreAfter });

  it('loads the page around it, then the newer messages up to the newest', async () => {
    const fetch = mockFetch(({ path, search }) => {
      if (path === `/api/messages/conversations/${CONV_AB}/messages`) return around([40, 41, 42], true, true);
      if (path === `/api/messages/with/${BOB}` && search.get('after') === '42') {
        return json(200, { messages: [message(43), message(44)], hasMore: false });
      }
      throw new Error(`unexpected ${path}?${search}`);
    });
    const store = makeStore(signedInAsAlice);
    await store.dispatch(openThreadAt({ peerId: BOB, conversationId: CONV_AB, seq: 41 }));
    expect(fetch.calls[0]?.search.get('around')).toBe('41');
    const thread = store.getState().messages.threads[BOB];
    expect(thread?.ids.map((id) => thread.byId[id]?.seq)).toEqual([40, 41, 42, 43, 44]);
    expect(thread?.hasOlder).toBe(true);
    expect(thread?.status).toBe('ready');
  });

  it('loads nothing when the message is held already', async () => {
    const fetch = mockFetch(() => around([1], false, false));
    const store = makeStore(signedInAsAlice);
    await store.dispatch(openThreadAt({ peerId: BOB, conversationId: CONV_AB, seq: 1 }));
    await store.dispatch(openThreadAt({ peerId: BOB, conversationId: CONV_AB, seq: 1 }));
    expect(fetch.calls).toHaveLength(1);
  });

  it('fails like a first load, so the chat offers to try again', async () => {
    mockFetch(() => apiError(503, 'unavailable', 'Try again later.'));
    const store = makeStore(signedInAsAlice);
    await store.dispatch(openThreadAt({ peerId: BOB, conversationId: CONV_AB, seq: 1 }));
    expect(store.getState().messages.threads[BOB]?.status).toBe('failed');
  });
});
