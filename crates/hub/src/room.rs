//! One session's live state in this process.

use crate::committer::{self, PostRequest};
use crate::render::{self, StreamItem};
use crate::{Hub, LastUsed};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::{broadcast, mpsc};
use tokio_util::task::TaskTracker;
use tweetchat_protocol::ServerFrame;
use uuid::Uuid;

/// A session's room: the broadcast every connection listens to, the recent frames, presence,
/// and the way in to the committer.
pub struct Room {
    pub(crate) core: Arc<RoomCore>,
    posts: mpsc::Sender<PostRequest>,
}

/// The part of a room the committer shares.
pub struct RoomCore {
    pub session_id: Uuid,
    pub(crate) hub: Hub,
    /// Ring, last_seq and the broadcast sender change together under this lock, so a
    /// subscriber's snapshot and its receiver never disagree. Held for microseconds, never
    /// across an await: a std mutex is right.
    state: Mutex<RoomState>,
    /// Serialises publishers (committer, transitions, likes) so frames go out in `seq` order.
    publish_lock: tokio::sync::Mutex<()>,
    pub(crate) last_used: LastUsed,
}

struct RoomState {
    last_seq: i64,
    ring: VecDeque<StreamItem>,
    ring_capacity: usize,
    tx: broadcast::Sender<StreamItem>,
    presence: Presence,
}

#[derive(Default)]
struct Presence {
    /// Connections per signed-in person: one person on two devices counts once.
    participants: HashMap<Uuid, u32>,
    viewers: u64,
    last_sent: (u64, u64),
}

/// The room's post queue is full (or its committer is gone).
#[derive(Debug)]
pub(crate) struct QueueFull;

/// What a new subscriber gets: the live receiver and the recent frames after its position.
pub struct Subscription {
    pub rx: broadcast::Receiver<StreamItem>,
    /// The room's `last_seq` at the moment of subscribing.
    pub last_seq: i64,
}

impl Room {
    pub(crate) fn start(hub: Hub, session_id: Uuid, last_seq: i64, tasks: &TaskTracker) -> Arc<Room> {
        let config = hub.config().clone();
        let (tx, _) = broadcast::channel(config.broadcast_capacity);
        let core = Arc::new(RoomCore {
            session_id,
            hub,
            state: Mutex::new(RoomState {
                last_seq,
                ring: VecDeque::with_capacity(64),
                ring_capacity: config.ring_capacity,
                tx,
                presence: Presence::default(),
            }),
            publish_lock: tokio::sync::Mutex::new(()),
            last_used: LastUsed::now(),
        });
        let (posts, queue) = mpsc::channel(config.post_queue);
        tasks.spawn(committer::run(core.clone(), queue, config.max_batch));
        Arc::new(Room { core, posts })
    }

    pub fn session_id(&self) -> Uuid {
        self.core.session_id
    }

    /// Queues a post for the committer; `Err` when the queue is full (the caller says `busy`).
    pub(crate) fn submit(&self, request: PostRequest) -> Result<(), QueueFull> {
        self.core.last_used.touch();
        self.posts.try_send(request).map_err(|_| QueueFull)
    }

    pub(crate) fn subscribe(&self, participant: Option<Uuid>) -> Subscription {
        self.core.last_used.touch();
        let mut state = self.core.state();
        match participant {
            Some(user) => *state.presence.participants.entry(user).or_default() += 1,
            None => state.presence.viewers += 1,
        }
        Subscription { rx: state.tx.subscribe(), last_seq: state.last_seq }
    }

    pub(crate) fn leave(&self, participant: Option<Uuid>) {
        let mut state = self.core.state();
        match participant {
            Some(user) => {
                if let Some(count) = state.presence.participants.get_mut(&user) {
                    *count -= 1;
                    if *count == 0 {
                        state.presence.participants.remove(&user);
                    }
                }
            }
            None => state.presence.viewers = state.presence.viewers.saturating_sub(1),
        }
    }

    pub fn presence(&self) -> (u64, u64) {
        let state = self.core.state();
        (state.presence.participants.len() as u64, state.presence.viewers)
    }

    pub(crate) fn last_used(&self) -> &LastUsed {
        &self.core.last_used
    }

    /// Presence travels in the broadcast as a frame without `seq`; sent only on change, at most
    /// once per housekeeping tick, so joins and leaves in a big room stay cheap.
    pub(crate) fn send_presence_if_changed(&self) {
        let mut state = self.core.state();
        let now = (state.presence.participants.len() as u64, state.presence.viewers);
        if now == state.presence.last_sent {
            return;
        }
        state.presence.last_sent = now;
        let json = render::to_json(&ServerFrame::Presence { participants: now.0, viewers: now.1 });
        let _ = state.tx.send(StreamItem { seq: 0, json });
    }

    pub async fn publish(&self, prev_last_seq: i64, items: Vec<StreamItem>) {
        self.core.publish(prev_last_seq, items).await;
    }

    /// Recent frames with `after < seq <= upto` if the ring still holds all of them.
    pub(crate) fn recent(&self, after: i64, upto: i64) -> Option<Vec<StreamItem>> {
        let state = self.core.state();
        let first = state.ring.front()?.seq;
        if after + 1 < first || upto > state.last_seq {
            return None;
        }
        let items: Vec<StreamItem> =
            state.ring.iter().filter(|item| item.seq > after && item.seq <= upto).cloned().collect();
        // Seqs in the ring increase strictly, so the right count means no hole.
        (items.len() as i64 == upto - after).then_some(items)
    }
}

impl RoomCore {
    fn state(&self) -> MutexGuard<'_, RoomState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends committed frames to every subscriber, in `seq` order. `prev_last_seq` is the
    /// stream position before `items`; if this room has not yet shown everything up to it
    /// (another process, or a concurrent publisher here, committed in between), the missing
    /// entries are read from the database and sent first. Frames already sent are skipped.
    pub async fn publish(&self, prev_last_seq: i64, items: Vec<StreamItem>) {
        let _serial = self.publish_lock.lock().await;
        self.last_used.touch();
        let mut shown = self.state().last_seq;
        while shown < prev_last_seq {
            match self.hub.db().stream_after(self.session_id, shown, prev_last_seq - shown).await {
                Ok(entries) if !entries.is_empty() => {
                    let missing: Vec<StreamItem> =
                        entries.iter().filter(|e| e.seq() <= prev_last_seq).map(render::stream_item).collect();
                    shown = self.push(missing);
                }
                Ok(_) => break,
                Err(error) => {
                    // Connections find the hole by seq and fill it themselves.
                    tracing::warn!(session = %self.session_id, %error, "could not read the stream to fill a gap before publishing");
                    break;
                }
            }
        }
        self.push(items);
    }

    fn push(&self, items: Vec<StreamItem>) -> i64 {
        let mut state = self.state();
        for item in items {
            if item.seq <= state.last_seq {
                continue;
            }
            state.last_seq = item.seq;
            if state.ring.len() == state.ring_capacity {
                state.ring.pop_front();
            }
            state.ring.push_back(item.clone());
            // No receivers is fine: the frame is in the ring and the database.
            let _ = state.tx.send(item);
        }
        state.last_seq
    }
}

impl RoomCore {
    pub(crate) fn hub(&self) -> &Hub {
        &self.hub
    }
}

impl Room {
    /// The newest `seq` this room has published.
    pub fn last_seq(&self) -> i64 {
        self.core.state().last_seq
    }
}
