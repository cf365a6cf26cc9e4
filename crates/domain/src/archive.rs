//! What an archived chat is made of, with no I/O: words for its word cloud, the links it shared,
//! its transcript grouped by question, and the figures frozen when it is archived.
//!
//! Words are counted as written (lower-cased, never stemmed: people recognise "nursing", not
//! "nurs"), without English stop words, the chat's own hashtag, handles, URLs or `A1`/`Q1`
//! labels, which would otherwise top every cloud.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// The version of [`Figures`]; bumped when their meaning changes, so old rows can be told apart.
pub const FIGURES_VERSION: u32 = 1;
/// How many contributors, links and terms the figures keep.
pub const TOP_CONTRIBUTORS: usize = 10;
pub const TOP_LINKS: usize = 50;
pub const TOP_TERMS: usize = 50;

/// English stop words: function words that say nothing about what a chat discussed.
pub const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "aren't",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "could",
    "couldn't",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don't",
    "down",
    "during",
    "each",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "got",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "he'd",
    "he'll",
    "he's",
    "her",
    "here",
    "here's",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "how's",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "let's",
    "like",
    "me",
    "more",
    "most",
    "much",
    "mustn't",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "really",
    "same",
    "shan't",
    "she",
    "she'd",
    "she'll",
    "she's",
    "should",
    "shouldn't",
    "so",
    "some",
    "such",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "very",
    "was",
    "wasn't",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "well",
    "were",
    "weren't",
    "what",
    "what's",
    "when",
    "when's",
    "where",
    "where's",
    "which",
    "while",
    "who",
    "who's",
    "whom",
    "why",
    "why's",
    "will",
    "with",
    "won't",
    "would",
    "wouldn't",
    "yes",
    "yet",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

fn is_url_start(chunk: &str) -> bool {
    let lower = chunk.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.")
}

/// The links in `text`: words starting with `http://`, `https://` or `www.`, without the
/// punctuation that ends a sentence around them.
pub fn extract_links(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|chunk| chunk.trim_start_matches(['(', '<', '"', '\'']))
        .filter(|chunk| is_url_start(chunk))
        .map(|chunk| chunk.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '>']).to_owned())
        .filter(|url| !url.contains("://") || url.split_once("://").is_some_and(|(_, rest)| !rest.is_empty()))
        .collect()
}

/// The words of `text` that count for a word cloud, lower-cased, in order. `own_hashtag` is the
/// chat's hashtag (with or without `#`); other hashtags count, as `#tag`.
pub fn cloud_terms(text: &str, own_hashtag: &str) -> Vec<String> {
    let own = own_hashtag.trim_start_matches('#').to_lowercase();
    let mut terms = Vec::new();
    for chunk in text.split_whitespace() {
        if is_url_start(chunk.trim_start_matches(['(', '<', '"', '\''])) {
            continue;
        }
        let chunk = chunk.replace('\u{2019}', "'");
        let mut previous: Option<char> = None;
        let mut after_at = false;
        let mut chars = chunk.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if !c.is_alphanumeric() {
                previous = Some(c);
                continue;
            }
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if next.is_alphanumeric() || next == '_' || next == '\'' {
                    end = i + next.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let word = chunk[start..end].trim_end_matches('\'').to_lowercase();
            let sigil = previous;
            previous = chunk[..end].chars().next_back();
            after_at |= sigil == Some('@');
            match sigil {
                // Handles and addresses (`name@example.org`) are people, not topics.
                _ if after_at => continue,
                Some('#') if word == own => continue,
                Some('#') if word.chars().any(char::is_alphabetic) => terms.push(format!("#{word}")),
                _ if keeps(&word) => terms.push(word),
                _ => {}
            }
        }
    }
    terms
}

fn keeps(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    // `A1`, `Q12`: labels, not words; pure numbers and single letters carry no topic either.
    let is_label = word.len() >= 2
        && (word.starts_with('a') || word.starts_with('q'))
        && word[1..].bytes().all(|b| b.is_ascii_digit());
    letters >= 2 && !is_label && !is_stop_word(word)
}

/// A term and how often it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermCount {
    pub term: String,
    pub count: u64,
}

