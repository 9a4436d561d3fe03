import { defineConfig } from '@playwright/test';

// The server under test: the release binary built by cargo-leptos, on a fresh
// SQLite file seeded with the demo workspace. The test script sets these.
const port = Number(process.env.E2E_PORT ?? 3917);
const binary = process.env.CONTACTS_BIN ?? '../target/release/contacts';
const database = process.env.E2E_DATABASE_URL ?? 'sqlite:///tmp/contacts-e2e.db';
const siteRoot = process.env.LEPTOS_SITE_ROOT ?? '../target/site';
export const authFile = '.auth/admin.json';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
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
  },
  // The setup project signs in as the demo admin once; every other test starts
  // signed in with that session (the accounts tests start signed out).
  projects: [
    { name: 'setup', testMatch: /auth\.setup\.ts/ },
    {
      name: 'chromium',
      dependencies: ['setup'],
      use: { storageState: authFile },
    },
  ],
  webServer: {
    // --inline-count-max 0: totals that need a count follow the page, as in a
    // workspace of a million contacts, so the browser tests see that path.
    command: `${binary} serve --demo --inline-count-max 0 --addr 127.0.0.1:${port} --database-url ${database} --site-root ${siteRoot}`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
