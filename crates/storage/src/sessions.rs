//! Sessions: one dated occurrence of a series, and the transitions of its lifecycle.

use crate::stream::{StoredEvent, insert_events, lock_session};
use crate::{Database, StorageError};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tweetchat_domain::lifecycle::Timetable;
use tweetchat_domain::{SessionAction, SessionStatus};
use uuid::Uuid;

/// A session with its series' hashtag, as every reader needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub id: Uuid,
    pub series_id: Uuid,
    pub hashtag: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub status: SessionStatusColumn,
    pub lobby_lead_seconds: i32,
    pub archive_grace_seconds: i32,
    pub next_due_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub last_seq: i64,
    pub allow_viewers: bool,
    /// The series' home time zone (IANA name).
    pub time_zone: String,
}

/// The status column, parsed; an unknown value in the database is an error, not a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStatusColumn(pub SessionStatus);

impl TryFrom<String> for SessionStatusColumn {
    type Error = tweetchat_domain::DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse().map(SessionStatusColumn)
    }
}

impl Session {
    pub fn status(&self) -> SessionStatus {
        self.status.0
    }

    pub fn timetable(&self) -> Timetable {
        Timetable {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            lobby_lead: Duration::seconds(i64::from(self.lobby_lead_seconds)),
            archive_grace: Duration::seconds(i64::from(self.archive_grace_seconds)),
        }
    }
}

/// A host's change to when a session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retime {
    /// A live session runs this many minutes longer.
    Extend { minutes: i64 },
    /// A closed session (not yet archived) is live again, until this many minutes from now.
    Reopen { minutes: i64 },
}

/// A validated request to schedule a session.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub series_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub lobby_lead: Duration,
    pub archive_grace: Duration,
}

pub(crate) const SESSION_SELECT: &str = "SELECT s.id, s.series_id, r.hashtag, s.title, s.starts_at, s.ends_at, s.status,
        s.lobby_lead_seconds, s.archive_grace_seconds, s.next_due_at, s.started_at, s.closed_at, s.archived_at, s.last_seq,
        r.allow_viewers, r.time_zone
   FROM sessions s JOIN series r ON r.id = s.series_id";

/// What a transition changed: the session as it is now and the stream event announcing it.
#[derive(Debug, Clone)]
pub struct Transitioned {
    pub session: Session,
    pub event: StoredEvent,
}