/// The `limit` most used terms over `texts`, most used first, ties alphabetically.
pub fn top_terms<'a>(texts: impl IntoIterator<Item = &'a str>, own_hashtag: &str, limit: usize) -> Vec<TermCount> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for text in texts {
        for term in cloud_terms(text, own_hashtag) {
            *counts.entry(term).or_default() += 1;
        }
    }
    let mut terms: Vec<TermCount> = counts.into_iter().map(|(term, count)| TermCount { term, count }).collect();
    terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
    terms.truncate(limit);
    terms
}

/// What kind of message an archived message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchivedKind {
    Post,
    Question,
    Notice,
}

/// A message's author as an archive shows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArchivedAuthor {
    pub id: Uuid,
    pub handle: String,
    pub display_name: String,
}

/// One visible message of an archived transcript: what the figures and grouping need.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchivedMessage {
    pub id: Uuid,
    pub seq: i64,
    pub kind: ArchivedKind,
    pub author: Option<ArchivedAuthor>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub reply_to: Option<Uuid>,
    pub question_number: Option<u32>,
    pub answers_question: Option<u32>,
    pub likes: u64,
}

/// One group of a transcript grouped by question: the question's messages, or the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The question number; `None` for the conversation (messages that answer nothing).
    pub question: Option<u32>,
    /// Indexes into the transcript with their depth in a reply thread (0: not a reply), in
    /// reading order: the question, then each answer followed by its thread.
    pub entries: Vec<(usize, u32)>,
}

/// Groups a transcript (in stream order) by question: Q1 and its answers and their reply
/// threads, then Q2, ..., then the conversation. A reply belongs with what it replies to; a
/// reply whose parent is not in the transcript (hidden, say) starts a thread of its own.
pub fn group_by_question(messages: &[ArchivedMessage]) -> Vec<Group> {
    let index: HashMap<Uuid, usize> = messages.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let questions: BTreeMap<u32, usize> =
        messages.iter().enumerate().filter_map(|(i, m)| Some((m.question_number?, i))).collect();
    // A question heads its group, so it is never placed under another message.
    let is_head = |i: usize| messages[i].question_number.is_some_and(|n| questions.get(&n) == Some(&i));
    let parent = |i: usize| messages[i].reply_to.and_then(|p| index.get(&p).copied()).filter(|&p| p < i && !is_head(i));
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut group_of: Vec<Option<u32>> = Vec::with_capacity(messages.len());
    let mut roots: BTreeMap<Option<u32>, Vec<usize>> = BTreeMap::new();
    for (i, message) in messages.iter().enumerate() {
        // Parents come before children in stream order, so their group is known already.
        let group = match parent(i) {
            Some(p) => {
                children.entry(p).or_default().push(i);
                group_of[p]
            }
            None => {
                let group = match message.question_number.or(message.answers_question) {
                    Some(n) if questions.contains_key(&n) => Some(n),
                    _ => None,
                };
                if !is_head(i) {
                    roots.entry(group).or_default().push(i);
                }
                group
            }
        };
        group_of.push(group);
    }
    let mut groups = Vec::new();
    let ordered = questions.keys().map(|&n| Some(n)).chain(std::iter::once(None));
    for key in ordered {
        let mut entries = Vec::new();
        let mut stack: Vec<(usize, u32)> = Vec::new();
        if let Some(&q) = key.and_then(|n| questions.get(&n)) {
            stack.push((q, 0));
        }
        // Depth-first, in stream order: push in reverse so the earliest comes out first.
        let mut pending: Vec<usize> = roots.get(&key).cloned().unwrap_or_default();
        pending.reverse();
        let walk = |stack: &mut Vec<(usize, u32)>, entries: &mut Vec<(usize, u32)>| {
            while let Some((i, depth)) = stack.pop() {
                entries.push((i, depth));
                if let Some(kids) = children.get(&i) {
                    stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
                }
            }
        };
        walk(&mut stack, &mut entries);
        while let Some(root) = pending.pop() {
            stack.push((root, 0));
            walk(&mut stack, &mut entries);
        }
        if key.is_some() || !entries.is_empty() {
            groups.push(Group { question: key, entries });
        }
    }
    groups
}

