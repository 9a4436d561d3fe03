import { test, expect, Page } from '@playwright/test';
import { open, addContact, unique, row, cleanUp } from './helpers';

test.afterEach(async ({ request }) => cleanUp(request));

/** Opens the list searched down to one contact, added for this test. */
async function withContact(page: Page, prefix: string, email?: string): Promise<{ id: number; name: string }> {
  const name = unique(prefix);
  const id = addContact(name, { email });
  await open(page, `/contacts?q=${encodeURIComponent(name)}`);
  await expect(row(page, id)).toBeVisible();
  return { id, name };
}

test('email, phone, custom fields and the opt-in switch save inline and survive reload', async ({ page }) => {
  const { id, name } = await withContact(page, 'Inline');
  const r = row(page, id);

  await r.getByRole('button', { name: `Edit email of ${name}` }).click();
  await r.getByRole('textbox', { name: `email of ${name}` }).fill('inline@example.com');
  await r.getByRole('textbox', { name: `email of ${name}` }).press('Enter');
  await expect(r.locator('td.col-email')).toContainText('Saved');

  // Clicking away saves too; the number is stored in E.164.
  await r.getByRole('button', { name: `Edit phone of ${name}` }).click();
  await r.getByRole('textbox', { name: `phone of ${name}` }).fill('+1 (555) 010-2030');
  await page.locator('h1').click();
  await expect(r.locator('td.col-phone')).toContainText('+15550102030');

  await r.getByRole('button', { name: `Edit Company of ${name}` }).click();
  await r.getByRole('textbox', { name: `Company of ${name}` }).fill('Ünïcode Works');
  await r.getByRole('textbox', { name: `Company of ${name}` }).press('Enter');
  await expect(r.locator('td[data-field]').filter({ hasText: 'Ünïcode Works' })).toBeVisible();

  await r.getByRole('button', { name: `Edit Plan of ${name}` }).click();
  await r.getByRole('combobox', { name: `Plan of ${name}` }).selectOption('Pro');
  await expect(r.getByRole('button', { name: `Edit Plan of ${name}` })).toHaveText('Pro');

  await r.getByRole('button', { name: `Edit Interests of ${name}` }).click();
  const interests = r.getByRole('listbox', { name: `Interests of ${name}` });
  await interests.selectOption(['Billing', 'Feedback']);
  await interests.press('Enter');
  await expect(r.getByRole('button', { name: `Edit Interests of ${name}` })).toHaveText('Billing, Feedback');

  await r.getByRole('button', { name: `Edit Website of ${name}` }).click();
  await r.getByRole('textbox', { name: `Website of ${name}` }).fill('example.com');
  await r.getByRole('textbox', { name: `Website of ${name}` }).press('Enter');
  await expect(r.getByRole('alert')).toContainText('Start it with https://');
  await r.getByRole('textbox', { name: `Website of ${name}` }).fill('https://example.com/team');
  await r.getByRole('textbox', { name: `Website of ${name}` }).press('Enter');
  await expect(r.getByRole('button', { name: `Edit Website of ${name}` })).toHaveText('https://example.com/team');

  await r.getByRole('button', { name: `Edit Renewal date of ${name}` }).click();
  await r.locator('input[type="date"]').fill('2027-03-31');
  await r.locator('input[type="date"]').press('Enter');
  await expect(r.getByRole('button', { name: `Edit Renewal date of ${name}` })).toHaveText('2027-03-31');

  await r.getByRole('button', { name: `Edit Lifetime value of ${name}` }).click();
  await r.getByRole('spinbutton', { name: `Lifetime value of ${name}` }).fill('1250.50');
  await r.getByRole('spinbutton', { name: `Lifetime value of ${name}` }).press('Enter');
  await expect(r.getByRole('button', { name: `Edit Lifetime value of ${name}` })).toHaveText('1250.5');

  const optIn = r.getByRole('switch', { name: `Campaign opt-in for ${name}` });
  await expect(optIn).not.toBeChecked();
  await optIn.click();
  await expect(r.locator('td.col-optin')).toContainText('Saved');

  await page.reload();
  await page.waitForSelector('body[data-hydrated]');
  const after = row(page, id);
  await expect(after.locator('td.col-email')).toHaveText('inline@example.com');
  await expect(after.locator('td.col-phone')).toHaveText('+15550102030');
  await expect(after).toContainText('Ünïcode Works');
  await expect(after).toContainText('Pro');
  await expect(after).toContainText('2027-03-31');
  await expect(after).toContainText('1250.5');
  await expect(after).toContainText('Billing, Feedback');
  await expect(after).toContainText('https://example.com/team');
  await expect(after.getByRole('switch', { name: `Campaign opt-in for ${name}` })).toBeChecked();
});

