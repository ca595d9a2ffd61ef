import { expect, test } from '@playwright/test';
import { bubble, newUserContext, openChatFromDirectory, send, signUp, uniqueCredentials } from './helpers';

/** Socket → RabbitMQ → messages → back out, on a busy machine. */
const LIVE_TIMEOUT_MS = 20_000;

test('B finds a word of A’s third message and the chat opens at that message', async ({ browser }) => {
  test.setTimeout(240_000);
  const a = uniqueCredentials('sa');
  const b = uniqueCredentials('sb');
  const aContext = await newUserContext(browser);
  const bContext = await newUserContext(browser);
  try {
    const aPage = await aContext.newPage();
    const bPage = await bContext.newPage();
    await signUp(aPage, a);
    await signUp(bPage, b);
    await openChatFromDirectory(aPage, b.username);

    // A word nobody else has written, in A's third message; then more than a page of messages
    // after it, so the newest page does not hold it and the chat must open around it.
    const word = `zebra${Date.now().toString(36)}`;
    const third = `The third one mentions ${word} and nothing else`;
    const texts = ['First hello', 'Second, still nothing', third];
    for (let i = 1; i <= 55; i += 1) texts.push(`Filler number ${i}`);
    for (const text of texts) await send(aPage, text);
    await expect(bubble(aPage, 'Filler number 55')).toHaveAttribute('data-status', /sent|delivered|read/, {
      timeout: LIVE_TIMEOUT_MS,
    });

    // B searches from the home (Ctrl+K), finds it with the word marked, and opens it.
    await expect(bPage.getByRole('button', { name: /^Search/ })).toBeVisible();
    await bPage.keyboard.press('Control+K');
    const dialog = bPage.getByRole('dialog', { name: 'Search messages' });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('combobox', { name: 'Search messages' }).fill(word);
    const hit = dialog.getByRole('option').filter({ hasText: word });
    await expect(hit).toHaveCount(1, { timeout: LIVE_TIMEOUT_MS });
    await expect(hit.locator('mark')).toHaveText(word);
    await expect(dialog.getByRole('group', { name: a.username })).toBeVisible();
    await hit.click();

    await expect(dialog).toBeHidden();
    await expect(bPage).toHaveURL(/\/chat\//);
    await expect(bPage.getByRole('heading', { level: 2, name: a.username, exact: true })).toBeVisible();
    const target = bPage.getByRole('log').getByTestId('jump-target');
    await expect(target).toContainText(third, { timeout: LIVE_TIMEOUT_MS });
    await expect(target).toBeInViewport();
    // The rest of the conversation is there around it: older above, newer below, up to the newest.
    await expect(bubble(bPage, 'Second, still nothing')).toBeAttached();
    await bPage.getByRole('button', { name: 'Jump to latest ↓' }).click();
    await expect(bubble(bPage, 'Filler number 55')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
  } finally {
    await aContext.close();
    await bContext.close();
  }
});
