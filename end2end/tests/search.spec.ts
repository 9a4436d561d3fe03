import { test, expect, Page, Locator } from '@playwright/test';
import { open, rows, headers } from './helpers';

test('typing a search shows only matching rows once typing pauses', async ({ page }) => {
  await open(page);
  // An email's local part is unique to its contact in the demo data.
  const email = (await rows(page).locator('td.col-email').filter({ hasText: '@' }).first().innerText()).trim();
  const local = email.split('@')[0];
  const box = page.getByRole('searchbox', { name: 'Search contacts' });
  await box.pressSequentially(local.toUpperCase(), { delay: 20 });
  await expect(page).toHaveURL(new RegExp(`q=${local.toUpperCase().replace('.', '\\.')}`));
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().locator('td.col-email')).toHaveText(email);
  await expect(page.locator('#contacts-total')).toHaveText('Showing 1–1 of 1 contact');
  // The box keeps what was typed.
  await expect(box).toHaveValue(local.toUpperCase());

  await box.fill('');
  await expect(page.locator('#contacts-total')).toHaveText('Showing 1–10 of 1,200 contacts');
  await expect(page).not.toHaveURL(/q=/);
});

test('a search with no match says so and offers to clear it', async ({ page }) => {
  await open(page);
  await page.getByRole('searchbox', { name: 'Search contacts' }).fill('zz-nobody-has-this-zz');
  await expect(page.getByRole('heading', { name: 'No contacts match' })).toBeVisible();
  await page.getByRole('link', { name: 'Clear the search' }).click();
  await expect(rows(page)).toHaveCount(10);
});

test('a searched page can be shared: the link renders the same rows', async ({ page }) => {
  await open(page, '/contacts?q=example.jp');
  const total = await page.locator('#contacts-total').innerText();
  expect(total).toMatch(/^Showing 1–10 of [\d,]+ contacts$/);
  await expect(page.getByRole('searchbox', { name: 'Search contacts' })).toHaveValue('example.jp');
  for (const email of await rows(page).locator('td.col-email').allInnerTexts()) {
    expect(email).toContain('example.jp');
  }
});

test('clicking a header sorts by it, and again reverses it', async ({ page }) => {
  await open(page);
  const nameHeader = page.getByRole('columnheader', { name: /Name/ });
  await nameHeader.getByRole('link').click();
  await expect(page).toHaveURL(/sort=name/);
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
  const ascending = await rows(page).locator('.contact-link').allInnerTexts();
  const sorted = [...ascending].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  expect(ascending).toEqual(sorted);

  await nameHeader.getByRole('link').click();
  await expect(page).toHaveURL(/sort=-name/);
  await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(page.locator('#contacts-total')).toHaveText('Showing 1–10 of 1,200 contacts');
});

test('changing the search returns to page 1', async ({ page }) => {
  await open(page, '/contacts?page=5');
  await page.getByRole('searchbox', { name: 'Search contacts' }).fill('example');
  await expect(page).toHaveURL(/q=example/);
  await expect(page).not.toHaveURL(/page=5/);
  await expect(page.locator('#contacts-total')).toHaveText(/^Showing 1–10 of /);
});

test('a custom field column sorts by its values, empty ones last', async ({ page }) => {
  await open(page);
  const header = page.getByRole('columnheader', { name: /Lifetime value/ });
  await header.getByRole('link').click();
  await expect(page).toHaveURL(/sort=field%3A\d+|sort=field:\d+/);
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  const index = (await headers(page)).indexOf('lifetime value');
  const values = await rows(page).evaluateAll(
    (rs, i) => rs.map((r) => (r.children[i] as HTMLElement).innerText.trim()),
    index,
  );
  const numbers = values.filter((v) => v !== '').map(Number);
  expect(numbers.length).toBeGreaterThan(0);
  expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  // Empty values never come before a value.
  const firstEmpty = values.indexOf('');
  if (firstEmpty >= 0) {
    expect(values.slice(firstEmpty).every((v) => v === '')).toBe(true);
  }
});

test('a slow answer to an older search never replaces the newer one', async ({ page }) => {
  await open(page);
  const emails = await rows(page).locator('td.col-email').filter({ hasText: '@' }).allInnerTexts();
  const [older, newer] = [emails[0].split('@')[0], emails[1].split('@')[0]];
  // The older search's answer is held back until after the newer one arrived.
  await page.route(/\/api\/list_contacts/, async (route) => {
    if ((route.request().postData() ?? '').includes(older)) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    await route.continue();
  });
  const box = page.getByRole('searchbox', { name: 'Search contacts' });
  await box.fill(older);
  await expect(page).toHaveURL(new RegExp(`q=${older.replace('.', '\\.')}`));
  await box.fill(newer);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().locator('td.col-email')).toHaveText(emails[1]);
  // Well after the older answer came back, the newer search still shows.
  await page.waitForTimeout(2_500);
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().locator('td.col-email')).toHaveText(emails[1]);
  await expect(box).toHaveValue(newer);
});
