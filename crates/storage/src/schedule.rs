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
    /// A service notice (a reminder, "10 minutes left") went out into the stream.
    Notice(StoredMessage),
}

/// Looks at one session per claim at most this often (each look but the last drops a stale
/// notice, and a session has a handful at most).
const MAX_LOOKS: usize = 8;

// One value per claimed session, moved straight into the result: boxing would only allocate.
#[allow(clippy::large_enum_variant)]
enum Step {
    Did(Done),
    /// Nothing was due after all (the stored instant was stale and is now corrected).
    Nothing,
    /// Something was dropped; the session may have another step due.
    LookAgain,
}

/// Performs the first thing due for one claimed session.
async fn step(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Step, StorageError> {
    let session =
        sqlx::query_as::<_, crate::sessions::Session>(&format!("{} WHERE s.id = $1", crate::sessions::SESSION_SELECT))
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    let (status, timetable) = (session.status(), session.timetable());
    let (question_due, notice_due) = if status == tweetchat_domain::SessionStatus::Live {
        (next_question_due(tx, id).await?, crate::notices::next_notice_due(tx, id).await?)
    } else {
        (None, None)
    };
    let due = timetable.next_due(status);
    // A notice due before the next question and transition goes first ("10 minutes left"
    // before the close it announces).
    if notice_due
        .is_some_and(|at| at <= now && due.is_none_or(|(_, next)| at <= next) && question_due.is_none_or(|q| at <= q))
    {
        return Ok(match crate::notices::post_due_notice_in(tx, id, now).await? {
            Some(message) => Step::Did(Done::Notice(message)),
            None => Step::LookAgain,
        });
    }
    // A question due before the lifecycle's next step goes first (a session closing at 21:00
    // still releases the question planned for 20:55).
    if question_due.is_some_and(|at| at <= now && due.is_none_or(|(_, next)| at <= next)) {
        return Ok(match release_next_in(tx, id, None, now).await? {
            Some(message) => Step::Did(Done::Question(message)),
            None => Step::LookAgain,
        });
    }
    let Some((action, _)) = due.filter(|(_, at)| *at <= now) else {
        // The stored instant was stale (edited by hand, say): correct it, so the scheduler
        // does not wake for nothing again.
        crate::questions::refresh_next_due(tx, id).await?;
        return Ok(Step::Nothing);
    };
    Ok(Step::Did(Done::Transition(transition_in(tx, id, action, now).await?)))
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
            // One step per session and call; a step that turns out to be nothing (a stale
            // "minutes left" dropped after downtime) lets the session's next step go instead.
            for _ in 0..MAX_LOOKS {
                match step(&mut tx, id, now).await? {
                    Step::Did(step) => {
                        done.push(step);
                        break;
                    }
                    Step::Nothing => break,
                    Step::LookAgain => {}
                }
            }
        }
        tx.commit().await?;
        Ok(done)
    }

    /// When the next transition of any session falls due.
    pub async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, StorageError> {
        Ok(sqlx::query_scalar("SELECT min(next_due_at) FROM sessions").fetch_one(&self.pool).await?)
    }
}
