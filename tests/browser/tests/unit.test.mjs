// The front end's pure modules, in Node: text handling, backoff, the stream state, the outbox,
// the announcer's pacing and the connection's reconnect logic (with a fake WebSocket).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePointLength, linkParts, safeHref, safeNext, sessionIdFrom, snippet, withAnswerPrefix } from '../../../web/js/text.js';
import { backoffDelay } from '../../../web/js/backoff.js';
import { formatCountdown } from '../../../web/js/time.js';
import { ChatState, isStreamFrame } from '../../../web/js/chat/state.js';
import { Outbox, retryAfterSeconds } from '../../../web/js/chat/outbox.js';
import { Announcer, summarise } from '../../../web/js/chat/announcer.js';
import { LiveConnection, fatalClose } from '../../../web/js/chat/connection.js';
import { describeError } from '../../../web/js/chat/errors.js';
import { sizeStep } from '../../../web/js/transcript/word-cloud.js';
import { activitySummary } from '../../../web/js/transcript/activity-chart.js';
import { sortProposals, takesQuestions } from '../../../web/js/chat/proposals.js';

test('characters are counted as the server counts them: code points of the trimmed text', () => {
  assert.equal(codePointLength(''), 0);
  assert.equal(codePointLength('  hi  '), 2);
  assert.equal(codePointLength('😀👍🏽'), 3); // 👍🏽 is two code points
  assert.equal(codePointLength('e\u0301'), 2);
});

test('answer labels are added once and replace an existing one', () => {
  assert.equal(withAnswerPrefix('', 3), 'A3 ');
  assert.equal(withAnswerPrefix('  sleep first', 3), 'A3 sleep first');
  assert.equal(withAnswerPrefix('A1 sleep first', 3), 'A3 sleep first');
  assert.equal(withAnswerPrefix('a12  sleep', 2), 'A2 sleep');
  assert.equal(withAnswerPrefix('#WeNurses A1 sleep', 2), '#WeNurses A2 sleep');
  assert.equal(withAnswerPrefix('A1B is a ward', 2), 'A2 A1B is a ward');
});

test('only http(s) URLs become links, and the text round-trips exactly', () => {
  const text = 'see https://example.org/x?y=1, (www.nhs.uk) javascript:alert(1) http://a.b/c_(d) ftp://x.y';
  const parts = linkParts(text);
  assert.equal(parts.map((p) => p.text).join(''), text);
  assert.deepEqual(parts.filter((p) => p.type === 'link').map((p) => p.href), [
    'https://example.org/x?y=1',
    'https://www.nhs.uk/',
    'http://a.b/c_(d)',
  ]);
  assert.equal(safeHref('javascript:alert(1)'), null);
  assert.equal(safeHref('https://'), null);
  assert.deepEqual(linkParts('no links here'), [{ type: 'text', text: 'no links here' }]);
});

test('small helpers: snippets, session ids, safe redirects, countdowns', () => {
  assert.equal(snippet('a  b\nc', 10), 'a b c');
  assert.equal(snippet('abcdefghijk', 5), 'abcd…');
  assert.equal(sessionIdFrom('?session=0190f3a2-7b1c-7d4e-8f00-0000000000a1'), '0190f3a2-7b1c-7d4e-8f00-0000000000a1');
  assert.equal(sessionIdFrom('?session=../../etc'), null);
  assert.equal(safeNext('/chat.html?session=x'), '/chat.html?session=x');
  assert.equal(safeNext('//evil.example'), null);
  assert.equal(safeNext('https://evil.example'), null);
  assert.equal(safeNext('/\\evil.example'), null);
  assert.equal(formatCountdown(9000), '9 s');
  assert.equal(formatCountdown(4 * 60000 + 9000), '4 min 09 s');
  assert.equal(formatCountdown(2 * 3600000 + 5 * 60000), '2 h 05 min');
  assert.equal(formatCountdown(-5), '0 s');
});

