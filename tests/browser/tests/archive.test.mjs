// Archive pages: lists, the transcript grouped by question with its figures, word cloud and
// activity chart, permalinks, search, and the series page; axe and screenshots.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, launch, newContext, screenshot, SIZES } from '../lib/browser.mjs';
import { call, unique } from '../lib/api.mjs';
import { hide, importArchive } from '../lib/archive.mjs';
import { eventually } from '../lib/chat.mjs';

let browser;
let archive;
let upcoming;
const WORD = unique('zq').toLowerCase();
const SCRIPT = '<script>window.injected = 1</script> parking is awful';

before(async () => {
  browser = await launch();
  archive = await importArchive({
    texts: [
      { key: 'q1', kind: 'question', author: null, text: 'What makes a handover safe?', question: 1 },
      { key: 'a1', author: 'alice', text: `A1 A written checklist makes handover safe ${WORD}`, answers: 1, likes: 3 },
      { key: 'r1', author: 'bob', text: 'Agreed, the checklist saves time', replyTo: 'a1' },
      { key: 'chat', author: 'bob', text: SCRIPT },
      { key: 'q2', kind: 'question', author: null, text: 'Where do you keep handover notes?', question: 2 },
      { key: 'a2', author: 'alice', text: 'A2 On the checklist board https://example.org/board', answers: 2 },
      { key: 'spam', author: 'bob', text: 'buy cheap watches' },
    ],
  });
  await hide(archive, archive.ids.spam);
  upcoming = await call(`/series/${encodeURIComponent(archive.hashtag.slice(1))}/sessions`, {
    method: 'POST', token: archive.host.token,
    body: { starts_at: new Date(Date.now() + 3 * 86400000).toISOString(), duration_minutes: 60, title: 'Sharing notes safely' },
  });
});

after(async () => {
  await browser?.close();
});

