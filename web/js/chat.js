// The live chat page: wires the socket, the stream state, the views and the composer.

import { ApiError, getSession } from './api.js';
import { el, replaceChildren } from './dom.js';
import { accountLink, initAccountNav } from './nav.js';
import { textNodes } from './render-message.js';
import { sessionIdFrom } from './text.js';
import { backoffDelay } from './backoff.js';
import { moderateMessage, reportMessage, restrict } from './mod-api.js';
import { Announcer } from './chat/announcer.js';
import { Composer } from './chat/composer.js';
import { LiveConnection, liveUrl } from './chat/connection.js';
import { CONSOLE_FRAMES, ModConsole } from './chat/console.js';
import { describeError } from './chat/errors.js';
import { ChatHeader } from './chat/header.js';
import { HostPanel } from './chat/host-panel.js';
import { LikeMemory } from './chat/likes.js';
import { moderateTool, reportTool } from './chat/message-tools.js';
import { RestrictionNote } from './chat/restriction-note.js';
import { Outbox, retryAfterSeconds } from './chat/outbox.js';
import { ProposalsPanel } from './chat/proposals.js';
import { ChatState, isStreamFrame } from './chat/state.js';
import { StreamView } from './chat/stream-view.js';

const fatalBox = document.getElementById('fatal');
const sessionId = sessionIdFrom(location.search);

function fatal(text) {
  fatalBox.textContent = text;
}

if (!sessionId) {
  fatal('No chat was chosen. Pick one on the home page.');
  fatalBox.append(' ', el('a', { href: '/' }, 'Go to the home page'));
  document.getElementById('conn').dataset.state = 'closed';
  document.getElementById('conn').textContent = 'Not connected';
  initAccountNav();
} else {
  start(sessionId);
}

function storage(kind) {
  try {
    return globalThis[kind] ?? null;
  } catch {
    return null;
  }
}