test('backoff grows exponentially, is capped, and is jittered within its upper half', () => {
  assert.equal(backoffDelay(0, { random: () => 0 }), 250);
  assert.equal(backoffDelay(0, { random: () => 1 }), 500);
  assert.equal(backoffDelay(3, { random: () => 0 }), 2000);
  assert.equal(backoffDelay(30, { random: () => 1 }), 30000);
  assert.equal(backoffDelay(30, { random: () => 0 }), 15000);
  const seen = new Set(Array.from({ length: 20 }, () => backoffDelay(4)));
  assert.ok(seen.size > 1, 'jitter varies the delay');
});

function frame(type, seq, extra = {}) {
  return { type, seq, ...extra };
}
const msg = (seq, text, extra = {}) => frame('message', seq, { message: { id: `id-${seq}`, seq, kind: 'post', author: null, text, created_at: '2026-01-01T00:00:00Z', likes: 0, ...extra } });

test('the stream state applies frames in seq order, skips duplicates and reports gaps', () => {
  const state = new ChatState();
  assert.equal(state.apply(msg(1, 'one')).result, 'applied');
  assert.equal(state.apply(msg(1, 'one again')).result, 'duplicate');
  assert.deepEqual(state.apply(msg(3, 'three')), { result: 'gap', expected: 2 });
  assert.equal(state.lastSeq, 1);
  assert.equal(state.apply(msg(2, 'two')).result, 'applied');
  assert.equal(state.messages.get('id-1').text, 'one');

  const q = frame('question_released', 3, { message: { id: 'q1', seq: 3, kind: 'question', question: 1, text: 'Q1 Why?', created_at: 'x' } });
  assert.equal(state.apply(q).effect.question, true);
  assert.deepEqual(state.currentQuestion, { number: 1, text: 'Q1 Why?', message_id: 'q1', seq: 3 });
  assert.equal(state.questions.get(1), 'q1');

  state.apply(frame('message_pinned', 4, { message_id: 'id-2' }));
  assert.deepEqual(state.pinnedMessages().map((m) => m.id), ['id-2']);
  assert.equal(state.apply(frame('liked', 5, { message_id: 'id-2', likes: 4 })).effect.likes, 4);
  assert.equal(state.messages.get('id-2').likes, 4);
  state.apply(frame('message_hidden', 6, { message_id: 'id-2' }));
  assert.equal(state.messages.get('id-2').hidden, true);
  assert.deepEqual(state.pinnedMessages(), []);
  state.apply(frame('session_state', 7, { status: 'closed', at: 'x', ends_at: 'y' }));
  assert.equal(state.status, null, 'no session before welcome');

  assert.ok(isStreamFrame(msg(1, 'x')));
  assert.ok(!isStreamFrame({ type: 'ack', seq: 3 }));
  state.reset();
  assert.equal(state.lastSeq, 0);
});

test('the outbox keeps posts (and their client_id) until acked, across page reloads', () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
  const outbox = new Outbox(storage, 'k');
  const item = outbox.add('hello', 'parent-id');
  assert.match(item.clientId, /^[A-Za-z0-9._:-]{1,64}$/);
  assert.deepEqual(outbox.frame(item), { type: 'post', client_id: item.clientId, text: 'hello', reply_to: 'parent-id' });

  const reloaded = new Outbox(storage, 'k');
  assert.deepEqual(reloaded.unsent().map((i) => i.clientId), [item.clientId], 'survives a reload with the same client_id');

  assert.equal(outbox.fail(item.clientId, 'rate_limited', 'try again in 2.5 s').state, 'retrying');
  assert.equal(retryAfterSeconds('at most 30 posts a minute; try again in 2.5 s'), 2.5);
  assert.equal(retryAfterSeconds('nothing'), null);
  assert.equal(outbox.fail(item.clientId, 'session_not_live', 'no').state, 'failed');
  assert.deepEqual(outbox.unsent(), []);
  outbox.retry(item.clientId);
  assert.equal(outbox.ack({ client_id: item.clientId, seq: 9, message_id: 'm9' }).state, 'sent');
  assert.equal(outbox.byMessageId('m9'), item);
  assert.equal(outbox.ack({ client_id: 'unknown', seq: 1, message_id: 'x' }), null);
  outbox.remove(item.clientId);
  assert.equal(store.has('k'), false);
});

