import { test, expect, Page, Locator } from '@playwright/test';
import { open, rows } from './helpers';
import AxeBuilder from '@axe-core/playwright';

// The demo workspace that `serve --demo` seeds into the fresh test database.
const DEMO_TOTAL = '1,200';

async function rowIds(page: Page): Promise<string[]> {
  return rows(page).evaluateAll((rs) => rs.map((r) => r.getAttribute('data-contact-id') ?? ''));
}

test('the first page shows ten contacts and the total found', async ({ page }) => {
  await open(page);
  await expect(rows(page)).toHaveCount(10);
  await expect(page.locator('#contacts-total')).toHaveText(`Showing 1–10 of ${DEMO_TOTAL} contacts`);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'All' })).toBeVisible();
});

test('the server renders the rows before any script runs', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/contacts?page=2');
  await expect(rows(page)).toHaveCount(10);
  await expect(page.locator('#contacts-total')).toHaveText(`Showing 11–20 of ${DEMO_TOTAL} contacts`);
  await context.close();
});

test('next shows the next ten contacts, and reload and back keep the page', async ({ page }) => {
  await open(page);
  const first = await rowIds(page);
  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/[?&]page=2\b/);
  await expect(page.locator('#contacts-total')).toHaveText(`Showing 11–20 of ${DEMO_TOTAL} contacts`);
  const second = await rowIds(page);
  expect(second).toHaveLength(10);
  expect(second.filter((id) => first.includes(id))).toEqual([]);

  await page.reload();
  await page.waitForSelector('body[data-hydrated]');
  expect(await rowIds(page)).toEqual(second);

  await page.goBack();
  await expect(page.locator('#contacts-total')).toHaveText(`Showing 1–10 of ${DEMO_TOTAL} contacts`);
  expect(await rowIds(page)).toEqual(first);
});

test('page numbers jump straight to a page', async ({ page }) => {
  await open(page);
  await page.getByRole('link', { name: 'Page 120' }).click();
  await expect(page).toHaveURL(/page=120/);
  await expect(page.locator('#contacts-total')).toHaveText(`Showing 1,191–1,200 of ${DEMO_TOTAL} contacts`);
  await expect(page.getByText('Next', { exact: true })).toHaveAttribute('aria-disabled', 'true');
});

test("a click on a row opens the drawer with the contact's conversations", async ({ page }) => {
  await open(page);
  const row = rows(page).filter({ hasNot: page.getByText('No messages') }).first();
  const name = (await row.locator('.contact-link').innerText()).trim();
  await row.locator('td.col-date').first().click();

  const drawer = page.getByRole('dialog', { name: 'Contact details' });
  await expect(drawer).toBeVisible();
  await expect(page).toHaveURL(/contact=\d+/);
  await expect(drawer.locator('.profile-name')).toHaveText(name);
  const conversations = drawer.locator('li.conversation');
  await expect(conversations.first()).toBeVisible();
  await expect(conversations.first().locator('.status')).toHaveText(/open|pending|snoozed|resolved/);
  await expect(conversations.first().locator('li.message').first()).toBeVisible();

  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  await expect(page).not.toHaveURL(/contact=/);
  await expect(rows(page)).toHaveCount(10);
});

test('an open drawer survives a reload because it lives in the URL', async ({ page }) => {
  await open(page);
  const id = (await rowIds(page))[3];
  await open(page, `/contacts?page=1&contact=${id}`);
  const drawer = page.getByRole('dialog', { name: 'Contact details' });
  await expect(drawer).toBeVisible();
  await drawer.getByRole('button', { name: 'Close contact details' }).click();
  await expect(drawer).toBeHidden();
});

test('a contact that does not exist says so in the drawer', async ({ page }) => {
  await open(page, '/contacts?contact=99999999');
  await expect(page.getByRole('dialog')).toContainText('was not found');
  await expect(rows(page)).toHaveCount(10);
});

test('the page has no serious or critical accessibility violations', async ({ page }) => {
  await open(page);
  const serious = async () => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.slice(0, 2).map((n) => `${n.target.join(' ')} (${n.failureSummary})`).join('; ')}`);
  };
  expect(await serious()).toEqual([]);
  await rows(page).first().locator('td.col-date').first().click();
  await expect(page.getByRole('dialog').locator('.profile-name')).toBeVisible();
  expect(await serious()).toEqual([]);
});

test('dark mode follows the system setting', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto('/contacts');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(15, 17, 21)');
  await context.close();
});
