// The host page's HTTP calls (docs/api.md "Planning", docs/moderation.md "The team").

import { api } from '../api.js';

const series = (hashtag) => `/series/${encodeURIComponent(hashtag.replace(/^#/, ''))}`;
const session = (id) => `/sessions/${encodeURIComponent(id)}`;

export const patchSeries = (hashtag, changes) => api(series(hashtag), { method: 'PATCH', body: changes });

/** The series' rule, or null when it has none (404). */
export const getRecurrence = (hashtag) => api(`${series(hashtag)}/recurrence`).catch((e) => {
  if (e.status === 404) return null;
  throw e;
});
export const putRecurrence = (hashtag, rule, firstStartLocal) =>
  api(`${series(hashtag)}/recurrence`, { method: 'PUT', body: { rule, first_start_local: firstStartLocal } });
export const deleteRecurrence = (hashtag) => api(`${series(hashtag)}/recurrence`, { method: 'DELETE' });

export const getNotices = (hashtag) => api(`${series(hashtag)}/notices`);
export const putNotices = (hashtag, notices) => api(`${series(hashtag)}/notices`, { method: 'PUT', body: notices });

export const moveSession = (id, changes) => api(session(id), { method: 'PATCH', body: changes });
export const cancelSession = (id) => api(`${session(id)}/cancel`, { method: 'POST' });

const member = (hashtag, handle) => `${series(hashtag)}/members/${encodeURIComponent(handle.trim().replace(/^@/, ''))}`;
export const putMember = (hashtag, handle, role) => api(member(hashtag, handle), { method: 'PUT', body: { role } });
export const deleteMember = (hashtag, handle) => api(member(hashtag, handle), { method: 'DELETE' });