function start(id) {
  const state = new ChatState();
  const header = new ChatHeader(document);
  const announcer = new Announcer(document.getElementById('announcer'));
  const outbox = new Outbox(storage('sessionStorage'), `tweetchat:outbox:${id}`);
  const likes = new LikeMemory(storage('localStorage'), `tweetchat:likes:${id}`);
  const connection = new LiveConnection({ url: liveUrl(id), resumeAfter: () => state.lastSeq });

  const modConsole = new ModConsole({ sessionId: id, state, announcer });
  const proposals = new ProposalsPanel({ sessionId: id, state, announcer, onPromoted: () => hostPanel.planChanged() });
  const restriction = new RestrictionNote({ announcer });
  const hostPanel = new HostPanel({
    sessionId: id,
    onSession: (session) => {
      state.session = { ...state.session, ...session };
      header.show(state.session);
      configure();
    },
  });

  /** Moderators' actions on a message: hide/unhide/pin/unpin it, or mute/ban its author. */
  function moderate(action, message, { reason, minutes }) {
    if (action === 'mute' || action === 'ban') {
      return restrict(state.session.hashtag, message.author.handle, action, { minutes, reason })
        .then(() => modConsole.loadRestrictions());
    }
    return moderateMessage(id, message.id, action, reason);
  }

  /** The disclosures under a message: Moderate for moderators, Report for participants. */
  function messageTools(message) {
    if (message.kind === 'notice') return null;
    if (state.canModerate) {
      return moderateTool(message, { pinned: state.pinned.includes(message.id), mine: state.isMine(message), onModerate: moderate });
    }
    if (state.canPost && !state.isMine(message) && !message.hidden) {
      return reportTool(message, (m, reason) => reportMessage(id, m.id, reason));
    }
    return null;
  }

  let caughtUpOnce = false;
  /** The role changed to or from moderating: replay the history once caught up. */
  let replayForRole = false;
  let resyncing = false;
  let generation = 0;
  let wasLive = false;
  let reloads = [];
  /** Messages of the first replay, rendered together at the first caught_up. */
  let initialBatch = [];
  const retryTimers = new Map();

  const view = new StreamView({
    state,
    likes,
    tools: messageTools,
    onLike: (message, liked, button) => {
      if (!connection.send({ type: liked ? 'like' : 'unlike', message_id: message.id })) {
        composer.showError('Not connected right now; try again in a moment.');
        return;
      }
      likes.set(message.id, liked);
      button.setAttribute('aria-pressed', liked ? 'true' : 'false');
    },
    onReply: (message) => composer.reply(message),
    onPendingAction: (action, clientId) => {
      const item = outbox.get(clientId);
      if (!item) return;
      if (action === 'retry') {
        outbox.retry(clientId);
        sendItem(item);
      } else {
        outbox.remove(clientId);
        view.removePending(clientId);
        if (action === 'edit') composer.restore(item.text, item.replyTo ? state.messages.get(item.replyTo) : null);
        else document.getElementById('composer-text').focus();
      }
    },
  });

  const composer = new Composer({
    onSend: (text, replyTo) => {
      sendItem(outbox.add(text, replyTo));
    },
  });

  const announceToggle = document.getElementById('announce-toggle');
  announceToggle.addEventListener('change', () => announcer.setEnabled(announceToggle.checked));
  view.onPauseChange = (paused) => {
    announcer.say(paused ? 'Paused: new messages wait until you resume.' : 'Resumed.');
  };
  view.onRendered = (message) => {
    const item = outbox.byMessageId(message.id);
    if (item) {
      outbox.remove(item.clientId);
      view.removePending(item.clientId);
    }
  };

  function sendItem(item) {
    const sent = connection.send(outbox.frame(item));
    if (sent) item.generation = generation;
    item.offline = !sent;
    view.showPending(item);
  }

  function flushOutbox() {
    for (const item of outbox.unsent()) {
      if (retryTimers.has(item.clientId)) continue;
      if (item.generation === generation) continue;
      sendItem(item);
    }
  }

  function scheduleRetry(item) {
    clearTimeout(retryTimers.get(item.clientId));
    const seconds = retryAfterSeconds(item.error?.message);
    const delay = seconds !== null ? Math.ceil(seconds * 1000) + 200 : backoffDelay(item.attempts, { base: 1000, max: 30000 });
    retryTimers.set(item.clientId, setTimeout(() => {
      retryTimers.delete(item.clientId);
      if (item.state !== 'retrying') return;
      item.state = 'sending';
      sendItem(item);
    }, delay));
  }

  function showQuestion() {
    const q = state.currentQuestion;
    const box = document.getElementById('cq-text');
    // Kept in view while scrolling only when there is a question to answer.
    document.getElementById('current-question').classList.toggle('has-question', Boolean(q));
    if (q) {
      const labelled = new RegExp(`^\\s*Q${q.number}\\b`).test(q.text);
      replaceChildren(box, labelled ? null : el('span', { class: 'q-label' }, `Q${q.number}`), textNodes(q.text));
    } else {
      box.textContent = 'No question yet. The host\u2019s questions appear here.';
    }
    composer.setQuestion(q);
  }

  function configure() {
    const status = state.status;
    composer.configure({
      canPost: state.canPost,
      open: status === 'live',
      limit: state.limits.max_text_chars,
      status,
    });
    hostPanel.configure({ isHost: state.isHost, session: state.session });
    restriction.slowMode(state.slowModeSeconds, state.isHost);
    proposals.configure();
  }

  function applyStream(frame) {
    const outcome = state.apply(frame);
    if (outcome.result === 'duplicate') return;
    if (outcome.result === 'gap') {
      if (!resyncing && connection.send({ type: 'resume', after: state.lastSeq })) resyncing = true;
      return;
    }
    const effect = outcome.effect;
    switch (effect.kind) {
      case 'added':
        if (caughtUpOnce) {
          view.add(effect.message);
          if (!state.isMine(effect.message)) announcer.message(effect.message);
        } else {
          initialBatch.push(effect.message);
        }
        if (effect.question) {
          showQuestion();
          if (caughtUpOnce) hostPanel.questionReleased(effect.message.question);
        }
        break;
      case 'hidden':
        // Participants lose the message from their page; moderators see it marked.
        view.update(effect.id);
        view.refreshPinned();
        break;
      case 'unhidden':
        if (view.isRendered(effect.message.id)) view.update(effect.message.id);
        else if (caughtUpOnce) view.show([effect.message]);
        else initialBatch.push(effect.message);
        view.refreshPinned();
        break;
      case 'pins':
        view.update(effect.id);
        view.refreshPinned();
        break;
      case 'liked':
        view.setLikes(effect.id, effect.likes);
        break;
      case 'status':
        header.show(state.session);
        configure();
        if (caughtUpOnce) announcer.say(`The chat is now ${header.statusLabel().toLowerCase()}.`);
        break;
      default:
        break;
    }
  }

  /** Drops the local stream and replays it from the start on this connection. */
  function replayFromStart() {
    state.reset();
    view.clear();
    caughtUpOnce = false;
    initialBatch = [];
    connection.send({ type: 'resume', after: 0 });
  }

  function onCaughtUp() {
    resyncing = false;
    if (replayForRole) {
      // Hidden messages reach moderators only with their content; what we hold was sent to
      // the old role, so the history is fetched again for the new one.
      replayForRole = false;
      replayFromStart();
      return;
    }
    if (!caughtUpOnce) {
      caughtUpOnce = true;
      const batch = initialBatch;
      initialBatch = [];
      view.show(batch);
      view.refreshPinned();
      modConsole.refresh();
      const target = location.hash.startsWith('#m-') ? document.getElementById(location.hash.slice(1)) : null;
      if (target) {
        target.scrollIntoView({ block: 'center' });
        target.focus({ preventScroll: true });
      } else {
        StreamView.scrollToBottom();
      }
    }
    flushOutbox();
  }

  function onError(frame) {
    // A host may turn slow mode on or change it mid-chat; no frame says so, this error does.
    const every = frame.code === 'slow_mode' ? /one post every (\d+) s/.exec(frame.message ?? '') : null;
    if (every) restriction.slowMode(Number(every[1]), false);
    const text = describeError(frame.code, frame.message, { limit: state.limits.max_text_chars, post: Boolean(frame.client_id) });
    if (frame.client_id) {
      const item = outbox.fail(frame.client_id, frame.code, frame.message);
      if (!item) return;
      item.error.text = text;
      view.showPending(item);
      if (item.state === 'retrying') scheduleRetry(item);
      else composer.showError(`Your message was not sent. ${text}`);
      return;
    }
    composer.showError(text);
  }

  function onReload() {
    const now = Date.now();
    reloads = reloads.filter((t) => now - t < 60000);
    reloads.push(now);
    if (reloads.length > 3) {
      state.reset();
      view.clear();
      fatal('The chat history cannot be loaded right now. Reload the page in a minute, or read the transcript.');
      connection.stop();
      return;
    }
    replayFromStart();
  }

  connection.addEventListener('frame', ({ detail: { frame } }) => {
    if (isStreamFrame(frame)) {
      applyStream(frame);
      return;
    }
    if (CONSOLE_FRAMES.has(frame.type)) {
      modConsole.frame(frame);
      return;
    }
    switch (frame.type) {
      case 'welcome': {
        generation += 1;
        const couldModerate = state.canModerate;
        const roleBefore = state.role;
        state.welcome(frame);
        header.show(state.session);
        configure();
        modConsole.activate(state.canModerate);
        modConsole.load();
        proposals.load();
        // A new role (the owner appointed or removed us) changes what each message offers.
        if (roleBefore !== state.role) view.rerenderAll();
        if (caughtUpOnce && couldModerate !== state.canModerate) replayForRole = true;
        showQuestion();
        document.getElementById('viewer-signin').replaceWith(
          Object.assign(accountLink('signin', 'Sign in or create an account'), { id: 'viewer-signin' }),
        );
        break;
      }
      case 'caught_up':
        onCaughtUp();
        break;
      case 'ack': {
        const item = outbox.ack(frame);
        if (!item) break;
        clearTimeout(retryTimers.get(item.clientId));
        retryTimers.delete(item.clientId);
        if (view.isRendered(frame.message_id)) {
          outbox.remove(item.clientId);
          view.removePending(item.clientId);
        } else {
          view.showPending(item);
        }
        composer.showError('');
        break;
      }
      case 'error':
        onError(frame);
        break;
      case 'post_held': {
        const item = outbox.held(frame);
        if (item) view.showPending(item);
        break;
      }
      case 'post_rejected': {
        const item = outbox.rejected(frame);
        if (!item) break;
        view.showPending(item);
        announcer.say('A moderator did not approve your message.');
        break;
      }
      case 'restricted':
        restriction.restricted(frame);
        break;
      case 'proposal':
        proposals.frame(frame.proposal);
        break;
      case 'presence':
        header.presenceCounts(frame.participants, frame.viewers);
        break;
      case 'reload':
        onReload();
        break;
      case 'closing':
        header.connection('reconnecting', frame.retry_after_ms);
        break;
      default:
        break;
    }
  });

  connection.addEventListener('state', ({ detail }) => {
    header.connection(detail.state, detail.delayMs);
    if (detail.state === 'live') {
      if (wasLive === 'lost') announcer.say('Reconnected.');
      wasLive = true;
    } else if ((detail.state === 'reconnecting' || detail.state === 'offline') && wasLive === true) {
      wasLive = 'lost';
      announcer.say('Connection lost. Reconnecting.');
    } else if (detail.state === 'closed' && detail.reason && detail.reason !== 'stopped') {
      fatal(detail.reason);
      if (detail.signIn) fatalBox.append(' ', accountLink('signin', 'Sign in again'));
      // This connection will not come back, so nothing could be sent: the page stays readable.
      document.getElementById('composer').hidden = true;
    }
  });

  // Show what we know before the socket is up, and catch a wrong link early.
  getSession(id).then(
    (session) => {
      if (!state.session) {
        state.session = session;
        header.show(session);
      }
    },
    (e) => {
      if (e instanceof ApiError && e.status === 404) {
        fatal('This chat does not exist. Check the link, or pick a chat on the home page.');
        connection.stop();
        header.connection('closed');
      }
    },
  );

  // Posts kept from before a reload of the page are shown until they are sent.
  for (const item of outbox.items.values()) view.showPending(item);

  initAccountNav();
  connection.start();
}
