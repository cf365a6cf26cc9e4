// The signed-in account page: API tokens (the secret shown once, listed, revoked), changing
// the password and deactivating the account, with axe on the page as it shows a new secret.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, baseUrl, launch, screenshot, SIZES } from '../lib/browser.mjs';
import { hostSession } from '../lib/api.mjs';
import { eventually, signedInContext, waitConnected } from '../lib/chat.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** GET /api/v1/me with a bearer token: the status code. */
async function meStatus(token) {
  const response = await fetch(`${baseUrl()}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  return response.status;
}

async function login(handle, password) {
  const response = await fetch(`${baseUrl()}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle, password }),
  });
  return response.status;
}

test('an API token is created with scopes, its secret is shown once, and it can be revoked', async () => {
  const context = await signedInContext(browser, { displayName: 'Tia Tokens' });
  const page = await context.newPage();
  await page.goto('/account.html');
  await page.locator('#settings').waitFor();
  assert.equal(await page.locator('#tokens-empty').isVisible(), true);

  await page.getByLabel('Token name').fill('Question bot');
  await page.getByLabel('Post, reply, like and report').check();
  await page.getByRole('button', { name: 'Create token' }).click();
  const box = page.getByRole('region', { name: 'Your new token' });
  await box.waitFor();
  const secret = await page.getByLabel('Token secret').inputValue();
  assert.ok(secret.length >= 20, `a secret is shown (${secret.length} characters)`);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'token-secret-value', 'focus moves to the secret');
  assert.equal(await meStatus(secret), 200, 'the secret works as a bearer token');

  const listed = page.locator('#tokens-list > li', { hasText: 'Question bot' });
  await listed.waitFor();
  assert.match(await listed.textContent(), /\(read, post\)/);
  assert.match(await listed.textContent(), /Never used|Last used/);

  for (const size of SIZES) {
    await page.setViewportSize(size);
    await screenshot(page, 'account-token');
    for (const colorScheme of size.width < 1000 ? ['light'] : ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      assert.deepEqual(await axeViolations(page), [], `account settings at ${size.width}px, ${colorScheme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // Once dismissed, the secret is gone from the page, and a reload does not bring it back.
  await page.getByRole('button', { name: 'I have copied it' }).click();
  assert.equal(await box.isVisible(), false);
  assert.equal(await page.getByLabel('Token secret').inputValue(), '');
  await page.reload();
  await listed.waitFor();
  assert.equal((await page.content()).includes(secret), false, 'the secret is never shown again');

  page.once('dialog', (dialog) => dialog.accept());
  await listed.getByRole('button', { name: 'Revoke token Question bot' }).click();
  await eventually(async () => (await page.locator('#tokens-list > li').count()) === 0, 'token gone from the list');
  assert.equal(await page.locator('#tokens-empty').isVisible(), true);
  assert.equal(await meStatus(secret), 401, 'the revoked secret no longer works');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('changing the password keeps this sign-in; deactivating needs the password and a confirmation', async () => {
  const context = await signedInContext(browser, { displayName: 'Pia Password' });
  const handle = context.user.handle;
  const page = await context.newPage();
  await page.goto('/account.html');
  await page.locator('#settings').waitFor();

  await page.getByLabel('Current password').fill('not my password');
  await page.getByLabel('New password').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await eventually(async () => (await page.locator('#password-error').textContent()).length > 0, 'a wrong current password is refused');
  assert.equal(await page.getByLabel('Current password').getAttribute('aria-invalid'), 'true');

  await page.getByLabel('Current password').fill('correct horse battery');
  await page.getByLabel('New password').fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await eventually(async () => /Password changed/.test(await page.locator('#password-done').textContent()), 'changed');
  assert.equal(await login(handle, 'correct horse battery'), 401, 'the old password no longer works');
  const me = await context.request.get('/api/v1/me');
  assert.equal(me.status(), 200, 'this browser is still signed in (a fresh cookie)');

  // Deactivation: the box must be ticked, then a confirmation.
  await page.getByLabel('Your password', { exact: true }).fill('a brand new passphrase');
  await page.getByRole('button', { name: 'Deactivate my account' }).click();
  assert.match(await page.locator('#deactivate-error').textContent(), /Tick the box/);
  assert.equal(await login(handle, 'a brand new passphrase'), 200, 'nothing happened yet');
  await page.getByLabel('I understand this cannot be undone here').check();
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Deactivate my account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  assert.equal(await login(handle, 'a brand new passphrase'), 401, 'the account can no longer sign in');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('signing out in another tab closes the live chat with a sign-in prompt, and it does not reconnect', async () => {
  const { session } = await hostSession({ title: 'Signed out elsewhere' });
  const context = await signedInContext(browser, { displayName: 'Sol Signout' });
  const page = await context.newPage();
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`/chat.html?session=${session.id}`);
  await waitConnected(page);
  // The same login (cookie) signs out: its live connections close with 4001 "signed out".
  const out = await context.request.post('/api/v1/auth/logout');
  assert.equal(out.status(), 204);
  await eventually(async () => /You signed out/.test(await page.locator('#fatal').textContent()), 'the signed-out notice');
  const link = page.locator('#fatal').getByRole('link', { name: 'Sign in again' });
  assert.equal(await link.getAttribute('href'), `/account.html?next=${encodeURIComponent(`/chat.html?session=${session.id}`)}`);
  assert.equal(await page.locator('#conn').getAttribute('data-state'), 'closed');
  assert.equal(await page.locator('#composer').isVisible(), false);
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(sockets.length, 1, 'no reconnect');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the profile form changes the display name and bio, with clear errors', async () => {
  const context = await signedInContext(browser, { displayName: 'Pia Before' });
  const page = await context.newPage();
  await page.goto('/account.html');
  await page.locator('#settings').waitFor();
  const name = page.getByLabel('Your display name');
  assert.equal(await name.inputValue(), 'Pia Before');

  await name.fill('   ');
  await page.getByRole('button', { name: 'Save profile' }).click();
  assert.match(await page.locator('#profile-error').textContent(), /Display name: must be 1 to 50 characters/);
  assert.equal(await name.getAttribute('aria-invalid'), 'true');

  await name.fill('Pia After');
  await page.getByLabel('Your bio').fill('Night-shift nurse <b>not bold</b>');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await eventually(async () => /Profile saved/.test(await page.locator('#profile-done').textContent()), 'saved');
  assert.equal(await page.locator('#profile-error').textContent(), '');
  assert.equal(await name.getAttribute('aria-invalid'), null);
  assert.match(await page.locator('#signed-in').textContent(), new RegExp(`signed in as Pia After \\(${context.user.handle}\\)`));

  await page.reload();
  await page.locator('#settings').waitFor();
  assert.equal(await page.getByLabel('Your display name').inputValue(), 'Pia After');
  assert.equal(await page.getByLabel('Your bio').inputValue(), 'Night-shift nurse <b>not bold</b>');
  assert.deepEqual(await axeViolations(page), [], 'account page with the profile form');
});
