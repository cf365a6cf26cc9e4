// Driving the chat page.

import { newContext } from './browser.mjs';
import { unique } from './api.mjs';

/** Waits until `check()` returns a truthy value (polling), or fails with `what`. */
export async function eventually(check, what, { timeoutMs = 15000, everyMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A context signed in as a new account (sign-up through the API sets the cookie). */
export async function signedInContext(browser, { displayName = 'Bo Participant', ...options } = {}) {
  const context = await newContext(browser, options);
  const handle = unique('p');
  const response = await context.request.post('/api/v1/accounts', {
    data: { handle, display_name: displayName, password: 'correct horse battery' },
  });
  if (response.status() !== 201) throw new Error(`sign-up failed: ${response.status()} ${await response.text()}`);
  const { user } = await response.json();
  context.user = user;
  return context;
}

export async function openChat(context, sessionId) {
  const page = await context.newPage();
  await page.goto(`/chat.html?session=${sessionId}`);
  await waitConnected(page);
  return page;
}

export async function waitConnected(page, timeout = 20000) {
  await page.locator('#conn[data-state="live"]').waitFor({ timeout });
}

export async function post(page, text) {
  const box = page.locator('#composer-text');
  await box.fill(text);
  await box.press('Enter');
}

/** The text of every rendered message, in page order. */
export function streamTexts(page) {
  return page.locator('#stream > li .msg-text').allTextContents();
}

export function streamSeqs(page) {
  return page.locator('#stream > li').evaluateAll((items) => items.map((li) => Number(li.dataset.seq)));
}

export function pendingCount(page) {
  return page.locator('#pending > li').count();
}

/**
 * Posts many messages quickly through a second socket of the page's own (cookie-signed-in)
 * browser, at most `window` waiting for their ack at a time. Resolves when all are acked.
 */
export function bulkPost(page, sessionId, texts, { window = 32 } = {}) {
  return page.evaluate(
    ({ sessionId, texts, window }) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/sessions/${sessionId}/live`);
        const run = Date.now().toString(36);
        let next = 0;
        let acked = 0;
        const sendMore = () => {
          while (next < texts.length && next - acked < window) {
            ws.send(JSON.stringify({ type: 'post', client_id: `bulk-${run}-${next}`, text: texts[next] }));
            next += 1;
          }
        };
        ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', protocol: [1] }));
        ws.onmessage = (event) => {
          const frame = JSON.parse(event.data);
          if (frame.type === 'caught_up') sendMore();
          if (frame.type === 'ack') {
            acked += 1;
            if (acked === texts.length) {
              ws.close(1000);
              resolve(acked);
            } else sendMore();
          }
          if (frame.type === 'error') reject(new Error(`${frame.code}: ${frame.message}`));
        };
        ws.onclose = (event) => {
          if (acked < texts.length) reject(new Error(`socket closed (${event.code}) after ${acked} acks`));
        };
      }),
    { sessionId, texts, window },
  );
}
