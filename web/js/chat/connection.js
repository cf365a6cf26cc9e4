// The live socket: hello, resume, keep-alive, and reconnecting with backoff. It knows nothing
// about messages; it hands every frame to its listeners and asks `resumeAfter()` where to
// resume from each time it connects.
//
// Events (CustomEvent.detail):
//   'state'  {state, delayMs?, reason?}  state: connecting | catching_up | live | reconnecting | offline | closed
//   'frame'  {frame}

import { backoffDelay } from '../backoff.js';

/** 4001 reasons (docs/protocol.md): the credential this connection used stopped working. */
const SIGNED_OUT = {
  'signed out': { message: 'You signed out, so the live chat closed here. Sign in again to take part.', signIn: true },
  'password changed': { message: 'Your password was changed, so this sign-in ended. Sign in again with the new password.', signIn: true },
  'token revoked': { message: 'The token this connection used was revoked. Sign in again to take part.', signIn: true },
  // Signing in again would not work: the account cannot sign in any more.
  'account deactivated': { message: 'This account was deactivated, so the live chat closed.' },
};

/**
 * What a close means when reconnecting cannot help, or null when it can. `signIn`: a new
 * sign-in would let the person back in; a ban would not, so no reconnect and no prompt.
 */
export function fatalClose(code, reason = '') {
  switch (code) {
    case 4001:
      return SIGNED_OUT[reason] ?? { message: 'Your sign-in is no longer valid. Sign in again to take part.', signIn: true };
    case 4003:
      return reason === 'banned'
        ? { message: 'You are banned from this chat series, so the live chat has closed for you.', banned: true }
        : { message: 'This chat is for signed-in participants. Sign in to join.', signIn: true };
    case 4004:
      return { message: 'This chat does not exist.' };
    case 4009:
      return { message: 'This page is out of date. Reload it.' };
    default:
      return null;
  }
}

const PING_EVERY_MS = 25000;
/** No frame at all for this long (the server pings every 20 s): the link is dead. */
const SILENCE_LIMIT_MS = 65000;
/** A connection that lived this long resets the backoff. */
const HEALTHY_AFTER_MS = 5000;

export function liveUrl(sessionId, loc = location) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/api/v1/sessions/${encodeURIComponent(sessionId)}/live`;
}

export class LiveConnection extends EventTarget {
  constructor({ url, resumeAfter, WebSocketImpl = globalThis.WebSocket, backoff = backoffDelay }) {
    super();
    this.url = url;
    this.resumeAfter = resumeAfter;
    this.WebSocketImpl = WebSocketImpl;
    this.backoff = backoff;
    this.state = 'idle';
    this.socket = null;
    this.welcomed = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.retryAt = 0;
    this.closingHint = null;
    this.liveSince = 0;
    this.lastHeard = 0;
    this.stopped = false;
    this.everConnected = false;
    this.keepAlive = null;
    this.onOnline = () => this.reconnectNow();
    this.onVisible = () => {
      if (document.visibilityState === 'visible') {
        if (this.state === 'reconnecting' || this.state === 'offline') this.reconnectNow();
        else this.checkSilence();
      }
    };
  }

  start() {
    globalThis.addEventListener?.('online', this.onOnline);
    globalThis.document?.addEventListener('visibilitychange', this.onVisible);
    this.keepAlive = setInterval(() => this.tick(), PING_EVERY_MS);
    this.connect();
  }

  /** Stop for good (leaving the page). */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.keepAlive);
    globalThis.removeEventListener?.('online', this.onOnline);
    globalThis.document?.removeEventListener('visibilitychange', this.onVisible);
    if (this.socket) {
      this.detach(this.socket);
      try {
        this.socket.close(1000, 'leaving');
      } catch {
        // already closed
      }
      this.socket = null;
    }
    this.setState('closed', { reason: 'stopped' });
  }

  /** Sends a frame if the connection has been welcomed; returns whether it was sent. */
  send(frame) {
    if (!this.socket || !this.welcomed || this.socket.readyState !== 1) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  get isOpen() {
    return Boolean(this.socket && this.welcomed && this.socket.readyState === 1);
  }

  setState(state, detail = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, ...detail } }));
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.welcomed = false;
    this.closingHint = null;
    this.setState(this.everConnected ? 'reconnecting' : 'connecting', { delayMs: 0 });
    let socket;
    try {
      socket = new this.WebSocketImpl(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.lastHeard = Date.now();
    socket.onopen = () => {
      this.lastHeard = Date.now();
      const hello = { type: 'hello', protocol: [1] };
      const after = this.resumeAfter();
      if (Number.isInteger(after) && after >= 0) hello.resume_after = after;
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.closed(socket, event.code, event.reason);
    socket.onerror = () => {
      // onclose follows and decides what to do.
    };
  }

  detach(socket) {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
  }

  receive(data) {
    this.lastHeard = Date.now();
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== 'string') return;
    if (frame.type === 'welcome') {
      this.welcomed = true;
      this.everConnected = true;
      this.setState('catching_up');
    } else if (frame.type === 'caught_up' && this.state !== 'live') {
      this.liveSince = Date.now();
      this.setState('live');
    } else if (frame.type === 'closing') {
      this.closingHint = Number(frame.retry_after_ms) || 0;
    }
    this.dispatchEvent(new CustomEvent('frame', { detail: { frame } }));
  }

  closed(socket, code, reason) {
    if (socket !== this.socket) return;
    this.detach(socket);
    this.socket = null;
    this.welcomed = false;
    if (this.stopped) return;
    const fatal = fatalClose(code, reason);
    if (fatal) {
      this.setState('closed', { ...fatal, reason: fatal.message, code });
      return;
    }
    if (this.liveSince && Date.now() - this.liveSince > HEALTHY_AFTER_MS) this.attempt = 0;
    this.liveSince = 0;
    this.scheduleReconnect(reason);
  }

  scheduleReconnect(reason = '') {
    if (this.stopped) return;
    if (globalThis.navigator && navigator.onLine === false) {
      this.setState('offline', { reason });
      return;
    }
    let delay = this.backoff(this.attempt);
    if (this.closingHint !== null) {
      // The server said when to come back (a restart): that, plus jitter so not everyone
      // arrives at once.
      delay = this.closingHint + Math.round(Math.random() * 1000);
    }
    this.attempt += 1;
    this.closingHint = null;
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setState('reconnecting', { delayMs: delay, reason });
  }

  /** Skip the wait (back online, page visible again, or the person asked). */
  reconnectNow() {
    if (this.stopped || this.socket) return;
    this.connect();
  }

  /** Drop the current socket and reconnect, e.g. when it has gone silent. */
  drop(reason = 'connection lost') {
    const socket = this.socket;
    if (!socket) return;
    this.detach(socket);
    this.socket = null;
    this.welcomed = false;
    try {
      socket.close(4000, reason);
    } catch {
      // ignore
    }
    this.liveSince = 0;
    this.scheduleReconnect(reason);
  }

  checkSilence() {
    if (this.socket && Date.now() - this.lastHeard > SILENCE_LIMIT_MS) this.drop('no answer from the server');
  }

  tick() {
    this.checkSilence();
    if (this.isOpen) this.send({ type: 'ping' });
  }
}