impl Database {
    pub async fn create_session(&self, new: &NewSession) -> Result<Session, StorageError> {
        let timetable = Timetable {
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            lobby_lead: new.lobby_lead,
            archive_grace: new.archive_grace,
        };
        let next_due = timetable.next_due(SessionStatus::Scheduled).map(|(_, at)| at);
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO sessions (id, series_id, title, starts_at, ends_at, lobby_lead_seconds, archive_grace_seconds, next_due_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(new.series_id)
        .bind(&new.title)
        .bind(new.starts_at)
        .bind(new.ends_at)
        .bind(i32::try_from(new.lobby_lead.num_seconds()).unwrap_or(i32::MAX))
        .bind(i32::try_from(new.archive_grace.num_seconds()).unwrap_or(i32::MAX))
        .bind(next_due)
        .execute(&self.pool)
        .await?;
        self.session(id).await
    }

    pub async fn session(&self, id: Uuid) -> Result<Session, StorageError> {
        let session = sqlx::query_as::<_, Session>(&format!("{SESSION_SELECT} WHERE s.id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(session)
    }

    /// Sessions of a status, soonest first (for listings of live and upcoming chats).
    pub async fn sessions_with_status(&self, statuses: &[&str], limit: i64) -> Result<Vec<Session>, StorageError> {
        let rows = sqlx::query_as::<_, Session>(&format!(
            "{SESSION_SELECT} WHERE s.status = ANY($1) ORDER BY s.starts_at LIMIT $2"
        ))
        .bind(statuses)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// A host's change to a live or closed session's timing: extend it, or reopen it (within
    /// the grace period before it is archived) until `minutes` from now. Broadcast as a
    /// `session_state` entry with the new end; the "minutes left" notice moves with the end.
    /// An end that would overlap the series' next session is a conflict.
    pub async fn retime(&self, id: Uuid, change: Retime, now: DateTime<Utc>) -> Result<Transitioned, StorageError> {
        let mut tx = self.pool.begin().await?;
        let transitioned = match change {
            Retime::Reopen { minutes } => {
                transition_to_end(&mut tx, id, SessionAction::Reopen, now, Some(now + Duration::minutes(minutes)))
                    .await?
            }
            Retime::Extend { minutes } => {
                let locked = lock_session(&mut tx, id).await?;
                if locked.status != SessionStatus::Live {
                    return Err(tweetchat_domain::DomainError::Invalid {
                        field: "session",
                        reason: format!("only a live session can be extended; it is {}", locked.status),
                    }
                    .into());
                }
                let ends_at: DateTime<Utc> = sqlx::query_scalar(
                    "UPDATE sessions SET ends_at = ends_at + make_interval(mins => $2) WHERE id = $1 RETURNING ends_at",
                )
                .bind(id)
                .bind(i32::try_from(minutes).unwrap_or(i32::MAX))
                .fetch_one(&mut *tx)
                .await?;
                // The same basis as at the start, so notices already posted match and are not
                // posted again; only the "minutes left" moves.
                let basis: Option<DateTime<Utc>> =
                    sqlx::query_scalar("SELECT LEAST(started_at, starts_at) FROM sessions WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                crate::notices::plan_notices(&mut tx, id, basis.unwrap_or(now)).await?;
                crate::questions::refresh_next_due(&mut tx, id).await?;
                let payload = json!({ "status": "live", "ends_at": ends_at, "action": "extend" });
                let events =
                    insert_events(&mut tx, id, locked.last_seq, &[("session_state", None, payload)], now).await?;
                let event = events.into_iter().next().ok_or(StorageError::NotFound)?;
                let session = sqlx::query_as::<_, Session>(&format!("{SESSION_SELECT} WHERE s.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                Transitioned { session, event }
            }
        };
        tx.commit().await?;
        Ok(transitioned)
    }

    /// Applies `action` to a session, records when it happened and appends a `session_state`
    /// event to its stream, all in one transaction. Returns `Domain` if the action is not
    /// allowed from the session's current status (nothing is changed then).
    pub async fn transition(
        &self,
        id: Uuid,
        action: SessionAction,
        now: DateTime<Utc>,
    ) -> Result<Transitioned, StorageError> {
        let mut tx = self.pool.begin().await?;
        let transitioned = transition_in(&mut tx, id, action, now).await?;
        tx.commit().await?;
        Ok(transitioned)
    }
}

/// The body of [`Database::transition`], for callers that hold a transaction already (the
/// scheduler claims rows and transitions them in one).
pub(crate) async fn transition_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
    action: SessionAction,
    now: DateTime<Utc>,
) -> Result<Transitioned, StorageError> {
    transition_to_end(tx, id, action, now, None).await
}

/// [`transition_in`], moving the session's end to `new_end` when given (a reopen runs until a
/// new end).
async fn transition_to_end(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
    action: SessionAction,
    now: DateTime<Utc>,
    new_end: Option<DateTime<Utc>>,
) -> Result<Transitioned, StorageError> {
    let locked = lock_session(tx, id).await?;
    let session = sqlx::query_as::<_, Session>(&format!("{SESSION_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let next = session.status().apply(action)?;
    let mut timetable = session.timetable();
    // Ending early moves the end; starting early keeps the planned end.
    if action == SessionAction::Close && now < timetable.ends_at {
        timetable.ends_at = now.max(timetable.starts_at + Duration::seconds(1));
    }
    if let Some(end) = new_end {
        timetable.ends_at = end;
    }
    let stamp_column = match action {
        SessionAction::OpenLobby => "lobby_opened_at",
        SessionAction::Start | SessionAction::Reopen => "started_at",
        SessionAction::Close => "closed_at",
        SessionAction::Archive => "archived_at",
        SessionAction::Cancel => "cancelled_at",
    };
    sqlx::query(&format!("UPDATE sessions SET status = $2, ends_at = $3, {stamp_column} = $4 WHERE id = $1"))
        .bind(id)
        .bind(next.as_str())
        .bind(timetable.ends_at)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    if action == SessionAction::Start {
        crate::questions::schedule_questions(tx, id, now).await?;
    }
    if matches!(action, SessionAction::Start | SessionAction::Reopen) {
        // Reminders count from the planned start, as questions do (a late start after downtime
        // catches up); after a reopen, from now.
        let from = if action == SessionAction::Start { now.min(timetable.starts_at) } else { now };
        crate::notices::plan_notices(tx, id, from).await?;
    }
    if action == SessionAction::Archive {
        // In the archiving transaction: an archived session always has its figures.
        crate::archive::freeze_in(tx, id).await?;
    }
    crate::questions::refresh_next_due(tx, id).await?;
    let payload = json!({ "status": next.as_str(), "ends_at": timetable.ends_at, "action": action });
    let events = insert_events(tx, id, locked.last_seq, &[("session_state", None, payload)], now).await?;
    let event = events.into_iter().next().ok_or(StorageError::NotFound)?;
    let session = sqlx::query_as::<_, Session>(&format!("{SESSION_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(Transitioned { session, event })
}
