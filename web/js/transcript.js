// A session's transcript, a page at a time, in one of two views: grouped by question (Q1 and
// its answers and reply threads, then Q2 ..., then the conversation; the default for archives)
// or oldest first (the default while a chat runs). Archives also show their figures. Every
// message has a permalink (#m-<id>); opening one loads pages until that message is found.

import { ApiError, getDigest, getSession, groupedPage, transcriptPage } from './api.js';
import { el, replaceChildren } from './dom.js';
import { initAccountNav } from './nav.js';
import { renderMessage } from './render-message.js';
import { chatHref, seriesHref, statusBadge } from './session-card.js';
import { sessionIdFrom } from './text.js';
import { formatDateTime, formatTime } from './time.js';
import { figuresView } from './transcript/figures.js';
import { GroupedView } from './transcript/grouped-view.js';

const PAGE = 200;
/** Pages loaded at most while looking for a permalinked message. */
const MAX_SEEK_PAGES = 50;
const VIEWS = ['grouped', 'chronological'];

const fatalBox = document.getElementById('fatal');
const more = document.getElementById('t-more');
const count = document.getElementById('t-count');
const messages = new Map();
const questions = new Map();
const renderOptions = {
  lookup: (mid) => messages.get(mid) ?? null,
  questionId: (n) => questions.get(n) ?? null,
};
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
  replaceChildren(document.getElementById('t-series'),
    el('a', { href: seriesHref(session.hashtag) }, `About ${session.hashtag} and its other chats`));
  const live = ['live', 'lobby'].includes(session.status);
  document.getElementById('t-live').hidden = !live;
  document.getElementById('t-live-link').href = chatHref(session.id);
}

function remember(message) {
  messages.set(message.id, message);
  if (message.kind === 'question' && message.question) questions.set(message.question, message.id);
}

/** The view's page loader: → {items, note} after adding the page to the page. */
function loader(id, view) {
  if (view === 'grouped') {
    const groups = document.getElementById('t-groups');
    groups.hidden = false;
    const grouped = new GroupedView(groups, renderOptions);
    return async () => {
      const page = await groupedPage(id, nextAfter, PAGE);
      for (const group of page.groups) group.entries.forEach((entry) => remember(entry.message));
      const items = grouped.add(page.groups);
      nextAfter = page.next_after ?? null;
      return { items, total: page.total };
    };
  }
  const list = document.getElementById('t-list');
  list.hidden = false;
  return async () => {
    const page = await transcriptPage(id, nextAfter, PAGE);
    page.messages.forEach(remember);
    const items = page.messages.map((message) => renderMessage(message, renderOptions));
    list.append(...items);
    nextAfter = page.next_after ?? null;
    return { items, total: null };
  };
}

function counted(items, total) {
  loaded += items.length;
  more.hidden = nextAfter === null;
  document.getElementById('t-loading').hidden = true;
  document.getElementById('t-empty').hidden = loaded > 0;
  const noun = (n) => (n === 1 ? 'message' : 'messages');
  if (loaded === 0) count.textContent = '';
  else if (total !== null && nextAfter !== null) count.textContent = `${loaded} of ${total} ${noun(total)} shown; more to load.`;
  else count.textContent = `${loaded} ${noun(loaded)} shown${nextAfter === null ? '.' : '; more to load.'}`;
  return items;
}

function viewSwitch(id, view) {
  for (const name of VIEWS) {
    const link = document.getElementById(`t-view-${name}`);
    link.href = `/transcript.html?session=${encodeURIComponent(id)}&view=${name}`;
    if (name === view) link.setAttribute('aria-current', 'page');
  }
}

async function showFigures(session) {
  if (session.status !== 'archived') return;
  try {
    const digest = await getDigest(session.id);
    replaceChildren(document.getElementById('t-figures-body'), figuresView(session, digest.figures));
    document.getElementById('t-figures').hidden = false;
  } catch (e) {
    fatalBox.textContent = `The figures could not be loaded: ${e instanceof ApiError ? e.message : 'unknown error'}`;
  }
}

let flashed = null;
function showTarget() {
  if (!location.hash.startsWith('#m-')) return true;
  const target = document.getElementById(location.hash.slice(1));
  if (!target) return false;
  flashed?.classList.remove('flash');
  target.classList.add('flash');
  flashed = target;
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
  let load;
  try {
    const session = await getSession(id);
    header(session);
    const asked = new URLSearchParams(location.search).get('view');
    const view = VIEWS.includes(asked) ? asked : session.status === 'archived' ? 'grouped' : 'chronological';
    document.getElementById('t-messages-heading').textContent =
      view === 'grouped' ? 'Messages grouped by question' : 'Messages, oldest first';
    viewSwitch(id, view);
    showFigures(session);
    const page = loader(id, view);
    load = async () => {
      const { items, total } = await page();
      return counted(items, total);
    };
    await load();
    let pages = 1;
    while (!showTarget() && nextAfter !== null && pages < MAX_SEEK_PAGES) {
      await load();
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
      const items = await load();
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
