//! Stored rows to protocol frames. Live delivery and replay both come through here, so a frame
//! looks the same whichever path sent it; a replay from the database shows a message as it is
//! now (current like count, or a `message_hidden` stub), which the live frames that followed it
//! (`liked`, `message_hidden`) bring a live client to as well.

use axum::extract::ws::Utf8Bytes;
use tweetchat_protocol::{AuthorView, MessageKind, MessageView, QuestionView, ServerFrame};
use tweetchat_storage::stream::{StoredEvent, StoredMessage, StreamEntry};

/// One stream frame, serialised once and shared by every connection that sends it.
#[derive(Debug, Clone)]
pub struct StreamItem {
    /// The stream position; 0 for frames outside the stream (presence).
    pub seq: i64,
    pub json: Utf8Bytes,
}

pub fn stream_item(entry: &StreamEntry) -> StreamItem {
    StreamItem { seq: entry.seq(), json: to_json(&stream_frame(entry)) }
}

pub fn to_json(frame: &ServerFrame) -> Utf8Bytes {
    // Serialising our own frame types cannot fail: every map key is a string.
    Utf8Bytes::from(serde_json::to_string(frame).unwrap_or_default())
}

pub fn stream_frame(entry: &StreamEntry) -> ServerFrame {
    match entry {
        StreamEntry::Message(message) if message.hidden_at.is_some() => {
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
        StreamEntry::Event(event) => event_frame(event),
    }
}

fn event_frame(event: &StoredEvent) -> ServerFrame {
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
        // "hidden", and "unhidden" until moderation sends the restored message with it; the
        // schema admits no other kinds.
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
