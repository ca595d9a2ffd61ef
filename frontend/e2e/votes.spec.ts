import { expect, test, type Page } from '@playwright/test';
import {
  bubble,
  newUserContext,
  openChatFromDirectory,
  personInDirectory,
  searchPeople,
  send,
  signUp,
  uniqueCredentials,
} from './helpers';

/** Socket → RabbitMQ → messages → back out to both users: live, on a busy machine. */
const LIVE_TIMEOUT_MS = 20_000;

type OwnVote = 'up' | 'down' | null;

/** The vote buttons of the message with this text. */
function voteGroup(page: Page, text: string) {
  const group = bubble(page, text).getByRole('group', { name: 'Votes' });
  return {
    group,
    up: group.getByTestId('vote-up'),
    down: group.getByTestId('vote-down'),
  };
}

/**
 * Waits until this page shows these counts and own vote as the server's answer (no vote of ours
 * awaiting one), then checks the buttons' names, `aria-pressed` and highlight.
 */
async function expectVotes(page: Page, text: string, up: number, down: number, mine: OwnVote) {
  const { group, up: upButton, down: downButton } = voteGroup(page, text);
  await expect(group).toHaveAttribute('data-mine', mine ?? 'none', { timeout: LIVE_TIMEOUT_MS });
  await expect(upButton).toHaveAccessibleName(`Upvote (${up})`, { timeout: LIVE_TIMEOUT_MS });
  await expect(downButton).toHaveAccessibleName(`Downvote (${down})`, { timeout: LIVE_TIMEOUT_MS });
  await expect(group).not.toHaveAttribute('data-awaiting', 'true', { timeout: LIVE_TIMEOUT_MS });
  await expect(upButton).toHaveText(String(up));
  await expect(downButton).toHaveText(String(down));
  await expect(upButton).toHaveAttribute('aria-pressed', String(mine === 'up'));
  await expect(downButton).toHaveAttribute('aria-pressed', String(mine === 'down'));
  for (const [button, direction] of [
    [upButton, 'up'],
    [downButton, 'down'],
  ] as const) {
    if (mine === direction) await expect(button).toHaveClass(/\bvote--pressed\b/);
    else await expect(button).not.toHaveClass(/\bvote--pressed\b/);
  }
}

/** The button's background, to check that the pressed one looks different. */
const background = (page: Page, text: string, direction: 'up' | 'down') =>
  voteGroup(page, text)[direction].evaluate((element) => getComputedStyle(element).backgroundColor);

test('both participants vote on a message and see the counts and their own vote, live and after a reload', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const alice = uniqueCredentials('va');
  const bob = uniqueCredentials('vb');
  const aliceContext = await newUserContext(browser);
  const bobContext = await newUserContext(browser);
  try {
    const alicePage = await aliceContext.newPage();
    const bobPage = await bobContext.newPage();
    await signUp(alicePage, alice);
    await signUp(bobPage, bob);
    await searchPeople(alicePage, bob.username);
    await expect(personInDirectory(alicePage, bob.username)).toHaveAttribute('data-status', 'online', {
      timeout: LIVE_TIMEOUT_MS,
    });
    await openChatFromDirectory(alicePage, bob.username);
    await openChatFromDirectory(bobPage, alice.username);

    // Bob's message: once stored, both see it with no votes and working buttons.
    const text = 'Vote on this, please';
    await send(bobPage, text);
    await expect(bubble(alicePage, text)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(bubble(bobPage, text)).toHaveAttribute('data-status', /^(sent|delivered|read)$/, { timeout: LIVE_TIMEOUT_MS });
    await expectVotes(alicePage, text, 0, 0, null);
    await expectVotes(bobPage, text, 0, 0, null);
    await expect(voteGroup(bobPage, text).up).toBeEnabled();

    // Alice upvotes: both see one upvote, highlighted only for Alice.
    await voteGroup(alicePage, text).up.click();
    await expectVotes(alicePage, text, 1, 0, 'up');
    await expectVotes(bobPage, text, 1, 0, null);
    expect(await background(alicePage, text, 'up')).not.toBe(await background(alicePage, text, 'down'));

    // Bob downvotes: one each way, each side highlighting its own.
    await voteGroup(bobPage, text).down.click();
    await expectVotes(bobPage, text, 1, 1, 'down');
    await expectVotes(alicePage, text, 1, 1, 'up');

    // Alice casts her upvote again: removed.
    await voteGroup(alicePage, text).up.click();
    await expectVotes(alicePage, text, 0, 1, null);
    await expectVotes(bobPage, text, 0, 1, 'down');

    // Bob switches to up.
    await voteGroup(bobPage, text).up.click();
    await expectVotes(bobPage, text, 1, 0, 'up');
    await expectVotes(alicePage, text, 1, 0, null);

    // History says the same, with each one's own vote.
    await alicePage.reload();
    await bobPage.reload();
    await expect(bubble(alicePage, text)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(bubble(bobPage, text)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expectVotes(alicePage, text, 1, 0, null);
    await expectVotes(bobPage, text, 1, 0, 'up');
  } finally {
    await aliceContext.close();
    await bobContext.close();
  }
});
