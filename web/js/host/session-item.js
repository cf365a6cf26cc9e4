// One session in the host's list: when (viewer's time and the series'), for scheduled
// ones a Move form and a Cancel button, and for upcoming ones "Edit questions".

import { el } from '../dom.js';
import { statusBadge } from '../session-card.js';
import { formatDateTime, formatInZone, localTimeZone } from '../time.js';
import { plannable } from './questions.js';

/** A Date as a datetime-local value in the viewer's time ("2026-12-03T20:00"). */
export function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function field(id, label, input) {
  return el('div', { class: 'field' }, el('label', { for: id }, label), input);
}

function moveForm(session, onMove) {
  const id = `mv-${session.id}`;
  const minutes = Math.round((Date.parse(session.ends_at) - Date.parse(session.starts_at)) / 60000);
  const start = el('input', { id: `${id}-start`, name: 'starts_at', type: 'datetime-local', required: true, value: localInputValue(new Date(session.starts_at)) });
  const duration = el('input', { id: `${id}-duration`, name: 'duration_minutes', type: 'number', min: 5, max: 1440, step: 1, required: true, value: minutes });
  const form = el('form', { novalidate: true },
    field(start.id, 'New start (your time)', start),
    field(duration.id, 'Length (minutes)', duration),
    el('button', { type: 'submit' }, 'Move session'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onMove(session, { starts_at: start.value, duration_minutes: duration.value }, start);
  });
  return el('details', { class: 'move-session' },
    el('summary', {}, 'Move', el('span', { class: 'visually-hidden' }, ` the session of ${formatDateTime(session.starts_at)}`)),
    form);
}

/** `plan`: the open question panel of this session, if any. */
export function sessionItem(session, { onMove, onCancel, onEditQuestions, plan = null }) {
  const sameZone = session.time_zone === localTimeZone();
  const scheduled = session.status === 'scheduled';
  const cancellable = scheduled || session.status === 'lobby';
  const cancel = el('button', { type: 'button', class: 'secondary' }, 'Cancel',
    el('span', { class: 'visually-hidden' }, ` the session of ${formatDateTime(session.starts_at)}`));
  cancel.addEventListener('click', () => onCancel(session, cancel));
  let edit = null;
  if (plannable(session)) {
    edit = el('button', { type: 'button', class: 'secondary', 'aria-expanded': plan ? 'true' : 'false', 'aria-controls': `qp-${session.id}` },
      'Edit questions', el('span', { class: 'visually-hidden' }, ` of the session of ${formatDateTime(session.starts_at)}`));
    edit.addEventListener('click', () => onEditQuestions(session, edit));
  }
  return el('li', { class: 'session-card', 'data-session-id': session.id },
    el('h3', {}, session.title),
    el('p', { class: 'meta' }, statusBadge(session.status), ' ',
      el('time', { datetime: session.starts_at, class: 'local-start' }, formatDateTime(session.starts_at)),
      sameZone ? null : el('span', { class: 'series-zone' }, ` (${formatInZone(session.starts_at, session.time_zone, session.local_starts_at)}, ${session.time_zone})`)),
    scheduled ? moveForm(session, onMove) : null,
    cancellable || edit ? el('p', { class: 'actions' }, edit, cancellable ? cancel : null) : null,
    edit ? plan : null);
}
