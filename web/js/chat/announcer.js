// The page's one polite live region. New messages are summarised, not read one by one: at
// most one announcement every `intervalMs`, e.g. "3 new messages, latest from @sam: …".
// Status lines (reconnected, paused) ride in the same announcement.

import { snippet } from '../text.js';

export function summarise(messages, statuses = []) {
  const parts = [...statuses];
  if (messages.length > 0) {
    const latest = messages[messages.length - 1];
    const who = latest.author ? latest.author.handle : 'tweetchat';
    const what = latest.kind === 'question' ? `Question ${latest.question}` : snippet(latest.text, 140);
    parts.push(
      messages.length === 1
        ? `New message from ${who}: ${what}`
        : `${messages.length} new messages, latest from ${who}: ${what}`,
    );
  }
  return parts.join(' ');
}

export class Announcer {
  constructor(region, { intervalMs = 5000, batchMs = 1000, clock = Date } = {}) {
    this.region = region;
    this.intervalMs = intervalMs;
    this.batchMs = batchMs;
    this.clock = clock;
    this.enabled = true;
    this.queue = [];
    this.statuses = [];
    this.lastAt = -Infinity;
    this.timer = null;
  }

  /** A new message from someone else. */
  message(message) {
    if (!this.enabled) return;
    this.queue.push(message);
    this.schedule();
  }

  /**
   * A short status line ("Reconnected"), announced with the next batch. With a `key`, a newer
   * line replaces a waiting one of the same key ("3 posts wait for review" replaces "2 …"), so
   * a busy queue is one announcement, not one per post.
   */
  say(text, key = text) {
    const at = this.statuses.findIndex((s) => s.key === key);
    if (at >= 0) this.statuses[at] = { key, text };
    else this.statuses.push({ key, text });
    this.schedule();
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    if (!enabled) this.queue = [];
  }

  schedule() {
    if (this.timer) return;
    const now = this.clock.now();
    const wait = Math.max(this.batchMs, this.lastAt + this.intervalMs - now);
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush() {
    this.timer = null;
    const text = summarise(this.queue, this.statuses.map((s) => s.text));
    this.queue = [];
    this.statuses = [];
    if (!text) return;
    this.lastAt = this.clock.now();
    // Replacing the text of an atomic polite region makes screen readers read the whole of it.
    this.region.textContent = text;
  }
}
