import { defineConfig } from '@playwright/test';

/** The gateway under test; the e2e suite never starts servers itself. */
const baseURL = process.env.E2E_BASE_URL ?? 'http://localhost:8080';

/** Debian's Chromium: Playwright's own browser downloads are not used on this project. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './e2e',
  workers: 1,
  fullyParallel: false,
  // As the Rust suite (.config/nextest.toml): a test that fails and then passes is reported as
  // flaky (and should be looked into) without failing the run; one that fails twice fails it.
  // Three browsers against one loaded 2-core machine make the live timings vary.
  retries: 1,
  // The list as it goes; at the very end, each failed attempt with where and why (e2e/failureSummary.ts).
  reporter: [['list'], ['./e2e/failureSummary.ts']],
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
