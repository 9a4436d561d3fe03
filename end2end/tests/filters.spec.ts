import { test, expect, Page, Locator } from '@playwright/test';
import { open, rows, headers } from './helpers';

async function total(page: Page): Promise<number> {
  // The total of a filtered list may follow the rows: wait until it is counted.
  await expect(page.locator('#contacts-total')).toHaveText(/of [\d,]+ contact/);
  const text = await page.locator('#contacts-total').innerText();
  const m = text.match(/of ([\d,]+) contact/);
  return m ? Number(m[1].replace(/,/g, '')) : 0;
}

// Each row: [campaign opt-in checked, plan cell text].
async function optInAndPlan(page: Page): Promise<[boolean, string][]> {
  const heads = await headers(page);
  const plan = heads.indexOf('plan');
  return rows(page).evaluateAll(
    (rs, i) =>
      rs.map((r) => [
        (r.querySelector('.col-optin input') as HTMLInputElement).checked,
        (r.children[i] as HTMLElement).innerText.trim(),
      ]) as [boolean, string][],
    plan,
  );
}

async function addCondition(drawer: Locator, field: string) {
  await drawer.getByRole('button', { name: '+ Add condition' }).click();
  const row = drawer.locator('li.condition').last();
  await row.getByRole('combobox', { name: 'Field' }).selectOption({ label: field });
  return row;
}

test('two conditions with AND, then with OR, give the expected rows', async ({ page }) => {
  await open(page);
  const all = await total(page);
  await page.getByRole('button', { name: 'Filters' }).click();
  const drawer = page.getByRole('dialog', { name: 'Quick filters' });
  await expect(drawer).toBeVisible();
  const optIn = await addCondition(drawer, 'Campaign opt-in');
  await expect(optIn.getByRole('combobox', { name: 'Value' })).toHaveValue('true');
  const plan = await addCondition(drawer, 'Plan');
  await plan.getByRole('combobox', { name: 'Option' }).selectOption('Pro');
  await drawer.getByRole('button', { name: 'Apply' }).click();

  await expect(drawer).toBeHidden();
  await expect(page).toHaveURL(/[?&]f=/);
  await expect(page.getByRole('button', { name: /Filters/ })).toContainText('2');
  const andTotal = await total(page);
  expect(andTotal).toBeGreaterThan(0);
  expect(andTotal).toBeLessThan(all);
  for (const [checked, planText] of await optInAndPlan(page)) {
    expect(checked && planText === 'Pro').toBe(true);
  }

  await page.getByRole('button', { name: /Filters/ }).click();
  await expect(drawer.locator('li.condition')).toHaveCount(2);
  await drawer.getByLabel('any condition (OR)').check();
  await drawer.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('#contacts-total')).not.toHaveText(new RegExp(`of ${andTotal.toLocaleString('en-US')} contact`));
  const orTotal = await total(page);
  expect(orTotal).toBeGreaterThan(andTotal);
  expect(orTotal).toBeLessThan(all);
  for (const [checked, planText] of await optInAndPlan(page)) {
    expect(checked || planText === 'Pro').toBe(true);
  }

  await page.getByRole('link', { name: 'Clear filters' }).click();
  await expect(page.locator('#contacts-total')).toHaveText(`Showing 1–10 of ${all.toLocaleString('en-US')} contacts`);
});

test('an incomplete condition is marked in the drawer and not applied', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Filters' }).click();
  const drawer = page.getByRole('dialog', { name: 'Quick filters' });
  const row = await addCondition(drawer, 'Lifetime value');
  await drawer.getByRole('button', { name: 'Apply' }).click();
  await expect(row.getByRole('alert')).toHaveText('Enter a number.');
  await expect(drawer).toBeVisible();
  await expect(page).not.toHaveURL(/f=/);

  await row.getByRole('spinbutton', { name: 'Number' }).fill('1000');
  await row.getByRole('combobox', { name: 'Operator' }).selectOption({ label: '≥' });
  await drawer.getByRole('button', { name: 'Apply' }).click();
  await expect(drawer).toBeHidden();
  await expect(page).toHaveURL(/f=/);
});

test('a total counted apart fills in the footer and the last page after the rows', async ({ page, request }) => {
  const f = encodeURIComponent(JSON.stringify({
    join: 'all', conditions: [{ field: { kind: 'campaign_opt_in' }, op: 'is', value: { type: 'bool', value: true } }],
  }));
  // The server sends the rows without waiting for the count.
  const html = await (await request.get(`/contacts?f=${f}`)).text();
  expect(html).toContain('contact-row');
  expect(html).toContain('counting…');

  await open(page, `/contacts?f=${f}`);
  const shown = await total(page);
  expect(shown).toBeGreaterThan(10);
  const last = Math.ceil(shown / 10);
  const pagination = page.getByRole('navigation', { name: 'Pagination' });
  await expect(pagination.getByRole('link', { name: `Page ${last}`, exact: true })).toBeVisible();
  await pagination.getByRole('link', { name: `Page ${last}`, exact: true }).click();
  await expect(page.locator('#contacts-total')).toHaveText(
    new RegExp(`of ${shown.toLocaleString('en-US')} contacts$`),
  );
  await expect(pagination.getByRole('link', { name: 'Next' })).toHaveCount(0);
});
