// Talking to the server directly (as a host's script would), with a bearer token.

import { baseUrl } from './browser.mjs';

let counter = 0;

/** A unique, valid handle or hashtag body for this run. */
export function unique(prefix) {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}${Math.floor(Math.random() * 1e4)}`.slice(0, 30);
}

export async function call(path, { method = 'GET', body, token, base = baseUrl() } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  }
  return data;
}

export async function signUp({ handle = unique('u'), displayName = 'Test person', password = 'correct horse battery', base } = {}) {
  const data = await call('/accounts', { method: 'POST', body: { handle, display_name: displayName, password }, base });
  return { ...data.user, token: data.token, password };
}

/**
 * A host with a series (CamelCase hashtag) and one session. `start`: make it live now.
 * `startsInMinutes`: when it is scheduled.
 */
export async function hostSession({ start = true, startsInMinutes = 60, title = 'Safe staffing on night shifts', base } = {}) {
  const host = await signUp({ handle: unique('host'), displayName: 'Chat Host', base });
  const hashtag = `#WeNurses${unique('T').slice(0, 20)}`;
  const series = await call('/series', { method: 'POST', token: host.token, body: { hashtag, title: 'WeNurses weekly chat' }, base });
  const startsAt = new Date(Date.now() + startsInMinutes * 60000).toISOString();
  let session = await call(`/series/${encodeURIComponent(series.hashtag.slice(1))}/sessions`, {
    method: 'POST',
    token: host.token,
    body: { starts_at: startsAt, duration_minutes: 60, title },
    base,
  });
  if (start) session = await call(`/sessions/${session.id}/start`, { method: 'POST', token: host.token, base });
  return { host, series, session };
}

export async function transcript(id, base) {
  const messages = [];
  let after = 0;
  for (;;) {
    const page = await call(`/sessions/${id}/transcript?after=${after}&limit=1000`, { base });
    messages.push(...page.messages);
    if (page.next_after == null) return messages;
    after = page.next_after;
  }
}

/** Plans one question (released by hand) and releases it now; returns the question message. */
export async function releaseQuestion({ host, session, text, base }) {
  await call(`/sessions/${session.id}/questions`, { method: 'PUT', token: host.token, body: { questions: [{ text }] }, base });
  return call(`/sessions/${session.id}/questions/release`, { method: 'POST', token: host.token, base });
}

/** The series' path segment for a hashtag ("#WeNurses" → "WeNurses"). */
export function seriesPath(series) {
  return `/series/${encodeURIComponent(series.hashtag.slice(1))}`;
}

/** The owner appoints `handle` as `role` (host or moderator) in the series. */
export async function appoint({ host, series, base }, handle, role = 'moderator') {
  await call(`${seriesPath(series)}/members/${encodeURIComponent(handle.replace(/^@/, ''))}`, {
    method: 'PUT', token: host.token, body: { role }, base,
  });
}

/** The owner sets the series' moderation rules. */
export function setRules({ host, series, base }, { holdPolicy = 'off', blockedTerms = [], slowModeSeconds = 0 } = {}) {
  return call(`${seriesPath(series)}/rules`, {
    method: 'PUT', token: host.token, body: { hold_policy: holdPolicy, blocked_terms: blockedTerms, slow_mode_seconds: slowModeSeconds }, base,
  });
}

/**
 * The site administrator run.sh has the server create at first start (TWEETCHAT_ADMIN_HANDLE,
 * TWEETCHAT_ADMIN_PASSWORD), or null when those are not set (a server started by hand).
 */
export function siteAdmin() {
  const handle = process.env.TWEETCHAT_ADMIN_HANDLE;
  const password = process.env.TWEETCHAT_ADMIN_PASSWORD;
  return handle && password ? { handle, password } : null;
}
