// Connections that drop and come back, against the real server: nothing is lost and nothing
// is doubled, and a post made while disconnected is sent once when the connection is back.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { HERE, launch } from '../lib/browser.mjs';
import { hostSession, transcript, unique } from '../lib/api.mjs';
import { eventually, openChat, pendingCount, post, signedInContext, streamSeqs, streamTexts, waitConnected } from '../lib/chat.mjs';
import { freePort, startServer } from '../lib/server.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

function assertOnceInOrder(texts, expected, who) {
  assert.deepEqual(texts, expected, `${who} sees every message once, in order`);
}

async function assertSeqsClean(page, who) {
  const seqs = await streamSeqs(page);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${who}: seqs ascending`);
  assert.equal(new Set(seqs).size, seqs.length, `${who}: no seq twice`);
}

test('a dropped socket resumes from the last seq: messages missed meanwhile arrive once', async () => {
  const { session } = await hostSession({ title: 'Dropped socket' });
  const anna = await signedInContext(browser, { displayName: 'Anna Ward' });
  const ben = await signedInContext(browser, { displayName: 'Ben Clinic' });

  // Anna's socket goes through a proxy in the test, so the test can cut it, and hold her
  // reconnect until Ben has posted.
  const annaPage = await anna.newPage();
  const sockets = [];
  let gate = Promise.resolve();
  await annaPage.routeWebSocket(/\/live$/, async (ws) => {
    const held = gate;
    const entry = { ws, server: null, buffered: [], sent: [] };
    sockets.push(entry);
    ws.onMessage((message) => {
      entry.sent.push(String(message));
      if (entry.server) entry.server.send(message);
      else entry.buffered.push(message);
    });
    await held;
    entry.server = ws.connectToServer();
    for (const message of entry.buffered) entry.server.send(message);
  });
  await annaPage.goto(`/chat.html?session=${session.id}`);
  await waitConnected(annaPage);
  const benPage = await openChat(ben, session.id);

  const expected = [];
  for (const who of [annaPage, benPage]) {
    const text = `before ${unique('b')}`;
    expected.push(text);
    await post(who, text);
    await eventually(async () => (await streamTexts(annaPage)).length === expected.length, 'anna sees the post');
  }

  let release;
  gate = new Promise((resolve) => {
    release = resolve;
  });
  await sockets[0].ws.close({ code: 4008, reason: 'too slow to keep up' });
  await eventually(async () => (await annaPage.locator('#conn').getAttribute('data-state')) !== 'live', 'anna sees the drop');
  // While Anna is away, Ben posts three messages, and Anna writes one of her own.
  for (let i = 1; i <= 3; i += 1) {
    const text = `while away ${i} ${unique('w')}`;
    expected.push(text);
    await post(benPage, text);
  }
  await eventually(async () => (await streamTexts(benPage)).length === expected.length, 'ben sees his posts');
  const offline = `written while disconnected ${unique('o')}`;
  await post(annaPage, offline);
  assert.equal(await pendingCount(annaPage), 1, 'anna\'s post waits, marked pending');
  expected.push(offline);
  release();

  await waitConnected(annaPage);
  await eventually(async () => (await streamTexts(annaPage)).length === expected.length && (await pendingCount(annaPage)) === 0, 'anna caught up and her post acked');
  const hello = JSON.parse(sockets[1].sent[0]);
  assert.equal(hello.type, 'hello');
  assert.ok(hello.resume_after >= 3, `resumes after the last seq seen (${hello.resume_after})`);

  const after = `after ${unique('a')}`;
  expected.push(after);
  await post(benPage, after);
  await eventually(async () => (await streamTexts(annaPage)).length === expected.length, 'anna sees the next post');
  await eventually(async () => (await streamTexts(benPage)).length === expected.length, 'ben sees everything');

  assertOnceInOrder(await streamTexts(annaPage), expected, 'anna');
  assert.deepEqual(new Set(await streamTexts(benPage)), new Set(expected), 'ben sees the same messages');
  await assertSeqsClean(annaPage, 'anna');
  await assertSeqsClean(benPage, 'ben');
  const stored = (await transcript(session.id)).map((m) => m.text);
  assert.deepEqual(new Set(stored), new Set(expected));
  assert.equal(stored.length, expected.length, 'no message stored twice');
  assert.deepEqual(anna.problems, []);
  assert.deepEqual(ben.problems, []);
  await anna.close();
  await ben.close();
});

test('the server restarts (SIGTERM, then started again on the same port and data)', { skip: !process.env.TWEETCHAT_BIN && 'TWEETCHAT_BIN is not set' }, async () => {
  const base = mkdtempSync(join(process.env.TWEETCHAT_TEST_TMP || tmpdir(), 'restart-'));
  const dataDir = join(base, 'data');
  mkdirSync(dataDir);
  const port = await freePort();
  const options = { bin: process.env.TWEETCHAT_BIN, port, dataDir, webDir: process.env.TWEETCHAT_WEB_DIR || join(HERE, '..', '..', 'web') };
  let server = await startServer({ ...options, logName: 'first.log' });
  const contexts = [];
  try {
    const { session } = await hostSession({ title: 'Restart', base: server.url });
    const carla = await signedInContext(browser, { displayName: 'Carla Midwife', baseURL: server.url });
    const dev = await signedInContext(browser, { displayName: 'Dev Porter', baseURL: server.url });
    contexts.push(carla, dev);
    const carlaPage = await openChat(carla, session.id);
    const devPage = await openChat(dev, session.id);

    const expected = [];
    for (let i = 1; i <= 3; i += 1) {
      const text = `before restart ${i} ${unique('r')}`;
      expected.push(text);
      await post(i % 2 ? carlaPage : devPage, text);
      await eventually(async () => (await streamTexts(carlaPage)).length === expected.length, 'seen before restart');
    }
    await eventually(async () => (await streamTexts(devPage)).length === expected.length, 'dev caught up');

    const stopped = await server.stop();
    assert.ok(stopped.code === 0 || stopped.signal === 'SIGTERM', `server stopped cleanly (${JSON.stringify(stopped)})`);
    await eventually(async () => /reconnecting/.test(await carlaPage.locator('#conn').getAttribute('data-state')), 'carla sees reconnecting');
    assert.match(await carlaPage.locator('#conn').textContent(), /Reconnecting/);
    const during = `posted while the server was down ${unique('d')}`;
    await post(carlaPage, during);
    expected.push(during);
    assert.equal(await pendingCount(carlaPage), 1);

    server = await startServer({ ...options, logName: 'second.log' });
    await waitConnected(carlaPage, 60000);
    await waitConnected(devPage, 60000);
    await eventually(async () => (await pendingCount(carlaPage)) === 0, 'carla\'s post acked after the restart', { timeoutMs: 30000 });
    const afterText = `after restart ${unique('a')}`;
    expected.push(afterText);
    await post(devPage, afterText);
    for (const [who, page] of [['carla', carlaPage], ['dev', devPage]]) {
      await eventually(async () => (await streamTexts(page)).length === expected.length, `${who} has everything`, { timeoutMs: 30000 });
      assertOnceInOrder(await streamTexts(page), expected, who);
      await assertSeqsClean(page, who);
    }
    const stored = (await transcript(session.id, server.url)).map((m) => m.text);
    assert.deepEqual(stored, expected);
    for (const context of contexts) assert.deepEqual(context.problems, []);
  } finally {
    for (const context of contexts) await context.close();
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  }
});
