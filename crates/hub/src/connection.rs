//! One websocket connection, from `hello` to close.
//!
//! A single task owns the socket and does everything in one `select!` loop: shutdown, acks,
//! stream frames, inbound frames, heartbeats. One task per connection keeps memory small and
//! needs no lock around the socket. Frames queued for the connection are written together and
//! flushed once.
//!
//! Delivery is by `seq`: the connection remembers the last stream position it sent. A frame
//! that would skip positions (after the broadcast dropped frames for this slow connection, or
//! a publisher's own hole) first triggers a catch-up from the room's ring or, failing that,
//! from PostgreSQL. A frame at or below the position is a duplicate and is skipped. So every
//! client gets every entry exactly once, in order, however slow it is, and a slow client costs
//! the others nothing: the broadcast never waits for anyone.

use crate::committer::PostRequest;
use crate::render::{self, Audience, StreamItem};
use crate::room::{Room, Subscription};
use crate::{Control, Hub, Registration};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use chrono::Utc;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc};
use tweetchat_domain::{
    ClientMsgId, DomainError, MessageText, Role, Scopes, answer_label, extract_hashtags, extract_mentions,
};
use tweetchat_protocol::{
    AuthorView, ClientFrame, ErrorCode, Limits, SUPPORTED_VERSIONS, ServerFrame, SessionView, Welcome, close,
};
use tweetchat_storage::StorageError;
use tweetchat_storage::stream::NewPost;
use tweetchat_storage::users::{User, secret_digest};
use uuid::Uuid;

/// What the hub needs of a websocket: axum's `WebSocket` is one.
pub trait Socket:
    Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin + Send + 'static
{
}
impl<T> Socket for T where
    T: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin + Send + 'static
{
}

/// Who is connecting, as far as the HTTP edge could tell at the upgrade (a browser's cookie).
/// A token in `hello` takes precedence.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: Option<User>,
    /// Digest of the secret that identified `user`, so signing out that login closes this
    /// connection.
    pub credential: Option<Vec<u8>>,
    /// What that credential allows (an API token may be read-only).
    pub scopes: Scopes,
}

impl Default for Caller {
    fn default() -> Self {
        Caller { user: None, credential: None, scopes: Scopes::ALL }
    }
}

/// Stream frames written per flush at most; more wait for the next round.
const MAX_FRAMES_PER_WRITE: usize = 256;
/// Rows read from the database per catch-up query.
const CATCH_UP_PAGE: i64 = 500;
/// How long a shutting-down connection waits for its posts to be committed and acked.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
const CLOSE_INTERNAL: u16 = 1011;

/// Why the connection ends.
enum End {
    /// Send a close frame with this code and reason.
    Close(u16, String),
    /// The peer went away or the socket failed: nothing more can be sent.
    Gone,
}

enum Inbound {
    Frame(ClientFrame),
    Bad(ErrorCode, String),
    Activity,
}

struct Connection<S> {
    hub: Hub,
    socket: S,
    session_id: Uuid,
    user: Option<User>,
    role: Role,
    last_sent: i64,
    replies_tx: mpsc::Sender<ServerFrame>,
    replies: mpsc::Receiver<ServerFrame>,
    inflight: Arc<AtomicUsize>,
    bad_frames: u32,
    last_heard: Instant,
    unflushed: u64,
    /// The last `seq` known to have left in a completed flush: the safe resume position.
    last_flushed: i64,
    credential: Option<Vec<u8>>,
    scopes: Scopes,
    control_tx: mpsc::Sender<Box<Control>>,
    control: mpsc::Receiver<Box<Control>>,
    /// Frames for moderators (hold queue, reports, back channel); `None` for everyone else.
    moderator_feed: Option<broadcast::Receiver<Utf8Bytes>>,
    /// In the hub's registry while signed in; leaves it when the connection ends.
    _registration: Option<Registration>,
}

/// Control frames queued per connection; a connection this far behind is stuck anyway.
const CONTROL_QUEUE: usize = 32;

