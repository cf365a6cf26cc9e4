// Minimal host tools on the home page: create a series, schedule a session, start it.

import { ApiError, createSeries, scheduleSession, startSession } from './api.js';
import { el, replaceChildren } from './dom.js';
import { chatHref, statusBadge } from './session-card.js';
import { formatDateTime, localTimeZone } from './time.js';

function fillTimeZones(select) {
  const local = localTimeZone();
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  if (!zones.includes('UTC')) zones = ['UTC', ...zones];
  if (!zones.includes(local)) zones = [local, ...zones];
  replaceChildren(select, zones.map((zone) => el('option', { value: zone, selected: zone === local }, zone)));
}

function message(error) {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}

/** Marks the input a server message names (`hashtag: …`) as invalid. */
function flagField(form, error) {
  for (const input of form.querySelectorAll('input, textarea, select')) input.removeAttribute('aria-invalid');
  const field = /^(\w+):/.exec(error instanceof ApiError ? error.message : '')?.[1];
  const input = field ? form.querySelector(`[name="${field}"]`) : null;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

function defaultStart() {
  const start = new Date(Date.now() + 60 * 60 * 1000);
  start.setMinutes(0, 0, 0);
  const pad = (n) => String(n).padStart(2, '0');
  return `${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}T${pad(start.getHours())}:${pad(start.getMinutes())}`;
}

function showScheduled(session, onChange) {
  const result = document.getElementById('schedule-result');
  const status = el('span', {}, statusBadge(session.status));
  const note = el('p', { class: 'ok-note', role: 'status' });
  const error = el('p', { class: 'form-error', role: 'alert' });
  const start = el('button', { type: 'button' }, 'Start now');
  start.addEventListener('click', async () => {
    error.textContent = '';
    start.setAttribute('aria-disabled', 'true');
    try {
      const started = await startSession(session.id);
      replaceChildren(status, statusBadge(started.status));
      note.textContent = `${started.hashtag} is live.`;
      start.hidden = true;
      onChange();
    } catch (e) {
      error.textContent = `Could not start: ${message(e)}`;
      start.removeAttribute('aria-disabled');
    }
  });
  replaceChildren(
    result,
    el('h3', {}, `${session.hashtag}: ${session.title}`),
    el('p', {}, status, ' ', el('time', { datetime: session.starts_at }, formatDateTime(session.starts_at))),
    error,
    note,
    el('div', { class: 'actions' }, start, el('a', { class: 'button secondary', href: chatHref(session.id) }, 'Open the chat page')),
  );
  result.hidden = false;
  result.focus();
}

export function initHostTools({ onChange }) {
  document.getElementById('host-tools').hidden = false;
  fillTimeZones(document.getElementById('series-tz'));
  document.getElementById('schedule-start').value = defaultStart();

  const seriesForm = document.getElementById('series-form');
  const seriesError = document.getElementById('series-error');
  const seriesDone = document.getElementById('series-done');
  seriesForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    seriesError.textContent = '';
    seriesDone.textContent = '';
    const data = new FormData(seriesForm);
    try {
      const series = await createSeries({
        hashtag: String(data.get('hashtag') ?? '').trim(),
        title: String(data.get('title') ?? '').trim(),
        description: String(data.get('description') ?? ''),
        time_zone: String(data.get('time_zone') ?? 'UTC'),
      });
      flagField(seriesForm, null);
      seriesDone.textContent = `Series ${series.hashtag} created. Now schedule its first session.`;
      document.getElementById('schedule-hashtag').value = series.hashtag;
      document.getElementById('schedule-details').open = true;
    } catch (e) {
      seriesError.textContent = message(e);
      flagField(seriesForm, e);
    }
  });

  const scheduleForm = document.getElementById('schedule-form');
  const scheduleError = document.getElementById('schedule-error');
  scheduleForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    scheduleError.textContent = '';
    const data = new FormData(scheduleForm);
    const hashtag = String(data.get('hashtag') ?? '').trim();
    const local = String(data.get('starts_at') ?? '');
    const startsAt = new Date(local);
    if (!hashtag) {
      scheduleError.textContent = 'hashtag: enter the series hashtag.';
      flagField(scheduleForm, new ApiError(422, 'invalid', scheduleError.textContent));
      return;
    }
    if (!local || Number.isNaN(startsAt.getTime())) {
      scheduleError.textContent = 'starts_at: enter a date and time.';
      flagField(scheduleForm, new ApiError(422, 'invalid', scheduleError.textContent));
      return;
    }
    const body = { starts_at: startsAt.toISOString() };
    const minutes = Number(data.get('duration_minutes'));
    if (minutes) body.duration_minutes = minutes;
    const title = String(data.get('title') ?? '').trim();
    if (title) body.title = title;
    try {
      const session = await scheduleSession(hashtag, body);
      flagField(scheduleForm, null);
      showScheduled(session, onChange);
      onChange();
    } catch (e) {
      scheduleError.textContent = message(e);
      flagField(scheduleForm, e);
    }
  });
}
