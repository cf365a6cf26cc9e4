//! Several instances on one database: hearing the others' commits, and being counted.
//!
//! Two tasks per instance, started by [`spawn`]:
//!
//! - **The listener** `LISTEN`s for stream notices (see `tweetchat_storage::notify`). A notice
//!   from another instance tells the room of that session, if this instance has one, where the
//!   stream now ends; the room's follower task reads the missing entries by `seq` and publishes
//!   them through the same path as its own commits, so every entry goes out once, in order,
//!   with its own `seq`. Notices sent while the listener was not connected are lost, so after
//!   every (re)connection it reads where each open room's stream ends and catches up. It pings
//!   its connection now and then, so a connection that died silently is noticed too.
//! - **The heartbeat**, every [`HEARTBEAT_INTERVAL`], records that this instance is alive,
//!   stores who is in its rooms, reads who is in the same rooms on the other live instances
//!   (clients are told each person once, and every viewer), and catches every open room up as a safety net: a
//!   notice a writer skipped because it did not know this instance yet is made up for within
//!   one interval. At a graceful stop it removes the instance's row, so the others stop
//!   counting its clients at once; after a crash they stop after [`ALIVE_WITHIN`].

use crate::Hub;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::time::{Instant, interval_at};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tweetchat_storage::StorageError;
use tweetchat_storage::instances::{Heartbeat, RoomPresence};
use tweetchat_storage::notify::StreamNotice;

/// How often an instance says it is alive and shares its presence counts.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(3);
/// An instance counts as alive while its last heartbeat is at most this old: three missed
/// heartbeats and a little.
pub const ALIVE_WITHIN: Duration = Duration::from_secs(10);
/// An instance silent for this long is removed from the table, with its presence rows.
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// How often the listener checks that its connection still works, and how long it waits.
const LISTENER_PING: Duration = Duration::from_secs(10);
const PING_TIMEOUT: Duration = Duration::from_secs(5);
/// After a failed attempt to listen, wait this long before the next.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The first heartbeat, before the server accepts connections: the instance is counted from
/// the start, and the start-up log can say how many instances share the database.
pub async fn join(hub: &Hub, address: &str) -> Result<u64, StorageError> {
    let beat = hub.db().heartbeat(address, ALIVE_WITHIN, FORGET_AFTER).await?;
    hub.metrics().instances_alive.set(i64::try_from(beat.alive).unwrap_or(i64::MAX));
    hub.metrics().instance_heartbeat_ok.set(1);
    Ok(beat.alive)
}

/// Starts the listener and the heartbeat on `tasks`; both end when `shutdown` is cancelled.
/// `address` is where this instance listens, recorded for operators.
pub fn spawn(hub: Hub, address: String, shutdown: CancellationToken, tasks: &TaskTracker) {
    tasks.spawn(listen(hub.clone(), shutdown.clone()));
    tasks.spawn(heartbeat(hub, address, shutdown));
}

enum Heard {
    Notice(StreamNotice),
    Control(Option<uuid::Uuid>, String),
    Lost(String),
    Ping,
    Stop,
}

