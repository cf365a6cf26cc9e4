//! Stored rows to protocol frames. Live delivery and replay both come through here, so a frame
//! looks the same whichever path sent it; a replay from the database shows a message as it is
//! now (current like count, or a `message_hidden` stub), which the live frames that followed it
//! (`liked`, `message_hidden`) bring a live client to as well.

use axum::extract::ws::Utf8Bytes;
use tweetchat_protocol::{
    AuthorView, BackchannelView, HeldPostView, MessageKind, MessageView, ProposalView, QuestionView, ReportView,
    ServerFrame,
};
use tweetchat_storage::moderation::{BackchannelMessage, HeldPost, Report};
use tweetchat_storage::proposals::Proposal;
use tweetchat_storage::stream::{StoredEvent, StoredMessage, StreamEntry};
use uuid::Uuid;

/// One stream frame, serialised once and shared by every connection that sends it.
#[derive(Debug, Clone)]
pub struct StreamItem {
    /// The stream position; 0 for frames outside the stream (presence).
    pub seq: i64,
    pub json: Utf8Bytes,
    /// The message whose content this frame carries (a post, a question, an unhidden
    /// message): a connection that may not see hidden messages checks it before sending.
    pub message_id: Option<Uuid>,
}

/// Who a rendering is for: only moderators see the content of hidden messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Moderators,
}

/// The frame every connection shares, rendered for the public (the live path).
pub fn stream_item(entry: &StreamEntry) -> StreamItem {
    stream_item_for(entry, Audience::Public)
}

pub fn stream_item_for(entry: &StreamEntry, audience: Audience) -> StreamItem {
    let frame = stream_frame(entry, audience);
    let message_id = match &frame {
        ServerFrame::Message { message, .. }
        | ServerFrame::QuestionReleased { message, .. }
        | ServerFrame::MessageUnhidden { message, .. } => Some(message.id),
        _ => None,
    };
    StreamItem { seq: entry.seq(), json: to_json(&frame), message_id }
}

/// The stub that stands in, for the public, for a message moderators hid.
pub fn hidden_stub(seq: i64, message_id: Uuid) -> StreamItem {
    StreamItem { seq, json: to_json(&ServerFrame::MessageHidden { seq, message_id }), message_id: None }
}

pub fn to_json(frame: &ServerFrame) -> Utf8Bytes {
    // Serialising our own frame types cannot fail: every map key is a string.
    Utf8Bytes::from(serde_json::to_string(frame).unwrap_or_default())
}

pub fn stream_frame(entry: &StreamEntry, audience: Audience) -> ServerFrame {
    match entry {
        StreamEntry::Message(message) if message.hidden_at.is_some() && audience == Audience::Public => {
            // A hidden message keeps its place in the stream, without its content.
            ServerFrame::MessageHidden { seq: message.seq, message_id: message.id }
        }
        StreamEntry::Message(message) => {
            let view = message_view(message);
            match view.kind {
                MessageKind::Question => ServerFrame::QuestionReleased { seq: message.seq, message: view },
                _ => ServerFrame::Message { seq: message.seq, message: view },
            }
        }
        StreamEntry::Event(event) => event_frame(event, audience),
    }
}

fn event_frame(event: &StoredEvent, audience: Audience) -> ServerFrame {
    let seq = event.seq;
    let message_id = event.message_id.unwrap_or_default();
    match event.kind.as_str() {
        "session_state" => ServerFrame::SessionState {
            seq,
            status: event.payload["status"].as_str().unwrap_or_default().to_owned(),
            at: event.created_at,
            ends_at: serde_json::from_value(event.payload["ends_at"].clone()).unwrap_or(event.created_at),
        },
        "liked" => ServerFrame::Liked { seq, message_id, likes: event.payload["likes"].as_i64().unwrap_or_default() },
        "pinned" => ServerFrame::MessagePinned { seq, message_id },
        "unpinned" => ServerFrame::MessageUnpinned { seq, message_id },
        "unhidden" => match &event.message {
            // Hidden again since: the public sees it stay hidden.
            Some(message) if message.hidden_at.is_none() || audience == Audience::Moderators => {
                ServerFrame::MessageUnhidden { seq, message: message_view(message) }
            }
            _ => ServerFrame::MessageHidden { seq, message_id },
        },
        // "hidden"; the schema admits no other kinds.
        _ => ServerFrame::MessageHidden { seq, message_id },
    }
}

