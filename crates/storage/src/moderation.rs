//! Moderation: a series' rules, hiding and pinning messages, muting and banning people, the hold
//! queue, reports and the moderators' back channel. Every moderator action writes its row in
//! `moderation_log` in the same transaction as the action, so the audit cannot miss one.

use crate::stream::{
    InsertRows, MESSAGE_SELECT, StoredEvent, StoredMessage, insert_events, lock_session, stored_instant,
};
use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tweetchat_domain::moderation::HoldPolicy;
use tweetchat_domain::{DomainError, SessionStatus};
use uuid::Uuid;

/// A series' moderation rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRules {
    pub hold_policy: HoldPolicy,
    /// Lower-cased words and phrases; posts containing one are held.
    pub blocked_terms: Vec<String>,
    /// At most one post per this many seconds per participant; 0: off.
    pub slow_mode_seconds: u32,
}

/// A change to one message, by a moderator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAction {
    Hide,
    Unhide,
    Pin,
    Unpin,
}

impl MessageAction {
    fn event_kind(self) -> &'static str {
        match self {
            MessageAction::Hide => "hidden",
            MessageAction::Unhide => "unhidden",
            MessageAction::Pin => "pinned",
            MessageAction::Unpin => "unpinned",
        }
    }
}

/// What a message action appended to the stream.
#[derive(Debug, Clone)]
pub struct Moderated {
    pub event: StoredEvent,
    /// The message as it is now.
    pub message: StoredMessage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestrictionKind {
    Mute,
    Ban,
}

impl RestrictionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RestrictionKind::Mute => "mute",
            RestrictionKind::Ban => "ban",
        }
    }

    /// `mute` or `ban`; anything else is `None`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "mute" => Some(RestrictionKind::Mute),
            "ban" => Some(RestrictionKind::Ban),
            _ => None,
        }
    }
}

/// A mute or ban in force.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Restriction {
    pub series_id: Uuid,
    pub user_id: Uuid,
    pub handle: String,
    pub kind: String,
    /// `None`: until lifted.
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl Restriction {
    pub fn kind(&self) -> RestrictionKind {
        // The column's CHECK admits only the two names.
        RestrictionKind::from_name(&self.kind).unwrap_or(RestrictionKind::Mute)
    }
}

/// A post waiting for (or decided by) a moderator.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HeldPost {
    pub id: Uuid,
    pub session_id: Uuid,
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
    pub held_because: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub reason: String,
    pub message_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub(crate) const HELD_SELECT: &str = "SELECT h.id, h.session_id, h.author_id, u.handle AS author_handle,
        u.display_name AS author_display_name, h.client_id, h.text, h.reply_to, h.quote_of, h.answers_question,
        h.hashtags, h.mentions, h.held_because, h.status, h.reason, h.message_id, h.created_at
   FROM held_posts h JOIN users u ON u.id = h.author_id";

/// A participant's flag on a message.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Report {
    pub id: Uuid,
    pub session_id: Uuid,
    pub message_id: Uuid,
    pub reporter_id: Uuid,
    pub reporter_handle: String,
    pub reason: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A message of the moderators' back channel.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BackchannelMessage {
    pub id: Uuid,
    pub session_id: Uuid,
    pub author_id: Uuid,
    pub author_handle: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// One line of the audit.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LoggedAction {
    pub id: Uuid,
    pub session_id: Option<Uuid>,
    pub actor_id: Uuid,
    pub actor_handle: String,
    pub action: String,
    pub message_id: Option<Uuid>,
    pub target_user_id: Option<Uuid>,
    pub reason: String,
    pub details: Value,
    pub created_at: DateTime<Utc>,
}

/// Who did what to what, for [`log_action`].
pub(crate) struct Audit<'a> {
    pub series_id: Uuid,
    pub session_id: Option<Uuid>,
    pub actor_id: Uuid,
    pub action: &'a str,
    pub message_id: Option<Uuid>,
    pub target_user_id: Option<Uuid>,
    pub reason: &'a str,
    pub details: Value,
}

