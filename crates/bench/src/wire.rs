//! What the bench writes on the wire and how it reads the hot frames cheaply.
//!
//! Frames are the protocol crate's [`ClientFrame`] / [`ServerFrame`]. Only the `message` frame,
//! which every participant receives `rate` times a second, is read through [`LiteFrame`], a
//! borrowed projection with just `type`, `seq` and `message.text`; everything else is parsed
//! into the full [`ServerFrame`].
//!
//! A post's text carries its send time: `bench <nanos> p<poster> n<number>` (or `warmup ...`),
//! where `<nanos>` is nanoseconds since an `Instant` shared by the whole process, so any
//! receiver computes the latency on the same clock.

use serde::Deserialize;
use std::borrow::Cow;
use tweetchat_protocol::{ClientFrame, ErrorCode, SUPPORTED_VERSIONS};

/// Which part of the run a post belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Sent before the measured window; delivered and tracked, but not counted.
    Warmup,
    Measured,
}

impl Phase {
    fn word(self) -> &'static str {
        match self {
            Phase::Warmup => "warmup",
            Phase::Measured => "bench",
        }
    }
}

/// A server frame reduced to what the hot path needs. Unknown fields are skipped.
#[derive(Debug, Deserialize)]
pub struct LiteFrame<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default)]
    pub seq: Option<i64>,
    #[serde(default, borrow)]
    pub message: Option<LiteMessage<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct LiteMessage<'a> {
    #[serde(borrow)]
    pub text: Cow<'a, str>,
}

/// Parses a `message` frame cheaply: `Some((seq, text))`, or `None` for any other frame (which
/// the caller then parses in full).
pub fn parse_message(json: &str) -> Option<(i64, Cow<'_, str>)> {
    let frame: LiteFrame<'_> = serde_json::from_str(json).ok()?;
    if frame.kind != "message" {
        return None;
    }
    Some((frame.seq?, frame.message?.text))
}

pub fn hello(token: Option<&str>) -> String {
    let frame = ClientFrame::Hello {
        protocol: SUPPORTED_VERSIONS.to_vec(),
        token: token.map(str::to_owned),
        resume_after: None,
    };
    to_json(&frame)
}

pub fn post(client_id: &str, text: String) -> String {
    to_json(&ClientFrame::Post { client_id: client_id.to_owned(), text, reply_to: None, quote_of: None })
}

fn to_json(frame: &ClientFrame) -> String {
    // A ClientFrame is plain strings and numbers: serialising it cannot fail.
    serde_json::to_string(frame).unwrap_or_default()
}

/// `m3-17`: measured post number 17 of poster 3 (`w` for warmup). Unique within a run.
pub fn client_id(phase: Phase, poster: usize, number: u64) -> String {
    let p = match phase {
        Phase::Warmup => 'w',
        Phase::Measured => 'm',
    };
    format!("{p}{poster}-{number}")
}

pub fn stamp_text(phase: Phase, sent_nanos: u64, poster: usize, number: u64) -> String {
    format!("{} {sent_nanos} p{poster} n{number}", phase.word())
}

/// The phase and send time in a post's text, if it is one of ours.
pub fn parse_stamp(text: &str) -> Option<(Phase, u64)> {
    let mut words = text.split_ascii_whitespace();
    while let Some(w) = words.next() {
        let phase = match w {
            "bench" => Phase::Measured,
            "warmup" => Phase::Warmup,
            _ => continue,
        };
        return words.next()?.parse().ok().map(|n| (phase, n));
    }
    None
}

/// `rate_limited`, `busy`, ...: the code as it appears on the wire.
pub fn code_name(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{code:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip() {
        let text = stamp_text(Phase::Measured, 123_456_789, 3, 17);
        assert_eq!(text, "bench 123456789 p3 n17");
        assert!(text.chars().count() <= 280);
        assert_eq!(parse_stamp(&text), Some((Phase::Measured, 123_456_789)));
        assert_eq!(parse_stamp(&stamp_text(Phase::Warmup, 5, 0, 0)), Some((Phase::Warmup, 5)));
        // Tolerates decoration around the stamp, rejects other texts.
        assert_eq!(parse_stamp("#Tag bench 42 p1 n2"), Some((Phase::Measured, 42)));
        assert_eq!(parse_stamp("hello world"), None);
        assert_eq!(parse_stamp("bench"), None);
        assert_eq!(parse_stamp("bench x"), None);
    }

    #[test]
    fn message_frames_parse_through_the_projection() {
        let json = r#"{"type":"message","seq":42,"message":{"id":"00000000-0000-0000-0000-000000000000","seq":42,
            "kind":"post","author":null,"text":"bench 9 p0 n\u0031","created_at":"2025-01-01T00:00:00Z","likes":0}}"#;
        let (seq, text) = parse_message(json).expect("a message frame");
        assert_eq!(seq, 42);
        assert_eq!(text, "bench 9 p0 n1");
        assert!(parse_message(r#"{"type":"ack","client_id":"m0-1","seq":3,"message_id":"00000000-0000-0000-0000-000000000000","duplicate":false}"#).is_none());
        // `error` frames have a string `message`: not a message frame, and no panic.
        assert!(parse_message(r#"{"type":"error","code":"busy","message":"later","retryable":true}"#).is_none());
        assert!(parse_message("not json").is_none());
    }

    #[test]
    fn client_frames_use_the_protocol_shapes() {
        let hello: serde_json::Value = serde_json::from_str(&hello(Some("tok"))).expect("json");
        assert_eq!(hello, serde_json::json!({"type":"hello","protocol":[1],"token":"tok"}));
        let anon: serde_json::Value = serde_json::from_str(&self::hello(None)).expect("json");
        assert_eq!(anon, serde_json::json!({"type":"hello","protocol":[1]}));
        let post: serde_json::Value = serde_json::from_str(&post("m1-2", "bench 1 p1 n2".into())).expect("json");
        assert_eq!(post, serde_json::json!({"type":"post","client_id":"m1-2","text":"bench 1 p1 n2"}));
        assert_eq!(client_id(Phase::Warmup, 4, 9), "w4-9");
        assert_eq!(code_name(ErrorCode::RateLimited), "rate_limited");
    }
}
