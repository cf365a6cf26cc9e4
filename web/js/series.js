// A series' page (?tag=WeNurses): what it is, who runs it, its coming sessions in the viewer's time with
// the series' own clock beside it, calendar subscription, and its past chats' archives.

import { ApiError, calendarPath, currentUser, getSeries, listArchives, seriesMembers, seriesSessions } from './api.js';
import { archiveCard } from './archive-card.js';
import { el, replaceChildren, setMessage } from './dom.js';
import { initAccountNav } from './nav.js';
import { pagedList } from './paged-list.js';
import { chatHref, statusBadge } from './session-card.js';
import { formatDateTime, formatInZone, localTimeZone } from './time.js';

const COMING = ['scheduled', 'lobby', 'live', 'cancelled'];

function upcomingItem(session) {
  const sameZone = session.time_zone === localTimeZone();
  const live = session.status === 'live';
  return el('li', { class: `session-card${live ? ' is-live' : ''}`, 'data-session-id': session.id },
    el('h3', {}, session.title),
    el('p', { class: 'meta' }, statusBadge(session.status), ' ',
      el('time', { datetime: session.starts_at, class: 'local-start' }, formatDateTime(session.starts_at)),
      sameZone ? null : el('span', { class: 'series-zone' }, ` (${formatInZone(session.starts_at, session.time_zone, session.local_starts_at)}, ${session.time_zone})`)),
    session.status === 'cancelled' ? null
      : el('a', { class: live ? 'button' : 'button secondary', href: chatHref(session.id) },
        live ? `Join ${session.hashtag} live chat` : `Open the chat page`,
        live ? null : el('span', { class: 'visually-hidden' }, ` for ${session.title}`)));
}

function calendarLinks(hashtag) {
  const path = calendarPath(hashtag);
  document.getElementById('sr-ics').href = path;
  document.getElementById('sr-webcal').href = `webcal://${location.host}${path}`;
}

/** "Hosted by …": the owner and hosts; moderators are named after them. Optional: the page
 * is whole without it. */
async function team(tag) {
  const node = document.getElementById('sr-team');
  try {
    const members = await seriesMembers(tag);
    const names = (roles) => members.filter((m) => roles.includes(m.role)).map((m) => `${m.display_name} (${m.handle})`);
    const hosts = names(['owner', 'host']);
    const moderators = names(['moderator']);
    node.textContent = `Hosted by ${hosts.join(', ')}${moderators.length ? `; moderated by ${moderators.join(', ')}` : ''}.`;
    node.hidden = hosts.length === 0;
    manageLink(tag, members);
  } catch {
    node.hidden = true;
  }
}

/** "Manage this series" for its owner, hosts and site administrators; left hidden if who is
 * signed in is unknown. */
async function manageLink(tag, members) {
  let user;
  try {
    user = await currentUser();
  } catch {
    return;
  }
  const mine = user && members.find((m) => m.handle.toLowerCase() === user.handle.toLowerCase());
  if (!user?.is_admin && (!mine || !['owner', 'host'].includes(mine.role))) return;
  document.getElementById('sr-manage-link').href = `/host.html?tag=${encodeURIComponent(tag)}`;
  document.getElementById('sr-manage').hidden = false;
}

async function upcoming(tag) {
  const now = Date.now();
  try {
    const sessions = (await seriesSessions(tag)).filter((s) => COMING.includes(s.status) && Date.parse(s.ends_at) > now);
    replaceChildren(document.getElementById('sr-upcoming'), sessions.map(upcomingItem));
    document.getElementById('sr-upcoming-empty').hidden = sessions.length > 0;
  } catch (e) {
    document.getElementById('fatal').textContent = `The sessions could not be loaded: ${e instanceof ApiError ? e.message : 'unknown error'}`;
  } finally {
    document.getElementById('sr-upcoming-loading').hidden = true;
  }
}

async function main() {
  initAccountNav();
  const tag = new URLSearchParams(location.search).get('tag')?.replace(/^#/, '');
  const fatal = document.getElementById('fatal');
  if (!tag) {
    fatal.textContent = 'No series was chosen. Pick a chat on the home page.';
    return;
  }
  let series;
  try {
    series = await getSeries(tag);
  } catch (e) {
    fatal.textContent = e instanceof ApiError && e.status === 404
      ? 'This series does not exist. Check the link.'
      : `The series could not be loaded: ${e instanceof ApiError ? e.message : 'unknown error'}`;
    return;
  }
  document.getElementById('sr-hashtag').textContent = series.hashtag;
  document.getElementById('sr-title').textContent = series.title;
  setMessage(document.getElementById('sr-description'), series.description);
  document.getElementById('sr-zone').textContent =
    `Times are shown in your time zone (${localTimeZone()}); the series keeps the time of ${series.time_zone}.`;
  document.title = `${series.hashtag}: tweetchat`;
  calendarLinks(series.hashtag);
  team(tag);
  upcoming(tag);
  pagedList({
    list: document.getElementById('sr-past'),
    more: document.getElementById('sr-past-more'),
    loading: document.getElementById('sr-past-loading'),
    empty: document.getElementById('sr-past-empty'),
    fetchPage: async (offset) => {
      const page = await listArchives({ hashtag: tag, offset, limit: 10 });
      return { items: page.archives, next_offset: page.next_offset };
    },
    render: archiveCard,
    onError: (text) => { fatal.textContent = `The past chats could not be loaded: ${text}`; },
  });
}

main();
