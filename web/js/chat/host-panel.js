// "Run the chat", for hosts: start, release the next question, add time, end, the questions still to
// come, and the series' slow mode, hold policy and blocked terms. Each part reports in its own
// status line.

import { ApiError, endSession, extendSession, startSession } from '../api.js';
import { releaseQuestion } from '../mod-api.js';
import { PlanEditor } from '../plan-editor.js';
import { RulesForm } from '../rules-form.js';

export class HostPanel {
  /** `onSession(session)`: a start or end changed the session. */
  constructor({ root = document, sessionId, onSession }) {
    this.sessionId = sessionId;
    this.hashtag = null;
    this.panel = root.getElementById('run-panel');
    this.start = root.getElementById('host-start');
    this.release = root.getElementById('host-release');
    this.end = root.getElementById('host-end');
    this.extend = root.getElementById('host-extend');
    this.error = root.getElementById('host-error');
    this.done = root.getElementById('host-done');
    this.rules = RulesForm.inPage(root);
    this.plan = PlanEditor.inPage(root, sessionId);
    this.onSession = onSession;
    // On a phone the console sits above the chat: fold this part so the queue and chat show.
    if (globalThis.matchMedia?.('(max-width: 63.99rem)').matches) this.panel.open = false;

    this.start.addEventListener('click', () => this.act(() => startSession(sessionId), 'The chat is live.', true));
    this.end.addEventListener('click', () => {
      if (globalThis.confirm('End this chat for everyone? Posting closes and the transcript stays readable.')) {
        this.act(() => endSession(sessionId), 'The chat has ended.', true);
      }
    });
    this.extend.addEventListener('click', () =>
      this.act(() => extendSession(sessionId, 15), 'The chat runs 15 minutes longer.', true));
    this.release.addEventListener('click', () =>
      this.act(async () => {
        const message = await releaseQuestion(sessionId);
        return `Q${message.question} is out.`;
      }));
  }

  /** Shows the panel for hosts and sets which buttons fit the session's status. */
  configure({ isHost, session }) {
    this.panel.hidden = !isHost;
    if (!isHost || !session) return;
    const status = session.status;
    this.start.hidden = !['scheduled', 'lobby'].includes(status);
    this.release.hidden = status !== 'live';
    this.end.hidden = status !== 'live';
    this.extend.hidden = status !== 'live';
    if (this.hashtag !== session.hashtag) {
      this.hashtag = session.hashtag;
      this.rules.load(session.hashtag);
      this.plan.load();
    }
  }

  /** A question was added to the plan elsewhere (an audience question promoted): read it again
   * unless the host has edits of their own not saved yet. */
  planChanged() {
    if (!this.panel.hidden && !this.plan.dirty) this.plan.load();
  }

  /** A question_released entry arrived live: the plan lost its first question. */
  questionReleased(number) {
    if (!this.panel.hidden) this.plan.released(number);
  }

  async act(action, doneText, changesSession = false) {
    this.error.textContent = '';
    this.done.textContent = '';
    try {
      const result = await action();
      if (changesSession) this.onSession(result);
      this.done.textContent = typeof result === 'string' ? result : doneText;
    } catch (e) {
      this.error.textContent = e instanceof ApiError ? e.message : 'That did not work. Try again.';
    }
  }
}
