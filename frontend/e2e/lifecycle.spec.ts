import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  bubble,
  messageLog,
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
/** The socket's reconnect backoff plus the change feed and the catch-up. */
const RECONNECT_TIMEOUT_MS = 45_000;

/** The row of the message with this seq (a tombstone has no text to find it by). */
const row = (page: Page, seq: string) => messageLog(page).locator(`[data-testid="message"][data-seq="${seq}"]`);

async function chooseAction(page: Page, message: Locator, action: string) {
  await message.getByRole('button', { name: 'Message actions' }).click();
  await page.getByRole('menuitem', { name: action }).click();
}

async function seqOf(message: Locator): Promise<string> {
  await expect(message).toHaveAttribute('data-seq', /^\d+$/, { timeout: LIVE_TIMEOUT_MS });
  return (await message.getAttribute('data-seq')) as string;
}

const chip = (message: Locator, emoji: string) => message.locator(`[data-testid="reaction"][data-emoji="${emoji}"]`);

async function expectChip(message: Locator, emoji: string, count: number, mine: boolean) {
  const reaction = chip(message, emoji);
  await expect(reaction).toHaveAttribute('data-count', String(count), { timeout: LIVE_TIMEOUT_MS });
  await expect(reaction).toHaveAttribute('aria-pressed', String(mine), { timeout: LIVE_TIMEOUT_MS });
}

