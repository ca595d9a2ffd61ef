import { test, type Browser, type BrowserContext, type BrowserContextOptions } from '@playwright/test';

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
  return browser.newContext({ baseURL, ...options });
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
