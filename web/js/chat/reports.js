// Open reports of messages, for moderators: who reported what and why, a link to the
// message, and Resolve. Loaded over HTTP, kept current by `reported` frames.

import { el, replaceChildren } from '../dom.js';
import { authorName } from '../render-message.js';
import { snippet } from '../text.js';
import { formatTime } from '../time.js';

export class ReportsPanel {
  /** `lookup(messageId)` → the message if we hold it; `onResolve(report)` returns a promise. */
  constructor({ root = document, lookup, onResolve }) {
    this.list = root.getElementById('reports-list');
    this.empty = root.getElementById('reports-empty');
    this.count = root.getElementById('reports-count');
    this.lookup = lookup;
    this.onResolve = onResolve;
    this.items = new Map();
  }

  set(reports) {
    this.items = new Map(reports.map((r) => [r.id, r]));
    this.render();
  }

  /** Returns whether the report is new. */
  add(report) {
    if (this.items.has(report.id)) return false;
    this.items.set(report.id, report);
    this.render();
    return true;
  }

  get size() {
    return this.items.size;
  }

  render() {
    replaceChildren(this.list, [...this.items.values()].map((r) => this.item(r)));
    this.empty.hidden = this.items.size > 0;
    this.count.textContent = `(${this.items.size})`;
  }

  item(report) {
    const message = this.lookup(report.message_id);
    const about = message && typeof message.text === 'string'
      ? `${authorName(message)}: ${snippet(message.text, 80)}`
      : 'a message';
    const status = el('p', { class: 'tool-status', role: 'status' });
    const resolve = el('button', { type: 'button', class: 'secondary small' },
      'Resolve', el('span', { class: 'visually-hidden' }, ` report by ${report.reporter}`));
    resolve.addEventListener('click', async () => {
      if (resolve.getAttribute('aria-disabled') === 'true') return;
      resolve.setAttribute('aria-disabled', 'true');
      try {
        await this.onResolve(report);
        this.items.delete(report.id);
        this.render();
        this.list.closest('details')?.querySelector('summary')?.focus();
      } catch (error) {
        status.textContent = `That did not work: ${error.message}`;
        resolve.removeAttribute('aria-disabled');
      }
    });
    return el('li', { class: 'report-item', 'data-report-id': report.id },
      el('p', { class: 'msg-head' },
        el('span', { class: 'msg-handle' }, `Reported by ${report.reporter}`), ' ',
        el('time', { class: 'msg-time', datetime: report.created_at }, formatTime(report.created_at))),
      el('p', {}, 'About ', el('a', { href: `#m-${report.message_id}` }, about)),
      report.reason ? el('p', { class: 'msg-text' }, `Reason: ${report.reason}`) : null,
      el('div', { class: 'actions' }, resolve),
      status);
  }
}
