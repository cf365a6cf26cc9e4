// The message list: rendering in seq order, pinned messages, "Jump to Q<n>" links, your
// pending posts, and the Pause toggle that holds new messages (without losing them) and
// counts them.

import { el, replaceChildren } from '../dom.js';
import { authorName, fillMessage, likeText, renderMessage, textNodes } from '../render-message.js';

const NEAR_BOTTOM_PX = 160;

export class StreamView {
  constructor({ state, root = document, onLike, onReply, onPendingAction, likes, tools = null }) {
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
    /** tools(message) → the report / moderate disclosures for this person, or null. */
    this.tools = tools;
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
      actions: this.state.canPost && message.kind !== 'notice' && !message.hidden
        ? { liked: this.likes.has(message.id), onLike: this.onLike, onReply: this.onReply }
        : null,
      moderator: this.state.canModerate,
      tools: this.tools,
    };
  }

  /** Draws every message again (the role changed, so the tools and hidden ones differ). */
  rerenderAll() {
    for (const id of [...this.rendered.keys()]) this.update(id);
    const shown = [...this.state.messages.values()].filter((m) => !this.rendered.has(m.id) && this.state.isVisible(m));
    if (shown.length) this.show(shown.sort((a, b) => a.seq - b.seq));
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

  /** Puts a message's item in seq order (usually at the end); hidden ones only for moderators. */
  place(message) {
    if (!this.state.isVisible(message)) {
      this.remove(message.id);
      return null;
    }
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

  /** Re-render a message in place (hidden, unhidden, pinned); a hidden one leaves non-moderators' pages. */
  update(id) {
    const li = this.rendered.get(id);
    const message = this.state.messages.get(id);
    if (!li || !message) return;
    if (!this.state.isVisible(message)) this.remove(id);
    else fillMessage(li, message, this.options(message));
  }

  remove(id) {
    const li = this.rendered.get(id);
    if (!li) return;
    li.remove();
    this.rendered.delete(id);
    this.empty.hidden = this.rendered.size > 0;
    if (this.state.messages.get(id)?.kind === 'question') this.refreshJumpLinks();
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
      const first = messages.find((m) => this.state.isVisible(m));
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
      held: 'Pending approval',
      failed: 'Not sent',
      rejected: 'Not posted',
      sent: 'Sent',
    }[item.state];
    const stopped = item.state === 'failed' || item.state === 'rejected';
    li.dataset.state = { sent: 'sent', failed: 'failed', rejected: 'rejected', held: 'held' }[item.state] ?? 'pending';
    li.classList.toggle('failed', stopped);
    const parts = [
      el('p', { class: 'msg-head' },
        el('span', { class: 'msg-author' }, you?.display_name ?? 'You'), ' ',
        el('span', { class: 'msg-handle' }, you?.handle ?? ''), ' ',
        el('span', { class: 'pending-marker' }, marker)),
      el('p', { class: 'msg-text' }, item.text),
    ];
    if (item.state === 'held') {
      parts.push(el('p', { class: 'msg-reply' }, 'Only you can see this until a moderator approves it.'));
    } else if (item.state === 'rejected') {
      const why = item.error?.message;
      parts.push(el('p', { class: 'msg-reply' }, `A moderator did not approve this message${why ? `: ${why}` : '.'}`));
    } else if (item.state === 'failed' || item.state === 'retrying') {
      if (item.error) parts.push(el('p', { class: 'msg-reply' }, item.error.text ?? item.error.message));
    }
    if (stopped) {
      // A rejected post sent again would only be rejected again: it can be edited or dropped.
      const retry = item.state === 'failed' ? el('button', { type: 'button', class: 'secondary small' }, 'Try again') : null;
      retry?.addEventListener('click', () => this.onPendingAction('retry', item.clientId));
      const edit = el('button', { type: 'button', class: 'secondary small' }, 'Edit');
      edit.addEventListener('click', () => this.onPendingAction('edit', item.clientId));
      const discard = el('button', { type: 'button', class: 'secondary small' }, 'Discard');
      discard.addEventListener('click', () => this.onPendingAction('discard', item.clientId));
      parts.push(el('div', { class: 'msg-actions' }, [retry, edit, discard].filter(Boolean)));
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
