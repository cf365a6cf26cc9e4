// Moderation against the real server, with a moderator and a participant in two browsers:
// hide and unhide, the hold queue (approve and reject), mute and ban, reports, the back
// channel, the host's controls in the console, and axe on the console's panels.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, launch, screenshot, SIZES } from '../lib/browser.mjs';
import { appoint, call, hostSession, setRules, unique } from '../lib/api.mjs';
import { eventually, openChat, pendingCount, post, signedInContext, streamTexts, waitConnected } from '../lib/chat.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** A live session with an appointed moderator and a participant, both on its chat page. */
async function moderatedChat(title) {
  const live = await hostSession({ title });
  const mod = await signedInContext(browser, { displayName: 'Mo Moderator' });
  // Appointed before joining: a role change later would close the socket (1001) to apply it.
  await appoint(live, mod.user.handle, 'moderator');
  const part = await signedInContext(browser, { displayName: 'Pat Participant' });
  const modPage = await openChat(mod, live.session.id);
  const partPage = await openChat(part, live.session.id);
  return { live, mod, part, modPage, partPage };
}

/** The message item on `page` whose text is `text`. */
function item(page, text) {
  return page.locator('#stream > li', { has: page.locator('.msg-text', { hasText: text }) });
}

/** Opens the message's "Moderate" disclosure (a click on an open one would close it). */
async function openModerate(page, text) {
  const li = item(page, text);
  const tools = li.locator('details.moderate-tool');
  if (!(await tools.evaluate((d) => d.open))) await tools.locator('summary').click();
  return li;
}

test('a moderator hides a message from the console: it leaves the participant\'s page, and comes back when unhidden', async () => {
  const { live, mod, part, modPage, partPage } = await moderatedChat('Hide and unhide');
  const keep = `Useful tip ${unique('k')}`;
  const spam = `Buy cheap followers ${unique('s')}`;
  await post(partPage, keep);
  await post(partPage, spam);
  await eventually(async () => (await streamTexts(modPage)).includes(spam), 'the moderator sees the post');
  await eventually(async () => (await pendingCount(partPage)) === 0, 'both acked');

  // The participant has Report on others' messages only; the moderator has Moderate on all.
  assert.equal(await item(partPage, spam).locator('summary', { hasText: 'Report' }).count(), 0, 'no Report on your own message');
  assert.equal(await modPage.locator('#mod-console').isVisible(), true);
  assert.equal(await partPage.locator('#mod-console').isVisible(), false);

  const li = await openModerate(modPage, spam);
  await li.getByLabel('Reason (optional, kept in the moderation log)').fill('Spam');
  await li.getByRole('button', { name: 'Hide', exact: true }).click();

  await eventually(async () => !(await streamTexts(partPage)).includes(spam), 'the hidden post leaves the participant\'s page');
  assert.deepEqual(await streamTexts(partPage), [keep]);
  assert.equal(await partPage.locator(`text=${spam}`).count(), 0, 'no trace of its text');
  // The moderator still sees it, marked.
  await eventually(async () => (await item(modPage, spam).getAttribute('class')).includes('is-hidden'), 'marked hidden for the moderator');
  assert.match(await item(modPage, spam).locator('.hidden-badge').textContent(), /Hidden/);

  const again = await openModerate(modPage, spam);
  await again.getByRole('button', { name: 'Unhide', exact: true }).click();
  await eventually(async () => (await streamTexts(partPage)).includes(spam), 'back for the participant');
  assert.deepEqual(await streamTexts(partPage), [keep, spam], 'in its place in the stream');

  // Pinning from the same tools puts it on top for everyone.
  const pin = await openModerate(modPage, keep);
  await pin.getByRole('button', { name: 'Pin', exact: true }).click();
  const pinned = partPage.getByRole('region', { name: 'Pinned' });
  await pinned.waitFor();
  assert.match(await pinned.textContent(), new RegExp(keep));
  // A late arrival gets the pin from welcome.pinned.
  const late = await openChat(part, live.session.id);
  assert.match(await late.getByRole('region', { name: 'Pinned' }).textContent(), new RegExp(keep));

  // The moderation log has who did what and why, newest first.
  await modPage.locator('#log-panel summary').click();
  const log = modPage.locator('#log-list > li');
  await eventually(async () => (await log.count()) === 4, 'four log entries');
  const entries = await log.allTextContents();
  assert.match(entries[0], new RegExp(`${mod.user.handle} pinned a message`));
  assert.match(entries[1], /unhid a message/);
  assert.match(entries[2], /hid a message.*Reason: Spam/);
  assert.match(entries[3], new RegExp(`${live.host.handle} appointed a team member`), 'the owner appointing the moderator');
  assert.deepEqual(mod.problems, []);
  assert.deepEqual(part.problems, []);
  await mod.close();
  await part.close();
});

