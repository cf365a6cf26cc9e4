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
//!
//! Order: the database gives each stream entry its `seq` under the session row's lock; a room
//! publishes strictly in `seq` order and fills any hole from the database first, so rooms in
//! several processes show the same stream.

pub mod committer;
mod config;
pub mod connection;
mod metrics;
pub mod render;
pub mod room;

pub use config::HubConfig;
pub use connection::Caller;
pub use metrics::HubMetrics;

use room::Room;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
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

    pub(crate) fn shutdown_token(&self) -> &CancellationToken {
        &self.shared.shutdown
    }

    /// The room of a session, created on first use with the session's current `last_seq`.
    pub async fn room(&self, session_id: Uuid) -> Result<Arc<Room>, StorageError> {
        if let Some(room) = self.rooms().get(&session_id) {
            return Ok(room.clone());
        }
        let session = self.shared.db.session(session_id).await?;
        let mut rooms = self.rooms();
        // Another connection may have created it while we read the session.
        let room = rooms
            .entry(session_id)
            .or_insert_with(|| Room::start(self.clone(), session_id, session.last_seq, &self.shared.tasks))
            .clone();
        Ok(room)
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
