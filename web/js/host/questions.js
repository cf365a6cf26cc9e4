// "Edit questions" on the host page: a session's question plan, opened under the session in
// the list. The editing itself is the shared plan editor (js/plan-editor.js); this module only
// builds its panel, and moves focus in on opening and back to the opening button on closing.

import { el } from '../dom.js';
import { PlanEditor } from '../plan-editor.js';
import { formatDateTime } from '../time.js';

/** Sessions whose plan can still change and matter: not over, not cancelled. */
export const plannable = (session) => ['scheduled', 'lobby', 'live'].includes(session.status);

/** The panel for one session; `onClose()` after Close or Escape (confirmed if unsaved). */
export function questionPanel(session, { onClose }) {
  const id = `qp-${session.id}`;
  const button = (label, cls = 'secondary') => el('button', { type: 'button', class: cls }, label);
  const heading = el('h4', { id: `${id}-heading`, tabindex: '-1' }, `Questions for ${formatDateTime(session.starts_at)}`);
  const list = el('ol', { class: 'console-list', 'aria-labelledby': `${id}-heading` });
  const empty = el('p', { class: 'hint' }, 'No questions are planned.');
  const done = el('ol', { class: 'plan-done-list', 'aria-labelledby': `${id}-done` });
  const doneBox = el('div', { hidden: true },
    el('p', { id: `${id}-done`, class: 'hint' }, 'Already out (they no longer change):'), done);
  const status = el('p', { class: 'tool-status', role: 'status' });
  const add = button('Add a question');
  const save = button('Save the plan', '');
  const close = button('Close the questions');
  const panel = el('section', { id, class: 'plan-panel', 'aria-labelledby': `${id}-heading` },
    heading,
    el('p', { class: 'hint' }, 'Each question goes out at its minute after the start; leave the minute empty to release it by hand during the chat.'),
    doneBox, empty, list,
    el('div', { class: 'actions' }, add, save, close),
    status);
  const editor = new PlanEditor({
    sessionId: session.id, list, empty, status, addButton: add, saveButton: save, done, doneBox, idPrefix: id,
  });
  const leave = () => {
    if (editor.dirty && !window.confirm('Close the questions without saving your changes?')) return;
    onClose();
  };
  close.addEventListener('click', leave);
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      leave();
    }
  });
  return { panel, editor, heading };
}