/// A question's share of the chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionFigures {
    pub number: u32,
    pub text: String,
    /// Messages in its group: answers and every reply in their threads.
    pub messages: u64,
    /// Answers: messages labelled `A<n>` or replying to the question itself.
    pub answers: u64,
}

/// A person and their count (messages written, or likes received).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributor {
    pub handle: String,
    pub display_name: String,
    pub count: u64,
}

/// A link and how often it was shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCount {
    pub url: String,
    pub count: u64,
}

/// Messages per minute from `start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub start: DateTime<Utc>,
    /// `per_minute[i]`: messages created in minute `i` after `start`.
    pub per_minute: Vec<u64>,
}

/// The figures of an archived chat, computed once when it is archived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub version: u32,
    /// Distinct authors.
    pub participants: u64,
    pub messages: u64,
    /// Most people watching at once; `None`: not recorded for this chat.
    pub viewers_peak: Option<u64>,
    pub questions: Vec<QuestionFigures>,
    /// Messages that answer no question.
    pub conversation_messages: u64,
    pub replies: u64,
    pub likes: u64,
    pub top_by_messages: Vec<Contributor>,
    pub top_by_likes: Vec<Contributor>,
    /// Handles of people whose first message in the series is in this chat.
    pub first_time_participants: Vec<String>,
    pub activity: Activity,
    pub links: Vec<LinkCount>,
    pub top_terms: Vec<TermCount>,
    /// Audience questions: proposed, approved (merged duplicates included) and votes cast.
    #[serde(default)]
    pub audience: AudienceFigures,
}

/// What the audience proposed for a chat (see the audience questions of a session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AudienceFigures {
    pub proposals: u64,
    pub approved: u64,
    pub votes: u64,
}

/// What the figures are computed from, besides the visible messages.
#[derive(Debug, Clone)]
pub struct FiguresContext<'a> {
    pub hashtag: &'a str,
    /// Where the activity timeline starts (when the chat went live).
    pub start: DateTime<Utc>,
    /// Authors who wrote in an earlier chat of the series.
    pub returning: &'a HashSet<Uuid>,
    pub viewers_peak: Option<u64>,
}