test('the site-wide and the series archive lists show the archived chat with its figures', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto('/');
  const recent = page.locator(`#archives-list [data-session-id="${archive.session.id}"]`);
  await recent.waitFor();
  await page.goto('/archives.html');
  const card = page.locator(`#a-list [data-session-id="${archive.session.id}"]`);
  await card.waitFor();
  // Six visible messages by two people and the scheduler's questions; the hidden one is not counted.
  assert.match(await card.locator('.archive-facts').textContent(), /^2 participants · 6 messages · 2 questions$/);
  await page.goto(`/archives.html?tag=${encodeURIComponent(archive.hashtag.slice(1))}`);
  await page.locator('#a-list > li').first().waitFor();
  assert.equal(await page.locator('#a-list > li').count(), 1);
  assert.equal(await page.locator('h1').textContent(), `${archive.hashtag} archives`);
  await page.locator('#a-list').getByRole('link', { name: /Handover that works/ }).click();
  await page.waitForURL(`**/transcript.html?session=${archive.session.id}`);
  await page.locator('#t-groups .msg').first().waitFor();
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the archive reads grouped by question, with figures, word cloud, activity and exports', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`/transcript.html?session=${archive.session.id}`);
  const groups = page.locator('#t-groups .q-group');
  await groups.first().locator('.msg').first().waitFor();
  assert.deepEqual(await groups.locator('.q-group-heading').allTextContents(), [
    'Q1: What makes a handover safe?', 'Q2: Where do you keep handover notes?', 'Conversation',
  ]);
  const q1 = groups.nth(0).locator('.msg');
  assert.deepEqual(await q1.evaluateAll((items) => items.map((li) => li.id)),
    [archive.ids.q1, archive.ids.a1, archive.ids.r1].map((id) => `m-${id}`));
  assert.match(await q1.nth(2).getAttribute('class'), /depth-1/, 'the reply is indented under its answer');
  assert.equal(await page.locator(`#m-${archive.ids.spam}`).count(), 0, 'hidden messages are not shown');

  // Message text is text: the <script> is shown, never run.
  assert.equal(await page.locator(`#m-${archive.ids.chat} .msg-text`).textContent(), SCRIPT);
  assert.equal(await page.evaluate(() => window.injected), undefined);

  const figures = page.locator('#t-figures');
  await figures.waitFor();
  assert.deepEqual(await figures.locator('.figures dd').allTextContents(), ['2', '6', '1', '3', '2']);
  // Q1: one A1 answer, and two messages in its group (the answer and the reply to it).
  const q1Row = figures.locator('.figure-table tbody tr').first();
  assert.equal(await q1Row.locator('th').textContent(), 'Q1: What makes a handover safe?');
  assert.deepEqual(await q1Row.locator('td').allTextContents(), ['1', '2']);
  const cloud = figures.getByRole('list', { name: 'Most used words' });
  const terms = await cloud.locator('.wc-term').allTextContents();
  assert.equal(terms[0], 'checklist', 'the most used word comes first');
  assert.ok(terms.includes('handover'));
  assert.ok(!terms.some((t) => t.startsWith('#wenurses')), 'the chat\'s own hashtag is left out');
  assert.match(await cloud.locator('li').first().getAttribute('class'), /wc-6/, 'the most used word is the largest');
  assert.equal(await cloud.locator('li').first().textContent(), 'checklist, 3 times');
  assert.match(await figures.locator('.activity figcaption').textContent(), /^6 messages over \d+ minutes; busiest minute/);
  assert.equal(await figures.getByRole('img', { name: /^6 messages/ }).locator('rect').count() > 0, true);
  const exports = await figures.locator('.export-list a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  assert.deepEqual(exports, ['json', 'csv', 'md', 'html'].map((f) => `/api/v1/sessions/${archive.session.id}/export/${f}`));
  const csv = await page.request.get(exports[1]);
  assert.equal(csv.status(), 200);
  assert.match(await figures.getByRole('link', { name: 'https://example.org/board' }).getAttribute('href'), /^https:\/\/example\.org\/board$/);

  // The chronological view, by its switch.
  await page.getByRole('link', { name: 'Oldest first' }).click();
  await page.locator('#t-list .msg').first().waitFor();
  assert.deepEqual(await page.locator('#t-list .msg').evaluateAll((items) => items.map((li) => li.id)),
    ['q1', 'a1', 'r1', 'chat', 'q2', 'a2'].map((k) => `m-${archive.ids[k]}`));
  assert.equal(await page.getByRole('link', { name: 'Oldest first' }).getAttribute('aria-current'), 'page');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('a question cut by the end of a page continues in the same group after Load more', async () => {
  // 200 messages a page: Q1 and 204 answers span two pages, then Q2 starts a new group.
  const texts = [{ key: 'q1', kind: 'question', author: null, text: 'Long question', question: 1 }];
  for (let i = 0; i < 204; i += 1) texts.push({ key: `a${i}`, author: i % 2 ? 'alice' : 'bob', text: `A1 answer number ${i}`, answers: 1 });
  texts.push({ key: 'q2', kind: 'question', author: null, text: 'Second question', question: 2 });
  const long = await importArchive({ texts, title: 'A long chat' });
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`/transcript.html?session=${long.session.id}`);
  await page.locator('#t-count', { hasText: '200 of 206 messages shown; more to load.' }).waitFor();
  assert.equal(await page.locator('#t-groups .q-group').count(), 1);
  await page.getByRole('button', { name: 'Load more messages' }).click();
  await page.locator('#t-count', { hasText: '206 messages shown.' }).waitFor();
  assert.deepEqual(await page.locator('.q-group-heading').allTextContents(), ['Q1: Long question', 'Q2: Second question']);
  assert.equal(await page.locator('.q-group').first().locator('.msg').count(), 205);
  assert.equal(await page.evaluate(() => document.activeElement?.id), `m-${long.ids.a199}`, 'focus goes to the first new message');
  assert.equal(await page.getByRole('button', { name: 'Load more messages' }).isVisible(), false);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('a permalink scrolls to its message and highlights it', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`/transcript.html?session=${archive.session.id}#m-${archive.ids.a2}`);
  const target = page.locator(`#m-${archive.ids.a2}`);
  await page.waitForFunction((id) => document.activeElement?.id === id, `m-${archive.ids.a2}`);
  assert.match(await target.getAttribute('class'), /\bflash\b/);
  assert.equal(await page.locator('.msg.flash').count(), 1);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('search finds a word, marks it in the snippet, and links to the message', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('searchbox', { name: 'Search the archives' }).fill(WORD);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL('**/search.html?q=*');
  const result = page.locator('#s-list > li');
  await result.first().waitFor();
  assert.equal(await result.count(), 1);
  assert.equal(await result.locator('mark').textContent(), WORD);
  assert.match(await result.locator('.snippet').textContent(), /checklist/);

  // The filters narrow the search: another author finds nothing.
  await page.goto(`/search.html?q=${WORD}&author=${encodeURIComponent(archive.people.bob.handle)}`);
  await page.locator('#s-status', { hasText: 'Nothing found' }).waitFor();
  assert.equal(await page.locator('#s-author').inputValue(), archive.people.bob.handle);
  assert.equal(await page.locator('#s-filters').getAttribute('open'), '', 'filters in use are shown');
  // The filters through the form: Alice's answers find the word.
  await page.getByRole('textbox', { name: /Author's handle/ }).fill(archive.people.alice.handle);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#s-list > li').first().waitFor();
  assert.equal(await page.locator('#s-list > li').getAttribute('data-message-id'), archive.ids.a1);
  await page.goto(`/search.html?q=checklist&hashtag=${encodeURIComponent(archive.hashtag.slice(1))}&question=1`);
  await page.locator('#s-list > li').first().waitFor();
  assert.deepEqual((await page.locator('#s-list > li').evaluateAll((items) => items.map((li) => li.dataset.messageId))).sort(),
    [archive.ids.a1].sort(), 'question 1 and its A1 answers only');

  // Newest first, chosen in the form: the order is by time, and stays chosen.
  await page.goto(`/search.html?q=checklist&hashtag=${encodeURIComponent(archive.hashtag.slice(1))}`);
  await page.locator('#s-status', { hasText: 'best match first' }).waitFor();
  await page.getByRole('combobox', { name: 'Order' }).selectOption('newest');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL('**/search.html?*sort=newest*');
  await page.locator('#s-status', { hasText: 'newest first' }).waitFor();
  assert.equal(await page.locator('#s-sort').inputValue(), 'newest');
  const times = await page.locator('#s-list > li time').evaluateAll((els) => els.map((t) => t.getAttribute('datetime')));
  assert.ok(times.length > 1, 'several matches');
  assert.deepEqual(times, [...times].sort().reverse(), 'newest first');

  // Dates are days in the viewer's time zone: the chat was two days ago.
  const day = (daysAgo) => new Date(Date.now() - daysAgo * 86400000).toISOString().slice(0, 10);
  await page.goto(`/search.html?q=${WORD}&to=${day(4)}`);
  await page.locator('#s-status', { hasText: 'Nothing found' }).waitFor();
  await page.goto(`/search.html?q=${WORD}&from=${day(4)}&to=${day(1)}`);
  await page.locator('#s-list > li').first().waitFor();

  // A message with markup-like text comes back as text.
  await page.goto(`/search.html?q=parking&hashtag=${encodeURIComponent(archive.hashtag.slice(1))}`);
  await page.locator('#s-list > li').first().waitFor();
  assert.equal(await page.locator('#s-list script').count(), 0);
  assert.equal(await page.evaluate(() => window.injected), undefined);

  await page.goto(`/search.html?q=${WORD}`);
  await page.locator('#s-list').getByRole('link', { name: /Read in the transcript/ }).click();
  await page.waitForFunction((id) => document.activeElement?.id === id, `m-${archive.ids.a1}`);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the series page lists the upcoming session in local and series time, the calendar, and past chats', async () => {
  const context = await newContext(browser, { timezoneId: 'Asia/Kolkata' });
  const page = await context.newPage();
  await page.goto('/');
  await page.locator(`#archives-list [data-session-id="${archive.session.id}"]`).getByRole('link', { name: archive.hashtag, exact: true }).click();
  await page.waitForURL('**/series.html?tag=*');
  await page.locator('#sr-title', { hasText: 'WeNurses weekly chat' }).waitFor();
  assert.equal(await page.locator('h1').textContent(), archive.hashtag);
  assert.equal(await page.locator('#sr-description').textContent(), 'Nurses share what works on the ward.');
  await page.locator('#sr-team:not([hidden])').waitFor();
  assert.equal(await page.locator('#sr-team').textContent(), `Hosted by Archive Host (${archive.host.handle}).`);
  const card = page.locator(`#sr-upcoming [data-session-id="${upcoming.id}"]`);
  await card.waitFor();
  const options = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
  const local = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'Asia/Kolkata' }).format(new Date(upcoming.starts_at));
  const there = new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'America/New_York' }).format(new Date(upcoming.starts_at));
  assert.equal(await card.locator('.local-start').textContent(), local);
  assert.equal(await card.locator('.series-zone').textContent(), ` (${there}, America/New_York)`);
  const tag = encodeURIComponent(archive.hashtag.slice(1));
  assert.equal(await page.getByRole('link', { name: /Download the calendar file/ }).getAttribute('href'), `/api/v1/series/${tag}/calendar.ics`);
  const webcal = await page.getByRole('link', { name: 'Subscribe in your calendar app' }).getAttribute('href');
  assert.equal(webcal, `webcal://${new URL(page.url()).host}/api/v1/series/${tag}/calendar.ics`);
  const ics = await page.request.get(`/api/v1/series/${tag}/calendar.ics`);
  assert.match(await ics.text(), /BEGIN:VCALENDAR/);
  await page.locator(`#sr-past [data-session-id="${archive.session.id}"]`).waitFor();

  // The chat page's header links back here.
  await card.getByRole('link', { name: /Open the chat page/ }).click();
  await page.waitForURL('**/chat.html?session=*');
  // The link is filled once the session is read; until then it points home.
  const seriesHref = new RegExp(`/series\\.html\\?tag=${tag}$`);
  await eventually(async () => seriesHref.test(await page.locator('#chat-series').getAttribute('href')), 'the series link');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the archive pages pass axe at phone and desktop width, light and dark', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const tag = encodeURIComponent(archive.hashtag.slice(1));
  const pages = [
    ['archives', '/archives.html', '#a-list li'],
    ['archive-transcript', `/transcript.html?session=${archive.session.id}`, '#t-figures .word-cloud'],
    ['archive-chronological', `/transcript.html?session=${archive.session.id}&view=chronological`, '#t-list .msg'],
    ['search', `/search.html?q=checklist&hashtag=${tag}`, '#s-list li'],
    ['series', `/series.html?tag=${tag}`, '#sr-past li'],
  ];
  for (const [name, path, ready] of pages) {
    await page.goto(path);
    await page.locator(ready).first().waitFor();
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await screenshot(page, name);
      for (const colorScheme of size.width < 1000 ? ['light'] : ['light', 'dark']) {
        await page.emulateMedia({ colorScheme });
        assert.deepEqual(await axeViolations(page), [], `${name} at ${size.width}px, ${colorScheme}`);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
  }
  assert.deepEqual(context.problems, []);
  await context.close();
});
