//! Audience questions: proposals participants make for a session, curated by moderators,
//! voted on, and promoted by hosts into the question plan. Moderators' actions are audited in
//! `moderation_log` in the same transaction.

use crate::moderation::{Audit, log_action};
use crate::questions::{Question, refresh_next_due};
use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use serde_json::json;
use tweetchat_domain::audience::AudienceQuestions;
use tweetchat_domain::{DomainError, SessionStatus};
use uuid::Uuid;

/// A proposal as stored, with its author's names.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Proposal {
    pub id: Uuid,
    pub session_id: Uuid,
    pub series_id: Uuid,
    pub author_id: Uuid,
    pub author_handle: String,
    pub author_display_name: String,
    pub text: String,
    pub anonymous: bool,
    /// `pending`, `approved`, `rejected` or `merged`.
    pub status: String,
    pub reason: String,
    pub merged_into: Option<Uuid>,
    pub original_text: Option<String>,
    pub votes: i32,
    pub answered_at: Option<DateTime<Utc>>,
    pub question_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Whether the person reading has voted for it (false when nobody is signed in).
    #[sqlx(default)]
    pub voted: bool,
}

impl Proposal {
    /// How a promoted question credits its author.
    pub fn credit(&self) -> String {
        if self.anonymous { "a participant".to_owned() } else { self.author_handle.clone() }
    }
}

const PROPOSAL_SELECT: &str = "SELECT p.id, p.session_id, s.series_id, p.author_id, u.handle AS author_handle,
        u.display_name AS author_display_name, p.text, p.anonymous, p.status, p.reason, p.merged_into, p.original_text,
        p.votes, p.answered_at, p.question_id, p.created_at,
        EXISTS (SELECT 1 FROM proposal_votes v WHERE v.proposal_id = p.id AND v.user_id = $2) AS voted
   FROM proposals p JOIN users u ON u.id = p.author_id JOIN sessions s ON s.id = p.session_id";

/// A moderator's decision on a pending proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject { reason: String },
}

fn refuse(field: &'static str, reason: impl Into<String>) -> StorageError {
    DomainError::Invalid { field, reason: reason.into() }.into()
}

