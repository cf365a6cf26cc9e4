//! Sessions: read one, list live and upcoming ones, run them, read their transcript.

use super::{JsonBody, Path, Query};
use crate::auth::{MaybeSignedIn, SignedIn};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tweetchat_domain::{Role, SessionAction};
use tweetchat_hub::render;
use tweetchat_protocol::MessageView;
use tweetchat_storage::sessions::{Retime, Session};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetail {
    pub id: Uuid,
    pub series_id: Uuid,
    /// The series' hashtag as the host typed it.
    pub hashtag: String,
    pub title: String,
    /// `scheduled`, `lobby`, `live`, `closed`, `archived` or `cancelled`.
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The series' home time zone (IANA name): the zone the host announced the chat in.
    pub time_zone: String,
    /// `starts_at` on the wall clock of `time_zone`, e.g. `2026-12-03T20:00:00+00:00`.
    pub local_starts_at: String,
    /// The newest position in the session's stream.
    pub last_seq: i64,
    /// Path of the websocket for the live stream.
    pub live_path: String,
}

impl From<&Session> for SessionDetail {
    fn from(s: &Session) -> Self {
        SessionDetail {
            id: s.id,
            series_id: s.series_id,
            hashtag: s.hashtag.clone(),
            title: s.title.clone(),
            status: s.status().as_str().to_owned(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            time_zone: s.time_zone.clone(),
            local_starts_at: match s.time_zone.parse::<chrono_tz::Tz>() {
                Ok(tz) => s.starts_at.with_timezone(&tz).to_rfc3339(),
                Err(_) => s.starts_at.to_rfc3339(),
            },
            last_seq: s.last_seq,
            live_path: format!("/api/v1/sessions/{}/live", s.id),
        }
    }
}

/// One session.
#[utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "sessions", params(("id" = Uuid, Path)),
    responses((status = 200, body = SessionDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(id): Path<Uuid>) -> Result<Json<SessionDetail>, ApiError> {
    let session = state.db.session(id).await.map_err(ApiError::from_storage("session"))?;
    Ok(Json(SessionDetail::from(&session)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `live` (lobby and live sessions) or `upcoming` (scheduled); default both.
    pub status: Option<String>,
}

/// Sessions that are live now or coming up, soonest first.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", params(ListQuery), responses((status = 200, body = [SessionDetail])))]
pub async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<SessionDetail>>, ApiError> {
    let statuses: &[&str] = match query.status.as_deref() {
        None => &["lobby", "live", "scheduled"],
        Some("live") => &["lobby", "live"],
        Some("upcoming") => &["scheduled"],
        Some(other) => {
            return Err(ApiError::Invalid(format!("status: {other:?} is not one of live, upcoming")));
        }
    };
    let sessions = state.db.sessions_with_status(statuses, 200).await?;
    Ok(Json(sessions.iter().map(SessionDetail::from).collect()))
}

/// Start a session now (hosts), from scheduled or lobby.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/start", tag = "sessions", params(("id" = Uuid, Path)),
    responses((status = 200, body = SessionDetail), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn start(state: State<AppState>, caller: SignedIn, id: Path<Uuid>) -> Result<Json<SessionDetail>, ApiError> {
    transition(state, caller, id, SessionAction::Start).await
}

/// End a live session now (hosts).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/end", tag = "sessions", params(("id" = Uuid, Path)),
    responses((status = 200, body = SessionDetail), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn end(state: State<AppState>, caller: SignedIn, id: Path<Uuid>) -> Result<Json<SessionDetail>, ApiError> {
    transition(state, caller, id, SessionAction::Close).await
}

/// Cancel a session that has not started (hosts). It stays listed as cancelled; its time slot
/// is free again.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/cancel", tag = "sessions", params(("id" = Uuid, Path)),
    responses((status = 200, body = SessionDetail), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel(state: State<AppState>, caller: SignedIn, id: Path<Uuid>) -> Result<Json<SessionDetail>, ApiError> {
    transition(state, caller, id, SessionAction::Cancel).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Minutes {
    /// 1 to 240.
    pub minutes: i64,
}

/// Extend a live session by some minutes (hosts). The "minutes left" notice moves with the end.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/extend", tag = "sessions", params(("id" = Uuid, Path)), request_body = Minutes,
    responses((status = 200, body = SessionDetail), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn extend(
    state: State<AppState>,
    caller: SignedIn,
    id: Path<Uuid>,
    JsonBody(body): JsonBody<Minutes>,
) -> Result<Json<SessionDetail>, ApiError> {
    retime(state, caller, id, Retime::Extend { minutes: minutes(body.minutes)? }).await
}

/// Reopen a closed session for some more minutes (hosts), within its grace period: until it is
/// archived.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/reopen", tag = "sessions", params(("id" = Uuid, Path)), request_body = Minutes,
    responses((status = 200, body = SessionDetail), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn reopen(
    state: State<AppState>,
    caller: SignedIn,
    id: Path<Uuid>,
    JsonBody(body): JsonBody<Minutes>,
) -> Result<Json<SessionDetail>, ApiError> {
    retime(state, caller, id, Retime::Reopen { minutes: minutes(body.minutes)? }).await
}

fn minutes(minutes: i64) -> Result<i64, ApiError> {
    if (1..=240).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(ApiError::Invalid("minutes: must be between 1 and 240".into()))
    }
}

async fn retime(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
    change: Retime,
) -> Result<Json<SessionDetail>, ApiError> {
    let session = state.db.session(id).await.map_err(ApiError::from_storage("session"))?;
    require_role(&state, session.series_id, &caller, Role::Host).await?;
    let retimed = state.db.retime(id, change, Utc::now()).await?;
    state.hub.publish_transition(&retimed).await;
    state.schedule_changed.notify_one();
    Ok(Json(SessionDetail::from(&retimed.session)))
}

async fn transition(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
    action: SessionAction,
) -> Result<Json<SessionDetail>, ApiError> {
    let session = state.db.session(id).await.map_err(ApiError::from_storage("session"))?;
    require_role(&state, session.series_id, &caller, Role::Host).await?;
    let transitioned = state.db.transition(id, action, Utc::now()).await?;
    state.hub.publish_transition(&transitioned).await;
    state.schedule_changed.notify_one();
    Ok(Json(SessionDetail::from(&transitioned.session)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TranscriptQuery {
    /// Return messages after this `seq` (for the next page: the previous page's `next_after`).
    pub after: Option<i64>,
    /// At most this many messages, 1 to 1000; default 200.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Transcript {
    pub session: SessionDetail,
    /// Visible messages in stream order.
    pub messages: Vec<MessageView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// A session's transcript, in stream order, a page at a time. Hidden messages are left out.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/transcript", tag = "sessions", params(("id" = Uuid, Path), TranscriptQuery),
    responses((status = 200, body = Transcript), (status = 404, body = crate::error::ErrorBody)))]
pub async fn transcript(
    State(state): State<AppState>,
    MaybeSignedIn(user): MaybeSignedIn,
    Path(id): Path<Uuid>,
    Query(query): Query<TranscriptQuery>,
) -> Result<Json<Transcript>, ApiError> {
    let session = state.db.session(id).await.map_err(ApiError::from_storage("session"))?;
    if user.is_none() && !session.allow_viewers {
        return Err(ApiError::Unauthenticated);
    }
    let limit = query.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::Invalid("limit: must be between 1 and 1000".into()));
    }
    let after = query.after.unwrap_or(0).max(0);
    let rows = state.db.transcript(id, after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let messages: Vec<MessageView> =
        rows.iter().take(usize::try_from(limit).unwrap_or(0)).map(render::message_view).collect();
    let next_after = if more { messages.last().map(|m| m.seq) } else { None };
    Ok(Json(Transcript { session: SessionDetail::from(&session), messages, next_after }))
}

/// Refuses unless the caller has at least `needed` in the series.
pub(crate) async fn require_role(
    state: &AppState,
    series_id: Uuid,
    caller: &SignedIn,
    needed: Role,
) -> Result<Role, ApiError> {
    let role = caller.role_in(state, series_id).await?;
    if role >= needed { Ok(role) } else { Err(ApiError::Forbidden("only the series' hosts may do this")) }
}
