//! Q/A labels and the tags inside message text.
//!
//! Tweetchat convention: hosts post `Q1`, `Q2`, ...; participants answer with the matching
//! `A1`, `A2`, ... at the start of their message, often with the chat's hashtag before or after
//! it. People type these loosely (`a1`, `A1:`, `A1)`, `A1 -`), so the parser is generous about
//! punctuation and strict about what follows the number: `A1b` or `Andrew` is not an answer.

use crate::values::is_tag_char;

/// The largest question number recognised; no chat runs a thousand questions.
pub const MAX_QUESTION_NUMBER: u32 = 999;

/// The label a released question carries in the stream.
pub fn question_label(number: u32) -> String {
    format!("Q{number}")
}

/// The question number `text` answers, if it starts with an answer label (after any hashtags).
pub fn answer_label(text: &str) -> Option<u32> {
    let mut rest = text.trim_start();
    // Skip leading hashtags: "#WeNurses A1 ..." is as much an answer as "A1 #WeNurses ...".
    while let Some(after_hash) = rest.strip_prefix('#') {
        let tag_len: usize = after_hash.chars().take_while(|c| is_tag_char(*c)).map(char::len_utf8).sum();
        if tag_len == 0 {
            return None;
        }
        rest = after_hash[tag_len..].trim_start();
    }
    let digits_and_more = rest.strip_prefix(['A', 'a'])?;
    let digits_len = digits_and_more.bytes().take_while(u8::is_ascii_digit).count();
    if digits_len == 0 || digits_len > 3 {
        return None;
    }
    let (digits, after) = digits_and_more.split_at(digits_len);
    if after.chars().next().is_some_and(|next| next.is_alphanumeric() || next == '_') {
        return None;
    }
    let number: u32 = digits.parse().ok()?;
    (1..=MAX_QUESTION_NUMBER).contains(&number).then_some(number)
}

/// Hashtags in `text`, as written, first occurrence of each (case-insensitively) kept.
pub fn extract_hashtags(text: &str) -> Vec<String> {
    extract(text, '#', is_tag_char, |tag| tag.chars().any(char::is_alphabetic))
}

/// @mentions in `text`, as written, first occurrence of each (case-insensitively) kept.
/// `name@example.org` is an address, not a mention: a mention starts after a non-word character.
pub fn extract_mentions(text: &str) -> Vec<String> {
    extract(text, '@', |c| c.is_ascii_alphanumeric() || c == '_', |handle| handle.len() <= 30)
}

fn extract(text: &str, sigil: char, body_char: impl Fn(char) -> bool, accept: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut previous: Option<char> = None;
    for (index, c) in text.char_indices() {
        let starts_token = c == sigil && !previous.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == sigil);
        previous = Some(c);
        if !starts_token {
            continue;
        }
        let body_start = index + c.len_utf8();
        let body_len: usize = text[body_start..].chars().take_while(|c| body_char(*c)).map(char::len_utf8).sum();
        let body = &text[body_start..body_start + body_len];
        if body.is_empty() || !accept(body) {
            continue;
        }
        let token = format!("{sigil}{body}");
        if !found.iter().any(|seen| seen.to_lowercase() == token.to_lowercase()) {
            found.push(token);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn recognises_the_forms_people_type() {
        for text in [
            "A1 great question",
            "A1: yes",
            "A1. yes",
            "A1) yes",
            "A1 - yes",
            "a1 lower case",
            "A1",
            "#WeNurses A1 hashtag first",
            "A1 #WeNurses hashtag after",
            "  #WeNurses   #nhs a1: two tags first",
        ] {
            assert_eq!(answer_label(text), Some(1), "{text:?}");
        }
        assert_eq!(answer_label("A12: twelve"), Some(12));
    }

    #[test]
    fn ignores_words_that_merely_start_with_a() {
        for text in
            ["Andrew says hi", "A1b is a vitamin", "AA1", "A 1", "A0 zero", "A1000", "#A1", "Q1 is a question", "", "#"]
        {
            assert_eq!(answer_label(text), None, "{text:?}");
        }
    }

    #[test]
    fn extracts_hashtags_and_mentions_once_each() {
        let text = "Thanks @Alice and @bob! #WeNurses #wenurses #NHS mail me at x@y.org #123";
        assert_eq!(extract_hashtags(text), vec!["#WeNurses", "#NHS"]);
        assert_eq!(extract_mentions(text), vec!["@Alice", "@bob"]);
    }

    proptest! {
        #[test]
        fn any_label_with_any_separator_is_recognised(
            n in 1u32..=999,
            lower in any::<bool>(),
            sep in prop::sample::select(vec!["", " ", ":", ".", ")", " -", ": ", ",", "!"]),
            tag in prop::option::of("#[A-Za-z][A-Za-z0-9_]{0,15}"),
            rest in "[ -~]{0,40}",
        ) {
            let letter = if lower { "a" } else { "A" };
            let body = if sep.is_empty() && !rest.is_empty() { format!("{letter}{n} {rest}") } else { format!("{letter}{n}{sep}{rest}") };
            let text = match tag { Some(tag) => format!("{tag} {body}"), None => body };
            prop_assert_eq!(answer_label(&text), Some(n));
        }

        #[test]
        fn arbitrary_text_never_panics_and_answers_only_after_an_a(text in "\\PC{0,60}") {
            if let Some(n) = answer_label(&text) {
                prop_assert!((1..=MAX_QUESTION_NUMBER).contains(&n));
                let label = format!("a{n}");
                prop_assert!(text.to_lowercase().contains(&label));
            }
            let _ = extract_hashtags(&text);
            let _ = extract_mentions(&text);
        }
    }
}
