//! Service notices in a live session's stream: the series' format reminder at set minutes, and
//! "N minutes left" before the end. They are planned when the session goes live (and again
//! when its end moves), and posted by the scheduler like questions: once, under the session
//! lock, caught up in order after downtime.

use crate::StorageError;
use crate::stream::{MESSAGE_SELECT, StoredMessage, lock_session, stored_instant};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// Plans a live session's notices from its series' settings, replacing any not yet posted.
/// Reminders count from `started_at`; the final notice from the session's current end.
pub(crate) async fn plan_notices(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
    started_at: DateTime<Utc>,
) -> Result<(), StorageError> {
    let (hashtag, ends_at, reminder_minutes, reminder_text, final_minutes): (
        String,
        DateTime<Utc>,
        Vec<i32>,
        String,
        i32,
    ) = sqlx::query_as(
        "SELECT r.hashtag, s.ends_at, r.reminder_minutes, r.reminder_text, r.final_notice_minutes
               FROM sessions s JOIN series r ON r.id = s.series_id WHERE s.id = $1",
    )
    .bind(session_id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM session_notices WHERE session_id = $1 AND posted_at IS NULL")
        .bind(session_id)
        .execute(&mut **tx)
        .await?;
    let mut notices: Vec<(&str, String, DateTime<Utc>)> = Vec::new();
    if !reminder_text.trim().is_empty() {
        for minutes in reminder_minutes {
            let due = started_at + Duration::minutes(i64::from(minutes));
            if due < ends_at {
                notices.push(("reminder", reminder_text.replace("{hashtag}", &hashtag), due));
            }
        }
    }
    let final_due = ends_at - Duration::minutes(i64::from(final_minutes));
    if final_minutes > 0 && final_due > started_at {
        notices.push(("final", final_text(final_minutes, &hashtag), final_due));
    }
    for (kind, text, due_at) in notices {
        // Re-planning after an extension must not repeat a notice already posted.
        sqlx::query(
            "INSERT INTO session_notices (id, session_id, kind, text, due_at)
             SELECT $1, $2, $3, $4, $5
              WHERE NOT EXISTS (SELECT 1 FROM session_notices WHERE session_id = $2 AND kind = $3 AND due_at = $5)",
        )
        .bind(Uuid::now_v7())
        .bind(session_id)
        .bind(kind)
        .bind(text)
        .bind(due_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn final_text(minutes: i32, hashtag: &str) -> String {
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!("{minutes} {unit} left in this {hashtag} chat: time for your last answers.")
}

/// The earliest notice not yet posted.
pub(crate) async fn next_notice_due(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
) -> Result<Option<DateTime<Utc>>, StorageError> {
    Ok(sqlx::query_scalar("SELECT min(due_at) FROM session_notices WHERE session_id = $1 AND posted_at IS NULL")
        .bind(session_id)
        .fetch_one(&mut **tx)
        .await?)
}

/// Posts the earliest notice due by `now` as a `notice` message (no author) with the next
/// `seq`. `None` if none is due or the session is not live.
pub(crate) async fn post_due_notice_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<StoredMessage>, StorageError> {
    let now = stored_instant(now);
    let locked = lock_session(tx, session_id).await?;
    if !locked.status.accepts_posts() {
        return Ok(None);
    }
    let due: Option<(Uuid, String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT n.id, n.kind, n.text, s.ends_at FROM session_notices n JOIN sessions s ON s.id = n.session_id
          WHERE n.session_id = $1 AND n.posted_at IS NULL AND n.due_at <= $2
          ORDER BY n.due_at LIMIT 1 FOR UPDATE OF n",
    )
    .bind(session_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((notice_id, kind, text, ends_at)) = due else { return Ok(None) };
    if kind == "final" && now >= ends_at {
        // Caught up after downtime past the end: "minutes left" would be untrue. Drop it.
        sqlx::query("UPDATE session_notices SET posted_at = $2 WHERE id = $1")
            .bind(notice_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        crate::questions::refresh_next_due(tx, session_id).await?;
        return Ok(None);
    }
    let seq = locked.last_seq + 1;
    let message_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO messages (id, session_id, seq, kind, text, hashtags, created_at)
         VALUES ($1, $2, $3, 'notice', $4, $5, $6)",
    )
    .bind(message_id)
    .bind(session_id)
    .bind(seq)
    .bind(&text)
    .bind(tweetchat_domain::extract_hashtags(&text))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE session_notices SET posted_at = $2, message_id = $3 WHERE id = $1")
        .bind(notice_id)
        .bind(now)
        .bind(message_id)
        .execute(&mut **tx)
        .await?;
    crate::notify::advance_stream(tx, session_id, seq).await?;
    crate::questions::refresh_next_due(tx, session_id).await?;
    Ok(Some(sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1")).bind(message_id).fetch_one(&mut **tx).await?))
}
