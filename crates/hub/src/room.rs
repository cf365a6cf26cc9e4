//! One session's live state in this process.

use crate::committer::{self, PostRequest};
use crate::render::{self, StreamItem};
use crate::{Hub, LastUsed};
use axum::extract::ws::Utf8Bytes;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::task::TaskTracker;
use tweetchat_protocol::ServerFrame;
use uuid::Uuid;

/// A session's room: the broadcast every connection listens to, the recent frames, presence,
/// and the way in to the committer.
pub struct Room {
    pub(crate) core: Arc<RoomCore>,
    posts: mpsc::Sender<PostRequest>,
    /// The newest stream position known to exist in the database (told by another instance's
    /// notice, or read at a catch-up); the room's follower task publishes up to it.
    follow: watch::Sender<i64>,
}

/// The part of a room the committer shares.
pub struct RoomCore {
    pub session_id: Uuid,
    pub series_id: Uuid,
    pub(crate) hub: Hub,
    /// Ring, last_seq and the broadcast sender change together under this lock, so a
    /// subscriber's snapshot and its receiver never disagree. Held for microseconds, never
    /// across an await: a std mutex is right.
    state: Mutex<RoomState>,
    /// Serialises publishers (committer, transitions, likes) so frames go out in `seq` order.
    publish_lock: tokio::sync::Mutex<()>,
    pub(crate) last_used: LastUsed,
    moderation: RoomModeration,
}

/// What the room enforces and tells moderators, beside the stream.
struct RoomModeration {
    /// Messages hidden now. Frames already rendered (the ring, the broadcast) still carry their
    /// content, so connections that may not see hidden messages check here before sending.
    hidden: Mutex<HashSet<Uuid>>,
    /// Whether `hidden` is non-empty: the common case costs one atomic load per frame.
    any_hidden: AtomicBool,
    /// Frames for moderators only: the hold queue, reports, the back channel.
    moderators: broadcast::Sender<Utf8Bytes>,
    slow_mode_seconds: AtomicU32,
    /// When each participant last posted, for slow mode.
    last_post: Mutex<HashMap<Uuid, Instant>>,
}

/// A slow-mode turn taken for a post, and the one before it, to give back if the post is refused.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlowModeTurn {
    taken_at: Instant,
    previous: Option<Instant>,
}

/// What a room starts from, read from the database by [`crate::Hub::room`].
pub(crate) struct RoomSeed {
    pub session_id: Uuid,
    pub series_id: Uuid,
    pub last_seq: i64,
    pub hidden: Vec<Uuid>,
    pub slow_mode_seconds: u32,
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
    /// The participants of this room on the other live instances (see `crate::cluster`).
    participants_elsewhere: HashSet<Uuid>,
    /// How many of those are not connected here too: kept as people come and go, so that the
    /// total is not a set union at every join.
    only_elsewhere: u64,
    viewers_elsewhere: u64,
    last_sent: (u64, u64),
    /// The highest total written to `sessions.viewers_peak` by this instance.
    peak_recorded: u64,
}

impl Presence {
    /// What clients are told: each person once across all live instances, and every viewer.
    fn total(&self) -> (u64, u64) {
        (self.participants.len() as u64 + self.only_elsewhere, self.viewers + self.viewers_elsewhere)
    }

    fn join(&mut self, user: Uuid) {
        let connections = self.participants.entry(user).or_default();
        *connections += 1;
        if *connections == 1 && self.participants_elsewhere.contains(&user) {
            self.only_elsewhere = self.only_elsewhere.saturating_sub(1);
        }
    }

    fn leave(&mut self, user: Uuid) {
        let Some(connections) = self.participants.get_mut(&user) else { return };
        *connections -= 1;
        if *connections == 0 {
            self.participants.remove(&user);
            if self.participants_elsewhere.contains(&user) {
                self.only_elsewhere += 1;
            }
        }
    }

    fn set_elsewhere(&mut self, participants: HashSet<Uuid>, viewers: u64) {
        self.only_elsewhere = participants.iter().filter(|id| !self.participants.contains_key(id)).count() as u64;
        self.participants_elsewhere = participants;
        self.viewers_elsewhere = viewers;
    }
}

/// Up to this many people, a new peak is written when it happens; above, at heartbeats.
const PEAK_RECORDED_AT_ONCE: u64 = 100;

