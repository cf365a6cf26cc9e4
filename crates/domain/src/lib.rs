//! The rules of a tweetchat, with no I/O: what a valid hashtag, handle or message is, how a
//! session moves through its lifecycle, and how `Q1`/`A1` labels link answers to questions.
//!
//! # Layout
//! - [`values`]: validated newtypes ([`Hashtag`], [`Handle`], [`MessageText`], [`ClientMsgId`],
//!   [`Title`], [`Description`]). A value of these types is valid by construction: parse at the edge, trust inside.
//! - [`lifecycle`]: [`SessionStatus`] and the transitions between its states.
//! - [`labels`]: answer-label parsing and hashtag / mention extraction from message text.
//! - [`recurrence`]: recurring series (weekly, fortnightly, monthly on the nth weekday) in a
//!   home time zone, so 20:00 London stays 20:00 London across daylight-saving changes.
//! - [`audience`]: when a series takes questions from its audience.
//! - [`calendar`]: iCalendar text for calendar subscriptions.
//! - [`moderation`]: which posts are held for approval (policies, links, blocked terms), and
//!   the bounds of mutes and reasons.
//! - [`archive`]: word-cloud terms, links, transcripts grouped by question, frozen figures.
//! - [`role`]: who a person is in a session and what that lets them do.
//!
//! Every other crate depends on this one; this one depends on nothing of ours.

pub mod archive;
pub mod audience;
pub mod calendar;
pub mod labels;
pub mod lifecycle;
pub mod moderation;
pub mod recurrence;
pub mod role;
pub mod values;

pub use labels::{answer_label, extract_hashtags, extract_mentions, question_label};
pub use lifecycle::{SessionAction, SessionStatus, Timetable};
pub use role::{Role, Scopes};
pub use values::{ClientMsgId, DEFAULT_MAX_TEXT_CHARS, Description, Handle, Hashtag, MessageText, Title};

/// Why a value or a transition was refused. `field` names the input at fault so the edge can
/// tell the user exactly what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("a session that is {from} cannot {action}")]
    Transition { from: SessionStatus, action: SessionAction },
}

impl DomainError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        DomainError::Invalid { field, reason: reason.into() }
    }
}
