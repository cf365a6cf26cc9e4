// The series' moderation log (who did what, when, why), for moderators. Read when its part of
// the console is opened and on "Refresh": it is an audit to look back at, not a live feed.

import { el, replaceChildren } from '../dom.js';
import { formatDateTime } from '../time.js';

const ACTIONS = {
  hidden: 'hid a message',
  unhidden: 'unhid a message',
  pinned: 'pinned a message',
  unpinned: 'unpinned a message',
  mute: 'muted someone',
  unmute: 'lifted a mute',
  ban: 'banned someone',
  unban: 'lifted a ban',
  approved: 'approved a held post',
  rejected: 'rejected a held post',
  report_resolved: 'resolved a report',
  rules_changed: 'changed the rules',
  member_set: 'appointed a team member',
  member_removed: 'removed a team member',
};

/** How many entries are shown; the server keeps the newest 500. */
const SHOWN = 100;

export class ModLog {
  /** `fetchLog()` returns a promise of the entries, newest first. */
  constructor({ root = document, fetchLog }) {
    this.panel = root.getElementById('log-panel');
    this.list = root.getElementById('log-list');
    this.status = root.getElementById('log-status');
    this.fetchLog = fetchLog;
    this.panel.addEventListener('toggle', () => {
      if (this.panel.open) this.load();
    });
    root.getElementById('log-refresh').addEventListener('click', () => this.load());
  }

  async load() {
    this.status.textContent = 'Loading…';
    try {
      const entries = await this.fetchLog();
      replaceChildren(this.list, entries.slice(0, SHOWN).map((e) =>
        el('li', {},
          el('p', { class: 'msg-head' },
            el('time', { class: 'msg-time', datetime: e.created_at }, formatDateTime(e.created_at))),
          el('p', {}, el('strong', {}, e.actor), ` ${ACTIONS[e.action] ?? e.action}`),
          e.reason ? el('p', { class: 'hint' }, `Reason: ${e.reason}`) : null)));
      this.status.textContent = entries.length ? '' : 'Nothing has been logged in this series yet.';
    } catch (e) {
      this.status.textContent = `The log could not be loaded: ${e.message}`;
    }
  }
}