impl Figures {
    /// The figures of `messages`, the visible transcript in stream order.
    pub fn compute(messages: &[ArchivedMessage], context: &FiguresContext<'_>) -> Figures {
        let groups = group_by_question(messages);
        let questions = groups
            .iter()
            .filter_map(|group| {
                let number = group.question?;
                let (&(q, _), rest) = group.entries.split_first()?;
                let question = &messages[q];
                let answers = rest
                    .iter()
                    .filter(|&&(i, _)| {
                        messages[i].answers_question == Some(number) || messages[i].reply_to == Some(question.id)
                    })
                    .count();
                Some(QuestionFigures {
                    number,
                    text: question.text.clone(),
                    messages: rest.len() as u64,
                    answers: answers as u64,
                })
            })
            .collect();
        let conversation_messages =
            groups.iter().filter(|g| g.question.is_none()).map(|g| g.entries.len() as u64).sum();

        let mut written: HashMap<&ArchivedAuthor, (u64, u64)> = HashMap::new();
        for message in messages {
            if let Some(author) = &message.author {
                let entry = written.entry(author).or_default();
                entry.0 += 1;
                entry.1 += message.likes;
            }
        }
        let top = |pick: fn(&(u64, u64)) -> u64| {
            let mut people: Vec<Contributor> = written
                .iter()
                .map(|(a, counts)| Contributor {
                    handle: a.handle.clone(),
                    display_name: a.display_name.clone(),
                    count: pick(counts),
                })
                .filter(|c| c.count > 0)
                .collect();
            people.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.handle.cmp(&b.handle)));
            people.truncate(TOP_CONTRIBUTORS);
            people
        };
        let mut first_time: Vec<String> =
            written.keys().filter(|a| !context.returning.contains(&a.id)).map(|a| a.handle.clone()).collect();
        first_time.sort();

        let mut per_minute: Vec<u64> = Vec::new();
        for message in messages {
            let minute = usize::try_from((message.created_at - context.start).num_minutes()).unwrap_or(0);
            if per_minute.len() <= minute {
                per_minute.resize(minute + 1, 0);
            }
            per_minute[minute] += 1;
        }

        let mut link_counts: HashMap<String, u64> = HashMap::new();
        for message in messages {
            for url in extract_links(&message.text) {
                *link_counts.entry(url).or_default() += 1;
            }
        }
        let mut links: Vec<LinkCount> = link_counts.into_iter().map(|(url, count)| LinkCount { url, count }).collect();
        links.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.url.cmp(&b.url)));
        links.truncate(TOP_LINKS);

        Figures {
            version: FIGURES_VERSION,
            participants: written.len() as u64,
            messages: messages.len() as u64,
            viewers_peak: context.viewers_peak,
            questions,
            conversation_messages,
            replies: messages.iter().filter(|m| m.reply_to.is_some()).count() as u64,
            likes: messages.iter().map(|m| m.likes).sum(),
            top_by_messages: top(|c| c.0),
            top_by_likes: top(|c| c.1),
            first_time_participants: first_time,
            activity: Activity { start: context.start, per_minute },
            links,
            top_terms: top_terms(messages.iter().map(|m| m.text.as_str()), context.hashtag, TOP_TERMS),
            // Not in the transcript: the caller counts them.
            audience: AudienceFigures::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    #[test]
    fn stop_words_are_sorted_so_binary_search_finds_them() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]), "STOP_WORDS must stay sorted and unique");
        assert!(is_stop_word("the") && is_stop_word("don't") && !is_stop_word("handover"));
    }

    #[test]
    fn terms_leave_out_stop_words_the_own_hashtag_handles_urls_and_labels() {
        let text = "A1: The handover at 7am is KEY! #WeNurses #NHS thanks @alice see https://example.org/x?y=1 Q2 42 x";
        assert_eq!(cloud_terms(text, "#wenurses"), ["handover", "7am", "key", "#nhs", "thanks", "see"]);
    }

    #[test]
    fn terms_are_not_stemmed_and_keep_apostrophes_inside_words() {
        assert_eq!(cloud_terms("Nursing nurses nurse’s", "x"), ["nursing", "nurses", "nurse's"]);
        assert_eq!(cloud_terms("mail bob@example.org", "x"), ["mail", "bob"]);
    }

    #[test]
    fn links_lose_the_punctuation_around_them() {
        assert_eq!(
            extract_links("see (https://a.example/b). and www.c.example, not http:// or a.example"),
            ["https://a.example/b", "www.c.example"]
        );
    }

    #[test]
    fn top_terms_counts_across_texts_most_used_first_ties_alphabetical() {
        let terms = top_terms(["handover handover safety", "safety handover rota"], "#t", 2);
        assert_eq!(
            terms,
            [TermCount { term: "handover".into(), count: 3 }, TermCount { term: "safety".into(), count: 2 }]
        );
    }

    fn message(seq: i64, author: Option<&ArchivedAuthor>, text: &str) -> ArchivedMessage {
        ArchivedMessage {
            id: Uuid::from_u128(seq as u128),
            seq,
            kind: ArchivedKind::Post,
            author: author.cloned(),
            text: text.into(),
            created_at: DateTime::<Utc>::UNIX_EPOCH + Duration::seconds(seq * 30),
            reply_to: None,
            question_number: None,
            answers_question: crate::answer_label(text),
            likes: 0,
        }
    }

    fn question(seq: i64, n: u32) -> ArchivedMessage {
        ArchivedMessage { kind: ArchivedKind::Question, question_number: Some(n), ..message(seq, None, "Q?") }
    }

    /// A group as (question, [(seq, depth)]).
    type GroupShape = (Option<u32>, Vec<(i64, u32)>);

    #[test]
    fn grouping_puts_each_question_then_its_answers_and_threads_then_the_conversation() {
        let mut transcript = vec![
            message(1, None, "hello all"),
            question(2, 1),
            message(3, None, "A1 first"),
            question(4, 2),
            message(5, None, "A2 second"),
            message(6, None, "reply to first"),
            message(7, None, "A1 late answer"),
            message(8, None, "reply to reply"),
            message(9, None, "A7 unknown question"),
        ];
        transcript[5].reply_to = Some(transcript[2].id);
        transcript[7].reply_to = Some(transcript[5].id);
        let groups = group_by_question(&transcript);
        let shape: Vec<GroupShape> = groups
            .iter()
            .map(|g| (g.question, g.entries.iter().map(|&(i, d)| (transcript[i].seq, d)).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some(1), vec![(2, 0), (3, 0), (6, 1), (8, 2), (7, 0)]),
                (Some(2), vec![(4, 0), (5, 0)]),
                (None, vec![(1, 0), (9, 0)]),
            ]
        );
    }

    #[test]
    fn figures_count_people_questions_answers_likes_links_and_newcomers() {
        let alice = ArchivedAuthor { id: Uuid::from_u128(100), handle: "@alice".into(), display_name: "A".into() };
        let bob = ArchivedAuthor { id: Uuid::from_u128(101), handle: "@bob".into(), display_name: "B".into() };
        let mut transcript = vec![
            question(1, 1),
            message(2, Some(&alice), "A1 handover https://x.example"),
            message(3, Some(&bob), "A1 handover too"),
            message(4, Some(&alice), "agreed"),
        ];
        transcript[1].likes = 3;
        transcript[3].reply_to = Some(transcript[2].id);
        let returning = HashSet::from([bob.id]);
        let context = FiguresContext {
            hashtag: "#t",
            start: DateTime::<Utc>::UNIX_EPOCH,
            returning: &returning,
            viewers_peak: None,
        };
        let figures = Figures::compute(&transcript, &context);
        assert_eq!(figures.participants, 2);
        assert_eq!(figures.messages, 4);
        assert_eq!(figures.questions, [QuestionFigures { number: 1, text: "Q?".into(), messages: 3, answers: 2 }]);
        assert_eq!(figures.conversation_messages, 0);
        assert_eq!(figures.replies, 1);
        assert_eq!(figures.likes, 3);
        assert_eq!(figures.top_by_messages[0].handle, "@alice");
        assert_eq!(figures.top_by_likes.len(), 1);
        assert_eq!(figures.first_time_participants, ["@alice"]);
        assert_eq!(figures.activity.per_minute, [1, 2, 1]);
        assert_eq!(figures.links, [LinkCount { url: "https://x.example".into(), count: 1 }]);
        assert_eq!(figures.top_terms[0], TermCount { term: "handover".into(), count: 2 });
    }

    proptest! {
        #[test]
        fn terms_never_contain_stop_words_handles_urls_or_the_own_hashtag(text in "[ -~]{0,80}") {
            for term in cloud_terms(&text, "#WeNurses") {
                prop_assert!(!is_stop_word(&term));
                prop_assert!(!term.starts_with('@') && !term.contains("://"));
                prop_assert_ne!(term.as_str(), "#wenurses");
                prop_assert_eq!(term.to_lowercase(), term.clone());
            }
        }

        #[test]
        fn grouping_shows_every_message_exactly_once_and_replies_after_their_parent(
            spec in prop::collection::vec((0u8..4, 0usize..20, 0u32..4), 0..40),
        ) {
            let mut transcript = Vec::new();
            let mut next_question = 1;
            for (i, (kind, parent, answers)) in spec.iter().enumerate() {
                let seq = i as i64 + 1;
                let mut m = if *kind == 0 { let q = question(seq, next_question); next_question += 1; q } else { message(seq, None, "x") };
                if *kind == 1 && *parent < i { m.reply_to = Some(Uuid::from_u128((*parent + 1) as u128)); }
                if *kind == 2 && *answers > 0 { m.answers_question = Some(*answers); }
                transcript.push(m);
            }
            let groups = group_by_question(&transcript);
            let mut seen: Vec<usize> = groups.iter().flat_map(|g| g.entries.iter().map(|&(i, _)| i)).collect();
            let position: HashMap<usize, usize> = seen.iter().enumerate().map(|(p, &i)| (i, p)).collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..transcript.len()).collect::<Vec<_>>());
            for (i, m) in transcript.iter().enumerate() {
                if let Some(parent) = m.reply_to.map(|p| p.as_u128() as usize - 1) {
                    prop_assert!(position[&parent] < position[&i]);
                }
            }
        }
    }
}
