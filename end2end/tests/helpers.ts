import { Page, Locator } from '@playwright/test';

/** Opens a page and waits until the WASM has taken over the server's HTML. */
export async function open(page: Page, path = '/contacts') {
  await page.goto(path);
  // The frontend marks the body once hydration is done.
  await page.waitForSelector('body[data-hydrated]');
}

/** The table's contact rows. */
export function rows(page: Page): Locator {
  return page.locator('tbody tr.contact-row');
}

/** Lower-case header texts, without sort arrows. */
export async function headers(page: Page): Promise<string[]> {
  return (await page.locator('thead th').allInnerTexts()).map((t) => t.replace(/[↕↓↑]/g, '').trim().toLowerCase());
}