pub(crate) async fn log_action(
    conn: &mut sqlx::PgConnection,
    audit: Audit<'_>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO moderation_log (id, series_id, session_id, actor_id, action, message_id, target_user_id, reason, details, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(Uuid::now_v7())
    .bind(audit.series_id)
    .bind(audit.session_id)
    .bind(audit.actor_id)
    .bind(audit.action)
    .bind(audit.message_id)
    .bind(audit.target_user_id)
    .bind(audit.reason)
    .bind(audit.details)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

async fn series_of_session(conn: &mut sqlx::PgConnection, session_id: Uuid) -> Result<Uuid, StorageError> {
    Ok(sqlx::query_scalar("SELECT series_id FROM sessions WHERE id = $1").bind(session_id).fetch_one(conn).await?)
}

impl Database {
    /// The messages of a session hidden now.
    pub async fn hidden_message_ids(&self, session_id: Uuid) -> Result<Vec<Uuid>, StorageError> {
        Ok(sqlx::query_scalar("SELECT id FROM messages WHERE session_id = $1 AND hidden_at IS NOT NULL")
            .bind(session_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// One held post, whatever its status.
    pub async fn held_post(&self, held_id: Uuid) -> Result<HeldPost, StorageError> {
        Ok(sqlx::query_as(&format!("{HELD_SELECT} WHERE h.id = $1")).bind(held_id).fetch_one(&self.pool).await?)
    }

    /// One report.
    pub async fn report(&self, report_id: Uuid) -> Result<Report, StorageError> {
        Ok(sqlx::query_as(&format!("{REPORT_SELECT} WHERE r.id = $1")).bind(report_id).fetch_one(&self.pool).await?)
    }

    /// One message of a back channel.
    pub async fn backchannel_message(&self, id: Uuid) -> Result<BackchannelMessage, StorageError> {
        Ok(sqlx::query_as(&format!("{BACKCHANNEL_SELECT} WHERE b.id = $1")).bind(id).fetch_one(&self.pool).await?)
    }

    /// The mute or ban of a person in a series, if in force.
    pub async fn restriction(
        &self,
        series_id: Uuid,
        user_id: Uuid,
        kind: RestrictionKind,
        now: DateTime<Utc>,
    ) -> Result<Option<Restriction>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT r.series_id, r.user_id, u.handle, r.kind, r.until, r.reason, r.created_by, r.created_at
               FROM restrictions r JOIN users u ON u.id = r.user_id
              WHERE r.series_id = $1 AND r.user_id = $2 AND r.kind = $3 AND (r.until IS NULL OR r.until > $4)",
        )
        .bind(series_id)
        .bind(user_id)
        .bind(kind.as_str())
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A message's place in its stream.
    pub async fn message_seq(&self, message_id: Uuid) -> Result<i64, StorageError> {
        Ok(sqlx::query_scalar("SELECT seq FROM messages WHERE id = $1").bind(message_id).fetch_one(&self.pool).await?)
    }

    /// The messages of a session pinned now, oldest pin first.
    pub async fn pinned_messages(&self, session_id: Uuid) -> Result<Vec<StoredMessage>, StorageError> {
        Ok(sqlx::query_as(&format!(
            "{MESSAGE_SELECT} WHERE m.session_id = $1 AND m.pinned_at IS NOT NULL AND m.hidden_at IS NULL
              ORDER BY m.pinned_at LIMIT 50"
        ))
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn series_rules(&self, series_id: Uuid) -> Result<SeriesRules, StorageError> {
        let (policy, blocked_terms, slow): (String, Vec<String>, i32) =
            sqlx::query_as("SELECT hold_policy, blocked_terms, slow_mode_seconds FROM series WHERE id = $1")
                .bind(series_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(SeriesRules {
            hold_policy: HoldPolicy::parse(&policy)?,
            blocked_terms,
            slow_mode_seconds: u32::try_from(slow).unwrap_or_default(),
        })
    }

    /// Replaces a series' rules (already validated by the caller), audited.
    pub async fn set_series_rules(
        &self,
        series_id: Uuid,
        actor_id: Uuid,
        rules: &SeriesRules,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        let updated =
            sqlx::query("UPDATE series SET hold_policy = $2, blocked_terms = $3, slow_mode_seconds = $4 WHERE id = $1")
                .bind(series_id)
                .bind(rules.hold_policy.as_str())
                .bind(&rules.blocked_terms)
                .bind(i32::try_from(rules.slow_mode_seconds).unwrap_or(i32::MAX))
                .execute(&mut *tx)
                .await?;
        if updated.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        let details = json!({
            "hold_policy": rules.hold_policy.as_str(),
            "blocked_terms": rules.blocked_terms.len(),
            "slow_mode_seconds": rules.slow_mode_seconds,
        });
        let audit = Audit {
            series_id,
            session_id: None,
            actor_id,
            action: "rules_changed",
            message_id: None,
            target_user_id: None,
            reason: "",
            details,
        };
        log_action(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a host or moderator to a series, changes their role, or (`role: None`) removes them;
    /// removing someone who is not a member is `NotFound` and writes nothing.
    pub async fn set_series_member(
        &self,
        series_id: Uuid,
        actor_id: Uuid,
        user_id: Uuid,
        role: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        match role {
            Some(role) => {
                sqlx::query(
                    "INSERT INTO series_members (series_id, user_id, role) VALUES ($1, $2, $3)
                     ON CONFLICT (series_id, user_id) DO UPDATE SET role = EXCLUDED.role",
                )
                .bind(series_id)
                .bind(user_id)
                .bind(role)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                let removed = sqlx::query("DELETE FROM series_members WHERE series_id = $1 AND user_id = $2")
                    .bind(series_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                if removed.rows_affected() == 0 {
                    // Not a member: nothing to remove, nothing to audit.
                    return Err(StorageError::NotFound);
                }
            }
        }
        let audit = Audit {
            series_id,
            session_id: None,
            actor_id,
            action: if role.is_some() { "member_set" } else { "member_removed" },
            message_id: None,
            target_user_id: Some(user_id),
            reason: "",
            details: json!({ "role": role }),
        };
        log_action(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hides, unhides, pins or unpins a message of `session_id`, appends the matching event to
    /// the stream and audits it. `None` when the message is already in that state (nothing is
    /// written). A message of another session is `NotFound`.
    pub async fn moderate_message(
        &self,
        session_id: Uuid,
        message_id: Uuid,
        actor_id: Uuid,
        action: MessageAction,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Moderated>, StorageError> {
        let now = stored_instant(now);
        let mut tx = self.pool.begin().await?;
        let locked = lock_session(&mut tx, session_id).await?;
        let (column, set) = match action {
            MessageAction::Hide => ("hidden_at", true),
            MessageAction::Unhide => ("hidden_at", false),
            MessageAction::Pin => ("pinned_at", true),
            MessageAction::Unpin => ("pinned_at", false),
        };
        let condition = if set { "IS NULL" } else { "IS NOT NULL" };
        let value = if set { Some(now) } else { None };
        let changed = sqlx::query(&format!(
            "UPDATE messages SET {column} = $3 WHERE id = $1 AND session_id = $2 AND {column} {condition}"
        ))
        .bind(message_id)
        .bind(session_id)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        let message: StoredMessage = sqlx::query_as(&format!("{MESSAGE_SELECT} WHERE m.id = $1 AND m.session_id = $2"))
            .bind(message_id)
            .bind(session_id)
            .fetch_one(&mut *tx)
            .await?;
        if changed.rows_affected() == 0 {
            return Ok(None);
        }
        let payload = match action {
            MessageAction::Hide => json!({ "reason": reason }),
            _ => json!({}),
        };
        let mut events = insert_events(
            &mut tx,
            session_id,
            locked.last_seq,
            &[(action.event_kind(), Some(message_id), payload)],
            now,
        )
        .await?;
        let series_id = series_of_session(&mut tx, session_id).await?;
        let audit = Audit {
            series_id,
            session_id: Some(session_id),
            actor_id,
            action: action.event_kind(),
            message_id: Some(message_id),
            target_user_id: message.author_id,
            reason,
            details: json!({}),
        };
        log_action(&mut tx, audit, now).await?;
        tx.commit().await?;
        let mut event = events.pop().ok_or(StorageError::NotFound)?;
        if action == MessageAction::Unhide {
            event.message = Some(Box::new(message.clone()));
        }
        Ok(Some(Moderated { event, message }))
    }

    /// Mutes (until `until`) or bans (`until: None` means until lifted) a person in a series,
    /// replacing an earlier restriction of the same kind; audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn restrict(
        &self,
        series_id: Uuid,
        user_id: Uuid,
        kind: RestrictionKind,
        until: Option<DateTime<Utc>>,
        reason: &str,
        actor_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO restrictions (series_id, user_id, kind, until, reason, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (series_id, user_id, kind)
             DO UPDATE SET until = EXCLUDED.until, reason = EXCLUDED.reason, created_by = EXCLUDED.created_by,
                           created_at = EXCLUDED.created_at",
        )
        .bind(series_id)
        .bind(user_id)
        .bind(kind.as_str())
        .bind(until)
        .bind(reason)
        .bind(actor_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let audit = Audit {
            series_id,
            session_id: None,
            actor_id,
            action: kind.as_str(),
            message_id: None,
            target_user_id: Some(user_id),
            reason,
            details: json!({ "until": until }),
        };
        log_action(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lifts a mute or ban; `false` if there was none. Audited when something was lifted.
    pub async fn lift_restriction(
        &self,
        series_id: Uuid,
        user_id: Uuid,
        kind: RestrictionKind,
        actor_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let lifted = sqlx::query("DELETE FROM restrictions WHERE series_id = $1 AND user_id = $2 AND kind = $3")
            .bind(series_id)
            .bind(user_id)
            .bind(kind.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if lifted {
            let action = match kind {
                RestrictionKind::Mute => "unmute",
                RestrictionKind::Ban => "unban",
            };
            let audit = Audit {
                series_id,
                session_id: None,
                actor_id,
                action,
                message_id: None,
                target_user_id: Some(user_id),
                reason: "",
                details: json!({}),
            };
            log_action(&mut tx, audit, now).await?;
        }
        tx.commit().await?;
        Ok(lifted)
    }

    /// The mutes and bans in force in a series.
    pub async fn restrictions(&self, series_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Restriction>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT r.series_id, r.user_id, u.handle, r.kind, r.until, r.reason, r.created_by, r.created_at
               FROM restrictions r JOIN users u ON u.id = r.user_id
              WHERE r.series_id = $1 AND (r.until IS NULL OR r.until > $2)
              ORDER BY r.created_at DESC",
        )
        .bind(series_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether a person is banned from a series right now.
    pub async fn is_banned(&self, series_id: Uuid, user_id: Uuid, now: DateTime<Utc>) -> Result<bool, StorageError> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM restrictions WHERE series_id = $1 AND user_id = $2 AND kind = 'ban'
                              AND (until IS NULL OR until > $3))",
        )
        .bind(series_id)
        .bind(user_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Held posts of a session with this status, oldest first.
    pub async fn held_posts(&self, session_id: Uuid, status: &str) -> Result<Vec<HeldPost>, StorageError> {
        Ok(sqlx::query_as(&format!(
            "{HELD_SELECT} WHERE h.session_id = $1 AND h.status = $2 ORDER BY h.created_at, h.id LIMIT 1000"
        ))
        .bind(session_id)
        .bind(status)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Approves a pending post: it enters the stream now, with the next `seq`, as its author's
    /// post. Allowed while the session is live or closed (not yet archived).
    pub async fn approve_held(
        &self,
        session_id: Uuid,
        held_id: Uuid,
        actor_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(HeldPost, StoredMessage), StorageError> {
        let now = stored_instant(now);
        let mut tx = self.pool.begin().await?;
        let locked = lock_session(&mut tx, session_id).await?;
        if !matches!(locked.status, SessionStatus::Live | SessionStatus::Closed) {
            return Err(DomainError::Invalid {
                field: "session",
                reason: format!(
                    "held posts can be approved while the session is live or closed; it is {}",
                    locked.status
                ),
            }
            .into());
        }
        let held = pending_held(&mut tx, session_id, held_id).await?;
        let released = crate::stream::released_questions(&mut tx, session_id).await?;
        let seq = locked.last_seq + 1;
        let message = StoredMessage {
            id: Uuid::now_v7(),
            session_id,
            seq,
            kind: "post".into(),
            author_id: Some(held.author_id),
            author_handle: Some(held.author_handle.clone()),
            author_display_name: Some(held.author_display_name.clone()),
            client_id: Some(held.client_id.clone()),
            text: held.text.clone(),
            reply_to: held.reply_to,
            quote_of: held.quote_of,
            question_number: None,
            answers_question: held.answers_question,
            answers_unreleased: held.answers_question.is_some_and(|n| !released.contains(&n)),
            hashtags: held.hashtags.clone(),
            mentions: held.mentions.clone(),
            likes: 0,
            hidden_at: None,
            pinned_at: None,
            created_at: now,
            credit: None,
        };
        let mut rows = InsertRows::default();
        rows.push(&message);
        rows.insert_and_advance(&mut tx, session_id, now, seq).await?;
        let held = decide(&mut tx, held_id, "approved", actor_id, "", Some(message.id), now).await?;
        let series_id = series_of_session(&mut tx, session_id).await?;
        let audit = Audit {
            series_id,
            session_id: Some(session_id),
            actor_id,
            action: "approved",
            message_id: Some(message.id),
            target_user_id: Some(held.author_id),
            reason: "",
            details: json!({ "held_id": held_id, "held_because": held.held_because }),
        };
        log_action(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok((held, message))
    }

    /// Rejects a pending post: it never enters the stream; its author is told why.
    pub async fn reject_held(
        &self,
        session_id: Uuid,
        held_id: Uuid,
        actor_id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<HeldPost, StorageError> {
        let mut tx = self.pool.begin().await?;
        pending_held(&mut tx, session_id, held_id).await?;
        let held = decide(&mut tx, held_id, "rejected", actor_id, reason, None, now).await?;
        let series_id = series_of_session(&mut tx, session_id).await?;
        let audit = Audit {
            series_id,
            session_id: Some(session_id),
            actor_id,
            action: "rejected",
            message_id: None,
            target_user_id: Some(held.author_id),
            reason,
            details: json!({ "held_id": held_id, "held_because": held.held_because, "text": held.text }),
        };
        log_action(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(held)
    }

    /// A participant reports a visible message of a session; reporting twice is one report.
    pub async fn report_message(
        &self,
        session_id: Uuid,
        message_id: Uuid,
        reporter_id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Report, StorageError> {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE id = $1 AND session_id = $2 AND hidden_at IS NULL)",
        )
        .bind(message_id)
        .bind(session_id)
        .fetch_one(&self.pool)
        .await?;
        if !exists {
            return Err(StorageError::NotFound);
        }
        sqlx::query(
            "INSERT INTO reports (id, session_id, message_id, reporter_id, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (message_id, reporter_id) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(session_id)
        .bind(message_id)
        .bind(reporter_id)
        .bind(reason)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_as(&format!("{REPORT_SELECT} WHERE r.message_id = $1 AND r.reporter_id = $2"))
            .bind(message_id)
            .bind(reporter_id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Open reports of a session, oldest first.
    pub async fn open_reports(&self, session_id: Uuid) -> Result<Vec<Report>, StorageError> {
        Ok(sqlx::query_as(&format!(
            "{REPORT_SELECT} WHERE r.session_id = $1 AND r.resolved_at IS NULL ORDER BY r.created_at LIMIT 1000"
        ))
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Closes a report (the moderator acted on it, or decided not to); audited.
    pub async fn resolve_report(
        &self,
        session_id: Uuid,
        report_id: Uuid,
        actor_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        let message_id: Uuid = sqlx::query_scalar(
            "UPDATE reports SET resolved_by = $3, resolved_at = $4
              WHERE id = $1 AND session_id = $2 AND resolved_at IS NULL RETURNING message_id",
        )
        .bind(report_id)
        .bind(session_id)
        .bind(actor_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let series_id = series_of_session(&mut tx, session_id).await?;
        let audit = Audit {
            series_id,
            session_id: Some(session_id),
            actor_id,
            action: "report_resolved",
            message_id: Some(message_id),
            target_user_id: None,
            reason: "",
            details: json!({ "report_id": report_id }),
        };
        log_action(&mut tx, audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn post_backchannel(
        &self,
        session_id: Uuid,
        author_id: Uuid,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<BackchannelMessage, StorageError> {
        let id = Uuid::now_v7();
        sqlx::query("INSERT INTO backchannel_messages (id, session_id, author_id, text, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(session_id)
            .bind(author_id)
            .bind(text)
            .bind(stored_instant(now))
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_as(&format!("{BACKCHANNEL_SELECT} WHERE b.id = $1")).bind(id).fetch_one(&self.pool).await?)
    }

    /// The back channel of a session, oldest first (the newest 500).
    pub async fn backchannel(&self, session_id: Uuid) -> Result<Vec<BackchannelMessage>, StorageError> {
        let mut messages: Vec<BackchannelMessage> = sqlx::query_as(&format!(
            "{BACKCHANNEL_SELECT} WHERE b.session_id = $1 ORDER BY b.created_at DESC, b.id DESC LIMIT 500"
        ))
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        messages.reverse();
        Ok(messages)
    }

    /// The audit of a series, newest first.
    pub async fn moderation_log(&self, series_id: Uuid, limit: i64) -> Result<Vec<LoggedAction>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT l.id, l.session_id, l.actor_id, u.handle AS actor_handle, l.action, l.message_id, l.target_user_id,
                    l.reason, l.details, l.created_at
               FROM moderation_log l JOIN users u ON u.id = l.actor_id
              WHERE l.series_id = $1 ORDER BY l.created_at DESC, l.id DESC LIMIT $2",
        )
        .bind(series_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}

const REPORT_SELECT: &str =
    "SELECT r.id, r.session_id, r.message_id, r.reporter_id, u.handle AS reporter_handle, r.reason,
        r.resolved_at, r.created_at
   FROM reports r JOIN users u ON u.id = r.reporter_id";

const BACKCHANNEL_SELECT: &str =
    "SELECT b.id, b.session_id, b.author_id, u.handle AS author_handle, b.text, b.created_at
   FROM backchannel_messages b JOIN users u ON u.id = b.author_id";

/// The pending held post, locked; `NotFound` if it is not pending in this session.
async fn pending_held(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
    held_id: Uuid,
) -> Result<HeldPost, StorageError> {
    sqlx::query("SELECT 1 FROM held_posts WHERE id = $1 FOR UPDATE").bind(held_id).execute(&mut **tx).await?;
    let held: HeldPost = sqlx::query_as(&format!("{HELD_SELECT} WHERE h.id = $1 AND h.session_id = $2"))
        .bind(held_id)
        .bind(session_id)
        .fetch_one(&mut **tx)
        .await?;
    if held.status != "pending" {
        return Err(
            DomainError::Invalid { field: "held_post", reason: format!("it was already {}", held.status) }.into()
        );
    }
    Ok(held)
}

async fn decide(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    held_id: Uuid,
    status: &str,
    actor_id: Uuid,
    reason: &str,
    message_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<HeldPost, StorageError> {
    sqlx::query(
        "UPDATE held_posts SET status = $2, decided_by = $3, decided_at = $4, reason = $5, message_id = $6 WHERE id = $1",
    )
    .bind(held_id)
    .bind(status)
    .bind(actor_id)
    .bind(now)
    .bind(reason)
    .bind(message_id)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query_as(&format!("{HELD_SELECT} WHERE h.id = $1")).bind(held_id).fetch_one(&mut **tx).await?)
}
