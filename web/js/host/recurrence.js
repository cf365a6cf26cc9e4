// The series' recurrence: the rule in words, a form that builds it, and stopping it.

import { el, replaceChildren } from '../dom.js';
import { deleteRecurrence, getRecurrence, putRecurrence } from './api.js';
import { errorText, handleSubmit } from './form.js';
import { buildRule, describeRule, firstStartLocal, parseRule, WEEKDAYS } from './rrule.js';

function show(current) {
  document.getElementById('h-rec-current').textContent = current
    ? describeRule(current)
    : 'This series does not repeat: sessions are scheduled one by one.';
  document.getElementById('h-rec-stop').hidden = !current;
}

function fillForm(form, current) {
  replaceChildren(form.elements.day, WEEKDAYS.map(([code, name]) => el('option', { value: code }, name)));
  const fields = current ? parseRule(current.rule) : null;
  if (fields) {
    form.elements.freq.value = fields.freq;
    form.elements.day.value = fields.day;
    form.elements.nth.value = fields.nth;
  }
  if (current) {
    const [date, time] = current.first_start_local.split('T');
    form.elements.first.value = date;
    form.elements.time.value = time.slice(0, 5);
  }
  const nthField = document.getElementById('h-rec-nth-field');
  const sync = () => { nthField.hidden = form.elements.freq.value !== 'monthly'; };
  form.elements.freq.addEventListener('change', sync);
  sync();
}

/** onChange() after the rule is saved (new sessions exist). */
export async function initRecurrence(hashtag, onChange) {
  const form = document.getElementById('h-rec');
  const current = await getRecurrence(hashtag);
  fillForm(form, current);
  show(current);
  handleSubmit(form, async (data) => {
    const saved = await putRecurrence(
      hashtag,
      buildRule({ freq: data.get('freq'), day: data.get('day'), nth: data.get('nth') }),
      firstStartLocal(String(data.get('first')), String(data.get('time'))),
    );
    show(saved);
    onChange();
    return `Recurrence saved: ${saved.upcoming.length} upcoming sessions are scheduled.`;
  }, { fields: { rule: 'freq', recurrence: 'freq', first_start_local: 'first' } });

  const stop = document.getElementById('h-rec-stop');
  stop.addEventListener('click', async () => {
    const error = form.querySelector('[data-error]');
    const done = form.querySelector('[data-done]');
    error.textContent = '';
    done.textContent = '';
    if (!window.confirm('Stop creating new sessions? Sessions already scheduled stay.')) return;
    try {
      await deleteRecurrence(hashtag);
      show(null);
      done.textContent = 'The series no longer repeats. Sessions already scheduled stay; cancel them one by one.';
      form.elements.freq.focus();
    } catch (e) {
      error.textContent = errorText(e);
    }
  });
}
