import { test, expect, Page, Locator } from '@playwright/test';
import { open, rows, headers } from './helpers';

test('save a filter as a segment, select it: the banner count equals the footer total', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Filters' }).click();
  const drawer = page.getByRole('dialog', { name: 'Quick filters' });
  await drawer.getByRole('button', { name: '+ Add condition' }).click();
  const row = drawer.locator('li.condition').last();
  await row.getByRole('combobox', { name: 'Field' }).selectOption({ label: 'Plan' });
  await row.getByRole('combobox', { name: 'Option' }).selectOption('Enterprise');
  await drawer.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/f=/);

  const name = `Enterprise ${Date.now()}`;
  await page.getByRole('button', { name: 'Save as segment' }).click();
  await page.getByLabel('New segment name').fill(name);
  await page.getByRole('button', { name: 'Save segment' }).click();
  await expect(page).toHaveURL(/segment=\d+/);
  await expect(page).not.toHaveURL(/f=/);

  // Back to all contacts with a search typed, then pick the segment from the dropdown.
  await open(page, '/contacts?q=example');
  await page.getByLabel('Segment').selectOption({ label: name });
  await expect(page).toHaveURL(/segment=\d+/);
  const banner = page.getByRole('region', { name: 'Active segment' });
  await expect(banner).toContainText(name);
  await expect(page.getByRole('searchbox', { name: 'Search contacts' })).toHaveValue('');
  await expect(page.getByRole('button', { name: 'Edit segment conditions' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Clear filters' })).toHaveCount(0);

  // The count follows the rows when it is counted apart.
  await expect(banner.locator('.segment-count')).toHaveText(/^[\d,]+ contacts? match/);
  const bannerCount = (await banner.locator('.segment-count').innerText()).match(/^([\d,]+)/)![1];
  await expect(page.locator('#contacts-total')).toHaveText(new RegExp(`of ${bannerCount} contacts?$`));
  const heads = await headers(page);
  const planIndex = heads.indexOf('plan');
  const plans = await rows(page).evaluateAll((rs, i) => rs.map((r) => (r.children[i] as HTMLElement).innerText.trim()), planIndex);
  for (const plan of plans) {
    expect(plan).toBe('Enterprise');
  }

  await banner.getByRole('link', { name: 'Clear segment' }).click();
  await expect(page.getByRole('region', { name: 'Active segment' })).toHaveCount(0);
  await expect(page.locator('#contacts-total')).toHaveText(/of 1,200 contacts$/);
});

test('a segment can be renamed and deleted from its banner', async ({ page }) => {
  await open(page, '/contacts?f=' + encodeURIComponent(JSON.stringify({
    join: 'all', conditions: [{ field: { kind: 'campaign_opt_in' }, op: 'is', value: { type: 'bool', value: true } }],
  })));
  const name = `Opted in ${Date.now()}`;
  await page.getByRole('button', { name: 'Save as segment' }).click();
  await page.getByLabel('New segment name').fill(name);
  await page.getByRole('button', { name: 'Save segment' }).click();
  const banner = page.getByRole('region', { name: 'Active segment' });
  await expect(banner).toContainText(name);

  await banner.getByRole('button', { name: 'Rename' }).click();
  await banner.getByLabel('Segment name').fill(`${name} (renamed)`);
  await banner.getByRole('button', { name: 'Save name' }).click();
  await expect(banner.locator('.segment-name')).toHaveText(`${name} (renamed)`);
  await expect(page.getByLabel('Segment').locator('option', { hasText: `${name} (renamed)` })).toHaveCount(1);

  await banner.getByRole('button', { name: 'Delete' }).click();
  await banner.getByRole('button', { name: 'Delete segment' }).click();
  await expect(page).not.toHaveURL(/segment=/);
  await expect(page.getByLabel('Segment').locator('option', { hasText: name })).toHaveCount(0);
});
