// An archived session for the archive pages' tests. The scheduler archives a chat 15 minutes
// after it ends (a fixed grace, with no setting to shorten it), so the archive is built the
// way a community moving servers would: a JSON export (docs/archive-format.md) imported with
// POST /archives/import. Its figures are placeholders until a moderator hides a message,
// which makes the server compute them from the imported transcript.

import { randomUUID } from 'node:crypto';
import { call, signUp, unique } from './api.mjs';

const EMPTY_FIGURES = (start) => ({
  version: 1, participants: 0, messages: 0, viewers_peak: null, questions: [], conversation_messages: 0,
  replies: 0, likes: 0, top_by_messages: [], top_by_likes: [], first_time_participants: [],
  activity: { start, per_minute: [] }, links: [], top_terms: [],
});

/**
 * texts: [{key, kind?, author ('alice'|'bob'|null), text, question?, answers?, replyTo?, likes?}].
 * Returns {host, hashtag, session, ids: {key → message id}, people}.
 */
export async function importArchive({ texts, title = 'Handover that works', timeZone = 'America/New_York', daysAgo = 2, base } = {}) {
  const host = await signUp({ handle: unique('arch'), displayName: 'Archive Host', base });
  const hashtag = `#WeNurses${unique('A').slice(0, 20)}`;
  const people = {
    alice: { id: randomUUID(), handle: `@${unique('alice')}`, display_name: 'Alice Nurse' },
    bob: { id: randomUUID(), handle: `@${unique('bob')}`, display_name: 'Bob Ward' },
  };
  const start = new Date(Date.now() - daysAgo * 86400000);
  start.setUTCSeconds(0, 0);
  const iso = (minutes) => new Date(start.getTime() + minutes * 60000).toISOString();
  const ids = {};
  const messages = texts.map((m, i) => {
    ids[m.key] = randomUUID();
    return {
      id: ids[m.key], seq: i + 1, kind: m.kind ?? 'post', author_id: m.author ? people[m.author].id : null,
      text: m.text, created_at: iso(1 + i * 2), reply_to: m.replyTo ? ids[m.replyTo] : null, quote_of: null,
      question_number: m.question ?? null, answers_question: m.answers ?? null, hashtags: [], mentions: [], likes: m.likes ?? 0,
    };
  });
  const doc = {
    format: 'tweetchat-archive',
    version: 1,
    series: { hashtag, title: 'WeNurses weekly chat', description: 'Nurses share what works on the ward.', time_zone: timeZone },
    session: { id: randomUUID(), title, starts_at: iso(0), ends_at: iso(60), started_at: iso(0), closed_at: iso(60), archived_at: iso(75) },
    participants: Object.values(people).sort((a, b) => a.handle.localeCompare(b.handle)),
    messages,
    figures: EMPTY_FIGURES(iso(0)),
  };
  const { session } = await call('/archives/import', { method: 'POST', token: host.token, body: doc, base });
  return { host, hashtag, session, ids, people };
}

/** Hides a message of the archive, so its figures are computed again by the server. */
export function hide({ host, session }, messageId, base) {
  return call(`/sessions/${session.id}/messages/${messageId}/hide`, { method: 'POST', token: host.token, body: { reason: 'test' }, base });
}
