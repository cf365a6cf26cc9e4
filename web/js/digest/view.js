// The digest page's sections, built as nodes: user text (questions, names, links) is only
// ever text, and links shared are http(s) only, marked as user content.

import { el } from '../dom.js';
import { plural } from '../text.js';
import { keyFigures, sharedLinks, sharedTimes, topContributors, transcriptPath } from './text.js';

/** The key figures and the top contributors. */
export function figuresPart(figures) {
  const top = topContributors(figures);
  return [
    el('dl', { class: 'figures' }, keyFigures(figures).map(([name, value]) =>
      el('div', {}, el('dt', {}, name), el('dd', {}, value)))),
    el('h3', { id: 'd-top-heading' }, 'Top contributors'),
    top.length
      ? el('ol', { class: 'contributors', 'aria-labelledby': 'd-top-heading' }, top.map((c) =>
        el('li', {}, el('span', { class: 'msg-author' }, c.display_name), ' ', el('span', { class: 'msg-handle' }, c.handle),
          `: ${plural(c.count, 'message')}`)))
      : el('p', { class: 'hint' }, 'Nobody wrote anything.'),
  ];
}

/** Each question with its answer count, linked to it in the transcript. */
export function questionsPart(sessionId, questions) {
  if (!questions?.length) return el('p', { class: 'hint' }, 'No questions were released.');
  return el('ol', { class: 'digest-questions' }, questions.map((q) =>
    el('li', { class: 'digest-question', 'data-question': q.number },
      el('a', { href: transcriptPath(sessionId, q.permalink) }, `Q${q.number}: `, q.text),
      el('span', { class: 'digest-counts' },
        el('strong', { class: 'digest-answers' }, plural(q.answers, 'answer')),
        ', ', plural(q.messages, 'message'), ' in all'))));
}

/** The links shared, most shared first. */
export function linksPart(links) {
  const safe = sharedLinks(links);
  if (!safe.length) return el('p', { class: 'hint' }, 'No links were shared.');
  return el('ul', { class: 'link-list digest-links' }, safe.map((link) =>
    el('li', {}, el('a', { href: link.href, rel: 'noopener nofollow ugc' }, link.url), ` (${sharedTimes(link.count)})`)));
}

/** First-time participants by handle. */
export function newcomersPart(newcomers) {
  if (!newcomers?.length) return el('p', { class: 'hint' }, 'Nobody new this time: everyone had taken part before.');
  return [
    el('p', {}, `${plural(newcomers.length, 'person', 'people')} took part for the first time.`),
    el('ul', { class: 'newcomer-list' }, newcomers.map((handle) => el('li', {}, handle))),
  ];
}
