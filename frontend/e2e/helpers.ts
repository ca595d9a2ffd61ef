import {
  expect,
  test,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Locator,
  type Page,
} from '@playwright/test';

/**
 * A fresh, isolated browser context: its own cookie jar, so each simulated user has their own
 * session. It uses the configured baseURL (E2E_BASE_URL). The caller closes it, ideally in a
 * `finally` or an `afterEach`.
 */
export async function newUserContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const { baseURL } = test.info().project.use;
  const context = await browser.newContext({ baseURL, ...options });
  if (CPU_SLOWDOWN > 1) context.on('page', (page) => void slowDown(page));
  return context;
}

/**
 * E2E_CPU_SLOWDOWN=N runs every page N times slower (Chromium's CPU throttling), as a slow CI
 * machine does: renders and network answers then arrive in other orders. A test that fails only
 * in CI can often be made to fail here this way (search.spec's "Jump to latest" did, at 8).
 */
const CPU_SLOWDOWN = Number(process.env.E2E_CPU_SLOWDOWN ?? 1);

async function slowDown(page: Page): Promise<void> {
  const session = await page.context().newCDPSession(page);
  await session.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
}

/**
 * Credentials no other run has used: usernames stay within the contract's 3 to 32 characters
 * of `A-Z a-z 0-9 _ . -`, passwords within 8 to 72 bytes.
 */
export function uniqueCredentials(prefix = 'e2e'): {
  email: string;
  username: string;
  password: string;
} {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const username = `${prefix}_${suffix}`.slice(0, 32);
  return { email: `${username}@example.test`, username, password: `pw-${suffix}-Secret!` };
}


export type Credentials = ReturnType<typeof uniqueCredentials>;

/** Signs up through the form and waits for the signed-in home. */
export async function signUp(page: Page, credentials: Credentials): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Username').fill(credentials.username);
  await page.getByLabel('Password', { exact: true }).fill(credentials.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${credentials.username}` })).toBeVisible();
}

/**
 * Narrows People to names starting with `username`, as a person would in a long directory: the
 * list is windowed, so only the rows near its view are in the DOM. Typing it before that user
 * signs up still lets them arrive live (`user.registered`): the list filters locally.
 */
export async function searchPeople(page: Page, username: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search people' }).fill(username);
}

/** A person in the People list (an option of the listbox), by exact username. */
export function personInDirectory(page: Page, username: string): Locator {
  return page.getByRole('listbox', { name: 'People' }).locator(`[data-testid="user-item"][data-username="${username}"]`);
}

/** A conversation in the Chats list, by the peer's username. */
export function conversationWith(page: Page, username: string): Locator {
  return page.getByRole('listbox', { name: 'Conversations' }).locator(`[data-testid="conversation-item"][data-peer="${username}"]`);
}

/** Opens the chat with `username` from the People list (searched for first). */
export async function openChatFromDirectory(page: Page, username: string): Promise<void> {
  await searchPeople(page, username);
  await personInDirectory(page, username).click();
  await expect(page.getByRole('heading', { level: 2, name: username, exact: true })).toBeVisible();
  await expect(page.getByRole('log', { name: `Messages with ${username}` })).toBeVisible();
}

export function messageLog(page: Page): Locator {
  return page.getByRole('log');
}

/** The bubble (row) of the message with exactly this text. */
export function bubble(page: Page, text: string): Locator {
  return messageLog(page)
    .getByTestId('message')
    .filter({ has: page.getByTestId('message-text').getByText(text, { exact: true }) });
}

/** Types into the composer and sends with Enter. */
export async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByRole('textbox', { name: /^Message to / });
  await composer.fill(text);
  await composer.press('Enter');
  await expect(composer).toHaveValue('');
}

/** The texts of every message in the open chat, in display order. */
export async function messageTexts(page: Page): Promise<string[]> {
  return messageLog(page).getByTestId('message-text').allTextContents();
}

/**
 * Records every `data-status` each of our messages goes through (keyed by clientMsgId), so a
 * test can check "pending, then sent" even when the pending phase lasts a few milliseconds.
 */
export async function recordMessageStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: Record<string, string[]> = {};
    (window as unknown as { __statusLog: Record<string, string[]> }).__statusLog = log;
    const note = (element: Element) => {
      const id = element.getAttribute('data-client-msg-id');
      const status = element.getAttribute('data-status');
      if (!id || !status) return;
      const seen = (log[id] ??= []);
      if (seen[seen.length - 1] !== status) seen.push(status);
    };
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'attributes' && record.target instanceof Element) note(record.target);
        for (const node of Array.from(record.addedNodes)) {
          if (!(node instanceof Element)) continue;
          if (node.matches('[data-client-msg-id]')) note(node);
          node.querySelectorAll('[data-client-msg-id]').forEach(note);
        }
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });
}

/** The statuses the message with this text went through (see `recordMessageStatuses`). */
export async function statusHistory(page: Page, text: string): Promise<string[]> {
  const id = await bubble(page, text).getAttribute('data-client-msg-id');
  if (!id) throw new Error(`the message "${text}" was not sent from this page`);
  return page.evaluate(
    (clientMsgId) => (window as unknown as { __statusLog: Record<string, string[]> }).__statusLog[clientMsgId] ?? [],
    id,
  );
}
