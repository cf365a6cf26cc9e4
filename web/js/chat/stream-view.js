// The message list: rendering in seq order, pinned messages, "Jump to Q<n>" links, your
// pending posts, and the Pause toggle that holds new messages (without losing them) and
// counts them.

import { el, replaceChildren } from '../dom.js';
import { authorName, fillMessage, likeText, renderMessage, textNodes } from '../render-message.js';

const NEAR_BOTTOM_PX = 160;

export class StreamView {
  constructor({ state, root = document, onLike, onReply, onPendingAction, likes }) {
    this.state = state;
    this.list = root.getElementById('stream');
    this.pendingList = root.getElementById('pending');
    this.empty = root.getElementById('stream-empty');
    this.pinnedBox = root.getElementById('pinned');
    this.pinnedList = root.getElementById('pinned-list');
    this.jumpNav = root.getElementById('jump-nav');
    this.jumpLinks = root.getElementById('jump-links');
    this.pauseButton = root.getElementById('pause-btn');
    this.heldNote = root.getElementById('held-note');
    this.onLike = onLike;
    this.onReply = onReply;
    this.onPendingAction = onPendingAction;
    this.likes = likes;
    this.paused = false;
    this.held = [];
    /** id → li for rendered messages. */
    this.rendered = new Map();
    this.pending = new Map();
    this.onRendered = () => {};
    this.pauseButton.addEventListener('click', () => this.setPaused(!this.paused));
  }

  options(message) {
    return {
      mine: this.state.isMine(message),
      lookup: (id) => this.state.messages.get(id) ?? null,
      questionId: (n) => this.state.questions.get(n) ?? null,
      actions: this.state.canPost && message.kind !== 'notice'
        ? { liked: this.likes.has(message.id), onLike: this.onLike, onReply: this.onReply }
        : null,
    };
  }

  clear() {
    this.list.replaceChildren();
    this.rendered.clear();
    this.held = [];
    this.updateHeld();
    this.refreshPinned();
    this.refreshJumpLinks();
    this.empty.hidden = false;
  }

  isRendered(id) {
    return this.rendered.has(id);
  }

  static nearBottom() {
    const doc = document.documentElement;
    return window.innerHeight + window.scrollY >= doc.scrollHeight - NEAR_BOTTOM_PX;
  }

  static scrollToBottom() {
    window.scrollTo({ top: document.documentElement.scrollHeight });
  }

  /** A new message in the stream: shown now, or held while paused. Returns whether shown. */
  add(message, { live = true } = {}) {
    if (this.paused && live) {
      this.held.push(message.id);
      this.updateHeld();
      return false;
    }
    this.show([message]);
    return true;
  }

  show(messages) {
    const stick = StreamView.nearBottom();
    for (const message of messages) this.place(message);
    this.empty.hidden = this.rendered.size > 0;
    if (stick && !this.paused) StreamView.scrollToBottom();
  }

  /** Puts a message's item in seq order (usually at the end). */
  place(message) {
    const existing = this.rendered.get(message.id);
    if (existing) {
      fillMessage(existing, message, this.options(message));
      return existing;
    }
    const li = renderMessage(message, this.options(message));
    let before = null;
    const last = this.list.lastElementChild;
    if (last && Number(last.dataset.seq) > message.seq) {
      before = [...this.list.children].find((child) => Number(child.dataset.seq) > message.seq) ?? null;
    }
    this.list.insertBefore(li, before);
    this.rendered.set(message.id, li);
    if (message.kind === 'question') this.refreshJumpLinks();
    this.onRendered(message);
    return li;
  }

  /** Re-render a message in place (hidden, unhidden, likes). */
  update(id) {
    const li = this.rendered.get(id);
    const message = this.state.messages.get(id);
    if (li && message) fillMessage(li, message, this.options(message));
  }

  setLikes(id, likes) {
    const li = this.rendered.get(id);
    const count = li?.querySelector('.likes');
    if (count) {
      count.dataset.likes = String(likes);
      count.textContent = likeText(likes);
    } else if (li) {
      this.update(id);
    }
  }

