import { expect, test, type Page } from '@playwright/test';
import { bubble, newUserContext, send, signUp, uniqueCredentials, type Credentials } from './helpers';

/** Socket → RabbitMQ → messages → back out: live delivery, on a busy machine. */
const LIVE_TIMEOUT_MS = 20_000;

/** The group's row in the Chats list. */
function groupRow(page: Page, name: string) {
  return page
    .getByRole('listbox', { name: 'Conversations' })
    .locator(`[data-testid="conversation-item"][data-kind="group"][data-peer="${name}"]`);
}

function header(page: Page) {
  return page.getByTestId('group-header');
}

/** "Seen by N" under our message with this text. */
function seenBy(page: Page, text: string) {
  return bubble(page, text).getByTestId('seen-by');
}

/** Picks a person in an open people picker (search as you type, then tick them). */
async function pick(page: Page, username: string) {
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('searchbox', { name: 'Add people' }).fill(username);
  await dialog.getByRole('checkbox', { name: username, exact: true }).check();
}

async function openGroup(page: Page, name: string) {
  await groupRow(page, name).click();
  await expect(header(page).getByRole('heading', { name, exact: true })).toBeVisible();
}

test('three people in a group: chat, seen by, a removal, a rename, and a reload', async ({ browser }) => {
  test.setTimeout(240_000);
  const people: Record<'ann' | 'bob' | 'cat', Credentials> = {
    ann: uniqueCredentials('ga'),
    bob: uniqueCredentials('gb'),
    cat: uniqueCredentials('gc'),
  };
  const contexts = await Promise.all([0, 1, 2].map(() => newUserContext(browser)));
  try {
    const [ann, bob, cat] = await Promise.all(contexts.map((context) => context.newPage()));
    if (!ann || !bob || !cat) throw new Error('no pages');
    await signUp(ann, people.ann);
    await signUp(bob, people.bob);
    await signUp(cat, people.cat);
    const name = `Team ${Date.now().toString(36)}`;

    // --- Ann creates the group with Bob and Cat, from the keyboard-reachable dialog ---
    await ann.getByRole('button', { name: 'New group' }).click();
    const dialog = ann.getByRole('dialog', { name: 'New group' });
    await expect(dialog.getByRole('textbox', { name: 'Group name' })).toBeFocused();
    await dialog.getByRole('textbox', { name: 'Group name' }).fill(name);
    await pick(ann, people.bob.username);
    await pick(ann, people.cat.username);
    await expect(dialog.getByRole('list', { name: 'Picked people' }).getByRole('listitem')).toHaveCount(2);
    await dialog.getByRole('button', { name: /^Create group/ }).click();
    await expect(dialog).toBeHidden();
    await expect(ann).toHaveURL(/\/group\/[0-9a-f-]+$/);
    await expect(header(ann).getByRole('heading', { name, exact: true })).toBeVisible();
    await expect(header(ann).getByTestId('member-count')).toHaveText('3 members');
    await expect(ann.getByTestId('system-message').first()).toHaveText(`You created the group “${name}”`);

    // The others see the group arrive live in their Chats.
    await expect(groupRow(bob, name)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(groupRow(cat, name)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await openGroup(bob, name);
    await openGroup(cat, name);

    // --- all three chat; others' messages carry the sender's name ---
    await send(ann, 'Hello team');
    await expect(bubble(bob, 'Hello team')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(bubble(cat, 'Hello team')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(bubble(bob, 'Hello team').getByTestId('message-sender')).toHaveText(people.ann.username);
    await send(bob, 'Hi from Bob');
    await send(cat, 'Hi from Cat');
    for (const page of [ann, bob, cat]) {
      await expect(bubble(page, 'Hi from Bob')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
      await expect(bubble(page, 'Hi from Cat')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    }

    // --- Bob sees "seen by" grow: Ann has the group open, Cat is elsewhere ---
    await cat.getByRole('link', { name: 'GoChat' }).click();
    await expect(cat.getByRole('heading', { name: `Welcome, ${people.cat.username}` })).toBeVisible();
    await send(bob, 'Who has seen this?');
    await expect(seenBy(bob, 'Who has seen this?')).toHaveText('Seen by 1', { timeout: LIVE_TIMEOUT_MS });
    await expect(seenBy(bob, 'Who has seen this?').getByRole('button')).toHaveAttribute(
      'title',
      `Seen by ${people.ann.username}`,
    );
    // Cat has it unread meanwhile.
    await expect(groupRow(cat, name).getByTestId('unread-badge')).toContainText('1', { timeout: LIVE_TIMEOUT_MS });
    await openGroup(cat, name);
    await expect(seenBy(bob, 'Who has seen this?')).toHaveText('Seen by 2', { timeout: LIVE_TIMEOUT_MS });
    // The names, by keyboard too.
    await seenBy(bob, 'Who has seen this?').getByRole('button').focus();
    await bob.keyboard.press('Enter');
    const names = bob.getByTestId('seen-by-list');
    await expect(names.getByRole('listitem')).toHaveText(
      [people.ann.username, people.cat.username].sort((a, b) => a.localeCompare(b)),
      { useInnerText: true },
    );

    // --- Ann removes Cat: Cat's view says so and gets nothing more ---
    await header(ann).getByRole('button', { name: 'Members' }).click();
    const members = ann.getByRole('dialog', { name: `Members of ${name}` });
    await expect(members.getByTestId('member')).toHaveCount(3);
    // Bob and Cat are members: Ann, the owner, may make them admins, owners, or remove them.
    await members.getByRole('button', { name: `Remove: ${people.cat.username}` }).click();
    await members.getByRole('button', { name: 'Yes, remove' }).click();
    await expect(members.getByTestId('member')).toHaveCount(2, { timeout: LIVE_TIMEOUT_MS });
    await members.getByRole('button', { name: 'Done' }).click();
    await expect(members).toBeHidden();

    await expect(cat.getByTestId('group-departed')).toContainText(`You were removed from ${name}`, {
      timeout: LIVE_TIMEOUT_MS,
    });
    await expect(cat.getByRole('textbox', { name: /^Message to / })).toHaveCount(0);
    await expect(groupRow(cat, name)).toHaveCount(0);
    await expect(ann.getByTestId('system-message').last()).toHaveText(`You removed ${people.cat.username}`, {
      timeout: LIVE_TIMEOUT_MS,
    });
    await expect(header(bob).getByTestId('member-count')).toHaveText('2 members', { timeout: LIVE_TIMEOUT_MS });

    await send(ann, 'After Cat left');
    await expect(bubble(bob, 'After Cat left')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });

    // --- Ann renames the group: every member's header follows live ---
    const renamed = `${name} renamed`;
    await header(ann).getByRole('button', { name: 'Edit' }).click();
    const edit = ann.getByRole('dialog', { name: 'Edit group' });
    await edit.getByRole('textbox', { name: 'Group name' }).fill(renamed);
    await edit.getByRole('textbox', { name: 'Topic' }).fill('Plans for the week');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toBeHidden();
    for (const page of [ann, bob]) {
      await expect(header(page).getByRole('heading', { name: renamed, exact: true })).toBeVisible({
        timeout: LIVE_TIMEOUT_MS,
      });
      await expect(header(page).getByTestId('group-topic')).toContainText('Plans for the week', {
        timeout: LIVE_TIMEOUT_MS,
      });
      await expect(groupRow(page, renamed)).toBeVisible();
    }
    await expect(bob.getByTestId('system-message').filter({ hasText: `renamed the group to “${renamed}”` })).toBeVisible();
    // Cat got none of it.
    await expect(bubble(cat, 'After Cat left')).toHaveCount(0);
    await expect(cat.getByText(renamed)).toHaveCount(0);
    // Bob is a member: no member actions, no editing.
    await expect(header(bob).getByRole('button', { name: 'Edit' })).toHaveCount(0);
    await header(bob).getByRole('button', { name: 'Members' }).click();
    const bobMembers = bob.getByRole('dialog', { name: `Members of ${renamed}` });
    await expect(bobMembers.getByTestId('member')).toHaveCount(2);
    await expect(bobMembers.getByRole('button', { name: /^(Remove|Make admin|Make owner|Make member):/ })).toHaveCount(0);
    await bob.keyboard.press('Escape');
    await expect(bobMembers).toBeHidden();

    // --- a reload keeps everything ---
    for (const page of [ann, bob]) {
      await page.reload();
      await expect(header(page).getByRole('heading', { name: renamed, exact: true })).toBeVisible({
        timeout: LIVE_TIMEOUT_MS,
      });
      await expect(header(page).getByTestId('member-count')).toHaveText('2 members');
      for (const text of ['Hello team', 'Hi from Bob', 'Hi from Cat', 'Who has seen this?', 'After Cat left']) {
        await expect(bubble(page, text)).toBeVisible();
      }
      await expect(groupRow(page, renamed)).toBeVisible();
    }
    // "Seen by" counts the members as they are now: Cat is not one any more.
    await expect(seenBy(bob, 'Who has seen this?')).toHaveText('Seen by 1');
    await cat.reload();
    await expect(cat.getByText('There is no such group, or you are not in it.')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(groupRow(cat, name)).toHaveCount(0);
    await expect(groupRow(cat, renamed)).toHaveCount(0);
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
});

test('roles in a group: add a member, promote, hand ownership over, and leave', async ({ browser }) => {
  test.setTimeout(180_000);
  const people: Record<'ann' | 'bob' | 'cat', Credentials> = {
    ann: uniqueCredentials('ra'),
    bob: uniqueCredentials('rb'),
    cat: uniqueCredentials('rc'),
  };
  const contexts = await Promise.all([0, 1, 2].map(() => newUserContext(browser)));
  try {
    const [ann, bob, cat] = await Promise.all(contexts.map((context) => context.newPage()));
    if (!ann || !bob || !cat) throw new Error('no pages');
    await signUp(ann, people.ann);
    await signUp(bob, people.bob);
    await signUp(cat, people.cat);
    const name = `Roles ${Date.now().toString(36)}`;

    await ann.getByRole('button', { name: 'New group' }).click();
    await ann.getByRole('textbox', { name: 'Group name' }).fill(name);
    await pick(ann, people.bob.username);
    await ann.getByRole('button', { name: /^Create group/ }).click();
    await expect(header(ann).getByRole('heading', { name, exact: true })).toBeVisible();
    await expect(groupRow(bob, name)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await openGroup(bob, name);
    // Bob is a member: he may leave and see the members, nothing else.
    await expect(header(bob).getByRole('button', { name: 'Edit' })).toHaveCount(0);

    // --- Ann adds Cat from the members panel: the group arrives live in Cat's list ---
    await header(ann).getByRole('button', { name: 'Members' }).click();
    const members = ann.getByRole('dialog', { name: `Members of ${name}` });
    await pick(ann, people.cat.username);
    await members.getByRole('button', { name: /^Add 1 to group/ }).click();
    await expect(members.getByTestId('member')).toHaveCount(3, { timeout: LIVE_TIMEOUT_MS });
    await expect(groupRow(cat, name)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(header(bob).getByTestId('member-count')).toHaveText('3 members', { timeout: LIVE_TIMEOUT_MS });

    // --- Ann makes Bob an admin: his header offers editing, live ---
    await members.getByRole('button', { name: `Make admin: ${people.bob.username}` }).click();
    await expect(members.locator(`[data-testid="member"][data-username="${people.bob.username}"]`)).toHaveAttribute(
      'data-role',
      'admin',
      { timeout: LIVE_TIMEOUT_MS },
    );
    await expect(header(bob).getByRole('button', { name: 'Edit' })).toBeVisible({ timeout: LIVE_TIMEOUT_MS });

    // --- and hands ownership to Bob: she becomes an admin ---
    await members.getByRole('button', { name: `Make owner: ${people.bob.username}` }).click();
    await members.getByRole('button', { name: 'Yes, make owner' }).click();
    await expect(members.locator(`[data-testid="member"][data-username="${people.bob.username}"]`)).toHaveAttribute(
      'data-role',
      'owner',
      { timeout: LIVE_TIMEOUT_MS },
    );
    await expect(members.locator(`[data-testid="member"][data-username="${people.ann.username}"]`)).toHaveAttribute(
      'data-role',
      'admin',
    );
    // As an admin she may remove Cat (a member) but not Bob (the owner), and change no roles.
    await expect(members.getByRole('button', { name: `Remove: ${people.cat.username}` })).toBeVisible();
    await expect(members.getByRole('button', { name: `Remove: ${people.bob.username}` })).toHaveCount(0);
    await expect(members.getByRole('button', { name: /^Make (admin|member|owner):/ })).toHaveCount(0);

    // --- Ann leaves: her view says so; the others see the line ---
    await members.getByRole('button', { name: 'Leave group' }).click();
    await members.getByRole('button', { name: 'Yes, leave' }).click();
    await expect(ann.getByTestId('group-departed')).toContainText(`You left ${name}`, { timeout: LIVE_TIMEOUT_MS });
    await expect(groupRow(ann, name)).toHaveCount(0);
    await expect(bob.getByTestId('system-message').filter({ hasText: `${people.ann.username} left` })).toBeVisible({
      timeout: LIVE_TIMEOUT_MS,
    });
    await expect(header(bob).getByTestId('member-count')).toHaveText('2 members', { timeout: LIVE_TIMEOUT_MS });
  } finally {
    await Promise.all(contexts.map((context) => context.close()));
  }
});
