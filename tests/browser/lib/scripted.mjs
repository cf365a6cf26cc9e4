// A scripted live server inside the test: the page's websocket and its two REST calls are
// answered by the test (Playwright's routeWebSocket), so states the real server cannot yet
// produce (released questions, pins, errors, gaps) can be exercised.

import { eventually } from './chat.mjs';

export const SESSION_ID = '0190f3a2-7b1c-7d4e-8f00-0000000000a1';
export const ME = { id: '0190f3a2-7b1c-7d4e-8f00-00000000me01', handle: '@sam_rn', display_name: 'Sam Rivers', bio: '' };
export const OTHER = { id: '0190f3a2-7b1c-7d4e-8f00-00000000ot01', handle: '@jo_patient', display_name: 'Jo Patel' };
export const HOST = { id: '0190f3a2-7b1c-7d4e-8f00-00000000ho01', handle: '@host', display_name: 'WeNurses Host' };

let ids = 0;
export function newId() {
  ids += 1;
  return `0190f3a2-7b1c-7d4e-8f00-${String(ids).padStart(12, '0')}`;
}

export function session(overrides = {}) {
  const now = Date.now();
  return {
    id: SESSION_ID,
    series_id: '0190f3a2-7b1c-7d4e-8f00-0000000000s1',
    hashtag: '#WeNurses',
    title: 'Looking after ourselves on night shifts',
    status: 'live',
    starts_at: new Date(now - 10 * 60000).toISOString(),
    ends_at: new Date(now + 50 * 60000).toISOString(),
    ...overrides,
  };
}

export function messageView({ text, author = OTHER, kind = 'post', question, answers, replyTo, likes = 0, id = newId() }) {
  const view = {
    id,
    seq: 0,
    kind,
    author,
    text,
    created_at: new Date().toISOString(),
    hashtags: [],
    mentions: [],
    likes,
  };
  if (question) view.question = question;
  if (answers) view.answers = answers;
  if (replyTo) view.reply_to = replyTo;
  return view;
}

/**
 * Routes the chat page of SESSION_ID to a scripted server. Options: `me` (null for an
 * anonymous viewer), `role`, `session` overrides, `limits`, `currentQuestion`.
 */
export async function scriptedServer(page, { me = ME, role = 'participant', sessionOverrides = {}, limits = {} } = {}) {
  const server = {
    session: session(sessionOverrides),
    role,
    me,
    limits: { max_text_chars: 280, max_frame_bytes: 16384, posts_per_minute: 30, ...limits },
    currentQuestion: null,
    /** Every stream frame published, index = seq - 1. */
    stream: [],
    /** Every frame the page sent, with the connection number. */
    received: [],
    connections: [],
    /** Override to answer hello differently. */
    onHello: null,
    /** Override to handle post/like/... frames; default: nothing (the test acks). */
    onFrame: null,

    get conn() {
      return this.connections[this.connections.length - 1];
    },

    get lastSeq() {
      return this.stream.length;
    },

    welcome() {
      return {
        type: 'welcome',
        protocol: 1,
        session: this.session,
        role: this.role,
        you: this.me ? { id: this.me.id, handle: this.me.handle, display_name: this.me.display_name } : null,
        current_question: this.currentQuestion,
        last_seq: this.lastSeq,
        limits: this.limits,
      };
    },

    /** Sends a frame on the newest connection. */
    send(frame) {
      this.conn.ws.send(JSON.stringify(frame));
    },

    /** Adds a frame to the stream (assigning its seq); `deliver: false` keeps it unsent. */
    publish(frame, { deliver = true } = {}) {
      const seq = this.stream.length + 1;
      const full = { ...frame, seq };
      if (full.message) full.message = { ...full.message, seq };
      this.stream.push(full);
      if (full.type === 'question_released') {
        this.currentQuestion = { number: full.message.question, text: full.message.text, message_id: full.message.id, seq };
      }
      if (deliver && this.conn && !this.conn.closed) this.send(full);
      return full;
    },

    post(text, options = {}) {
      return this.publish({ type: 'message', message: messageView({ text, ...options }) });
    },

    question(number, text) {
      return this.publish({ type: 'question_released', message: messageView({ text, author: HOST, kind: 'question', question: number }) });
    },

    /** Commits a post frame from the page: the message in the stream, then the ack. */
    commit(postFrame, { duplicate = false } = {}) {
      const answers = /^A(\d+)\b/.exec(postFrame.text)?.[1];
      const message = messageView({ text: postFrame.text, author: this.me, answers: answers ? Number(answers) : undefined, replyTo: postFrame.reply_to });
      const published = this.publish({ type: 'message', message });
      this.send({ type: 'ack', client_id: postFrame.client_id, seq: published.seq, message_id: message.id, duplicate });
      return published;
    },

    replayAfter(after) {
      for (const frame of this.stream.slice(Math.max(0, after))) this.send(frame);
      this.send({ type: 'caught_up', last_seq: this.lastSeq });
    },

    frames(type) {
      return this.received.filter((r) => r.frame.type === type).map((r) => r.frame);
    },

    async waitForFrame(type, predicate = () => true, what = `a ${type} frame`) {
      return eventually(() => this.frames(type).find(predicate), what);
    },

    async closeConnection(code = 1001, reason = 'server restarting') {
      const conn = this.conn;
      conn.closed = true;
      await conn.ws.close({ code, reason });
    },
  };

  await page.route('**/api/v1/me', (route) =>
    server.me
      ? route.fulfill({ json: server.me })
      : route.fulfill({ status: 401, json: { error: { code: 'unauthenticated', message: 'sign in first' } } }),
  );
  await page.route(`**/api/v1/sessions/${SESSION_ID}`, (route) =>
    route.fulfill({ json: { ...server.session, last_seq: server.lastSeq, live_path: `/api/v1/sessions/${SESSION_ID}/live` } }),
  );
  await page.routeWebSocket(/\/api\/v1\/sessions\/[^/]+\/live$/, (ws) => {
    const conn = { ws, number: server.connections.length + 1, closed: false };
    server.connections.push(conn);
    ws.onClose(() => {
      conn.closed = true;
    });
    ws.onMessage((data) => {
      const frame = JSON.parse(String(data));
      server.received.push({ conn: conn.number, frame });
      if (frame.type === 'hello') {
        if (server.onHello) {
          server.onHello(conn, frame);
          return;
        }
        ws.send(JSON.stringify(server.welcome()));
        if (Number.isInteger(frame.resume_after)) {
          for (const f of server.stream.slice(frame.resume_after)) ws.send(JSON.stringify(f));
        }
        ws.send(JSON.stringify({ type: 'caught_up', last_seq: server.lastSeq }));
      } else if (frame.type === 'resume') {
        for (const f of server.stream.slice(frame.after)) ws.send(JSON.stringify(f));
        ws.send(JSON.stringify({ type: 'caught_up', last_seq: server.lastSeq }));
      } else if (frame.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      } else if (server.onFrame) {
        server.onFrame(conn, frame);
      }
    });
  });
  return server;
}
