import { expect, test, type BrowserContext, type Page, type Worker } from '@playwright/test';
import {
  bubble,
  conversationWith,
  newUserContext,
  openChatFromDirectory,
  send,
  signUp,
  uniqueCredentials,
} from './helpers';

/** Messages travel socket → RabbitMQ → messages → notifications; give them room. */
const LIVE_TIMEOUT_MS = 20_000;

interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  data: { notificationId: string; conversationId: string; path: string };
}

/** The app's service worker (the one running now: an idle worker is stopped, and a push
 *  starts a new one). */
async function serviceWorker(context: BrowserContext, scriptURL: string): Promise<Worker> {
  const running = context.serviceWorkers().find((w) => w.url() === scriptURL);
  return running ?? context.waitForEvent('serviceworker', (w) => w.url() === scriptURL);
}

/** Hands pushes to the app's service worker as its push service would (the DevTools protocol's
 *  `ServiceWorker.deliverPushMessage`), through a tab that stays open. */
async function pushChannel(page: Page, origin: string): Promise<(data: string) => Promise<void>> {
  const cdp = await page.context().newCDPSession(page);
  const registrationId = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === `${origin}/` && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const id = await registrationId;
  return async (data) => {
    await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId: id, data });
  };
}

/** The notifications the service worker has on screen. */
async function shown(context: BrowserContext, scriptURL: string): Promise<ShownNotification[]> {
  const worker = await serviceWorker(context, scriptURL);
  return worker.evaluate(async () => {
    const scope = self as unknown as { registration: ServiceWorkerRegistration };
    const notifications = await scope.registration.getNotifications();
    return notifications.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
  });
}

test('with no tab open a push shows the message, and its click opens the conversation', async ({ browser }) => {
  const ann = uniqueCredentials('wa');
  const bob = uniqueCredentials('wb');
  const annContext = await newUserContext(browser);
  const bobContext = await newUserContext(browser);
  try {
    await annContext.grantPermissions(['notifications']);
    const annPage = await annContext.newPage();
    await signUp(annPage, ann);
    // The app registers its worker at the site root, scoped to the whole app.
    const registration = await annPage.evaluate(async () => {
      const ready = await navigator.serviceWorker.ready;
      return { scope: ready.scope, scriptURL: ready.active?.scriptURL ?? '' };
    });
    const origin = new URL(annPage.url()).origin;
    expect(registration).toEqual({ scope: `${origin}/`, scriptURL: `${origin}/sw.js` });

    // Notifications are offered in the settings menu; nothing was asked yet.
    await annPage.getByRole('button', { name: 'Settings' }).click();
    await expect(annPage.getByRole('menuitem', { name: 'Enable notifications' })).toBeVisible();
    await annPage.keyboard.press('Escape');

    // Bob writes; ann's notification is stored.
    const bobPage = await bobContext.newPage();
    await signUp(bobPage, bob);
    await openChatFromDirectory(bobPage, ann.username);
    await send(bobPage, 'are you there?');
    const stored = async () => (await (await annPage.request.get('/api/notifications')).json()).notifications;
    await expect.poll(stored, { timeout: LIVE_TIMEOUT_MS }).toHaveLength(1);
    const [notification] = await stored();
    expect(notification.preview).toBe('are you there?');

    // Ann closes GoChat; the push service then delivers the server's push.
    const blank = await annContext.newPage();
    const push = await pushChannel(blank, origin);
    await annPage.close();
    await push(JSON.stringify({ type: 'notification', notification }));

    const expected: ShownNotification = {
      title: bob.username,
      body: 'are you there?',
      tag: `conversation:${notification.conversationId}`,
      data: {
        notificationId: notification.id,
        conversationId: notification.conversationId,
        path: `/chat/${notification.senderId}`,
      },
    };
    await expect.poll(() => shown(annContext, registration.scriptURL), { timeout: LIVE_TIMEOUT_MS }).toEqual([
      expected,
    ]);
    // The same push again (a push service may deliver one twice) is shown once.
    await push(JSON.stringify({ type: 'notification', notification }));
    await expect.poll(() => shown(annContext, registration.scriptURL)).toEqual([expected]);

    // Ann opens GoChat again, then chooses the notification: the worker's click handling (a
    // real click on a system notification is out of a test's reach) takes her open tab to
    // bob's conversation, without reloading it.
    const again = await annContext.newPage();
    await again.goto('/');
    await expect(again.getByRole('heading', { name: `Welcome, ${ann.username}` })).toBeVisible();
    await again.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    const worker = await serviceWorker(annContext, registration.scriptURL);
    await worker.evaluate(async (path) => {
      const scope = self as unknown as { gochatOpenConversation: (path: string) => Promise<void> };
      await scope.gochatOpenConversation(path);
    }, expected.data.path);
    await expect(again).toHaveURL(new RegExp(`/chat/${notification.senderId}$`));
    await expect(again.getByRole('heading', { level: 2, name: bob.username, exact: true })).toBeVisible();
    expect(await again.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  } finally {
    await annContext.close();
    await bobContext.close();
  }
});

test('a conversation can be muted for a while and unmuted from its menu', async ({ browser }) => {
  const carol = uniqueCredentials('wc');
  const dave = uniqueCredentials('wd');
  const carolContext = await newUserContext(browser);
  const daveContext = await newUserContext(browser);
  try {
    const davePage = await daveContext.newPage();
    await signUp(davePage, dave);
    const carolPage = await carolContext.newPage();
    await signUp(carolPage, carol);
    await openChatFromDirectory(davePage, carol.username);
    await send(davePage, 'hello carol');
    // Stored: then carol's list, loaded again, has the conversation.
    await expect(bubble(davePage, 'hello carol')).toHaveAttribute('data-status', /sent|delivered|read/, {
      timeout: LIVE_TIMEOUT_MS,
    });
    await carolPage.reload();
    await conversationWith(carolPage, dave.username).click();

    const menu = carolPage.getByRole('button', { name: 'Conversation options' });
    await menu.click();
    await expect(carolPage.getByRole('menuitem')).toHaveText(['Mute for 1 hour', 'Mute for 8 hours', 'Mute until I unmute']);
    await carolPage.getByRole('menuitem', { name: 'Mute for 8 hours' }).click();
    await expect(carolPage.getByTestId('muted-state')).toHaveText(/^Muted until /);
    await expect(menu).toBeFocused();

    // Stored on the server: a reload shows it still muted.
    await carolPage.reload();
    await expect(carolPage.getByTestId('muted-state')).toHaveText(/^Muted until /);
    const mutes = await (await carolPage.request.get('/api/notifications/mutes')).json();
    expect(mutes.mutes).toHaveLength(1);

    await carolPage.getByRole('button', { name: 'Conversation options' }).click();
    await carolPage.getByRole('menuitem', { name: 'Unmute' }).click();
    await expect(carolPage.getByTestId('muted-state')).toHaveCount(0);
    expect((await (await carolPage.request.get('/api/notifications/mutes')).json()).mutes).toEqual([]);
  } finally {
    await carolContext.close();
    await daveContext.close();
  }
});
