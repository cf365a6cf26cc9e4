//! Planning a series: its recurring rule, its sessions (listed, moved one at a time), the
//! notices its live sessions post, and iCalendar feeds to subscribe to.

use super::sessions::{SessionDetail, require_role};
use super::{JsonBody, Path, Query};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use tweetchat_domain::calendar::{CalendarEvent, EventStatus, calendar};
use tweetchat_domain::recurrence::{Recurrence, parse_time_zone};
use tweetchat_domain::{Role, SessionStatus, Title};
use tweetchat_storage::planning::{NoticeSettings, RecurrencePlan};
use tweetchat_storage::series::Series;
use tweetchat_storage::sessions::Session;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::series::find as series;

// --- Recurrence ---------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecurrenceInput {
    /// An RFC 5545 rule: `FREQ=WEEKLY;BYDAY=TH`, `FREQ=WEEKLY;INTERVAL=2;BYDAY=TH` (fortnightly),
    /// `FREQ=MONTHLY;BYDAY=-1FR` (last Friday), with optional `COUNT` or `UNTIL`.
    pub rule: String,
    /// The first session's start on the series' own clock, without offset, e.g.
    /// `2026-12-03T20:00:00`: it stays 20:00 there across daylight-saving changes.
    #[schema(value_type = String)]
    pub first_start_local: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecurrenceView {
    pub rule: String,
    #[schema(value_type = String)]
    pub first_start_local: NaiveDateTime,
    pub time_zone: String,
    /// The series' sessions from now on, the materialised ones first.
    pub upcoming: Vec<SessionDetail>,
}