async fn listen(hub: Hub, shutdown: CancellationToken) {
    let metrics = hub.metrics().clone();
    let own = hub.db().instance_id();
    loop {
        let listening = tokio::select! {
            _ = shutdown.cancelled() => return,
            listening = hub.db().listen_stream() => listening,
        };
        let mut listener = match listening {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for other instances' stream notices; retrying");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(RETRY_AFTER) => continue,
                }
            }
        };
        metrics.stream_listener_up.set(1);
        tracing::debug!("listening for other instances' stream notices");
        // Whatever was committed before LISTEN took effect was never announced to this
        // connection: read where each open room's stream ends.
        if let Err(error) = hub.catch_up_rooms().await {
            tracing::warn!(%error, "could not catch rooms up after listening; the next heartbeat will");
        }
        let mut ping = interval_at(Instant::now() + LISTENER_PING, LISTENER_PING);
        let reason = loop {
            let heard = tokio::select! {
                _ = shutdown.cancelled() => Heard::Stop,
                received = listener.recv() => match received {
                    Ok(Some(tweetchat_storage::notify::Heard::Stream(notice))) => Heard::Notice(notice),
                    Ok(Some(tweetchat_storage::notify::Heard::Control { from, body })) => Heard::Control(from, body),
                    Ok(None) => Heard::Lost("the connection was lost".into()),
                    Err(error) => Heard::Lost(error.to_string()),
                },
                _ = ping.tick() => Heard::Ping,
            };
            match heard {
                // Entries this instance committed itself were published by whoever committed them.
                Heard::Notice(notice) if notice.instance_id == Some(own) => {}
                Heard::Notice(notice) => {
                    metrics.stream_notices.inc();
                    hub.follow(notice.session_id, notice.last_seq);
                }
                // This instance already acted on its own control messages.
                Heard::Control(from, _) if from == Some(own) => {}
                Heard::Control(_, body) => match crate::control::Control::decode(&body) {
                    Some(control) => hub.apply_control(control).await,
                    None => tracing::debug!(%body, "ignoring an unknown control message"),
                },
                Heard::Ping => match tokio::time::timeout(PING_TIMEOUT, listener.ping()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => break error.to_string(),
                    Err(_) => break "the connection did not answer a ping".into(),
                },
                Heard::Lost(reason) => break reason,
                Heard::Stop => {
                    metrics.stream_listener_up.set(0);
                    let _ = tokio::time::timeout(PING_TIMEOUT, listener.close()).await;
                    return;
                }
            }
        };
        metrics.stream_listener_up.set(0);
        metrics.stream_listener_reconnects.inc();
        tracing::warn!(%reason, "stopped hearing other instances' stream notices; listening again");
        let _ = tokio::time::timeout(PING_TIMEOUT, listener.close()).await;
    }
}

async fn heartbeat(hub: Hub, address: String, shutdown: CancellationToken) {
    let metrics = hub.metrics().clone();
    let mut alive_before = u64::try_from(metrics.instances_alive.get()).unwrap_or_default();
    let mut tick = interval_at(Instant::now() + HEARTBEAT_INTERVAL, HEARTBEAT_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {}
        }
        match beat(&hub, &address).await {
            Ok(beat) => {
                // Joined again: counted out after a long silence (or the first heartbeat at
                // start-up failed); the row and presence were just written anew.
                if beat.joined && alive_before > 0 {
                    tracing::warn!("this instance had been silent so long that it was counted out; it is back");
                }
                let alive = beat.alive;
                if metrics.instance_heartbeat_ok.set(1) == 0 {
                    tracing::info!("heartbeats reach the database again");
                }
                metrics.instances_alive.set(i64::try_from(alive).unwrap_or(i64::MAX));
                if alive != alive_before {
                    tracing::info!(instance = %hub.db().instance_id(), alive, "instances sharing the database");
                    alive_before = alive;
                }
            }
            Err(error) => {
                if metrics.instance_heartbeat_ok.set(0) == 1 {
                    tracing::warn!(%error, "heartbeat failed; the other instances will count this one out if it goes on");
                }
            }
        }
    }
    if let Err(error) = hub.db().leave().await {
        tracing::warn!(%error, "could not remove this instance from the database at shutdown");
    }
}

/// One heartbeat: alive, presence out, presence in, rooms caught up.
async fn beat(hub: &Hub, address: &str) -> Result<Heartbeat, StorageError> {
    let db = hub.db();
    let beat = db.heartbeat(address, ALIVE_WITHIN, FORGET_AFTER).await?;
    let rooms = hub.open_rooms();
    let here: Vec<RoomPresence> = rooms
        .iter()
        .map(|room| {
            let (participants, viewers) = room.presence_here();
            RoomPresence { session_id: room.session_id(), participants, viewers }
        })
        .collect();
    db.write_presence(&here).await?;
    let mut elsewhere: HashMap<_, _> = if beat.alive > 1 {
        let ids: Vec<_> = rooms.iter().map(|room| room.session_id()).collect();
        db.others_presence(&ids, ALIVE_WITHIN).await?.into_iter().map(|p| (p.session_id, p)).collect()
    } else {
        HashMap::new()
    };
    let mut peaks = Vec::new();
    for room in &rooms {
        match elsewhere.remove(&room.session_id()) {
            Some(there) => room.set_presence_elsewhere(there.participants.into_iter().collect(), there.viewers),
            None => room.set_presence_elsewhere(HashSet::new(), 0),
        }
        if let Some(peak) = room.unrecorded_peak() {
            peaks.push((room.session_id(), peak));
        }
    }
    if !peaks.is_empty() {
        db.record_viewers_peak(&peaks).await?;
    }
    drop(rooms);
    hub.catch_up_rooms().await?;
    Ok(beat)
}
