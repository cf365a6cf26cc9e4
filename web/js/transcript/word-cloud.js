// The word cloud of an archive's top terms: a plain list, each term sized by its count (six
// size steps as classes, since the CSP allows no style attributes). Screen readers hear the
// same list with each count in words.

import { el } from '../dom.js';

const STEPS = 6;

/** The size step (1–6) of `count` against the largest count; square root so rare words stay legible. */
export function sizeStep(count, max) {
  if (max <= 0) return 1;
  return Math.max(1, Math.min(STEPS, Math.ceil(Math.sqrt(count / max) * STEPS)));
}

/** terms: [{term, count}] as the server ranks them. */
export function wordCloud(terms, labelledBy) {
  const max = Math.max(0, ...terms.map((t) => t.count));
  return el('ul', { class: 'word-cloud', 'aria-labelledby': labelledBy },
    terms.map(({ term, count }) =>
      el('li', { class: `wc-${sizeStep(count, max)}`, 'data-count': count },
        el('span', { class: 'wc-term' }, term),
        el('span', { class: 'visually-hidden' }, `, ${count} ${count === 1 ? 'time' : 'times'}`))));
}