/// Make a series recurring (hosts): its next 8 sessions are created at once and kept 8 ahead,
/// each one listed, movable and cancellable on its own.
#[utoipa::path(put, path = "/api/v1/series/{hashtag}/recurrence", tag = "series", params(("hashtag" = String, Path)),
    request_body = RecurrenceInput,
    responses((status = 200, body = RecurrenceView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_recurrence(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
    JsonBody(body): JsonBody<RecurrenceInput>,
) -> Result<Json<RecurrenceView>, ApiError> {
    let series = series(&state, &hashtag).await?;
    require_role(&state, series.id, &caller, Role::Host).await?;
    let tz = parse_time_zone(&series.time_zone)?;
    let rule = Recurrence::parse(&body.rule)?;
    rule.validate(body.first_start_local, tz)?;
    let now = Utc::now();
    if rule.next_occurrence(body.first_start_local, tz, now).is_none() {
        return Err(ApiError::Invalid("rule: produces no session after now".into()));
    }
    let plan = RecurrencePlan { rule, first_local: body.first_start_local };
    state.db.set_recurrence(series.id, Some(&plan)).await?;
    state.db.materialise(series.id, now).await?;
    state.schedule_changed.notify_one();
    recurrence_view(&state, &series, plan).await.map(Json)
}

/// Stop a series recurring (hosts). Sessions already created stay; cancel those that should
/// not happen.
#[utoipa::path(delete, path = "/api/v1/series/{hashtag}/recurrence", tag = "series", params(("hashtag" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody)))]
pub async fn remove_recurrence(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    let series = series(&state, &hashtag).await?;
    require_role(&state, series.id, &caller, Role::Host).await?;
    state.db.set_recurrence(series.id, None).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// A series' rule and upcoming sessions.
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/recurrence", tag = "series", params(("hashtag" = String, Path)),
    responses((status = 200, body = RecurrenceView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn recurrence(
    State(state): State<AppState>,
    Path(hashtag): Path<String>,
) -> Result<Json<RecurrenceView>, ApiError> {
    let series = series(&state, &hashtag).await?;
    let plan = state.db.recurrence(series.id).await?.ok_or(ApiError::NotFound("recurrence"))?;
    recurrence_view(&state, &series, plan).await.map(Json)
}

async fn recurrence_view(state: &AppState, series: &Series, plan: RecurrencePlan) -> Result<RecurrenceView, ApiError> {
    let now = Utc::now();
    let upcoming = state.db.series_sessions(series.id, now, now + Duration::days(3660), 50).await?;
    Ok(RecurrenceView {
        rule: plan.rule.to_rule(),
        first_start_local: plan.first_local,
        time_zone: series.time_zone.clone(),
        upcoming: upcoming.iter().map(SessionDetail::from).collect(),
    })
}

// --- Sessions of a series -----------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct Window {
    /// Sessions starting at or after this instant; default 30 days ago.
    pub from: Option<DateTime<Utc>>,
    /// At most this many, 1 to 500; default 100.
    pub limit: Option<i64>,
}

/// A series' sessions, by start time: past ones (from `from`) and upcoming ones, cancelled
/// included.
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/sessions", tag = "series", params(("hashtag" = String, Path), Window),
    responses((status = 200, body = [SessionDetail]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn sessions(
    State(state): State<AppState>,
    Path(hashtag): Path<String>,
    Query(window): Query<Window>,
) -> Result<Json<Vec<SessionDetail>>, ApiError> {
    let series = series(&state, &hashtag).await?;
    let limit = window.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::Invalid("limit: must be between 1 and 500".into()));
    }
    let from = window.from.unwrap_or_else(|| Utc::now() - Duration::days(30));
    let list = state.db.series_sessions(series.id, from, DateTime::<Utc>::MAX_UTC, limit).await?;
    Ok(Json(list.iter().map(SessionDetail::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveSession {
    pub starts_at: DateTime<Utc>,
    /// Default: the session's current length.
    pub duration_minutes: Option<i32>,
    pub title: Option<String>,
}

/// Move or rename a scheduled session (hosts). Overlapping another session of the series is
/// `409`.
#[utoipa::path(patch, path = "/api/v1/sessions/{id}", tag = "sessions", params(("id" = Uuid, Path)), request_body = MoveSession,
    responses((status = 200, body = SessionDetail), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn move_session(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
    JsonBody(body): JsonBody<MoveSession>,
) -> Result<Json<SessionDetail>, ApiError> {
    let session = state.db.session(id).await.map_err(ApiError::from_storage("session"))?;
    require_role(&state, session.series_id, &caller, Role::Host).await?;
    let minutes = match body.duration_minutes {
        Some(minutes) if (5..=1440).contains(&minutes) => i64::from(minutes),
        Some(_) => return Err(ApiError::Invalid("duration_minutes: must be between 5 and 1440".into())),
        None => (session.ends_at - session.starts_at).num_minutes(),
    };
    let title = match body.title {
        Some(title) => Title::parse(&title)?.as_str().to_owned(),
        None => session.title.clone(),
    };
    let moved = state.db.reschedule(id, body.starts_at, body.starts_at + Duration::minutes(minutes), &title).await?;
    state.schedule_changed.notify_one();
    Ok(Json(SessionDetail::from(&moved)))
}

// --- Notices ------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NoticesView {
    /// The format reminder, e.g. "Answer with A1, A2 ... and keep {hashtag} in your posts";
    /// `{hashtag}` becomes the series' hashtag. Empty: no reminders. At most 280 characters.
    pub reminder_text: String,
    /// Minutes after the start to post the reminder at, e.g. `[0, 30]` (at most 10, each 0-1440).
    pub reminder_minutes: Vec<i32>,
    /// "N minutes left" this long before the end, 0 to 120; 0: never. Default 10.
    pub final_notice_minutes: i32,
}

/// What a series' live sessions post on their own (moderators read, hosts change).
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/notices", tag = "series", params(("hashtag" = String, Path)),
    responses((status = 200, body = NoticesView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn notices(
    State(state): State<AppState>,
    Path(hashtag): Path<String>,
) -> Result<Json<NoticesView>, ApiError> {
    let series = series(&state, &hashtag).await?;
    let settings = state.db.notice_settings(series.id).await?;
    Ok(Json(NoticesView {
        reminder_text: settings.reminder_text,
        reminder_minutes: settings.reminder_minutes,
        final_notice_minutes: settings.final_notice_minutes,
    }))
}

/// Set a series' reminders and "minutes left" notice (hosts); applies from the next session
/// that goes live.
#[utoipa::path(put, path = "/api/v1/series/{hashtag}/notices", tag = "series", params(("hashtag" = String, Path)),
    request_body = NoticesView,
    responses((status = 200, body = NoticesView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_notices(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
    JsonBody(body): JsonBody<NoticesView>,
) -> Result<Json<NoticesView>, ApiError> {
    let series = series(&state, &hashtag).await?;
    require_role(&state, series.id, &caller, Role::Host).await?;
    let text = body.reminder_text.trim().to_owned();
    if text.chars().count() > 280 || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::Invalid("reminder_text: at most 280 characters, no control characters".into()));
    }
    let mut minutes = body.reminder_minutes.clone();
    minutes.sort_unstable();
    minutes.dedup();
    if minutes.len() > 10 || minutes.iter().any(|m| !(0..=1440).contains(m)) {
        return Err(ApiError::Invalid("reminder_minutes: at most 10 values, each from 0 to 1440".into()));
    }
    if !(0..=120).contains(&body.final_notice_minutes) {
        return Err(ApiError::Invalid("final_notice_minutes: must be between 0 and 120".into()));
    }
    let settings = NoticeSettings {
        reminder_text: text,
        reminder_minutes: minutes,
        final_notice_minutes: body.final_notice_minutes,
    };
    state.db.set_notice_settings(series.id, &settings).await?;
    Ok(Json(NoticesView {
        reminder_text: settings.reminder_text,
        reminder_minutes: settings.reminder_minutes,
        final_notice_minutes: settings.final_notice_minutes,
    }))
}

// --- Calendars ----------------------------------------------------------------------------

/// Calendars list sessions from a month back to a year ahead.
fn calendar_window(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    (now - Duration::days(31), now + Duration::days(366))
}

fn event(state: &AppState, session: &Session) -> CalendarEvent {
    let base = state.config.public_base_url.trim_end_matches('/');
    let host = base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or("tweetchat");
    let status = match session.status() {
        SessionStatus::Cancelled => EventStatus::Cancelled,
        _ => EventStatus::Confirmed,
    };
    CalendarEvent {
        uid: format!("{}@{host}", session.id),
        starts_at: session.starts_at,
        ends_at: session.ends_at,
        summary: format!("{} {}", session.hashtag, session.title),
        description: format!("Join the {} chat at {base}/chat.html?session={}", session.hashtag, session.id),
        url: format!("{base}/chat.html?session={}", session.id),
        status: Some(status),
    }
}

fn ics(body: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body)
}

/// An iCalendar feed of a series' sessions, to subscribe to in any calendar application.
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/calendar.ics", tag = "series", params(("hashtag" = String, Path)),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = crate::error::ErrorBody)))]
pub async fn series_calendar(
    State(state): State<AppState>,
    Path(hashtag): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let series = series(&state, &hashtag).await?;
    let now = Utc::now();
    let (from, until) = calendar_window(now);
    let sessions = state.db.series_sessions(series.id, from, until, 500).await?;
    let events: Vec<CalendarEvent> = sessions.iter().map(|s| event(&state, s)).collect();
    Ok(ics(calendar(&format!("{} {}", series.hashtag, series.title), &events, now)))
}

/// An iCalendar feed of every series' sessions on this site.
#[utoipa::path(get, path = "/api/v1/calendar.ics", tag = "series",
    responses((status = 200, content_type = "text/calendar", body = String)))]
pub async fn site_calendar(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let now = Utc::now();
    let (from, until) = calendar_window(now);
    let sessions = state.db.sessions_between(from, until, 2000).await?;
    let events: Vec<CalendarEvent> = sessions.iter().map(|s| event(&state, s)).collect();
    Ok(ics(calendar("tweetchat", &events, now)))
}
