//! The shapes that frames carry: a message, a session, a person.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A person as others see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthorView {
    pub id: Uuid,
    pub handle: String,
    pub display_name: String,
}

/// What kind of stream message this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Written by a participant.
    Post,
    /// A released question (`Q<n>`).
    Question,
    /// A notice from the service (a reminder, "10 minutes left").
    Notice,
}

/// One message of a session's stream, as every client and the transcript show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MessageView {
    /// Stable id; the permalink is `/transcript.html?session={session_id}#m-{id}`.
    pub id: Uuid,
    pub seq: i64,
    pub kind: MessageKind,
    /// Absent for service notices.
    pub author: Option<AuthorView>,
    /// Plain text: render it as text, never as HTML.
    pub text: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_of: Option<Uuid>,
    /// For a question: its number (`Q3` → 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<u32>,
    /// For an answer: the question number its `A<n>` label names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<u32>,
    /// The answer names a question not released yet (accepted, but flagged).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub answers_unreleased: bool,
    #[serde(default)]
    pub hashtags: Vec<String>,
    #[serde(default)]
    pub mentions: Vec<String>,
    #[serde(default)]
    pub likes: i64,
    /// Hidden by a moderator: only moderators ever receive a hidden message's content.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
    /// For a question proposed by the audience: who asked it (`@handle`, or "a participant"
    /// when they asked anonymously).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
}

/// A session as a client needs it to render the page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub series_id: Uuid,
    /// As the host typed it, with `#`.
    pub hashtag: String,
    pub title: String,
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// The question currently open for answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionView {
    pub number: u32,
    pub text: String,
    pub message_id: Uuid,
    pub seq: i64,
}

/// The limits this connection is held to, so clients can check before sending.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Limits {
    pub max_text_chars: usize,
    pub max_frame_bytes: usize,
    pub posts_per_minute: u32,
}

/// A post in the hold queue, as moderators see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HeldPostView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub author: AuthorView,
    pub client_id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Uuid>,
    /// `all`, `first_time`, `links` or `blocked_term`.
    pub held_because: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// The rejection reason, if any.
    #[serde(default)]
    pub reason: String,
    /// The stream message it became, once approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A participant's report of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportView {
    pub id: Uuid,
    pub message_id: Uuid,
    pub reporter: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// A message of the moderators' back channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BackchannelView {
    pub id: Uuid,
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// An audience question proposed for a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProposalView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub text: String,
    /// Absent when the author asked anonymously (except for moderators and the author).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<AuthorView>,
    pub anonymous: bool,
    /// `pending`, `approved`, `rejected` or `merged`.
    pub status: String,
    pub votes: i64,
    /// Marked answered by a moderator (it moves to the answered list).
    pub answered: bool,
    /// In the session's question plan.
    pub promoted: bool,
    /// For a merged duplicate: the proposal its votes went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<Uuid>,
    /// A moderator changed the wording (the author and moderators see the original).
    pub edited: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_text: Option<String>,
    /// Why it was rejected: shown to its author and moderators only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Whether the reader has voted for it (always false in live frames: keep your own).
    #[serde(default)]
    pub voted: bool,
    pub created_at: DateTime<Utc>,
}
