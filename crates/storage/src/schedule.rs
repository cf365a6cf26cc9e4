//! What the scheduler asks of the database: which sessions are due, and performing their
//! transitions exactly once however many instances ask at the same moment.

use crate::sessions::{Transitioned, transition_in};
use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use uuid::Uuid;

impl Database {
    /// Claims up to `limit` sessions whose next transition is due at `now` and performs it, in
    /// one transaction. Rows another instance is working on are skipped (`SKIP LOCKED`), and a
    /// transition re-checks the session's status under its lock, so each happens once.
    pub async fn run_due_transitions(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Transitioned>, StorageError> {
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
            let (status, closed_at, timetable) = {
                let session = sqlx::query_as::<_, crate::sessions::Session>(&format!(
                    "{} WHERE s.id = $1",
                    crate::sessions::SESSION_SELECT
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                (session.status(), session.closed_at, session.timetable())
            };
            let due = timetable.next_due(status, closed_at);
            let Some((action, _)) = due.filter(|(_, at)| *at <= now) else {
                // The stored instant was stale (edited by hand, say): correct it, so the
                // scheduler does not wake for nothing again.
                sqlx::query("UPDATE sessions SET next_due_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(due.map(|(_, at)| at))
                    .execute(&mut *tx)
                    .await?;
                continue;
            };
            done.push(transition_in(&mut tx, id, action, now).await?);
        }
        tx.commit().await?;
        Ok(done)
    }

    /// When the next transition of any session falls due.
    pub async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, StorageError> {
        Ok(sqlx::query_scalar("SELECT min(next_due_at) FROM sessions")
            .fetch_one(&self.pool)
            .await?)
    }
}
