// The host page: a series' owner edits its details, sets a weekly recurrence, moves and cancels
// sessions (and is told plainly about an overlap), saves the notices and adds a moderator,
// writes a session's question plan and the series' moderation settings ahead of the chat;
// anyone else is refused; axe at phone and desktop width.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, launch, newContext, screenshot, SIZES } from '../lib/browser.mjs';
import { call, seriesPath, signUp, siteAdmin, unique } from '../lib/api.mjs';
import { eventually, signedInContext } from '../lib/chat.mjs';
import { buildRule, describeRule, firstStartLocal, parseRule } from '../../../web/js/host/rrule.js';

const DAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
let browser;
let owner;
let series;
let ownerContext;

before(async () => {
  browser = await launch();
  owner = await signUp({ handle: unique('own'), displayName: 'Sam Owner' });
  series = await call('/series', {
    method: 'POST', token: owner.token, body: { hashtag: `#WeHost${unique('S').slice(0, 20)}`, title: 'Old title', time_zone: 'UTC' },
  });
  ownerContext = await signedInContext(browser);
  const login = await ownerContext.request.post('/api/v1/auth/login', { data: { handle: owner.handle, password: owner.password } });
  assert.equal(login.status(), 200);
});

after(async () => {
  await browser?.close();
});

const hostUrl = () => `/host.html?tag=${encodeURIComponent(series.hashtag.slice(1))}`;
const sessions = () => call(`${seriesPath(series)}/sessions`);
const status = (page, selector) => page.locator(selector).textContent();

async function openHostPage() {
  const page = await ownerContext.newPage();
  page.on('dialog', (dialog) => dialog.accept());
  await page.goto(hostUrl());
  await page.locator('#h-tools').waitFor();
  return page;
}

