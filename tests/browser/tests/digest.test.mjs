// The post-chat digest page: an archived chat's figures, questions with their answer counts,
// links shared and newcomers; Copy as text (and its fallback when the clipboard is refused);
// the transcript's link to it; the messages for a chat not archived yet, an unknown chat and a
// private series; axe and screenshots.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { axeViolations, launch, newContext, screenshot, SIZES } from '../lib/browser.mjs';
import { call, hostSession, unique } from '../lib/api.mjs';
import { hide, importArchive } from '../lib/archive.mjs';
import { digestText, sharedLinks, transcriptPath } from '../../../web/js/digest/text.js';

let browser;
let archive;
let digest;
const EVIL = 'https://example.net/"><img src=x onerror=window.injected=1>';

before(async () => {
  browser = await launch();
  archive = await importArchive({
    title: 'Handover that works <b>safely</b>',
    texts: [
      { key: 'q1', kind: 'question', author: null, text: 'What makes a handover safe?', question: 1 },
      { key: 'a1', author: 'alice', text: 'A1 A written checklist makes handover safe', answers: 1, likes: 3 },
      { key: 'a1b', author: 'bob', text: 'A1 Doing it at the bedside, see https://example.org/bedside', answers: 1 },
      { key: 'r1', author: 'bob', text: 'Agreed, the checklist saves time', replyTo: 'a1' },
      { key: 'chat', author: 'bob', text: `Off topic: parking is awful ${EVIL}` },
      { key: 'q2', kind: 'question', author: null, text: 'Where do you keep handover notes?', question: 2 },
      { key: 'a2', author: 'alice', text: 'A2 On the board https://example.org/board and https://example.org/bedside', answers: 2 },
      { key: 'q3', kind: 'question', author: null, text: 'What would you <i>change</i> first?', question: 3 },
      { key: 'spam', author: 'bob', text: 'buy cheap watches https://spam.example/' },
    ],
  });
  // The hide makes the server compute the figures from the imported transcript.
  await hide(archive, archive.ids.spam);
  digest = await call(`/sessions/${archive.session.id}/digest`);
});

after(async () => {
  await browser?.close();
});

const digestPath = () => `/digest.html?session=${archive.session.id}`;

async function openDigest(context) {
  const page = await context.newPage();
  await page.goto(digestPath());
  await page.locator('#d-body:not([hidden])').waitFor();
  return page;
}

