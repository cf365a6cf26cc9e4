//! Archived sessions: their frozen figures, listings, exports, imports and full-text search.
//!
//! Figures are computed by `tweetchat_domain::archive` from the visible messages and stored in
//! `archive_figures` in the transaction that archives the session. A later hide drops them (a
//! trigger, see the migration) and [`Database::figures`] recomputes them on the next read.

use crate::sessions::{SESSION_SELECT, Session};
use crate::stream::{MESSAGE_SELECT, StoredMessage};
use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use tweetchat_domain::archive::{
    ArchivedAuthor, ArchivedKind, ArchivedMessage, AudienceFigures, Figures, FiguresContext,
};
use tweetchat_domain::{Description, DomainError, Handle, Hashtag, SessionStatus, Title};
use uuid::Uuid;

/// The `format` of a JSON export.
pub const EXPORT_FORMAT: &str = "tweetchat-archive";
/// The version of the JSON export's schema (docs/archive-format.md).
pub const EXPORT_VERSION: u32 = 1;
/// Most messages an imported file may hold.
pub const MAX_IMPORT_MESSAGES: usize = 200_000;
/// Longest message text an import accepts, in characters.
pub const MAX_IMPORT_TEXT_CHARS: usize = 4_000;

/// Converts a stored message into what the domain counts.
pub fn archived(message: &StoredMessage) -> ArchivedMessage {
    let author = match (message.author_id, &message.author_handle, &message.author_display_name) {
        (Some(id), Some(handle), Some(display_name)) => {
            Some(ArchivedAuthor { id, handle: handle.clone(), display_name: display_name.clone() })
        }
        _ => None,
    };
    ArchivedMessage {
        id: message.id,
        seq: message.seq,
        kind: match message.kind.as_str() {
            "question" => ArchivedKind::Question,
            "notice" => ArchivedKind::Notice,
            _ => ArchivedKind::Post,
        },
        author,
        text: message.text.clone(),
        created_at: message.created_at,
        reply_to: message.reply_to,
        question_number: message.question_number.and_then(|n| u32::try_from(n).ok()),
        answers_question: message.answers_question.and_then(|n| u32::try_from(n).ok()),
        likes: u64::try_from(message.likes).unwrap_or(0),
    }
}

async fn visible_messages_in(
    conn: &mut sqlx::PgConnection,
    session_id: Uuid,
) -> Result<Vec<StoredMessage>, StorageError> {
    Ok(sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.session_id = $1 AND m.hidden_at IS NULL ORDER BY m.seq"))
        .bind(session_id)
        .fetch_all(conn)
        .await?)
}

/// Computes and stores the figures of a session, replacing any stored before.
pub(crate) async fn freeze_in(conn: &mut sqlx::PgConnection, session_id: Uuid) -> Result<Figures, StorageError> {
    let session = sqlx::query_as::<_, Session>(&format!("{SESSION_SELECT} WHERE s.id = $1"))
        .bind(session_id)
        .fetch_one(&mut *conn)
        .await?;
    let messages: Vec<ArchivedMessage> = visible_messages_in(conn, session_id).await?.iter().map(archived).collect();
    let authors: Vec<Uuid> = messages.iter().filter_map(|m| m.author.as_ref().map(|a| a.id)).collect();
    // People who wrote a visible message in an earlier session of the series are not newcomers.
    let returning: HashSet<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT m.author_id FROM messages m JOIN sessions s ON s.id = m.session_id
          WHERE s.series_id = $1 AND s.starts_at < $2 AND m.hidden_at IS NULL AND m.author_id = ANY($3)",
    )
    .bind(session.series_id)
    .bind(session.starts_at)
    .bind(&authors)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let context = FiguresContext {
        hashtag: &session.hashtag,
        start: session.started_at.unwrap_or(session.starts_at).min(session.starts_at),
        returning: &returning,
        viewers_peak: sqlx::query_scalar::<_, Option<i32>>("SELECT viewers_peak FROM sessions WHERE id = $1")
            .bind(session_id)
            .fetch_one(&mut *conn)
            .await?
            .and_then(|n| u64::try_from(n).ok()),
    };
    let mut figures = Figures::compute(&messages, &context);
    let (proposals, approved, votes): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE status IN ('approved', 'merged')),
                COALESCE((SELECT count(*) FROM proposal_votes v JOIN proposals q ON q.id = v.proposal_id
                           WHERE q.session_id = $1), 0)
           FROM proposals WHERE session_id = $1",
    )
    .bind(session_id)
    .fetch_one(&mut *conn)
    .await?;
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    figures.audience = AudienceFigures { proposals: count(proposals), approved: count(approved), votes: count(votes) };
    store_figures(conn, session_id, &figures).await?;
    Ok(figures)
}

