import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GroupRole } from '../../api/types';
import { App } from '../../app/App';
import { ALICE, BOB, CAROL } from '../../test/chatFixtures';
import { aliceUser, json, mockFetch } from '../../test/fetchMock';
import { GROUP, group, groupMessage, member, systemMessage } from '../../test/groupFixtures';
import { renderWithProviders } from '../../test/render';

afterEach(() => {
  vi.unstubAllGlobals();
});

const history = [
  systemMessage(1, { event: 'created', actorId: ALICE, userIds: [BOB, CAROL], name: 'Team' }),
  groupMessage(2, { content: 'hi from bob' }),
  groupMessage(3, { senderId: ALICE, content: 'hi from alice' }),
];

function openGroupAs(role: GroupRole) {
  // Alice has `role`; bob owns the group unless she does; carol is a member.
  const members = [
    member(ALICE, 'alice', role, 3),
    member(BOB, 'bob', role === 'owner' ? 'member' : 'owner', 3),
    member(CAROL, 'carol', 'member', 1),
  ];
  const conversation = group({ myRole: role, lastMessage: history[2] ?? null, topic: 'plans' });
  const fetch = mockFetch(({ path }) => {
    if (path === '/api/auth/session') return json(200, { user: aliceUser, refreshable: false });
    if (path === '/api/users') return json(200, { users: [], nextCursor: null });
    if (path === '/api/messages/conversations') return json(200, { conversations: [conversation], nextCursor: null });
    if (path === `/api/messages/conversations/${GROUP}`) return json(200, { conversation });
    if (path === `/api/messages/conversations/${GROUP}/members`) return json(200, { members, nextCursor: null });
    if (path === `/api/messages/conversations/${GROUP}/messages`) return json(200, { messages: history, hasMore: false });
    if (path === '/api/notifications') return json(200, { notifications: [], nextCursor: null, unreadCount: 0 });
    throw new Error(`unexpected ${path}`);
  });
  renderWithProviders(<App />, {
    path: `/group/${GROUP}`,
    preloadedState: { connection: { chat: 'open', notifications: 'open' } },
  });
  return fetch;
}

async function openMembers() {
  const opener = await screen.findByRole('button', { name: 'Members' });
  opener.focus();
  fireEvent.click(opener);
  const dialog = await screen.findByRole('dialog', { name: 'Members of Team' });
  await within(dialog).findByText('carol');
  return dialog;
}

const rowOf = (dialog: HTMLElement, username: string) =>
  dialog.querySelector<HTMLElement>(`[data-testid="member"][data-username="${username}"]`) as HTMLElement;
const actionsOf = (row: HTMLElement) =>
  within(row)
    .queryAllByRole('button')
    .map((button) => button.textContent);

// The dialogs' code loads on first use (`onDemand`); loaded here first, so the waits below time
// the UI, not the test runner's first transform of those modules.
beforeAll(() =>
  Promise.all([import('./MembersDialog'), import('./EditGroupDialog'), import('./NewGroupDialog')]),
);

describe('an open group', () => {
  it('shows its header, system lines, senders and who has seen our message', async () => {
    openGroupAs('owner');
    const header = await screen.findByTestId('group-header');
    // The name comes with the conversation, which may arrive after the header is drawn.
    expect(await within(header).findByRole('heading', { name: 'Team' })).toBeTruthy();
    await waitFor(() => expect(within(header).getByTestId('member-count').textContent).toBe('3 members'));
    expect(within(header).getByTestId('group-topic').textContent).toContain('plans');
    const log = await screen.findByRole('log', { name: 'Messages with Team' });
    await within(log).findByText('You created the group “Team”');
    expect(within(log).getByTestId('message-sender').textContent).toBe('bob');
    const seen = await within(log).findByTestId('seen-by');
    expect(seen.textContent).toBe('Seen by 1');
    const button = within(seen).getByRole('button');
    expect(button.getAttribute('title')).toBe('Seen by bob');
    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(within(seen).getByRole('list', { name: 'Seen by' }).textContent).toBe('bob');
  });

  // Bob is the owner unless Alice is (then he is a member): only an owner may delete his.
  it.each([
    ['owner', true],
    ['admin', false],
    ['member', false],
  ] as const)("offers a %s to delete bob's message: %s", async (role, offered) => {
    openGroupAs(role);
    const log = await screen.findByRole('log', { name: 'Messages with Team' });
    const bobs = (await within(log).findByText('hi from bob')).closest('[data-seq]') as HTMLElement;
    // The members page carries bob's role, which decides.
    await waitFor(() => expect(screen.getByTestId('member-count').textContent).toBe('3 members'));
    fireEvent.click(within(bobs).getByRole('button', { name: 'Message actions' }));
    expect(await screen.findByRole('menuitem', { name: 'Reply' })).toBeTruthy();
    expect(screen.queryByRole('menuitem', { name: 'Delete' }) !== null).toBe(offered);
  });

  it('offers the owner every action on others and none on themself', async () => {
    openGroupAs('owner');
    expect(await screen.findByRole('button', { name: 'Edit group name and topic' })).toBeTruthy();
    const dialog = await openMembers();
    expect(document.activeElement).toBe(dialog);
    expect(actionsOf(rowOf(dialog, 'alice'))).toEqual([]);
    expect(actionsOf(rowOf(dialog, 'bob'))).toEqual(['Make admin', 'Make owner', 'Remove']);
    expect(within(dialog).getByRole('searchbox', { name: 'Add people' })).toBeTruthy();
    expect(within(dialog).getByRole('button', { name: 'Leave group' })).toBeTruthy();
  });

  it('offers an admin removal of members only, and no role changes', async () => {
    openGroupAs('admin');
    const dialog = await openMembers();
    expect(actionsOf(rowOf(dialog, 'bob'))).toEqual([]); // the owner
    expect(actionsOf(rowOf(dialog, 'carol'))).toEqual(['Remove']);
    expect(within(dialog).getByRole('searchbox', { name: 'Add people' })).toBeTruthy();
  });

  it('offers a member nothing but leaving', async () => {
    openGroupAs('member');
    const dialog = await openMembers();
    expect(screen.queryByRole('button', { name: 'Edit group name and topic' })).toBeNull();
    for (const name of ['alice', 'bob', 'carol']) expect(actionsOf(rowOf(dialog, name))).toEqual([]);
    expect(within(dialog).queryByRole('searchbox', { name: 'Add people' })).toBeNull();
    expect(within(dialog).getByRole('button', { name: 'Leave group' })).toBeTruthy();
    // Escape closes the panel and gives focus back to its button.
    fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Members' }));
  });
});
