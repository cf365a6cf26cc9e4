//! A session's question plan: hosts prepare it, the scheduler (or a host) releases it.

use super::JsonBody;
use super::Path;
use super::sessions::require_role;
use crate::auth::{MaybeSignedIn, SignedIn};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tweetchat_domain::{MessageText, Role};
use tweetchat_storage::StorageError;
use tweetchat_storage::questions::{PlannedQuestion, Question};
use tweetchat_storage::sessions::Session;
use utoipa::ToSchema;
use uuid::Uuid;

/// Room left in a message for the `Q12: ` label.
const MAX_QUESTION_CHARS: usize = 270;

#[derive(Debug, Deserialize, ToSchema)]
pub struct QuestionInput {
    pub text: String,
    /// Minutes after the session goes live; absent: a host releases it by hand.
    pub offset_minutes: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanInput {
    /// The questions not yet released, in order. Released questions are kept as they are.
    pub questions: Vec<QuestionInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionView {
    pub id: Uuid,
    pub position: i32,
    pub text: String,
    pub offset_minutes: Option<i32>,
    /// `planned`, `released` or `skipped`.
    pub status: String,
    /// The `Q<n>` number once released.
    pub number: Option<i32>,
    pub message_id: Option<Uuid>,
    pub due_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    /// Released more than a minute after it was due (the server was down, say).
    pub released_late: bool,
    /// Promoted from an audience proposal: who asked it (`@handle`, or "a participant").
    pub credit: Option<String>,
}

impl From<Question> for QuestionView {
    fn from(q: Question) -> Self {
        QuestionView {
            id: q.id,
            position: q.position,
            text: q.text,
            offset_minutes: q.offset_minutes,
            status: q.status,
            number: q.number,
            message_id: q.message_id,
            due_at: q.due_at,
            released_at: q.released_at,
            released_late: q.released_late,
            credit: q.credit,
        }
    }
}

/// The plan. Hosts and moderators see all of it; everyone else sees released questions only.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/questions", tag = "questions", params(("id" = Uuid, Path)),
    responses((status = 200, body = [QuestionView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeSignedIn(user): MaybeSignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<QuestionView>>, ApiError> {
    let session = state.db.session(id).await.map_err(ApiError::from_storage("session"))?;
    let role = match &user {
        Some(user) => state.db.role_in_series(session.series_id, user.id).await?,
        None => Role::Viewer,
    };
    let questions = state.db.questions(id).await?;
    Ok(Json(
        questions
            .into_iter()
            .filter(|q| role.can_moderate() || q.status == "released")
            .map(QuestionView::from)
            .collect(),
    ))
}

/// Replace the questions not yet released (hosts).
#[utoipa::path(put, path = "/api/v1/sessions/{id}/questions", tag = "questions", params(("id" = Uuid, Path)), request_body = PlanInput,
    responses((status = 200, body = [QuestionView]), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
    JsonBody(body): JsonBody<PlanInput>,
) -> Result<Json<Vec<QuestionView>>, ApiError> {
    let session = host_session(&state, &caller, id).await?;
    let plan = body
        .questions
        .iter()
        .enumerate()
        .map(|(index, q)| validate(&session, q, &format!("questions[{index}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let questions = state.db.replace_plan(id, &plan).await?;
    state.schedule_changed.notify_one();
    Ok(Json(questions.into_iter().map(QuestionView::from).collect()))
}

/// Change a question not yet released (hosts); a released one is part of the record.
#[utoipa::path(patch, path = "/api/v1/sessions/{id}/questions/{question_id}", tag = "questions",
    params(("id" = Uuid, Path), ("question_id" = Uuid, Path)), request_body = QuestionInput,
    responses((status = 200, body = QuestionView), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, question_id)): Path<(Uuid, Uuid)>,
    JsonBody(body): JsonBody<QuestionInput>,
) -> Result<Json<QuestionView>, ApiError> {
    let session = host_session(&state, &caller, id).await?;
    let edit = validate(&session, &body, "question")?;
    let question = state.db.edit_question(id, question_id, &edit).await.map_err(|e| match e {
        StorageError::NotFound => ApiError::NotFound("question"),
        StorageError::Conflict { .. } => {
            ApiError::Conflict("question: released and skipped questions cannot be edited".into())
        }
        other => other.into(),
    })?;
    state.schedule_changed.notify_one();
    Ok(Json(question.into()))
}

/// Release the next planned question now (hosts).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/questions/release", tag = "questions", params(("id" = Uuid, Path)),
    responses((status = 200, body = tweetchat_protocol::MessageView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<tweetchat_protocol::MessageView>, ApiError> {
    host_session(&state, &caller, id).await?;
    let released = state.db.release_next_question(id, caller.user.id, Utc::now()).await.map_err(|e| match e {
        StorageError::Domain(d) => ApiError::Conflict(d.to_string()),
        other => other.into(),
    })?;
    let message = released
        .ok_or_else(|| ApiError::Conflict("questions: every planned question is released or skipped".into()))?;
    state.hub.publish_message(&message).await;
    state.schedule_changed.notify_one();
    Ok(Json(tweetchat_hub::render::message_view(&message)))
}

/// Skip the next planned question (hosts).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/questions/skip", tag = "questions", params(("id" = Uuid, Path)),
    responses((status = 200, body = QuestionView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn skip(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<QuestionView>, ApiError> {
    host_session(&state, &caller, id).await?;
    let skipped = state
        .db
        .skip_next_question(id)
        .await?
        .ok_or_else(|| ApiError::Conflict("questions: nothing left to skip".into()))?;
    state.schedule_changed.notify_one();
    Ok(Json(skipped.into()))
}

async fn host_session(state: &AppState, caller: &SignedIn, id: Uuid) -> Result<Session, ApiError> {
    let session = state.db.session(id).await.map_err(ApiError::from_storage("session"))?;
    require_role(state, session.series_id, caller, Role::Host).await?;
    Ok(session)
}

fn validate(session: &Session, input: &QuestionInput, field: &str) -> Result<PlannedQuestion, ApiError> {
    let text =
        MessageText::parse(&input.text, MAX_QUESTION_CHARS).map_err(|e| ApiError::Invalid(format!("{field}.{e}")))?;
    let length = (session.ends_at - session.starts_at).num_minutes();
    if let Some(offset) = input.offset_minutes
        && (offset < 0 || i64::from(offset) >= length)
    {
        return Err(ApiError::Invalid(format!(
            "{field}.offset_minutes: must be from 0 to {} (the session lasts {length} minutes)",
            length - 1
        )));
    }
    Ok(PlannedQuestion { text: text.into_string(), offset_minutes: input.offset_minutes })
}
