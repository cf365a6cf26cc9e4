//! Question plans: the questions a host prepares, released into the stream as `Q1`, `Q2`, ...
//! by the scheduler at their planned minute or by a host at once.

use crate::sessions::{SESSION_SELECT, Session};
use crate::stream::{MESSAGE_SELECT, StoredMessage, lock_session, stored_instant};
use crate::{Database, StorageError};
use chrono::{DateTime, Duration, Utc};
use tweetchat_domain::{DomainError, SessionStatus, question_label};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Question {
    pub id: Uuid,
    pub session_id: Uuid,
    pub position: i32,
    pub text: String,
    pub offset_minutes: Option<i32>,
    /// `planned`, `released` or `skipped`.
    pub status: String,
    pub number: Option<i32>,
    pub message_id: Option<Uuid>,
    pub due_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    pub released_late: bool,
    /// Promoted from an audience proposal: who asked it, as shown.
    pub credit: Option<String>,
}

/// A question to plan, validated by the caller.
#[derive(Debug, Clone)]
pub struct PlannedQuestion {
    pub text: String,
    pub offset_minutes: Option<i32>,
}

/// A question is released late when it goes out more than this after it was due.
const LATE_AFTER: Duration = Duration::seconds(60);
const QUESTION_COLUMNS: &str = "id, session_id, position, text, offset_minutes, status, number, message_id, due_at, released_at, released_late, credit";

