import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { open, addContact, unique, cleanUp } from './helpers';

test.afterEach(async ({ request }) => cleanUp(request));

test('download CSV follows the search, refuses a count out of range and names the file by date', async ({ page }) => {
  const tag = unique('Exporter');
  addContact(`${tag} One`, { email: "one@example.com" });
  addContact(`=${tag} Two`);
  await open(page, `/contacts?q=${encodeURIComponent(tag)}`);
  await page.getByRole('button', { name: 'Download CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Download contacts as CSV' });
  const count = dialog.getByLabel('Number of contacts');
  await expect(count).toHaveValue('2');
  await expect(dialog).toContainText('Between 1 and 2');

  await count.fill('3');
  await expect(dialog.getByRole('alert')).toContainText('Choose between 1 and 2 contacts');
  await expect(dialog.getByRole('link', { name: 'Download' })).toHaveAttribute('aria-disabled', 'true');
  await count.fill('2');
  await dialog.getByLabel('Created date').check();
  await dialog.getByLabel('Include labels from recent sessions').check();

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('link', { name: 'Download' }).click(),
  ]);
  const today = new Date().toISOString().slice(0, 10);
  expect(download.suggestedFilename()).toBe(`contacts-${today}.csv`);
  const text = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
  const lines = text.trim().split('\r\n');
  expect(lines[0]).toContain('Name,Email,Phone,Created At,Last Interaction,Campaign Opt-in');
  expect(lines[0]).toContain('Labels (recent conversations)');
  expect(lines).toHaveLength(3);
  // Newest created first; the formula-like name is neutralized.
  expect(lines[1].startsWith(`'=${tag} Two`)).toBe(true);
  expect(lines[2]).toContain(`${tag} One,one@example.com`);
  await expect(page.getByRole('status').filter({ hasText: 'CSV ready: 2 contacts exported.' })).toBeVisible();
});
