//! Group commit: one task per room takes every post queued while the previous transaction
//! ran and commits them together, so throughput grows with load instead of being capped by one
//! round trip per message. Only after the commit are the posts broadcast and acknowledged.

use crate::render::{self, StreamItem};
use crate::room::RoomCore;
use chrono::Utc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;
use tweetchat_protocol::{ErrorCode, ServerFrame};
use tweetchat_storage::StorageError;
use tweetchat_storage::moderation::RestrictionKind;
use tweetchat_storage::stream::{NewPost, PostOutcome, StreamEntry};

/// A post waiting to be committed, and where its answer goes.
pub struct PostRequest {
    pub post: NewPost,
    /// The poster's connection: acks and errors for it.
    pub reply: mpsc::Sender<ServerFrame>,
    /// The poster connection's count of unanswered posts, decremented when this one is answered.
    pub inflight: Arc<AtomicUsize>,
}

pub(crate) async fn run(room: Arc<RoomCore>, mut queue: mpsc::Receiver<PostRequest>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        commit(&room, &mut batch).await;
    }
}

async fn commit(room: &RoomCore, batch: &mut Vec<PostRequest>) {
    let posts: Vec<NewPost> = batch.iter().map(|r| r.post.clone()).collect();
    let metrics = room.hub_metrics();
    let now = tweetchat_storage::stream::stored_instant(Utc::now());
    match room.db().commit_posts(room.session_id, &posts, now).await {
        Ok(result) => {
            let items: Vec<StreamItem> =
                result.committed().map(|m| render::stream_item(&StreamEntry::Message(m.clone()))).collect();
            metrics.messages_committed.inc_by(items.len() as u64);
            metrics.commit_batches.inc();
            // Broadcast first: the poster sees its message in the stream no later than its ack.
            room.publish(result.prev_last_seq, items).await;
            for (request, outcome) in batch.drain(..).zip(result.outcomes) {
                if let PostOutcome::Held(held) = &outcome
                    && held.created_at == now
                {
                    // Newly held (a retry of a pending post is not news to the moderators).
                    room.tell_moderators(&ServerFrame::HeldForReview { held: render::held_view(held) });
                    // Moderators connected to other instances hear of it too; not awaited, so
                    // the author's answer does not wait for it.
                    let control = crate::control::Control::Held { session: room.session_id, held: held.id };
                    let db = room.db().clone();
                    tokio::spawn(async move {
                        if let Err(error) = db.notify_control(&control.encode()).await {
                            tracing::warn!(%error, "could not tell the other instances of a held post");
                        }
                    });
                }
                let frame = answer(&request.post.client_id, outcome);
                reply(request, frame);
            }
        }
        Err(error) => {
            let (code, text) = match &error {
                StorageError::NotFound => (ErrorCode::NotFound, "this session no longer exists".to_owned()),
                e if e.is_retryable() => {
                    (ErrorCode::Busy, "the database is unavailable; send the same post again shortly".to_owned())
                }
                _ => (ErrorCode::Internal, "the post could not be saved; send the same post again".to_owned()),
            };
            tracing::warn!(session = %room.session_id, %error, posts = batch.len(), "group commit failed");
            for request in batch.drain(..) {
                let frame = ServerFrame::Error {
                    code,
                    message: text.clone(),
                    client_id: Some(request.post.client_id.clone()),
                    retryable: code != ErrorCode::NotFound,
                };
                reply(request, frame);
            }
        }
    }
}

fn answer(client_id: &str, outcome: PostOutcome) -> ServerFrame {
    let client_id = client_id.to_owned();
    match outcome {
        PostOutcome::Committed(m) => ServerFrame::Ack { client_id, seq: m.seq, message_id: m.id, duplicate: false },
        PostOutcome::Duplicate(m) => ServerFrame::Ack { client_id, seq: m.seq, message_id: m.id, duplicate: true },
        PostOutcome::SessionNotLive(status) => ServerFrame::Error {
            code: ErrorCode::SessionNotLive,
            message: format!("the session is {status}: posts are accepted only while it is live"),
            client_id: Some(client_id),
            retryable: false,
        },
        PostOutcome::Held(held) => {
            ServerFrame::PostHeld { client_id, held_id: held.id, held_because: held.held_because }
        }
        PostOutcome::Rejected(held) => ServerFrame::PostRejected { client_id, held_id: held.id, reason: held.reason },
        PostOutcome::Restricted { kind: RestrictionKind::Ban, .. } => ServerFrame::Error {
            code: ErrorCode::Banned,
            message: "you are banned from this chat series".into(),
            client_id: Some(client_id),
            retryable: false,
        },
        PostOutcome::Restricted { kind: RestrictionKind::Mute, until } => ServerFrame::Error {
            code: ErrorCode::Muted,
            message: match until {
                Some(until) => format!("a moderator muted you until {}", until.format("%H:%M UTC")),
                None => "a moderator muted you".into(),
            },
            client_id: Some(client_id),
            retryable: false,
        },
        PostOutcome::UnknownReference => ServerFrame::Error {
            code: ErrorCode::NotFound,
            message: "reply_to or quote_of names no message of this session".into(),
            client_id: Some(client_id),
            retryable: false,
        },
    }
}

fn reply(request: PostRequest, frame: ServerFrame) {
    request.inflight.fetch_sub(1, Ordering::AcqRel);
    // A full queue means the client is not reading its acks; the post is durable and a retry
    // with the same client_id returns the same ack, so dropping this one loses nothing.
    let _ = request.reply.try_send(frame);
}

impl RoomCore {
    fn db(&self) -> &tweetchat_storage::Database {
        self.hub().db()
    }
    fn hub_metrics(&self) -> &crate::HubMetrics {
        self.hub().metrics()
    }
}
