import { expect, test } from '@playwright/test';
import { newUserContext, personInDirectory, searchPeople, signUp, uniqueCredentials } from './helpers';

/** Presence travels socket → RabbitMQ → notifications → socket; give it room on a busy machine. */
const LIVE_TIMEOUT_MS = 20_000;

test('two people see each other arrive and come online, then go offline, without reloading', async ({ browser }) => {
  const alice = uniqueCredentials('pa');
  const bob = uniqueCredentials('pb');
  const aliceContext = await newUserContext(browser);
  const bobContext = await newUserContext(browser);
  try {
    const alicePage = await aliceContext.newPage();
    await signUp(alicePage, alice);
    // Before bob exists: the server's search finds no one, so bob can only arrive live.
    await searchPeople(alicePage, bob.username);

    const bobPage = await bobContext.newPage();
    await signUp(bobPage, bob);
    await searchPeople(bobPage, alice.username);

    // Alice never reloads: bob arrives by `user.registered` and comes online by `presence`.
    await expect(personInDirectory(alicePage, bob.username)).toHaveAttribute('data-status', 'online', {
      timeout: LIVE_TIMEOUT_MS,
    });
    await expect(personInDirectory(alicePage, bob.username)).toContainText('Online');
    await expect(personInDirectory(bobPage, alice.username)).toHaveAttribute('data-status', 'online', {
      timeout: LIVE_TIMEOUT_MS,
    });

    await bobContext.close();
    await expect(personInDirectory(alicePage, bob.username)).toHaveAttribute('data-status', 'offline', {
      timeout: LIVE_TIMEOUT_MS,
    });
    await expect(personInDirectory(alicePage, bob.username)).toContainText('Last seen');
  } finally {
    await aliceContext.close();
    await bobContext.close();
  }
});

test('a reload keeps you signed in, and signing out returns to the sign-in page', async ({ browser }) => {
  const carol = uniqueCredentials('pc');
  const context = await newUserContext(browser);
  try {
    const page = await context.newPage();
    await signUp(page, carol);

    await page.reload();
    await expect(page.getByRole('heading', { name: `Welcome, ${carol.username}` })).toBeVisible();
    await expect(page).toHaveURL(/\/$/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/signin$/);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

    // The session is really gone: the home sends us back to sign in.
    await page.goto('/');
    await expect(page).toHaveURL(/\/signin$/);
  } finally {
    await context.close();
  }
});
