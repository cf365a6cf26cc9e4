// Audience questions against the real server: a participant proposes, a moderator approves it,
// another participant's vote reaches the first page live, the host adds it to the plan and
// releases it, credited in the stream; anonymous proposals name nobody to others; axe on the
// chat page with the panel open.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, launch, screenshot } from '../lib/browser.mjs';
import { appoint, call, hostSession, seriesPath, unique } from '../lib/api.mjs';
import { eventually, openChat, signedInContext, streamTexts } from '../lib/chat.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** Opens the Audience questions panel once it is shown. */
async function openPanel(page) {
  const details = page.locator('#aq-panel');
  await details.waitFor();
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
}

function proposal(page, list, text) {
  return page.locator(`#${list} > li`, { has: page.locator('.msg-text', { hasText: text }) });
}

async function propose(page, text, { anonymous = false } = {}) {
  await page.getByLabel('Propose a question').fill(text);
  if (anonymous) await page.getByLabel(/Ask anonymously/).check();
  await page.getByRole('button', { name: 'Propose', exact: true }).click();
}

async function audienceChat(setting = 'during') {
  const live = await hostSession({ title: 'Ask the nurse consultant' });
  await call(`${seriesPath(live.series)}/audience-questions`, {
    method: 'PUT', token: live.host.token, body: { audience_questions: setting },
  });
  const mod = await signedInContext(browser, { displayName: 'Mo Moderator' });
  const host = await signedInContext(browser, { displayName: 'Hana Host' });
  await appoint(live, mod.user.handle, 'moderator');
  await appoint(live, host.user.handle, 'host');
  const ann = await signedInContext(browser, { displayName: 'Ann Asker' });
  const ben = await signedInContext(browser, { displayName: 'Ben Voter' });
  const pages = {
    mod: await openChat(mod, live.session.id),
    host: await openChat(host, live.session.id),
    ann: await openChat(ann, live.session.id),
    ben: await openChat(ben, live.session.id),
  };
  for (const page of Object.values(pages)) await openPanel(page);
  return { live, ann, ben, pages };
}

test('a proposed question is approved, voted on live, promoted, and released with its credit', async () => {
  const { ann, pages } = await audienceChat();
  const text = `How do you hand over safely at 3am? ${unique('q')}`;
  await propose(pages.ann, text);

  // Ann sees her own proposal waiting; Ben does not see it at all.
  const mine = proposal(pages.ann, 'aq-mine', text);
  await mine.waitFor();
  assert.match(await mine.textContent(), /waiting for review/);
  assert.equal(await pages.ben.locator(`text=${text}`).count(), 0, 'pending proposals are not public');

  // The moderator approves it from the review list.
  const pending = proposal(pages.mod, 'aq-pending', text);
  await pending.waitFor();
  await pending.getByRole('button', { name: /^Approve/ }).click();

  const annItem = proposal(pages.ann, 'aq-list', text);
  await annItem.waitFor();
  assert.match(await annItem.locator('.proposal-votes').textContent(), /^0 votes$/);
  assert.equal(await proposal(pages.ann, 'aq-mine', text).count(), 0, 'no longer among her pending ones');

  // Ben votes: the count changes on Ann's page without a reload.
  const benItem = proposal(pages.ben, 'aq-list', text);
  await benItem.waitFor();
  const vote = benItem.getByRole('button', { name: /^Vote/ });
  assert.equal(await vote.getAttribute('aria-pressed'), 'false');
  await vote.click();
  await eventually(async () => (await annItem.locator('.proposal-votes').textContent()) === '1 vote', 'the vote reaches Ann live');
  assert.equal(await benItem.getByRole('button', { name: /^Vote/ }).getAttribute('aria-pressed'), 'true');
  // A vote is withdrawn with the same button.
  await benItem.getByRole('button', { name: /^Vote/ }).click();
  await eventually(async () => (await annItem.locator('.proposal-votes').textContent()) === '0 votes', 'the withdrawal reaches Ann');
  await benItem.getByRole('button', { name: /^Vote/ }).click();
  await eventually(async () => (await annItem.locator('.proposal-votes').textContent()) === '1 vote', 'voted again');

  // Only moderators have the tools; only hosts may add to the plan.
  assert.equal(await benItem.getByRole('button', { name: /^Mark answered/ }).count(), 0);
  assert.equal(await proposal(pages.mod, 'aq-list', text).getByRole('button', { name: /^Add to the plan/ }).count(), 0);

  const hostItem = proposal(pages.host, 'aq-list', text);
  await hostItem.getByRole('button', { name: /^Add to the plan/ }).click();
  await eventually(async () => (await annItem.textContent()).includes('in the plan'), 'promoted, seen by everyone');
  await eventually(async () => (await pages.host.locator('#plan-list textarea').evaluateAll((t) => t.map((x) => x.value))).includes(text),
    'the host\'s plan shows it');

  await pages.host.getByRole('button', { name: 'Release the next question' }).click();
  const released = pages.ann.locator('#stream > li.question', { has: pages.ann.locator('.msg-text', { hasText: text }) });
  await released.waitFor();
  const head = await released.locator('.msg-head').textContent();
  assert.match(head, /Q1/);
  assert.match(head, new RegExp(`asked by ${ann.user.handle}`));

  // Answered moves it to its own list, and back.
  await proposal(pages.mod, 'aq-list', text).getByRole('button', { name: /^Mark answered/ }).click();
  await proposal(pages.ben, 'aq-answered', text).waitFor();
  assert.equal(await proposal(pages.ben, 'aq-list', text).count(), 0);
  await proposal(pages.mod, 'aq-answered', text).getByRole('button', { name: /^Restore/ }).click();
  await proposal(pages.ben, 'aq-list', text).waitFor();
});

