import { expect, test, type Page } from '@playwright/test';
import {
  bubble,
  conversationWith,
  messageLog,
  messageTexts,
  newUserContext,
  openChatFromDirectory,
  personInDirectory,
  recordMessageStatuses,
  searchPeople,
  send,
  signUp,
  statusHistory,
  uniqueCredentials,
} from './helpers';

/** Socket → RabbitMQ → messages → back out: live delivery, on a busy machine. */
const LIVE_TIMEOUT_MS = 20_000;
/** Coming back online: the reconnect (at once on `online`, else backoff ≤ 10 s) and catch-up. */
const RECONNECT_TIMEOUT_MS = 30_000;

const HOSTILE = '<b>bold</b><script>alert(1)</script>';

async function expectStatus(page: Page, text: string, status: string, timeout = LIVE_TIMEOUT_MS) {
  await expect(bubble(page, text)).toHaveAttribute('data-status', status, { timeout });
}

test('two people chat live, and a reconnect delivers what was missed exactly once', async ({ browser }) => {
  test.setTimeout(180_000);
  const alice = uniqueCredentials('ca');
  const bob = uniqueCredentials('cb');
  const aliceContext = await newUserContext(browser);
  const bobContext = await newUserContext(browser);
  try {
    const alicePage = await aliceContext.newPage();
    const bobPage = await bobContext.newPage();
    const dialogs: string[] = [];
    bobPage.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signUp(alicePage, alice);
    await signUp(bobPage, bob);

    await searchPeople(alicePage, bob.username);
    await expect(personInDirectory(alicePage, bob.username)).toHaveAttribute('data-status', 'online', {
      timeout: LIVE_TIMEOUT_MS,
    });
    await openChatFromDirectory(alicePage, bob.username);
    await openChatFromDirectory(bobPage, alice.username);
    await recordMessageStatuses(alicePage);
    await recordMessageStatuses(bobPage);

    // --- both ways, live, sent → read ---
    await send(alicePage, 'Hello from Alice');
    await expect(bubble(bobPage, 'Hello from Alice')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expectStatus(alicePage, 'Hello from Alice', 'read');
    const firstHistory = await statusHistory(alicePage, 'Hello from Alice');
    expect(firstHistory[0]).toBe('pending');
    expect(firstHistory.at(-1)).toBe('read');
    // Sent → delivered → read (contract §6); a fast peer may skip a step on screen.
    expect(['pending,sent,delivered,read', 'pending,delivered,read', 'pending,sent,read', 'pending,read']).toContain(
      firstHistory.join(','),
    );

    // Bob types: Alice sees it, then his reply.
    await bobPage.getByRole('textbox', { name: `Message to ${alice.username}` }).pressSequentially('Hi Al');
    await expect(alicePage.getByText(`${bob.username} is typing…`)).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await send(bobPage, 'Hi Alice, got it');
    await expect(bubble(alicePage, 'Hi Alice, got it')).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expectStatus(bobPage, 'Hi Alice, got it', 'read');
    expect((await statusHistory(bobPage, 'Hi Alice, got it'))[0]).toBe('pending');

    // --- bob leaves the chat and loses the network ---
    await bobPage.getByRole('link', { name: 'GoChat' }).click();
    await expect(bobPage.getByRole('heading', { name: `Welcome, ${bob.username}` })).toBeVisible();
    await expect(conversationWith(bobPage, alice.username)).toBeVisible();
    await expect(conversationWith(bobPage, alice.username).getByTestId('unread-badge')).toHaveCount(0);
    await bobContext.setOffline(true);

    const missed = ['While you were away 1', 'While you were away 2', 'While you were away 3'];
    for (const text of missed) await send(alicePage, text);
    // Stored by the server, so each goes pending → sent; nobody has read them.
    for (const text of missed) {
      await expectStatus(alicePage, text, 'sent');
      expect(await statusHistory(alicePage, text)).toEqual(['pending', 'sent']);
    }

    // --- back online, no reload: the three arrive in order, once ---
    await bobContext.setOffline(false);
    const aliceInBobsList = conversationWith(bobPage, alice.username);
    await expect(aliceInBobsList.getByTestId('unread-badge')).toHaveText(/^3/, { timeout: RECONNECT_TIMEOUT_MS });
    await expect(aliceInBobsList).toContainText('While you were away 3');

    await aliceInBobsList.click();
    await expect(messageLog(bobPage)).toBeVisible();
    await expect
      .poll(() => messageTexts(bobPage), { timeout: RECONNECT_TIMEOUT_MS })
      .toEqual(['Hello from Alice', 'Hi Alice, got it', ...missed]);
    await expect(aliceInBobsList.getByTestId('unread-badge')).toHaveCount(0, { timeout: LIVE_TIMEOUT_MS });
    for (const text of missed) await expectStatus(alicePage, text, 'read');

    // --- a reload shows the whole history once, and nothing unread ---
    await bobPage.reload();
    await expect(messageLog(bobPage)).toBeVisible();
    await expect
      .poll(() => messageTexts(bobPage), { timeout: LIVE_TIMEOUT_MS })
      .toEqual(['Hello from Alice', 'Hi Alice, got it', ...missed]);
    await expect(conversationWith(bobPage, alice.username)).toBeVisible();
    await expect(conversationWith(bobPage, alice.username).getByTestId('unread-badge')).toHaveCount(0);

    // --- message text is text, never markup ---
    await send(alicePage, HOSTILE);
    const hostile = bubble(bobPage, HOSTILE);
    await expect(hostile).toBeVisible({ timeout: LIVE_TIMEOUT_MS });
    await expect(hostile.getByTestId('message-text')).toHaveText(HOSTILE);
    expect(await hostile.getByTestId('message-text').evaluate((element) => element.textContent)).toBe(HOSTILE);
    await expect(hostile.locator('b')).toHaveCount(0);
    await expect(hostile.locator('script')).toHaveCount(0);
    expect(dialogs).toEqual([]);
  } finally {
    await aliceContext.close();
    await bobContext.close();
  }
});