test('hold policy "all": the participant sees the post pending, the moderator approves or rejects it in the console', async () => {
  const { live, mod, part, modPage, partPage } = await moderatedChat('Held posts');
  await setRules(live, { holdPolicy: 'all' });
  const first = `Held for review ${unique('h')}`;
  await post(partPage, first);
  const pending = partPage.locator('#pending > li[data-state="held"]');
  await pending.waitFor();
  assert.match(await pending.textContent(), /Pending approval/);
  assert.match(await pending.textContent(), /until a moderator approves it/);
  assert.equal((await streamTexts(modPage)).includes(first), false, 'not in anyone\'s stream yet');

  // Live in the console, and also loaded over HTTP by a moderator who arrives later.
  const held = modPage.locator('#hold-list > li', { hasText: first });
  await held.waitFor();
  assert.match(await held.textContent(), /Every post is held/);
  assert.equal(await modPage.locator('#hold-count').textContent(), '(1)');
  const modLater = await openChat(mod, live.session.id);
  await modLater.locator('#hold-list > li', { hasText: first }).waitFor();

  await held.getByRole('button', { name: /^Approve/ }).click();
  await eventually(async () => (await streamTexts(partPage)).includes(first), 'approved post in the participant\'s stream');
  await eventually(async () => (await pendingCount(partPage)) === 0, 'no longer pending');
  assert.equal(await partPage.locator('#stream > li.mine', { hasText: first }).count(), 1, 'shown once, as theirs');
  await eventually(async () => (await modLater.locator('#hold-list > li').count()) === 0, 'the other moderator\'s queue follows (held_decided)');
  assert.equal(await modPage.locator('#hold-empty').isVisible(), true);

  const second = `Off-topic advert ${unique('r')}`;
  await post(partPage, second);
  const held2 = modPage.locator('#hold-list > li', { hasText: second });
  await held2.waitFor();
  await held2.getByLabel('Reason if rejected (the author sees it)').fill('Please keep to the topic');
  await held2.getByRole('button', { name: /^Reject/ }).click();
  const rejected = partPage.locator('#pending > li[data-state="rejected"]');
  await rejected.waitFor();
  assert.match(await rejected.textContent(), /Not posted/);
  assert.match(await rejected.textContent(), /Please keep to the topic/);
  assert.equal(await rejected.getByRole('button', { name: 'Try again' }).count(), 0, 'a rejected post is not sent again as it is');
  await rejected.getByRole('button', { name: 'Discard' }).click();
  assert.equal(await pendingCount(partPage), 0);
  assert.equal((await streamTexts(modPage)).includes(second), false);
  assert.deepEqual(mod.problems, []);
  assert.deepEqual(part.problems, []);
  await mod.close();
  await part.close();
});

test('a muted participant is told until when; a banned one sees why and the page does not reconnect', async () => {
  const { live, mod, part, modPage } = await moderatedChat('Mute and ban');
  const partPage = await part.newPage();
  const sockets = [];
  partPage.on('websocket', (ws) => sockets.push(ws.url()));
  await partPage.goto(`/chat.html?session=${live.session.id}`);
  await waitConnected(partPage);
  const text = `Rude remark ${unique('x')}`;
  await post(partPage, text);
  await eventually(async () => (await streamTexts(modPage)).includes(text), 'the moderator sees it');

  const li = await openModerate(modPage, text);
  await li.getByLabel(/^Mute @.* for$/).selectOption('60');
  await li.getByRole('button', { name: 'Mute', exact: true }).click();
  const note = partPage.locator('#restriction-note');
  await eventually(async () => /muted you until \d\d:\d\d/.test(await note.textContent()), 'the mute notice with its end');
  await post(partPage, 'Can I still post?');
  const failed = partPage.locator('#pending > li[data-state="failed"]');
  await failed.waitFor();
  assert.match(await partPage.locator('#composer-error').textContent(), /muted you/);

  const li2 = await openModerate(modPage, text);
  modPage.once('dialog', (dialog) => dialog.accept());
  await li2.getByRole('button', { name: 'Ban', exact: true }).click();
  await eventually(async () => /banned/.test(await partPage.locator('#fatal').textContent()), 'the banned notice');
  assert.match(await note.textContent(), /banned you from this chat series/);
  assert.equal(await partPage.locator('#conn').getAttribute('data-state'), 'closed');
  assert.equal(await partPage.locator('#composer').isVisible(), false);
  assert.equal(await partPage.locator('#fatal a', { hasText: 'Sign in' }).count(), 0, 'signing in again would not help');
  // No reconnect loop: the one socket stays the only one.
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(sockets.length, 1, `sockets opened: ${sockets.length}`);
  assert.equal(await partPage.locator('#conn').getAttribute('data-state'), 'closed');
  // A fresh page is refused at hello (close 4003) with the same notice, and no retries.
  const again = await part.newPage();
  const sockets2 = [];
  again.on('websocket', (ws) => sockets2.push(ws.url()));
  await again.goto(`/chat.html?session=${live.session.id}`);
  await eventually(async () => /banned/.test(await again.locator('#fatal').textContent()), 'refused at join');
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(sockets2.length, 1);
  assert.deepEqual(mod.problems, []);
  assert.deepEqual(part.problems, []);
  await mod.close();
  await part.close();
});

