//! The live hub: every participant of a session sees the same ordered stream, fast, and
//! nothing acknowledged is ever lost.
//!
//! # Layout
//! - [`Hub`]: a cheap-to-clone handle. It finds or creates the [`room`] of a session, serves
//!   websocket connections, counts them, and shuts them all down on request.
//! - [`room`]: one session's in-memory state: the broadcast of serialised stream frames, a ring
//!   of recent ones for quick resumes, presence counts, and the queue of posts to commit.
//! - [`committer`]: the per-room task that group-commits queued posts to PostgreSQL, then
//!   publishes them and acknowledges them. Nothing is broadcast or acked before it is durable.
//! - [`connection`]: the per-connection task: hello, replay, live delivery with catch-up after
//!   lag, inbound frames, heartbeats, limits.
//! - [`render`]: stored rows to protocol frames, one function for live and replay alike, so a
//!   resumed client sees byte-for-byte what a connected one saw.
//! - [`cluster`]: the other instances sharing the database: a listener that hears their stream
//!   notices and makes rooms catch up, and a heartbeat that shares liveness and presence.
//!
//! Order: the database gives each stream entry its `seq` under the session row's lock; a room
//! publishes strictly in `seq` order and fills any hole from the database first, so rooms in
//! several processes show the same stream.

pub mod cluster;
pub mod committer;
mod config;
pub mod connection;
pub mod control;
mod metrics;
pub mod render;
pub mod room;

pub use config::HubConfig;
pub use connection::Caller;
pub use metrics::HubMetrics;

use room::{Room, RoomSeed};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tweetchat_protocol::ServerFrame;
use tweetchat_storage::moderation::Moderated;
use tweetchat_storage::sessions::Transitioned;
use tweetchat_storage::stream::StreamEntry;
use tweetchat_storage::{Database, StorageError};
use uuid::Uuid;

/// The live hub. Clone it freely: clones share everything.
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
}

struct Shared {
    db: Database,
    config: HubConfig,
    metrics: HubMetrics,
    /// Rooms by session id. A std mutex: held only to look up or insert, never across an await.
    rooms: Mutex<HashMap<Uuid, Arc<Room>>>,
    limiter: governor::DefaultKeyedRateLimiter<Uuid>,
    /// Cancelled at shutdown: every connection says goodbye and closes.
    shutdown: CancellationToken,
    /// Every connection and room task, so shutdown can wait for them (axum's graceful
    /// shutdown does not reach tasks spawned from websocket upgrades).
    tasks: TaskTracker,
    /// Signed-in connections by person, so a ban, a sign-out or a password change reaches
    /// every socket of that person at once.
    people: Mutex<HashMap<Uuid, Vec<Member>>>,
    next_member_id: AtomicU64,
}

/// A signed-in connection, as the registry knows it.
struct Member {
    id: u64,
    session_id: Uuid,
    series_id: Uuid,
    /// Digest of the login or token secret the connection authenticated with.
    credential: Option<Vec<u8>>,
    control: mpsc::Sender<Box<Control>>,
}

/// What the hub tells one connection from outside its room's stream. Sent boxed: a channel
/// allocates room for 32 of its items when it is made, and unboxed that is 10 KiB of address
/// space per connection (about 3 KiB of it resident, measured) for messages that are rare.
#[derive(Debug)]
pub(crate) enum Control {
    /// A frame for this person only.
    Frame(ServerFrame),
    /// Send this frame, then close with this code and reason.
    Close(Option<ServerFrame>, u16, String),
}

/// Which of a person's connections a [`Hub::disconnect`] closes.
#[derive(Debug, Clone, Copy)]
pub enum Reach<'a> {
    /// Every connection (password change, deactivation).
    Everywhere,
    /// Connections that authenticated with this secret digest (that login signed out).
    Credential(&'a [u8]),
    /// Connections to sessions of this series (a ban).
    Series(Uuid),
}

/// Removes a connection from the registry when it ends, however it ends.
pub(crate) struct Registration {
    hub: Hub,
    user_id: Uuid,
    member_id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut people = self.hub.people();
        if let Some(members) = people.get_mut(&self.user_id) {
            members.retain(|m| m.id != self.member_id);
            if members.is_empty() {
                people.remove(&self.user_id);
            }
        }
    }
}

impl Hub {
    pub fn new(db: Database, config: HubConfig, metrics: HubMetrics) -> Self {
        let limiter = governor::RateLimiter::keyed(config.post_quota());
        let hub = Hub {
            shared: Arc::new(Shared {
                db,
                config,
                metrics,
                rooms: Mutex::new(HashMap::new()),
                limiter,
                shutdown: CancellationToken::new(),
                tasks: TaskTracker::new(),
                people: Mutex::new(HashMap::new()),
                next_member_id: AtomicU64::new(1),
            }),
        };
        hub.spawn_housekeeping();
        hub
    }

    pub fn config(&self) -> &HubConfig {
        &self.shared.config
    }