test('an invalid email stays in the editor with a message and is not saved', async ({ page }) => {
  const { id, name } = await withContact(page, 'Invalid', 'valid@example.com');
  const r = row(page, id);
  await r.getByRole('button', { name: `Edit email of ${name}` }).click();
  const input = r.getByRole('textbox', { name: `email of ${name}` });
  await input.fill('not-an-email');
  await input.press('Enter');
  await expect(r.getByRole('alert')).toContainText('is not an email address');
  await expect(input).toHaveValue('not-an-email');
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  // Escape gives up the edit; the stored value is unchanged.
  await input.press('Escape');
  await expect(r.locator('td.col-email')).toHaveText('valid@example.com');
  await page.reload();
  await expect(row(page, id).locator('td.col-email')).toHaveText('valid@example.com');
});

test('two people edit the same field: the second sees a conflict with the current value', async ({ browser }) => {
  const alice = await browser.newPage();
  const bob = await browser.newPage();
  const { id, name } = await withContact(alice, 'Conflict', 'start@example.com');
  await open(bob, `/contacts?q=${encodeURIComponent(name)}`);

  // Both start editing the email they see.
  await row(alice, id).getByRole('button', { name: `Edit email of ${name}` }).click();
  await row(bob, id).getByRole('button', { name: `Edit email of ${name}` }).click();
  const aliceInput = row(alice, id).getByRole('textbox', { name: `email of ${name}` });
  const bobInput = row(bob, id).getByRole('textbox', { name: `email of ${name}` });
  await aliceInput.fill('alice@example.com');
  await aliceInput.press('Enter');
  await expect(row(alice, id).locator('td.col-email')).toContainText('Saved');

  await bobInput.fill('bob@example.com');
  await bobInput.press('Enter');
  await expect(row(bob, id).getByRole('alert')).toContainText('alice@example.com');
  await expect(bobInput).toHaveValue('bob@example.com');

  await alice.reload();
  await expect(row(alice, id).locator('td.col-email')).toHaveText('alice@example.com');
  await alice.close();
  await bob.close();
});

test('the editor saves profile and custom fields and refuses a bad phone next to it', async ({ page }) => {
  const { id, name } = await withContact(page, 'Editor');
  await row(page, id).getByRole('link', { name: `Edit ${name}` }).click();
  const drawer = page.getByRole('dialog', { name: 'Edit contact' });
  await expect(drawer).toBeVisible();
  await drawer.getByLabel('Name', { exact: true }).fill(`${name} Renamed`);
  await drawer.getByLabel('Phone', { exact: true }).fill('12345');
  await drawer.getByLabel('Website', { exact: true }).fill('https://example.org');
  await drawer.getByRole('button', { name: 'Save changes' }).click();
  await expect(drawer.getByRole('alert').first()).toContainText('country code');
  await expect(drawer.getByLabel('Phone', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await drawer.getByLabel('Phone', { exact: true }).fill('+49 30 1234567');
  await drawer.getByRole('button', { name: 'Save changes' }).click();
  const details = page.getByRole('dialog', { name: 'Contact details' });
  await expect(details).toContainText(`${name} Renamed`);
  await expect(details).toContainText('+49301234567');
  await expect(details).toContainText('https://example.org');
  await expect(row(page, id)).toContainText(`${name} Renamed`);
});
