// The chat page against a scripted socket: released questions and "Answer Q<n>", pending
// posts and retries with the same client_id, dedupe and gap repair by seq, error frames,
// Pause, pins, safe rendering of user text, the character counter and batched announcements.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, launch, newContext, screenshot, SIZES } from '../lib/browser.mjs';
import { eventually, pendingCount, post, streamSeqs, streamTexts, waitConnected } from '../lib/chat.mjs';
import { HOST, ME, OTHER, SESSION_ID, messageView, newId, scriptedServer } from '../lib/scripted.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** A fresh page on a scripted server; `setup(server)` runs before the page loads. */
async function scripted(options = {}, setup = () => {}) {
  const context = await newContext(browser, options.contextOptions ?? {});
  const page = await context.newPage();
  const server = await scriptedServer(page, options);
  await setup(server);
  await page.goto(`/chat.html?session=${SESSION_ID}`);
  await waitConnected(page);
  return { context, page, server };
}

test('"Answer Q<n>" labels the post in one click; the post is pending until its ack', async () => {
  const { context, page, server } = await scripted({}, (s) => {
    s.question(1, 'Q1 What helps you switch off after a night shift?');
    s.post('Hello from Leeds!');
  });
  assert.match(await page.locator('#cq-text').textContent(), /Q1 What helps you switch off/);
  const answer = page.getByRole('button', { name: 'Answer Q1' });
  await answer.click();
  const box = page.locator('#composer-text');
  assert.equal(await box.inputValue(), 'A1 ');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'composer-text');
  await box.pressSequentially('A walk in daylight');
  await box.press('Enter');

  const sent = await server.waitForFrame('post');
  assert.equal(sent.text, 'A1 A walk in daylight');
  assert.match(sent.client_id, /^[A-Za-z0-9._:-]{1,64}$/);
  // Pending until acked.
  const pending = page.locator('#pending > li');
  await pending.waitFor();
  assert.equal(await pending.getAttribute('data-state'), 'pending');
  assert.match(await pending.textContent(), /Sending/);

  server.commit(sent);
  await eventually(async () => (await pendingCount(page)) === 0, 'pending gone after the ack');
  const mine = page.locator('#stream > li.mine');
  assert.equal(await mine.locator('.msg-text').textContent(), 'A1 A walk in daylight');
  assert.equal(await mine.getByRole('link', { name: 'Answers Q1' }).count(), 1);

  // Answering again replaces the label rather than stacking it.
  await box.fill('A1 first thought');
  const q2 = server.question(2, 'Q2 Who do you talk to after a hard shift?');
  await page.getByRole('button', { name: 'Answer Q2' }).click();
  assert.equal(await box.inputValue(), 'A2 first thought');
  assert.match(await page.locator('#cq-text').textContent(), /Q2 Who do you talk to/);

  // "Jump to Q<n>" links for every released question.
  const jump = page.getByRole('navigation', { name: 'Questions' });
  await jump.getByRole('link', { name: 'Jump to Q2' }).waitFor();
  assert.deepEqual(await jump.getByRole('link').allTextContents(), ['Jump to Q1', 'Jump to Q2']);
  await jump.getByRole('link', { name: 'Jump to Q2' }).click();
  assert.equal(await page.evaluate(() => location.hash), `#m-${q2.message.id}`);

  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'chat-question');
  }
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('a post is sent again with the same client_id after a reconnect; the duplicate ack settles it', async () => {
  const { context, page, server } = await scripted({}, (s) => {
    s.post('First message');
    s.post('Second message');
  });
  await post(page, 'Is anyone else on nights this week?');
  const first = await server.waitForFrame('post');
  // The server commits it, but the connection drops (a restart) before the ack arrives.
  server.publish({ type: 'message', message: messageView({ text: first.text, author: ME }) }, { deliver: false });
  server.send({ type: 'closing', reason: 'server restarting', retry_after_ms: 200 });
  await server.closeConnection(1001);
  await eventually(() => server.connections.length === 2 && server.frames('hello').length === 2, 'a second hello');
  const hello = server.frames('hello')[1];
  assert.equal(hello.resume_after, 2, 'resumes after the last seq it rendered');
  assert.deepEqual(hello.protocol, [1]);
  const again = await eventually(() => server.received.find((r) => r.conn === 2 && r.frame.type === 'post')?.frame, 'the post sent again');
  assert.equal(again.client_id, first.client_id);
  assert.equal(again.text, first.text);
  server.send({ type: 'ack', client_id: again.client_id, seq: 3, message_id: server.stream[2].message.id, duplicate: true });
  await eventually(async () => (await pendingCount(page)) === 0, 'pending settled');
  assert.deepEqual(await streamTexts(page), ['First message', 'Second message', first.text]);
  await waitConnected(page);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('stream frames are deduplicated by seq, and a gap is repaired with resume', async () => {
  const { context, page, server } = await scripted({}, (s) => {
    s.post('one');
    s.post('two');
  });
  const three = server.post('three');
  server.send(three); // the same seq again
  server.send(server.stream[0]); // an old one
  server.publish({ type: 'message', message: messageView({ text: 'four' }) }, { deliver: false });
  server.post('five'); // seq 5 arrives while 4 is missing
  const resume = await server.waitForFrame('resume');
  assert.equal(resume.after, 3);
  await eventually(async () => (await streamTexts(page)).length === 5, 'five messages');
  assert.deepEqual(await streamTexts(page), ['one', 'two', 'three', 'four', 'five']);
  assert.deepEqual(await streamSeqs(page), [1, 2, 3, 4, 5]);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('error frames are explained; retryable ones go again with the same client_id', async () => {
  const { context, page, server } = await scripted();
  await post(page, 'Quick one');
  const first = await server.waitForFrame('post');
  server.send({ type: 'error', code: 'rate_limited', message: 'at most 30 posts a minute; try again in 0.5 s', client_id: first.client_id, retryable: true });
  await eventually(async () => /Waiting to send again/.test(await page.locator('#pending > li').textContent()), 'waiting marker');
  const retried = await eventually(() => server.frames('post').filter((f) => f.client_id === first.client_id)[1], 'the retry');
  assert.equal(retried.text, 'Quick one');
  server.commit(retried);
  await eventually(async () => (await pendingCount(page)) === 0, 'settled after retry');

  await post(page, 'Posted too early');
  const early = await server.waitForFrame('post', (f) => f.text === 'Posted too early');
  server.send({ type: 'error', code: 'session_not_live', message: 'the session is not live', client_id: early.client_id, retryable: false });
  const failed = page.locator('#pending > li[data-state="failed"]');
  await failed.waitFor();
  assert.match(await failed.textContent(), /Not sent/);
  assert.match(await page.locator('#composer-error').textContent(), /not open for posts/);
  assert.equal(await page.locator('#composer-error').getAttribute('role'), 'alert');
  // Edit puts the text back in the box.
  await failed.getByRole('button', { name: 'Edit' }).click();
  assert.equal(await page.locator('#composer-text').inputValue(), 'Posted too early');
  assert.equal(await pendingCount(page), 0);

  await post(page, 'x'.repeat(20));
  const long = await server.waitForFrame('post', (f) => f.text === 'x'.repeat(20));
  server.send({ type: 'error', code: 'text_too_long', message: 'text: is 300 characters; the limit is 280', client_id: long.client_id, retryable: false });
  await eventually(async () => /too long: the limit is 280/.test(await page.locator('#composer-error').textContent()), 'too long explained');
  await page.locator('#pending > li').getByRole('button', { name: 'Discard' }).click();
  assert.equal(await pendingCount(page), 0);

  server.send({ type: 'error', code: 'forbidden', message: 'sign in to like messages', retryable: false });
  await eventually(async () => /cannot post in this chat/.test(await page.locator('#composer-error').textContent()), 'forbidden explained');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('Pause holds new messages without losing them and counts them', async () => {
  const { context, page, server } = await scripted({}, (s) => s.post('before the pause'));
  const pause = page.getByRole('button', { name: 'Pause' });
  await pause.click();
  assert.equal(await pause.getAttribute('aria-pressed'), 'true');
  server.post('held one');
  server.post('held two');
  server.post('held three');
  await eventually(async () => (await page.locator('#held-note').textContent()) === '3 new messages waiting', 'unread count');
  assert.deepEqual(await streamTexts(page), ['before the pause']);
  await pause.click();
  assert.equal(await pause.getAttribute('aria-pressed'), 'false');
  assert.deepEqual(await streamTexts(page), ['before the pause', 'held one', 'held two', 'held three']);
  assert.equal(await page.locator('#held-note').isVisible(), false);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('pinned messages show on top; likes and replies go out as frames', async () => {
  const { context, page, server } = await scripted({}, (s) => {
    s.post('Remember to hydrate: water bottles are in the staff room', { author: HOST });
    s.post('Thanks!');
  });
  const pinnedId = server.stream[0].message.id;
  server.publish({ type: 'message_pinned', message_id: pinnedId });
  const pinned = page.getByRole('region', { name: 'Pinned' });
  await pinned.waitFor();
  assert.match(await pinned.textContent(), /hydrate/);

  const target = page.locator('#stream > li', { hasText: 'Thanks!' });
  await target.getByRole('button', { name: /^Like/ }).click();
  const like = await server.waitForFrame('like');
  assert.equal(like.message_id, server.stream[1].message.id);
  server.publish({ type: 'liked', message_id: like.message_id, likes: 1 });
  await eventually(async () => (await target.locator('.likes').textContent()) === '1 like', 'like count');

  await page.locator('#stream > li', { hasText: 'hydrate' }).getByRole('button', { name: /^Reply/ }).click();
  await post(page, 'Good reminder');
  const reply = await server.waitForFrame('post');
  assert.equal(reply.reply_to, pinnedId);

  // Screens for people who review: the chat with a pin, a reply target and a failed post.
  server.send({ type: 'error', code: 'session_not_live', message: 'not live', client_id: reply.client_id, retryable: false });
  await page.locator('#pending > li[data-state="failed"]').waitFor();
  await page.locator('#stream > li', { hasText: 'Thanks!' }).getByRole('button', { name: /^Reply/ }).click();
  for (const size of SIZES) {
    await page.setViewportSize(size);
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, colorScheme === 'dark' ? 'chat-pinned-dark' : 'chat-pinned');
      assert.deepEqual(await axeViolations(page), [], `chat with pins at ${size.width}px, ${colorScheme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });

  server.publish({ type: 'message_unpinned', message_id: pinnedId });
  await eventually(async () => !(await pinned.isVisible()), 'pin removed');
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('user text is never HTML; only http(s) URLs become links', async () => {
  const evil = '<img src=x onerror="window.__xss=1"> <b>bold</b> javascript:alert(1) data:text/html,hi see https://example.org/a_(b)?c=1. and www.nhs.uk';
  const { context, page } = await scripted({}, (s) => s.post(evil));
  const item = page.locator('#stream > li').first();
  assert.equal(await item.locator('.msg-text').textContent(), evil.replace(/https:\/\/example\.org\/a_\(b\)\?c=1/, '$& (opens in a new tab)').replace(/www\.nhs\.uk$/, '$& (opens in a new tab)'));
  assert.equal(await item.locator('img, b, script').count(), 0);
  const links = item.locator('.msg-text a');
  assert.deepEqual(await links.evaluateAll((as) => as.map((a) => a.href)), ['https://example.org/a_(b)?c=1', 'https://www.nhs.uk/']);
  assert.deepEqual(await links.evaluateAll((as) => as.map((a) => a.rel)), ['noopener nofollow ugc', 'noopener nofollow ugc']);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('the counter counts code points against welcome.limits and blocks over-long posts', async () => {
  const { context, page, server } = await scripted({ limits: { max_text_chars: 10 } });
  const box = page.locator('#composer-text');
  await box.fill('😀😀😀😀😀');
  assert.equal(await page.locator('#composer-counter').textContent(), '5 of 10 characters');
  await box.fill('é'.normalize('NFC').repeat(11));
  assert.equal(await page.locator('#composer-counter').textContent(), '1 character over the 10 limit');
  assert.equal(await box.getAttribute('aria-invalid'), 'true');
  await box.press('Enter');
  assert.match(await page.locator('#composer-error').textContent(), /limit is 10/);
  assert.equal(server.frames('post').length, 0);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('new messages are announced in batches, at most one announcement every 5 s', async () => {
  const { context, page, server } = await scripted({}, (s) => s.post('old news'));
  // The page has one polite live region, and nothing from the history was announced.
  assert.equal(await page.locator('[aria-live="polite"]').count(), 1);
  assert.equal(await page.locator('#announcer').textContent(), '');
  await page.evaluate(() => {
    window.__announcements = [];
    new MutationObserver(() => {
      window.__announcements.push({ at: performance.now(), text: document.getElementById('announcer').textContent });
    }).observe(document.getElementById('announcer'), { childList: true, characterData: true, subtree: true });
  });
  server.post('first new');
  server.post('second new');
  server.post('third new from Jo', { author: OTHER });
  await page.waitForFunction(() => window.__announcements.length >= 1);
  server.post('fourth');
  server.post('fifth, the latest');
  await page.waitForFunction(() => window.__announcements.length >= 2, null, { timeout: 10000 });
  const said = await page.evaluate(() => window.__announcements);
  assert.equal(said[0].text, '3 new messages, latest from @jo_patient: third new from Jo');
  assert.equal(said[1].text, '2 new messages, latest from @jo_patient: fifth, the latest');
  assert.ok(said[1].at - said[0].at >= 4900, `announcements ${Math.round(said[1].at - said[0].at)} ms apart`);
  // Your own posts are not announced back to you.
  await post(page, 'my own');
  server.commit(await server.waitForFrame('post'));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await page.evaluate(() => window.__announcements)).length, 2);
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('a lobby shows a countdown; viewers are invited to sign in; the start arrives live', async () => {
  const startsAt = new Date(Date.now() + 10 * 60000 + 5000).toISOString();
  const { context, page, server } = await scripted({ me: null, role: 'viewer', sessionOverrides: { status: 'lobby', starts_at: startsAt } });
  assert.match(await page.locator('#chat-when').textContent(), /^Starts in 10 min 0\d s/);
  assert.match(await page.locator('#chat-status').textContent(), /Lobby open/);
  assert.equal(await page.locator('#composer').isVisible(), false);
  const invite = page.getByRole('link', { name: 'Sign in or create an account' }).last();
  assert.match(await invite.getAttribute('href'), /account\.html\?next=%2Fchat\.html/);
  server.publish({ type: 'session_state', status: 'live', at: new Date().toISOString(), ends_at: new Date(Date.now() + 3600000).toISOString() });
  await eventually(async () => /Live/.test(await page.locator('#chat-status').textContent()), 'status live');
  assert.match(await page.locator('#chat-when').textContent(), /^Ends at/);
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    assert.deepEqual(await axeViolations(page), [], `viewer lobby, ${colorScheme}`);
  }
  assert.deepEqual(context.problems, []);
  await context.close();
});

test('a reload frame drops local state and replays the stream from the start', async () => {
  const { context, page, server } = await scripted({}, (s) => {
    s.post('alpha');
    s.post('beta');
  });
  server.send({ type: 'reload', reason: 'position 9 is not in this session\'s stream' });
  const resume = await server.waitForFrame('resume');
  assert.equal(resume.after, 0);
  await eventually(async () => (await streamTexts(page)).join() === 'alpha,beta', 'replayed');
  assert.deepEqual(await streamSeqs(page), [1, 2]);
  assert.deepEqual(context.problems, []);
  await context.close();
});

/** A held post as the server sends it to moderators. */
function heldView(text, author = OTHER) {
  return { id: newId(), session_id: SESSION_ID, author, client_id: `c-${text}`, text, held_because: 'first_time', status: 'pending', reason: '', created_at: new Date().toISOString() };
}

test('the hold queue follows the moderator frames, is announced once per batch, and is read again on moderation_resync', async () => {
  const queued = [heldView('Waiting since before you came')];
  let heldReads = 0;
  const context = await newContext(browser);
  const page = await context.newPage();
  const server = await scriptedServer(page, { role: 'moderator' });
  server.post('A normal post');
  // The console's HTTP reads, answered here like the socket.
  await page.route(`**/api/v1/sessions/${SESSION_ID}/held?status=pending`, (route) => {
    heldReads += 1;
    return route.fulfill({ json: queued });
  });
  for (const path of ['reports', 'backchannel']) await page.route(`**/api/v1/sessions/${SESSION_ID}/${path}`, (route) => route.fulfill({ json: [] }));
  await page.route('**/api/v1/series/WeNurses/restrictions', (route) => route.fulfill({ json: [] }));
  await page.goto(`/chat.html?session=${SESSION_ID}`);
  await waitConnected(page);
  const list = page.locator('#hold-list > li');
  await list.first().waitFor();
  assert.equal(heldReads, 1, 'read once on connect');
  assert.match(await list.first().textContent(), /Waiting since before you came.*First post in this series/);
  await page.evaluate(() => {
    window.__announcements = [];
    new MutationObserver(() => window.__announcements.push(document.getElementById('announcer').textContent))
      .observe(document.getElementById('announcer'), { childList: true, characterData: true, subtree: true });
  });

  const a = heldView('Second in the queue');
  const b = heldView('Third in the queue');
  server.send({ type: 'held_for_review', held: a });
  server.send({ type: 'held_for_review', held: b });
  server.send({ type: 'held_for_review', held: b }); // the same one again changes nothing
  await eventually(async () => (await list.count()) === 3, 'three in the queue');
  assert.equal(await page.locator('#hold-count').textContent(), '(3)');
  await page.waitForFunction(() => window.__announcements.length >= 1);
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await page.evaluate(() => window.__announcements), ['3 posts wait for review.'], 'one announcement for the batch');

  // Another moderator decides one: it leaves this queue too.
  server.send({ type: 'held_decided', held_id: a.id, status: 'approved' });
  await eventually(async () => (await list.count()) === 2, 'decided elsewhere');
  assert.equal(await page.locator('#hold-list', { hasText: 'Second in the queue' }).count(), 0);

  // Fell behind: the page reads the queue again and shows what the server has now.
  queued.splice(0, queued.length, heldView('Only this one now'));
  server.send({ type: 'moderation_resync', reason: 'fell behind' });
  await eventually(async () => (await list.count()) === 1 && /Only this one now/.test(await list.first().textContent()), 'queue re-read');
  assert.equal(heldReads, 2);
  assert.deepEqual(context.problems, []);
  await context.close();
});