    pub fn db(&self) -> &Database {
        &self.shared.db
    }

    pub fn metrics(&self) -> &HubMetrics {
        &self.shared.metrics
    }

    pub(crate) fn limiter(&self) -> &governor::DefaultKeyedRateLimiter<Uuid> {
        &self.shared.limiter
    }

    /// Takes one of a person's post tokens for something posted outside a live connection (an
    /// audience question), so it counts against the same per-person rate as posts; `Err` says
    /// how long to wait.
    pub fn take_post_turn(&self, user_id: Uuid) -> Result<(), Duration> {
        self.shared.limiter.check_key(&user_id).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()))
        })
    }

    pub(crate) fn shutdown_token(&self) -> &CancellationToken {
        &self.shared.shutdown
    }

    /// The room of a session, created on first use with the session's current `last_seq`.
    pub async fn room(&self, session_id: Uuid) -> Result<Arc<Room>, StorageError> {
        if let Some(room) = self.rooms().get(&session_id) {
            return Ok(room.clone());
        }
        let session = self.shared.db.session(session_id).await?;
        let hidden = self.shared.db.hidden_message_ids(session_id).await?;
        let rules = self.shared.db.series_rules(session.series_id).await?;
        let seed = RoomSeed {
            session_id,
            series_id: session.series_id,
            last_seq: session.last_seq,
            hidden,
            slow_mode_seconds: rules.slow_mode_seconds,
        };
        let (room, created) = {
            let mut rooms = self.rooms();
            // Another connection may have created it while we read the session.
            match rooms.entry(session_id) {
                std::collections::hash_map::Entry::Occupied(entry) => (entry.get().clone(), false),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    let room = Room::start(self.clone(), seed, &self.shared.tasks);
                    (entry.insert(room).clone(), true)
                }
            }
        };
        if created {
            // Another instance's notice for a commit made after the session was read may have
            // arrived before the room existed, and was dropped: look once more. If that fails,
            // the next heartbeat looks.
            for (_, last_seq) in self.shared.db.stream_positions(&[session_id]).await.unwrap_or_default() {
                room.follow(last_seq);
            }
        }
        Ok(room)
    }

    /// Publishes a hide, unhide, pin or unpin. The room learns of a hide before the frame goes
    /// out, so from then on no connection of a non-moderator sends that message's content.
    pub async fn publish_moderated(&self, moderated: &Moderated) {
        if let Ok(room) = self.room(moderated.event.session_id).await {
            match moderated.event.kind.as_str() {
                "hidden" => room.set_hidden(moderated.message.id, true),
                "unhidden" => room.set_hidden(moderated.message.id, false),
                _ => {}
            }
            let entry = StreamEntry::Event(moderated.event.clone());
            room.publish(moderated.event.seq - 1, vec![render::stream_item(&entry)]).await;
        }
    }

    /// A series' slow mode changed: its open rooms apply it to the next post.
    pub(crate) fn set_slow_mode(&self, series_id: Uuid, seconds: u32) {
        for room in self.rooms().values().filter(|r| r.series_id() == series_id) {
            room.set_slow_mode(seconds);
        }
    }

    /// Sends a frame to every connection of a person in one session.
    pub(crate) fn tell_person(&self, user_id: Uuid, session_id: Uuid, frame: ServerFrame) {
        for member in self.people().get(&user_id).into_iter().flatten().filter(|m| m.session_id == session_id) {
            // A full control queue means that connection is stuck; it will be closed as slow.
            let _ = member.control.try_send(Box::new(Control::Frame(frame.clone())));
        }
    }

    /// Tells a person's connections in a series about a restriction (a mute), without closing.
    pub(crate) fn tell_person_in_series(&self, user_id: Uuid, series_id: Uuid, frame: ServerFrame) {
        for member in self.people().get(&user_id).into_iter().flatten().filter(|m| m.series_id == series_id) {
            let _ = member.control.try_send(Box::new(Control::Frame(frame.clone())));
        }
    }

    /// Closes a person's connections within `reach`, after `farewell` if given. Returns how
    /// many were told to close.
    pub(crate) fn disconnect(
        &self,
        user_id: Uuid,
        reach: Reach<'_>,
        farewell: Option<ServerFrame>,
        code: u16,
        reason: &str,
    ) -> usize {
        let people = self.people();
        let mut closed = 0;
        for member in people.get(&user_id).into_iter().flatten() {
            let reached = match reach {
                Reach::Everywhere => true,
                Reach::Credential(digest) => member.credential.as_deref() == Some(digest),
                Reach::Series(series_id) => member.series_id == series_id,
            };
            if reached {
                closed += 1;
                let _ = member.control.try_send(Box::new(Control::Close(farewell.clone(), code, reason.to_owned())));
            }
        }
        closed
    }

    /// Registers a signed-in connection; the registration ends when the returned value drops.
    pub(crate) fn register(
        &self,
        user_id: Uuid,
        room: &Room,
        credential: Option<Vec<u8>>,
        control: mpsc::Sender<Box<Control>>,
    ) -> Registration {
        let member_id = self.shared.next_member_id.fetch_add(1, Ordering::Relaxed);
        let member =
            Member { id: member_id, session_id: room.session_id(), series_id: room.series_id(), credential, control };
        self.people().entry(user_id).or_default().push(member);
        Registration { hub: self.clone(), user_id, member_id }
    }

    fn people(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Vec<Member>>> {
        self.shared.people.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes what a transition (start, end, ...) appended to a session's stream.
    pub async fn publish_transition(&self, transitioned: &Transitioned) {
        if let Ok(room) = self.room(transitioned.session.id).await {
            let entry = StreamEntry::Event(transitioned.event.clone());
            room.publish(transitioned.event.seq - 1, vec![render::stream_item(&entry)]).await;
        }
    }

    /// Publishes a message committed outside the hub (a released question).
    pub async fn publish_message(&self, message: &tweetchat_storage::stream::StoredMessage) {
        if let Ok(room) = self.room(message.session_id).await {
            let entry = StreamEntry::Message(message.clone());
            room.publish(message.seq - 1, vec![render::stream_item(&entry)]).await;
        }
    }

    /// Another instance says the stream of `session_id` reaches `last_seq`: if this instance has
    /// a room for it, the room catches up. No room is created: nobody here is watching.
    pub(crate) fn follow(&self, session_id: Uuid, last_seq: i64) {
        if let Some(room) = self.rooms().get(&session_id) {
            room.follow(last_seq);
        }
    }

    /// The rooms open in this instance right now.
    /// The room of a session if this instance has it open.
    pub(crate) fn open_room(&self, session_id: Uuid) -> Option<Arc<Room>> {
        self.rooms().get(&session_id).cloned()
    }

    pub(crate) fn open_rooms(&self) -> Vec<Arc<Room>> {
        self.rooms().values().cloned().collect()
    }

    /// Reads where every open room's stream ends in the database and has each room catch up:
    /// after notices may have been lost (the listener reconnected) and, as a safety net, on
    /// every heartbeat.
    pub(crate) async fn catch_up_rooms(&self) -> Result<(), StorageError> {
        let ids: Vec<Uuid> = self.rooms().keys().copied().collect();
        for (session_id, last_seq) in self.shared.db.stream_positions(&ids).await? {
            self.follow(session_id, last_seq);
        }
        Ok(())
    }

    /// Runs a websocket connection to its end. The task is tracked: [`Hub::shutdown`] waits
    /// for it.
    pub fn serve<S>(&self, socket: S, session_id: Uuid, caller: Caller) -> impl Future<Output = ()> + Send + use<S>
    where
        S: connection::Socket,
    {
        let hub = self.clone();
        self.shared.tasks.track_future(async move { connection::run(hub, socket, session_id, caller).await })
    }

    /// Says goodbye to every connection (`closing`, then close 1001) once their pending posts
    /// are committed, and waits up to `grace` for all of it to finish.
    pub async fn shutdown(&self, grace: Duration) {
        self.shared.shutdown.cancel();
        self.shared.tasks.close();
        // Rooms hold their committers; dropping them lets each committer finish its queue
        // and end once the last connection of the room has gone.
        self.rooms().clear();
        if tokio::time::timeout(grace, self.shared.tasks.wait()).await.is_err() {
            tracing::warn!(remaining = self.shared.tasks.len(), "shutdown grace period ended with tasks still running");
        }
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Room>>> {
        self.shared.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every few seconds: send presence counts that changed, and forget rooms nobody has used
    /// for a while (their state is in PostgreSQL; a new room reloads it).
    fn spawn_housekeeping(&self) {
        let weak = Arc::downgrade(&self.shared);
        let interval = self.shared.config.presence_interval;
        let shutdown = self.shared.shutdown.clone();
        self.shared.tasks.spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tick.tick() => {}
                }
                let Some(shared) = weak.upgrade() else { return };
                let hub = Hub { shared };
                let rooms: Vec<Arc<Room>> = hub.rooms().values().cloned().collect();
                for room in &rooms {
                    room.send_presence_if_changed();
                }
                drop(rooms);
                let idle_after = hub.shared.config.room_idle_timeout;
                hub.rooms().retain(|_, room| Arc::strong_count(room) > 1 || room.last_used().elapsed() < idle_after);
                hub.shared.limiter.retain_recent();
            }
        });
    }
}

/// When something last happened in a room.
#[derive(Debug)]
pub(crate) struct LastUsed(Mutex<Instant>);

impl LastUsed {
    pub(crate) fn now() -> Self {
        LastUsed(Mutex::new(Instant::now()))
    }
    pub(crate) fn touch(&self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }
    pub(crate) fn elapsed(&self) -> Duration {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).elapsed()
    }
}
