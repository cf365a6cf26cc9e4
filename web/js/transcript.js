// A session's transcript, oldest first, a page at a time; every message has a permalink
// (#m-<id>). Opening a permalink loads pages until that message is found.

import { ApiError, transcriptPage } from './api.js';
import { el, replaceChildren } from './dom.js';
import { initAccountNav } from './nav.js';
import { renderMessage } from './render-message.js';
import { chatHref, statusBadge } from './session-card.js';
import { sessionIdFrom } from './text.js';
import { formatDateTime, formatTime } from './time.js';

const PAGE = 200;
/** Pages loaded at most while looking for a permalinked message. */
const MAX_SEEK_PAGES = 50;

const fatalBox = document.getElementById('fatal');
const list = document.getElementById('t-list');
const more = document.getElementById('t-more');
const count = document.getElementById('t-count');
const messages = new Map();
const questions = new Map();
let nextAfter = null;
let loaded = 0;

function header(session) {
  document.getElementById('t-hashtag').textContent = session.hashtag;
  document.getElementById('t-title').textContent = session.title;
  document.title = `${session.hashtag} transcript: tweetchat`;
  replaceChildren(
    document.getElementById('t-facts'),
    statusBadge(session.status),
    el('span', {},
      el('time', { datetime: session.starts_at }, formatDateTime(session.starts_at)),
      ' to ',
      el('time', { datetime: session.ends_at }, formatTime(session.ends_at))),
  );
  const live = ['live', 'lobby'].includes(session.status);
  document.getElementById('t-live').hidden = !live;
  document.getElementById('t-live-link').href = chatHref(session.id);
}

async function loadPage(id) {
  const page = await transcriptPage(id, nextAfter, PAGE);
  header(page.session);
  for (const message of page.messages) {
    messages.set(message.id, message);
    if (message.kind === 'question' && message.question) questions.set(message.question, message.id);
  }
  const items = page.messages.map((message) =>
    renderMessage(message, {
      lookup: (mid) => messages.get(mid) ?? null,
      questionId: (n) => questions.get(n) ?? null,
    }),
  );
  list.append(...items);
  loaded += page.messages.length;
  nextAfter = page.next_after ?? null;
  more.hidden = nextAfter === null;
  document.getElementById('t-loading').hidden = true;
  document.getElementById('t-empty').hidden = loaded > 0;
  count.textContent = loaded === 0 ? '' : `${loaded} ${loaded === 1 ? 'message' : 'messages'} shown${nextAfter === null ? '.' : '; more to load.'}`;
  return items;
}

function showTarget() {
  if (!location.hash.startsWith('#m-')) return true;
  const target = document.getElementById(location.hash.slice(1));
  if (!target) return false;
  target.scrollIntoView({ block: 'center' });
  target.focus({ preventScroll: true });
  return true;
}

async function main() {
  initAccountNav();
  const id = sessionIdFrom(location.search);
  if (!id) {
    fatalBox.textContent = 'No chat was chosen. Pick one on the home page.';
    document.getElementById('t-loading').hidden = true;
    return;
  }
  try {
    await loadPage(id);
    let pages = 1;
    while (!showTarget() && nextAfter !== null && pages < MAX_SEEK_PAGES) {
      await loadPage(id);
      pages += 1;
    }
  } catch (e) {
    document.getElementById('t-loading').hidden = true;
    fatalBox.textContent = e instanceof ApiError && e.status === 404
      ? 'This chat does not exist. Check the link.'
      : `The transcript could not be loaded: ${e instanceof ApiError ? e.message : 'unknown error'}`;
    return;
  }
  more.addEventListener('click', async () => {
    more.setAttribute('aria-disabled', 'true');
    try {
      const items = await loadPage(id);
      // Keep keyboard users where the new messages start.
      items[0]?.focus();
    } catch (e) {
      fatalBox.textContent = `More messages could not be loaded: ${e instanceof ApiError ? e.message : 'unknown error'}`;
    } finally {
      more.removeAttribute('aria-disabled');
    }
  });
  window.addEventListener('hashchange', showTarget);
}

main();
