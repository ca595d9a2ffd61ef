import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeStore } from '../../app/store';
import { readReceived } from '../../events/chatEvents';
import { conversationRemoved, conversationUpdated, deliveredReceived } from '../../events/groupEvents';
import { ALICE, BOB, CAROL, signedInAsAlice } from '../../test/chatFixtures';
import { apiError, json, mockFetch, noContent } from '../../test/fetchMock';
import { GROUP, group, member, MEMBERS } from '../../test/groupFixtures';
import {
  createGroup,
  fetchGroup,
  fetchMembers,
  membersAtOrPast,
  removeMember,
  selectDeparture,
  selectGroupDetails,
  selectGroupMissing,
  setMemberRole,
} from './groupsSlice';

afterEach(() => {
  vi.unstubAllGlobals();
});

const membersPath = `/api/messages/conversations/${GROUP}/members`;

function storeWithMembers(members = MEMBERS) {
  const fetch = mockFetch(({ path }) =>
    path === membersPath ? json(200, { members, nextCursor: null }) : json(200, { conversation: group() }),
  );
  const store = makeStore(signedInAsAlice);
  return { store, fetch };
}

describe('the groups slice', () => {
  it('creates a group and lists it with the conversations', async () => {
    const fetch = mockFetch(() => json(201, { conversation: group() }));
    const store = makeStore(signedInAsAlice);
    const created = await store.dispatch(createGroup({ name: 'Team', memberIds: [BOB, CAROL] })).unwrap();
    expect(created.id).toBe(GROUP);
    expect(fetch.calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/messages/conversations',
      body: { name: 'Team', memberIds: [BOB, CAROL] },
    });
    expect(store.getState().conversations.entities[GROUP]?.name).toBe('Team');
  });

  it('holds members with their watermarks, and moves them only forward', async () => {
    const { store } = storeWithMembers([member(ALICE, 'alice', 'owner', 5), member(BOB, 'bob', 'member', 2, 4)]);
    await store.dispatch(fetchMembers({ conversationId: GROUP }));
    const details = () => selectGroupDetails(store.getState(), GROUP);
    expect(details()?.watermarks[BOB]).toEqual({ read: 2, delivered: 4 });
    expect(store.getState().groups.names[BOB]).toBe('bob');

    store.dispatch(deliveredReceived({ conversationId: GROUP, userId: BOB, seq: 3, selfId: ALICE }));
    expect(details()?.watermarks[BOB]).toEqual({ read: 2, delivered: 4 });
    store.dispatch(readReceived({ conversationId: GROUP, readerId: BOB, seq: 6, selfId: ALICE }));
    // Reading implies delivered.
    expect(details()?.watermarks[BOB]).toEqual({ read: 6, delivered: 6 });
  });

  it('tells who has seen a message, leaving ourselves out', async () => {
    const { store } = storeWithMembers([
      member(ALICE, 'alice', 'owner', 9),
      member(BOB, 'bob', 'member', 3),
      member(CAROL, 'carol', 'member', 1, 3),
    ]);
    await store.dispatch(fetchMembers({ conversationId: GROUP }));
    const details = selectGroupDetails(store.getState(), GROUP);
    expect(membersAtOrPast(details, 3, ALICE, 'read')).toEqual(['bob']);
    expect(membersAtOrPast(details, 3, ALICE, 'delivered')).toEqual(['bob', 'carol']);
    expect(membersAtOrPast(details, 4, ALICE, 'read')).toEqual([]);
  });

  it('says we left when we asked to, and forgets the members', async () => {
    const fetch = mockFetch(({ method }) => (method === 'DELETE' ? noContent() : json(200, { members: MEMBERS, nextCursor: null })));
    const store = makeStore(signedInAsAlice);
    store.dispatch(conversationUpdated({ conversation: group() }));
    await store.dispatch(fetchMembers({ conversationId: GROUP }));
    await store.dispatch(removeMember({ conversationId: GROUP, userId: ALICE })).unwrap();
    expect(fetch.paths()).toContain(`DELETE ${membersPath}/${ALICE}`);
    expect(selectDeparture(store.getState(), GROUP)).toBe('left');
    expect(selectGroupDetails(store.getState(), GROUP)).toBeUndefined();
    expect(store.getState().conversations.entities[GROUP]).toBeUndefined();
  });

  it('says we were removed when the server says so unasked', () => {
    const store = makeStore(signedInAsAlice);
    store.dispatch(conversationUpdated({ conversation: group() }));
    store.dispatch(conversationRemoved({ conversationId: GROUP }));
    expect(selectDeparture(store.getState(), GROUP)).toBe('removed');
    // Added back later: a member again.
    store.dispatch(conversationUpdated({ conversation: group() }));
    expect(selectDeparture(store.getState(), GROUP)).toBeUndefined();
  });

  it('re-reads the members after a role change and shows the group as answered', async () => {
    const { store, fetch } = storeWithMembers();
    await store.dispatch(setMemberRole({ conversationId: GROUP, userId: BOB, role: 'admin' })).unwrap();
    expect(fetch.calls[0]).toMatchObject({ method: 'PUT', path: `${membersPath}/${BOB}/role`, body: { role: 'admin' } });
    await vi.waitFor(() => expect(fetch.paths()).toContain(`GET ${membersPath}`));
  });

  it('remembers a group the server does not show us', async () => {
    mockFetch(() => apiError(404, 'not_found', 'No such conversation.'));
    const store = makeStore(signedInAsAlice);
    await store.dispatch(fetchGroup(GROUP));
    expect(selectGroupMissing(store.getState(), GROUP)).toBe(true);
  });
});
