// The HTTP API: JSON in, JSON out, errors as ApiError with the server's code and message.
// Browsers are signed in by the HttpOnly cookie, so no token is ever handled here.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const init = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data && data.error ? data.error : {};
    throw new ApiError(
      response.status,
      error.code || `http_${response.status}`,
      error.message || `The server answered ${response.status}.`,
    );
  }
  return data;
}

/** The signed-in user, or null when nobody is signed in. */
export async function currentUser() {
  try {
    return await api('/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export const signUp = (handle, displayName, password) =>
  api('/accounts', { method: 'POST', body: { handle, display_name: displayName, password } });
export const signIn = (handle, password) =>
  api('/auth/login', { method: 'POST', body: { handle, password } });
export const signOut = () => api('/auth/logout', { method: 'POST' });

export const listSessions = (status) =>
  api(`/sessions${status ? `?status=${encodeURIComponent(status)}` : ''}`);
export const getSession = (id) => api(`/sessions/${encodeURIComponent(id)}`);
export const startSession = (id) => api(`/sessions/${encodeURIComponent(id)}/start`, { method: 'POST' });
export const endSession = (id) => api(`/sessions/${encodeURIComponent(id)}/end`, { method: 'POST' });
export const extendSession = (id, minutes) =>
  api(`/sessions/${encodeURIComponent(id)}/extend`, { method: 'POST', body: { minutes } });
export const transcriptPage = (id, after, limit = 200) => {
  const query = new URLSearchParams({ limit: String(limit) });
  if (after) query.set('after', String(after));
  return api(`/sessions/${encodeURIComponent(id)}/transcript?${query}`);
};

export const createSeries = (series) => api('/series', { method: 'POST', body: series });
export const scheduleSession = (hashtag, session) =>
  api(`/series/${encodeURIComponent(hashtag.replace(/^#/, ''))}/sessions`, { method: 'POST', body: session });

// Archives, search and series pages (docs/api.md, "Archives" and "Planning").
const tagPath = (hashtag) => encodeURIComponent(hashtag.replace(/^#/, ''));
const pageQuery = (params) => {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  return query.toString();
};

export const getSeries = (hashtag) => api(`/series/${tagPath(hashtag)}`);
export const seriesSessions = (hashtag) => api(`/series/${tagPath(hashtag)}/sessions`);
export const seriesMembers = (hashtag) => api(`/series/${tagPath(hashtag)}/members`);
export const listArchives = ({ hashtag, offset = 0, limit = 20 } = {}) =>
  api(`${hashtag ? `/series/${tagPath(hashtag)}` : ''}/archives?${pageQuery({ offset, limit })}`);
export const groupedPage = (id, after, limit = 200) =>
  api(`/sessions/${encodeURIComponent(id)}/transcript/grouped?${pageQuery({ after: after || null, limit })}`);
export const search = (params) => api(`/search?${pageQuery(params)}`);

export const calendarPath = (hashtag) => `/api/v1/series/${tagPath(hashtag)}/calendar.ics`;
export const exportPath = (id, format) => `/api/v1/sessions/${encodeURIComponent(id)}/export/${format}`;
export const getDigest = (id) => api(`/sessions/${encodeURIComponent(id)}/digest`);
