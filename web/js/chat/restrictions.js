// Mutes and bans in force in the series, for moderators, each with "Lift". Read over HTTP
// when the console loads and after each mute or ban from this page (no frame announces them).

import { el, replaceChildren } from '../dom.js';
import { formatDateTime } from '../time.js';

export class RestrictionsPanel {
  /** `onLift(restriction)` returns a promise. */
  constructor({ root = document, onLift }) {
    this.list = root.getElementById('restrictions-list');
    this.empty = root.getElementById('restrictions-empty');
    this.count = root.getElementById('restrictions-count');
    this.onLift = onLift;
  }

  set(restrictions) {
    replaceChildren(this.list, restrictions.map((r) => this.item(r)));
    this.empty.hidden = restrictions.length > 0;
    this.count.textContent = `(${restrictions.length})`;
  }

  item(r) {
    const what = r.kind === 'ban' ? 'Banned' : ['Muted until ', el('time', { datetime: r.until }, formatDateTime(r.until))];
    const status = el('p', { class: 'tool-status', role: 'status' });
    const lift = el('button', { type: 'button', class: 'secondary small' },
      r.kind === 'ban' ? 'Lift ban' : 'Lift mute', el('span', { class: 'visually-hidden' }, ` of ${r.handle}`));
    lift.addEventListener('click', async () => {
      if (lift.getAttribute('aria-disabled') === 'true') return;
      lift.setAttribute('aria-disabled', 'true');
      try {
        await this.onLift(r);
      } catch (error) {
        status.textContent = `That did not work: ${error.message}`;
        lift.removeAttribute('aria-disabled');
      }
    });
    return el('li', { 'data-handle': r.handle, 'data-kind': r.kind },
      el('p', { class: 'msg-head' }, el('span', { class: 'msg-author' }, r.handle), ' ', el('span', {}, what)),
      r.reason ? el('p', { class: 'hint' }, `Reason: ${r.reason}`) : null,
      el('div', { class: 'actions' }, lift),
      status);
  }
}
