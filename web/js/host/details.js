// Series details: title, description, time zone, default length, viewers.

import { el, replaceChildren } from '../dom.js';
import { patchSeries } from './api.js';
import { handleSubmit } from './form.js';

function fillZones(select, current) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  for (const extra of ['UTC', current]) if (!zones.includes(extra)) zones = [extra, ...zones];
  replaceChildren(select, zones.map((zone) => el('option', { value: zone, selected: zone === current }, zone)));
}

/** onSaved(series) after a save, so other parts can follow the new time zone. */
export function initDetails(series, onSaved) {
  const form = document.getElementById('h-details');
  form.elements.title.value = series.title;
  form.elements.description.value = series.description;
  fillZones(form.elements.time_zone, series.time_zone);
  form.elements.default_duration_minutes.value = String(series.default_duration_minutes);
  form.elements.allow_viewers.checked = series.allow_viewers;
  handleSubmit(form, async (data) => {
    const saved = await patchSeries(series.hashtag, {
      title: String(data.get('title')).trim(),
      description: String(data.get('description')),
      time_zone: String(data.get('time_zone')),
      default_duration_minutes: Number(data.get('default_duration_minutes')),
      allow_viewers: form.elements.allow_viewers.checked,
    });
    onSaved(saved);
    return 'Details saved.';
  });
}
