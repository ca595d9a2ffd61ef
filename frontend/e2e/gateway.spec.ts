import { expect, test } from '@playwright/test';

const SERVICES = ['auth', 'users', 'messages', 'notifications'] as const;

/** How long the backend may take to come up; the status page re-checks every 5 s. */
const SERVICES_UP_TIMEOUT_MS = 45_000;

test('every service answers its version route through the gateway', async ({ page }) => {
  await page.goto('/status');
  await expect(page.getByRole('heading', { name: 'System status' })).toBeVisible();

  // One shared deadline: the four services may come up in any order.
  await Promise.all(
    SERVICES.map((service) =>
      expect(
        page.getByTestId(`service-${service}`),
        `${service} should answer /api/${service}/version through the gateway`,
      ).toHaveAttribute('data-status', 'reachable', { timeout: SERVICES_UP_TIMEOUT_MS }),
    ),
  );
  for (const service of SERVICES) {
    await expect(page.getByTestId(`service-${service}`).getByText('Reachable')).toBeVisible();
  }
  await expect(page.getByText('4 of 4 services answer through the gateway.')).toBeVisible();
});

test('the sign-in form is served', async ({ page }) => {
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Email or username')).toBeEditable();
  await expect(page.getByLabel('Password', { exact: true })).toBeEditable();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  await expect(page.getByRole('link', { name: 'Create an account' })).toHaveAttribute('href', '/signup');
});
