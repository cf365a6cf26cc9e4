//! A session's ordered stream. Messages and events share one sequence, `sessions.last_seq`,
//! advanced only while holding the session row's lock: whoever commits, in whatever process,
//! each entry gets the next number and the numbers have no gaps.

use crate::moderation::{HELD_SELECT, HeldPost, RestrictionKind};
use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;
use tweetchat_domain::moderation::{HoldCheck, HoldPolicy, hold_reason};
use tweetchat_domain::{DomainError, SessionStatus};
use uuid::Uuid;

/// A message as stored, with its author's public names.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredMessage {
    pub id: Uuid,
    pub session_id: Uuid,
    pub seq: i64,
    pub kind: String,
    pub author_id: Option<Uuid>,
    pub author_handle: Option<String>,
    pub author_display_name: Option<String>,
    pub client_id: Option<String>,
    pub text: String,
    pub reply_to: Option<Uuid>,
    pub quote_of: Option<Uuid>,
    pub question_number: Option<i32>,
    pub answers_question: Option<i32>,
    pub answers_unreleased: bool,
    pub hashtags: Vec<String>,
    pub mentions: Vec<String>,
    pub likes: i32,
    pub hidden_at: Option<DateTime<Utc>>,
    pub pinned_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// For a question promoted from the audience: who asked it, as shown.
    #[sqlx(default)]
    pub credit: Option<String>,
}

/// A stream entry that is not a message: a state change, a like count, a hide or a pin.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredEvent {
    pub session_id: Uuid,
    pub seq: i64,
    pub kind: String,
    pub message_id: Option<Uuid>,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
    /// For `unhidden`: the message as it is now, so the frame can carry it.
    #[sqlx(skip)]
    pub message: Option<Box<StoredMessage>>,
}

// Entries are short-lived, one per row read; boxing messages would only add an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEntry {
    Message(StoredMessage),
    Event(StoredEvent),
}

impl StreamEntry {
    pub fn seq(&self) -> i64 {
        match self {
            StreamEntry::Message(m) => m.seq,
            StreamEntry::Event(e) => e.seq,
        }
    }
}

/// A validated post, ready to commit.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub author_id: Uuid,
    pub author_handle: String,
    pub author_display_name: String,
    pub client_id: String,
    pub text: String,
    pub reply_to: Option<Uuid>,
    pub quote_of: Option<Uuid>,
    pub answers_question: Option<i32>,
    pub hashtags: Vec<String>,
    pub mentions: Vec<String>,
    /// Written by a moderator, host, owner or admin of the series: never held or restricted.
    pub exempt: bool,
}

/// What became of one post of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum PostOutcome {
    Committed(StoredMessage),
    /// The same author had already posted this `client_id`: the original message.
    Duplicate(StoredMessage),
    SessionNotLive(SessionStatus),
    /// `reply_to` or `quote_of` names no message of this session.
    UnknownReference,
    /// Waiting for a moderator (new, or a retry of a post still pending).
    Held(HeldPost),
    /// A retry of a post a moderator rejected.
    Rejected(HeldPost),
    /// The author is muted or banned in this series.
    Restricted {
        kind: RestrictionKind,
        until: Option<DateTime<Utc>>,
    },
}

/// The result of a group commit.
#[derive(Debug, Clone)]
pub struct PostBatch {
    /// `last_seq` before this batch: everything up to it was committed by someone else first.
    pub prev_last_seq: i64,
    /// One outcome per post, in the order given.
    pub outcomes: Vec<PostOutcome>,
}

impl PostBatch {
    /// The messages this batch added to the stream, in `seq` order.
    pub fn committed(&self) -> impl Iterator<Item = &StoredMessage> {
        self.outcomes.iter().filter_map(|o| match o {
            PostOutcome::Committed(m) => Some(m),
            _ => None,
        })
    }
}

pub(crate) struct LockedSession {
    pub status: SessionStatus,
    pub last_seq: i64,
}