test('moderation in the stream state: welcome.pinned, hidden messages only for moderators', () => {
  const pinnedView = { id: 'old', seq: 1, kind: 'post', text: 'Pinned long ago', pinned: true, created_at: 'x' };
  const participant = new ChatState();
  participant.welcome({ session: { status: 'live' }, role: 'participant', you: { id: 'me' }, pinned: [pinnedView], slow_mode_seconds: 30, last_seq: 5 });
  assert.deepEqual(participant.pinnedMessages().map((m) => m.text), ['Pinned long ago'], 'shown from welcome before any replay');
  assert.equal(participant.slowModeSeconds, 30);
  assert.equal(participant.canModerate, false);
  participant.apply(msg(1, 'spam'));
  assert.equal(participant.isVisible(participant.messages.get('id-1')), true);
  participant.apply(frame('message_hidden', 2, { message_id: 'id-1' }));
  assert.equal(participant.isVisible(participant.messages.get('id-1')), false);
  // A hidden message replayed to a participant is a stub without text: never shown.
  participant.apply(frame('message_hidden', 3, { message_id: 'stub' }));
  assert.equal(participant.isVisible(participant.messages.get('stub')), false);
  participant.apply(frame('message_unpinned', 4, { message_id: 'old' }));
  assert.deepEqual(participant.pinnedMessages(), []);

  const moderator = new ChatState();
  moderator.welcome({ session: { status: 'live' }, role: 'moderator', you: { id: 'mod' }, pinned: [] });
  assert.equal(moderator.canModerate, true);
  moderator.apply(frame('message', 1, { message: { id: 'h', seq: 1, kind: 'post', text: 'rude', hidden: true } }));
  assert.equal(moderator.isVisible(moderator.messages.get('h')), true, 'moderators see hidden messages (marked)');
  moderator.apply(frame('message_pinned', 2, { message_id: 'h' }));
  assert.equal(moderator.messages.get('h').pinned, true);
});

test('held and rejected posts in the outbox: held ones go again on reconnect, rejected ones never', () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
  const outbox = new Outbox(storage, 'k');
  const held = outbox.add('needs a look');
  const rejected = outbox.add('advert');
  assert.equal(outbox.held({ client_id: held.clientId, held_id: 'h1', held_because: 'all' }).state, 'held');
  assert.equal(outbox.rejected({ client_id: rejected.clientId, held_id: 'h2', reason: 'off topic' }).state, 'rejected');
  assert.deepEqual(outbox.unsent().map((i) => i.clientId), [held.clientId]);
  const reloaded = new Outbox(storage, 'k');
  assert.equal(reloaded.get(held.clientId).state, 'held', 'still pending approval after a reload');
  assert.equal(reloaded.get(rejected.clientId).state, 'rejected');
  assert.equal(reloaded.get(rejected.clientId).error.message, 'off topic');
  assert.equal(outbox.fail(held.clientId, 'slow_mode', 'slow mode: one post every 30 s; try again in 12 s').state, 'retrying');
  assert.equal(retryAfterSeconds('slow mode: one post every 30 s; try again in 12 s'), 12);
  assert.equal(outbox.ack({ client_id: held.clientId, seq: 4, message_id: 'm4' }).state, 'sent', 'approval acks it');
});