pub fn message_view(message: &StoredMessage) -> MessageView {
    let author = match (message.author_id, &message.author_handle, &message.author_display_name) {
        (Some(id), Some(handle), Some(display_name)) => {
            Some(AuthorView { id, handle: handle.clone(), display_name: display_name.clone() })
        }
        _ => None,
    };
    let kind = match message.kind.as_str() {
        "question" => MessageKind::Question,
        "notice" => MessageKind::Notice,
        _ => MessageKind::Post,
    };
    MessageView {
        id: message.id,
        seq: message.seq,
        kind,
        author,
        text: message.text.clone(),
        created_at: message.created_at,
        reply_to: message.reply_to,
        quote_of: message.quote_of,
        question: message.question_number.and_then(|n| u32::try_from(n).ok()),
        answers: message.answers_question.and_then(|n| u32::try_from(n).ok()),
        answers_unreleased: message.answers_unreleased,
        hashtags: message.hashtags.clone(),
        mentions: message.mentions.clone(),
        likes: i64::from(message.likes),
        hidden: message.hidden_at.is_some(),
        pinned: message.pinned_at.is_some(),
        credit: message.credit.clone(),
    }
}

pub fn held_view(held: &HeldPost) -> HeldPostView {
    HeldPostView {
        id: held.id,
        session_id: held.session_id,
        author: AuthorView {
            id: held.author_id,
            handle: held.author_handle.clone(),
            display_name: held.author_display_name.clone(),
        },
        client_id: held.client_id.clone(),
        text: held.text.clone(),
        reply_to: held.reply_to,
        held_because: held.held_because.clone(),
        status: held.status.clone(),
        reason: held.reason.clone(),
        message_id: held.message_id,
        created_at: held.created_at,
    }
}

pub fn report_view(report: &Report) -> ReportView {
    ReportView {
        id: report.id,
        message_id: report.message_id,
        reporter: report.reporter_handle.clone(),
        reason: report.reason.clone(),
        created_at: report.created_at,
    }
}

pub fn backchannel_view(message: &BackchannelMessage) -> BackchannelView {
    BackchannelView {
        id: message.id,
        author: message.author_handle.clone(),
        text: message.text.clone(),
        created_at: message.created_at,
    }
}

pub fn question_view(message: &StoredMessage) -> Option<QuestionView> {
    Some(QuestionView {
        number: u32::try_from(message.question_number?).ok()?,
        text: message.text.clone(),
        message_id: message.id,
        seq: message.seq,
    })
}

/// A proposal as `audience` may see it: the public never learns who asked anonymously, nor
/// why a proposal was rejected, nor the wording before a moderator's edit.
pub fn proposal_view(proposal: &Proposal, audience: Audience) -> ProposalView {
    let private = audience == Audience::Moderators;
    let author = AuthorView {
        id: proposal.author_id,
        handle: proposal.author_handle.clone(),
        display_name: proposal.author_display_name.clone(),
    };
    ProposalView {
        id: proposal.id,
        session_id: proposal.session_id,
        text: proposal.text.clone(),
        author: (private || !proposal.anonymous).then_some(author),
        anonymous: proposal.anonymous,
        status: proposal.status.clone(),
        votes: i64::from(proposal.votes),
        answered: proposal.answered_at.is_some(),
        promoted: proposal.question_id.is_some(),
        merged_into: proposal.merged_into,
        edited: proposal.original_text.is_some(),
        original_text: if private { proposal.original_text.clone() } else { None },
        reason: if private { proposal.reason.clone() } else { String::new() },
        voted: proposal.voted,
        created_at: proposal.created_at,
    }
}