pub(crate) async fn run<S: Socket>(hub: Hub, socket: S, session_id: Uuid, caller: Caller) {
    hub.metrics().connections_open.inc();
    hub.metrics().connections_total.inc();
    let (replies_tx, replies) = mpsc::channel(hub.config().max_inflight_per_connection + 16);
    let (control_tx, control) = mpsc::channel(CONTROL_QUEUE);
    let mut conn = Connection {
        hub: hub.clone(),
        socket,
        session_id,
        user: caller.user,
        role: Role::Viewer,
        last_sent: 0,
        replies_tx,
        replies,
        inflight: Arc::new(AtomicUsize::new(0)),
        bad_frames: 0,
        last_heard: Instant::now(),
        unflushed: 0,
        last_flushed: 0,
        credential: caller.credential,
        scopes: caller.scopes,
        control_tx,
        control,
        moderator_feed: None,
        _registration: None,
    };
    let end = match conn.handshake().await {
        Ok((room, sub)) => {
            let end = conn.live(&room, sub).await;
            room.leave(conn.user.as_ref().map(|u| u.id));
            end
        }
        Err(end) => end,
    };
    if let End::Close(code, reason) = end {
        if code == close::TOO_SLOW {
            hub.metrics().slow_closes.inc();
        }
        conn.close(code, reason).await;
    }
    hub.metrics().connections_open.dec();
}

impl<S: Socket> Connection<S> {
    async fn handshake(&mut self) -> Result<(Arc<Room>, Subscription), End> {
        let config = self.hub.config().clone();
        let first = tokio::time::timeout(config.hello_timeout, self.next_inbound_frame())
            .await
            .map_err(|_| End::Close(close::TIMEOUT, "no hello within the time allowed".into()))??;
        let ClientFrame::Hello { protocol, token, resume_after } = first else {
            self.send(&ServerFrame::error(ErrorCode::HelloExpected, "the first frame must be hello")).await?;
            return Err(End::Close(close::POLICY_VIOLATION, "hello expected".into()));
        };
        let Some(version) = protocol.iter().copied().filter(|v| SUPPORTED_VERSIONS.contains(v)).max() else {
            self.send(&ServerFrame::error(
                ErrorCode::UnsupportedVersion,
                format!("supported protocol versions: {SUPPORTED_VERSIONS:?}"),
            ))
            .await?;
            return Err(End::Close(close::UNSUPPORTED_VERSION, "unsupported protocol version".into()));
        };
        if let Some(token) = token {
            let digest = secret_digest(&token);
            match self.hub.db().user_by_token(&digest, Utc::now()).await {
                Ok(grant) => {
                    self.user = Some(grant.user);
                    self.credential = Some(digest);
                    self.scopes = grant.scopes;
                }
                Err(StorageError::NotFound) => {
                    self.send(&ServerFrame::error(
                        ErrorCode::Unauthenticated,
                        "the token is not valid (expired, revoked or unknown)",
                    ))
                    .await?;
                    return Err(End::Close(close::UNAUTHENTICATED, "invalid token".into()));
                }
                Err(error) => return Err(internal(error)),
            }
        }
        let session = match self.hub.db().session(self.session_id).await {
            Ok(session) => session,
            Err(StorageError::NotFound) => {
                return Err(End::Close(close::NOT_FOUND, "no such session".into()));
            }
            Err(error) => return Err(internal(error)),
        };
        self.role = match &self.user {
            Some(user) => {
                self.scopes.cap(self.hub.db().role_in_series(session.series_id, user.id).await.map_err(internal)?)
            }
            None if session.allow_viewers => Role::Viewer,
            None => {
                self.send(&ServerFrame::error(ErrorCode::Forbidden, "this chat is for signed-in participants only"))
                    .await?;
                return Err(End::Close(close::FORBIDDEN, "sign in to join".into()));
            }
        };
        if let Some(user) = &self.user
            && !self.role.can_moderate()
            && self.hub.db().is_banned(session.series_id, user.id, Utc::now()).await.map_err(internal)?
        {
            self.send(&ServerFrame::error(ErrorCode::Banned, "you are banned from this chat series")).await?;
            return Err(End::Close(close::FORBIDDEN, "banned".into()));
        }
        let room = self.hub.room(self.session_id).await.map_err(internal)?;
        if let Some(user) = &self.user {
            self._registration =
                Some(self.hub.register(user.id, &room, self.credential.clone(), self.control_tx.clone()));
        }
        if self.role.can_moderate() {
            self.moderator_feed = Some(room.subscribe_moderators());
        }
        let sub = room.subscribe(self.user.as_ref().map(|u| u.id));
        let current_question = self.hub.db().current_question(self.session_id).await.map_err(internal)?;
        let pinned = self.hub.db().pinned_messages(self.session_id).await.map_err(internal)?;
        let welcome = Welcome {
            protocol: version,
            session: SessionView {
                id: session.id,
                series_id: session.series_id,
                hashtag: session.hashtag.clone(),
                title: session.title.clone(),
                status: session.status().as_str().to_owned(),
                starts_at: session.starts_at,
                ends_at: session.ends_at,
            },
            role: self.role.as_str().to_owned(),
            you: self.user.as_ref().map(|u| AuthorView {
                id: u.id,
                handle: u.handle.clone(),
                display_name: u.display_name.clone(),
            }),
            current_question: current_question.as_ref().and_then(render::question_view),
            last_seq: sub.last_seq,
            pinned: pinned.iter().map(render::message_view).collect(),
            slow_mode_seconds: room.slow_mode_seconds(),
            limits: Limits {
                max_text_chars: config.max_text_chars,
                max_frame_bytes: config.max_frame_bytes,
                posts_per_minute: config.posts_per_minute,
            },
        };
        self.send(&ServerFrame::Welcome(Box::new(welcome))).await?;
        // Presence is broadcast only on change; a newcomer needs the current count once.
        let (participants, viewers) = room.presence();
        self.send(&ServerFrame::Presence { participants, viewers }).await?;
        self.last_sent = sub.last_seq;
        if let Some(after) = resume_after {
            self.resume(&room, after, sub.last_seq).await?;
        } else {
            self.send(&ServerFrame::CaughtUp { last_seq: self.last_sent }).await?;
        }
        Ok((room, sub))
    }