test('close codes: a ban stops for good, a lost sign-in asks to sign in, others reconnect', async () => {
  assert.deepEqual(fatalClose(4003, 'banned').banned, true);
  assert.equal(fatalClose(4003, 'banned').signIn, undefined);
  assert.equal(fatalClose(4003, 'sign in to join').signIn, true);
  assert.match(fatalClose(4001, 'password changed').message, /password was changed.*Sign in again/);
  assert.equal(fatalClose(4001, 'account deactivated').signIn, undefined, 'a deactivated account cannot sign in again');
  assert.equal(fatalClose(4001, 'invalid token').signIn, true);
  assert.equal(fatalClose(4001, 'token revoked').signIn, true);
  assert.equal(fatalClose(1001, 'your role changed; reconnect'), null);
  assert.equal(fatalClose(4008, 'too slow'), null);

  FakeSocket.all = [];
  const connection = new LiveConnection({ url: 'ws://x/live', resumeAfter: () => 0, WebSocketImpl: FakeSocket, backoff: () => 5 });
  const closed = [];
  connection.addEventListener('state', (e) => {
    if (e.detail.state === 'closed') closed.push(e.detail);
  });
  connection.start();
  await new Promise((r) => setTimeout(r, 5));
  FakeSocket.all[0].receive({ type: 'welcome' });
  FakeSocket.all[0].drop(1001, 'your role changed; reconnect');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(FakeSocket.all.length, 2, 'a role change reconnects');
  FakeSocket.all[1].receive({ type: 'welcome' });
  FakeSocket.all[1].drop(4003, 'banned');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(FakeSocket.all.length, 2, 'no reconnect after a ban');
  assert.equal(closed[0].banned, true);
  connection.stop();
});

test('keyed status lines replace each other, so a busy queue is one announcement', async () => {
  const region = { textContent: '' };
  const announcer = new Announcer(region, { intervalMs: 10, batchMs: 10 });
  announcer.say('1 post waits for review.', 'hold');
  announcer.say('2 posts wait for review.', 'hold');
  announcer.say('1 open report.', 'reports');
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(region.textContent, '2 posts wait for review. 1 open report.');
});

test('the announcer summarises and paces: one announcement per interval at most', async () => {
  assert.equal(summarise([]), '');
  const m = (text, handle = '@jo') => ({ kind: 'post', text, author: { handle } });
  assert.equal(summarise([m('hi')]), 'New message from @jo: hi');
  assert.equal(summarise([m('a'), m('b', '@al')], ['Reconnected.']), 'Reconnected. 2 new messages, latest from @al: b');

  const region = { textContent: '' };
  const said = [];
  Object.defineProperty(region, 'textContent', { set: (v) => said.push(v), get: () => said.at(-1) ?? '' });
  const announcer = new Announcer(region, { intervalMs: 300, batchMs: 50 });
  announcer.message(m('one'));
  announcer.message(m('two'));
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(said, ['2 new messages, latest from @jo: two']);
  announcer.message(m('three'));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(said.length, 1, 'not again within the interval');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(said.slice(1), ['New message from @jo: three']);
  announcer.setEnabled(false);
  announcer.message(m('four'));
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(said.length, 2, 'silent when turned off');
});

test('error codes are explained in words', () => {
  assert.match(describeError('rate_limited', 'try again in 2 s'), /posting quickly.*try again in 2 s/);
  assert.match(describeError('text_too_long', 'x', { limit: 280 }), /limit is 280/);
  assert.match(describeError('session_not_live'), /not open for posts/);
  assert.match(describeError('something_new'), /went wrong/);
  assert.match(describeError('slow_mode', 'slow mode: one post every 30 s; try again in 12 s'), /Slow mode is on.*try again in 12 s/);
  assert.match(describeError('muted', 'a moderator muted you until 20:45 UTC'), /muted you.*until 20:45 UTC/);
  assert.match(describeError('banned', 'you are banned from this chat series'), /banned from this chat series/);
});