pub(crate) const MESSAGE_SELECT: &str = "SELECT m.id, m.session_id, m.seq, m.kind, m.author_id, u.handle AS author_handle,
        u.display_name AS author_display_name, m.client_id, m.text, m.reply_to, m.quote_of, m.question_number,
        m.answers_question, m.answers_unreleased, m.hashtags, m.mentions, m.likes, m.hidden_at, m.pinned_at, m.created_at,
        m.credit
   FROM messages m LEFT JOIN users u ON u.id = m.author_id";

/// PostgreSQL keeps microseconds; frames built before and after a round trip through the
/// database must carry the same instant.
pub fn stored_instant(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    at.trunc_subsecs(6)
}

/// Takes the session row's lock for the rest of the transaction: the stream's order is decided
/// here.
pub(crate) async fn lock_session(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
) -> Result<LockedSession, StorageError> {
    let (status, last_seq): (String, i64) =
        sqlx::query_as("SELECT status, last_seq FROM sessions WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(LockedSession { status: status.parse()?, last_seq })
}

/// The numbers of the questions released so far in a session: an answer to any other is
/// flagged `answers_unreleased`.
pub(crate) async fn released_questions(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
) -> Result<Vec<i32>, StorageError> {
    Ok(sqlx::query_scalar(
        "SELECT question_number FROM messages WHERE session_id = $1 AND kind = 'question' AND question_number IS NOT NULL",
    )
    .bind(session_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Appends events after `last_seq` (which the caller read under [`lock_session`]).
pub(crate) async fn insert_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
    last_seq: i64,
    events: &[(&str, Option<Uuid>, Value)],
    now: DateTime<Utc>,
) -> Result<Vec<StoredEvent>, StorageError> {
    let now = stored_instant(now);
    let mut stored = Vec::with_capacity(events.len());
    for (offset, (kind, message_id, payload)) in events.iter().enumerate() {
        let seq = last_seq + 1 + offset as i64;
        let event = sqlx::query_as::<_, StoredEvent>(
            "INSERT INTO session_events (session_id, seq, kind, message_id, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING session_id, seq, kind, message_id, payload, created_at",
        )
        .bind(session_id)
        .bind(seq)
        .bind(kind)
        .bind(message_id)
        .bind(payload)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        stored.push(event);
    }
    crate::notify::advance_stream(tx, session_id, last_seq + events.len() as i64).await?;
    Ok(stored)
}

impl Database {
    /// Commits a batch of posts to one session in a single transaction (group commit): the
    /// posts that are new get consecutive `seq` numbers; retries of an earlier `client_id` get
    /// the original back; nothing is written if the session is not live.
    pub async fn commit_posts(
        &self,
        session_id: Uuid,
        posts: &[NewPost],
        now: DateTime<Utc>,
    ) -> Result<PostBatch, StorageError> {
        let now = stored_instant(now);
        let mut tx = self.pool.begin().await?;
        let locked = lock_session(&mut tx, session_id).await?;
        // Read after taking the lock, so a commit by another instance is visible here.
        let rules = BatchRules::read(&mut tx, session_id, posts, now).await?;
        let earlier: Vec<StoredMessage> = if rules.has_retries {
            let author_ids: Vec<Uuid> = posts.iter().map(|p| p.author_id).collect();
            let client_ids: Vec<&str> = posts.iter().map(|p| p.client_id.as_str()).collect();
            sqlx::query_as(&format!(
                "{MESSAGE_SELECT} JOIN UNNEST($2::uuid[], $3::text[]) AS k(author_id, client_id)
                     ON m.author_id = k.author_id AND m.client_id = k.client_id
                  WHERE m.session_id = $1"
            ))
            .bind(session_id)
            .bind(&author_ids)
            .bind(&client_ids)
            .fetch_all(&mut *tx)
            .await?
        } else {
            Vec::new()
        };
        let mut by_client: HashMap<(Uuid, String), StoredMessage> =
            earlier.into_iter().filter_map(|m| Some(((m.author_id?, m.client_id.clone()?), m))).collect();

        let mut outcomes = Vec::with_capacity(posts.len());
        let mut rows = InsertRows::default();
        let mut held_rows: Vec<HeldPost> = Vec::new();
        let mut seq = locked.last_seq;
        for post in posts {
            let key = (post.author_id, post.client_id.clone());
            // A retry gets its original ack even after the session has ended.
            if let Some(original) = by_client.get(&key) {
                outcomes.push(PostOutcome::Duplicate(original.clone()));
                continue;
            }
            if let Some(held) = rules.held.get(&key) {
                outcomes.push(match held.status.as_str() {
                    "rejected" => PostOutcome::Rejected(held.clone()),
                    _ => PostOutcome::Held(held.clone()),
                });
                continue;
            }
            if let Some(&(kind, until)) = rules.restricted.get(&post.author_id).filter(|_| !post.exempt) {
                outcomes.push(PostOutcome::Restricted { kind, until });
                continue;
            }
            if !locked.status.accepts_posts() {
                outcomes.push(PostOutcome::SessionNotLive(locked.status));
                continue;
            }
            let references_ok =
                [post.reply_to, post.quote_of].into_iter().flatten().all(|id| rules.known.contains(&id));
            if !references_ok {
                outcomes.push(PostOutcome::UnknownReference);
                continue;
            }
            let hold = (!post.exempt)
                .then(|| {
                    hold_reason(HoldCheck {
                        policy: rules.policy,
                        blocked_terms: &rules.blocked_terms,
                        text: &post.text,
                        first_time: !rules.regulars.contains(&post.author_id),
                    })
                })
                .flatten();
            if let Some(reason) = hold {
                let held = HeldPost {
                    id: Uuid::now_v7(),
                    session_id,
                    author_id: post.author_id,
                    author_handle: post.author_handle.clone(),
                    author_display_name: post.author_display_name.clone(),
                    client_id: post.client_id.clone(),
                    text: post.text.clone(),
                    reply_to: post.reply_to,
                    quote_of: post.quote_of,
                    answers_question: post.answers_question,
                    hashtags: post.hashtags.clone(),
                    mentions: post.mentions.clone(),
                    held_because: reason.as_str().to_owned(),
                    status: "pending".into(),
                    reason: String::new(),
                    message_id: None,
                    created_at: now,
                };
                held_rows.push(held.clone());
                outcomes.push(PostOutcome::Held(held));
                continue;
            }
            seq += 1;
            let message = StoredMessage {
                id: Uuid::now_v7(),
                session_id,
                seq,
                kind: "post".into(),
                author_id: Some(post.author_id),
                author_handle: Some(post.author_handle.clone()),
                author_display_name: Some(post.author_display_name.clone()),
                client_id: Some(post.client_id.clone()),
                text: post.text.clone(),
                reply_to: post.reply_to,
                quote_of: post.quote_of,
                question_number: None,
                answers_question: post.answers_question,
                answers_unreleased: post.answers_question.is_some_and(|n| !rules.released.contains(&n)),
                hashtags: post.hashtags.clone(),
                mentions: post.mentions.clone(),
                likes: 0,
                hidden_at: None,
                pinned_at: None,
                created_at: now,
                credit: None,
            };
            rows.push(&message);
            by_client.insert(key, message.clone());
            outcomes.push(PostOutcome::Committed(message));
        }

        for held in &held_rows {
            insert_held(&mut tx, held).await?;
        }
        if seq > locked.last_seq {
            rows.insert_and_advance(&mut tx, session_id, now, seq).await?;
        }
        tx.commit().await?;
        Ok(PostBatch { prev_last_seq: locked.last_seq, outcomes })
    }

    /// Up to `limit` stream entries after `after`, in order: what a resuming client missed.
    pub async fn stream_after(
        &self,
        session_id: Uuid,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StreamEntry>, StorageError> {
        let messages: Vec<StoredMessage> =
            sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.session_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"))
                .bind(session_id)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        let events: Vec<StoredEvent> = sqlx::query_as(
            "SELECT session_id, seq, kind, message_id, payload, created_at FROM session_events
              WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(session_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let events = self.attach_unhidden(events).await?;
        let mut entries: Vec<StreamEntry> =
            messages.into_iter().map(StreamEntry::Message).chain(events.into_iter().map(StreamEntry::Event)).collect();
        entries.sort_by_key(StreamEntry::seq);
        entries.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(entries)
    }

    /// An `unhidden` frame carries the message it restores: read them for replay.
    async fn attach_unhidden(&self, mut events: Vec<StoredEvent>) -> Result<Vec<StoredEvent>, StorageError> {
        let ids: Vec<Uuid> = events.iter().filter(|e| e.kind == "unhidden").filter_map(|e| e.message_id).collect();
        if ids.is_empty() {
            return Ok(events);
        }
        let messages: Vec<StoredMessage> =
            sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = ANY($1)")).bind(&ids).fetch_all(&self.pool).await?;
        for event in events.iter_mut().filter(|e| e.kind == "unhidden") {
            event.message = messages.iter().find(|m| Some(m.id) == event.message_id).cloned().map(Box::new);
        }
        Ok(events)
    }

    /// Visible messages after `after`, in stream order: the transcript, a page at a time.
    pub async fn transcript(
        &self,
        session_id: Uuid,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StorageError> {
        let messages = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE m.session_id = $1 AND m.seq > $2 AND m.hidden_at IS NULL ORDER BY m.seq LIMIT $3"
        ))
        .bind(session_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(messages)
    }

    /// The newest released question of a session.
    pub async fn current_question(&self, session_id: Uuid) -> Result<Option<StoredMessage>, StorageError> {
        let question = sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE m.session_id = $1 AND m.kind = 'question' AND m.hidden_at IS NULL ORDER BY m.seq DESC LIMIT 1"
        ))
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(question)
    }

    /// Likes or unlikes a message. Returns the `liked` event, or `None` if nothing changed
    /// (liking twice is not an error, and does not count twice).
    pub async fn set_like(
        &self,
        session_id: Uuid,
        message_id: Uuid,
        user_id: Uuid,
        liked: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredEvent>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let locked = lock_session(&mut tx, session_id).await?;
        if !locked.status.accepts_posts() {
            return Err(DomainError::Invalid {
                field: "session",
                reason: format!("likes are accepted only while the session is live; it is {}", locked.status),
            }
            .into());
        }
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE id = $1 AND session_id = $2 AND hidden_at IS NULL)",
        )
        .bind(message_id)
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            return Err(StorageError::NotFound);
        }
        let changed = if liked {
            sqlx::query(
                "INSERT INTO likes (message_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(message_id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query("DELETE FROM likes WHERE message_id = $1 AND user_id = $2")
                .bind(message_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
        };
        if changed.rows_affected() == 0 {
            return Ok(None);
        }
        let likes: i32 = sqlx::query_scalar("UPDATE messages SET likes = likes + $2 WHERE id = $1 RETURNING likes")
            .bind(message_id)
            .bind(if liked { 1 } else { -1 })
            .fetch_one(&mut *tx)
            .await?;
        let events = insert_events(
            &mut tx,
            session_id,
            locked.last_seq,
            &[("liked", Some(message_id), serde_json::json!({ "likes": likes }))],
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(events.into_iter().next())
    }
}

/// What a batch of posts is checked against, read under the session lock: whether any post is
/// a retry of one already committed, which of the messages replied to or quoted exist, the
/// questions released so far (an answer to one not yet released is marked), the series' hold
/// rules, its restrictions on the batch's authors, and the batch's posts already held.
///
/// One round trip, because every post waits for it: the committed retries and held posts are
/// read in full only when there are any, and earlier authors only under the first-time policy.
struct BatchRules {
    has_retries: bool,
    known: HashSet<Uuid>,
    released: Vec<i32>,
    policy: HoldPolicy,
    blocked_terms: Vec<String>,
    restricted: HashMap<Uuid, (RestrictionKind, Option<DateTime<Utc>>)>,
    held: HashMap<(Uuid, String), HeldPost>,
    /// Authors with an accepted post in the series (only read under the first-time policy).
    regulars: HashSet<Uuid>,
}

#[derive(sqlx::FromRow)]
struct RulesRow {
    series_id: Uuid,
    hold_policy: String,
    blocked_terms: Vec<String>,
    has_retries: bool,
    known: Vec<Uuid>,
    has_held: bool,
    released: Vec<i32>,
    restricted_users: Vec<Uuid>,
    restricted_kinds: Vec<String>,
    restricted_until: Vec<Option<DateTime<Utc>>>,
}

impl BatchRules {
    async fn read(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        session_id: Uuid,
        posts: &[NewPost],
        now: DateTime<Utc>,
    ) -> Result<Self, StorageError> {
        let authors: Vec<Uuid> = posts.iter().filter(|p| !p.exempt).map(|p| p.author_id).collect();
        let all_authors: Vec<Uuid> = posts.iter().map(|p| p.author_id).collect();
        let client_ids: Vec<&str> = posts.iter().map(|p| p.client_id.as_str()).collect();
        let referenced: Vec<Uuid> = posts.iter().flat_map(|p| [p.reply_to, p.quote_of]).flatten().collect();
        let row: RulesRow = sqlx::query_as(
            "SELECT se.id AS series_id, se.hold_policy, se.blocked_terms,
                    EXISTS (SELECT 1 FROM messages m JOIN UNNEST($4::uuid[], $5::text[]) AS k(author_id, client_id)
                                ON m.author_id = k.author_id AND m.client_id = k.client_id
                             WHERE m.session_id = s.id) AS has_retries,
                    ARRAY(SELECT m.id FROM messages m WHERE m.session_id = s.id AND m.id = ANY($6)) AS known,
                    EXISTS (SELECT 1 FROM held_posts h WHERE h.session_id = s.id) AS has_held,
                    ARRAY(SELECT q.question_number FROM messages q
                           WHERE q.session_id = s.id AND q.kind = 'question' AND q.question_number IS NOT NULL)
                        AS released,
                    COALESCE(array_agg(r.user_id) FILTER (WHERE r.user_id IS NOT NULL), '{}') AS restricted_users,
                    COALESCE(array_agg(r.kind) FILTER (WHERE r.user_id IS NOT NULL), '{}') AS restricted_kinds,
                    COALESCE(array_agg(r.until) FILTER (WHERE r.user_id IS NOT NULL), '{}') AS restricted_until
               FROM sessions s JOIN series se ON se.id = s.series_id
               LEFT JOIN restrictions r ON r.series_id = se.id AND r.user_id = ANY($2)
                                       AND (r.until IS NULL OR r.until > $3)
              WHERE s.id = $1
              GROUP BY se.id, s.id",
        )
        .bind(session_id)
        .bind(&authors)
        .bind(now)
        .bind(&all_authors)
        .bind(&client_ids)
        .bind(&referenced)
        .fetch_one(&mut **tx)
        .await?;
        let mut restricted = HashMap::new();
        for ((user, kind), until) in
            row.restricted_users.into_iter().zip(row.restricted_kinds).zip(row.restricted_until)
        {
            let kind = RestrictionKind::from_name(&kind).unwrap_or(RestrictionKind::Mute);
            // A ban outranks a mute of the same person.
            let entry = restricted.entry(user).or_insert((kind, until));
            if kind == RestrictionKind::Ban {
                *entry = (kind, until);
            }
        }
        let held = if row.has_held {
            let rows: Vec<HeldPost> = sqlx::query_as(&format!(
                "{HELD_SELECT} JOIN UNNEST($2::uuid[], $3::text[]) AS k(author_id, client_id)
                     ON h.author_id = k.author_id AND h.client_id = k.client_id
                  WHERE h.session_id = $1"
            ))
            .bind(session_id)
            .bind(&all_authors)
            .bind(&client_ids)
            .fetch_all(&mut **tx)
            .await?;
            rows.into_iter().map(|h| ((h.author_id, h.client_id.clone()), h)).collect()
        } else {
            HashMap::new()
        };
        let policy = HoldPolicy::parse(&row.hold_policy)?;
        let regulars = if policy == HoldPolicy::FirstTime && !authors.is_empty() {
            sqlx::query_scalar(
                "SELECT DISTINCT m.author_id FROM messages m JOIN sessions s ON s.id = m.session_id
                  WHERE s.series_id = $1 AND m.author_id = ANY($2) AND m.kind = 'post'",
            )
            .bind(row.series_id)
            .bind(&authors)
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect()
        } else {
            HashSet::new()
        };
        Ok(BatchRules {
            has_retries: row.has_retries,
            known: row.known.into_iter().collect(),
            released: row.released,
            policy,
            blocked_terms: row.blocked_terms,
            restricted,
            held,
            regulars,
        })
    }
}

async fn insert_held(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, held: &HeldPost) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO held_posts (id, session_id, author_id, client_id, text, reply_to, quote_of, answers_question,
                                 hashtags, mentions, held_because, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(held.id)
    .bind(held.session_id)
    .bind(held.author_id)
    .bind(&held.client_id)
    .bind(&held.text)
    .bind(held.reply_to)
    .bind(held.quote_of)
    .bind(held.answers_question)
    .bind(&held.hashtags)
    .bind(&held.mentions)
    .bind(&held.held_because)
    .bind(held.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Column arrays for one multi-row `INSERT ... SELECT FROM UNNEST`.
#[derive(Default)]
pub(crate) struct InsertRows {
    id: Vec<Uuid>,
    seq: Vec<i64>,
    author_id: Vec<Uuid>,
    client_id: Vec<String>,
    text: Vec<String>,
    reply_to: Vec<Option<Uuid>>,
    quote_of: Vec<Option<Uuid>>,
    answers_question: Vec<Option<i32>>,
    answers_unreleased: Vec<bool>,
    // Arrays of arrays do not UNNEST row by row; tags never contain a space, so join on one.
    hashtags: Vec<String>,
    mentions: Vec<String>,
}

/// The statement of [`InsertRows::insert_and_advance`], built once: every commit runs it.
static INSERT_AND_ADVANCE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH inserted AS (
            INSERT INTO messages (id, session_id, seq, kind, author_id, client_id, text, reply_to, quote_of,
                                  answers_question, answers_unreleased, hashtags, mentions, created_at)
            SELECT r.id, $1, r.seq, 'post', r.author_id, r.client_id, r.text, r.reply_to, r.quote_of,
                   r.answers_question, r.answers_unreleased,
                   COALESCE(string_to_array(NULLIF(r.hashtags, ''), ' '), '{{}}'),
                   COALESCE(string_to_array(NULLIF(r.mentions, ''), ' '), '{{}}'), $16
              FROM UNNEST($3::uuid[], $4::int8[], $5::uuid[], $6::text[], $7::text[], $8::uuid[], $9::uuid[],
                          $10::int4[], $11::bool[], $12::text[], $13::text[])
                AS r(id, seq, author_id, client_id, text, reply_to, quote_of, answers_question, answers_unreleased,
                     hashtags, mentions))
         {}",
        crate::notify::advance_stream_sql(1, 2, 14, 15)
    )
});

impl InsertRows {
    pub(crate) fn push(&mut self, m: &StoredMessage) {
        self.id.push(m.id);
        self.seq.push(m.seq);
        self.author_id.push(m.author_id.unwrap_or_default());
        self.client_id.push(m.client_id.clone().unwrap_or_default());
        self.text.push(m.text.clone());
        self.reply_to.push(m.reply_to);
        self.quote_of.push(m.quote_of);
        self.answers_question.push(m.answers_question);
        self.answers_unreleased.push(m.answers_unreleased);
        self.hashtags.push(m.hashtags.join(" "));
        self.mentions.push(m.mentions.join(" "));
    }

    /// Inserts the rows and moves the stream to `last_seq`, in one statement: every post waits
    /// for this round trip.
    pub(crate) async fn insert_and_advance(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        session_id: Uuid,
        now: DateTime<Utc>,
        last_seq: i64,
    ) -> Result<(), StorageError> {
        sqlx::query(&INSERT_AND_ADVANCE)
            .bind(session_id)
            .bind(last_seq)
            .bind(&self.id)
            .bind(&self.seq)
            .bind(&self.author_id)
            .bind(&self.client_id)
            .bind(&self.text)
            .bind(&self.reply_to)
            .bind(&self.quote_of)
            .bind(&self.answers_question)
            .bind(&self.answers_unreleased)
            .bind(&self.hashtags)
            .bind(&self.mentions)
            .bind(crate::notify::STREAM_CHANNEL)
            .bind(crate::notify::PEER_WINDOW_SECONDS)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
