//! Moderation rules with no I/O: which posts a series holds for approval, what counts as a link
//! or a blocked term, and how long a mute lasts.

use crate::DomainError;
use std::fmt;

/// Which posts of a series wait for a moderator before they enter the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HoldPolicy {
    /// Only posts matching a blocked term are held.
    #[default]
    Off,
    /// Every post of a participant.
    All,
    /// Posts of people who have no accepted post in this series yet.
    FirstTime,
    /// Posts containing a link.
    Links,
}

impl HoldPolicy {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "off" => Ok(HoldPolicy::Off),
            "all" => Ok(HoldPolicy::All),
            "first_time" => Ok(HoldPolicy::FirstTime),
            "links" => Ok(HoldPolicy::Links),
            other => {
                Err(DomainError::invalid("hold_policy", format!("{other:?} is not one of off, all, first_time, links")))
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HoldPolicy::Off => "off",
            HoldPolicy::All => "all",
            HoldPolicy::FirstTime => "first_time",
            HoldPolicy::Links => "links",
        }
    }
}

impl fmt::Display for HoldPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a post was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldReason {
    All,
    FirstTime,
    Link,
    BlockedTerm,
}

impl HoldReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::All => "all",
            HoldReason::FirstTime => "first_time",
            HoldReason::Link => "links",
            HoldReason::BlockedTerm => "blocked_term",
        }
    }
}

/// What the hold decision needs to know about one post.
#[derive(Debug, Clone, Copy)]
pub struct HoldCheck<'a> {
    pub policy: HoldPolicy,
    pub blocked_terms: &'a [String],
    pub text: &'a str,
    /// The author has had no post accepted in this series before.
    pub first_time: bool,
}

/// Whether a participant's post is held, and why. Blocked terms hold under every policy:
/// they are the list a host keeps precisely so that those words never go out unseen.
pub fn hold_reason(check: HoldCheck<'_>) -> Option<HoldReason> {
    if blocked_term(check.text, check.blocked_terms).is_some() {
        return Some(HoldReason::BlockedTerm);
    }
    match check.policy {
        HoldPolicy::Off => None,
        HoldPolicy::All => Some(HoldReason::All),
        HoldPolicy::FirstTime => check.first_time.then_some(HoldReason::FirstTime),
        HoldPolicy::Links => contains_link(check.text).then_some(HoldReason::Link),
    }
}

/// Whether the text carries a web link: `http://`, `https://` or `www.`, in any case.
pub fn contains_link(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("http://")
        || lower.contains("https://")
        || lower.split(|c: char| !is_word_char(c) && c != '.').any(|w| w.starts_with("www.") && w.len() > 4)
}

/// The first blocked term the text contains as a whole word or phrase, ignoring case: `spam`
/// blocks "Spam!" but not "spammy" or "paspam", so a short term does not hold innocent words.
pub fn blocked_term<'t>(text: &str, terms: &'t [String]) -> Option<&'t str> {
    let words: Vec<String> = words(text).collect();
    terms.iter().map(String::as_str).find(|term| {
        let needle: Vec<String> = words_of(term);
        !needle.is_empty() && words.windows(needle.len()).any(|window| window == needle.as_slice())
    })
}

