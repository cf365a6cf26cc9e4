// The moderators' back channel: a private conversation beside the chat, never public.
// Loaded over HTTP, kept current by `backchannel` frames (our own posts come back that way
// too, so messages are kept by id).

import { el, replaceChildren } from '../dom.js';
import { formatTime } from '../time.js';

export class Backchannel {
  /** `onSend(text)` returns a promise of the stored message. */
  constructor({ root = document, onSend }) {
    this.list = root.getElementById('bc-list');
    this.count = root.getElementById('bc-count');
    this.form = root.getElementById('bc-form');
    this.text = root.getElementById('bc-text');
    this.error = root.getElementById('bc-error');
    this.onSend = onSend;
    this.items = new Map();
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.send();
    });
    this.text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
  }

  set(messages) {
    this.items = new Map(messages.map((m) => [m.id, m]));
    this.render();
  }

  /** Returns whether the message is new. */
  add(message) {
    if (this.items.has(message.id)) return false;
    this.items.set(message.id, message);
    this.render();
    return true;
  }

  render() {
    const messages = [...this.items.values()].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
    replaceChildren(this.list, messages.map((m) =>
      el('li', { class: 'bc-item' },
        el('p', { class: 'msg-head' },
          el('span', { class: 'msg-author' }, m.author), ' ',
          el('time', { class: 'msg-time', datetime: m.created_at }, formatTime(m.created_at))),
        el('p', { class: 'msg-text' }, m.text))));
    this.count.textContent = messages.length ? `(${messages.length})` : '';
  }

  async send() {
    const text = this.text.value.trim();
    this.error.textContent = '';
    if (!text) {
      this.error.textContent = 'Write something first.';
      this.text.focus();
      return;
    }
    try {
      this.add(await this.onSend(text));
      this.text.value = '';
    } catch (error) {
      this.error.textContent = `Not sent: ${error.message}`;
    }
    this.text.focus();
  }
}
