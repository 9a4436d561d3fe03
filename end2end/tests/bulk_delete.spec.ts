import { test, expect } from '@playwright/test';
import { open, addContact, unique, rows, cleanUp } from './helpers';

test.afterEach(async ({ request }) => cleanUp(request));

test('deleting selected contacts says how many have conversations, then removes them', async ({ page }) => {
  const tag = unique('Bulkdel');
  addContact(`${tag} Talker`, { message: 'We spoke once' });
  addContact(`${tag} Quiet`);
  addContact(`${tag} Silent`);
  await open(page, `/contacts?q=${encodeURIComponent(tag)}`);
  await expect(rows(page)).toHaveCount(3);

  await page.getByRole('checkbox', { name: 'Select all contacts on this page' }).check();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await expect(bar).toContainText('3 contacts selected');
  await bar.getByRole('button', { name: 'Delete' }).click();

  const dialog = page.getByRole('alertdialog', { name: 'Delete 3 contacts?' });
  await expect(dialog).toContainText('1 contact has conversations');
  await expect(dialog).toContainText('2 contacts have no conversations');
  await expect(dialog).toContainText('permanent');
  await dialog.getByRole('button', { name: 'Delete 3 contacts' }).click();

  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'No contacts match' })).toBeVisible();
  await expect(bar).toBeHidden();
});

test('select all matching deletes every page of the search', async ({ page }) => {
  const tag = unique('Bulkall');
  for (let i = 0; i < 12; i++) addContact(`${tag} ${i}`);
  await open(page, `/contacts?q=${encodeURIComponent(tag)}`);
  await expect(page.locator('#contacts-total')).toHaveText('Showing 1–10 of 12 contacts');

  await page.getByRole('checkbox', { name: 'Select all contacts on this page' }).check();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await bar.getByRole('button', { name: 'Select all 12 matching' }).click();
  await expect(bar).toContainText('12 contacts selected');
  await bar.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Delete 12 contacts?' });
  await expect(dialog).toContainText('12 contacts have no conversations');
  // Cancel keeps everything; then delete for real.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(rows(page)).toHaveCount(10);
  await bar.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete 12 contacts' }).click();
  await expect(page.getByRole('heading', { name: 'No contacts match' })).toBeVisible();
});
