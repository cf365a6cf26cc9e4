// The session's stream as this client knows it: messages by id, the last applied `seq`,
// pinned messages, released questions and the session's status. Pure: no DOM, no socket.
//
// Stream frames must be applied in `seq` order with no gaps: `apply` refuses a frame at or
// below the last applied seq (a duplicate) and one that would skip positions (a gap, which the
// caller repairs with a `resume`).

export const STREAM_TYPES = new Set([
  'message',
  'question_released',
  'message_hidden',
  'message_unhidden',
  'message_pinned',
  'message_unpinned',
  'liked',
  'session_state',
]);

export function isStreamFrame(frame) {
  return STREAM_TYPES.has(frame.type) && Number.isInteger(frame.seq);
}

export class ChatState {
  constructor() {
    this.session = null;
    this.role = 'viewer';
    this.you = null;
    this.limits = { max_text_chars: 280, max_frame_bytes: 16384, posts_per_minute: 30 };
    this.slowModeSeconds = 0;
    this.reset();
  }

  /** Forget the stream (after a `reload`); who we are and the session stay. */
  reset() {
    this.lastSeq = 0;
    /** id → MessageView; hidden ones keep their place with `hidden: true`. */
    this.messages = new Map();
    /** Pinned message ids, oldest pin first. */
    this.pinned = [];
    /** The pinned messages as `welcome` gave them, for pins older than what we hold. */
    this.pinnedViews = new Map();
    /** Question number → message id, for "Jump to Q<n>". */
    this.questions = new Map();
    this.currentQuestion = null;
  }

  welcome(frame) {
    this.session = { ...frame.session };
    this.role = frame.role;
    this.you = frame.you ?? null;
    if (frame.limits) this.limits = frame.limits;
    this.currentQuestion = frame.current_question ?? null;
    this.slowModeSeconds = Number(frame.slow_mode_seconds) || 0;
    // The pins as they are now; the entries replayed after this keep them current.
    if (Array.isArray(frame.pinned)) {
      this.pinned = frame.pinned.map((m) => m.id);
      this.pinnedViews = new Map(frame.pinned.map((m) => [m.id, { ...m }]));
    }
  }

  get status() {
    return this.session?.status ?? null;
  }

  get canPost() {
    return Boolean(this.you) && this.role !== 'viewer';
  }

  /** Moderators and up see hidden messages (marked) and get the console. */
  get canModerate() {
    return ['moderator', 'host', 'owner', 'admin'].includes(this.role);
  }

  /** Whether a message is shown to this person: hidden ones only to moderators. */
  isVisible(message) {
    if (!message || typeof message.text !== 'string') return false;
    return !message.hidden || this.canModerate;
  }

  get isHost() {
    return ['host', 'owner', 'admin'].includes(this.role);
  }

  isMine(message) {
    return Boolean(this.you && message.author && message.author.id === this.you.id);
  }

  /**
   * Applies one stream frame. Returns `{result: 'duplicate'}`, `{result: 'gap', expected}`, or
   * `{result: 'applied', effect}` where `effect.kind` tells the view what changed.
   */
  apply(frame) {
    if (frame.seq <= this.lastSeq) return { result: 'duplicate' };
    if (frame.seq > this.lastSeq + 1) return { result: 'gap', expected: this.lastSeq + 1 };
    this.lastSeq = frame.seq;
    return { result: 'applied', effect: this.#effect(frame) };
  }

  #effect(frame) {
    switch (frame.type) {
      case 'message':
        // The pin list is kept by welcome.pinned and the pin entries, not by this flag.
        this.messages.set(frame.message.id, { ...frame.message, pinned: this.pinned.includes(frame.message.id) });
        return { kind: 'added', message: this.messages.get(frame.message.id) };
      case 'question_released': {
        const message = { ...frame.message };
        this.messages.set(message.id, message);
        if (Number.isInteger(message.question)) {
          this.questions.set(message.question, message.id);
          this.currentQuestion = {
            number: message.question,
            text: message.text,
            message_id: message.id,
            seq: message.seq,
          };
        }
        return { kind: 'added', message, question: true };
      }
      case 'message_hidden': {
        const known = this.messages.get(frame.message_id);
        if (known) known.hidden = true;
        else this.messages.set(frame.message_id, { id: frame.message_id, seq: frame.seq, hidden: true });
        this.pinned = this.pinned.filter((id) => id !== frame.message_id);
        return { kind: 'hidden', id: frame.message_id };
      }
      case 'message_unhidden': {
        const message = { ...frame.message, hidden: false, pinned: this.pinned.includes(frame.message.id) };
        this.messages.set(message.id, message);
        return { kind: 'unhidden', message };
      }
      case 'message_pinned':
      case 'message_unpinned': {
        const pinned = frame.type === 'message_pinned';
        this.pinned = this.pinned.filter((id) => id !== frame.message_id);
        if (pinned) this.pinned.push(frame.message_id);
        const known = this.messages.get(frame.message_id);
        if (known) known.pinned = pinned;
        return { kind: 'pins', id: frame.message_id };
      }
      case 'liked': {
        const known = this.messages.get(frame.message_id);
        if (known) known.likes = frame.likes;
        return { kind: 'liked', id: frame.message_id, likes: frame.likes };
      }
      case 'session_state':
        if (this.session) {
          this.session.status = frame.status;
          this.session.ends_at = frame.ends_at;
        }
        return { kind: 'status', status: frame.status };
      default:
        return { kind: 'unknown' };
    }
  }

  /** Pinned messages that can still be shown, newest pin first. */
  pinnedMessages() {
    return this.pinned
      .map((id) => this.messages.get(id) ?? this.pinnedViews.get(id))
      .filter((m) => m && !m.hidden && m.text !== undefined)
      .reverse();
  }
}
