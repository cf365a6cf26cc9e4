// Home and account pages: sessions listed in local time, sign in and out, the host tools,
// accessibility (axe-core) and screenshots.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, launch, newContext, screenshot, SIZES } from '../lib/browser.mjs';
import { hostSession, signUp, unique } from '../lib/api.mjs';
import { eventually, signedInContext, waitConnected } from '../lib/chat.mjs';

let browser;
let live;
let upcoming;

before(async () => {
  browser = await launch();
  live = await hostSession({ title: 'Night shift wellbeing' });
  upcoming = await hostSession({ start: false, startsInMinutes: 24 * 60, title: 'Wound care Q&A' });
});

after(async () => {
  await browser?.close();
});

test('home lists live and upcoming sessions in the viewer\'s local time', async () => {
  const context = await newContext(browser, { timezoneId: 'Asia/Kolkata', locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto('/');
  const liveCard = page.locator(`#live-list [data-session-id="${live.session.id}"]`);
  await liveCard.waitFor();
  assert.equal(await liveCard.locator('h3').textContent(), live.session.hashtag);
  const join = liveCard.getByRole('link', { name: `Join ${live.session.hashtag} live chat` });
  assert.equal(await join.getAttribute('href'), `/chat.html?session=${live.session.id}`);

  const card = page.locator(`#upcoming-list [data-session-id="${upcoming.session.id}"]`);
  await card.waitFor();
  const shown = await card.locator('time').first().textContent();
  const expected = new Intl.DateTimeFormat('en-GB', {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short', timeZone: 'Asia/Kolkata',
  }).format(new Date(upcoming.session.starts_at));
  assert.equal(shown, expected);
  assert.match(shown, /GMT\+5:30|IST/);
  assert.equal(await page.locator('#host-tools').isVisible(), false, 'host tools need a sign-in');

  // The upcoming session's page shows a countdown.
  await card.getByRole('link', { name: `Open ${upcoming.session.hashtag} chat page` }).click();
  await waitConnected(page);
  assert.match(await page.locator('#chat-when').textContent(), /^Starts in (23 h 5\d min|1 d 0 h)/);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('sign in, sign out, and a clear message for a wrong password', async () => {
  const person = await signUp({ displayName: 'Eve Returning' });
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL('**/account.html**');
  await page.locator('#signin-handle').fill(person.handle);
  await page.locator('#signin-password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const error = page.locator('#signin-error');
  await eventually(async () => /wrong/.test(await error.textContent()), 'an error for a wrong password');
  assert.equal(await error.getAttribute('role'), 'alert');

  await page.locator('#signin-password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await eventually(async () => (await page.locator('#account-nav').textContent()).includes(person.handle), 'signed in');
  assert.equal(await page.locator('#host-tools').isVisible(), true);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).waitFor();
  const me = await context.request.get('/api/v1/me');
  assert.equal(me.status(), 401);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('sign-up checks the password length before sending', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto('/account.html?mode=signup');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'signup-handle');
  await page.locator('#signup-handle').fill(unique('short'));
  await page.locator('#signup-name').fill('Short Password');
  await page.locator('#signup-password').fill('too short');
  await page.getByRole('button', { name: 'Create account' }).click();
  assert.match(await page.locator('#signup-error').textContent(), /10 to 128/);
  assert.equal(await page.locator('#signup-password').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'signup-password');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('a host creates a series, schedules a session and starts it from the home page', async () => {
  const context = await signedInContext(browser, { displayName: 'Hana Host' });
  const page = await context.newPage();
  await page.goto('/');
  await page.locator('#host-tools').waitFor();
  const hashtag = `#NightShiftNurses${unique('N').slice(0, 12)}`;
  await page.getByText('Create a series', { exact: true }).click();
  await page.getByLabel('Hashtag', { exact: true }).fill(hashtag);
  await page.getByLabel('Title', { exact: true }).fill('Night shift nurses');
  await page.getByRole('button', { name: 'Create series' }).click();
  await eventually(async () => /created/.test(await page.locator('#series-done').textContent()), 'series created');
  assert.equal(await page.getByLabel('Series hashtag').inputValue(), hashtag);
  await page.getByRole('button', { name: 'Schedule session' }).click();
  const result = page.locator('#schedule-result');
  await result.waitFor();
  assert.match(await result.textContent(), new RegExp(hashtag));
  await result.getByRole('button', { name: 'Start now' }).click();
  await eventually(async () => /is live/.test(await result.textContent()), 'started');
  await result.getByRole('link', { name: 'Open the chat page' }).click();
  await waitConnected(page);
  assert.equal(await page.locator('h1').textContent(), hashtag);
  assert.match(await page.locator('#chat-status').textContent(), /Live/);
  // Hosts can add time: the end shown in the header moves 15 minutes later.
  const endsBefore = await page.locator('#chat-when time').getAttribute('datetime');
  await page.getByRole('button', { name: 'Add 15 minutes' }).click();
  await eventually(async () => {
    const endsAfter = await page.locator('#chat-when time').getAttribute('datetime');
    return Date.parse(endsAfter) - Date.parse(endsBefore) === 15 * 60 * 1000;
  }, 'the end moved by 15 minutes');
  // Hosts get an "End the chat" control on the chat page.
  assert.equal(await page.getByRole('button', { name: 'End the chat' }).isVisible(), true);
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'End the chat' }).click();
  await eventually(async () => /Ended/.test(await page.locator('#chat-status').textContent()), 'ended');
  await page.getByRole('link', { name: 'Read the transcript' }).waitFor();

  // A second series with the same hashtag in other casing is refused, with the reason.
  await page.goto('/');
  await page.getByText('Create a series', { exact: true }).click();
  await page.getByLabel('Hashtag', { exact: true }).fill(hashtag.toLowerCase());
  await page.getByLabel('Title', { exact: true }).fill('Copy');
  await page.getByRole('button', { name: 'Create series' }).click();
  await eventually(async () => /already belongs/.test(await page.locator('#series-error').textContent()), 'conflict explained');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('axe-core finds no WCAG A/AA violations on home and account pages; screenshots', async () => {
  const anonymous = await newContext(browser);
  const host = await signedInContext(browser, { displayName: 'Ida Host' });
  const pages = [];
  const home = await anonymous.newPage();
  await home.goto('/');
  await home.locator('#live-list li').first().waitFor();
  pages.push(['home', home]);
  const account = await anonymous.newPage();
  await account.goto('/account.html');
  await account.locator('#signin-form').waitFor();
  await account.getByRole('button', { name: 'Sign in' }).click(); // shows the error state
  pages.push(['account', account]);
  const hostHome = await host.newPage();
  await hostHome.goto('/');
  await hostHome.locator('#host-tools').waitFor();
  await hostHome.getByText('Create a series', { exact: true }).click();
  await hostHome.getByText('Schedule a session', { exact: true }).click();
  pages.push(['home-host', hostHome]);
  for (const [name, page] of pages) {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await screenshot(page, name);
      // Contrast does not depend on the width: the dark scheme is checked once, at 1280 px.
      for (const colorScheme of size.width < 1000 ? ['light'] : ['light', 'dark']) {
        await page.emulateMedia({ colorScheme });
        assert.deepEqual(await axeViolations(page), [], `${name} at ${size.width}px, ${colorScheme}`);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
  }
  assert.deepEqual(anonymous.problems, []);
  assert.deepEqual(host.problems, []);
  await anonymous.close();
  await host.close();
});

test('every control on the chat page is reachable with the keyboard, with a visible focus', async () => {
  const context = await signedInContext(browser, { displayName: 'Kim Keys' });
  const page = await context.newPage();
  await page.goto(`/chat.html?session=${live.session.id}`);
  await waitConnected(page);
  const seen = new Set();
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      return { id: el.id || el.textContent.trim().slice(0, 30), ring: style.boxShadow !== 'none' || style.outlineStyle !== 'none' };
    });
    if (!focus) continue;
    assert.ok(focus.ring, `${focus.id} shows where the focus is`);
    seen.add(focus.id);
  }
  for (const id of ['pause-btn', 'announce-toggle', 'composer-text', 'send-btn']) assert.ok(seen.has(id), `${id} is reachable (${[...seen].join(', ')})`);
  assert.deepEqual(context.problems, []);
  await context.close();
});