async fn store_figures(conn: &mut sqlx::PgConnection, session_id: Uuid, figures: &Figures) -> Result<(), StorageError> {
    let json = serde_json::to_value(figures)
        .map_err(|e| DomainError::Invalid { field: "figures", reason: format!("cannot be stored: {e}") })?;
    sqlx::query(
        "INSERT INTO archive_figures (session_id, figures) VALUES ($1, $2)
         ON CONFLICT (session_id) DO UPDATE SET figures = EXCLUDED.figures, computed_at = now()",
    )
    .bind(session_id)
    .bind(json)
    .execute(conn)
    .await?;
    Ok(())
}

/// An archived session with its figures.
#[derive(Debug, Clone)]
pub struct ArchivedSession {
    pub session: Session,
    pub figures: Figures,
}

/// What to search for, and where.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Words as people type them (`websearch_to_tsquery` syntax; never an error).
    pub text: String,
    pub hashtag: Option<Hashtag>,
    pub author: Option<Handle>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub question: Option<i32>,
    pub order: SearchOrder,
    pub offset: i64,
    pub limit: i64,
}

/// The order of search results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchOrder {
    /// Best match first, among the newest [`RANKED_MATCHES`] matches.
    #[default]
    Relevance,
    /// Newest first, over every match.
    Newest,
}

/// How many of the newest matches a relevance search ranks. Ranking reads each match's row, and
/// a common word matches a tenth of all messages; the newest few hundred are found through the
/// `created_at` index without reading the rest (docs/benchmarks.md, "Archives").
pub const RANKED_MATCHES: i64 = 1000;

/// Marks `ts_headline` puts around matches: private-use characters, so the edge can escape the
/// text and then turn them into `<mark>` without a message's own `<mark>` ever passing through.
pub const MATCH_START: char = '\u{E000}';
pub const MATCH_END: char = '\u{E001}';

/// One message that matched a search.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SearchHit {
    pub message_id: Uuid,
    pub session_id: Uuid,
    pub session_title: String,
    pub hashtag: String,
    pub seq: i64,
    pub author_handle: Option<String>,
    pub created_at: DateTime<Utc>,
    pub question_number: Option<i32>,
    pub answers_question: Option<i32>,
    /// The matching passage, matches between [`MATCH_START`] and [`MATCH_END`].
    pub snippet: String,
}

