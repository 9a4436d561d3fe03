import { test, expect } from '@playwright/test';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { open, unique, rows } from './helpers';

let tag = '';
test.afterEach(async ({ request }) => {
  // Remove what the import created, whatever happened (never everything).
  if (!tag) return;
  await request.post('/api/delete_contacts', { data: { target: { Matching: { page: 1, q: tag } } } });
});

test('an import maps columns by header, lists bad rows, and imports the valid ones with progress', async ({ page }) => {
  tag = unique('Imported');
  const file = join(mkdtempSync(join(tmpdir(), 'import-')), 'people.csv');
  writeFileSync(
    file,
    [
      'first_name,last_name,E-mail,phone_number,Plan,gender',
      `${tag},One,one.${Date.now()}@example.com,+44 20 7946 0958,Pro,x`,
      `${tag},Two,not-an-email,,Free,y`,
      `${tag},Three,three.${Date.now()}@example.com,,,z`,
    ].join('\n'),
  );
  await open(page);
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import contacts from CSV' });
  await dialog.getByLabel('CSV file').setInputFiles(file);

  await expect(dialog).toContainText('3 rows found');
  await expect(dialog.getByLabel('first_name')).toHaveValue('first_name');
  await expect(dialog.getByLabel('E-mail')).toHaveValue('email');
  await expect(dialog.getByLabel('phone_number')).toHaveValue('phone');
  await expect(dialog.getByLabel('gender')).toHaveValue('skip');
  await expect(dialog.getByLabel('Plan', { exact: true })).not.toHaveValue('skip');

  await dialog.getByRole('button', { name: 'Check rows' }).click();
  await expect(dialog).toContainText('2 of 3 rows are ready to import.');
  await expect(dialog).toContainText('Line 3: E-mail: “not-an-email” is not an email address');
  await dialog.getByRole('button', { name: 'Import only the 2 valid rows' }).click();
  await expect(dialog).toContainText('Import finished: 2 created, 0 updated, 0 skipped.');
  await dialog.getByRole('button', { name: 'Close' }).click();

  await page.goto(`/contacts?q=${encodeURIComponent(tag)}`);
  await expect(rows(page)).toHaveCount(2);
  await expect(page.locator('td.col-phone').first()).toHaveText(/\+442079460958|—/);
});

test('the import dialog’s code is fetched only when the dialog first opens', async ({ page }) => {
  const pieces: string[] = [];
  page.on('request', (r) => {
    const name = new URL(r.url()).pathname.split('/').pop() ?? '';
    if (name.startsWith('split_')) pieces.push(name);
  });
  await open(page);
  expect(pieces).toEqual([]);
  await page.getByRole('button', { name: 'Import CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import contacts from CSV' });
  await expect(dialog.getByLabel('CSV file')).toBeVisible();
  expect(pieces.filter((p) => p.startsWith('split_import_dialog'))).toHaveLength(1);
  // Closing and opening again uses the piece already loaded.
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('button', { name: 'Import CSV' }).click();
  await expect(dialog.getByLabel('CSV file')).toBeVisible();
  expect(pieces.filter((p) => p.startsWith('split_import_dialog'))).toHaveLength(1);
});
