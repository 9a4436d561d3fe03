import { Page, Locator, APIRequestContext } from '@playwright/test';

/** The demo accounts `serve --demo` creates. */
export const DEMO_ADMIN = 'admin@example.com';
export const DEMO_AGENT = 'agent@example.com';
export const DEMO_PASSWORD = 'contacts-demo';

/** Runs the operator command against the database under test. */
export function cli(args: string[], input?: string): string {
  const { execFileSync } = require('node:child_process');
  const binary = process.env.CONTACTS_BIN ?? '../target/release/contacts';
  const database = process.env.E2E_DATABASE_URL ?? 'sqlite:///tmp/contacts-e2e.db';
  return execFileSync(binary, [...args, '--database-url', database], {
    encoding: 'utf8',
    input,
    env: { ...process.env, RUST_LOG: 'error' },
  });
}

/** Contacts this worker added, removed after each test even when it fails. */
const created: number[] = [];

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

/**
 * Adds a contact through the operator command, as another process would
 * (the server under test sees it only through the shared database).
 */
export function addContact(
  name: string,
  opts: { email?: string; message?: string; workspace?: string } = {},
): number {
  const { execFileSync } = require('node:child_process');
  const binary = process.env.CONTACTS_BIN ?? '../target/release/contacts';
  const database = process.env.E2E_DATABASE_URL ?? 'sqlite:///tmp/contacts-e2e.db';
  const args = ['add-contact', '--database-url', database, '--name', name];
  if (opts.email) args.push('--email', opts.email);
  if (opts.message) args.push('--message', opts.message);
  if (opts.workspace) args.push('--workspace', opts.workspace);
  const out: string = execFileSync(binary, args, { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'error' } });
  const id = Number(/contact (\d+)/.exec(out)?.[1]);
  if (!id) throw new Error(`unexpected output: ${out}`);
  // Only the demo workspace's contacts are cleaned up (its total is asserted elsewhere).
  if (!opts.workspace) created.push(id);
  return id;
}

/**
 * Runs `contacts simulate` against the server under test for `seconds`: real
 * traffic through the HTTP API, from another process. The contacts it creates
 * are listed in `ids` as they arrive and removed after the test.
 */
export function simulate(baseURL: string, seconds: number): { ids: number[]; done: Promise<void> } {
  const { spawn } = require('node:child_process');
  const binary = process.env.CONTACTS_BIN ?? '../target/release/contacts';
  const database = process.env.E2E_DATABASE_URL ?? 'sqlite:///tmp/contacts-e2e.db';
  const child = spawn(
    binary,
    ['simulate', '--workspace', 'Demo', '--rate', '5', '--duration', String(seconds), '--url', baseURL, '--database-url', database],
    { env: { ...process.env, RUST_LOG: 'error' } },
  );
  const ids: number[] = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const id = Number(/^new contact (\d+)$/.exec(line)?.[1]);
      if (id) {
        ids.push(id);
        created.push(id);
      }
    }
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('exit', (code: number) => (code === 0 ? resolve() : reject(new Error(`simulate exited with ${code}`))));
  });
  return { ids, done };
}

/** Deletes the contacts added by the test, through the server function the action bar uses. */
export async function cleanUp(request: APIRequestContext) {
  const ids = created.splice(0);
  if (ids.length === 0) return;
  const res = await request.post('/api/delete_contacts', { data: { target: { Ids: ids } } });
  // 404: the test deleted them itself.
  if (!res.ok() && res.status() !== 404) throw new Error(`clean-up failed: ${res.status()}`);
}

/** A name no other test uses. */
export function unique(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** The row of a contact, by id. */
export function row(page: Page, id: number): Locator {
  return page.locator(`tr.contact-row[data-contact-id="${id}"]`);
}