/// The proposal, locked, if it belongs to `session_id`.
async fn locked(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: Uuid,
    id: Uuid,
) -> Result<Proposal, StorageError> {
    sqlx::query("SELECT 1 FROM proposals WHERE id = $1 AND session_id = $2 FOR UPDATE")
        .bind(id)
        .bind(session_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(sqlx::query_as(&format!("{PROPOSAL_SELECT} WHERE p.id = $1"))
        .bind(id)
        .bind(Uuid::nil())
        .fetch_one(&mut **tx)
        .await?)
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    proposal: &Proposal,
    actor_id: Uuid,
    action: &str,
    reason: &str,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let audit = Audit {
        series_id: proposal.series_id,
        session_id: Some(proposal.session_id),
        actor_id,
        action,
        message_id: None,
        target_user_id: Some(proposal.author_id),
        reason,
        details,
    };
    log_action(tx, audit, now).await
}

impl Database {
    pub async fn audience_questions(&self, series_id: Uuid) -> Result<AudienceQuestions, StorageError> {
        let setting: String = sqlx::query_scalar("SELECT audience_questions FROM series WHERE id = $1")
            .bind(series_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(AudienceQuestions::parse(&setting)?)
    }

    pub async fn set_audience_questions(
        &self,
        series_id: Uuid,
        setting: AudienceQuestions,
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE series SET audience_questions = $2 WHERE id = $1")
            .bind(series_id)
            .bind(setting.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// One proposal, as `reader` sees their vote.
    pub async fn proposal(&self, id: Uuid, reader: Option<Uuid>) -> Result<Proposal, StorageError> {
        Ok(sqlx::query_as(&format!("{PROPOSAL_SELECT} WHERE p.id = $1"))
            .bind(id)
            .bind(reader.unwrap_or_default())
            .fetch_one(&self.pool)
            .await?)
    }

    /// A session's proposals as `reader` may see them: approved ones (answered included) for
    /// everyone, plus their own pending and rejected ones; moderators see all. Most votes first,
    /// or oldest first with `by_time`.
    pub async fn proposals(
        &self,
        session_id: Uuid,
        reader: Option<Uuid>,
        moderator: bool,
        by_time: bool,
    ) -> Result<Vec<Proposal>, StorageError> {
        let order = if by_time { "p.created_at, p.id" } else { "p.votes DESC, p.created_at, p.id" };
        Ok(sqlx::query_as(&format!(
            "{PROPOSAL_SELECT} WHERE p.session_id = $1
                AND ($3 OR p.status = 'approved' OR (p.author_id = $2 AND p.status IN ('pending', 'rejected')))
              ORDER BY {order} LIMIT 1000"
        ))
        .bind(session_id)
        .bind(reader.unwrap_or_default())
        .bind(moderator)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A participant proposes a question (text already validated as a message).
    pub async fn propose(
        &self,
        session_id: Uuid,
        author_id: Uuid,
        text: &str,
        anonymous: bool,
        now: DateTime<Utc>,
    ) -> Result<Proposal, StorageError> {
        let mut tx = self.pool.begin().await?;
        let (status, setting): (String, String) = sqlx::query_as(
            "SELECT s.status, r.audience_questions FROM sessions s JOIN series r ON r.id = s.series_id
              WHERE s.id = $1 FOR SHARE OF s",
        )
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?;
        let status: SessionStatus = status.parse()?;
        let setting = AudienceQuestions::parse(&setting)?;
        if !setting.open_in(status) {
            let reason = match setting {
                AudienceQuestions::Off => "this series does not take questions from its audience".to_owned(),
                _ => format!(
                    "this series takes questions {} a session; this one is {status}",
                    match setting {
                        AudienceQuestions::Before => "before",
                        AudienceQuestions::During => "during",
                        _ => "before or during",
                    }
                ),
            };
            return Err(refuse("session", reason));
        }
        let id = Uuid::now_v7();
        sqlx::query("INSERT INTO proposals (id, session_id, author_id, text, anonymous, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(session_id)
            .bind(author_id)
            .bind(text)
            .bind(anonymous)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.proposal(id, Some(author_id)).await
    }

    /// Approves (visible to all) or rejects (its author is told the reason) a pending proposal.
    pub async fn decide_proposal(
        &self,
        session_id: Uuid,
        id: Uuid,
        actor_id: Uuid,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> Result<Proposal, StorageError> {
        let mut tx = self.pool.begin().await?;
        let proposal = locked(&mut tx, session_id, id).await?;
        if proposal.status != "pending" {
            return Err(refuse("proposal", format!("it was already {}", proposal.status)));
        }
        let (status, reason) = match decision {
            Decision::Approve => ("approved", ""),
            Decision::Reject { reason } => ("rejected", reason.as_str()),
        };
        sqlx::query("UPDATE proposals SET status = $2, reason = $3, decided_by = $4, decided_at = $5 WHERE id = $1")
            .bind(id)
            .bind(status)
            .bind(reason)
            .bind(actor_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let action = if status == "approved" { "proposal_approved" } else { "proposal_rejected" };
        audit(&mut tx, &proposal, actor_id, action, reason, json!({ "proposal_id": id }), now).await?;
        tx.commit().await?;
        self.proposal(id, None).await
    }

    /// A moderator rewords a proposal that is not in the plan yet; the author is told, the first
    /// wording is kept (`original_text`) and the change is audited with both.
    pub async fn edit_proposal(
        &self,
        session_id: Uuid,
        id: Uuid,
        actor_id: Uuid,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Proposal, StorageError> {
        let mut tx = self.pool.begin().await?;
        let proposal = locked(&mut tx, session_id, id).await?;
        if proposal.question_id.is_some() {
            return Err(refuse("proposal", "it is already in the question plan; edit the plan instead"));
        }
        if !matches!(proposal.status.as_str(), "pending" | "approved") {
            return Err(refuse("proposal", format!("a {} proposal cannot be edited", proposal.status)));
        }
        sqlx::query("UPDATE proposals SET text = $2, original_text = COALESCE(original_text, text) WHERE id = $1")
            .bind(id)
            .bind(text)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            &proposal,
            actor_id,
            "proposal_edited",
            "",
            json!({ "proposal_id": id, "from": proposal.text, "to": text }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.proposal(id, None).await
    }

    /// Merges a duplicate into another proposal of the session: the votes combine (once per
    /// person), the duplicate is `merged`. Returns the proposal merged into.
    pub async fn merge_proposal(
        &self,
        session_id: Uuid,
        from: Uuid,
        into: Uuid,
        actor_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Proposal, StorageError> {
        if from == into {
            return Err(refuse("into", "a proposal cannot be merged into itself"));
        }
        let mut tx = self.pool.begin().await?;
        let duplicate = locked(&mut tx, session_id, from).await?;
        let target = locked(&mut tx, session_id, into).await?;
        if !matches!(duplicate.status.as_str(), "pending" | "approved") || duplicate.question_id.is_some() {
            return Err(refuse("proposal", format!("a {} proposal cannot be merged", duplicate.status)));
        }
        if target.status != "approved" {
            return Err(refuse("into", "merge into an approved proposal"));
        }
        sqlx::query(
            "INSERT INTO proposal_votes (proposal_id, user_id, created_at)
             SELECT $2, user_id, created_at FROM proposal_votes WHERE proposal_id = $1 ON CONFLICT DO NOTHING",
        )
        .bind(from)
        .bind(into)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM proposal_votes WHERE proposal_id = $1").bind(from).execute(&mut *tx).await?;
        sqlx::query("UPDATE proposals SET status = 'merged', merged_into = $2, votes = 0, decided_by = $3, decided_at = $4 WHERE id = $1")
            .bind(from)
            .bind(into)
            .bind(actor_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE proposals SET votes = (SELECT count(*) FROM proposal_votes WHERE proposal_id = $1) WHERE id = $1",
        )
        .bind(into)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, &duplicate, actor_id, "proposal_merged", "", json!({ "proposal_id": from, "into": into }), now)
            .await?;
        tx.commit().await?;
        self.proposal(into, None).await
    }

    /// Votes for (or, `on: false`, withdraws a vote from) an approved proposal. Voting twice,
    /// or withdrawing a vote never given, is refused.
    pub async fn vote(
        &self,
        session_id: Uuid,
        id: Uuid,
        user_id: Uuid,
        on: bool,
        now: DateTime<Utc>,
    ) -> Result<Proposal, StorageError> {
        let mut tx = self.pool.begin().await?;
        let proposal = locked(&mut tx, session_id, id).await?;
        if proposal.status != "approved" {
            return Err(refuse(
                "proposal",
                format!("only approved proposals take votes; this one is {}", proposal.status),
            ));
        }
        let changed = if on {
            sqlx::query("INSERT INTO proposal_votes (proposal_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
        } else {
            sqlx::query("DELETE FROM proposal_votes WHERE proposal_id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
        };
        if changed.rows_affected() == 0 {
            return Err(StorageError::Conflict {
                constraint: if on { "proposal_votes_once".into() } else { "proposal_votes_none".into() },
            });
        }
        sqlx::query("UPDATE proposals SET votes = votes + $2 WHERE id = $1")
            .bind(id)
            .bind(if on { 1 } else { -1 })
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.proposal(id, Some(user_id)).await
    }

    /// A host puts an approved proposal into the session's plan, credited to its author: as the
    /// next question (`position: None`), or at `position` among the questions still planned,
    /// released by hand or `offset_minutes` after the start.
    pub async fn promote(
        &self,
        session_id: Uuid,
        id: Uuid,
        actor_id: Uuid,
        position: Option<i32>,
        offset_minutes: Option<i32>,
        now: DateTime<Utc>,
    ) -> Result<(Proposal, Question), StorageError> {
        let mut tx = self.pool.begin().await?;
        let locked_session = crate::stream::lock_session(&mut tx, session_id).await?;
        if locked_session.status.is_final() || locked_session.status == SessionStatus::Closed {
            return Err(refuse("session", format!("the session is {}; its plan is frozen", locked_session.status)));
        }
        let proposal = locked(&mut tx, session_id, id).await?;
        if proposal.status != "approved" {
            return Err(refuse(
                "proposal",
                format!("only approved proposals can be promoted; this one is {}", proposal.status),
            ));
        }
        if proposal.question_id.is_some() {
            return Err(refuse("proposal", "it is already in the question plan"));
        }
        // Planned questions come after every released or skipped one; count positions there.
        let (first_planned, last): (Option<i32>, i32) = sqlx::query_as(
            "SELECT min(position) FILTER (WHERE status = 'planned'), COALESCE(max(position), 0) FROM questions WHERE session_id = $1",
        )
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await?;
        let first_planned = first_planned.unwrap_or(last + 1);
        let at = match position {
            None => first_planned,
            Some(p) if p >= 1 && first_planned + p - 1 <= last + 1 => first_planned + p - 1,
            Some(_) => return Err(refuse("position", "must be from 1 to one more than the questions still planned")),
        };
        sqlx::query("UPDATE questions SET position = position + 1 WHERE session_id = $1 AND position >= $2")
            .bind(session_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        let (started_at, starts_at): (Option<DateTime<Utc>>, DateTime<Utc>) =
            sqlx::query_as("SELECT started_at, starts_at FROM sessions WHERE id = $1")
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
        let due = match (locked_session.status, started_at, offset_minutes) {
            (SessionStatus::Live, Some(started), Some(offset)) => {
                Some(started.min(starts_at) + chrono::Duration::minutes(i64::from(offset)))
            }
            _ => None,
        };
        let question_id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO questions (id, session_id, position, text, offset_minutes, due_at, credit) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(question_id)
        .bind(session_id)
        .bind(at)
        .bind(&proposal.text)
        .bind(offset_minutes)
        .bind(due)
        .bind(proposal.credit())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE proposals SET question_id = $2 WHERE id = $1")
            .bind(id)
            .bind(question_id)
            .execute(&mut *tx)
            .await?;
        refresh_next_due(&mut tx, session_id).await?;
        audit(&mut tx, &proposal, actor_id, "proposal_promoted", "", json!({ "proposal_id": id, "position": at }), now)
            .await?;
        tx.commit().await?;
        let question = self
            .questions(session_id)
            .await?
            .into_iter()
            .find(|q| q.id == question_id)
            .ok_or(StorageError::NotFound)?;
        Ok((self.proposal(id, None).await?, question))
    }

    /// Marks an approved proposal answered (it moves to the answered list) or restores it.
    pub async fn set_answered(
        &self,
        session_id: Uuid,
        id: Uuid,
        actor_id: Uuid,
        answered: bool,
        now: DateTime<Utc>,
    ) -> Result<Proposal, StorageError> {
        let mut tx = self.pool.begin().await?;
        let proposal = locked(&mut tx, session_id, id).await?;
        if proposal.status != "approved" {
            return Err(refuse(
                "proposal",
                format!("only approved proposals can be answered; this one is {}", proposal.status),
            ));
        }
        sqlx::query("UPDATE proposals SET answered_at = $2 WHERE id = $1")
            .bind(id)
            .bind(answered.then_some(now))
            .execute(&mut *tx)
            .await?;
        let action = if answered { "proposal_answered" } else { "proposal_restored" };
        audit(&mut tx, &proposal, actor_id, action, "", json!({ "proposal_id": id }), now).await?;
        tx.commit().await?;
        self.proposal(id, None).await
    }
}