test('the digest shows the chat, its figures, each question with its answer count, the links and the newcomers', async () => {
  const context = await newContext(browser, { timezoneId: 'Asia/Kolkata' });
  const page = await openDigest(context);
  assert.equal(await page.locator('h1').textContent(), `${archive.hashtag} post-chat digest`);
  assert.equal(await page.locator('#d-title').textContent(), 'Handover that works <b>safely</b>', 'the title is text');
  // When it was, in the reader's time zone, and on the series' own clock.
  const options = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  const local = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'Asia/Kolkata' }).format(new Date(archive.session.starts_at));
  const there = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'America/New_York' }).format(new Date(archive.session.starts_at));
  const when = page.locator('#d-when time');
  assert.equal(await when.getAttribute('datetime'), digest.session.starts_at);
  assert.match(await when.textContent(), new RegExp(`^${local.replace(/[+]/g, '\\+')} to \\d\\d:\\d\\d$`));
  assert.equal(await page.locator('#d-when .series-zone').textContent(), ` (${there}, America/New_York)`);

  // Two people wrote eight visible messages (the hidden one is left out); both were new.
  const figures = page.locator('#d-figures .figures');
  assert.deepEqual(await figures.locator('dt').allTextContents(), ['Participants', 'Messages', 'Viewers at peak', 'First-time participants']);
  assert.deepEqual(await figures.locator('dd').allTextContents(), ['2', '8', 'Not recorded', '2']);
  const top = await page.locator('#d-figures .contributors li').allTextContents();
  assert.deepEqual(top, [`Bob Ward ${archive.people.bob.handle}: 3 messages`, `Alice Nurse ${archive.people.alice.handle}: 2 messages`]);

  // Q1: two A1 answers (the reply to an answer is in its thread, not an answer); Q3: none.
  const questions = page.locator('#d-questions .digest-question');
  assert.deepEqual(await questions.locator('a').allTextContents(), [
    'Q1: What makes a handover safe?', 'Q2: Where do you keep handover notes?', 'Q3: What would you <i>change</i> first?',
  ]);
  assert.deepEqual(await questions.locator('.digest-answers').allTextContents(), ['2 answers', '1 answer', '0 answers']);
  assert.deepEqual(await questions.locator('.digest-counts').allTextContents(),
    ['2 answers, 3 messages in all', '1 answer, 1 message in all', '0 answers, 0 messages in all']);
  assert.deepEqual(digest.questions.map((q) => q.answers), [2, 1, 0], 'the page shows the API\'s counts');
  // Each question links to its message in the transcript, on this site.
  const hrefs = await questions.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  assert.deepEqual(hrefs, ['q1', 'q2', 'q3'].map((k) => `/transcript.html?session=${archive.session.id}#m-${archive.ids[k]}`));

  // Links shared: most shared first, text only, http(s) only, marked as user content.
  const links = page.locator('#d-shared li');
  const shared = await links.allTextContents();
  assert.equal(shared[0], 'https://example.org/bedside (shared 2 times)');
  assert.deepEqual(shared.slice(1).sort(), ['https://example.org/board (shared once)', `${EVIL.split(' ')[0]} (shared once)`].sort());
  assert.deepEqual(shared, digest.links.map((l) => `${l.url} (${l.count === 1 ? 'shared once' : `shared ${l.count} times`})`), 'in the API\'s order');
  for (const a of await page.locator('#d-shared a').all()) {
    assert.equal(await a.getAttribute('rel'), 'noopener nofollow ugc');
    assert.match(await a.getAttribute('href'), /^https:\/\//);
  }
  assert.equal(await page.locator('#d-shared img, main img, main script').count(), 0, 'markup in a link stays text');
  assert.equal(await page.evaluate(() => window.injected), undefined);
  assert.equal(await page.getByRole('link', { name: 'https://spam.example/' }).count(), 0, 'a hidden message\'s link is left out');

  // Newcomers by handle.
  assert.deepEqual(await page.locator('#d-newcomers .newcomer-list li').allTextContents(),
    [archive.people.alice.handle, archive.people.bob.handle].sort());
  assert.equal(await page.locator('#d-newcomers p').textContent(), '2 people took part for the first time.');

  // Headings in order: h1, then h2 sections, with h3 only under them.
  const levels = await page.locator('main :is(h1, h2, h3, h4)').evaluateAll((hs) => hs.map((h) => Number(h.tagName[1])));
  assert.equal(levels[0], 1);
  levels.reduce((previous, level) => {
    assert.ok(level <= previous + 1, `heading levels go down one at a time: ${levels.join(', ')}`);
    return level;
  });

  // A question's link opens the transcript at it.
  await questions.nth(1).locator('a').click();
  await page.waitForFunction((id) => document.activeElement?.id === id, `m-${archive.ids.q2}`);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the digest\'s Copy as text puts the questions, counts, links and newcomers on the clipboard', async () => {
  const context = await newContext(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await openDigest(context);
  await page.getByRole('button', { name: 'Copy as text' }).click();
  await page.locator('#d-copy-status', { hasText: 'Copied' }).waitFor();
  assert.equal(await page.locator('#d-fallback').isVisible(), false);
  const text = await page.evaluate(() => navigator.clipboard.readText());
  const permalink = (k) => `${new URL(page.url()).origin}/transcript.html?session=${archive.session.id}#m-${archive.ids[k]}`;
  for (const line of [
    `${archive.hashtag} post-chat digest`,
    'Handover that works <b>safely</b>',
    `Full transcript: ${new URL(page.url()).origin}/transcript.html?session=${archive.session.id}`,
    '- Participants: 2',
    '- Messages: 8',
    '- Viewers at peak: not recorded',
    `1. Bob Ward (${archive.people.bob.handle}): 3 messages`,
    'Q1: What makes a handover safe?',
    `  2 answers, 3 messages in all: ${permalink('q1')}`,
    'Q2: Where do you keep handover notes?',
    `  1 answer, 1 message in all: ${permalink('q2')}`,
    'Q3: What would you <i>change</i> first?',
    '- https://example.org/bedside (shared 2 times)',
    `Welcome to 2 first-time participants: ${[archive.people.alice.handle, archive.people.bob.handle].sort().join(', ')}`,
  ]) {
    assert.ok(text.split('\n').includes(line), `the copied text has the line ${JSON.stringify(line)}:\n${text}`);
  }
  assert.ok(!text.includes('spam.example'), 'nothing from a hidden message');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the digest shows the text to copy by hand when the clipboard is refused', async () => {
  const context = await newContext(browser);
  await context.addInitScript(() => {
    // Not on about:blank, which has no clipboard.
    if (navigator.clipboard) navigator.clipboard.writeText = () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));
  });
  const page = await openDigest(context);
  await page.getByRole('button', { name: 'Copy as text' }).click();
  const note = page.locator('#d-fallback-note');
  await note.waitFor();
  assert.match(await note.textContent(), /did not let this page use the clipboard/);
  assert.equal(await page.locator('#d-copy-status').textContent(), '', 'no "Copied" when nothing was copied');
  const area = page.getByRole('textbox', { name: 'The digest as text' });
  assert.equal(await area.getAttribute('readonly'), '');
  assert.match(await area.inputValue(), /^Q1: What makes a handover safe\?$/m);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'd-text', 'the text is focused, ready to copy');
  await page.setViewportSize(SIZES[0]);
  await screenshot(page, 'digest-copy-by-hand');
  assert.deepEqual(await axeViolations(page), [], 'the fallback passes axe');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the transcript of an archived chat links to its post-chat digest', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`/transcript.html?session=${archive.session.id}`);
  const link = page.locator('#t-figures').getByRole('link', { name: 'Post-chat digest' });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), digestPath());
  await link.click();
  await page.waitForURL(`**${digestPath()}`);
  await page.locator('#d-questions .digest-question').first().waitFor();
  await page.getByRole('link', { name: 'Read the full transcript' }).click();
  await page.waitForURL(`**/transcript.html?session=${archive.session.id}`);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the digest page says why there is no digest: not archived yet, unknown chat, private series', async () => {
  const live = await hostSession({ title: 'Still going' });
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`/digest.html?session=${live.session.id}`);
  const problem = page.locator('#d-problem');
  await problem.waitFor();
  assert.equal(await problem.getAttribute('role'), 'alert');
  assert.equal(await problem.textContent(), 'The digest is ready once the chat is archived: it is live now.');
  assert.equal(await page.locator('h1').textContent(), `${live.session.hashtag} post-chat digest`);
  assert.equal(await page.getByRole('link', { name: 'Open the chat page' }).getAttribute('href'), `/chat.html?session=${live.session.id}`);
  assert.equal(await page.locator('#d-body').isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Copy as text' }).count(), 0, 'nothing to copy');
  assert.equal(await page.locator('#d-loading').isVisible(), false);
  await page.setViewportSize(SIZES[0]);
  await screenshot(page, 'digest-not-archived');
  assert.deepEqual(await axeViolations(page), [], 'the not-archived message passes axe');

  await page.goto(`/digest.html?session=${randomUUID()}`);
  await problem.waitFor();
  assert.match(await problem.textContent(), /^This chat does not exist\. Check the link/);

  await page.goto('/digest.html');
  await problem.waitFor();
  assert.match(await problem.textContent(), /^No chat was chosen/);

  // A series closed to viewers: the anonymous reader is asked to sign in, and comes back.
  const series = await call('/series', {
    method: 'POST', token: live.host.token, body: { hashtag: `#Closed${unique('P').slice(0, 20)}`, title: 'Members only', allow_viewers: false },
  });
  const closed = await call(`/series/${encodeURIComponent(series.hashtag.slice(1))}/sessions`, {
    method: 'POST', token: live.host.token,
    body: { starts_at: new Date(Date.now() + 86400000).toISOString(), duration_minutes: 60, title: 'Members only chat' },
  });
  await page.goto(`/digest.html?session=${closed.id}`);
  await problem.waitFor();
  assert.match(await problem.textContent(), /signed-in people only\. Sign in to read its digest\./);
  const signIn = await problem.getByRole('link', { name: 'Sign in to read its digest' }).getAttribute('href');
  assert.equal(signIn, `/account.html?next=${encodeURIComponent(`/digest.html?session=${closed.id}`)}`);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the digest page passes axe at phone and desktop width, light and dark', async () => {
  const context = await newContext(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await openDigest(context);
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await screenshot(page, 'digest');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `nothing wider than the screen at ${size.width}px (${overflow}px over)`);
    for (const colorScheme of size.width < 1000 ? ['light'] : ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      assert.deepEqual(await axeViolations(page), [], `digest at ${size.width}px, ${colorScheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }
  // With the confirmation shown.
  await page.getByRole('button', { name: 'Copy as text' }).click();
  await page.locator('#d-copy-status', { hasText: 'Copied' }).waitFor();
  assert.deepEqual(await axeViolations(page), [], 'digest after copying');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('digest text helpers: links stay on this site, only web links are shared, empty parts say so', () => {
  const id = '0b4a6a40-5f0e-4c8e-9a4e-2d0f3f1d9c11';
  const mid = '7d2c7e1e-3d6f-4b1a-8c55-1f0e2a9b3c44';
  assert.equal(transcriptPath(id, `https://chat.example.org/transcript.html?session=${id}#m-${mid}`), `/transcript.html?session=${id}#m-${mid}`);
  assert.equal(transcriptPath(id, 'javascript:alert(1)//#m-x'), `/transcript.html?session=${id}`);
  assert.deepEqual(sharedLinks([
    { url: 'https://example.org/a', count: 2 }, { url: 'www.example.org/b', count: 1 },
    { url: 'javascript:alert(1)', count: 1 }, { url: 'ftp://example.org/c', count: 1 }, { url: 'http://', count: 1 },
  ]), [
    { url: 'https://example.org/a', href: 'https://example.org/a', count: 2 },
    { url: 'www.example.org/b', href: 'https://www.example.org/b', count: 1 },
  ]);
  const text = digestText({
    session: { id, hashtag: '#WeNurses', title: 'Quiet night', starts_at: '2026-12-03T20:00:00Z', ends_at: '2026-12-03T21:00:00Z', time_zone: 'Europe/London' },
    transcript_url: `/transcript.html?session=${id}`,
    questions: [], links: [{ url: 'javascript:alert(1)', count: 3 }], newcomers: [],
    figures: { participants: 1, messages: 1, viewers_peak: 12, first_time_participants: [], top_by_messages: [] },
  }, { origin: 'https://chat.example.org', readerZone: 'Europe/London' });
  for (const line of [
    `Full transcript: https://chat.example.org/transcript.html?session=${id}`, '- Viewers at peak: 12',
    'No questions were released.', 'No links were shared.', 'Nobody new this time.',
  ]) assert.ok(text.split('\n').includes(line), `${JSON.stringify(line)} in:\n${text}`);
  assert.ok(!text.includes('javascript:'));
  assert.ok(!text.includes('Top contributors'));
});
