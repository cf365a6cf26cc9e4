// What a participant is told about limits a moderator set: slow mode (from welcome), a mute
// (until when, in local time, cleared when it ends) and a ban. The note sits above the
// composer; a mute or ban is also said through the page's live region.

import { formatDateTime, formatTime } from '../time.js';

export class RestrictionNote {
  constructor({ root = document, announcer }) {
    this.note = root.getElementById('restriction-note');
    this.slow = root.getElementById('slow-note');
    this.announcer = announcer;
    this.timer = null;
  }

  slowMode(seconds, exempt) {
    this.slow.hidden = !(seconds > 0) || exempt;
    if (seconds > 0) this.slow.textContent = `Slow mode: one post every ${seconds} s.`;
  }

  /** A `restricted` frame. */
  restricted(frame) {
    clearTimeout(this.timer);
    let text;
    if (frame.kind === 'ban') {
      text = 'A moderator banned you from this chat series. You can no longer take part in its chats.';
    } else {
      const until = frame.until ? Date.parse(frame.until) : NaN;
      text = Number.isFinite(until)
        ? `A moderator muted you until ${(until - Date.now() > 12 * 3600000 ? formatDateTime : formatTime)(frame.until)}. You can read along, and post again after that.`
        : 'A moderator muted you. You can read along, but not post for now.';
      // setTimeout's limit is about 24.8 days; a mute lasts a week at most.
      if (Number.isFinite(until)) this.timer = setTimeout(() => this.clear(), Math.max(0, until - Date.now()));
    }
    if (frame.reason) text += ` Reason: ${frame.reason}`;
    this.note.textContent = text;
    this.note.hidden = false;
    this.announcer.say(text, 'restricted');
  }

  clear() {
    this.note.textContent = '';
    this.note.hidden = true;
  }
}
