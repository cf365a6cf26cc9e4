//! Chat series and scheduling their sessions.

use super::JsonBody;
use super::Path;
use super::sessions::{SessionDetail, require_role};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tweetchat_domain::{Description, Hashtag, Role, Title};
use tweetchat_storage::series::{NewSeries, Series, SeriesDetails};
use tweetchat_storage::sessions::NewSession;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSeries {
    /// As it should be shown, e.g. `#WeNurses` (the `#` is optional).
    pub hashtag: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// An IANA time zone name; default `UTC`.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Default 60.
    #[serde(default = "sixty")]
    pub default_duration_minutes: i32,
    /// Whether people who are not signed in may watch; default true.
    #[serde(default = "yes")]
    pub allow_viewers: bool,
}

fn utc() -> String {
    "UTC".into()
}
fn sixty() -> i32 {
    60
}
fn yes() -> bool {
    true
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesView {
    pub id: Uuid,
    pub hashtag: String,
    pub title: String,
    pub description: String,
    pub time_zone: String,
    pub default_duration_minutes: i32,
    pub owner_id: Uuid,
    pub allow_viewers: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Series> for SeriesView {
    fn from(s: Series) -> Self {
        SeriesView {
            id: s.id,
            hashtag: s.hashtag,
            title: s.title,
            description: s.description,
            time_zone: s.time_zone,
            default_duration_minutes: s.default_duration_minutes,
            owner_id: s.owner_id,
            allow_viewers: s.allow_viewers,
            created_at: s.created_at,
        }
    }
}

/// Create a series; the caller owns it (an API token needs the `moderate` scope).
#[utoipa::path(post, path = "/api/v1/series", tag = "series", request_body = CreateSeries,
    responses((status = 201, body = SeriesView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: SignedIn,
    JsonBody(body): JsonBody<CreateSeries>,
) -> Result<(StatusCode, Json<SeriesView>), ApiError> {
    caller.require_moderate_scope()?;
    let hashtag = Hashtag::parse(&body.hashtag)?;
    let title = Title::parse(&body.title)?;
    let description = Description::parse(&body.description)?;
    if body.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(ApiError::Invalid(format!(
            "time_zone: {:?} is not an IANA time zone name (e.g. Europe/London)",
            body.time_zone
        )));
    }
    if !(5..=1440).contains(&body.default_duration_minutes) {
        return Err(ApiError::Invalid("default_duration_minutes: must be between 5 and 1440".into()));
    }
    let new = NewSeries {
        hashtag,
        title,
        description,
        time_zone: body.time_zone,
        default_duration_minutes: body.default_duration_minutes,
        owner_id: caller.user.id,
        allow_viewers: body.allow_viewers,
    };
    let series = state.db.create_series(&new).await?;
    Ok((StatusCode::CREATED, Json(series.into())))
}

/// A series by its hashtag (without `#`, any casing).
#[utoipa::path(get, path = "/api/v1/series/{hashtag}", tag = "series", params(("hashtag" = String, Path)),
    responses((status = 200, body = SeriesView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(hashtag): Path<String>) -> Result<Json<SeriesView>, ApiError> {
    Ok(Json(find(&state, &hashtag).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditSeries {
    pub title: Option<String>,
    pub description: Option<String>,
    /// An IANA time zone name. Sessions already scheduled keep their instants.
    pub time_zone: Option<String>,
    pub default_duration_minutes: Option<i32>,
    pub allow_viewers: Option<bool>,
}

/// Change a series' title, description, time zone, default duration or whether viewers may
/// watch (hosts). Fields left out stay; the hashtag never changes.
#[utoipa::path(patch, path = "/api/v1/series/{hashtag}", tag = "series", params(("hashtag" = String, Path)), request_body = EditSeries,
    responses((status = 200, body = SeriesView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
    JsonBody(body): JsonBody<EditSeries>,
) -> Result<Json<SeriesView>, ApiError> {
    let series = find(&state, &hashtag).await?;
    require_role(&state, series.id, &caller, Role::Host).await?;
    let title = match body.title {
        Some(title) => Title::parse(&title)?.as_str().to_owned(),
        None => series.title.clone(),
    };
    let description = match body.description {
        Some(description) => Description::parse(&description)?.into_string(),
        None => series.description.clone(),
    };
    let time_zone = body.time_zone.unwrap_or(series.time_zone.clone());
    if time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(ApiError::Invalid(format!(
            "time_zone: {time_zone:?} is not an IANA time zone name (e.g. Europe/London)"
        )));
    }
    let default_duration_minutes = body.default_duration_minutes.unwrap_or(series.default_duration_minutes);
    if !(5..=1440).contains(&default_duration_minutes) {
        return Err(ApiError::Invalid("default_duration_minutes: must be between 5 and 1440".into()));
    }
    let details = SeriesDetails {
        title,
        description,
        time_zone,
        default_duration_minutes,
        allow_viewers: body.allow_viewers.unwrap_or(series.allow_viewers),
    };
    Ok(Json(state.db.update_series(series.id, &details).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSession {
    /// RFC 3339, e.g. `2026-12-03T20:00:00Z`.
    pub starts_at: DateTime<Utc>,
    /// Defaults to the series' default duration.
    pub duration_minutes: Option<i32>,
    /// Defaults to the series' title.
    pub title: Option<String>,
    /// Minutes before the start that the lobby opens; default 15.
    pub lobby_minutes: Option<i32>,
}

/// Schedule a session of a series (owner and hosts).
#[utoipa::path(post, path = "/api/v1/series/{hashtag}/sessions", tag = "series", params(("hashtag" = String, Path)), request_body = CreateSession,
    responses((status = 201, body = SessionDetail), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn schedule(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
    JsonBody(body): JsonBody<CreateSession>,
) -> Result<(StatusCode, Json<SessionDetail>), ApiError> {
    let series = find(&state, &hashtag).await?;
    require_role(&state, series.id, &caller, Role::Host).await?;
    let minutes = body.duration_minutes.unwrap_or(series.default_duration_minutes);
    if !(5..=1440).contains(&minutes) {
        return Err(ApiError::Invalid("duration_minutes: must be between 5 and 1440".into()));
    }
    let lobby = body.lobby_minutes.unwrap_or(15);
    if !(0..=1440).contains(&lobby) {
        return Err(ApiError::Invalid("lobby_minutes: must be between 0 and 1440".into()));
    }
    let title = match body.title {
        Some(title) => Title::parse(&title)?.as_str().to_owned(),
        None => series.title.clone(),
    };
    let new = NewSession {
        series_id: series.id,
        title,
        starts_at: body.starts_at,
        ends_at: body.starts_at + Duration::minutes(i64::from(minutes)),
        lobby_lead: Duration::minutes(i64::from(lobby)),
        archive_grace: Duration::minutes(15),
    };
    let session = state.db.create_session(&new).await?;
    state.schedule_changed.notify_one();
    Ok((StatusCode::CREATED, Json(SessionDetail::from(&session))))
}

/// The series of a hashtag in a path; a malformed hashtag is as unknown as a missing one.
pub(crate) async fn find(state: &AppState, hashtag: &str) -> Result<Series, ApiError> {
    let hashtag = Hashtag::parse(hashtag).map_err(|_| ApiError::NotFound("series"))?;
    state.db.series_by_hashtag(&hashtag).await.map_err(ApiError::from_storage("series"))
}
