//! Client and server frames. Every frame is a JSON object with a `type` field.

use crate::views::{
    AuthorView, BackchannelView, HeldPostView, Limits, MessageView, ProposalView, QuestionView, ReportView, SessionView,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Frames a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// The first frame of every connection: protocol versions the client speaks, an optional
    /// token (browsers are identified by their cookie instead) and, when reconnecting, the last
    /// `seq` the client saw.
    Hello {
        protocol: Vec<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume_after: Option<i64>,
    },
    /// A new message. `client_id` is chosen by the client and makes retries safe.
    Post {
        client_id: String,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quote_of: Option<Uuid>,
    },
    Like {
        message_id: Uuid,
    },
    Unlike {
        message_id: Uuid,
    },
    /// Replay everything after `after`, then continue live (also valid mid-connection).
    Resume {
        after: i64,
    },
    Ping {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nonce: Option<String>,
    },
}

/// Frames the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The answer to `hello`.
    Welcome(Box<Welcome>),

    // --- The ordered stream: each carries the session's next `seq`. ---
    /// A participant's post or a service notice.
    Message {
        seq: i64,
        message: MessageView,
    },
    /// A host question `Q<n>` entered the stream.
    QuestionReleased {
        seq: i64,
        message: MessageView,
    },
    MessageHidden {
        seq: i64,
        message_id: Uuid,
    },
    MessageUnhidden {
        seq: i64,
        message: MessageView,
    },
    MessagePinned {
        seq: i64,
        message_id: Uuid,
    },
    MessageUnpinned {
        seq: i64,
        message_id: Uuid,
    },
    /// A message's like count changed.
    Liked {
        seq: i64,
        message_id: Uuid,
        likes: i64,
    },
    /// The session moved to another status (`live`, `closed`, ...).
    SessionState {
        seq: i64,
        status: String,
        at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },

    // --- About this connection only. ---
    /// A post of yours is committed: `seq` is its place in the stream.
    Ack {
        client_id: String,
        seq: i64,
        message_id: Uuid,
        /// True when this `client_id` had already been committed: the original ack, again.
        duplicate: bool,
    },
    /// Your post waits for a moderator (the series holds posts for approval). When approved
    /// it enters the stream and you get its `ack`; if rejected, `post_rejected`.
    PostHeld {
        client_id: String,
        held_id: Uuid,
        /// `all`, `first_time`, `links` or `blocked_term`.
        held_because: String,
    },
    /// A moderator rejected your held post; it was never shown to anyone.
    PostRejected {
        client_id: String,
        held_id: Uuid,
        reason: String,
    },
    /// A moderator muted you (`kind: "mute"`, until `until`) or banned you from this series
    /// (`kind: "ban"`; the connection closes with 4003 right after).
    Restricted {
        kind: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<DateTime<Utc>>,
        reason: String,
    },

    /// An audience question changed: to everyone once approved (new, votes, answered,
    /// promoted, merged away); to moderators and its author at every step.
    Proposal {
        proposal: ProposalView,
    },

    // --- To moderators, hosts and owners only. ---
    /// A post entered the hold queue.
    HeldForReview {
        held: HeldPostView,
    },
    /// A held post was approved or rejected (by any moderator).
    HeldDecided {
        held_id: Uuid,
        /// `approved` or `rejected`.
        status: String,
    },
    /// A participant reported a message.
    Reported {
        report: ReportView,
    },
    /// A message in the moderators' back channel.
    Backchannel {
        message: BackchannelView,
    },
    /// Moderator updates were dropped for this connection (it fell behind): read the hold
    /// queue, reports and back channel again over HTTP.
    ModerationResync {
        reason: String,
    },

    /// Replay after `hello`/`resume` is done; what follows is live.
    CaughtUp {
        last_seq: i64,
    },
    /// How many people are here, sent at most every few seconds and only on change.
    Presence {
        participants: u64,
        viewers: u64,
    },
    Pong {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nonce: Option<String>,
    },
    Error {
        code: ErrorCode,
        message: String,
        /// Set when the error answers a `post`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        /// The same frame may succeed if sent again later.
        retryable: bool,
    },
    /// The requested resume cannot be served: drop local state and reconnect without
    /// `resume_after` (or fetch the transcript).
    Reload {
        reason: String,
    },
    /// The server is about to close this connection (restart or shutdown); reconnect after
    /// `retry_after_ms` and resume from your last `seq`.
    Closing {
        reason: String,
        retry_after_ms: u64,
    },
}