test('reports, the back channel and the host\'s controls work from the console; axe finds no violations in it', async () => {
  const live = await hostSession({ title: 'Console tour' });
  const hostCtx = await signedInContext(browser, { displayName: 'Hal Host' });
  const mod = await signedInContext(browser, { displayName: 'Mo Moderator' });
  const part = await signedInContext(browser, { displayName: 'Pat Participant' });
  await appoint(live, hostCtx.user.handle, 'host');
  await appoint(live, mod.user.handle, 'moderator');
  const hostPage = await openChat(hostCtx, live.session.id);
  const modPage = await openChat(mod, live.session.id);
  const partPage = await openChat(part, live.session.id);

  // A participant reports a message; the console lists it with who and why.
  const text = `Dubious medical advice ${unique('d')}`;
  await post(modPage, text);
  await eventually(async () => (await streamTexts(partPage)).includes(text), 'participant sees it');
  const target = item(partPage, text);
  await target.locator('summary', { hasText: 'Report' }).click();
  await target.getByLabel('Why? (optional, only moderators see it)').fill('Not evidence based');
  await target.getByRole('button', { name: 'Send report' }).click();
  await eventually(async () => /Reported to the moderators/.test(await target.textContent()), 'report confirmed');
  await hostPage.locator('#reports-panel summary').click();
  const report = hostPage.locator('#reports-list > li');
  await report.waitFor();
  assert.match(await report.textContent(), new RegExp(`Reported by ${part.user.handle}`));
  assert.match(await report.textContent(), /Not evidence based/);
  assert.match(await report.textContent(), /Dubious medical advice/);

  // The back channel: the moderator writes, the host reads it live.
  await modPage.locator('#bc-panel summary').click();
  const note = `Can you take the next question? ${unique('b')}`;
  await modPage.getByLabel('Message to the moderators').fill(note);
  await modPage.getByRole('button', { name: 'Send to moderators' }).click();
  await hostPage.locator('#bc-panel summary').click();
  await hostPage.locator('#bc-list > li', { hasText: note }).waitFor();
  assert.equal(await partPage.locator(`text=${note}`).count(), 0, 'never on a participant\'s page');

  // Hosts release the next planned question and set slow mode from the console.
  assert.equal(await modPage.locator('#run-panel').isVisible(), false, 'moderators do not run the chat');
  await call(`/sessions/${live.session.id}/questions`, { method: 'PUT', token: live.host.token, body: { questions: [{ text: 'What keeps you going on a long shift?' }] } });
  await hostPage.getByRole('button', { name: 'Release the next question' }).click();
  await eventually(async () => /Q1/.test(await partPage.locator('#cq-text').textContent()), 'Q1 reaches the participant');
  await hostPage.getByLabel('Slow mode: seconds between a participant\'s posts').fill('60');
  await hostPage.getByRole('button', { name: 'Save settings' }).click();
  await eventually(async () => /Saved/.test(await hostPage.locator('#rules-status').textContent()), 'settings saved');
  await post(partPage, 'First under slow mode');
  await eventually(async () => (await pendingCount(partPage)) === 0, 'first one goes out');
  await post(partPage, 'Second too soon');
  await eventually(async () => /Slow mode is on.*one post every 60 s/.test(await partPage.locator('#pending > li').textContent()), 'slow mode explained with the wait');

  // A held post for the queue, and an open Moderate disclosure, for the checks below.
  await setRules(live, { holdPolicy: 'all' });
  const parked = `Waiting for review ${unique('w')}`;
  const other = await signedInContext(browser, { displayName: 'Quinn Newcomer' });
  const otherPage = await openChat(other, live.session.id);
  await post(otherPage, parked);
  await hostPage.locator('#hold-list > li', { hasText: parked }).waitFor();
  await openModerate(hostPage, text);
  await hostPage.locator('#restrictions-panel summary').click();
  await hostPage.locator('#log-panel summary').click();
  await hostPage.locator('#log-list > li').first().waitFor();
  for (const size of SIZES) {
    await hostPage.setViewportSize(size);
    for (const colorScheme of size.width < 1000 ? ['light'] : ['light', 'dark']) {
      await hostPage.emulateMedia({ colorScheme });
      await hostPage.evaluate(() => window.scrollTo(0, 0));
      await screenshot(hostPage, colorScheme === 'dark' ? 'chat-console-dark' : 'chat-console');
      assert.deepEqual(await axeViolations(hostPage), [], `console at ${size.width}px, ${colorScheme}`);
    }
  }
  await hostPage.emulateMedia({ colorScheme: 'light' });

  await report.getByRole('button', { name: /^Resolve/ }).click();
  await eventually(async () => (await hostPage.locator('#reports-list > li').count()) === 0, 'report resolved');
  assert.equal(await hostPage.locator('#reports-empty').isVisible(), true);
  for (const ctx of [hostCtx, mod, part, other]) {
    assert.deepEqual(ctx.problems, []);
    await ctx.close();
  }
});

