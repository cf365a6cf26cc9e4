// Messages per minute as SVG bars, with a one-line summary as its text alternative and the
// numbers in a table behind a disclosure.

import { el } from '../dom.js';
import { formatTime } from '../time.js';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 60;

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/** "140 messages over 60 minutes; busiest minute 20:05 with 12." */
export function activitySummary(start, perMinute) {
  const total = perMinute.reduce((a, b) => a + b, 0);
  if (total === 0) return 'No messages were written.';
  const peak = perMinute.indexOf(Math.max(...perMinute));
  const at = formatTime(new Date(Date.parse(start) + peak * 60000).toISOString());
  return `${total} ${total === 1 ? 'message' : 'messages'} over ${perMinute.length} ${perMinute.length === 1 ? 'minute' : 'minutes'}; busiest minute ${at} with ${perMinute[peak]}.`;
}

/** activity: {start, per_minute: [int]}; `id` names the summary the chart is described by. */
export function activityChart(activity, id) {
  const perMinute = activity.per_minute ?? [];
  const max = Math.max(1, ...perMinute);
  const chart = svg('svg', {
    class: 'activity-chart', viewBox: `0 0 ${Math.max(1, perMinute.length) * 4} ${HEIGHT}`,
    preserveAspectRatio: 'none', role: 'img', 'aria-labelledby': id, focusable: 'false',
  }, ...perMinute.map((n, i) => {
    const h = (n / max) * HEIGHT;
    return svg('rect', { x: i * 4, y: HEIGHT - h, width: 3, height: h, 'data-count': n });
  }));
  const rows = perMinute.map((n, i) =>
    el('tr', {}, el('td', {}, formatTime(new Date(Date.parse(activity.start) + i * 60000).toISOString())), el('td', {}, String(n))));
  return el('figure', { class: 'activity' },
    chart,
    el('figcaption', { id }, activitySummary(activity.start, perMinute)),
    el('details', {}, el('summary', {}, 'Messages per minute as a table'),
      el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Minute'), el('th', { scope: 'col' }, 'Messages'))),
        el('tbody', {}, rows))));
}