class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.all.push(this);
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.();
    });
  }
  send(data) {
    this.sent.push(JSON.parse(data));
  }
  receive(frame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  close() {
    this.readyState = 3;
  }
  drop(code, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

test('the connection says hello with resume_after, reconnects with backoff, and stops on fatal codes', async () => {
  FakeSocket.all = [];
  let lastSeq = 0;
  const delays = [];
  const connection = new LiveConnection({
    url: 'ws://x/live',
    resumeAfter: () => lastSeq,
    WebSocketImpl: FakeSocket,
    backoff: (attempt) => {
      delays.push(attempt);
      return 10;
    },
  });
  const states = [];
  connection.addEventListener('state', (e) => states.push(e.detail.state));
  connection.start();
  await new Promise((r) => setTimeout(r, 5));
  const first = FakeSocket.all[0];
  assert.deepEqual(first.sent, [{ type: 'hello', protocol: [1], resume_after: 0 }]);
  assert.equal(connection.send({ type: 'ping' }), false, 'nothing is sent before welcome');
  first.receive({ type: 'welcome' });
  first.receive({ type: 'caught_up', last_seq: 0 });
  assert.equal(connection.state, 'live');
  lastSeq = 7;
  first.drop(1006);
  assert.equal(connection.state, 'reconnecting');
  await new Promise((r) => setTimeout(r, 30));
  const second = FakeSocket.all[1];
  assert.deepEqual(second.sent[0], { type: 'hello', protocol: [1], resume_after: 7 });
  second.drop(1006);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(delays, [0, 1], 'the backoff grows while attempts fail');
  const third = FakeSocket.all[2];
  third.receive({ type: 'welcome' });
  third.drop(4004, 'no such session');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(connection.state, 'closed');
  assert.equal(FakeSocket.all.length, 3, 'no reconnect after 4004');
  assert.deepEqual(states.slice(0, 4), ['connecting', 'catching_up', 'live', 'reconnecting']);
  connection.stop();
});

test('the front end never builds HTML from strings and has no inline script or style (CSP)', async () => {
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const web = new URL('../../../web/', import.meta.url).pathname;
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(web);
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const source = readFileSync(file, 'utf8');
    assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|\.style\.|setAttribute\('style'/, file);
    // Parsing HTML is the search snippet's job alone (it keeps only <mark> and text).
    if (!file.endsWith('/js/snippet.js')) assert.doesNotMatch(source, /DOMParser|parseFromString|createContextualFragment/, file);
  }
  for (const file of files.filter((f) => f.endsWith('.html'))) {
    const source = readFileSync(file, 'utf8');
    assert.doesNotMatch(source, /<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)/i, file);
    assert.doesNotMatch(source, /https?:\/\//, `${file} loads nothing from elsewhere`);
  }
});

test('word cloud sizes grow with the count, from 1 to 6, the most used word the largest', () => {
  assert.equal(sizeStep(50, 50), 6);
  assert.equal(sizeStep(1, 50), 1);
  assert.ok(sizeStep(10, 50) < sizeStep(30, 50));
  assert.equal(sizeStep(0, 0), 1);
});

test('the activity summary names the total, the length and the busiest minute', () => {
  assert.equal(activitySummary('2026-12-03T20:00:00Z', [0, 0, 0]), 'No messages were written.');
  assert.match(activitySummary('2026-12-03T20:00:00Z', [1, 4, 2]), /^7 messages over 3 minutes; busiest minute .+ with 4\.$/);
  assert.match(activitySummary('2026-12-03T20:00:00Z', [1]), /^1 message over 1 minute;/);
});

test('audience questions: when the form shows, and the two orders', () => {
  assert.equal(takesQuestions('before', 'scheduled'), true);
  assert.equal(takesQuestions('before', 'lobby'), true);
  assert.equal(takesQuestions('before', 'live'), false);
  assert.equal(takesQuestions('during', 'live'), true);
  assert.equal(takesQuestions('during', 'lobby'), false);
  assert.equal(takesQuestions('both', 'live'), true);
  assert.equal(takesQuestions('both', 'closed'), false);
  assert.equal(takesQuestions('off', 'live'), false);
  const items = [
    { id: 'a', votes: 1, created_at: '2026-01-01T10:00:00Z' },
    { id: 'b', votes: 3, created_at: '2026-01-01T10:01:00Z' },
    { id: 'c', votes: 1, created_at: '2026-01-01T10:02:00Z' },
  ];
  assert.deepEqual(sortProposals(items, 'votes').map((x) => x.id), ['b', 'a', 'c'], 'most votes, then oldest');
  assert.deepEqual(sortProposals(items, 'time').map((x) => x.id), ['c', 'b', 'a'], 'newest first');
});
