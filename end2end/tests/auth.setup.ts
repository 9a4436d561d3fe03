import { test as setup, expect } from '@playwright/test';
import { DEMO_ADMIN, DEMO_PASSWORD } from './helpers';

// Signs in once through the sign-in endpoint and keeps the session cookie for
// the other tests.
setup('sign in as the demo admin', async ({ request }) => {
  const res = await request.post('/api/sign_in', {
    form: { email: DEMO_ADMIN, password: DEMO_PASSWORD },
    headers: { accept: 'application/json' },
  });
  expect(res.status()).toBe(200);
  await request.storageState({ path: '.auth/admin.json' });
});