  setPaused(paused) {
    this.paused = paused;
    this.pauseButton.setAttribute('aria-pressed', paused ? 'true' : 'false');
    if (!paused && this.held.length) {
      const messages = this.held.map((id) => this.state.messages.get(id)).filter(Boolean);
      this.held = [];
      const first = messages.find((m) => !m.hidden);
      this.show(messages);
      if (first) {
        const li = this.rendered.get(first.id);
        li?.scrollIntoView({ block: 'nearest' });
      }
    }
    this.updateHeld();
    this.onPauseChange?.(paused);
  }

  updateHeld() {
    const n = this.held.length;
    this.heldNote.hidden = !this.paused;
    this.heldNote.textContent = n === 0 ? 'No new messages yet' : n === 1 ? '1 new message waiting' : `${n} new messages waiting`;
    this.pauseButton.dataset.unread = String(n);
  }

  refreshPinned() {
    const pinned = this.state.pinnedMessages();
    this.pinnedBox.hidden = pinned.length === 0;
    replaceChildren(
      this.pinnedList,
      pinned.map((m) =>
        el('li', {},
          el('strong', {}, authorName(m)), ': ',
          el('span', {}, textNodes(m.text)), ' ',
          el('a', { href: `#m-${m.id}` }, 'Go to message')),
      ),
    );
  }

  refreshJumpLinks() {
    const items = [...this.state.questions.entries()]
      .filter(([, id]) => this.rendered.has(id))
      .sort(([a], [b]) => a - b)
      .map(([n, id]) => el('li', {}, el('a', { href: `#m-${id}` }, el('span', { class: 'visually-hidden' }, 'Jump to '), `Q${n}`)));
    this.jumpNav.hidden = items.length === 0;
    replaceChildren(this.jumpLinks, items);
  }

  // ---- your own posts before their ack ----

  showPending(item) {
    let li = this.pending.get(item.clientId);
    if (!li) {
      li = el('li', { class: 'msg mine pending', 'data-client-id': item.clientId });
      this.pending.set(item.clientId, li);
      this.pendingList.append(li);
    }
    const you = this.state.you;
    const marker = {
      sending: item.offline ? 'Waiting for the connection…' : 'Sending…',
      retrying: 'Waiting to send again…',
      failed: 'Not sent',
      sent: 'Sent',
    }[item.state];
    li.dataset.state = item.state === 'sent' ? 'sent' : item.state === 'failed' ? 'failed' : 'pending';
    li.classList.toggle('failed', item.state === 'failed');
    const parts = [
      el('p', { class: 'msg-head' },
        el('span', { class: 'msg-author' }, you?.display_name ?? 'You'), ' ',
        el('span', { class: 'msg-handle' }, you?.handle ?? ''), ' ',
        el('span', { class: 'pending-marker' }, marker)),
      el('p', { class: 'msg-text' }, item.text),
    ];
    if (item.state === 'failed' || item.state === 'retrying') {
      if (item.error) parts.push(el('p', { class: 'msg-reply' }, item.error.text ?? item.error.message));
    }
    if (item.state === 'failed') {
      const retry = el('button', { type: 'button', class: 'secondary small' }, 'Try again');
      retry.addEventListener('click', () => this.onPendingAction('retry', item.clientId));
      const edit = el('button', { type: 'button', class: 'secondary small' }, 'Edit');
      edit.addEventListener('click', () => this.onPendingAction('edit', item.clientId));
      const discard = el('button', { type: 'button', class: 'secondary small' }, 'Discard');
      discard.addEventListener('click', () => this.onPendingAction('discard', item.clientId));
      parts.push(el('div', { class: 'msg-actions' }, retry, edit, discard));
    }
    li.replaceChildren(...parts);
    if (StreamView.nearBottom()) StreamView.scrollToBottom();
  }

  removePending(clientId) {
    const li = this.pending.get(clientId);
    if (li) {
      li.remove();
      this.pending.delete(clientId);
    }
  }
}