    /// Replays everything after `after` up to `upto`, then says `caught_up`.
    async fn resume(&mut self, room: &Room, after: i64, upto: i64) -> Result<(), End> {
        let mut upto = upto;
        if after > upto {
            // A client coming from another instance may have seen entries this room has not
            // shown yet (their notice is on its way): if the database has them, catch the room
            // up first instead of telling the client to throw its stream away.
            let positions = self.hub.db().stream_positions(&[self.session_id]).await.map_err(internal)?;
            if let Some(&(_, stored)) = positions.first()
                && after <= stored
            {
                room.publish(stored, Vec::new()).await;
                upto = room.last_seq();
            }
        }
        if after < 0 || after > upto {
            self.send(&ServerFrame::Reload {
                reason: format!("position {after} is not in this session's stream (it ends at {upto})"),
            })
            .await?;
            self.last_sent = upto;
        } else {
            self.last_sent = after;
            self.catch_up(room, upto).await?;
        }
        self.send(&ServerFrame::CaughtUp { last_seq: self.last_sent }).await
    }

    async fn live(&mut self, room: &Room, sub: Subscription) -> End {
        let mut rx = sub.rx;
        let shutdown = self.hub.shutdown_token().clone();
        let mut heartbeat = tokio::time::interval(self.hub.config().heartbeat_interval);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        heartbeat.reset();
        loop {
            let step = tokio::select! {
                biased;
                _ = shutdown.cancelled() => return self.goodbye(room, &mut rx).await,
                Some(frame) = self.replies.recv() => self.write_replies(room, frame, &mut rx).await,
                item = rx.recv() => match item {
                    Ok(item) => self.deliver(room, item, &mut rx).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.note_lag(),
                    Err(broadcast::error::RecvError::Closed) => return End::Close(close::GOING_AWAY, "the session's room closed".into()),
                },
                Some(control) = self.control.recv() => self.obey(*control).await,
                update = next_moderator_frame(&mut self.moderator_feed) => self.moderator_update(update).await,
                inbound = self.socket.next() => match self.classify(inbound) {
                    Ok(Inbound::Frame(frame)) => self.handle(room, frame).await,
                    Ok(Inbound::Bad(code, message)) => self.bad_frame(code, message).await,
                    Ok(Inbound::Activity) => Ok(()),
                    Err(end) => Err(end),
                },
                _ = heartbeat.tick() => self.heartbeat().await,
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    async fn obey(&mut self, control: Control) -> Result<(), End> {
        match control {
            Control::Frame(frame) => self.send(&frame).await,
            Control::Close(farewell, code, reason) => {
                if let Some(frame) = farewell {
                    self.send(&frame).await?;
                }
                Err(End::Close(code, reason))
            }
        }
    }

    async fn moderator_update(&mut self, update: Result<Utf8Bytes, broadcast::error::RecvError>) -> Result<(), End> {
        match update {
            Ok(json) => {
                self.feed(json).await?;
                self.flush().await
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                let reason = format!("{missed} moderator updates were dropped while this connection was behind");
                self.send(&ServerFrame::ModerationResync { reason }).await
            }
            Err(broadcast::error::RecvError::Closed) => {
                self.moderator_feed = None;
                Ok(())
            }
        }
    }

    async fn handle(&mut self, room: &Room, frame: ClientFrame) -> Result<(), End> {
        match frame {
            ClientFrame::Hello { .. } => {
                self.bad_frame(ErrorCode::HelloExpected, "hello was already received".into()).await
            }
            ClientFrame::Post { client_id, text, reply_to, quote_of } => {
                if let Err(frame) = self.post(room, &client_id, &text, reply_to, quote_of) {
                    self.send(&frame).await?;
                }
                Ok(())
            }
            ClientFrame::Like { message_id } => self.like(room, message_id, true).await,
            ClientFrame::Unlike { message_id } => self.like(room, message_id, false).await,
            ClientFrame::Resume { after } => {
                let upto = room.last_seq();
                self.resume(room, after, upto).await
            }
            ClientFrame::Ping { nonce } => self.send(&ServerFrame::Pong { nonce }).await,
        }
    }

    /// Validates a post and queues it for the committer. `Err` is the error frame to send.
    fn post(
        &mut self,
        room: &Room,
        client_id: &str,
        text: &str,
        reply_to: Option<Uuid>,
        quote_of: Option<Uuid>,
    ) -> Result<(), Box<ServerFrame>> {
        let config = self.hub.config();
        let with_id = |code: ErrorCode, message: String| {
            Box::new(ServerFrame::Error {
                code,
                message,
                client_id: Some(client_id.to_owned()),
                retryable: code.is_retryable(),
            })
        };
        let user = match self.poster() {
            Ok(user) => user.clone(),
            Err(why) => return Err(with_id(ErrorCode::Forbidden, why.into())),
        };
        let client_id = ClientMsgId::parse(client_id).map_err(|e| with_id(ErrorCode::InvalidField, e.to_string()))?;
        let text = MessageText::parse(text, config.max_text_chars).map_err(|e| {
            let code = match &e {
                DomainError::Invalid { reason, .. } if reason.contains("limit") => ErrorCode::TextTooLong,
                _ => ErrorCode::InvalidField,
            };
            with_id(code, e.to_string())
        })?;
        if self.inflight.load(Ordering::Acquire) >= config.max_inflight_per_connection {
            return Err(with_id(ErrorCode::Busy, "too many posts are waiting for their ack; wait for them".into()));
        }
        let slow_mode = |wait: Duration| {
            with_id(
                ErrorCode::SlowMode,
                format!(
                    "slow mode: one post every {} s; try again in {:.0} s",
                    room.slow_mode_seconds(),
                    wait.as_secs_f32().ceil()
                ),
            )
        };
        // Hosts are exempt from slow mode. Its turn is taken first, so that a post refused by it
        // uses no rate-limit token, and given back if the rate limit or the queue refuses the
        // post: the wait starts only for a post that passes every check made here.
        let turn = if self.role.can_host() { None } else { room.take_slow_mode_turn(user.id).map_err(slow_mode)? };
        if let Err(not_until) = self.hub.limiter().check_key(&user.id) {
            if let Some(turn) = turn {
                room.give_back_slow_mode_turn(user.id, turn);
            }
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
            return Err(with_id(
                ErrorCode::RateLimited,
                format!("at most {} posts a minute; try again in {:.1} s", config.posts_per_minute, wait.as_secs_f32()),
            ));
        }
        let post = NewPost {
            author_id: user.id,
            author_handle: user.handle.clone(),
            author_display_name: user.display_name.clone(),
            client_id: client_id.as_str().to_owned(),
            answers_question: answer_label(text.as_str()).and_then(|n| i32::try_from(n).ok()),
            hashtags: extract_hashtags(text.as_str()),
            mentions: extract_mentions(text.as_str()),
            text: text.into_string(),
            reply_to,
            quote_of,
            exempt: self.role.can_moderate(),
        };
        self.inflight.fetch_add(1, Ordering::AcqRel);
        let request = PostRequest { post, reply: self.replies_tx.clone(), inflight: self.inflight.clone() };
        room.submit(request).map_err(|_| {
            self.inflight.fetch_sub(1, Ordering::AcqRel);
            if let Some(turn) = turn {
                room.give_back_slow_mode_turn(user.id, turn);
            }
            with_id(ErrorCode::Busy, "the session is too busy to take this post now; send it again".into())
        })
    }

    /// The person posting or liking, or why this connection may not: it needs a role that
    /// posts and, as over HTTP, a credential with the `post` scope (a `["read","moderate"]`
    /// token moderates with its owner's full role but does not speak for them).
    fn poster(&self) -> Result<&User, &'static str> {
        match &self.user {
            Some(_) if !self.scopes.post => Err("this token lacks the post scope"),
            Some(user) if self.role.can_post() => Ok(user),
            _ => Err("sign in to post or like; viewers can only read"),
        }
    }

    async fn like(&mut self, room: &Room, message_id: Uuid, liked: bool) -> Result<(), End> {
        let user_id = match self.poster() {
            Ok(user) => user.id,
            Err(why) => return self.send(&ServerFrame::error(ErrorCode::Forbidden, why)).await,
        };
        if self.hub.limiter().check_key(&user_id).is_err() {
            return self.send(&ServerFrame::error(ErrorCode::RateLimited, "too many posts and likes; slow down")).await;
        }
        match self.hub.db().set_like(self.session_id, message_id, user_id, liked, Utc::now()).await {
            Ok(Some(event)) => {
                let item = render::stream_item(&tweetchat_storage::stream::StreamEntry::Event(event));
                room.publish(item.seq - 1, vec![item]).await;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(StorageError::NotFound) => {
                self.send(&ServerFrame::error(ErrorCode::NotFound, "no such message in this session")).await
            }
            Err(StorageError::Domain(reason)) => {
                self.send(&ServerFrame::error(ErrorCode::SessionNotLive, reason.to_string())).await
            }
            Err(error) => {
                tracing::warn!(%error, "like failed");
                self.send(&ServerFrame::error(ErrorCode::Busy, "the like could not be saved; try again")).await
            }
        }
    }

    /// Writes `first` and whatever else is queued for this connection, then flushes once.
    async fn deliver(
        &mut self,
        room: &Room,
        first: StreamItem,
        rx: &mut broadcast::Receiver<StreamItem>,
    ) -> Result<(), End> {
        self.feed_item(room, first).await?;
        for _ in 1..MAX_FRAMES_PER_WRITE {
            match rx.try_recv() {
                Ok(item) => self.feed_item(room, item).await?,
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.note_lag()?,
                Err(_) => break,
            }
        }
        self.flush().await
    }

    async fn feed_item(&mut self, room: &Room, item: StreamItem) -> Result<(), End> {
        if item.seq == 0 {
            return self.feed(item.json).await;
        }
        if item.seq <= self.last_sent {
            return Ok(());
        }
        if item.seq > self.last_sent + 1 {
            self.catch_up(room, item.seq - 1).await?;
        }
        let item = self.visible(room, item);
        self.feed(item.json).await?;
        self.last_sent = item.seq;
        Ok(())
    }

    /// The frame as this connection may see it: the content of a message hidden since the
    /// frame was rendered is replaced by the hidden stub, except for moderators.
    fn visible(&self, room: &Room, item: StreamItem) -> StreamItem {
        match item.message_id {
            Some(id) if !self.role.can_moderate() && room.is_hidden(id) => render::hidden_stub(item.seq, id),
            _ => item,
        }
    }

    fn audience(&self) -> Audience {
        if self.role.can_moderate() { Audience::Moderators } else { Audience::Public }
    }

    /// Sends every stream entry after `last_sent` up to `upto`: from the room's ring when it
    /// still holds them, otherwise from PostgreSQL a page at a time.
    async fn catch_up(&mut self, room: &Room, upto: i64) -> Result<(), End> {
        if self.last_sent >= upto {
            return Ok(());
        }
        self.hub.metrics().catch_ups.inc();
        if let Some(items) = room.recent(self.last_sent, upto) {
            for item in items {
                let item = self.visible(room, item);
                self.feed(item.json).await?;
                self.last_sent = item.seq;
            }
            return Ok(());
        }
        while self.last_sent < upto {
            let page = CATCH_UP_PAGE.min(upto - self.last_sent);
            let entries = self.hub.db().stream_after(self.session_id, self.last_sent, page).await.map_err(internal)?;
            if entries.first().is_none_or(|e| e.seq() != self.last_sent + 1) {
                // The stream has a hole the database cannot fill: never skip silently.
                self.send(&ServerFrame::Reload {
                    reason: format!("entries after {} are not available", self.last_sent),
                })
                .await?;
                return Err(End::Close(close::GOING_AWAY, "stream unavailable; reload".into()));
            }
            for entry in entries {
                if entry.seq() == self.last_sent + 1 {
                    self.feed(render::stream_item_for(&entry, self.audience()).json).await?;
                    self.last_sent = entry.seq();
                }
            }
            self.flush().await?;
        }
        Ok(())
    }

    /// The broadcast dropped frames for this connection; the next frame reveals the hole and
    /// [`Connection::catch_up`] fills it. Only a write that stalls for the write timeout
    /// closes a client: lagging behind a burst is not its fault.
    fn note_lag(&mut self) -> Result<(), End> {
        self.hub.metrics().lags.inc();
        Ok(())
    }

    /// Acks go out after the stream frames already queued here: the committer publishes a post
    /// before acking it, so a client sees its message no later than its ack.
    async fn write_replies(
        &mut self,
        room: &Room,
        first: ServerFrame,
        rx: &mut broadcast::Receiver<StreamItem>,
    ) -> Result<(), End> {
        for _ in 0..MAX_FRAMES_PER_WRITE {
            match rx.try_recv() {
                Ok(item) => self.feed_item(room, item).await?,
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.note_lag()?,
                Err(_) => break,
            }
        }
        self.feed(render::to_json(&first)).await?;
        while let Ok(frame) = self.replies.try_recv() {
            self.feed(render::to_json(&frame)).await?;
        }
        self.flush().await
    }

    async fn bad_frame(&mut self, code: ErrorCode, message: String) -> Result<(), End> {
        self.bad_frames += 1;
        self.send(&ServerFrame::error(code, message)).await?;
        if self.bad_frames > self.hub.config().max_bad_frames {
            return Err(End::Close(close::POLICY_VIOLATION, "too many invalid frames".into()));
        }
        Ok(())
    }

    async fn heartbeat(&mut self) -> Result<(), End> {
        if self.last_heard.elapsed() > self.hub.config().idle_timeout {
            return Err(End::Close(close::TIMEOUT, "no answer to pings".into()));
        }
        self.write(Message::Ping(Default::default())).await
    }

    /// At shutdown: let this connection's pending posts commit and their acks go out, then
    /// tell the client to come back, and close.
    async fn goodbye(&mut self, room: &Room, rx: &mut broadcast::Receiver<StreamItem>) -> End {
        let deadline = tokio::time::Instant::now() + DRAIN_TIMEOUT;
        while self.inflight.load(Ordering::Acquire) > 0 || !self.replies.is_empty() {
            match tokio::time::timeout_at(deadline, self.replies.recv()).await {
                Ok(Some(frame)) => {
                    if let Err(end) = self.write_replies(room, frame, rx).await {
                        return end;
                    }
                }
                _ => break,
            }
        }
        let retry_after_ms = u64::try_from(self.hub.config().reconnect_hint.as_millis()).unwrap_or(u64::MAX);
        if let Err(end) = self.send(&ServerFrame::Closing { reason: "server restarting".into(), retry_after_ms }).await
        {
            return end;
        }
        End::Close(close::GOING_AWAY, "server restarting".into())
    }

    async fn next_inbound_frame(&mut self) -> Result<ClientFrame, End> {
        loop {
            let inbound = self.socket.next().await;
            match self.classify(inbound)? {
                Inbound::Frame(frame) => return Ok(frame),
                Inbound::Bad(code, message) => self.bad_frame(code, message).await?,
                Inbound::Activity => {}
            }
        }
    }

    fn classify(&mut self, inbound: Option<Result<Message, axum::Error>>) -> Result<Inbound, End> {
        self.last_heard = Instant::now();
        match inbound {
            None | Some(Ok(Message::Close(_))) => Err(End::Gone),
            Some(Ok(Message::Text(text))) => Ok(parse_client_frame(text.as_str())),
            Some(Ok(Message::Binary(_))) => Ok(Inbound::Bad(
                ErrorCode::BinaryNotSupported,
                "binary frames are not part of the protocol; send JSON text".into(),
            )),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(Inbound::Activity),
            Some(Err(error)) => Err(match error.into_inner().downcast::<tungstenite::Error>().map(|e| *e) {
                Ok(tungstenite::Error::Capacity(_)) => End::Close(close::MESSAGE_TOO_BIG, "frame too large".into()),
                Ok(tungstenite::Error::Utf8(_)) => {
                    End::Close(close::INVALID_PAYLOAD, "text frame is not valid UTF-8".into())
                }
                Ok(tungstenite::Error::Protocol(_)) => {
                    End::Close(close::POLICY_VIOLATION, "websocket protocol violation".into())
                }
                _ => End::Gone,
            }),
        }
    }

    async fn send(&mut self, frame: &ServerFrame) -> Result<(), End> {
        self.feed(render::to_json(frame)).await?;
        self.flush().await
    }

    async fn feed(&mut self, json: Utf8Bytes) -> Result<(), End> {
        self.unflushed += 1;
        self.timed(|socket| socket.feed(Message::Text(json))).await
    }

    async fn write(&mut self, message: Message) -> Result<(), End> {
        self.timed(|socket| socket.send(message)).await
    }

    async fn flush(&mut self) -> Result<(), End> {
        let frames = std::mem::take(&mut self.unflushed);
        self.hub.metrics().frames_sent.inc_by(frames);
        let sending = self.last_sent;
        self.timed(|socket| socket.flush()).await?;
        self.last_flushed = sending;
        Ok(())
    }

    /// A write that takes longer than the write timeout means the client is not reading.
    async fn timed<'a, F, Fut>(&'a mut self, op: F) -> Result<(), End>
    where
        F: FnOnce(&'a mut S) -> Fut,
        Fut: Future<Output = Result<(), axum::Error>> + 'a,
    {
        let limit = self.hub.config().write_timeout;
        // Frames fed but not flushed may never arrive: name the last position surely sent.
        let last_sent = self.last_flushed;
        match tokio::time::timeout(limit, op(&mut self.socket)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Gone),
            Err(_) => Err(End::Close(close::TOO_SLOW, format!("too slow to keep up; resume from seq {last_sent}"))),
        }
    }

    async fn close(&mut self, code: u16, reason: String) {
        let frame = CloseFrame { code, reason: Utf8Bytes::from(reason) };
        let _ = tokio::time::timeout(Duration::from_secs(1), self.socket.send(Message::Close(Some(frame)))).await;
    }
}

fn parse_client_frame(text: &str) -> Inbound {
    match serde_json::from_str::<ClientFrame>(text) {
        Ok(frame) => Inbound::Frame(frame),
        Err(error) => {
            let kind = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("type").and_then(|t| t.as_str().map(str::to_owned)));
            let message = match kind {
                Some(kind) if !KNOWN_TYPES.contains(&kind.as_str()) => {
                    format!("unknown frame type {kind:?}")
                }
                _ => format!("malformed frame: {error}"),
            };
            Inbound::Bad(ErrorCode::BadFrame, message)
        }
    }
}

const KNOWN_TYPES: &[&str] = &["hello", "post", "like", "unlike", "resume", "ping"];

fn internal(error: StorageError) -> End {
    tracing::warn!(%error, "connection failed on a database error");
    End::Close(CLOSE_INTERNAL, "temporary server error; reconnect and resume".into())
}

/// The next moderator frame, or never for connections without the moderator feed.
async fn next_moderator_frame(
    feed: &mut Option<broadcast::Receiver<Utf8Bytes>>,
) -> Result<Utf8Bytes, broadcast::error::RecvError> {
    match feed {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