test('recurrence rules: built from the form, read back into it, and told in words', () => {
  assert.equal(buildRule({ freq: 'weekly', day: 'TH', nth: '1' }), 'FREQ=WEEKLY;BYDAY=TH');
  assert.equal(buildRule({ freq: 'fortnightly', day: 'TH', nth: '1' }), 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH');
  assert.equal(buildRule({ freq: 'monthly', day: 'FR', nth: '-1' }), 'FREQ=MONTHLY;BYDAY=-1FR');
  assert.equal(buildRule({ freq: 'monthly', day: 'MO', nth: '2' }), 'FREQ=MONTHLY;BYDAY=2MO');
  assert.equal(firstStartLocal('2026-12-03', '20:00'), '2026-12-03T20:00:00');
  assert.deepEqual(parseRule('FREQ=WEEKLY;INTERVAL=2;BYDAY=TH'), { freq: 'fortnightly', day: 'TH', nth: '1' });
  assert.deepEqual(parseRule('FREQ=MONTHLY;BYDAY=-1FR;COUNT=5'), { freq: 'monthly', day: 'FR', nth: '-1' });
  assert.equal(parseRule('FREQ=DAILY'), null);
  const zone = { first_start_local: '2026-12-03T20:00:00', time_zone: 'Europe/London' };
  assert.equal(describeRule({ ...zone, rule: 'FREQ=WEEKLY;BYDAY=TH' }), 'Every Thursday at 20:00 (Europe/London), from 2026-12-03.');
  assert.equal(describeRule({ ...zone, rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH' }), 'Every other Thursday at 20:00 (Europe/London), from 2026-12-03.');
  assert.equal(describeRule({ ...zone, rule: 'FREQ=MONTHLY;BYDAY=-1FR' }), 'Every month on the last Friday at 20:00 (Europe/London), from 2026-12-03.');
});

test('the owner edits the details, and the series page shows them with a link back', async () => {
  const page = await openHostPage();
  await page.locator('#h-title').fill('');
  await page.getByRole('button', { name: 'Save details' }).click();
  await eventually(async () => /^title:/.test(await status(page, '#h-details [data-error]')), 'a title error');
  assert.equal(await page.locator('#h-title').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'h-title');

  await page.locator('#h-title').fill('Nurses talk handovers');
  await page.locator('#h-description').fill('A weekly chat <b>for</b> nurses.');
  await page.locator('#h-tz').selectOption('America/New_York');
  await page.locator('#h-duration').fill('90');
  await page.getByRole('button', { name: 'Save details' }).click();
  await eventually(async () => (await status(page, '#h-details [data-done]')) === 'Details saved.', 'details saved');
  assert.equal(await page.locator('#h-title').getAttribute('aria-invalid'), null);
  const saved = await call(seriesPath(series));
  assert.equal(saved.title, 'Nurses talk handovers');
  assert.equal(saved.time_zone, 'America/New_York');
  assert.equal(saved.default_duration_minutes, 90);

  await page.getByRole('link', { name: 'Back to the series page' }).click();
  await page.waitForURL('**/series.html**');
  await eventually(async () => (await status(page, '#sr-title')) === 'Nurses talk handovers', 'the new title');
  assert.equal(await status(page, '#sr-description'), 'A weekly chat <b>for</b> nurses.');
  const manage = page.getByRole('link', { name: 'Manage this series' });
  await manage.waitFor();
  await manage.click();
  await page.locator('#h-tools').waitFor();
  assert.deepEqual(ownerContext.problems, []);
  await page.close();
});

test('a weekly recurrence lists 8 sessions; one is moved, overlaps are refused, one is cancelled, a one-off added', async () => {
  const page = await openHostPage();
  assert.match(await status(page, '#h-rec-current'), /does not repeat/);
  const first = new Date(Date.now() + 8 * 86400000);
  const firstDate = first.toISOString().slice(0, 10);
  const day = DAY_CODES[first.getUTCDay()];
  await page.locator('#h-rec-freq').selectOption('weekly');
  assert.equal(await page.locator('#h-rec-nth').isVisible(), false);
  await page.locator('#h-rec-day').selectOption(day);
  await page.locator('#h-rec-time').fill('19:30');
  await page.locator('#h-rec-first').fill(firstDate);
  await page.getByRole('button', { name: 'Save recurrence' }).click();
  await eventually(async () => /8 upcoming sessions/.test(await status(page, '#h-rec [data-done]')), 'recurrence saved');
  const rule = await call(`${seriesPath(series)}/recurrence`);
  assert.equal(rule.rule, `FREQ=WEEKLY;BYDAY=${day}`);
  assert.equal(rule.first_start_local, `${firstDate}T19:30:00`);
  assert.match(await status(page, '#h-rec-current'), new RegExp(`^Every \\w+day at 19:30 \\(America/New_York\\), from ${firstDate}\\.$`));

  const items = page.locator('#h-sessions > li');
  await eventually(async () => (await items.count()) === 8, '8 sessions listed');
  const listed = await sessions();
  assert.equal(listed.length, 8);
  // Viewer in London, series in New York: both clocks are shown.
  assert.match(await items.first().locator('.series-zone').textContent(), /America\/New_York/);

  // Move the first session two hours later.
  const one = items.first();
  await one.locator('summary').click();
  const start = one.locator('input[name="starts_at"]');
  const moved = new Date(Date.parse(`${await start.inputValue()}Z`) + 2 * 3600000).toISOString().slice(0, 16);
  await start.fill(moved);
  await one.getByRole('button', { name: 'Move session' }).click();
  await eventually(async () => /^Moved to /.test(await status(page, '#h-sessions-done')), 'moved');
  const after = await call(`/sessions/${listed[0].id}`);
  assert.equal(Date.parse(after.starts_at), Date.parse(listed[0].starts_at) + 2 * 3600000);

  // Moving the second onto the third is refused, in words.
  const second = page.locator(`#h-sessions > li[data-session-id="${listed[1].id}"]`);
  const third = page.locator(`#h-sessions > li[data-session-id="${listed[2].id}"]`);
  await third.locator('summary').click();
  const thirdStart = await third.locator('input[name="starts_at"]').inputValue();
  await second.locator('summary').click();
  await second.locator('input[name="starts_at"]').fill(thirdStart);
  await second.getByRole('button', { name: 'Move session' }).click();
  await eventually(async () => /overlaps another session/.test(await status(page, '#h-sessions-error')), 'the overlap error');
  assert.equal(await page.locator('#h-sessions-error').getAttribute('role'), 'alert');
  assert.equal(await second.locator('input[name="starts_at"]').getAttribute('aria-invalid'), 'true');

  // Cancel the third (the confirmation is accepted).
  await third.getByRole('button', { name: /^Cancel/ }).click();
  await eventually(async () => /is cancelled/.test(await status(page, '#h-sessions-done')), 'cancelled');
  assert.equal((await call(`/sessions/${listed[2].id}`)).status, 'cancelled');
  assert.equal(await third.locator('summary').count(), 0, 'a cancelled session cannot be moved');
  assert.equal((await sessions()).length, 8);

  // A one-off session: onto the moved first one is an overlap; a day later it fits.
  await page.getByText('Schedule a one-off session').click();
  await page.locator('#h-oneoff-start').fill(moved);
  await page.getByRole('button', { name: 'Schedule', exact: true }).click();
  await eventually(async () => /overlaps another session/.test(await status(page, '#h-oneoff [data-error]')), 'the one-off overlap');
  assert.equal(await page.locator('#h-oneoff-start').getAttribute('aria-invalid'), 'true');
  const dayLater = new Date(Date.parse(`${moved}Z`) + 86400000).toISOString().slice(0, 16);
  await page.locator('#h-oneoff-start').fill(dayLater);
  await page.locator('#h-oneoff-title').fill('Extra: night shift special');
  await page.getByRole('button', { name: 'Schedule', exact: true }).click();
  await eventually(async () => /^Scheduled for /.test(await status(page, '#h-oneoff [data-done]')), 'the one-off scheduled');
  await eventually(async () => (await items.count()) === 9, 'the one-off listed');
  assert.equal(await page.locator('#h-sessions > li h3', { hasText: 'Extra: night shift special' }).count(), 1);

  // Stop repeating: the rule goes, the sessions stay.
  await page.getByRole('button', { name: 'Stop repeating' }).click();
  await eventually(async () => /no longer repeats/.test(await status(page, '#h-rec [data-done]')), 'recurrence stopped');
  assert.match(await status(page, '#h-rec-current'), /does not repeat/);
  assert.equal(await page.getByRole('button', { name: 'Stop repeating' }).isVisible(), false);
  await assert.rejects(call(`${seriesPath(series)}/recurrence`), / 404: /);
  assert.equal((await sessions()).length, 9);
  assert.deepEqual(ownerContext.problems, []);
  await page.close();
});

test('the owner saves the notices and adds a moderator by handle', async () => {
  const mod = await signUp({ handle: unique('mod'), displayName: 'Mo Derator' });
  const page = await openHostPage();
  await page.locator('#h-reminder-text').fill('Answer with A1, A2 and keep {hashtag} in your posts');
  await page.locator('#h-reminder-minutes').fill('0, thirty');
  await page.getByRole('button', { name: 'Save notices' }).click();
  await eventually(async () => /^reminder_minutes:/.test(await status(page, '#h-notices [data-error]')), 'a minutes error');
  await page.locator('#h-reminder-minutes').fill('0, 30');
  await page.locator('#h-final-minutes').fill('5');
  await page.getByRole('button', { name: 'Save notices' }).click();
  await eventually(async () => (await status(page, '#h-notices [data-done]')) === 'Notices saved.', 'notices saved');
  assert.deepEqual(await call(`${seriesPath(series)}/notices`), {
    reminder_text: 'Answer with A1, A2 and keep {hashtag} in your posts', reminder_minutes: [0, 30], final_notice_minutes: 5,
  });

  await page.locator('#h-team-handle').fill('nobody_has_this_handle');
  await page.getByRole('button', { name: 'Add to the team' }).click();
  await eventually(async () => /nobody has the handle/.test(await status(page, '#h-team-add [data-error]')), 'an unknown handle');
  await page.locator('#h-team-handle').fill(mod.handle);
  await page.locator('#h-team-role').selectOption('moderator');
  await page.getByRole('button', { name: 'Add to the team' }).click();
  await eventually(async () => (await page.locator('#h-team li').count()) === 2, 'the moderator listed');
  assert.match(await page.locator(`#h-team li[data-handle="${mod.handle}"]`).textContent(), /Mo Derator.*Moderator/);
  const members = await call(`${seriesPath(series)}/members`);
  assert.deepEqual(members.map((m) => [m.handle, m.role]), [[owner.handle, 'owner'], [mod.handle, 'moderator']]);

  // Removed again (the confirmation is accepted); the owner has no Remove button.
  assert.equal(await page.locator(`#h-team li[data-handle="${owner.handle}"] button`).count(), 0);
  await page.getByRole('button', { name: `Remove Mo Derator (${mod.handle}) from the team` }).click();
  await eventually(async () => (await page.locator('#h-team li').count()) === 1, 'the moderator removed');
  assert.deepEqual((await call(`${seriesPath(series)}/members`)).map((m) => m.handle), [owner.handle]);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'h-team-handle');
  assert.deepEqual(ownerContext.problems, []);
  await page.close();
});

test('someone who does not host the series is refused', async () => {
  const context = await signedInContext(browser, { displayName: 'Not A Host' });
  const page = await context.newPage();
  await page.goto(hostUrl());
  await eventually(async () => /Only the owner and hosts/.test(await status(page, '#h-fatal')), 'the refusal');
  assert.equal(await page.locator('#h-tools').isVisible(), false);
  await page.goto(`/series.html?tag=${encodeURIComponent(series.hashtag.slice(1))}`);
  await page.locator('#sr-upcoming li').first().waitFor();
  assert.equal(await page.locator('#sr-manage').isVisible(), false);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('a site administrator who is not on the team manages the series, and is told so', { skip: siteAdmin() ? false : 'TWEETCHAT_ADMIN_HANDLE and TWEETCHAT_ADMIN_PASSWORD are not set' }, async () => {
  const admin = siteAdmin();
  const context = await newContext(browser);
  const login = await context.request.post('/api/v1/auth/login', { data: { handle: admin.handle, password: admin.password } });
  assert.equal(login.status(), 200, await login.text());
  const members = await call(`${seriesPath(series)}/members`);
  assert.equal(members.some((m) => m.handle.toLowerCase() === admin.handle.toLowerCase()), false, 'not on the team');

  const page = await context.newPage();
  // The series page offers the admin its host tools, as it does its owner.
  await page.goto(`/series.html?tag=${encodeURIComponent(series.hashtag.slice(1))}`);
  await page.getByRole('link', { name: 'Manage this series' }).click();
  await page.waitForURL('**/host.html?tag=*');
  await page.locator('#h-tools').waitFor();
  assert.equal(await status(page, '#h-admin-note'), 'You are managing this series as a site administrator.');
  assert.equal(await page.locator('#h-admin-note').isVisible(), true);
  // An admin may do what the owner may: the team is theirs to manage too.
  await page.locator('#h-team-section').waitFor();

  const title = `Renamed by the site admin ${unique('t')}`;
  await page.locator('#h-title').fill(title);
  await page.getByRole('button', { name: 'Save details' }).click();
  await eventually(async () => (await status(page, '#h-details [data-done]')) === 'Details saved.', 'details saved');
  assert.equal((await call(seriesPath(series))).title, title);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the owner is not told they are an administrator', async () => {
  const page = await openHostPage();
  assert.equal(await page.locator('#h-admin-note').isVisible(), false);
  await page.close();
});

let planned;
/** A scheduled session of the series, two days ahead (clear of the weekly ones, a week out). */
async function scheduledSession() {
  planned ??= await call(`${seriesPath(series)}/sessions`, {
    method: 'POST', token: owner.token,
    body: { starts_at: new Date(Date.now() + 2 * 86400000).toISOString(), duration_minutes: 60, title: 'Planning ahead' },
  });
  return planned;
}

const planValues = (page, id) => page.locator(`#qp-${id} .console-list li`).evaluateAll((rows) =>
  rows.map((row) => [row.querySelector('textarea').value, row.querySelector('input').value]));

async function openPlan(page, id) {
  const item = page.locator(`#h-sessions > li[data-session-id="${id}"]`);
  const edit = item.getByRole('button', { name: /^Edit questions/ });
  await edit.click();
  await eventually(async () => (await page.evaluate(() => document.activeElement.id)) === `qp-${id}-heading`, 'focus on the plan');
  assert.equal(await edit.getAttribute('aria-expanded'), 'true');
  return { item, edit };
}

test('a host plans two questions with minutes for a scheduled session from the host page, and reorders them', async () => {
  const session = await scheduledSession();
  const page = await openHostPage();
  const { item, edit } = await openPlan(page, session.id);
  assert.equal(await item.locator(`#qp-${session.id}`).getByText('No questions are planned.').isVisible(), true);

  await page.getByRole('button', { name: 'Add a question' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), `qp-${session.id}-text-1`, 'focus goes to the new question');
  await page.keyboard.type('What would you change first?');
  await page.getByLabel('Minutes after the start for question 1 (empty: release it by hand)').fill('20');
  await page.getByRole('button', { name: 'Add a question' }).click();
  await page.keyboard.type('What made your last handover work?');
  await page.getByLabel('Minutes after the start for question 2 (empty: release it by hand)').fill('5');
  await page.getByRole('button', { name: 'Move question 2 up' }).click();
  assert.deepEqual(await planValues(page, session.id), [['What made your last handover work?', '5'], ['What would you change first?', '20']]);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Move question 1 down', 'focus follows the moved question');

  // A minute past the end is refused by the server, and the field it names is marked.
  await page.getByLabel('Minutes after the start for question 2 (empty: release it by hand)').fill('600');
  await page.getByRole('button', { name: 'Save the plan' }).click();
  await eventually(async () => /^Not saved: questions\[1\]\.offset_minutes/.test(await status(page, `#qp-${session.id} [role="status"]`)), 'the minute refused');
  assert.equal(await page.evaluate(() => document.activeElement.id), `qp-${session.id}-offset-2`);
  assert.equal(await page.locator(`#qp-${session.id}-offset-2`).getAttribute('aria-invalid'), 'true');
  await page.locator(`#qp-${session.id}-offset-2`).fill('20');
  await page.getByRole('button', { name: 'Save the plan' }).click();
  await eventually(async () => (await status(page, `#qp-${session.id} [role="status"]`)) === 'Saved: 2 questions to come.', 'plan saved');
  const plan = await call(`/sessions/${session.id}/questions`, { token: owner.token });
  assert.deepEqual(plan.map((q) => [q.text, q.offset_minutes, q.status]), [
    ['What made your last handover work?', 5, 'planned'],
    ['What would you change first?', 20, 'planned'],
  ]);

  // Escape closes it and focus returns to its button.
  await page.locator(`#qp-${session.id}-text-1`).focus();
  await page.keyboard.press('Escape');
  assert.equal(await page.locator(`#qp-${session.id}`).count(), 0);
  assert.equal(await edit.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-controls')), `qp-${session.id}`);

  // After a reload the plan is read back.
  await page.reload();
  await page.locator('#h-tools').waitFor();
  await openPlan(page, session.id);
  await eventually(async () => (await planValues(page, session.id)).length === 2, 'the plan read back');
  assert.deepEqual(await planValues(page, session.id), [['What made your last handover work?', '5'], ['What would you change first?', '20']]);
  await page.getByRole('button', { name: 'Close the questions' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-controls')), `qp-${session.id}`);
  assert.deepEqual(ownerContext.problems, []);
  await page.close();

  // The chat's console shows the same plan to the host.
  const chat = await ownerContext.newPage();
  await chat.goto(`/chat.html?session=${session.id}`);
  await eventually(async () => (await chat.locator('#plan-list textarea').count()) === 2, 'the console plan');
  assert.deepEqual(await chat.locator('#plan-list textarea').evaluateAll((t) => t.map((x) => x.value)),
    ['What made your last handover work?', 'What would you change first?']);
  assert.equal(await chat.locator('#plan-offset-1').inputValue(), '5');
  await chat.close();
});

test('a host sets the moderation settings from the host page, and they stay after a reload', async () => {
  const page = await openHostPage();
  await eventually(async () => (await page.locator('#h-rules-slow').inputValue()) === '0', 'the settings loaded');
  await page.getByLabel('Hold for review before anyone sees them').selectOption('first_time');
  await page.getByLabel('Blocked terms: posts with them are always held').fill('spam\nBuy, NOW!');
  await page.getByLabel("Slow mode: seconds between a participant's posts").fill('-5');
  await page.getByRole('button', { name: 'Save moderation settings' }).click();
  await eventually(async () => /^Slow mode: enter a whole number/.test(await status(page, '#h-rules-status')), 'slow mode refused');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'h-rules-slow');
  await page.getByLabel("Slow mode: seconds between a participant's posts").fill('30');
  await page.getByRole('button', { name: 'Save moderation settings' }).click();
  await eventually(async () => /^Saved/.test(await status(page, '#h-rules-status')), 'settings saved');
  assert.deepEqual(await call(`${seriesPath(series)}/rules`, { token: owner.token }),
    { hold_policy: 'first_time', blocked_terms: ['spam', 'buy now'], slow_mode_seconds: 30 });
  await page.reload();
  await page.locator('#h-tools').waitFor();
  await eventually(async () => (await page.locator('#h-rules-slow').inputValue()) === '30', 'the settings read back');
  assert.equal(await page.locator('#h-rules-hold').inputValue(), 'first_time');
  assert.equal(await page.locator('#h-rules-terms').inputValue(), 'spam\nbuy now');
  assert.deepEqual(ownerContext.problems, []);
  await page.close();
});

test('the host page passes axe at phone and desktop width, light and dark', async () => {
  const page = await openHostPage();
  await page.locator('#h-sessions > li').first().waitFor();
  await page.locator('#h-sessions > li details').first().locator('summary').click();
  // A question plan open, with a question, is checked too.
  const session = await scheduledSession();
  await openPlan(page, session.id);
  await page.locator(`#qp-${session.id}`).getByRole('button', { name: 'Add a question' }).click();
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await screenshot(page, 'host');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `no sideways scrolling at ${size.width}px`);
    for (const colorScheme of size.width < 1000 ? ['light'] : ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      assert.deepEqual(await axeViolations(page), [], `host page at ${size.width}px, ${colorScheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }
  assert.deepEqual(ownerContext.problems, []);
  await page.close();
});
