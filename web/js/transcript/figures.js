// An archive's figures: the numbers, each question's answers, top contributors, the word
// cloud, the activity chart, the links shared, the export downloads and the post-chat digest.

import { exportPath } from '../api.js';
import { el } from '../dom.js';
import { digestHref } from '../session-card.js';
import { safeHref } from '../text.js';
import { activityChart } from './activity-chart.js';
import { wordCloud } from './word-cloud.js';

const EXPORTS = [
  ['json', 'JSON (complete, can be imported)'],
  ['csv', 'CSV (one row per message)'],
  ['md', 'Markdown (grouped by question)'],
  ['html', 'HTML page (standalone)'],
];

function numbers(figures) {
  const pairs = [
    ['Participants', figures.participants],
    ['Messages', figures.messages],
    ['Replies', figures.replies],
    ['Likes', figures.likes],
    ['First-time participants', figures.first_time_participants?.length ?? 0],
  ];
  return el('dl', { class: 'figures' }, pairs.map(([name, value]) =>
    el('div', {}, el('dt', {}, name), el('dd', {}, String(value)))));
}

function questions(figures) {
  if (!figures.questions?.length) return el('p', { class: 'hint' }, 'No questions were released.');
  return el('table', { class: 'figure-table' },
    el('caption', { class: 'visually-hidden' }, 'Answers and messages per question'),
    el('thead', {}, el('tr', {}, ['Question', 'Answers', 'Messages'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, figures.questions.map((q) =>
      el('tr', {}, el('th', { scope: 'row' }, `Q${q.number}: `, q.text), el('td', {}, String(q.answers)), el('td', {}, String(q.messages))))));
}

function contributors(list, unit) {
  if (!list?.length) return el('p', { class: 'hint' }, 'Nobody yet.');
  return el('ol', { class: 'contributors' }, list.map((c) =>
    el('li', {}, el('span', { class: 'msg-author' }, c.display_name), ' ', el('span', { class: 'msg-handle' }, c.handle), `: ${c.count} ${unit}`)));
}

function links(list) {
  const safe = (list ?? []).filter((l) => safeHref(l.url));
  if (!safe.length) return el('p', { class: 'hint' }, 'No links were shared.');
  return el('ul', { class: 'link-list' }, safe.map((l) =>
    el('li', {}, el('a', { href: safeHref(l.url), rel: 'noopener nofollow ugc' }, l.url), ` (${l.count})`)));
}

function part(id, title, ...content) {
  return el('section', { class: 'figure-part', 'aria-labelledby': id }, el('h3', { id }, title), content);
}

/** The figures section's content for `session` (archived) with `figures`. */
export function figuresView(session, figures) {
  return [
    numbers(figures),
    part('f-questions', 'Questions', questions(figures)),
    part('f-top', 'Top contributors',
      el('div', { class: 'two-col' },
        el('div', {}, el('h4', {}, 'By messages'), contributors(figures.top_by_messages, 'messages')),
        el('div', {}, el('h4', {}, 'By likes received'), contributors(figures.top_by_likes, 'likes')))),
    part('f-cloud', 'Most used words', figures.top_terms?.length
      ? wordCloud(figures.top_terms, 'f-cloud') : el('p', { class: 'hint' }, 'Too few words for a word cloud.')),
    part('f-activity', 'Activity', activityChart(figures.activity ?? { start: session.starts_at, per_minute: [] }, 'f-activity-summary')),
    part('f-links', 'Links shared', links(figures.links)),
    part('f-exports', 'Download the transcript',
      el('ul', { class: 'export-list' }, EXPORTS.map(([format, label]) =>
        el('li', {}, el('a', { href: exportPath(session.id, format), download: '' }, label))))),
    part('f-digest', 'Share a summary',
      el('p', {}, el('a', { href: digestHref(session.id) }, 'Post-chat digest'),
        ': the figures, each question with its answer count, the links shared and the newcomers, ready to copy into an email or a newsletter.')),
  ];
}
