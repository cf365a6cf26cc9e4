// Your posts until the server acks them. Each has a client_id chosen here and kept across
// reconnects and page reloads (sessionStorage), so a retry never posts twice: the server
// answers a known client_id with the original ack.

export const RETRY_CODES = new Set(['rate_limited', 'slow_mode', 'busy', 'internal']);

/** States kept across page reloads as they are; any other becomes 'sending' again. */
const KEPT_STATES = new Set(['failed', 'held', 'rejected']);

export function newClientId() {
  const random = globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `web-${random}`;
}

export class Outbox {
  /** `storage`: a Storage (sessionStorage) or null; `key`: where to keep the pending posts. */
  constructor(storage = null, key = 'tweetchat:outbox') {
    this.storage = storage;
    this.key = key;
    /** client_id → {clientId, text, replyTo, state, error, seq, messageId, attempts} */
    this.items = new Map();
    this.#load();
  }

  #load() {
    if (!this.storage) return;
    try {
      const saved = JSON.parse(this.storage.getItem(this.key) ?? '[]');
      for (const item of saved) {
        if (item && typeof item.clientId === 'string' && typeof item.text === 'string') {
          this.items.set(item.clientId, { ...item, state: KEPT_STATES.has(item.state) ? item.state : 'sending', attempts: 0 });
        }
      }
    } catch {
      // A damaged entry is dropped, not fatal.
    }
  }

  #save() {
    if (!this.storage) return;
    const keep = [...this.items.values()]
      .filter((item) => item.state !== 'sent')
      .map(({ clientId, text, replyTo, state, error }) => ({ clientId, text, replyTo, state, error }));
    try {
      if (keep.length) this.storage.setItem(this.key, JSON.stringify(keep));
      else this.storage.removeItem(this.key);
    } catch {
      // Storage full or disabled: the outbox still works for this page.
    }
  }

  add(text, replyTo = null) {
    const item = { clientId: newClientId(), text, replyTo, state: 'sending', error: null, seq: null, messageId: null, attempts: 0 };
    this.items.set(item.clientId, item);
    this.#save();
    return item;
  }

  get(clientId) {
    return this.items.get(clientId) ?? null;
  }

  /** The post frame for an item. */
  frame(item) {
    const frame = { type: 'post', client_id: item.clientId, text: item.text };
    if (item.replyTo) frame.reply_to = item.replyTo;
    return frame;
  }

  /**
   * Items to (re)send when the connection is up. Held posts go again too: a decision made
   * while we were away reaches only connected sockets, and a retry with the same client_id is
   * answered with the decision (ack, post_rejected) or post_held again.
   */
  unsent() {
    return [...this.items.values()].filter((item) => ['sending', 'retrying', 'held'].includes(item.state));
  }

  /** A moderator must approve this post before anyone sees it. */
  held(frame) {
    const item = this.items.get(frame.client_id);
    if (!item || item.state === 'sent') return null;
    item.state = 'held';
    item.heldBecause = frame.held_because ?? null;
    item.error = null;
    this.#save();
    return item;
  }

  /** A moderator rejected this held post; it never appeared. */
  rejected(frame) {
    const item = this.items.get(frame.client_id);
    if (!item || item.state === 'sent') return null;
    item.state = 'rejected';
    item.error = { code: 'rejected', message: frame.reason ?? '' };
    this.#save();
    return item;
  }

  /** The ack for one of ours: it is committed at `seq`. Returns the item, or null if unknown. */
  ack(frame) {
    const item = this.items.get(frame.client_id);
    if (!item) return null;
    item.state = 'sent';
    item.seq = frame.seq;
    item.messageId = frame.message_id;
    item.error = null;
    this.#save();
    return item;
  }

  /** An error answering one of ours. Retryable ones wait and go again; others need the person. */
  fail(clientId, code, message) {
    const item = this.items.get(clientId);
    if (!item || item.state === 'sent') return null;
    item.attempts += 1;
    item.error = { code, message };
    item.state = RETRY_CODES.has(code) ? 'retrying' : 'failed';
    this.#save();
    return item;
  }

  /** Put a failed item back in the queue (the person pressed "Try again"). */
  retry(clientId) {
    const item = this.items.get(clientId);
    if (!item) return null;
    item.state = 'sending';
    item.error = null;
    this.#save();
    return item;
  }

  remove(clientId) {
    const had = this.items.delete(clientId);
    if (had) this.#save();
    return had;
  }

  /** The acked item whose message is `messageId`, if any. */
  byMessageId(messageId) {
    for (const item of this.items.values()) if (item.messageId === messageId) return item;
    return null;
  }
}

/** Seconds the server asks us to wait ("try again in 2.5 s"), or null. */
export function retryAfterSeconds(message) {
  const match = /try again in ([0-9]+(?:\.[0-9]+)?) ?s/i.exec(message ?? '');
  return match ? Number(match[1]) : null;
}