test('anonymous proposals name nobody to other participants; rejections reach the author with the reason', async () => {
  const { ben, pages } = await audienceChat('both');
  const secret = `Is it OK to say no to overtime? ${unique('a')}`;
  await propose(pages.ben, secret, { anonymous: true });
  const pending = proposal(pages.mod, 'aq-pending', secret);
  await pending.waitFor();
  // Moderators still see who asked.
  assert.match(await pending.textContent(), new RegExp(ben.user.handle));
  assert.match(await pending.textContent(), /asked anonymously/);
  await pending.getByRole('button', { name: /^Approve/ }).click();

  const seen = proposal(pages.ann, 'aq-list', secret);
  await seen.waitFor();
  assert.match(await seen.locator('.msg-head').textContent(), /Anonymous/);
  assert.equal((await seen.textContent()).includes(ben.user.handle), false, 'no handle');
  assert.equal((await seen.textContent()).includes('Ben Voter'), false, 'no name');

  const spam = `Buy my course ${unique('s')}`;
  await propose(pages.ann, spam);
  const modItem = proposal(pages.mod, 'aq-pending', spam);
  await modItem.waitFor();
  await modItem.getByLabel('Reason if rejected (the author sees it)').fill('Off topic');
  await modItem.getByRole('button', { name: /^Reject/ }).click();
  const mine = proposal(pages.ann, 'aq-mine', spam);
  await eventually(async () => /not approved/.test(await mine.textContent()), 'Ann sees the rejection');
  assert.match(await mine.textContent(), /Reason: Off topic/);
  assert.equal(await pages.ben.locator(`text=${spam}`).count(), 0, 'rejected proposals stay private');
  assert.ok(!(await streamTexts(pages.ben)).includes(spam));

  await screenshot(pages.mod, 'chat-audience-moderator');
  assert.deepEqual(await axeViolations(pages.ann), [], 'chat page with the audience panel open');
  assert.deepEqual(await axeViolations(pages.mod), [], 'moderator\'s audience panel');
});

test('a moderator edits the wording and merges a duplicate: the author is told, the votes combine', async () => {
  const { pages } = await audienceChat();
  const first = `What breaks handover? ${unique('m')}`;
  const dupe = `Why do handovers fail? ${unique('d')}`;
  await propose(pages.ann, first);
  await proposal(pages.mod, 'aq-pending', first).getByRole('button', { name: /^Approve/ }).click();
  await propose(pages.ben, dupe);
  await proposal(pages.mod, 'aq-pending', dupe).getByRole('button', { name: /^Approve/ }).click();
  await proposal(pages.ben, 'aq-list', dupe).getByRole('button', { name: /^Vote/ }).click();
  await eventually(async () => (await proposal(pages.ann, 'aq-list', dupe).locator('.proposal-votes').textContent()) === '1 vote', 'the vote');

  const item = proposal(pages.mod, 'aq-list', first);
  await item.locator('summary', { hasText: 'Edit or merge' }).click();
  const edited = `What breaks handover at night? ${unique('e')}`;
  await item.getByLabel('Wording').fill(edited);
  await item.getByRole('button', { name: /^Save wording/ }).click();
  const annItem = proposal(pages.ann, 'aq-list', edited);
  await annItem.waitFor();
  assert.match(await annItem.textContent(), /edited by a moderator/);
  assert.ok((await annItem.textContent()).includes(`Originally: ${first}`), 'the author sees the original');
  assert.equal((await proposal(pages.ben, 'aq-list', edited).textContent()).includes('Originally'), false, 'others do not');

  const dupeItem = proposal(pages.mod, 'aq-list', dupe);
  await dupeItem.locator('summary', { hasText: 'Edit or merge' }).click();
  await dupeItem.getByLabel('Duplicate of').selectOption({ label: edited });
  await dupeItem.getByRole('button', { name: /^Merge/ }).click();
  await eventually(async () => (await proposal(pages.ann, 'aq-list', dupe).count()) === 0, 'the duplicate is gone');
  await eventually(async () => (await annItem.locator('.proposal-votes').textContent()) === '1 vote', 'its vote moved');
});

