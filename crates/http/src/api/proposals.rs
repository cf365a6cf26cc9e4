//! Audience questions over HTTP: the series' setting, proposing, the moderators' queue
//! (approve, reject, edit, merge), votes, promotion into the plan, and answered. Every change
//! reaches live clients as a `proposal` frame (see `tweetchat_hub::control`).

use super::series::find as series;
use super::sessions::require_role;
use super::{JsonBody, OptionalJson, Path, Query};
use crate::auth::{MaybeSignedIn, SignedIn};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tweetchat_domain::audience::AudienceQuestions;
use tweetchat_domain::{MessageText, Role, moderation};
use tweetchat_hub::control::Control;
use tweetchat_hub::render::{self, Audience};
use tweetchat_protocol::ProposalView;
use tweetchat_storage::moderation::RestrictionKind;
use tweetchat_storage::proposals::{Decision, Proposal};
use tweetchat_storage::sessions::Session;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

async fn session(state: &AppState, id: Uuid) -> Result<Session, ApiError> {
    state.db.session(id).await.map_err(ApiError::from_storage("session"))
}

/// The proposal, if it belongs to this session (a proposal of another series is `404` here).
async fn proposal_here(state: &AppState, session_id: Uuid, id: Uuid) -> Result<Proposal, ApiError> {
    match state.db.proposal(id, None).await {
        Ok(p) if p.session_id == session_id => Ok(p),
        Ok(_) | Err(tweetchat_storage::StorageError::NotFound) => Err(ApiError::NotFound("proposal")),
        Err(e) => Err(e.into()),
    }
}

async fn changed(state: &AppState, proposal: &Proposal) {
    state.hub.broadcast_control(Control::Proposal { session: proposal.session_id, proposal: proposal.id }).await;
}

fn view(proposal: &Proposal, moderator: bool, reader: Option<Uuid>) -> ProposalView {
    let audience =
        if moderator || reader == Some(proposal.author_id) { Audience::Moderators } else { Audience::Public };
    render::proposal_view(proposal, audience)
}

// --- The series' setting -----------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AudienceSetting {
    /// `off`, `before` (from scheduling until the session goes live), `during` (while live) or
    /// `both`.
    pub audience_questions: String,
}

/// When a series takes questions from its audience.
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/audience-questions", tag = "audience questions",
    params(("hashtag" = String, Path)), responses((status = 200, body = AudienceSetting), (status = 404, body = crate::error::ErrorBody)))]
pub async fn setting(
    State(state): State<AppState>,
    Path(hashtag): Path<String>,
) -> Result<Json<AudienceSetting>, ApiError> {
    let series = series(&state, &hashtag).await?;
    let setting = state.db.audience_questions(series.id).await?;
    Ok(Json(AudienceSetting { audience_questions: setting.as_str().to_owned() }))
}

/// Turn audience questions on or off (hosts).
#[utoipa::path(put, path = "/api/v1/series/{hashtag}/audience-questions", tag = "audience questions",
    params(("hashtag" = String, Path)), request_body = AudienceSetting,
    responses((status = 200, body = AudienceSetting), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_setting(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
    JsonBody(body): JsonBody<AudienceSetting>,
) -> Result<Json<AudienceSetting>, ApiError> {
    let series = series(&state, &hashtag).await?;
    require_role(&state, series.id, &caller, Role::Host).await?;
    let setting = AudienceQuestions::parse(&body.audience_questions)?;
    state.db.set_audience_questions(series.id, setting).await?;
    Ok(Json(AudienceSetting { audience_questions: setting.as_str().to_owned() }))
}

// --- Reading and proposing ---------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `votes` (default: most votes first) or `time` (oldest first).
    pub sort: Option<String>,
}

