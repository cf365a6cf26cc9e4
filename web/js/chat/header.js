// The chat page's header: hashtag, title, status with countdown or end time, presence
// counts, and the connection state. None of it is a live region: changes worth hearing go
// through the announcer.

import { el, replaceChildren } from '../dom.js';
import { STATUS_LABELS, seriesHref, statusBadge, transcriptHref } from '../session-card.js';
import { formatCountdown, formatDateTime, formatTime } from '../time.js';

const CONNECTION_TEXT = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  catching_up: 'Catching up…',
  live: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline: waiting for the network',
  closed: 'Disconnected',
};

export class ChatHeader {
  constructor(root = document) {
    this.hashtag = root.getElementById('chat-hashtag');
    this.title = root.getElementById('chat-title');
    this.series = root.getElementById('chat-series');
    this.status = root.getElementById('chat-status');
    this.when = root.getElementById('chat-when');
    this.presence = root.getElementById('chat-presence');
    this.conn = root.getElementById('conn');
    this.ended = root.getElementById('chat-ended');
    this.session = null;
    this.timer = null;
  }

  show(session) {
    this.session = session;
    this.hashtag.textContent = session.hashtag;
    this.title.textContent = session.title;
    this.series.href = seriesHref(session.hashtag);
    this.series.textContent = `About ${session.hashtag}`;
    document.title = `${session.hashtag} live chat: tweetchat`;
    replaceChildren(this.status, statusBadge(session.status));
    this.ended.hidden = !['closed', 'archived', 'cancelled'].includes(session.status);
    const link = this.ended.querySelector('a');
    if (link) link.href = transcriptHref(session.id);
    this.tick();
    clearInterval(this.timer);
    if (session.status === 'scheduled' || session.status === 'lobby') {
      this.timer = setInterval(() => this.tick(), 1000);
    }
  }

  tick() {
    const s = this.session;
    if (!s) return;
    if (s.status === 'scheduled' || s.status === 'lobby') {
      const left = new Date(s.starts_at).getTime() - Date.now();
      replaceChildren(
        this.when,
        left > 0
          ? ['Starts in ', el('span', { class: 'countdown' }, formatCountdown(left)), ' (', el('time', { datetime: s.starts_at }, formatDateTime(s.starts_at)), ')']
          : ['Starting any moment (', el('time', { datetime: s.starts_at }, formatDateTime(s.starts_at)), ')'],
      );
    } else if (s.status === 'live') {
      replaceChildren(this.when, 'Ends at ', el('time', { datetime: s.ends_at }, formatTime(s.ends_at)));
    } else {
      replaceChildren(this.when, el('time', { datetime: s.starts_at }, formatDateTime(s.starts_at)));
    }
  }

  presenceCounts(participants, viewers) {
    const p = participants === 1 ? '1 participant' : `${participants} participants`;
    const v = viewers === 1 ? '1 viewer' : `${viewers} viewers`;
    this.presence.textContent = `${p}, ${v}`;
    this.presence.hidden = false;
  }

  connection(state, delayMs) {
    this.conn.dataset.state = state;
    let text = CONNECTION_TEXT[state] ?? state;
    if (state === 'reconnecting' && delayMs > 1000) text = `Reconnecting in ${Math.round(delayMs / 1000)} s…`;
    this.conn.replaceChildren(el('span', { class: 'visually-hidden' }, 'Connection: '), text);
  }

  statusLabel() {
    return STATUS_LABELS[this.session?.status] ?? this.session?.status ?? '';
  }
}
