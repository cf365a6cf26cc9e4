// The series' sessions: listed with move, cancel and their question plans, and a one-off
// session scheduled. An open question panel survives the list being drawn again.

import { ApiError, scheduleSession, seriesSessions } from '../api.js';
import { replaceChildren } from '../dom.js';
import { formatDateTime } from '../time.js';
import { cancelSession, moveSession } from './api.js';
import { errorText, handleSubmit } from './form.js';
import { plannable, questionPanel } from './questions.js';
import { sessionItem } from './session-item.js';

const $ = (id) => document.getElementById(id);

/** "starts_at: the session would overlap …" said plainly. */
function explain(e) {
  if (e instanceof ApiError && e.status === 409 && /overlap/.test(e.message)) {
    return 'That time overlaps another session of this series. Choose a time when no other session is running.';
  }
  return errorText(e);
}

function instant(local) {
  const date = new Date(local);
  if (!local || Number.isNaN(date.getTime())) throw new ApiError(422, 'invalid', 'starts_at: enter a date and time.');
  return date.toISOString();
}

export function initSessions(hashtag) {
  const error = $('h-sessions-error');
  const done = $('h-sessions-done');
  const say = (ok, bad) => { done.textContent = ok; error.textContent = bad; };

  /** Session id → its open question panel. */
  const plans = new Map();

  function onEditQuestions(session, button) {
    const open = plans.get(session.id);
    if (open) {
      open.close();
      return;
    }
    const opened = questionPanel(session, { onClose: () => opened.close() });
    opened.close = () => {
      plans.delete(session.id);
      opened.panel.remove();
      const current = $('h-sessions').querySelector(`li[data-session-id="${session.id}"] button[aria-controls="qp-${session.id}"]`) ?? button;
      current.setAttribute('aria-expanded', 'false');
      current.focus();
    };
    plans.set(session.id, opened);
    button.setAttribute('aria-expanded', 'true');
    button.closest('li').append(opened.panel);
    opened.editor.load();
    opened.heading.focus();
  }

  async function refresh() {
    const sessions = await seriesSessions(hashtag);
    for (const [id, open] of plans) {
      if (!sessions.some((s) => s.id === id && plannable(s))) {
        plans.delete(id);
        open.panel.remove();
      }
    }
    replaceChildren($('h-sessions'), sessions.map((s) => sessionItem(s, { onMove, onCancel, onEditQuestions, plan: plans.get(s.id)?.panel })));
    $('h-sessions-empty').hidden = sessions.length > 0;
  }

  async function onMove(session, { starts_at: local, duration_minutes: minutes }, input) {
    say('', '');
    try {
      const moved = await moveSession(session.id, { starts_at: instant(local), duration_minutes: Number(minutes) });
      await refresh();
      say(`Moved to ${formatDateTime(moved.starts_at)}.`, '');
      $('h-sessions-heading').focus();
    } catch (e) {
      say('', explain(e));
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }

  async function onCancel(session, button) {
    say('', '');
    if (!window.confirm(`Cancel the session of ${formatDateTime(session.starts_at)}? People following the calendar will see it cancelled.`)) return;
    try {
      await cancelSession(session.id);
      await refresh();
      say(`The session of ${formatDateTime(session.starts_at)} is cancelled.`, '');
      $('h-sessions-heading').focus();
    } catch (e) {
      say('', explain(e));
      button.focus();
    }
  }

  const form = $('h-oneoff');
  handleSubmit(form, async (data) => {
    const body = { starts_at: instant(String(data.get('starts_at'))) };
    const minutes = Number(data.get('duration_minutes'));
    if (minutes) body.duration_minutes = minutes;
    const title = String(data.get('title')).trim();
    if (title) body.title = title;
    const session = await scheduleSession(hashtag, body);
    await refresh();
    return `Scheduled for ${formatDateTime(session.starts_at)}.`;
  }, { explain });

  /** Reloads the list; a failure is shown above it, never thrown (callers do not wait). */
  return () => refresh().catch((e) => say('', `The sessions could not be loaded: ${errorText(e)}`));
}