test('two people reply, edit, delete and react, and one who was offline catches up without a reload', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const alice = uniqueCredentials('la');
  const bob = uniqueCredentials('lb');
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

    // --- reply: from the message's menu, the quote above the composer, then in both bubbles ---
    const question = 'Shall we meet on Friday?';
    await send(alicePage, question);
    await expect(bubble(bobPage, question)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await chooseAction(bobPage, bubble(bobPage, question), 'Reply');
    const replyBar = bobPage.getByTestId('composer-reply');
    await expect(replyBar).toContainText(`Replying to ${alice.username}`);
    await expect(replyBar).toContainText(question);
    await expect(bobPage.getByRole('textbox', { name: /^Message to / })).toBeFocused();
    const answer = 'Friday works for me';
    await send(bobPage, answer);
    await expect(replyBar).toHaveCount(0);
    for (const page of [alicePage, bobPage]) {
      const quote = bubble(page, answer).getByTestId('reply-quote');
      await expect(quote).toContainText(question, { timeout: LIVE_TIMEOUT_MS });
    }
    // The quote shows the original and moves focus to it.
    await bubble(alicePage, answer).getByTestId('reply-quote').click();
    await expect(bubble(alicePage, question).locator('.message__body')).toBeFocused();

    // --- edit: Up in the empty composer, Enter saves; both see the text, "edited" and the quote follow ---
    const composer = alicePage.getByRole('textbox', { name: /^Message to / });
    await composer.focus();
    await composer.press('ArrowUp');
    const editor = alicePage.getByRole('textbox', { name: 'Edit message' });
    await expect(editor).toBeFocused();
    await expect(editor).toHaveValue(question);
    // Escape cancels and gives focus back to the composer.
    await editor.press('Escape');
    await expect(editor).toHaveCount(0);
    await expect(composer).toBeFocused();
    await composer.press('ArrowUp');
    const edited = 'Shall we meet on Saturday?';
    await editor.fill(edited);
    await editor.press('Enter');
    await expect(composer).toBeFocused();
    for (const page of [alicePage, bobPage]) {
      await expect(bubble(page, edited)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
      await expect(bubble(page, edited).getByTestId('edited-mark')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
      await expect(bubble(page, answer).getByTestId('reply-quote')).toContainText(edited);
    }
    // The history: the original, then the current text; Escape closes it and focus comes back.
    const mark = bubble(bobPage, edited).getByTestId('edited-mark');
    await mark.click();
    const history = bobPage.getByRole('dialog', { name: 'Edit history' });
    await expect(history.getByTestId('revision')).toHaveText([/Original.*Friday/, /Current.*Saturday/], {
      timeout: LIVE_TIMEOUT_MS,
    });
    await bobPage.keyboard.press('Escape');
    await expect(history).toHaveCount(0);
    await expect(mark).toBeFocused();

    // --- react: the picker with search; chips with counts, our own highlighted, a click toggles ---
    await chooseAction(bobPage, bubble(bobPage, edited), 'Add reaction');
    const picker = bobPage.getByRole('dialog', { name: 'Add a reaction' });
    await picker.getByRole('searchbox', { name: 'Search emoji' }).fill('party');
    await picker.getByRole('button', { name: /🎉/ }).click();
    await expect(picker).toHaveCount(0);
    await expect(bubble(bobPage, edited).getByRole('button', { name: 'Message actions' })).toBeFocused();
    await expectChip(bubble(bobPage, edited), '🎉', 1, true);
    await expectChip(bubble(alicePage, edited), '🎉', 1, false);
    await chip(bubble(alicePage, edited), '🎉').click();
    await expectChip(bubble(alicePage, edited), '🎉', 2, true);
    await expectChip(bubble(bobPage, edited), '🎉', 2, true);
    // Hovering the chips names the reactors, in the order they reacted.
    await chip(bubble(bobPage, edited), '🎉').hover();
    await expect(chip(bubble(bobPage, edited), '🎉')).toHaveAttribute('title', `You and ${alice.username} reacted with 🎉`, {
      timeout: LIVE_TIMEOUT_MS,
    });
    await chip(bubble(bobPage, edited), '🎉').click();
    await expectChip(bubble(bobPage, edited), '🎉', 1, false);
    await expectChip(bubble(alicePage, edited), '🎉', 1, true);

    // --- delete: a confirmation, then a tombstone in place for both ---
    const answerSeq = await seqOf(bubble(bobPage, answer));
    await chooseAction(bobPage, bubble(bobPage, answer), 'Delete');
    const confirm = bobPage.getByRole('dialog', { name: 'Delete this message?' });
    // Cancel first: nothing happens, focus goes back to the menu button.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toHaveCount(0);
    await expect(bubble(bobPage, answer).getByRole('button', { name: 'Message actions' })).toBeFocused();
    await chooseAction(bobPage, bubble(bobPage, answer), 'Delete');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    // The menu went with the text: focus is on the tombstone, where it was.
    await expect(row(bobPage, answerSeq).locator('.message__body')).toBeFocused({ timeout: LIVE_TIMEOUT_MS });
    for (const page of [alicePage, bobPage]) {
      await expect(row(page, answerSeq).getByTestId('message-tombstone')).toHaveText('This message was deleted', {
        timeout: LIVE_TIMEOUT_MS,
      });
      await expect(bubble(page, answer)).toHaveCount(0);
    }

    // --- bob goes offline; alice edits, deletes and reacts meanwhile ---
    await send(alicePage, 'Meet at the staton');
    await send(alicePage, 'Bring the tickets');
    await expect(bubble(bobPage, 'Bring the tickets')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    const doomedSeq = await seqOf(bubble(bobPage, 'Bring the tickets'));
    await bobContext.setOffline(true);
    await expect(bobPage.getByTestId('connection-banner')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });

    await chooseAction(alicePage, bubble(alicePage, 'Meet at the staton'), 'Edit');
    await alicePage.getByRole('textbox', { name: 'Edit message' }).fill('Meet at the station');
    await alicePage.getByRole('textbox', { name: 'Edit message' }).press('Enter');
    await expect(bubble(alicePage, 'Meet at the station').getByTestId('edited-mark')).toBeVisible({
      timeout: LIVE_TIMEOUT_MS,
    });
    await chooseAction(alicePage, bubble(alicePage, 'Bring the tickets'), 'Delete');
    await alicePage.getByRole('dialog', { name: 'Delete this message?' }).getByRole('button', { name: 'Delete' }).click();
    await expect(row(alicePage, doomedSeq).getByTestId('message-tombstone')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await chooseAction(alicePage, bubble(alicePage, 'Meet at the station'), 'Add reaction');
    await alicePage.getByRole('dialog', { name: 'Add a reaction' }).getByRole('button', { name: /👍/ }).click();
    await expectChip(bubble(alicePage, 'Meet at the station'), '👍', 1, true);
    // Still the old state on bob's screen.
    await expect(bubble(bobPage, 'Meet at the staton')).toBeVisible();

    // --- back online, no reload: the change feed brings the edit, the tombstone and the reaction ---
    const requests: string[] = [];
    bobPage.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/messages/')) requests.push(`${url.pathname}${url.search}`);
    });
    await bobContext.setOffline(false);
    await expect(bubble(bobPage, 'Meet at the station')).toBeVisible({ timeout: RECONNECT_TIMEOUT_MS });
    await expect(bubble(bobPage, 'Meet at the station').getByTestId('edited-mark')).toBeVisible();
    await expectChip(bubble(bobPage, 'Meet at the station'), '👍', 1, false);
    await expect(row(bobPage, doomedSeq).getByTestId('message-tombstone')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(bubble(bobPage, 'Bring the tickets')).toHaveCount(0);
    await expect(bubble(bobPage, 'Meet at the staton')).toHaveCount(0);
    // What changed came from the feed; the history was not loaded again (only `after=`).
    expect(requests.some((path) => /\/changes\?since=\d+/.test(path))).toBe(true);
    const historyReads = requests.filter((path) => path.includes('/with/'));
    expect(historyReads.every((path) => path.includes('after='))).toBe(true);
  } finally {
    await aliceContext.close();
    await bobContext.close();
  }
});

/** Sends `count` messages to `peerId` over a socket of the page's own (faster than typing). */
async function sendMany(page: Page, peerId: string, count: number, prefix: string): Promise<void> {
  await page.evaluate(
    async ({ peerId, count, prefix }) => {
      const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/chat`);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      const acked = new Promise<void>((resolve) => {
        let left = count;
        socket.onmessage = (event) => {
          if (JSON.parse(event.data).type === 'message.ack' && --left === 0) resolve();
        };
      });
      for (let i = 1; i <= count; i += 1) {
        socket.send(JSON.stringify({ type: 'message.send', clientMsgId: crypto.randomUUID(), to: peerId, content: `${prefix} ${i}` }));
      }
      await acked;
      socket.close();
    },
    { peerId, count, prefix },
  );
}

test('a reply’s quote shows its original even when that is older than the loaded history, by keyboard', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const alice = uniqueCredentials('lj');
  const bob = uniqueCredentials('lk');
  const aliceContext = await newUserContext(browser);
  const bobContext = await newUserContext(browser);
  try {
    const alicePage = await aliceContext.newPage();
    const bobPage = await bobContext.newPage();
    await signUp(alicePage, alice);
    await signUp(bobPage, bob);
    await openChatFromDirectory(alicePage, bob.username);
    const bobId = new URL(alicePage.url()).pathname.split('/').pop() as string;

    const anchor = 'The plan, in short';
    await send(alicePage, anchor);
    await expect(bubble(alicePage, anchor)).toHaveAttribute('data-status', /^(sent|delivered|read)$/, { timeout: LIVE_TIMEOUT_MS });
    // Reply to it by keyboard only: the menu button, Enter, the first item (Reply), Enter.
    const actions = bubble(alicePage, anchor).getByRole('button', { name: 'Message actions' });
    await actions.focus();
    await alicePage.keyboard.press('Enter');
    await expect(alicePage.getByRole('menuitem', { name: 'Reply' })).toBeFocused();
    await alicePage.keyboard.press('Enter');
    const composer = alicePage.getByRole('textbox', { name: /^Message to / });
    await expect(composer).toBeFocused();
    await expect(alicePage.getByTestId('composer-reply')).toContainText(anchor);
    // Many messages in between, then the reply: the original is no longer on the newest page.
    await sendMany(alicePage, bobId, 70, 'Filler');
    await composer.fill('About the plan: yes');
    await composer.press('Enter');

    await openChatFromDirectory(bobPage, alice.username);
    const reply = bubble(bobPage, 'About the plan: yes');
    await expect(reply).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(bubble(bobPage, anchor)).toHaveCount(0);
    const quote = reply.getByTestId('reply-quote');
    await expect(quote).toContainText(anchor);
    await quote.focus();
    await bobPage.keyboard.press('Enter');
    const original = bubble(bobPage, anchor);
    await expect(original.locator('.message__body')).toBeFocused({ timeout: LIVE_TIMEOUT_MS });
    await expect(original).toBeInViewport();
  } finally {
    await aliceContext.close();
    await bobContext.close();
  }
});