test('a host edits the questions to come, blocks a term, and lifts a ban from the console', async () => {
  const live = await hostSession({ title: 'Host tools' });
  const hostCtx = await signedInContext(browser, { displayName: 'Hal Host' });
  await appoint(live, hostCtx.user.handle, 'host');
  const part = await signedInContext(browser, { displayName: 'Pat Participant' });
  const hostPage = await openChat(hostCtx, live.session.id);
  const partPage = await openChat(part, live.session.id);

  // The plan: two questions typed in the console, the second on a minute; saved in one go.
  await hostPage.getByRole('button', { name: 'Add a question' }).click();
  assert.equal(await hostPage.evaluate(() => document.activeElement.id), 'plan-text-1', 'focus goes to the new question');
  await hostPage.getByLabel('Question 1', { exact: true }).fill('Who supports you after a hard shift?');
  await hostPage.getByRole('button', { name: 'Add a question' }).click();
  await hostPage.getByLabel('Question 2', { exact: true }).fill('What would you change first?');
  await hostPage.getByLabel('Minutes after the start for question 2 (empty: release it by hand)').fill('50');
  await hostPage.getByRole('button', { name: 'Save the plan' }).click();
  await eventually(async () => /Saved: 2 questions/.test(await hostPage.locator('#plan-status').textContent()), 'plan saved');
  const plan = await call(`/sessions/${live.session.id}/questions`, { token: live.host.token });
  assert.deepEqual(plan.map((q) => [q.text, q.offset_minutes ?? null, q.status]), [
    ['Who supports you after a hard shift?', null, 'planned'],
    ['What would you change first?', 50, 'planned'],
  ]);
  await hostPage.getByRole('button', { name: 'Skip the next question' }).click();
  await eventually(async () => /Skipped: Who supports you/.test(await hostPage.locator('#plan-status').textContent()), 'skipped');
  assert.equal(await hostPage.getByLabel('Question 1', { exact: true }).inputValue(), 'What would you change first?');
  await hostPage.getByRole('button', { name: 'Release the next question' }).click();
  await eventually(async () => /Q1: What would you change first\?/.test(await partPage.locator('#cq-text').textContent()), 'released to the participant');
  await eventually(() => hostPage.locator('#plan-empty').isVisible(), 'nothing left to come');

  // A post to ban its author by, before the blocked term holds the next one.
  const first = `Hello all ${unique('f')}`;
  await post(partPage, first);
  await eventually(async () => (await streamTexts(hostPage)).includes(first), 'host sees it');
  await hostPage.getByLabel('Blocked terms: posts with them are always held').fill('cheap followers\n  Free Money ');
  await hostPage.getByRole('button', { name: 'Save settings' }).click();
  await eventually(async () => /Saved/.test(await hostPage.locator('#rules-status').textContent()), 'saved');
  assert.equal(await hostPage.getByLabel('Blocked terms: posts with them are always held').inputValue(), 'cheap followers\nfree money', 'stored as the server keeps them');
  await post(partPage, 'Get cheap followers today');
  await partPage.locator('#pending > li[data-state="held"]').waitFor();
  assert.match(await hostPage.locator('#hold-list > li', { hasText: 'Get cheap followers today' }).textContent(), /Contains a blocked term/);

  const li = await openModerate(hostPage, first);
  hostPage.once('dialog', (dialog) => dialog.accept());
  await li.getByRole('button', { name: 'Ban', exact: true }).click();
  await eventually(async () => /banned/.test(await partPage.locator('#fatal').textContent()), 'participant banned');
  await hostPage.locator('#restrictions-panel summary').click();
  const banned = hostPage.locator('#restrictions-list > li', { hasText: part.user.handle });
  await banned.waitFor();
  assert.match(await banned.textContent(), /Banned/);
  await banned.getByRole('button', { name: `Lift ban of ${part.user.handle}` }).click();
  await eventually(async () => (await hostPage.locator('#restrictions-list > li').count()) === 0, 'ban lifted');
  const back = await openChat(part, live.session.id);
  assert.equal(await back.locator('#composer').isVisible(), true, 'the participant can take part again');
  assert.deepEqual(hostCtx.problems, []);
  assert.deepEqual(part.problems, []);
  await hostCtx.close();
  await part.close();
});

