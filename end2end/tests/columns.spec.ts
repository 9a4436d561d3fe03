import { test, expect, Page } from '@playwright/test';
import { open, headers } from './helpers';

test('choosing and ordering columns is kept for the workspace', async ({ page }) => {
  await open(page);
  const before = await headers(page);
  const firstField = before.indexOf('campaign opt-in') + 1;
  expect(before[firstField]).toBe('company');
  expect(before[firstField + 1]).toBe('plan');

  await page.getByRole('button', { name: 'Columns' }).click();
  const panel = page.getByRole('group', { name: 'Columns' });
  await panel.getByLabel('Company', { exact: true }).uncheck();
  await panel.getByRole('button', { name: 'Move Lifetime value up' }).click();
  await panel.getByRole('button', { name: 'Save columns' }).click();
  await expect(panel).toBeHidden();
  await expect(page.locator('thead')).not.toContainText('Company');

  await page.reload();
  await page.waitForSelector('body[data-hydrated]');
  const after = await headers(page);
  expect(after).not.toContain('company');
  expect(after.slice(firstField, firstField + 2)).toEqual(['lifetime value', 'plan']);

  // Show Company again (it returns as the last column).
  await page.getByRole('button', { name: 'Columns' }).click();
  await panel.getByLabel('Company', { exact: true }).check();
  await panel.getByRole('button', { name: 'Save columns' }).click();
  await expect(page.locator('thead')).toContainText('Company');
});
