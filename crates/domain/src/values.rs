//! Validated values. Each has a `parse` constructor that is the only way in.

use crate::DomainError;
use serde::{Serialize, Serializer};
use std::fmt;

/// The default maximum length of a message, in characters (Unicode scalar values).
pub const DEFAULT_MAX_TEXT_CHARS: usize = 280;

/// A chat's hashtag, kept as the host typed it (`#WeNurses`): screen readers read CamelCase
/// correctly, so the display form matters. Uniqueness is case-insensitive via [`Hashtag::key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hashtag(String);

impl Hashtag {
    pub const MAX_CHARS: usize = 100;

    /// Accepts `WeNurses` or `#WeNurses`: letters, digits and underscores, at least one letter.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let field = "hashtag";
        let body = input.trim();
        let body = body.strip_prefix('#').unwrap_or(body);
        if body.is_empty() {
            return Err(DomainError::invalid(field, "must not be empty"));
        }
        if body.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::invalid(field, format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        if !body.chars().all(is_tag_char) {
            return Err(DomainError::invalid(field, "may contain only letters, digits and underscores"));
        }
        if !body.chars().any(char::is_alphabetic) {
            return Err(DomainError::invalid(field, "must contain at least one letter"));
        }
        Ok(Hashtag(format!("#{body}")))
    }

    /// The display form with its `#`, as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive identity, without `#`: the form used in URLs and unique indexes.
    pub fn key(&self) -> String {
        self.0[1..].to_lowercase()
    }
}

pub(crate) fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A person's handle: `@` and 1-30 ASCII letters, digits or underscores; unique ignoring case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle(String);

impl Handle {
    pub const MAX_CHARS: usize = 30;

    /// Accepts `alice` or `@alice`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let field = "handle";
        let body = input.trim();
        let body = body.strip_prefix('@').unwrap_or(body);
        if body.is_empty() || body.len() > Self::MAX_CHARS {
            return Err(DomainError::invalid(
                field,
                format!("must be 1 to {} characters after the @", Self::MAX_CHARS),
            ));
        }
        if !body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(DomainError::invalid(field, "may contain only letters, digits and underscores"));
        }
        Ok(Handle(format!("@{body}")))
    }

    /// The display form with its `@`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive identity, without `@`.
    pub fn key(&self) -> String {
        self.0[1..].to_ascii_lowercase()
    }
}

/// The text of a message: trimmed, not empty, at most `max_chars` characters, and free of
/// control characters other than newline and tab (PostgreSQL rejects NUL, and the others only
/// serve to spoof or break what readers see).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(input: &str, max_chars: usize) -> Result<Self, DomainError> {
        let field = "text";
        let text = input.trim();
        if text.is_empty() {
            return Err(DomainError::invalid(field, "must not be empty"));
        }
        let chars = text.chars().count();
        if chars > max_chars {
            return Err(DomainError::invalid(field, format!("is {chars} characters; the limit is {max_chars}")));
        }
        if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(DomainError::invalid(field, "must not contain control characters"));
        }
        Ok(MessageText(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The id a client gives its post so that a retry is recognised: 1-64 characters from
/// `A-Z a-z 0-9 - _ . :` (a UUID fits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientMsgId(String);

impl ClientMsgId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let ok = !input.is_empty()
            && input.len() <= Self::MAX_LEN
            && input.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        if ok {
            Ok(ClientMsgId(input.to_owned()))
        } else {
            Err(DomainError::invalid("client_id", "must be 1 to 64 characters of A-Z a-z 0-9 - _ . :"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A title of a series or session: 1-120 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        if text.is_empty() || text.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::invalid("title", format!("must be 1 to {} characters", Self::MAX_CHARS)));
        }
        if text.chars().any(char::is_control) {
            return Err(DomainError::invalid("title", "must be a single line without control characters"));
        }
        Ok(Title(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A series' description: trimmed, then at most 2000 characters. The one rule for creating,
/// editing and importing a series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        if text.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::invalid("description", format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        // Paragraphs and tabs are welcome; other control characters (NUL above all, which
        // PostgreSQL cannot store) are not.
        if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            return Err(DomainError::invalid("description", "must not contain control characters"));
        }
        Ok(Description(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(Hashtag, Handle, MessageText, ClientMsgId, Title, Description);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtag_keeps_the_hosts_casing_and_compares_without_it() {
        let tag = Hashtag::parse("WeCommissioners").expect("valid");
        assert_eq!(tag.as_str(), "#WeCommissioners");
        assert_eq!(tag.key(), "wecommissioners");
        assert_eq!(Hashtag::parse("#wecommissioners").expect("valid").key(), tag.key());
    }

    #[test]
    fn hashtag_rejects_spaces_punctuation_and_digits_only() {
        for bad in ["", "#", "we nurses", "we-nurses", "#2024", "#a#b"] {
            assert!(Hashtag::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn handle_is_at_most_thirty_ascii_word_characters() {
        assert_eq!(Handle::parse("Alice_1").expect("valid").as_str(), "@Alice_1");
        assert_eq!(Handle::parse("@Alice").expect("valid").key(), "alice");
        assert!(Handle::parse(&"a".repeat(30)).is_ok());
        assert!(Handle::parse(&"a".repeat(31)).is_err());
        assert!(Handle::parse("al ice").is_err());
        assert!(Handle::parse("élise").is_err());
        assert!(Handle::parse("@").is_err());
    }

    #[test]
    fn message_text_counts_characters_not_bytes() {
        let emoji = "😀".repeat(280);
        assert!(MessageText::parse(&emoji, 280).is_ok());
        assert!(MessageText::parse(&format!("{emoji}!"), 280).is_err());
    }

    #[test]
    fn message_text_is_trimmed_and_rejects_nul_and_empty() {
        assert_eq!(MessageText::parse("  hi  ", 280).expect("valid").as_str(), "hi");
        assert!(MessageText::parse("   ", 280).is_err());
        assert!(MessageText::parse("a\0b", 280).is_err());
        assert!(MessageText::parse("line one\nline two", 280).is_ok());
    }

    #[test]
    fn a_description_is_counted_after_trimming() {
        let padded = format!("  {}\n", "é".repeat(Description::MAX_CHARS));
        assert_eq!(Description::parse(&padded).expect("valid").as_str(), "é".repeat(Description::MAX_CHARS));
        assert!(Description::parse(&"é".repeat(Description::MAX_CHARS + 1)).is_err());
        assert_eq!(Description::parse("   ").expect("valid"), Description::default());
        assert!(Description::parse("Line one\r\n\tLine two").is_ok());
        assert!(Description::parse("nul \0 inside").is_err());
        assert!(Description::parse("bell \u{7}").is_err());
    }

    #[test]
    fn client_ids_are_short_and_plain() {
        assert!(ClientMsgId::parse("3f1c2a9e-0b7d-4b8e-9a51-1f0c8f2d7e11").is_ok());
        assert!(ClientMsgId::parse("").is_err());
        assert!(ClientMsgId::parse("has space").is_err());
        assert!(ClientMsgId::parse(&"x".repeat(65)).is_err());
    }
}
