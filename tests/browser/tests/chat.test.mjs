// The live chat against the real server: sign up, join, post, see it acked and seen by
// someone else; likes and replies; the transcript in order; accessibility and screenshots.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, launch, newContext, screenshot, SIZES } from '../lib/browser.mjs';
import { hostSession, releaseQuestion, transcript, unique } from '../lib/api.mjs';
import { bulkPost, eventually, openChat, pendingCount, post, signedInContext, streamTexts, waitConnected } from '../lib/chat.mjs';

let browser;
let live;

before(async () => {
  browser = await launch();
  live = await hostSession({ title: 'Safe staffing on night shifts' });
});

after(async () => {
  await browser?.close();
});

test('a participant signs up, joins a live chat, answers the released question in one click, and a second person sees it', async () => {
  const { session } = live;
  const alice = await newContext(browser);
  const page = await alice.newPage();
  const handle = unique('alice');
  const next = `/chat.html?session=${session.id}`;
  await page.goto(`/account.html?mode=signup&next=${encodeURIComponent(next)}`);
  await page.locator('#signup-handle').fill(handle);
  await page.locator('#signup-name').fill('Alice Nurse');
  await page.locator('#signup-password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`**${next}`);
  await waitConnected(page);

  // The header shows the hashtag exactly as the host typed it (CamelCase) and the status.
  assert.equal(await page.locator('h1').textContent(), session.hashtag);
  assert.match(await page.locator('#chat-status').textContent(), /Live/);
  assert.match(await page.locator('#account-nav').textContent(), new RegExp(`@${handle}`));

  // No question released yet: nothing to answer.
  assert.equal(await page.locator('#answer-btn').isVisible(), false);
  assert.match(await page.locator('#cq-text').textContent(), /No question yet/);

  const bob = await signedInContext(browser, { displayName: 'Bob Patient' });
  const bobPage = await openChat(bob, session.id);

  // The host releases Q1: it becomes the current question, with a one-click answer.
  const question = await releaseQuestion({ ...live, text: 'What makes a handover safe?' });
  assert.equal(question.question, 1);
  const answer = page.getByRole('button', { name: 'Answer Q1' });
  await answer.waitFor();
  assert.match(await page.locator('#cq-text').textContent(), /Q1.*What makes a handover safe\?/);
  await page.getByRole('navigation', { name: 'Questions' }).getByRole('link', { name: 'Jump to Q1' }).waitFor();
  await answer.click();
  const box = page.locator('#composer-text');
  assert.equal(await box.inputValue(), 'A1 ');
  const words = `A checklist, read back ${unique('m')}`;
  await box.pressSequentially(words);
  await box.press('Enter');
  const text = `A1 ${words}`;
  // The composer clears at once; the post is acked (no pending marker left) and rendered
  // as ours, linked to the question it answers.
  assert.equal(await box.inputValue(), '');
  await eventually(async () => (await streamTexts(page)).includes(text), 'the post in the stream');
  await eventually(async () => (await pendingCount(page)) === 0, 'no pending post');
  const mine = page.locator('#stream > li.mine', { hasText: text });
  assert.equal(await mine.count(), 1);
  assert.equal(await page.locator('[data-state="pending"]').count(), 0);
  assert.equal(await mine.getByRole('link', { name: 'Answers Q1' }).getAttribute('href'), `#m-${question.id}`);

  // Bob sees it, once, with Alice's name.
  await eventually(async () => (await streamTexts(bobPage)).filter((t) => t === text).length === 1, 'bob sees the post');
  const seen = bobPage.locator('#stream > li', { hasText: text });
  assert.match(await seen.locator('.msg-author').textContent(), /Alice Nurse/);

  // Bob likes and replies to it; Alice sees the like count and the reply.
  await seen.getByRole('button', { name: /^Like/ }).click();
  assert.equal(await seen.getByRole('button', { name: /^Like/ }).getAttribute('aria-pressed'), 'true');
  await eventually(async () => (await page.locator('#stream > li.mine .likes').textContent()) === '1 like', 'alice sees 1 like');
  await seen.getByRole('button', { name: /^Reply/ }).click();
  assert.match(await bobPage.locator('#reply-target').textContent(), /Replying to @/);
  assert.equal(await bobPage.evaluate(() => document.activeElement.id), 'composer-text');
  const reply = `Agreed, and a quiet room for it ${unique('r')}`;
  await post(bobPage, reply);
  await eventually(async () => (await streamTexts(page)).includes(reply), 'alice sees the reply');
  const replyItem = page.locator('#stream > li', { hasText: reply });
  assert.match(await replyItem.locator('.msg-reply').textContent(), /Replying to @alice/i);

  // The presence counts arrive within a few seconds.
  await eventually(async () => /participant/.test(await page.locator('#chat-presence').textContent()), 'presence counts', { timeoutMs: 10000 });

  for (const size of SIZES) {
    await page.setViewportSize(size);
    await screenshot(page, 'chat');
  }
  assert.deepEqual(alice.problems, []);
  assert.deepEqual(bob.problems, []);
  await alice.close();
  await bob.close();
});

test('the transcript page shows the messages in stream order, with permalinks', async () => {
  const { session } = await hostSession({ title: 'Transcript order' });
  const ctx = await signedInContext(browser, { displayName: 'Cat Writer' });
  const page = await openChat(ctx, session.id);
  const texts = [];
  for (let i = 1; i <= 5; i += 1) {
    const text = `Message number ${i} ${unique('t')}`;
    texts.push(text);
    await post(page, text);
  }
  await eventually(async () => (await pendingCount(page)) === 0 && (await streamTexts(page)).length === 5, 'five posts acked');
  assert.deepEqual(await streamTexts(page), texts);

  const stored = await transcript(session.id);
  assert.deepEqual(stored.map((m) => m.text), texts);

  const reader = await newContext(browser);
  const tpage = await reader.newPage();
  await tpage.goto(`/transcript.html?session=${session.id}`);
  await tpage.locator('#t-list > li').nth(4).waitFor();
  assert.deepEqual(await tpage.locator('#t-list > li .msg-text').allTextContents(), texts);
  assert.equal(await tpage.locator('h1').textContent(), `${session.hashtag} transcript`);
  // Each message has a permalink #m-<id> that opens the page at that message.
  const third = stored[2];
  const link = tpage.locator(`#m-${third.id} a.msg-time`);
  assert.equal(await link.getAttribute('href'), `#m-${third.id}`);
  await tpage.goto(`/transcript.html?session=${session.id}#m-${third.id}`);
  await tpage.locator(`#m-${third.id}`).waitFor();
  await eventually(() => tpage.evaluate((id) => document.activeElement?.id === `m-${id}`, third.id), 'permalink focused');

  for (const size of SIZES) {
    await tpage.setViewportSize(size);
    await screenshot(tpage, 'transcript');
  }
  assert.deepEqual(ctx.problems, []);
  assert.deepEqual(reader.problems, []);
  await ctx.close();
  await reader.close();
});

test('the transcript pages through long chats with "Load more"', async () => {
  const { session } = await hostSession({ title: 'Paging' });
  const ctx = await signedInContext(browser);
  const page = await openChat(ctx, session.id);
  const texts = [];
  for (let i = 1; i <= 205; i += 1) texts.push(`Line ${String(i).padStart(3, '0')}`);
  await bulkPost(page, session.id, texts);
  await eventually(async () => (await streamTexts(page)).length === 205, 'the chat page shows all 205', { timeoutMs: 30000 });
  assert.deepEqual(await streamTexts(page), texts);
  const tpage = await ctx.newPage();
  await tpage.goto(`/transcript.html?session=${session.id}`);
  await tpage.locator('#t-list > li').nth(199).waitFor();
  assert.equal(await tpage.locator('#t-list > li').count(), 200);
  await tpage.getByRole('button', { name: 'Load more messages' }).click();
  await tpage.locator('#t-list > li').nth(204).waitFor();
  assert.deepEqual(await tpage.locator('#t-list > li .msg-text').allTextContents(), texts);
  assert.equal(await tpage.getByRole('button', { name: 'Load more messages' }).isVisible(), false);
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
});

test('axe-core finds no WCAG A/AA violations on the chat and transcript pages', async () => {
  const { session } = live;
  const ctx = await signedInContext(browser, { displayName: 'Dee Checker' });
  const page = await openChat(ctx, session.id);
  await post(page, 'A message with a link https://example.org/guide and a #hashtag');
  await eventually(async () => (await pendingCount(page)) === 0, 'acked');
  const viewer = await newContext(browser);
  const vpage = await openChat(viewer, session.id);
  const tpage = await viewer.newPage();
  await tpage.goto(`/transcript.html?session=${session.id}`);
  await tpage.locator('#t-list > li').first().waitFor();
  for (const [name, p] of [['chat (participant)', page], ['chat (viewer)', vpage], ['transcript', tpage]]) {
    for (const size of SIZES) {
      await p.setViewportSize(size);
      // From the top, as a reader arrives: mid-scroll, the sticky question box partly covers
      // whatever passes under it, which axe's target-size rule counts against that link.
      await p.evaluate(() => window.scrollTo(0, 0));
      // Contrast does not depend on the width: the dark scheme is checked once, at 1280 px.
      for (const colorScheme of size.width < 1000 ? ['light'] : ['light', 'dark']) {
        await p.emulateMedia({ colorScheme });
        assert.deepEqual(await axeViolations(p), [], `${name} at ${size.width}px, ${colorScheme}`);
      }
    }
  }
  assert.deepEqual(ctx.problems, []);
  assert.deepEqual(viewer.problems, []);
  await ctx.close();
  await viewer.close();
});