impl ServerFrame {
    /// The stream position of a stream frame; `None` for per-connection frames.
    pub fn seq(&self) -> Option<i64> {
        match self {
            ServerFrame::Message { seq, .. }
            | ServerFrame::QuestionReleased { seq, .. }
            | ServerFrame::MessageHidden { seq, .. }
            | ServerFrame::MessageUnhidden { seq, .. }
            | ServerFrame::MessagePinned { seq, .. }
            | ServerFrame::MessageUnpinned { seq, .. }
            | ServerFrame::Liked { seq, .. }
            | ServerFrame::SessionState { seq, .. } => Some(*seq),
            _ => None,
        }
    }

    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerFrame::Error { code, message: message.into(), client_id: None, retryable: code.is_retryable() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Welcome {
    /// The version chosen from the client's list.
    pub protocol: u32,
    pub session: SessionView,
    /// `viewer`, `participant`, `moderator`, `host`, `owner` or `admin`.
    pub role: String,
    /// Who you are signed in as; absent for anonymous viewers.
    pub you: Option<AuthorView>,
    pub current_question: Option<QuestionView>,
    /// The newest `seq` in the stream when you joined.
    pub last_seq: i64,
    /// Messages pinned now, oldest pin first; `message_pinned`/`message_unpinned` keep it up to date.
    #[serde(default)]
    pub pinned: Vec<MessageView>,
    /// Seconds between two posts of one participant (slow mode); 0 when off. Hosts are exempt.
    #[serde(default)]
    pub slow_mode_seconds: u32,
    pub limits: Limits,
}

/// Why something failed, for programs; `message` in the same frame is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, or not an object with a known `type` and the fields it needs.
    BadFrame,
    /// Binary frames are not part of the protocol.
    BinaryNotSupported,
    /// A frame other than `hello` came first, or `hello` came twice.
    HelloExpected,
    UnsupportedVersion,
    /// The token in `hello` is not valid (expired, revoked or unknown).
    Unauthenticated,
    /// Your role does not allow this (e.g. viewers cannot post).
    Forbidden,
    /// A field was invalid; the message names it.
    InvalidField,
    TextTooLong,
    RateLimited,
    /// Slow mode: wait before posting again (the message says how long).
    SlowMode,
    /// A moderator muted you; the message says until when.
    Muted,
    /// You are banned from this series.
    Banned,
    /// The session is not live (lobby, closed, ...): posts are refused.
    SessionNotLive,
    /// The message or session referred to does not exist here.
    NotFound,
    /// Too many posts of yours are waiting to be committed, or the database is unavailable.
    Busy,
    Internal,
}

impl ErrorCode {
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorCode::RateLimited | ErrorCode::SlowMode | ErrorCode::Busy | ErrorCode::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_tagged_with_their_type() {
        let frame: ClientFrame =
            serde_json::from_str(r#"{"type":"post","client_id":"c1","text":"A1 hi"}"#).expect("valid post");
        assert_eq!(
            frame,
            ClientFrame::Post { client_id: "c1".into(), text: "A1 hi".into(), reply_to: None, quote_of: None }
        );
        let ack = ServerFrame::Ack { client_id: "c1".into(), seq: 7, message_id: Uuid::nil(), duplicate: false };
        let json = serde_json::to_value(&ack).expect("serialisable");
        assert_eq!(json["type"], "ack");
        assert_eq!(json["seq"], 7);
    }

    #[test]
    fn unknown_types_do_not_parse() {
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"shout","text":"x"}"#).is_err());
        assert!(serde_json::from_str::<ClientFrame>(r#"{"text":"no type"}"#).is_err());
    }
}