impl Database {
    /// The plan, in order, released questions included.
    pub async fn questions(&self, session_id: Uuid) -> Result<Vec<Question>, StorageError> {
        let rows = sqlx::query_as(&format!(
            "SELECT {QUESTION_COLUMNS} FROM questions WHERE session_id = $1 ORDER BY position"
        ))
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Replaces the questions not yet released with `plan`, in its order, after the released
    /// and skipped ones (which never change).
    pub async fn replace_plan(
        &self,
        session_id: Uuid,
        plan: &[PlannedQuestion],
    ) -> Result<Vec<Question>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let locked = lock_session(&mut tx, session_id).await?;
        refuse_if_frozen(locked.status)?;
        // A promoted audience question keeps its credit (and its proposal its link) when the
        // host saves the plan again with the same wording.
        let credits: Vec<(String, Option<String>, Option<Uuid>)> = sqlx::query_as(
            "SELECT q.text, q.credit, p.id FROM questions q LEFT JOIN proposals p ON p.question_id = q.id
              WHERE q.session_id = $1 AND q.status = 'planned' AND q.credit IS NOT NULL",
        )
        .bind(session_id)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM questions WHERE session_id = $1 AND status = 'planned'")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        let kept: i32 = sqlx::query_scalar("SELECT COALESCE(max(position), 0) FROM questions WHERE session_id = $1")
            .bind(session_id)
            .fetch_one(&mut *tx)
            .await?;
        let (started_at, locked_starts_at): (Option<DateTime<Utc>>, DateTime<Utc>) =
            sqlx::query_as("SELECT started_at, starts_at FROM sessions WHERE id = $1")
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
        for (index, question) in plan.iter().enumerate() {
            let due = match (locked.status, started_at, question.offset_minutes) {
                (SessionStatus::Live, Some(started), Some(offset)) => {
                    Some(started.min(locked_starts_at) + Duration::minutes(i64::from(offset)))
                }
                _ => None,
            };
            let (credit, proposal) = credits
                .iter()
                .find(|(text, _, _)| *text == question.text)
                .map(|(_, credit, proposal)| (credit.clone(), *proposal))
                .unwrap_or((None, None));
            let id = Uuid::now_v7();
            sqlx::query("INSERT INTO questions (id, session_id, position, text, offset_minutes, due_at, credit) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(session_id)
                .bind(kept + 1 + index as i32)
                .bind(&question.text)
                .bind(question.offset_minutes)
                .bind(due)
                .bind(&credit)
                .execute(&mut *tx)
                .await?;
            if let Some(proposal) = proposal {
                sqlx::query("UPDATE proposals SET question_id = $2 WHERE id = $1")
                    .bind(proposal)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        refresh_next_due(&mut tx, session_id).await?;
        tx.commit().await?;
        self.questions(session_id).await
    }

    /// Changes one question; a released or skipped question cannot change, nor can the plan of
    /// an archived or cancelled session.
    pub async fn edit_question(
        &self,
        session_id: Uuid,
        question_id: Uuid,
        edit: &PlannedQuestion,
    ) -> Result<Question, StorageError> {
        let mut tx = self.pool.begin().await?;
        let locked = lock_session(&mut tx, session_id).await?;
        refuse_if_frozen(locked.status)?;
        let status: String =
            sqlx::query_scalar("SELECT status FROM questions WHERE id = $1 AND session_id = $2 FOR UPDATE")
                .bind(question_id)
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
        if status != "planned" {
            return Err(StorageError::Conflict { constraint: format!("question_{status}") });
        }
        sqlx::query(
            "UPDATE questions q SET text = $3, offset_minutes = $4,
                    due_at = CASE WHEN $5 AND $4::int IS NOT NULL THEN LEAST(s.started_at, s.starts_at) + make_interval(mins => $4::int) END
               FROM sessions s WHERE q.id = $1 AND q.session_id = $2 AND s.id = q.session_id",
        )
        .bind(question_id)
        .bind(session_id)
        .bind(&edit.text)
        .bind(edit.offset_minutes)
        .bind(locked.status == SessionStatus::Live)
        .execute(&mut *tx)
        .await?;
        refresh_next_due(&mut tx, session_id).await?;
        let question = sqlx::query_as(&format!("SELECT {QUESTION_COLUMNS} FROM questions WHERE id = $1"))
            .bind(question_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(question)
    }

    /// Marks the next planned question skipped; returns it, or `None` if none is left.
    pub async fn skip_next_question(&self, session_id: Uuid) -> Result<Option<Question>, StorageError> {
        let mut tx = self.pool.begin().await?;
        lock_session(&mut tx, session_id).await?;
        let skipped: Option<Question> = sqlx::query_as(&format!(
            "UPDATE questions SET status = 'skipped' WHERE id = (
                 SELECT id FROM questions WHERE session_id = $1 AND status = 'planned' ORDER BY position LIMIT 1)
             RETURNING {QUESTION_COLUMNS}"
        ))
        .bind(session_id)
        .fetch_optional(&mut *tx)
        .await?;
        refresh_next_due(&mut tx, session_id).await?;
        tx.commit().await?;
        Ok(skipped)
    }

    /// Releases the next planned question now, as a host (`author_id`) asked.
    pub async fn release_next_question(
        &self,
        session_id: Uuid,
        author_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredMessage>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let released = release_next_in(&mut tx, session_id, Some(author_id), now).await?;
        tx.commit().await?;
        Ok(released)
    }
}

/// The plan of an archived or cancelled session is part of its record: neither replacing nor
/// editing may change it.
fn refuse_if_frozen(status: SessionStatus) -> Result<(), StorageError> {
    if status.is_final() {
        return Err(DomainError::Invalid {
            field: "questions",
            reason: format!("the session is {status}; its plan is frozen"),
        }
        .into());
    }
    Ok(())
}

/// Releases the next planned question inside the caller's transaction: a `question` message
/// `Q<n>: text` takes the next seq. The session must be live.
pub(crate) async fn release_next_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
    author_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Option<StoredMessage>, StorageError> {
    let now = stored_instant(now);
    let locked = lock_session(tx, session_id).await?;
    if !locked.status.accepts_posts() {
        return Err(DomainError::Invalid {
            field: "session",
            reason: format!("questions are released only while the session is live; it is {}", locked.status),
        }
        .into());
    }
    let next: Option<Question> = sqlx::query_as(&format!(
        "SELECT {QUESTION_COLUMNS} FROM questions WHERE session_id = $1 AND status = 'planned' ORDER BY position LIMIT 1 FOR UPDATE"
    ))
    .bind(session_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(question) = next else { return Ok(None) };
    let number: i32 = sqlx::query_scalar("SELECT COALESCE(max(number), 0) + 1 FROM questions WHERE session_id = $1")
        .bind(session_id)
        .fetch_one(&mut **tx)
        .await?;
    // Questions speak for the series: by the host who released them, or its owner.
    let author: Uuid = match author_id {
        Some(id) => id,
        None => {
            sqlx::query_scalar("SELECT r.owner_id FROM sessions s JOIN series r ON r.id = s.series_id WHERE s.id = $1")
                .bind(session_id)
                .fetch_one(&mut **tx)
                .await?
        }
    };
    let seq = locked.last_seq + 1;
    let message_id = Uuid::now_v7();
    let label = question_label(u32::try_from(number).unwrap_or_default());
    sqlx::query(
        "INSERT INTO messages (id, session_id, seq, kind, author_id, text, question_number, hashtags, mentions, created_at, credit)
         VALUES ($1, $2, $3, 'question', $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(message_id)
    .bind(session_id)
    .bind(seq)
    .bind(author)
    .bind(format!("{label}: {}", question.text))
    .bind(number)
    .bind(tweetchat_domain::extract_hashtags(&question.text))
    .bind(tweetchat_domain::extract_mentions(&question.text))
    .bind(now)
    .bind(&question.credit)
    .execute(&mut **tx)
    .await?;
    let late = question.due_at.is_some_and(|due| now - due > LATE_AFTER);
    sqlx::query("UPDATE questions SET status = 'released', number = $2, message_id = $3, released_at = $4, released_late = $5 WHERE id = $1")
        .bind(question.id)
        .bind(number)
        .bind(message_id)
        .bind(now)
        .bind(late)
        .execute(&mut **tx)
        .await?;
    // Answers that came early are now answers to a released question.
    sqlx::query("UPDATE messages SET answers_unreleased = false WHERE session_id = $1 AND answers_question = $2 AND answers_unreleased")
        .bind(session_id)
        .bind(number)
        .execute(&mut **tx)
        .await?;
    crate::notify::advance_stream(tx, session_id, seq).await?;
    refresh_next_due(tx, session_id).await?;
    let message =
        sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1")).bind(message_id).fetch_one(&mut **tx).await?;
    Ok(Some(message))
}

/// Sets planned questions' due instants when a session goes live: minutes after the start, or
/// after the planned start if the session went live late (after downtime, the questions that
/// were due meanwhile go out at once, marked late, before a missed close).
pub(crate) async fn schedule_questions(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
    started_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    sqlx::query(
        "UPDATE questions q SET due_at = LEAST($2, s.starts_at) + make_interval(mins => q.offset_minutes)
           FROM sessions s
          WHERE q.session_id = $1 AND s.id = q.session_id AND q.status = 'planned' AND q.offset_minutes IS NOT NULL",
    )
    .bind(session_id)
    .bind(started_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The next instant the scheduler must act for a session: its next lifecycle transition or,
/// while live, its next planned question or notice, whichever comes first.
pub(crate) async fn refresh_next_due(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
) -> Result<Option<DateTime<Utc>>, StorageError> {
    let session = sqlx::query_as::<_, Session>(&format!("{SESSION_SELECT} WHERE s.id = $1"))
        .bind(session_id)
        .fetch_one(&mut **tx)
        .await?;
    let lifecycle = session.timetable().next_due(session.status()).map(|(_, at)| at);
    let (question, notice) = if session.status() == SessionStatus::Live {
        (next_question_due(tx, session_id).await?, crate::notices::next_notice_due(tx, session_id).await?)
    } else {
        (None, None)
    };
    let next = [lifecycle, question, notice].into_iter().flatten().min();
    sqlx::query("UPDATE sessions SET next_due_at = $2 WHERE id = $1")
        .bind(session_id)
        .bind(next)
        .execute(&mut **tx)
        .await?;
    Ok(next)
}

pub(crate) async fn next_question_due(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
) -> Result<Option<DateTime<Utc>>, StorageError> {
    // Only the first planned question counts: questions go out in plan order.
    Ok(sqlx::query_scalar(
        "SELECT due_at FROM questions WHERE session_id = $1 AND status = 'planned' ORDER BY position LIMIT 1",
    )
    .bind(session_id)
    .fetch_optional(&mut **tx)
    .await?
    .flatten())
}