test('the proposal form shows only while the series takes questions', async () => {
  const live = await hostSession({ start: false, title: 'Questions before only' });
  await call(`${seriesPath(live.series)}/audience-questions`, {
    method: 'PUT', token: live.host.token, body: { audience_questions: 'during' },
  });
  const part = await signedInContext(browser);
  const page = await openChat(part, live.session.id);
  await openPanel(page);
  await eventually(async () => (await page.locator('#aq-closed').textContent()).includes('not taking questions'), 'closed before the chat');
  assert.equal(await page.locator('#aq-form').isVisible(), false);
});

test('a host adds an approved question at a chosen position, or to be released at a chosen minute', async () => {
  const { live, pages } = await audienceChat();
  const planned = ['First planned question', 'Second planned question', 'Third planned question'];
  await call(`/sessions/${live.session.id}/questions`, {
    method: 'PUT', token: live.host.token, body: { questions: planned.map((text) => ({ text })) },
  });
  const approved = async (text) => {
    await propose(pages.ann, text);
    await proposal(pages.ann, 'aq-mine', text).waitFor();
    const list = await call(`/sessions/${live.session.id}/proposals?sort=time`, { token: live.host.token });
    const { id } = list.find((x) => x.text === text);
    await call(`/sessions/${live.session.id}/proposals/${id}/approve`, { method: 'POST', token: live.host.token });
    const item = proposal(pages.host, 'aq-list', text);
    await item.waitFor();
    return item;
  };
  const plan = () => call(`/sessions/${live.session.id}/questions`, { token: live.host.token });

  // At position 2 among the questions still to come, by keyboard: typing the number picks
  // "At a position", Enter adds it.
  const text = `Who checks the drug chart at night? ${unique('q')}`;
  const item = await approved(text);
  await item.getByText('Add at another place').click();
  const next = item.getByRole('radio', { name: 'As the next question' });
  assert.equal(await next.isChecked(), true, 'next is the default');
  const position = item.getByLabel('Position (1 is next)');
  await position.fill('2');
  assert.equal(await item.getByRole('radio', { name: /^At a position/ }).isChecked(), true);
  await position.press('Enter');
  await eventually(async () => (await proposal(pages.ann, 'aq-list', text).textContent()).includes('in the plan'), 'promoted');
  await eventually(async () => JSON.stringify((await plan()).map((q) => q.text))
    === JSON.stringify([planned[0], text, planned[1], planned[2]]), 'it lands second in the plan');
  await eventually(async () => (await pages.host.locator('#plan-list textarea').evaluateAll((t) => t.map((x) => x.value)))[1] === text,
    'the host\'s plan editor shows it second');

  // A position past the end is refused with the server's reason; a minute is sent as an offset.
  const timed = `What helps you stay awake? ${unique('q')}`;
  const timedItem = await approved(timed);
  await timedItem.getByText('Add at another place').click();
  await timedItem.getByLabel('Position (1 is next)').fill('9');
  await timedItem.getByRole('button', { name: /^Add at this place/ }).click();
  await eventually(async () => /did not work: position/.test(await timedItem.textContent()), 'the refusal is shown');
  await timedItem.getByRole('radio', { name: /^Released by itself/ }).check();
  await timedItem.getByLabel('Minute after the start').fill('50');
  await timedItem.getByRole('button', { name: /^Add at this place/ }).click();
  await eventually(async () => (await plan()).find((q) => q.text === timed)?.offset_minutes === 50, 'added with its minute');
});