/// The JSON export of an archived session (schema version [`EXPORT_VERSION`], documented in
/// docs/archive-format.md). The same shape is what an import reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportDocument {
    pub format: String,
    pub version: u32,
    pub series: ExportSeries,
    pub session: ExportSession,
    pub participants: Vec<ArchivedAuthor>,
    pub messages: Vec<ExportMessage>,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportSeries {
    pub hashtag: String,
    pub title: String,
    pub description: String,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportSession {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportMessage {
    pub id: Uuid,
    pub seq: i64,
    pub kind: ArchivedKind,
    /// An id from `participants`; absent only for service notices (a question the scheduler
    /// released carries the series owner, in whose name it was posted).
    pub author_id: Option<Uuid>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub reply_to: Option<Uuid>,
    pub quote_of: Option<Uuid>,
    pub question_number: Option<i32>,
    pub answers_question: Option<i32>,
    pub hashtags: Vec<String>,
    pub mentions: Vec<String>,
    pub likes: i32,
}

/// What an import did.
#[derive(Debug, Clone)]
pub enum Imported {
    New(Session),
    /// This session was imported (or archived here) before; nothing was written.
    AlreadyPresent(Session),
}

/// The `messages.kind` value of an archived message's kind.
pub fn kind_str(kind: ArchivedKind) -> &'static str {
    match kind {
        ArchivedKind::Post => "post",
        ArchivedKind::Question => "question",
        ArchivedKind::Notice => "notice",
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> StorageError {
    StorageError::Domain(DomainError::Invalid { field, reason: reason.into() })
}

impl ExportDocument {
    /// Every rule a file must meet before anything of it is written.
    pub fn validate(&self) -> Result<Hashtag, StorageError> {
        if self.format != EXPORT_FORMAT {
            return Err(invalid("format", format!("must be {EXPORT_FORMAT:?}; this is not a tweetchat archive")));
        }
        if self.version != EXPORT_VERSION {
            return Err(invalid(
                "version",
                format!("{} is not supported; this server reads {EXPORT_VERSION}", self.version),
            ));
        }
        let hashtag = Hashtag::parse(&self.series.hashtag)?;
        Title::parse(&self.series.title)?;
        Title::parse(&self.session.title)?;
        if self.series.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(invalid("series.time_zone", "is not an IANA time zone name"));
        }
        if self.session.ends_at <= self.session.starts_at {
            return Err(invalid("session.ends_at", "must be after starts_at"));
        }
        if self.messages.len() > MAX_IMPORT_MESSAGES {
            return Err(invalid("messages", format!("more than {MAX_IMPORT_MESSAGES}")));
        }
        let mut people = HashSet::new();
        let mut handles = HashSet::new();
        for person in &self.participants {
            let handle = Handle::parse(&person.handle)?;
            let name = person.display_name.trim();
            if name.is_empty() || name.chars().count() > 50 || name.chars().any(char::is_control) {
                return Err(invalid(
                    "participants",
                    format!("{}: display_name must be 1 to 50 characters on one line", person.handle),
                ));
            }
            if !people.insert(person.id) || !handles.insert(handle.as_str().to_lowercase()) {
                return Err(invalid("participants", format!("{} appears twice", person.handle)));
            }
        }
        let mut seen = HashSet::new();
        let mut previous_seq = 0;
        let mut numbers = HashSet::new();
        for (i, m) in self.messages.iter().enumerate() {
            let at = |what: &str| format!("messages[{i}]: {what}");
            if m.seq <= previous_seq {
                return Err(invalid("messages", at("seq must be positive and increasing")));
            }
            previous_seq = m.seq;
            if m.text.trim().is_empty() || m.text.chars().count() > MAX_IMPORT_TEXT_CHARS {
                return Err(invalid("messages", at(&format!("text must be 1 to {MAX_IMPORT_TEXT_CHARS} characters"))));
            }
            if m.author_id.is_some_and(|a| !people.contains(&a)) {
                return Err(invalid("messages", at("author_id is not among the participants")));
            }
            if [m.reply_to, m.quote_of].into_iter().flatten().any(|r| !seen.contains(&r)) {
                return Err(invalid("messages", at("reply_to or quote_of names no earlier message of the file")));
            }
            if (m.kind == ArchivedKind::Question) != m.question_number.is_some() {
                return Err(invalid("messages", at("a question, and only a question, has a question_number")));
            }
            if m.question_number.is_some_and(|n| n < 1 || !numbers.insert(n)) {
                return Err(invalid("messages", at("question_number must be positive and unique")));
            }
            if m.likes < 0 {
                return Err(invalid("messages", at("likes must not be negative")));
            }
            if !seen.insert(m.id) {
                return Err(invalid("messages", at("id appears twice")));
            }
        }
        Ok(hashtag)
    }
}

impl Database {
    /// The figures of an archived session (recomputed and stored again if a late hide dropped
    /// them); `None` if the session is not archived.
    pub async fn figures(&self, session: &Session) -> Result<Option<Figures>, StorageError> {
        if session.status() != SessionStatus::Archived {
            return Ok(None);
        }
        let stored: Option<serde_json::Value> =
            sqlx::query_scalar("SELECT figures FROM archive_figures WHERE session_id = $1")
                .bind(session.id)
                .fetch_optional(&self.pool)
                .await?;
        if let Some(figures) = stored.and_then(|json| serde_json::from_value::<Figures>(json).ok()) {
            return Ok(Some(figures));
        }
        let mut tx = self.pool.begin().await?;
        let figures = freeze_in(&mut tx, session.id).await?;
        tx.commit().await?;
        Ok(Some(figures))
    }

    /// Archived sessions, newest first: of one series, or of every series that lets anyone read
    /// (`public_only`) or all of them.
    pub async fn archives(
        &self,
        series_id: Option<Uuid>,
        public_only: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ArchivedSession>, StorageError> {
        // The frozen figures come with the page in one query; only those a late hide dropped
        // are computed again.
        let rows: Vec<(Uuid, Option<serde_json::Value>)> = sqlx::query_as(
            "SELECT s.id, f.figures FROM sessions s JOIN series r ON r.id = s.series_id
               LEFT JOIN archive_figures f ON f.session_id = s.id
              WHERE s.status = 'archived' AND ($1::uuid IS NULL OR s.series_id = $1) AND (r.allow_viewers OR NOT $2)
              ORDER BY s.starts_at DESC, s.id DESC OFFSET $3 LIMIT $4",
        )
        .bind(series_id)
        .bind(public_only)
        .bind(offset)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        let mut sessions: HashMap<Uuid, Session> =
            sqlx::query_as::<_, Session>(&format!("{SESSION_SELECT} WHERE s.id = ANY($1)"))
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
        let mut archives = Vec::with_capacity(rows.len());
        for (id, stored) in rows {
            let Some(session) = sessions.remove(&id) else { continue };
            let figures = match stored.and_then(|json| serde_json::from_value::<Figures>(json).ok()) {
                Some(figures) => Some(figures),
                None => self.figures(&session).await?,
            };
            if let Some(figures) = figures {
                archives.push(ArchivedSession { session, figures });
            }
        }
        Ok(archives)
    }

    /// Every visible message of a session, in stream order (grouped transcripts, exports).
    pub async fn visible_messages(&self, session_id: Uuid) -> Result<Vec<StoredMessage>, StorageError> {
        let mut conn = self.pool.acquire().await?;
        visible_messages_in(&mut conn, session_id).await
    }

    /// The JSON export of an archived session: visible messages only; a reply or quote of a
    /// hidden message keeps no trace of it. `None` if the session is not archived.
    pub async fn export(&self, session: &Session) -> Result<Option<ExportDocument>, StorageError> {
        let Some(figures) = self.figures(session).await? else { return Ok(None) };
        let series: (String, String, String, String) =
            sqlx::query_as("SELECT hashtag, title, description, time_zone FROM series WHERE id = $1")
                .bind(session.series_id)
                .fetch_one(&self.pool)
                .await?;
        let rows = self.visible_messages(session.id).await?;
        let visible: HashSet<Uuid> = rows.iter().map(|m| m.id).collect();
        let mut participants: HashMap<Uuid, ArchivedAuthor> = HashMap::new();
        let messages = rows
            .iter()
            .map(|m| {
                let message = archived(m);
                if let Some(author) = message.author.clone() {
                    participants.insert(author.id, author);
                }
                ExportMessage {
                    id: m.id,
                    seq: m.seq,
                    kind: message.kind,
                    author_id: m.author_id,
                    text: m.text.clone(),
                    created_at: m.created_at,
                    reply_to: m.reply_to.filter(|r| visible.contains(r)),
                    quote_of: m.quote_of.filter(|r| visible.contains(r)),
                    question_number: m.question_number,
                    answers_question: m.answers_question,
                    hashtags: m.hashtags.clone(),
                    mentions: m.mentions.clone(),
                    likes: m.likes,
                }
            })
            .collect();
        let mut participants: Vec<ArchivedAuthor> = participants.into_values().collect();
        participants.sort_by_key(|a| a.handle.to_lowercase());
        Ok(Some(ExportDocument {
            format: EXPORT_FORMAT.into(),
            version: EXPORT_VERSION,
            series: ExportSeries { hashtag: series.0, title: series.1, description: series.2, time_zone: series.3 },
            session: ExportSession {
                id: session.id,
                title: session.title.clone(),
                starts_at: session.starts_at,
                ends_at: session.ends_at,
                started_at: session.started_at,
                closed_at: session.closed_at,
                archived_at: session.archived_at,
            },
            participants,
            messages,
            figures,
        }))
    }

    /// Imports a JSON export, all or nothing. If its series does not exist here it is created,
    /// owned by `importer` (the caller checks that an existing series is theirs to import into). A session
    /// already here (same id) is not imported again. Authors are matched by handle; people
    /// unknown here get an account without a password, which nobody can sign in to.
    pub async fn import(&self, document: &ExportDocument, importer: Uuid) -> Result<Imported, StorageError> {
        let hashtag = document.validate()?;
        // Stored in the form creating them here would give: trimmed.
        let series_title = Title::parse(&document.series.title)?;
        let session_title = Title::parse(&document.session.title)?;
        let mut tx = self.pool.begin().await?;
        let series_id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM series WHERE hashtag_key = $1 FOR UPDATE")
            .bind(hashtag.key())
            .fetch_optional(&mut *tx)
            .await?;
        let series_id = match series_id {
            Some(id) => id,
            None => {
                // Checked only for a series the file creates: an existing series keeps its own
                // description, and one exported before this rule may not meet it.
                let description = Description::parse(&document.series.description).map_err(|e| match e {
                    DomainError::Invalid { reason, .. } => invalid("series.description", reason),
                    other => other.into(),
                })?;
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO series (id, hashtag, hashtag_key, title, description, time_zone, owner_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(hashtag.as_str())
                .bind(hashtag.key())
                .bind(series_title.as_str())
                .bind(description.as_str())
                .bind(&document.series.time_zone)
                .bind(importer)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        let existing: Option<Uuid> = sqlx::query_scalar("SELECT series_id FROM sessions WHERE id = $1")
            .bind(document.session.id)
            .fetch_optional(&mut *tx)
            .await?;
        match existing {
            Some(owner) if owner == series_id => {
                tx.rollback().await?;
                return Ok(Imported::AlreadyPresent(self.session(document.session.id).await?));
            }
            Some(_) => {
                return Err(StorageError::Conflict { constraint: "archive_session_elsewhere".into() });
            }
            None => {}
        }

        let mut people: HashMap<Uuid, Uuid> = HashMap::new();
        for person in &document.participants {
            let handle = Handle::parse(&person.handle)?;
            let key = handle.as_str()[1..].to_lowercase();
            let local: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE handle_key = $1")
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
            let local = match local {
                Some(id) => id,
                None => {
                    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)")
                        .bind(person.id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let id = if taken { Uuid::now_v7() } else { person.id };
                    sqlx::query("INSERT INTO users (id, handle, handle_key, display_name) VALUES ($1, $2, $3, $4)")
                        .bind(id)
                        .bind(handle.as_str())
                        .bind(&key)
                        .bind(person.display_name.trim())
                        .execute(&mut *tx)
                        .await?;
                    id
                }
            };
            people.insert(person.id, local);
        }

        let s = &document.session;
        let last_seq = document.messages.last().map_or(0, |m| m.seq);
        sqlx::query(
            "INSERT INTO sessions (id, series_id, title, starts_at, ends_at, status, next_due_at, started_at, closed_at,
                                   archived_at, last_seq)
             VALUES ($1, $2, $3, $4, $5, 'archived', NULL, $6, $7, COALESCE($8, now()), $9)",
        )
        .bind(s.id)
        .bind(series_id)
        .bind(session_title.as_str())
        .bind(s.starts_at)
        .bind(s.ends_at)
        .bind(s.started_at)
        .bind(s.closed_at)
        .bind(s.archived_at)
        .bind(last_seq)
        .execute(&mut *tx)
        .await?;

        let m = &document.messages;
        let ids: Vec<Uuid> = m.iter().map(|m| m.id).collect();
        let seqs: Vec<i64> = m.iter().map(|m| m.seq).collect();
        let kinds: Vec<&str> = m.iter().map(|m| kind_str(m.kind)).collect();
        let authors: Vec<Option<Uuid>> = m.iter().map(|m| m.author_id.and_then(|a| people.get(&a).copied())).collect();
        let texts: Vec<&str> = m.iter().map(|m| m.text.as_str()).collect();
        let replies: Vec<Option<Uuid>> = m.iter().map(|m| m.reply_to).collect();
        let quotes: Vec<Option<Uuid>> = m.iter().map(|m| m.quote_of).collect();
        let questions: Vec<Option<i32>> = m.iter().map(|m| m.question_number).collect();
        let answers: Vec<Option<i32>> = m.iter().map(|m| m.answers_question).collect();
        // Arrays of arrays do not UNNEST row by row; tags never contain a space, so join on one.
        let hashtags: Vec<String> = m.iter().map(|m| m.hashtags.join(" ")).collect();
        let mentions: Vec<String> = m.iter().map(|m| m.mentions.join(" ")).collect();
        let likes: Vec<i32> = m.iter().map(|m| m.likes).collect();
        let created: Vec<DateTime<Utc>> = m.iter().map(|m| m.created_at).collect();
        let inserted = sqlx::query(
            "INSERT INTO messages (id, session_id, seq, kind, author_id, text, reply_to, quote_of, question_number,
                                   answers_question, hashtags, mentions, likes, created_at)
             SELECT r.id, $1, r.seq, r.kind, r.author_id, r.text, r.reply_to, r.quote_of, r.question_number,
                    r.answers_question,
                    COALESCE(string_to_array(NULLIF(r.hashtags, ''), ' '), '{}'),
                    COALESCE(string_to_array(NULLIF(r.mentions, ''), ' '), '{}'), r.likes, r.created_at
               FROM UNNEST($2::uuid[], $3::int8[], $4::text[], $5::uuid[], $6::text[], $7::uuid[], $8::uuid[],
                           $9::int4[], $10::int4[], $11::text[], $12::text[], $13::int4[], $14::timestamptz[])
                 AS r(id, seq, kind, author_id, text, reply_to, quote_of, question_number, answers_question,
                      hashtags, mentions, likes, created_at)",
        )
        .bind(s.id)
        .bind(&ids)
        .bind(&seqs)
        .bind(&kinds)
        .bind(&authors)
        .bind(&texts)
        .bind(&replies)
        .bind(&quotes)
        .bind(&questions)
        .bind(&answers)
        .bind(&hashtags)
        .bind(&mentions)
        .bind(&likes)
        .bind(&created)
        .execute(&mut *tx)
        .await;
        if let Err(sqlx::Error::Database(e)) = &inserted
            && e.constraint() == Some("messages_pkey")
        {
            return Err(invalid("messages", "a message id of this file already belongs to another session here"));
        }
        inserted?;
        // The figures travel with the archive: they were frozen where the chat happened (its
        // newcomers and viewers could not be counted again here).
        store_figures(&mut tx, s.id, &document.figures).await?;
        tx.commit().await?;
        Ok(Imported::New(self.session(s.id).await?))
    }

    /// Visible messages of public archives matching `query`, in its order.
    pub async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StorageError> {
        let options = format!(
            "StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=\" … \""
        );
        // The matches, newest first: for a common word the planner walks the `created_at` index
        // backwards and stops early; for a rare one it reads the few matches from the text index.
        const MATCHES: &str = "SELECT m.id AS message_id, m.session_id, s.title AS session_title, r.hashtag, m.seq,
                    u.handle AS author_handle, m.created_at, m.question_number, m.answers_question, m.text,
                    m.search_vector
               FROM messages m
               JOIN sessions s ON s.id = m.session_id
               JOIN series r ON r.id = s.series_id
               LEFT JOIN users u ON u.id = m.author_id
              WHERE m.search_vector @@ websearch_to_tsquery('english', $1) AND m.hidden_at IS NULL
                AND s.status = 'archived' AND r.allow_viewers
                AND ($2::text IS NULL OR r.hashtag_key = $2)
                AND ($3::text IS NULL OR u.handle_key = $3)
                AND ($4::timestamptz IS NULL OR m.created_at >= $4)
                AND ($5::timestamptz IS NULL OR m.created_at < $5)
                AND ($6::int4 IS NULL OR m.question_number = $6 OR m.answers_question = $6)
              ORDER BY m.created_at DESC, m.id DESC";
        // Order and page first; the headline, the costly part, is built for the page's rows only.
        let sql = match query.order {
            SearchOrder::Relevance => format!(
                "SELECT p.message_id, p.session_id, p.session_title, p.hashtag, p.seq, p.author_handle, p.created_at,
                        p.question_number, p.answers_question,
                        ts_headline('english', p.text, websearch_to_tsquery('english', $1), $9) AS snippet
                   FROM (SELECT c.*, ts_rank(c.search_vector, websearch_to_tsquery('english', $1)) AS rank
                           FROM ({MATCHES} LIMIT {RANKED_MATCHES}) c
                          ORDER BY rank DESC, c.created_at DESC, c.message_id DESC
                         OFFSET $7 LIMIT $8) p
                  ORDER BY p.rank DESC, p.created_at DESC, p.message_id DESC"
            ),
            SearchOrder::Newest => format!(
                "SELECT p.message_id, p.session_id, p.session_title, p.hashtag, p.seq, p.author_handle, p.created_at,
                        p.question_number, p.answers_question,
                        ts_headline('english', p.text, websearch_to_tsquery('english', $1), $9) AS snippet
                   FROM ({MATCHES} OFFSET $7 LIMIT $8) p
                  ORDER BY p.created_at DESC, p.message_id DESC"
            ),
        };
        let hits = sqlx::query_as::<_, SearchHit>(&sql)
            .bind(&query.text)
            .bind(query.hashtag.as_ref().map(Hashtag::key))
            .bind(query.author.as_ref().map(|h| h.as_str()[1..].to_lowercase()))
            .bind(query.from)
            .bind(query.to)
            .bind(query.question)
            .bind(query.offset)
            .bind(query.limit)
            .bind(options)
            // Planned anew with each query's values: a cached generic plan cannot know which filters
            // are NULL and chose nested loops over every message (18 s instead of 0.4 s).
            .persistent(false)
            .fetch_all(&self.pool)
            .await?;
        Ok(hits)
    }
}
