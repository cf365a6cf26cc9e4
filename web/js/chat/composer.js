// The message box: a live character counter (code points, as the server counts), the
// one-click "Answer Q<n>" label, replies, and sending with Enter (Shift+Enter for a new line).

import { el, replaceChildren } from '../dom.js';
import { authorName } from '../render-message.js';
import { codePointLength, snippet, withAnswerPrefix } from '../text.js';

export class Composer {
  constructor({ root = document, onSend }) {
    this.area = root.getElementById('composer-area');
    this.form = root.getElementById('composer');
    this.text = root.getElementById('composer-text');
    this.counter = root.getElementById('composer-counter');
    this.error = root.getElementById('composer-error');
    this.viewerNote = root.getElementById('viewer-note');
    this.closedNote = root.getElementById('composer-closed');
    this.replyBox = root.getElementById('reply-target');
    this.replyText = root.getElementById('reply-text');
    this.answerButton = root.getElementById('answer-btn');
    this.onSend = onSend;
    this.limit = 280;
    this.replyTo = null;
    this.open = false;
    this.question = null;

    this.text.addEventListener('input', () => this.count());
    this.text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    root.getElementById('reply-cancel').addEventListener('click', () => {
      this.setReply(null);
      this.text.focus();
    });
    this.answerButton.addEventListener('click', () => this.answer());
    this.count();
  }

  /** What the person may do: `canPost` (signed in, not a viewer) and `open` (session live). */
  configure({ canPost, open, limit, status }) {
    this.limit = limit;
    this.open = open;
    this.form.hidden = !canPost;
    this.viewerNote.hidden = canPost;
    this.closedNote.hidden = !canPost || open;
    if (!open && canPost) {
      this.closedNote.textContent = ['closed', 'archived', 'cancelled'].includes(status)
        ? 'This chat has ended: posting is closed.'
        : 'Posting opens when the chat goes live. You can write your message now.';
    }
    this.form.querySelector('button[type="submit"]').setAttribute('aria-disabled', open ? 'false' : 'true');
    this.count();
    this.updateAnswer();
  }

  /** The question to answer with one click, or null. */
  setQuestion(question) {
    this.question = question;
    this.updateAnswer();
  }

  updateAnswer() {
    const q = this.question;
    const show = Boolean(q) && !this.form.hidden;
    this.answerButton.hidden = !show;
    if (show) this.answerButton.textContent = `Answer Q${q.number}`;
  }

  answer() {
    if (!this.question) return;
    this.text.value = withAnswerPrefix(this.text.value, this.question.number);
    this.count();
    this.text.focus();
    const end = this.text.value.length;
    this.text.setSelectionRange(end, end);
  }

  count() {
    const n = codePointLength(this.text.value);
    const over = n - this.limit;
    this.counter.textContent = over > 0
      ? `${over} ${over === 1 ? 'character' : 'characters'} over the ${this.limit} limit`
      : `${n} of ${this.limit} characters`;
    this.counter.classList.toggle('over', over > 0);
    if (over > 0) this.text.setAttribute('aria-invalid', 'true');
    else this.text.removeAttribute('aria-invalid');
    return n;
  }

  setReply(message) {
    this.replyTo = message ? message.id : null;
    this.replyBox.hidden = !message;
    if (message) {
      replaceChildren(this.replyText, 'Replying to ', el('strong', {}, authorName(message)), `: ${snippet(message.text, 60)}`);
    }
  }

  reply(message) {
    this.setReply(message);
    this.text.focus();
  }

  showError(text) {
    this.error.textContent = text ?? '';
  }

  submit() {
    const text = this.text.value;
    const n = this.count();
    if (n === 0) {
      this.showError('Write something first.');
      this.text.focus();
      return;
    }
    if (n > this.limit) {
      this.showError(`The message is ${n} characters; the limit is ${this.limit}. Shorten it to send.`);
      this.text.focus();
      return;
    }
    if (!this.open) {
      this.showError('The chat is not live, so posts are not accepted yet. Your text stays here.');
      return;
    }
    this.showError('');
    this.onSend(text.trim(), this.replyTo);
    this.text.value = '';
    this.setReply(null);
    this.count();
    this.text.focus();
  }

  /** Put text back for editing (a failed post). */
  restore(text, parent) {
    // Never drop a draft: the failed text goes above whatever is being written.
    const draft = this.text.value.trim();
    this.text.value = draft ? `${text}\n${draft}` : text;
    this.setReply(parent && typeof parent.text === 'string' ? parent : null);
    this.count();
    this.text.focus();
  }
}