test('someone appointed moderator while on the page gets the console, and the messages hidden before, marked', async () => {
  const live = await hostSession({ title: 'Appointed live' });
  const ctx = await signedInContext(browser, { displayName: 'Nia Newmod' });
  const page = await openChat(ctx, live.session.id);
  const text = `Before the appointment ${unique('a')}`;
  const hiddenText = `Hidden before the appointment ${unique('h')}`;
  await post(page, text);
  await post(page, hiddenText);
  await eventually(async () => (await pendingCount(page)) === 0 && (await streamTexts(page)).length === 2, 'both acked');
  const stored = await call(`/sessions/${live.session.id}/transcript`, {});
  const hiddenId = stored.messages.find((m) => m.text === hiddenText).id;
  await call(`/sessions/${live.session.id}/messages/${hiddenId}/hide`, { method: 'POST', token: live.host.token, body: {} });
  await eventually(async () => (await streamTexts(page)).length === 1, 'hidden for a participant');
  assert.equal(await page.locator('#mod-console').isVisible(), false);

  await appoint(live, ctx.user.handle, 'moderator');
  // The server closes with 1001 "your role changed"; the page reconnects, and as a moderator
  // fetches the history again, now with the hidden message's content.
  await page.locator('#mod-console').waitFor({ timeout: 15000 });
  await waitConnected(page);
  await eventually(async () => (await streamTexts(page)).length === 2, 'the hidden message comes back for the moderator');
  assert.deepEqual(await streamTexts(page), [text, hiddenText], 'in order, nothing doubled');
  assert.match(await item(page, hiddenText).getAttribute('class'), /is-hidden/);
  await item(page, text).locator('details.moderate-tool').waitFor();
  assert.equal(await page.locator('#run-panel').isVisible(), false);
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
});

test('the console and a message\'s tools are reachable with the keyboard, with a visible focus', async () => {
  const live = await hostSession({ title: 'Keyboard console' });
  const hostCtx = await signedInContext(browser, { displayName: 'Kai Keys' });
  await appoint(live, hostCtx.user.handle, 'host');
  const part = await signedInContext(browser, { displayName: 'Pat Participant' });
  await setRules(live, { holdPolicy: 'all' });
  const page = await openChat(hostCtx, live.session.id);
  const partPage = await openChat(part, live.session.id);
  await post(page, `A host's message ${unique('k')}`);
  await post(partPage, `Held for the keyboard ${unique('q')}`);
  await page.locator('#hold-list > li').first().waitFor();
  await eventually(async () => (await streamTexts(page)).length === 1, 'the host\'s post');

  const seen = new Set();
  for (let i = 0; i < 80; i += 1) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const name = el.id || el.textContent.trim().replace(/\s+/g, ' ').slice(0, 40);
      return { name, ring: style.boxShadow !== 'none' || style.outlineStyle !== 'none' };
    });
    if (!focus) continue;
    assert.ok(focus.ring, `${focus.name} shows where the focus is`);
    seen.add(focus.name);
  }
  const has = (pattern) => [...seen].some((name) => pattern.test(name));
  for (const pattern of [/^host-release$/, /^host-end$/, /^plan-add$/, /^rules-slow$/, /^rules-hold$/, /^Hold queue/, /^reject-reason-/, /^Approve post from/,
    /^Reports/, /^Muted and banned/, /^Back channel/, /^Moderation log/, /^Moderate message from/, /^composer-text$/]) {
    assert.ok(has(pattern), `${pattern} is reachable (${[...seen].join(' | ')})`);
  }
  assert.deepEqual(hostCtx.problems, []);
  await hostCtx.close();
  await part.close();
});
