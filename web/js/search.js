// The search page: the form is a plain GET form (so results have a shareable address); on
// load, its query string is read back into the form and sent to /api/v1/search.

import { search } from './api.js';
import { el } from './dom.js';
import { initAccountNav } from './nav.js';
import { pagedList } from './paged-list.js';
import { seriesHref, transcriptHref } from './session-card.js';
import { snippetNodes } from './snippet.js';
import { formatDateTime } from './time.js';

const PAGE = 20;
const FIELDS = ['q', 'hashtag', 'author', 'question', 'from', 'to'];
const ORDERS = { relevance: 'best match first', newest: 'newest first' };

/** A date input's day in the viewer's time zone as an RFC 3339 instant; `nextDay` for an end. */
function dayStart(day, nextDay = false) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + (nextDay ? 1 : 0)).toISOString();
}

function resultItem(result) {
  const href = `${transcriptHref(result.session_id)}#m-${encodeURIComponent(result.message_id)}`;
  const label = result.question != null ? `Q${result.question}` : result.answers != null ? `A${result.answers}` : null;
  return el('li', { class: 'search-result', 'data-message-id': result.message_id },
    el('p', { class: 'msg-head' },
      label ? el('span', { class: 'badge live' }, label) : null, ' ',
      el('span', { class: 'msg-author' }, result.author ?? 'tweetchat'), ' ',
      el('a', { href: seriesHref(result.hashtag) }, result.hashtag), ' ',
      el('span', { class: 'msg-handle' }, result.session_title), ' ',
      el('time', { datetime: result.created_at }, formatDateTime(result.created_at))),
    el('p', { class: 'snippet' }, snippetNodes(result.snippet_html)),
    el('a', { href }, 'Read in the transcript',
      el('span', { class: 'visually-hidden' }, `: ${result.author ?? 'tweetchat'} in ${result.hashtag}`)));
}

function main() {
  initAccountNav();
  const query = new URLSearchParams(location.search);
  for (const name of FIELDS) {
    const value = query.get(name);
    if (value) document.querySelector(`#search-form [name="${name}"]`).value = value;
  }
  const sort = Object.hasOwn(ORDERS, query.get('sort') ?? '') ? query.get('sort') : 'relevance';
  document.getElementById('s-sort').value = sort;
  // Filters in use stay in sight, so nobody wonders why results are few.
  document.getElementById('s-filters').open = FIELDS.slice(1).some((name) => query.get(name));
  const q = query.get('q')?.trim();
  const status = document.getElementById('s-status');
  if (!q) {
    status.textContent = 'Type some words to search for.';
    return;
  }
  const params = {
    q,
    hashtag: query.get('hashtag')?.trim(),
    author: query.get('author')?.trim(),
    question: query.get('question')?.trim(),
    from: query.get('from') ? dayStart(query.get('from')) : null,
    to: query.get('to') ? dayStart(query.get('to'), true) : null,
    sort,
    limit: PAGE,
  };
  document.title = `${q}: search: tweetchat`;
  status.textContent = 'Searching…';
  const list = document.getElementById('s-list');
  pagedList({
    list,
    more: document.getElementById('s-more'),
    fetchPage: async (offset) => {
      const page = await search({ ...params, offset });
      return { items: page.results, next_offset: page.next_offset };
    },
    render: resultItem,
    onError: (text) => {
      status.textContent = '';
      document.getElementById('s-error').textContent = `The search failed: ${text}`;
    },
  }).then((items) => {
    if (!items) return;
    const n = list.children.length;
    status.textContent = n === 0 ? `Nothing found for “${q}”.` : `Results for “${q}”, ${ORDERS[sort]}.`;
  });
}

main();
