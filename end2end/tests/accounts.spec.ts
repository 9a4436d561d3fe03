import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { open, rows, unique, cli, addContact, DEMO_ADMIN, DEMO_AGENT, DEMO_PASSWORD } from './helpers';

// These tests start signed out.
test.use({ storageState: { cookies: [], origins: [] } });

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a stranger is sent to sign in, and back to the page asked for afterwards', async ({ page }) => {
  await page.goto('/contacts?q=a');
  await expect(page).toHaveURL(/\/signin\?next=/);
  await page.waitForSelector('body[data-hydrated]');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  expect(axe.violations.map((v) => v.id)).toEqual([]);

  await signIn(page, DEMO_ADMIN, 'not the password');
  const password = page.getByLabel('Password');
  await expect(page.locator('#signin-password-error')).toHaveText(
    'That email and password do not match an account.',
  );
  await expect(password).toHaveAttribute('aria-invalid', 'true');

  await signIn(page, DEMO_ADMIN, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/contacts\?q=a$/);
  await expect(page.getByRole('searchbox')).toHaveValue('a');
  await expect(page.getByTestId('workspace-name')).toHaveText('Demo');
  await expect(page.getByText('Demo Admin')).toBeVisible();
});

test('each workspace shows only its own contacts, and a person in two can switch', async ({ page }) => {
  const other = unique('Workspace');
  const person = unique('Only There');
  // The demo admin joins a second workspace, which has one contact.
  cli(['user', 'add', '--workspace', other, '--email', DEMO_ADMIN, '--role', 'admin']);
  addContact(person, { workspace: other });

  await page.goto('/signin');
  await page.waitForSelector('body[data-hydrated]');
  await signIn(page, DEMO_ADMIN, DEMO_PASSWORD);
  await expect(page.getByTestId('workspace-name')).toHaveText('Demo');
  await open(page, `/contacts?q=${encodeURIComponent(person)}`);
  await expect(page.getByRole('heading', { name: 'No contacts match' })).toBeVisible();

  await page.getByLabel('Switch to').selectOption({ label: other });
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page.getByTestId('workspace-name')).toHaveText(other);
  await expect(page.locator('#contacts-total')).toHaveText('Showing 1–1 of 1 contact');
  await expect(rows(page).first()).toContainText(person);

  // Back, so the next sign-in starts in the demo workspace again.
  await page.waitForSelector('body[data-hydrated]');
  await page.getByLabel('Switch to').selectOption({ label: 'Demo' });
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page.getByTestId('workspace-name')).toHaveText('Demo');
});

test('an agent sees no delete, export or import', async ({ page }) => {
  await page.goto('/signin');
  await page.waitForSelector('body[data-hydrated]');
  await signIn(page, DEMO_AGENT, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/contacts$/);
  await page.waitForSelector('body[data-hydrated]');
  await expect(rows(page)).toHaveCount(10);
  await expect(page.getByText('Agent', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Import CSV' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Download CSV' })).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: 'Select all contacts on this page' })).toHaveCount(0);
});

test('signing out ends the session and closes the app again', async ({ page }) => {
  await page.goto('/signin');
  await page.waitForSelector('body[data-hydrated]');
  await signIn(page, DEMO_ADMIN, DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/contacts$/);
  await page.waitForSelector('body[data-hydrated]');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.goto('/contacts');
  await expect(page).toHaveURL(/\/signin/);
});