/// A session's proposals: approved ones for everyone, your own pending and rejected ones, and
/// everything for moderators. Anonymous authors are shown only to moderators and themselves.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/proposals", tag = "audience questions",
    params(("id" = Uuid, Path), ListQuery), responses((status = 200, body = [ProposalView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeSignedIn(user): MaybeSignedIn,
    Path(id): Path<Uuid>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<ProposalView>>, ApiError> {
    let session = session(&state, id).await?;
    if user.is_none() && !session.allow_viewers {
        return Err(ApiError::Unauthenticated);
    }
    let by_time = match query.sort.as_deref() {
        None | Some("votes") => false,
        Some("time") => true,
        Some(other) => return Err(ApiError::Invalid(format!("sort: {other:?} is not one of votes, time"))),
    };
    let reader = user.as_ref().map(|u| u.id);
    let moderator = match &user {
        Some(user) => state.db.role_in_series(session.series_id, user.id).await?.can_moderate(),
        None => false,
    };
    let proposals = state.db.proposals(id, reader, moderator, by_time).await?;
    Ok(Json(proposals.iter().map(|p| view(p, moderator, reader)).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProposal {
    /// The question, with the same rules as a message.
    pub text: String,
    /// Hide your name from other participants (moderators still see it).
    #[serde(default)]
    pub anonymous: bool,
}

/// Propose a question (signed-in participants, when the series takes them). It waits for a
/// moderator; only you and the moderators see it until it is approved.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/proposals", tag = "audience questions",
    params(("id" = Uuid, Path)), request_body = NewProposal,
    responses((status = 201, body = ProposalView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
    JsonBody(body): JsonBody<NewProposal>,
) -> Result<(StatusCode, Json<ProposalView>), ApiError> {
    caller.require_post_scope()?;
    let session = session(&state, id).await?;
    let now = Utc::now();
    for kind in [RestrictionKind::Ban, RestrictionKind::Mute] {
        if state.db.restriction(session.series_id, caller.user.id, kind, now).await?.is_some() {
            return Err(ApiError::Forbidden("muted or banned people cannot propose questions"));
        }
    }
    let text = MessageText::parse(&body.text, state.hub.config().max_text_chars)?;
    state.hub.take_post_turn(caller.user.id).map_err(|_| ApiError::RateLimited)?;
    let proposal = state.db.propose(id, caller.user.id, text.as_str(), body.anonymous, now).await?;
    changed(&state, &proposal).await;
    Ok((StatusCode::CREATED, Json(view(&proposal, false, Some(caller.user.id)))))
}

// --- The moderators' queue -----------------------------------------------------------------

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionName {
    Approve,
    Reject,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Reason {
    /// For a rejection: shown to the author only.
    #[serde(default)]
    pub reason: String,
}

async fn moderator(state: &AppState, session: &Session, caller: &SignedIn) -> Result<(), ApiError> {
    if caller.role_in(state, session.series_id).await?.can_moderate() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only the series' moderators may do this"))
    }
}

/// Approve (visible to all) or reject (the author is told, with the reason) a pending proposal
/// (moderators).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/proposals/{proposal_id}/{decision}", tag = "audience questions",
    params(("id" = Uuid, Path), ("proposal_id" = Uuid, Path), ("decision" = DecisionName, Path)), request_body = Reason,
    responses((status = 200, body = ProposalView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, proposal_id, decision)): Path<(Uuid, Uuid, DecisionName)>,
    OptionalJson(body): OptionalJson<Reason>,
) -> Result<Json<ProposalView>, ApiError> {
    let session = session(&state, id).await?;
    moderator(&state, &session, &caller).await?;
    proposal_here(&state, id, proposal_id).await?;
    let decision = match decision {
        DecisionName::Approve => Decision::Approve,
        DecisionName::Reject => Decision::Reject { reason: moderation::reason(&body.reason)? },
    };
    let proposal = state.db.decide_proposal(id, proposal_id, caller.user.id, &decision, Utc::now()).await?;
    changed(&state, &proposal).await;
    Ok(Json(view(&proposal, true, None)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Reword {
    pub text: String,
}

/// Reword a proposal not yet in the plan (moderators). The author is told; the original
/// wording is kept for the author, the moderators and the audit log.
#[utoipa::path(patch, path = "/api/v1/sessions/{id}/proposals/{proposal_id}", tag = "audience questions",
    params(("id" = Uuid, Path), ("proposal_id" = Uuid, Path)), request_body = Reword,
    responses((status = 200, body = ProposalView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, proposal_id)): Path<(Uuid, Uuid)>,
    JsonBody(body): JsonBody<Reword>,
) -> Result<Json<ProposalView>, ApiError> {
    let session = session(&state, id).await?;
    moderator(&state, &session, &caller).await?;
    proposal_here(&state, id, proposal_id).await?;
    let text = MessageText::parse(&body.text, state.hub.config().max_text_chars)?;
    let proposal = state.db.edit_proposal(id, proposal_id, caller.user.id, text.as_str(), Utc::now()).await?;
    changed(&state, &proposal).await;
    Ok(Json(view(&proposal, true, None)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeInto {
    /// The approved proposal the duplicate's votes go to.
    pub into: Uuid,
}

/// Merge a duplicate into an approved proposal of the same session (moderators): the votes
/// combine, once per person. Answers the proposal merged into.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/proposals/{proposal_id}/merge", tag = "audience questions",
    params(("id" = Uuid, Path), ("proposal_id" = Uuid, Path)), request_body = MergeInto,
    responses((status = 200, body = ProposalView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, proposal_id)): Path<(Uuid, Uuid)>,
    JsonBody(body): JsonBody<MergeInto>,
) -> Result<Json<ProposalView>, ApiError> {
    let session = session(&state, id).await?;
    moderator(&state, &session, &caller).await?;
    let duplicate = proposal_here(&state, id, proposal_id).await?;
    proposal_here(&state, id, body.into).await?;
    let target = state.db.merge_proposal(id, proposal_id, body.into, caller.user.id, Utc::now()).await?;
    changed(&state, &duplicate).await;
    changed(&state, &target).await;
    Ok(Json(view(&target, true, None)))
}

// --- Votes, promotion, answered ------------------------------------------------------------

/// Vote for an approved proposal (signed-in participants; once each).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/proposals/{proposal_id}/vote", tag = "audience questions",
    params(("id" = Uuid, Path), ("proposal_id" = Uuid, Path)),
    responses((status = 200, body = ProposalView), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn vote(
    state: State<AppState>,
    caller: SignedIn,
    path: Path<(Uuid, Uuid)>,
) -> Result<Json<ProposalView>, ApiError> {
    set_vote(state, caller, path, true).await
}

/// Withdraw your vote.
#[utoipa::path(delete, path = "/api/v1/sessions/{id}/proposals/{proposal_id}/vote", tag = "audience questions",
    params(("id" = Uuid, Path), ("proposal_id" = Uuid, Path)),
    responses((status = 200, body = ProposalView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn unvote(
    state: State<AppState>,
    caller: SignedIn,
    path: Path<(Uuid, Uuid)>,
) -> Result<Json<ProposalView>, ApiError> {
    set_vote(state, caller, path, false).await
}

async fn set_vote(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, proposal_id)): Path<(Uuid, Uuid)>,
    on: bool,
) -> Result<Json<ProposalView>, ApiError> {
    caller.require_post_scope()?;
    let session = session(&state, id).await?;
    if state.db.is_banned(session.series_id, caller.user.id, Utc::now()).await? {
        return Err(ApiError::Forbidden("you are banned from this chat series"));
    }
    proposal_here(&state, id, proposal_id).await?;
    let proposal = state.db.vote(id, proposal_id, caller.user.id, on, Utc::now()).await?;
    changed(&state, &proposal).await;
    Ok(Json(view(&proposal, false, Some(caller.user.id))))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Promotion {
    /// Where among the questions still planned (1 = next); default: next.
    pub position: Option<i32>,
    /// Release it this many minutes after the start; default: by hand.
    pub offset_minutes: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Promoted {
    pub proposal: ProposalView,
    /// The plan entry, as in `GET /sessions/{id}/questions`.
    pub question_id: Uuid,
    pub position: i32,
}

/// Put an approved proposal into the session's question plan (hosts), credited to its author
/// when released as `Q<n>`.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/proposals/{proposal_id}/promote", tag = "audience questions",
    params(("id" = Uuid, Path), ("proposal_id" = Uuid, Path)), request_body = Promotion,
    responses((status = 200, body = Promoted), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn promote(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, proposal_id)): Path<(Uuid, Uuid)>,
    OptionalJson(body): OptionalJson<Promotion>,
) -> Result<Json<Promoted>, ApiError> {
    let session = session(&state, id).await?;
    require_role(&state, session.series_id, &caller, Role::Host).await?;
    proposal_here(&state, id, proposal_id).await?;
    if let Some(offset) = body.offset_minutes {
        let length = (session.ends_at - session.starts_at).num_minutes();
        if offset < 0 || i64::from(offset) >= length {
            return Err(ApiError::Invalid(format!(
                "offset_minutes: must be from 0 to {} (the session lasts {length} minutes)",
                length - 1
            )));
        }
    }
    let (proposal, question) =
        state.db.promote(id, proposal_id, caller.user.id, body.position, body.offset_minutes, Utc::now()).await?;
    state.schedule_changed.notify_one();
    changed(&state, &proposal).await;
    Ok(Json(Promoted { proposal: view(&proposal, true, None), question_id: question.id, position: question.position }))
}

/// Mark an approved proposal answered (moderators).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/proposals/{proposal_id}/answered", tag = "audience questions",
    params(("id" = Uuid, Path), ("proposal_id" = Uuid, Path)),
    responses((status = 200, body = ProposalView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn answered(
    state: State<AppState>,
    caller: SignedIn,
    path: Path<(Uuid, Uuid)>,
) -> Result<Json<ProposalView>, ApiError> {
    set_answered(state, caller, path, true).await
}

/// Restore an answered proposal to the open list (moderators).
#[utoipa::path(delete, path = "/api/v1/sessions/{id}/proposals/{proposal_id}/answered", tag = "audience questions",
    params(("id" = Uuid, Path), ("proposal_id" = Uuid, Path)),
    responses((status = 200, body = ProposalView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn unanswered(
    state: State<AppState>,
    caller: SignedIn,
    path: Path<(Uuid, Uuid)>,
) -> Result<Json<ProposalView>, ApiError> {
    set_answered(state, caller, path, false).await
}

async fn set_answered(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, proposal_id)): Path<(Uuid, Uuid)>,
    answered: bool,
) -> Result<Json<ProposalView>, ApiError> {
    let session = session(&state, id).await?;
    moderator(&state, &session, &caller).await?;
    proposal_here(&state, id, proposal_id).await?;
    let proposal = state.db.set_answered(id, proposal_id, caller.user.id, answered, Utc::now()).await?;
    changed(&state, &proposal).await;
    Ok(Json(view(&proposal, true, None)))
}
