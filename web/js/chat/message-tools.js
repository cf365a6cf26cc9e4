// The per-message tools that go beyond like and reply: "Report" for participants (someone
// else's message) and "Moderate" for moderators (hide, pin, mute or ban the author). Each is a
// disclosure, so a message stays one line of buttons until someone opens it.

import { el } from '../dom.js';
import { authorName } from '../render-message.js';

/** Mute lengths offered, in minutes (the server allows 1 to 10080). */
export const MUTE_CHOICES = [
  [10, '10 minutes'],
  [60, '1 hour'],
  [24 * 60, '1 day'],
  [7 * 24 * 60, '1 week'],
];

function disclosure(className, label, who, body) {
  return el('details', { class: `msg-tools ${className}` },
    el('summary', {}, label, el('span', { class: 'visually-hidden' }, ` message from ${who}`)),
    el('div', { class: 'tools-body' }, body));
}

/** Runs `action` with the buttons marked busy, and says how it went in `status`. */
async function run(status, buttons, action, done) {
  for (const b of buttons) b.setAttribute('aria-disabled', 'true');
  status.textContent = '';
  try {
    await action();
    status.textContent = done;
  } catch (error) {
    status.textContent = `That did not work: ${error.message}`;
  } finally {
    for (const b of buttons) b.removeAttribute('aria-disabled');
  }
}

/** "Report": an optional reason, sent to the moderators. */
export function reportTool(message, onReport) {
  const id = `report-reason-${message.id}`;
  const reason = el('input', { id, type: 'text', maxlength: '500', autocomplete: 'off' });
  const send = el('button', { type: 'submit', class: 'secondary small' }, 'Send report');
  const status = el('p', { class: 'tool-status', role: 'status' });
  const form = el('form', { class: 'tool-form', novalidate: true },
    el('label', { for: id }, 'Why? (optional, only moderators see it)'), reason, send, status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (send.getAttribute('aria-disabled') === 'true') return;
    run(status, [send], () => onReport(message, reason.value.trim()), 'Reported to the moderators. Thank you.');
  });
  return disclosure('report-tool', 'Report', authorName(message), form);
}

/**
 * "Moderate": hide or unhide, pin or unpin, and for posts by someone else, mute or ban the
 * author. `onModerate(action, message, {reason, minutes})` returns a promise; the stream's
 * own entries then update the page.
 */
export function moderateTool(message, { pinned, mine, onModerate }) {
  const reasonId = `mod-reason-${message.id}`;
  const reason = el('input', { id: reasonId, type: 'text', maxlength: '500', autocomplete: 'off' });
  const status = el('p', { class: 'tool-status', role: 'status' });
  const buttons = [];
  const button = (label, action, done, options = {}) => {
    const b = el('button', { type: 'button', class: `small ${options.danger ? 'danger' : 'secondary'}` }, label);
    b.addEventListener('click', () => {
      if (b.getAttribute('aria-disabled') === 'true') return;
      if (options.confirm && !globalThis.confirm(options.confirm)) return;
      run(status, buttons, () => onModerate(action, message, { reason: reason.value.trim(), ...options.extra?.() }), done);
    });
    buttons.push(b);
    return b;
  };
  const body = [
    el('label', { for: reasonId }, 'Reason (optional, kept in the moderation log)'),
    reason,
    el('div', { class: 'actions' },
      message.hidden ? button('Unhide', 'unhide', 'Unhidden.') : button('Hide', 'hide', 'Hidden for everyone.'),
      pinned ? button('Unpin', 'unpin', 'Unpinned.') : button('Pin', 'pin', 'Pinned.')),
  ];
  if (message.author && !mine && message.kind === 'post') {
    const muteId = `mute-for-${message.id}`;
    const minutes = el('select', { id: muteId }, MUTE_CHOICES.map(([m, label]) => el('option', { value: String(m) }, label)));
    const who = message.author.handle;
    body.push(el('div', { class: 'actions' },
      el('label', { for: muteId }, `Mute ${who} for`), minutes,
      button('Mute', 'mute', `${who} is muted.`, { extra: () => ({ minutes: Number(minutes.value) }) }),
      button('Ban', 'ban', `${who} is banned from the series.`, {
        danger: true,
        confirm: `Ban ${who} from this chat series? They are disconnected at once and cannot come back until a moderator lifts the ban.`,
      })));
  }
  body.push(status);
  return disclosure('moderate-tool', 'Moderate', authorName(message), body);
}
