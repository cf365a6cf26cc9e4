// The moderation and account-settings parts of the HTTP API (docs/moderation.md).

import { api } from './api.js';

const s = (id) => `/sessions/${encodeURIComponent(id)}`;
const series = (hashtag) => `/series/${encodeURIComponent(hashtag.replace(/^#/, ''))}`;
const withReason = (reason) => (reason ? { reason } : {});

/** action: hide, unhide, pin or unpin. */
export const moderateMessage = (sessionId, messageId, action, reason = '') =>
  api(`${s(sessionId)}/messages/${encodeURIComponent(messageId)}/${action}`, { method: 'POST', body: withReason(reason) });
export const reportMessage = (sessionId, messageId, reason = '') =>
  api(`${s(sessionId)}/messages/${encodeURIComponent(messageId)}/report`, { method: 'POST', body: withReason(reason) });

export const heldPosts = (sessionId) => api(`${s(sessionId)}/held?status=pending`);
/** decision: approve or reject. */
export const decideHeld = (sessionId, heldId, decision, reason = '') =>
  api(`${s(sessionId)}/held/${encodeURIComponent(heldId)}/${decision}`, { method: 'POST', body: withReason(reason) });

export const openReports = (sessionId) => api(`${s(sessionId)}/reports`);
export const resolveReport = (sessionId, reportId) =>
  api(`${s(sessionId)}/reports/${encodeURIComponent(reportId)}/resolve`, { method: 'POST' });

export const backchannel = (sessionId) => api(`${s(sessionId)}/backchannel`);
export const postBackchannel = (sessionId, text) => api(`${s(sessionId)}/backchannel`, { method: 'POST', body: { text } });

export const releaseQuestion = (sessionId) => api(`${s(sessionId)}/questions/release`, { method: 'POST' });

/** kind: mute (with minutes) or ban. */
export const restrict = (hashtag, handle, kind, { minutes, reason = '' } = {}) =>
  api(`${series(hashtag)}/restrictions`, {
    method: 'POST',
    body: { handle, kind, ...(kind === 'mute' ? { minutes } : {}), ...withReason(reason) },
  });

export const getRules = (hashtag) => api(`${series(hashtag)}/rules`);
export const setRules = (hashtag, rules) => api(`${series(hashtag)}/rules`, { method: 'PUT', body: rules });

/** changes: {display_name?, bio?}. */
export const updateProfile = (changes) => api('/me', { method: 'PATCH', body: changes });
export const listTokens = () => api('/me/tokens');
export const createToken = (token) => api('/me/tokens', { method: 'POST', body: token });
export const revokeToken = (id) => api(`/me/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
export const changePassword = (currentPassword, newPassword) =>
  api('/me/password', { method: 'POST', body: { current_password: currentPassword, new_password: newPassword } });
export const deactivateAccount = (password) => api('/me/deactivate', { method: 'POST', body: { password } });

export const listRestrictions = (hashtag) => api(`${series(hashtag)}/restrictions`);
export const liftRestriction = (hashtag, handle, kind) =>
  api(`${series(hashtag)}/restrictions/${encodeURIComponent(handle.replace(/^@/, ''))}/${kind}`, { method: 'DELETE' });

export const questionPlan = (sessionId) => api(`${s(sessionId)}/questions`);
/** questions: [{text, offset_minutes?}], replacing every planned question. */
export const replacePlan = (sessionId, questions) => api(`${s(sessionId)}/questions`, { method: 'PUT', body: { questions } });
export const skipQuestion = (sessionId) => api(`${s(sessionId)}/questions/skip`, { method: 'POST' });
export const moderationLog = (hashtag) => api(`${series(hashtag)}/moderation-log`);

// Audience questions (docs/api.md#audience-questions).
const p = (sessionId, pid) => `${s(sessionId)}/proposals/${encodeURIComponent(pid)}`;
export const audienceSetting = (hashtag) => api(`${series(hashtag)}/audience-questions`);
export const listProposals = (sessionId) => api(`${s(sessionId)}/proposals?sort=votes`);
export const propose = (sessionId, text, anonymous) =>
  api(`${s(sessionId)}/proposals`, { method: 'POST', body: { text, anonymous } });
/** action: approve or reject (with a reason the author sees). */
export const decideProposal = (sessionId, pid, action, reason = '') =>
  api(`${p(sessionId, pid)}/${action}`, { method: 'POST', body: withReason(reason) });
export const editProposal = (sessionId, pid, text) => api(p(sessionId, pid), { method: 'PATCH', body: { text } });
export const mergeProposal = (sessionId, pid, into) => api(`${p(sessionId, pid)}/merge`, { method: 'POST', body: { into } });
export const voteProposal = (sessionId, pid, on) => api(`${p(sessionId, pid)}/vote`, { method: on ? 'POST' : 'DELETE' });
export const markAnswered = (sessionId, pid, on) => api(`${p(sessionId, pid)}/answered`, { method: on ? 'POST' : 'DELETE' });
/** place: {} for the next question, or {position} among those still planned, or {offset_minutes}. */
export const promoteProposal = (sessionId, pid, place = {}) => api(`${p(sessionId, pid)}/promote`, { method: 'POST', body: place });
