// One archived session in an archive list (home, archives page, series page): what it was,
// when, its headline figures, and links to its transcript and its series.

import { el } from './dom.js';
import { seriesHref, transcriptHref } from './session-card.js';
import { plural } from './text.js';
import { formatDateTime } from './time.js';

export function archiveCard({ session, figures }) {
  const facts = [
    plural(figures?.participants ?? 0, 'participant', 'participants'),
    plural(figures?.messages ?? 0, 'message', 'messages'),
    plural(figures?.questions?.length ?? 0, 'question', 'questions'),
  ].join(' · ');
  return el(
    'li',
    { class: 'session-card archive-card', 'data-session-id': session.id },
    el('h3', {}, el('a', { href: transcriptHref(session.id) }, session.title,
      el('span', { class: 'visually-hidden' }, `, ${session.hashtag} transcript`))),
    el('p', { class: 'meta' },
      el('a', { href: seriesHref(session.hashtag) }, session.hashtag), ' · ',
      el('time', { datetime: session.starts_at }, formatDateTime(session.starts_at))),
    el('p', { class: 'archive-facts' }, facts),
  );
}
