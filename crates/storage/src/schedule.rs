//! What the scheduler asks of the database: which sessions are due, and performing their
//! transitions exactly once however many instances ask at the same moment.

use crate::questions::{next_question_due, release_next_in};

use crate::sessions::{Transitioned, transition_in};
use crate::stream::StoredMessage;
use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One thing the scheduler did.
#[derive(Debug, Clone)]
pub enum Done {
    Transition(Transitioned),
    /// A planned question went out into the stream.
    Question(StoredMessage),
}

impl Database {
    /// Claims up to `limit` sessions with something due at `now` (a lifecycle transition or a
    /// planned question) and performs it, in one transaction. Rows another instance is working
    /// on are skipped (`SKIP LOCKED`), and each step re-checks the session under its lock, so
    /// each happens once.
    pub async fn run_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Done>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let due: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM sessions WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut done = Vec::with_capacity(due.len());
        for id in due {
            let (status, timetable) = {
                let session = sqlx::query_as::<_, crate::sessions::Session>(&format!(
                    "{} WHERE s.id = $1",
                    crate::sessions::SESSION_SELECT
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                (session.status(), session.timetable())
            };
            let question_due = if status == tweetchat_domain::SessionStatus::Live {
                next_question_due(&mut tx, id).await?
            } else {
                None
            };
            let due = timetable.next_due(status);
            // A question due before the lifecycle's next step goes first (a session closing at
            // 21:00 still releases the question planned for 20:55).
            if question_due.is_some_and(|at| at <= now && due.is_none_or(|(_, next)| at <= next)) {
                if let Some(message) = release_next_in(&mut tx, id, None, now).await? {
                    done.push(Done::Question(message));
                }
                continue;
            }
            let Some((action, _)) = due.filter(|(_, at)| *at <= now) else {
                // The stored instant was stale (edited by hand, say): correct it, so the
                // scheduler does not wake for nothing again.
                crate::questions::refresh_next_due(&mut tx, id).await?;
                continue;
            };
            done.push(Done::Transition(transition_in(&mut tx, id, action, now).await?));
        }
        tx.commit().await?;
        Ok(done)
    }

    /// When the next transition of any session falls due.
    pub async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, StorageError> {
        Ok(sqlx::query_scalar("SELECT min(next_due_at) FROM sessions").fetch_one(&self.pool).await?)
    }
}