/// Rows read from the database per query when a room fills a gap.
const GAP_PAGE: i64 = 500;

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
    pub(crate) fn start(hub: Hub, seed: RoomSeed, tasks: &TaskTracker) -> Arc<Room> {
        let config = hub.config().clone();
        let (tx, _) = broadcast::channel(config.broadcast_capacity);
        let (moderators, _) = broadcast::channel(MODERATOR_CHANNEL_CAPACITY);
        let core = Arc::new(RoomCore {
            session_id: seed.session_id,
            series_id: seed.series_id,
            hub,
            moderation: RoomModeration {
                any_hidden: AtomicBool::new(!seed.hidden.is_empty()),
                hidden: Mutex::new(seed.hidden.into_iter().collect()),
                moderators,
                slow_mode_seconds: AtomicU32::new(seed.slow_mode_seconds),
                last_post: Mutex::new(HashMap::new()),
            },
            state: Mutex::new(RoomState {
                last_seq: seed.last_seq,
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
        let (follow, followed) = watch::channel(seed.last_seq);
        tasks.spawn(follow_stream(core.clone(), followed));
        Arc::new(Room { core, posts, follow })
    }

    pub fn session_id(&self) -> Uuid {
        self.core.session_id
    }

    pub fn series_id(&self) -> Uuid {
        self.core.series_id
    }

    /// Whether a moderator hid this message (and nobody has unhidden it since).
    pub(crate) fn is_hidden(&self, message_id: Uuid) -> bool {
        self.core.moderation.any_hidden.load(Ordering::Acquire)
            && lock(&self.core.moderation.hidden).contains(&message_id)
    }

    /// Records a hide or unhide before its frame is published, so no connection sends the
    /// content of a message after the frame that hid it.
    pub(crate) fn set_hidden(&self, message_id: Uuid, hidden: bool) {
        let mut set = lock(&self.core.moderation.hidden);
        if hidden {
            set.insert(message_id);
        } else {
            set.remove(&message_id);
        }
        self.core.moderation.any_hidden.store(!set.is_empty(), Ordering::Release);
    }

    pub(crate) fn subscribe_moderators(&self) -> broadcast::Receiver<Utf8Bytes> {
        self.core.moderation.moderators.subscribe()
    }

    pub(crate) fn tell_moderators(&self, frame: &ServerFrame) {
        self.core.tell_moderators(frame);
    }

    /// Sends a frame outside the ordered stream to everyone in the room (like presence).
    pub(crate) fn announce(&self, frame: &ServerFrame) {
        let state = self.core.state();
        let _ = state.tx.send(StreamItem { seq: 0, json: render::to_json(frame), message_id: None });
    }

    pub(crate) fn set_slow_mode(&self, seconds: u32) {
        self.core.moderation.slow_mode_seconds.store(seconds, Ordering::Release);
    }

    pub(crate) fn slow_mode_seconds(&self) -> u32 {
        self.core.moderation.slow_mode_seconds.load(Ordering::Acquire)
    }

    fn slow_mode_interval(&self) -> Option<Duration> {
        let seconds = self.slow_mode_seconds();
        (seconds > 0).then(|| Duration::from_secs(u64::from(seconds)))
    }

    /// Slow mode: takes the participant's turn to post, or says how long until they may. Taken
    /// once the post has passed the other checks on arrival; if it is refused after all, give the
    /// turn back with [`Room::give_back_slow_mode_turn`]. `Ok(None)`: slow mode is off.
    pub(crate) fn take_slow_mode_turn(&self, user: Uuid) -> Result<Option<SlowModeTurn>, Duration> {
        let Some(interval) = self.slow_mode_interval() else {
            return Ok(None);
        };
        let now = Instant::now();
        let mut last_post = lock(&self.core.moderation.last_post);
        let previous = last_post.get(&user).copied();
        if let Some(last) = previous {
            let since = now.duration_since(last);
            if since < interval {
                return Err(interval - since);
            }
        }
        last_post.insert(user, now);
        // Forget turns long past, so the map stays as small as the room's active posters.
        if last_post.len() > 1024 {
            last_post.retain(|_, at| now.duration_since(*at) < interval);
        }
        Ok(Some(SlowModeTurn { taken_at: now, previous }))
    }

    /// Undoes [`Room::take_slow_mode_turn`] for a post refused after it: the wait is as if the
    /// post had never been sent (unless another post of the person took a turn since).
    pub(crate) fn give_back_slow_mode_turn(&self, user: Uuid, turn: SlowModeTurn) {
        let mut last_post = lock(&self.core.moderation.last_post);
        if last_post.get(&user) == Some(&turn.taken_at) {
            match turn.previous {
                Some(previous) => last_post.insert(user, previous),
                None => last_post.remove(&user),
            };
        }
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
            Some(user) => state.presence.join(user),
            None => state.presence.viewers += 1,
        }
        // Small rooms record a new peak at once; big ones at the next heartbeat, so a crowd
        // arriving does not cost a write each.
        let (participants, viewers) = state.presence.total();
        let total = participants + viewers;
        if total > state.presence.peak_recorded && total <= PEAK_RECORDED_AT_ONCE {
            state.presence.peak_recorded = total;
            self.record_peak(total);
        }
        Subscription { rx: state.tx.subscribe(), last_seq: state.last_seq }
    }

    /// Writes a new peak of people connected, in the background.
    fn record_peak(&self, total: u64) {
        let db = self.core.hub.db().clone();
        let session = self.core.session_id;
        tokio::spawn(async move {
            if let Err(error) = db.record_viewers_peak(&[(session, total)]).await {
                tracing::debug!(%error, "could not record a session's peak of people connected");
            }
        });
    }

    /// The total connected now if it is a new peak not yet written, marking it written.
    pub(crate) fn unrecorded_peak(&self) -> Option<u64> {
        let mut state = self.core.state();
        let (participants, viewers) = state.presence.total();
        let total = participants + viewers;
        (total > state.presence.peak_recorded).then(|| {
            state.presence.peak_recorded = total;
            total
        })
    }

    pub(crate) fn leave(&self, participant: Option<Uuid>) {
        let mut state = self.core.state();
        match participant {
            Some(user) => state.presence.leave(user),
            None => state.presence.viewers = state.presence.viewers.saturating_sub(1),
        }
    }

    /// Participants and viewers across all live instances.
    pub fn presence(&self) -> (u64, u64) {
        self.core.state().presence.total()
    }

    /// The participants connected to this instance, and its number of viewers.
    pub fn presence_here(&self) -> (Vec<Uuid>, u64) {
        let state = self.core.state();
        (state.presence.participants.keys().copied().collect(), state.presence.viewers)
    }

    /// Records who is in this room on the other live instances (from the last heartbeat).
    pub(crate) fn set_presence_elsewhere(&self, participants: HashSet<Uuid>, viewers: u64) {
        self.core.state().presence.set_elsewhere(participants, viewers);
    }

    /// The database's stream is known to reach `last_seq`: the room's follower task catches up
    /// to it in the background. Notices coalesce: a follower that is busy catches up to the
    /// newest position once it is free. The follower is woken whenever the room is behind, not
    /// only when the position is new, so a catch-up that failed (the database was briefly
    /// unreachable) is tried again at the next notice or heartbeat.
    pub(crate) fn follow(&self, last_seq: i64) {
        if last_seq > self.last_seq() {
            self.follow.send_modify(|known| *known = (*known).max(last_seq));
        }
    }

    pub(crate) fn last_used(&self) -> &LastUsed {
        &self.core.last_used
    }

    /// Presence travels in the broadcast as a frame without `seq`; sent only on change, at most
    /// once per housekeeping tick, so joins and leaves in a big room stay cheap.
    pub(crate) fn send_presence_if_changed(&self) {
        let mut state = self.core.state();
        let now = state.presence.total();
        if now == state.presence.last_sent {
            return;
        }
        state.presence.last_sent = now;
        let json = render::to_json(&ServerFrame::Presence { participants: now.0, viewers: now.1 });
        let _ = state.tx.send(StreamItem { seq: 0, json, message_id: None });
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

/// Frames for moderators buffered per room; a moderator who falls further behind misses some
/// and is told to reload the queues.
const MODERATOR_CHANNEL_CAPACITY: usize = 256;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RoomCore {
    /// Sends a frame to the moderators connected to this room.
    pub(crate) fn tell_moderators(&self, frame: &ServerFrame) {
        // Nobody listening is fine: moderators read the queue over HTTP when they arrive.
        let _ = self.moderation.moderators.send(render::to_json(frame));
    }

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
            let page = GAP_PAGE.min(prev_last_seq - shown);
            match self.hub.db().stream_after(self.session_id, shown, page).await {
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

/// Publishes what other instances committed: whenever the known end of the stream moves past
/// what the room has shown, the missing entries are read from the database by `seq` and
/// published in order, through the same path as the room's own commits, so each goes out once.
/// Ends when the room is dropped.
async fn follow_stream(room: Arc<RoomCore>, mut known: watch::Receiver<i64>) {
    while known.changed().await.is_ok() {
        let target = *known.borrow_and_update();
        room.publish(target, Vec::new()).await;
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

#[cfg(test)]
mod tests {
    use super::Presence;
    use std::collections::HashSet;
    use uuid::Uuid;

    #[test]
    fn a_person_connected_here_and_elsewhere_counts_once_as_they_come_and_go() {
        let (ann, bob, cat) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mut presence = Presence::default();
        presence.join(ann);
        presence.join(ann); // a second tab here
        presence.viewers = 2;
        assert_eq!(presence.total(), (1, 2));

        presence.set_elsewhere(HashSet::from([ann, bob]), 3);
        assert_eq!(presence.total(), (2, 5), "ann is here and elsewhere: once");
        presence.join(bob);
        assert_eq!(presence.total(), (2, 5), "bob arrives here too: still two people");
        presence.leave(ann);
        assert_eq!(presence.total(), (2, 5), "one of ann's two tabs here closes");
        presence.leave(ann);
        assert_eq!(presence.total(), (2, 5), "ann has gone from here, but is still elsewhere");
        presence.leave(bob);
        presence.join(cat);
        assert_eq!(presence.total(), (3, 5));
        presence.set_elsewhere(HashSet::new(), 0);
        assert_eq!(presence.total(), (1, 2), "the other instance went away");
        presence.leave(cat);
        presence.leave(cat); // more leaves than joins change nothing
        assert_eq!(presence.total(), (0, 2));
    }
}
