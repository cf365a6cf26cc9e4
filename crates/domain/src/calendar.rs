//! An iCalendar (RFC 5545) feed of sessions, so people can subscribe to a chat in the calendar
//! they already use and see each session at the right time in their own zone.
//!
//! Times are written in UTC (`DTSTART:20261203T200000Z`): the instants are already resolved
//! from the series' local wall-clock time (see [`crate::recurrence`]), and UTC needs no
//! `VTIMEZONE` block, which clients handle unevenly. Each session is its own `VEVENT` rather than
//! one event with an `RRULE`, so a cancelled or moved session shows as exactly that.
//!
//! The text is built by hand because the format is small, but its details are where feeds break:
//! TEXT values are escaped (a comma in a title must not split it), lines end in CRLF, and long
//! lines are folded at 75 octets without cutting a UTF-8 character in half.

use chrono::{DateTime, Utc};

/// Whether an event is going ahead, as calendar clients show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventStatus {
    Tentative,
    Confirmed,
    /// Clients strike the event through (or drop it) instead of leaving people to turn up.
    Cancelled,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Tentative => "TENTATIVE",
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}

/// One session as a calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Stable across feed refreshes and globally unique, e.g. `<session id>@<host name>`:
    /// clients match on it to update an event instead of adding a second copy.
    pub uid: String,
    pub starts_at: DateTime<Utc>,
    /// Written only when after `starts_at`; otherwise the event is a point in time.
    pub ends_at: DateTime<Utc>,
    pub summary: String,
    /// Omitted when empty.
    pub description: String,
    /// An absolute URL to the session page. Omitted when empty; control characters are
    /// dropped so a URL cannot smuggle in properties of its own.
    pub url: String,
    /// Omitted when `None` (clients then assume the event is going ahead).
    pub status: Option<EventStatus>,
}

/// The product identifier RFC 5545 requires, naming who wrote the feed.
pub const PRODID: &str = "-//tweetchat//tweetchat//EN";

/// How often subscribed clients are asked to refresh, so a cancellation reaches them the same
/// day rather than whenever the client's default (often a week) comes round.
const REFRESH: &str = "PT1H";

