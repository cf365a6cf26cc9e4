// The archives page: every archived chat, or one series' (?tag=WeNurses), newest first.

import { listArchives } from './api.js';
import { archiveCard } from './archive-card.js';
import { initAccountNav } from './nav.js';
import { pagedList } from './paged-list.js';
import { seriesHref } from './session-card.js';
import { el, replaceChildren } from './dom.js';

const PAGE = 20;

function main() {
  initAccountNav();
  const tag = new URLSearchParams(location.search).get('tag')?.replace(/^#/, '') || null;
  if (tag) {
    document.getElementById('a-heading').textContent = `#${tag} archives`;
    document.title = `#${tag} archives: tweetchat`;
    replaceChildren(document.getElementById('a-intro'), 'Every ended chat of this series. ',
      el('a', { href: seriesHref(tag) }, `About #${tag}`), '.');
  }
  pagedList({
    list: document.getElementById('a-list'),
    more: document.getElementById('a-more'),
    loading: document.getElementById('a-loading'),
    empty: document.getElementById('a-empty'),
    fetchPage: async (offset) => {
      const page = await listArchives({ hashtag: tag, offset, limit: PAGE });
      return { items: page.archives, next_offset: page.next_offset };
    },
    render: archiveCard,
    onError: (text) => { document.getElementById('a-error').textContent = `The archives could not be loaded: ${text}`; },
  });
}

main();
