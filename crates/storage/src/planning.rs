//! Planning a series ahead: its recurring rule and the concrete sessions materialised from it,
//! moving one session, the notices it posts, and the sessions a calendar feed lists.

use crate::sessions::{SESSION_SELECT, Session};
use crate::{Database, StorageError};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use tweetchat_domain::DomainError;
use tweetchat_domain::recurrence::{Recurrence, parse_time_zone};
use uuid::Uuid;

/// How many upcoming sessions of a recurring series exist as rows at any time, so each can be
/// listed, moved or cancelled on its own.
pub const MATERIALISED_AHEAD: usize = 8;

/// A series' rule: which local wall-clock times its sessions start at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurrencePlan {
    pub rule: Recurrence,
    /// The first session's start on the series' local clock.
    pub first_local: NaiveDateTime,
}

/// What a series posts into its live sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSettings {
    /// Posted at each of `reminder_minutes` after the start; `{hashtag}` becomes the hashtag.
    pub reminder_text: String,
    pub reminder_minutes: Vec<i32>,
    /// "N minutes left" this long before the end; 0: never.
    pub final_notice_minutes: i32,
}

impl Database {
    pub async fn recurrence(&self, series_id: Uuid) -> Result<Option<RecurrencePlan>, StorageError> {
        let (rule, first_local): (Option<String>, Option<NaiveDateTime>) =
            sqlx::query_as("SELECT recurrence, recurrence_first_local FROM series WHERE id = $1")
                .bind(series_id)
                .fetch_one(&self.pool)
                .await?;
        match (rule, first_local) {
            (Some(rule), Some(first_local)) => {
                Ok(Some(RecurrencePlan { rule: Recurrence::parse(&rule)?, first_local }))
            }
            _ => Ok(None),
        }
    }

    /// Sets (or with `None` removes) a series' rule. Sessions already materialised stay: a host
    /// cancels the ones that should not happen.
    pub async fn set_recurrence(&self, series_id: Uuid, plan: Option<&RecurrencePlan>) -> Result<(), StorageError> {
        sqlx::query("UPDATE series SET recurrence = $2, recurrence_first_local = $3 WHERE id = $1")
            .bind(series_id)
            .bind(plan.map(|p| p.rule.to_rule()))
            .bind(plan.map(|p| p.first_local))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates the next [`MATERIALISED_AHEAD`] sessions of a recurring series that do not exist
    /// yet (an occurrence once created, even if moved or cancelled since, is not created
    /// again; one that would overlap a session already there is left out). Returns how many
    /// were created.
    pub async fn materialise(&self, series_id: Uuid, now: DateTime<Utc>) -> Result<u64, StorageError> {
        let Some(plan) = self.recurrence(series_id).await? else { return Ok(0) };
        let (time_zone, title, minutes): (String, String, i32) =
            sqlx::query_as("SELECT time_zone, title, default_duration_minutes FROM series WHERE id = $1")
                .bind(series_id)
                .fetch_one(&self.pool)
                .await?;
        let tz = parse_time_zone(&time_zone)?;
        let starts = plan.rule.occurrences(plan.first_local, tz, now, MATERIALISED_AHEAD);
        let duration = Duration::minutes(i64::from(minutes));
        let lobby = Duration::minutes(15);
        let mut created = 0;
        for starts_at in starts {
            // ON CONFLICT without a target also covers the exclusion constraint: overlaps are
            // skipped like occurrences that already exist.
            created += sqlx::query(
                "INSERT INTO sessions (id, series_id, title, starts_at, ends_at, lobby_lead_seconds, archive_grace_seconds,
                                       next_due_at, occurrence_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 900, $7, $4) ON CONFLICT DO NOTHING",
            )
            .bind(Uuid::now_v7())
            .bind(series_id)
            .bind(&title)
            .bind(starts_at)
            .bind(starts_at + duration)
            .bind(i32::try_from(lobby.num_seconds()).unwrap_or(900))
            .bind(starts_at - lobby)
            .execute(&self.pool)
            .await?
            .rows_affected();
        }
        Ok(created)
    }

    /// Series with a rule, for the scheduler's periodic materialisation.
    pub async fn recurring_series(&self) -> Result<Vec<Uuid>, StorageError> {
        Ok(sqlx::query_scalar("SELECT id FROM series WHERE recurrence IS NOT NULL").fetch_all(&self.pool).await?)
    }

    /// Moves or renames a session that has not opened yet. Overlapping another session of the
    /// series is a conflict on `sessions_no_overlap`.
    pub async fn reschedule(
        &self,
        id: Uuid,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        title: &str,
    ) -> Result<Session, StorageError> {
        let mut tx = self.pool.begin().await?;
        let status: String = sqlx::query_scalar("SELECT status FROM sessions WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if status != "scheduled" {
            return Err(DomainError::Invalid {
                field: "session",
                reason: format!("only a scheduled session can be moved; it is {status}"),
            }
            .into());
        }
        sqlx::query(
            "UPDATE sessions SET starts_at = $2, ends_at = $3, title = $4,
                    next_due_at = $2 - make_interval(secs => lobby_lead_seconds) WHERE id = $1",
        )
        .bind(id)
        .bind(starts_at)
        .bind(ends_at)
        .bind(title)
        .execute(&mut *tx)
        .await?;
        crate::questions::refresh_next_due(&mut tx, id).await?;
        tx.commit().await?;
        self.session(id).await
    }

    /// Sessions of a series starting in `[from, until)`, by start.
    pub async fn series_sessions(
        &self,
        series_id: Uuid,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Session>, StorageError> {
        Ok(sqlx::query_as(&format!(
            "{SESSION_SELECT} WHERE s.series_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3 ORDER BY s.starts_at LIMIT $4"
        ))
        .bind(series_id)
        .bind(from)
        .bind(until)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Sessions of every series starting in `[from, until)`, by start (the site's calendar).
    pub async fn sessions_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Session>, StorageError> {
        Ok(sqlx::query_as(&format!(
            "{SESSION_SELECT} WHERE s.starts_at >= $1 AND s.starts_at < $2 ORDER BY s.starts_at LIMIT $3"
        ))
        .bind(from)
        .bind(until)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn notice_settings(&self, series_id: Uuid) -> Result<NoticeSettings, StorageError> {
        let (reminder_text, reminder_minutes, final_notice_minutes) =
            sqlx::query_as("SELECT reminder_text, reminder_minutes, final_notice_minutes FROM series WHERE id = $1")
                .bind(series_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(NoticeSettings { reminder_text, reminder_minutes, final_notice_minutes })
    }

    /// Applies from the next session that goes live.
    pub async fn set_notice_settings(&self, series_id: Uuid, settings: &NoticeSettings) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE series SET reminder_text = $2, reminder_minutes = $3, final_notice_minutes = $4 WHERE id = $1",
        )
        .bind(series_id)
        .bind(&settings.reminder_text)
        .bind(&settings.reminder_minutes)
        .bind(settings.final_notice_minutes)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