/// Cleans a host's blocked-terms list: trimmed, lower-cased, no empties or duplicates, each at
/// most 100 characters, at most 500 terms.
pub fn normalise_blocked_terms(terms: &[String]) -> Result<Vec<String>, DomainError> {
    const MAX_TERMS: usize = 500;
    const MAX_TERM_CHARS: usize = 100;
    let mut cleaned: Vec<String> = Vec::new();
    for term in terms {
        let term = words_of(term).join(" ");
        if term.is_empty() {
            continue;
        }
        if term.chars().count() > MAX_TERM_CHARS {
            return Err(DomainError::invalid("blocked_terms", format!("a term is over {MAX_TERM_CHARS} characters")));
        }
        if !cleaned.contains(&term) {
            cleaned.push(term);
        }
    }
    if cleaned.len() > MAX_TERMS {
        return Err(DomainError::invalid("blocked_terms", format!("at most {MAX_TERMS} terms")));
    }
    Ok(cleaned)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '\''
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

fn words_of(text: &str) -> Vec<String> {
    words(text).collect()
}

/// Longest mute a moderator may give in one go: a week. Longer is what a ban is for.
pub const MAX_MUTE_MINUTES: i64 = 7 * 24 * 60;

/// Checks a mute duration in minutes.
pub fn mute_minutes(minutes: i64) -> Result<i64, DomainError> {
    if (1..=MAX_MUTE_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(DomainError::invalid("minutes", format!("a mute lasts 1 to {MAX_MUTE_MINUTES} minutes")))
    }
}

/// A moderator's reason: optional, one paragraph, at most 500 characters.
pub fn reason(text: &str) -> Result<String, DomainError> {
    const MAX_REASON_CHARS: usize = 500;
    let text = text.trim();
    if text.chars().count() > MAX_REASON_CHARS {
        return Err(DomainError::invalid("reason", format!("at most {MAX_REASON_CHARS} characters")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DomainError::invalid("reason", "control characters are not allowed"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn terms(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn blocked_terms_match_whole_words_in_any_case() {
        let list = terms(&["spam", "buy now"]);
        assert_eq!(blocked_term("This is SPAM!", &list), Some("spam"));
        assert_eq!(blocked_term("so spammy", &list), None);
        assert_eq!(blocked_term("Buy   now, cheap", &list), Some("buy now"));
        assert_eq!(blocked_term("buy it now", &list), None);
        assert_eq!(blocked_term("anything", &[]), None);
    }

    #[test]
    fn links_are_recognised() {
        assert!(contains_link("see https://example.org/x"));
        assert!(contains_link("HTTP://EXAMPLE.ORG"));
        assert!(contains_link("go to www.example.org now"));
        assert!(!contains_link("the www. prefix"));
        assert!(!contains_link("A1 no links here, just http talk"));
    }

    #[test]
    fn each_policy_holds_what_it_says() {
        let blocked = terms(&["casino"]);
        let check =
            |policy, text, first_time| hold_reason(HoldCheck { policy, blocked_terms: &blocked, text, first_time });
        assert_eq!(check(HoldPolicy::Off, "A1 hello", true), None);
        assert_eq!(check(HoldPolicy::Off, "casino night", false), Some(HoldReason::BlockedTerm));
        assert_eq!(check(HoldPolicy::All, "A1 hello", false), Some(HoldReason::All));
        assert_eq!(check(HoldPolicy::FirstTime, "A1 hello", true), Some(HoldReason::FirstTime));
        assert_eq!(check(HoldPolicy::FirstTime, "A1 hello", false), None);
        assert_eq!(check(HoldPolicy::Links, "see https://x.org", false), Some(HoldReason::Link));
        assert_eq!(check(HoldPolicy::Links, "no link", false), None);
    }

    #[test]
    fn policies_round_trip_and_bad_ones_are_refused() {
        for policy in [HoldPolicy::Off, HoldPolicy::All, HoldPolicy::FirstTime, HoldPolicy::Links] {
            assert_eq!(HoldPolicy::parse(policy.as_str()), Ok(policy));
        }
        assert!(HoldPolicy::parse("sometimes").is_err());
    }

    #[test]
    fn blocked_term_lists_are_cleaned_and_bounded() {
        assert_eq!(
            normalise_blocked_terms(&terms(&["  Spam ", "spam", "", "Buy  NOW"])),
            Ok(terms(&["spam", "buy now"]))
        );
        assert!(normalise_blocked_terms(&[String::from("x").repeat(101)]).is_err());
        assert!(mute_minutes(0).is_err());
        assert!(mute_minutes(MAX_MUTE_MINUTES + 1).is_err());
        assert_eq!(mute_minutes(10), Ok(10));
        assert!(reason(&"r".repeat(501)).is_err());
        assert_eq!(reason("  spam  "), Ok("spam".into()));
    }

    proptest! {
        /// A term always blocks a text that contains it as words, whatever surrounds it.
        #[test]
        fn a_term_inside_any_text_is_found(before in "[a-z ]{0,20}", term in "[a-z]{1,8}( [a-z]{1,8})?", after in "[a-z ]{0,20}") {
            let text = format!("{before} {} {after}", term.to_uppercase());
            let list = vec![term.clone()];
            prop_assert_eq!(blocked_term(&text, &list), Some(term.as_str()));
        }

        /// Under `off`, only blocked terms hold; no text makes the decision fail.
        #[test]
        fn off_holds_only_blocked_terms(text in "\\PC{0,200}") {
            let reason = hold_reason(HoldCheck { policy: HoldPolicy::Off, blocked_terms: &[], text: &text, first_time: true });
            prop_assert_eq!(reason, None);
        }
    }
}
