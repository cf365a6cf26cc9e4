// Notices posted during a chat: the format reminder and the "minutes left" notice.

import { ApiError } from '../api.js';
import { getNotices, putNotices } from './api.js';
import { handleSubmit } from './form.js';

function minutesList(text) {
  const parts = String(text).split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.every((p) => /^\d+$/.test(p))) {
    throw new ApiError(422, 'invalid', 'reminder_minutes: write whole numbers of minutes separated by commas, e.g. 0, 30');
  }
  return parts.map(Number);
}

export async function initNotices(hashtag) {
  const form = document.getElementById('h-notices');
  const notices = await getNotices(hashtag);
  form.elements.reminder_text.value = notices.reminder_text;
  form.elements.reminder_minutes.value = notices.reminder_minutes.join(', ');
  form.elements.final_notice_minutes.value = String(notices.final_notice_minutes);
  handleSubmit(form, async (data) => {
    const saved = await putNotices(hashtag, {
      reminder_text: String(data.get('reminder_text')),
      reminder_minutes: minutesList(data.get('reminder_minutes')),
      final_notice_minutes: Number(data.get('final_notice_minutes')),
    });
    form.elements.reminder_minutes.value = saved.reminder_minutes.join(', ');
    return 'Notices saved.';
  });
}
