import { test, expect } from '@playwright/test';
import { open, addContact, unique, row, cleanUp, simulate } from './helpers';

test.afterEach(async ({ request }) => cleanUp(request));

test('with Live on, a new contact appears within one interval while an open editor keeps its text', async ({ page }) => {
  await open(page);
  const live = page.getByRole('switch', { name: 'Live', exact: true });
  await live.check();
  await expect(page.getByRole('status').filter({ hasText: 'Refreshing every 5 s' })).toBeVisible();

  // Start editing the first row's email and leave the text unsaved.
  // By id: the new contact will arrive above it.
  const firstId = await page.locator('tr.contact-row').first().getAttribute('data-contact-id');
  const first = page.locator(`tr.contact-row[data-contact-id="${firstId}"]`);
  await first.locator('td.col-email button').click();
  const editor = first.locator('td.col-email input');
  await editor.fill('half-typed@exam');

  const name = unique('Live Arrival');
  const id = addContact(name, { message: 'Hello, is anyone there?' });
  await expect(row(page, id)).toBeVisible({ timeout: 7_000 });
  await expect(editor).toHaveValue('half-typed@exam');
  await expect(editor).toBeFocused();
  await editor.press('Escape');

  // The toggle survives a reload.
  await page.reload();
  await page.waitForSelector('body[data-hydrated]');
  await expect(page.getByRole('switch', { name: 'Live', exact: true })).toBeChecked();
  await page.getByRole('switch', { name: 'Live', exact: true }).uncheck();
});

test('with Live off, the table is a stable snapshot', async ({ page }) => {
  await open(page);
  await expect(page.getByRole('switch', { name: 'Live', exact: true })).not.toBeChecked();
  const name = unique('Quiet Arrival');
  const id = addContact(name, { message: 'Hi' });
  await page.waitForTimeout(6_000);
  await expect(row(page, id)).toHaveCount(0);
});

test('when the server cannot be reached, Live says so, backs off and recovers by itself', async ({ page }) => {
  await open(page);
  await page.route(/\/api\/live_check/, (route) => route.abort());
  await page.getByRole('switch', { name: 'Live', exact: true }).check();
  const status = page.locator('.live-status');
  await expect(status).toHaveText('Server unreachable: Live paused, retrying in 10 s', { timeout: 8_000 });
  await page.unroute(/\/api\/live_check/);
  await expect(status).toHaveText('Refreshing every 5 s', { timeout: 12_000 });
  await page.getByRole('switch', { name: 'Live', exact: true }).uncheck();
});

test('with Live on and the simulator running, new contacts and fresh last interactions appear', async ({ page, baseURL }) => {
  await open(page);
  const live = page.getByRole('switch', { name: 'Live', exact: true });
  await live.check();
  const { ids, done } = simulate(baseURL!, 8);
  try {
    await expect.poll(() => ids.length, { timeout: 10_000 }).toBeGreaterThan(0);
    // The simulated traffic is the newest there is: its people rise to the top.
    const first = page.locator('tr.contact-row').first();
    await expect(async () => {
      const top = Number(await first.getAttribute('data-contact-id'));
      expect(ids).toContain(top);
    }).toPass({ timeout: 12_000 });
    // The last interaction reads "just now", with the message in its preview.
    await expect(first.locator('td.col-date').nth(1)).toHaveText(/^just now/);
    await expect(page.locator('#contacts-total')).not.toHaveText(/of 1,200 contacts$/);
  } finally {
    await done;
  }
  await live.uncheck();
});
