// One session in the home page's lists.

import { el } from './dom.js';
import { formatDateTime, formatTime } from './time.js';

export const STATUS_LABELS = {
  scheduled: 'Scheduled',
  lobby: 'Lobby open',
  live: 'Live',
  closed: 'Ended',
  archived: 'Archived',
  cancelled: 'Cancelled',
};

export function statusBadge(status) {
  return el('span', { class: `badge ${status}` }, STATUS_LABELS[status] ?? status);
}

export function chatHref(id) {
  return `/chat.html?session=${encodeURIComponent(id)}`;
}

export function transcriptHref(id) {
  return `/transcript.html?session=${encodeURIComponent(id)}`;
}

/** The post-chat digest page of a session. */
export function digestHref(id) {
  return `/digest.html?session=${encodeURIComponent(id)}`;
}

/** The series page of a hashtag ("#WeNurses" → /series.html?tag=WeNurses). */
export function seriesHref(hashtag) {
  return `/series.html?tag=${encodeURIComponent(hashtag.replace(/^#/, ''))}`;
}

export function sessionCard(session) {
  const live = session.status === 'live';
  const action = live ? `Join ${session.hashtag} live chat` : `Open ${session.hashtag} chat page`;
  return el(
    'li',
    { class: `session-card${live ? ' is-live' : ''}`, 'data-session-id': session.id },
    el('h3', {}, session.hashtag),
    el('p', {}, session.title),
    el(
      'p',
      { class: 'meta' },
      statusBadge(session.status),
      ' ',
      el('time', { datetime: session.starts_at }, formatDateTime(session.starts_at)),
      ' to ',
      el('time', { datetime: session.ends_at }, formatTime(session.ends_at)),
    ),
    el('p', { class: 'actions' },
      el('a', { class: live ? 'button' : 'button secondary', href: chatHref(session.id) }, action),
      el('a', { href: seriesHref(session.hashtag) }, `About ${session.hashtag}`)),
  );
}
