// The moderators' hold queue: posts waiting for approval, oldest first, each with Approve and
// Reject (with a reason the author sees). Filled over HTTP on connect and on
// moderation_resync, kept current by held_for_review and held_decided.

import { el, replaceChildren } from '../dom.js';
import { formatTime } from '../time.js';

export const HELD_BECAUSE = {
  all: 'Every post is held',
  first_time: 'First post in this series',
  links: 'Contains a link',
  blocked_term: 'Contains a blocked term',
};

export class HoldQueue {
  /** `onDecide(held, 'approve' | 'reject', reason)` returns a promise. */
  constructor({ root = document, onDecide, onCount = () => {} }) {
    this.list = root.getElementById('hold-list');
    this.empty = root.getElementById('hold-empty');
    this.count = root.getElementById('hold-count');
    this.onDecide = onDecide;
    this.onCount = onCount;
    /** held id → HeldPostView, in arrival order. */
    this.items = new Map();
    /** Decided ids: a list loaded just before a decision must not bring them back. */
    this.decidedIds = new Set();
  }

  /** The whole pending queue, as GET …/held returned it. */
  set(posts) {
    this.items = new Map(posts.filter((p) => !this.decidedIds.has(p.id)).map((p) => [p.id, p]));
    this.render();
  }

  /** A new held post (held_for_review). Returns whether it is new. */
  add(held) {
    if (this.items.has(held.id) || this.decidedIds.has(held.id) || held.status !== 'pending') return false;
    this.items.set(held.id, held);
    this.render();
    return true;
  }

  /** Someone decided it (held_decided, or our own request). */
  decided(id) {
    this.decidedIds.add(id);
    if (!this.items.delete(id)) return;
    // Keep the keyboard where it was: on the next post's first button, or the queue itself.
    const li = this.list.querySelector(`[data-held-id="${CSS.escape(id)}"]`);
    const hadFocus = li?.contains(document.activeElement);
    const next = li?.nextElementSibling ?? li?.previousElementSibling;
    this.render();
    if (hadFocus) {
      const target = next && this.list.contains(next) ? next.querySelector('button') : this.list.closest('details')?.querySelector('summary');
      target?.focus();
    }
  }

  get size() {
    return this.items.size;
  }

  render() {
    replaceChildren(this.list, [...this.items.values()].map((held) => this.item(held)));
    this.empty.hidden = this.items.size > 0;
    this.count.textContent = `(${this.items.size})`;
    this.onCount(this.items.size);
  }

  item(held) {
    const reasonId = `reject-reason-${held.id}`;
    const reason = el('input', { id: reasonId, type: 'text', maxlength: '500', autocomplete: 'off' });
    const status = el('p', { class: 'tool-status', role: 'status' });
    const who = held.author?.handle ?? '';
    const buttons = [];
    const decide = (decision, label) => {
      const b = el('button', { type: 'button', class: `small ${decision === 'approve' ? '' : 'secondary'}` },
        label, el('span', { class: 'visually-hidden' }, ` post from ${who}`));
      b.addEventListener('click', async () => {
        if (b.getAttribute('aria-disabled') === 'true') return;
        for (const x of buttons) x.setAttribute('aria-disabled', 'true');
        status.textContent = '';
        try {
          await this.onDecide(held, decision, reason.value.trim());
          this.decided(held.id);
        } catch (error) {
          status.textContent = `That did not work: ${error.message}`;
          for (const x of buttons) x.removeAttribute('aria-disabled');
        }
      });
      buttons.push(b);
      return b;
    };
    return el('li', { class: 'held-item', 'data-held-id': held.id },
      el('p', { class: 'msg-head' },
        el('span', { class: 'msg-author' }, held.author?.display_name ?? ''), ' ',
        el('span', { class: 'msg-handle' }, who), ' ',
        el('time', { class: 'msg-time', datetime: held.created_at }, formatTime(held.created_at))),
      el('p', { class: 'msg-text' }, held.text),
      el('p', { class: 'hint' }, HELD_BECAUSE[held.held_because] ?? held.held_because),
      el('label', { for: reasonId }, 'Reason if rejected (the author sees it)'),
      reason,
      el('div', { class: 'actions' }, decide('approve', 'Approve'), decide('reject', 'Reject')),
      status);
  }
}
