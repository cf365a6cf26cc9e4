// The moderator console beside the chat: hold queue, reports, mutes and bans, the back
// channel and the moderation log. Shown for
// moderators and up (welcome.role); filled over HTTP on every welcome and moderation_resync,
// and kept current by the moderator-only frames. New items are announced through the page's
// one polite region, one summary per batch.

import { ApiError } from '../api.js';
import {
  backchannel, decideHeld, heldPosts, liftRestriction, listRestrictions, moderationLog, openReports, postBackchannel,
  resolveReport,
} from '../mod-api.js';
import { Backchannel } from './backchannel.js';
import { HoldQueue } from './hold-queue.js';
import { ModLog } from './mod-log.js';
import { ReportsPanel } from './reports.js';
import { RestrictionsPanel } from './restrictions.js';

export const CONSOLE_FRAMES = new Set(['held_for_review', 'held_decided', 'reported', 'backchannel', 'moderation_resync']);

export class ModConsole {
  constructor({ root = document, sessionId, state, announcer }) {
    this.sessionId = sessionId;
    this.state = state;
    this.announcer = announcer;
    this.box = root.getElementById('mod-console');
    this.main = root.getElementById('main');
    this.error = root.getElementById('console-error');
    this.active = false;
    this.loading = 0;
    this.hold = new HoldQueue({
      root,
      onDecide: (held, decision, reason) => decideHeld(sessionId, held.id, decision, decision === 'reject' ? reason : ''),
    });
    this.reports = new ReportsPanel({
      root,
      lookup: (id) => state.messages.get(id) ?? null,
      onResolve: (report) => resolveReport(sessionId, report.id),
    });
    this.backchannel = new Backchannel({ root, onSend: (text) => postBackchannel(sessionId, text) });
    this.log = new ModLog({ root, fetchLog: () => moderationLog(state.session.hashtag) });
    this.restrictions = new RestrictionsPanel({
      root,
      onLift: async (r) => {
        await liftRestriction(state.session.hashtag, r.handle, r.kind);
        await this.loadRestrictions();
      },
    });
  }

  /** Mutes and bans change only through requests (this page's or another moderator's). */
  async loadRestrictions() {
    if (!this.active || !this.state.session) return;
    try {
      this.restrictions.set(await listRestrictions(this.state.session.hashtag));
    } catch (e) {
      this.error.textContent = `Mutes and bans could not be loaded: ${e instanceof ApiError ? e.message : 'try again'}.`;
    }
  }

  /** Shows or hides the console for the role this connection joined with. */
  activate(on) {
    this.active = on;
    this.box.hidden = !on;
    this.main.classList.toggle('with-console', on);
  }

  /** Reads the queue, reports and back channel again (connect, resync). */
  async load() {
    if (!this.active) return;
    const run = ++this.loading;
    this.error.textContent = '';
    try {
      const [held, reports, messages] = await Promise.all([
        heldPosts(this.sessionId),
        openReports(this.sessionId),
        backchannel(this.sessionId),
      ]);
      if (run !== this.loading) return;
      this.hold.set(held);
      this.reports.set(reports);
      this.backchannel.set(messages);
      await this.loadRestrictions();
    } catch (e) {
      if (run === this.loading) {
        this.error.textContent = `The moderation lists could not be loaded: ${e instanceof ApiError ? e.message : 'try again'}.`;
      }
    }
  }

  /** A moderator-only frame. */
  frame(frame) {
    if (!this.active) return;
    switch (frame.type) {
      case 'held_for_review':
        if (this.hold.add(frame.held)) this.announceQueue();
        break;
      case 'held_decided':
        this.hold.decided(frame.held_id);
        break;
      case 'reported':
        if (this.reports.add(frame.report)) {
          const n = this.reports.size;
          this.announcer.say(n === 1 ? '1 open report.' : `${n} open reports.`, 'reports');
        }
        break;
      case 'backchannel':
        if (this.backchannel.add(frame.message) && frame.message.author !== this.state.you?.handle) {
          this.announcer.say(`Back channel message from ${frame.message.author}.`, 'backchannel');
        }
        break;
      case 'moderation_resync':
        this.load();
        break;
      default:
        break;
    }
  }

  announceQueue() {
    const n = this.hold.size;
    this.announcer.say(n === 1 ? '1 post waits for review.' : `${n} posts wait for review.`, 'hold');
  }

  /** Re-draws report lines once the messages they name are known. */
  refresh() {
    if (this.active) this.reports.render();
  }
}
