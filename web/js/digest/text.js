// The post-chat digest as words: counts, links and the plain-text version that "Copy as text"
// puts on the clipboard. No DOM, so Node can test it; digest/view.js builds the page.

import { transcriptHref } from '../session-card.js';
import { plural, safeHref } from '../text.js';
import { formatDateTime, formatInZone, formatTime, localTimeZone } from '../time.js';

/** How many top contributors the digest names (the figures keep ten). */
export const TOP_CONTRIBUTORS = 5;


/** "shared once", "shared 3 times". */
export function sharedTimes(n) {
  return n === 1 ? 'shared once' : `shared ${n} times`;
}

/**
 * The transcript on this site, at the message a permalink names: the server's permalinks are
 * absolute (its public address), the page links stay on the address the reader is using.
 */
export function transcriptPath(sessionId, permalink) {
  const base = transcriptHref(sessionId);
  const hash = /#m-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.exec(permalink ?? '');
  return hash ? `${base}${hash[0]}` : base;
}

/** The links shared that are web links (http or https), with the address to link to. */
export function sharedLinks(links) {
  return (links ?? [])
    .map((link) => ({ url: link.url, href: safeHref(link.url), count: link.count }))
    .filter((link) => link.href);
}

/** The first contributors by messages written. */
export function topContributors(figures, max = TOP_CONTRIBUTORS) {
  return (figures?.top_by_messages ?? []).slice(0, max);
}

/** The viewers at peak, or null when they were not recorded (an imported archive). */
export function viewersPeak(figures) {
  return typeof figures?.viewers_peak === 'number' ? figures.viewers_peak : null;
}

/** [name, value] pairs of the key figures, values as text. */
export function keyFigures(figures) {
  const peak = viewersPeak(figures);
  return [
    ['Participants', String(figures?.participants ?? 0)],
    ['Messages', String(figures?.messages ?? 0)],
    ['Viewers at peak', peak === null ? 'Not recorded' : String(peak)],
    ['First-time participants', String(figures?.first_time_participants?.length ?? 0)],
  ];
}

/** When the chat was, in the reader's time zone: "Thu 3 Dec, 20:00 GMT to 21:00". */
export function whenText(session) {
  return `${formatDateTime(session.starts_at)} to ${formatTime(session.ends_at)}`;
}

/** The start on the series' own clock, or null when the reader is in the same zone. */
export function seriesWhenText(session, readerZone = localTimeZone()) {
  if (!session.time_zone || session.time_zone === readerZone) return null;
  return `${formatInZone(session.starts_at, session.time_zone, session.local_starts_at)}, ${session.time_zone}`;
}

function absolute(url, origin) {
  try {
    return new URL(url, origin).href;
  } catch {
    return url;
  }
}

/**
 * The digest as plain text for an email or a newsletter. `origin` turns relative addresses
 * into full ones (the server's are already full).
 */
export function digestText(digest, { origin, readerZone } = {}) {
  const { session, figures } = digest;
  const lines = [`${session.hashtag} post-chat digest`, session.title];
  const there = seriesWhenText(session, readerZone);
  lines.push(there ? `${whenText(session)} (${there})` : whenText(session));
  lines.push(`Full transcript: ${absolute(digest.transcript_url, origin)}`);

  lines.push('', 'Key figures');
  for (const [name, value] of keyFigures(figures)) lines.push(`- ${name}: ${value.toLowerCase()}`);
  const top = topContributors(figures);
  if (top.length) {
    lines.push('', 'Top contributors');
    top.forEach((c, i) => lines.push(`${i + 1}. ${c.display_name} (${c.handle}): ${plural(c.count, 'message')}`));
  }

  lines.push('', 'Questions');
  if (!digest.questions?.length) lines.push('No questions were released.');
  for (const q of digest.questions ?? []) {
    lines.push(`Q${q.number}: ${q.text}`);
    lines.push(`  ${plural(q.answers, 'answer')}, ${plural(q.messages, 'message')} in all: ${absolute(q.permalink, origin)}`);
  }

  lines.push('', 'Links shared');
  const links = sharedLinks(digest.links);
  if (!links.length) lines.push('No links were shared.');
  for (const link of links) lines.push(`- ${link.url} (${sharedTimes(link.count)})`);

  lines.push('', 'Newcomers');
  lines.push(digest.newcomers?.length
    ? `Welcome to ${plural(digest.newcomers.length, 'first-time participant')}: ${digest.newcomers.join(', ')}`
    : 'Nobody new this time.');
  return `${lines.join('\n')}\n`;
}
