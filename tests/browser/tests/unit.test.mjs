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
import { LiveConnection } from '../../../web/js/chat/connection.js';
import { describeError } from '../../../web/js/chat/errors.js';

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
  }
  for (const file of files.filter((f) => f.endsWith('.html'))) {
    const source = readFileSync(file, 'utf8');
    assert.doesNotMatch(source, /<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)/i, file);
    assert.doesNotMatch(source, /https?:\/\//, `${file} loads nothing from elsewhere`);
  }
});