/// The whole `VCALENDAR` named `name` with `events` in the given order; `now` is the `DTSTAMP`
/// of every event (when this copy of the feed was made). Lines end in CRLF.
pub fn calendar(name: &str, events: &[CalendarEvent], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    push_line(&mut out, "BEGIN:VCALENDAR");
    push_line(&mut out, "VERSION:2.0");
    push_line(&mut out, &format!("PRODID:{PRODID}"));
    push_line(&mut out, "CALSCALE:GREGORIAN");
    push_line(&mut out, "METHOD:PUBLISH");
    push_line(&mut out, &format!("X-WR-CALNAME:{}", escape_text(name)));
    // RFC 7986's property and the older one Apple and Outlook read.
    push_line(&mut out, &format!("REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}"));
    push_line(&mut out, &format!("X-PUBLISHED-TTL:{REFRESH}"));
    let stamp = format_utc(now);
    for event in events {
        push_line(&mut out, "BEGIN:VEVENT");
        push_line(&mut out, &format!("UID:{}", escape_text(&event.uid)));
        push_line(&mut out, &format!("DTSTAMP:{stamp}"));
        push_line(&mut out, &format!("DTSTART:{}", format_utc(event.starts_at)));
        // RFC 5545 requires DTEND to be later than DTSTART; without it, an event with a
        // date-time start lasts no time at all, the honest reading of a bad end.
        if event.ends_at > event.starts_at {
            push_line(&mut out, &format!("DTEND:{}", format_utc(event.ends_at)));
        }
        push_line(&mut out, &format!("SUMMARY:{}", escape_text(&event.summary)));
        if !event.description.is_empty() {
            push_line(&mut out, &format!("DESCRIPTION:{}", escape_text(&event.description)));
        }
        // A URI value is not TEXT: escaping its commas would change the address.
        let url: String = event.url.chars().filter(|c| !c.is_control()).collect();
        if !url.is_empty() {
            push_line(&mut out, &format!("URL:{url}"));
        }
        if let Some(status) = event.status {
            push_line(&mut out, &format!("STATUS:{}", status.as_str()));
        }
        push_line(&mut out, "END:VEVENT");
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

/// A TEXT value as RFC 5545 §3.3.11 writes it: backslash, semicolon and comma escaped, every
/// line break (CRLF, LF or CR) as `\n`, and other control characters (which TEXT may not
/// contain) dropped; tabs are allowed and kept.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The longest physical line RFC 5545 §3.1 allows, in octets, not counting the CRLF.
const MAX_LINE_OCTETS: usize = 75;

/// Appends one content line, folded: a line longer than 75 octets continues on the next
/// physical line after CRLF and a single space (which counts towards that line's 75). Breaks
/// fall only between characters, because clients that decode each physical line as UTF-8 show
/// a split character as garbage.
fn push_line(out: &mut String, line: &str) {
    let mut start = 0;
    let mut budget = MAX_LINE_OCTETS;
    for (at, c) in line.char_indices() {
        if at - start + c.len_utf8() > budget {
            out.push_str(&line[start..at]);
            out.push_str("\r\n ");
            start = at;
            budget = MAX_LINE_OCTETS - 1;
        }
    }
    out.push_str(&line[start..]);
    out.push_str("\r\n");
}

fn format_utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("valid instant").to_utc()
    }

    fn event() -> CalendarEvent {
        CalendarEvent {
            uid: "0190f3c4-7a1b-7c2d-8e3f-4a5b6c7d8e9f@tweetchat.example".to_owned(),
            starts_at: at("2026-12-03T20:00:00Z"),
            ends_at: at("2026-12-03T21:00:00Z"),
            summary: "#WeNurses: safe staffing".to_owned(),
            description: "Questions at 20:05, 20:20 and 20:35.".to_owned(),
            url: "https://tweetchat.example/c/wenurses/s/42".to_owned(),
            status: None,
        }
    }

    /// Undoes folding: a CRLF followed by one space or tab joins the lines.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "").replace("\r\n\t", "")
    }

    fn unescape(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => panic!("a dangling backslash in {text:?}"),
            }
        }
        out
    }

    /// The logical lines of a feed, after checking that every line ends in CRLF.
    fn logical_lines(feed: &str) -> Vec<String> {
        assert!(feed.ends_with("\r\n"), "the feed ends with CRLF");
        assert_eq!(feed.matches('\n').count(), feed.matches("\r\n").count(), "no bare LF");
        assert_eq!(feed.matches('\r').count(), feed.matches("\r\n").count(), "no bare CR");
        unfold(feed).split("\r\n").filter(|line| !line.is_empty()).map(str::to_owned).collect()
    }

    fn value_of<'a>(lines: &'a [String], name: &str) -> Option<&'a str> {
        lines.iter().find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
    }

    #[test]
    fn a_feed_is_a_published_gregorian_calendar_with_one_event_per_session() {
        let now = at("2026-11-24T09:30:15Z");
        let mut cancelled = event();
        cancelled.uid = "second@tweetchat.example".to_owned();
        cancelled.starts_at = at("2026-12-17T20:00:00Z");
        cancelled.ends_at = at("2026-12-17T21:00:00Z");
        cancelled.status = Some(EventStatus::Cancelled);
        let feed = calendar("#WeNurses", &[event(), cancelled], now);
        let lines = logical_lines(&feed);

        assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
        assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
        assert_eq!(value_of(&lines, "VERSION"), Some("2.0"));
        assert_eq!(value_of(&lines, "PRODID"), Some(PRODID));
        assert_eq!(value_of(&lines, "CALSCALE"), Some("GREGORIAN"));
        assert_eq!(value_of(&lines, "METHOD"), Some("PUBLISH"));
        assert_eq!(value_of(&lines, "X-WR-CALNAME"), Some("#WeNurses"));

        let begins = lines.iter().filter(|l| *l == "BEGIN:VEVENT").count();
        let ends = lines.iter().filter(|l| *l == "END:VEVENT").count();
        assert_eq!((begins, ends), (2, 2));
        let first_event: Vec<String> =
            lines.iter().skip_while(|l| *l != "BEGIN:VEVENT").take_while(|l| *l != "END:VEVENT").cloned().collect();
        assert_eq!(
            first_event,
            [
                "BEGIN:VEVENT",
                "UID:0190f3c4-7a1b-7c2d-8e3f-4a5b6c7d8e9f@tweetchat.example",
                "DTSTAMP:20261124T093015Z",
                "DTSTART:20261203T200000Z",
                "DTEND:20261203T210000Z",
                "SUMMARY:#WeNurses: safe staffing",
                "DESCRIPTION:Questions at 20:05\\, 20:20 and 20:35.",
                "URL:https://tweetchat.example/c/wenurses/s/42",
            ]
        );
        assert!(feed.contains("\r\nDTSTART:20261217T200000Z\r\n"));
        assert!(feed.contains("\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"));
        assert_eq!(feed.matches("STATUS:").count(), 1);
    }

    #[test]
    fn an_empty_feed_is_still_a_valid_calendar() {
        let feed = calendar("#WeNurses", &[], at("2026-11-24T09:30:00Z"));
        let lines = logical_lines(&feed);
        assert!(!lines.iter().any(|l| l.starts_with("BEGIN:VEVENT")));
        assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    }

    #[test]
    fn optional_properties_are_left_out_rather_than_written_empty() {
        let mut bare = event();
        bare.description.clear();
        bare.url.clear();
        bare.ends_at = bare.starts_at;
        let feed = calendar("x", &[bare], at("2026-11-24T09:30:00Z"));
        for absent in ["DESCRIPTION", "URL:", "DTEND", "STATUS"] {
            assert!(!feed.contains(absent), "{absent} should be left out");
        }
    }

    #[test]
    fn text_values_escape_backslash_semicolon_comma_and_newlines() {
        assert_eq!(escape_text("a\\b;c,d\ne\r\nf\rg"), "a\\\\b\\;c\\,d\\ne\\nf\\ng");
        assert_eq!(escape_text("tab\tkept, bell\u{7} dropped"), "tab\tkept\\, bell dropped");
        let mut tricky = event();
        tricky.summary = "Q1, Q2; and C:\\temp".to_owned();
        tricky.description = "line one\nline two".to_owned();
        let feed = calendar("Nurses, midwives; AHPs", &[tricky], at("2026-11-24T09:30:00Z"));
        let lines = logical_lines(&feed);
        assert_eq!(value_of(&lines, "SUMMARY"), Some("Q1\\, Q2\\; and C:\\\\temp"));
        assert_eq!(value_of(&lines, "DESCRIPTION"), Some("line one\\nline two"));
        assert_eq!(value_of(&lines, "X-WR-CALNAME"), Some("Nurses\\, midwives\\; AHPs"));
    }

    #[test]
    fn a_url_cannot_inject_a_property() {
        let mut sneaky = event();
        sneaky.url = "https://tweetchat.example/s/1\r\nSTATUS:CANCELLED".to_owned();
        let feed = calendar("x", &[sneaky], at("2026-11-24T09:30:00Z"));
        assert!(!feed.contains("\r\nSTATUS:"));
        assert!(feed.contains("URL:https://tweetchat.example/s/1STATUS:CANCELLED\r\n"));
    }

    #[test]
    fn a_long_multibyte_description_folds_at_75_octets_without_splitting_characters() {
        let text = "Soins infirmiers — équipe de nuit ☕, 看護師 😀; ".repeat(12);
        let mut long = event();
        long.description = text.clone();
        let feed = calendar("#WeNurses", &[long], at("2026-11-24T09:30:00Z"));

        let physical: Vec<&str> = feed.split("\r\n").filter(|l| !l.is_empty()).collect();
        for line in &physical {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }
        let description_start =
            physical.iter().position(|l| l.starts_with("DESCRIPTION:")).expect("a DESCRIPTION line");
        let continuations: Vec<&&str> =
            physical[description_start + 1..].iter().take_while(|l| l.starts_with(' ')).collect();
        assert!(continuations.len() > 5, "the description was folded");
        // Each line is whole UTF-8 on its own (`&str` guarantees it) and the first fills its
        // budget as far as a character boundary allows.
        assert!(physical[description_start].len() > 75 - 4);

        let lines = logical_lines(&feed);
        let value = value_of(&lines, "DESCRIPTION").expect("a DESCRIPTION");
        assert_eq!(unescape(value), text);
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded() {
        let mut out = String::new();
        push_line(&mut out, &"x".repeat(75));
        assert_eq!(out, format!("{}\r\n", "x".repeat(75)));
        out.clear();
        push_line(&mut out, &"x".repeat(76));
        assert_eq!(out, format!("{}\r\n x\r\n", "x".repeat(75)));
    }

    proptest! {
        #[test]
        fn any_text_survives_escaping_and_folding(text in "\\PC{0,300}", newlines in proptest::collection::vec(0usize..300, 0..4)) {
            let mut text: String = text;
            for at in newlines {
                let at = text.char_indices().map(|(i, _)| i).nth(at).unwrap_or(text.len());
                text.insert(at, '\n');
            }
            let mut long = event();
            long.summary = text.clone();
            long.description = text.clone();
            let feed = calendar(&text, &[long], at("2026-11-24T09:30:00Z"));
            for line in feed.split("\r\n") {
                prop_assert!(line.len() <= 75);
            }
            let lines = logical_lines(&feed);
            for name in ["SUMMARY", "DESCRIPTION", "X-WR-CALNAME"] {
                let value = value_of(&lines, name);
                if text.is_empty() && name == "DESCRIPTION" {
                    prop_assert_eq!(value, None);
                } else {
                    prop_assert_eq!(value.map(unescape), Some(text.clone()));
                }
            }
        }
    }
}
