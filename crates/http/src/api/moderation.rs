//! Moderation: the series team and rules, hiding and pinning, mutes and bans, the hold queue,
//! reports, the moderators' back channel and the audit log. Each action is checked against
//! the caller's role in the series of the thing acted on, audited in storage, and reaches the
//! live room at once.

use super::sessions::require_role;
use super::{JsonBody, OptionalJson, Path, Query};
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tweetchat_domain::moderation::{self, HoldPolicy};
use tweetchat_domain::{Handle, MessageText, Role};
use tweetchat_hub::control::{Control, Disconnect, Scope};
use tweetchat_hub::render;
use tweetchat_protocol::{BackchannelView, HeldPostView, ReportView};
use tweetchat_storage::moderation::{MessageAction, RestrictionKind, SeriesRules};
use tweetchat_storage::sessions::Session;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::series::find as series;

fn restriction_kind(name: &str) -> Result<RestrictionKind, ApiError> {
    RestrictionKind::from_name(name).ok_or_else(|| ApiError::Invalid(format!("kind: {name:?} is not one of mute, ban")))
}

async fn session(state: &AppState, id: Uuid) -> Result<Session, ApiError> {
    state.db.session(id).await.map_err(ApiError::from_storage("session"))
}

async fn moderator_of(state: &AppState, series_id: Uuid, caller: &SignedIn) -> Result<Role, ApiError> {
    let role = caller.role_in(state, series_id).await?;
    if role.can_moderate() { Ok(role) } else { Err(ApiError::Forbidden("only the series' moderators may do this")) }
}

fn reason(text: &str) -> Result<String, ApiError> {
    Ok(moderation::reason(text)?)
}

// --- The team ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetMember {
    /// `host` or `moderator`.
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub handle: String,
    pub display_name: String,
    /// `owner`, `host` or `moderator`.
    pub role: String,
}

/// The people who run a series: owner, hosts and moderators (public, so a series page can
/// say who hosts it).
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/members", tag = "moderation", params(("hashtag" = String, Path)),
    responses((status = 200, body = [MemberView]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn members(
    State(state): State<AppState>,
    Path(hashtag): Path<String>,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    let series = series(&state, &hashtag).await?;
    let team = state.db.series_team(series.id).await?;
    Ok(Json(
        team.into_iter().map(|m| MemberView { handle: m.handle, display_name: m.display_name, role: m.role }).collect(),
    ))
}

/// Make someone a host or moderator of the series (owner and admins).
#[utoipa::path(put, path = "/api/v1/series/{hashtag}/members/{handle}", tag = "moderation",
    params(("hashtag" = String, Path), ("handle" = String, Path)), request_body = SetMember,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_member(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((hashtag, handle)): Path<(String, String)>,
    JsonBody(body): JsonBody<SetMember>,
) -> Result<StatusCode, ApiError> {
    let series = series(&state, &hashtag).await?;
    require_role(&state, series.id, &caller, Role::Owner).await?;
    if !matches!(body.role.as_str(), "host" | "moderator") {
        return Err(ApiError::Invalid(format!("role: {:?} is not one of host, moderator", body.role)));
    }
    let user = state.db.user_by_handle(&Handle::parse(&handle)?).await.map_err(ApiError::from_storage("user"))?;
    if user.id == series.owner_id {
        return Err(ApiError::Invalid("handle: the owner already runs this series".into()));
    }
    state.db.set_series_member(series.id, caller.user.id, user.id, Some(&body.role), Utc::now()).await?;
    // Live connections keep the role they joined with; reconnecting gives the new one.
    let role_changed =
        Control::Disconnect { user: user.id, scope: Scope::Series(series.id), why: Disconnect::RoleChanged };
    state.hub.broadcast_control(role_changed).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a host or moderator from the series (owner and admins); `404` if they are not one.
#[utoipa::path(delete, path = "/api/v1/series/{hashtag}/members/{handle}", tag = "moderation",
    params(("hashtag" = String, Path), ("handle" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((hashtag, handle)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let series = series(&state, &hashtag).await?;
    require_role(&state, series.id, &caller, Role::Owner).await?;
    let user = state.db.user_by_handle(&Handle::parse(&handle)?).await.map_err(ApiError::from_storage("user"))?;
    // Someone who is not in the team is left alone: no audit row, no closed connections.
    state
        .db
        .set_series_member(series.id, caller.user.id, user.id, None, Utc::now())
        .await
        .map_err(ApiError::from_storage("member"))?;
    // Live connections keep the role they joined with; reconnecting gives the new one.
    let role_changed =
        Control::Disconnect { user: user.id, scope: Scope::Series(series.id), why: Disconnect::RoleChanged };
    state.hub.broadcast_control(role_changed).await;
    Ok(StatusCode::NO_CONTENT)
}

// --- Rules --------------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RulesView {
    /// `off`, `all`, `first_time` or `links`: which posts wait for a moderator.
    pub hold_policy: String,
    /// Words or phrases (whole words, any case) that hold a post whatever the policy.
    pub blocked_terms: Vec<String>,
    /// Seconds between two posts of one participant; 0 turns slow mode off (max 3600).
    pub slow_mode_seconds: u32,
}

impl From<SeriesRules> for RulesView {
    fn from(rules: SeriesRules) -> Self {
        RulesView {
            hold_policy: rules.hold_policy.as_str().to_owned(),
            blocked_terms: rules.blocked_terms,
            slow_mode_seconds: rules.slow_mode_seconds,
        }
    }
}

/// A series' moderation rules (moderators).
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/rules", tag = "moderation", params(("hashtag" = String, Path)),
    responses((status = 200, body = RulesView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn rules(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
) -> Result<Json<RulesView>, ApiError> {
    let series = series(&state, &hashtag).await?;
    moderator_of(&state, series.id, &caller).await?;
    Ok(Json(state.db.series_rules(series.id).await?.into()))
}

/// Replace a series' moderation rules (hosts).
#[utoipa::path(put, path = "/api/v1/series/{hashtag}/rules", tag = "moderation", params(("hashtag" = String, Path)),
    request_body = RulesView,
    responses((status = 200, body = RulesView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_rules(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
    JsonBody(body): JsonBody<RulesView>,
) -> Result<Json<RulesView>, ApiError> {
    let series = series(&state, &hashtag).await?;
    require_role(&state, series.id, &caller, Role::Host).await?;
    if body.slow_mode_seconds > 3600 {
        return Err(ApiError::Invalid("slow_mode_seconds: at most 3600".into()));
    }
    let rules = SeriesRules {
        hold_policy: HoldPolicy::parse(&body.hold_policy)?,
        blocked_terms: moderation::normalise_blocked_terms(&body.blocked_terms)?,
        slow_mode_seconds: body.slow_mode_seconds,
    };
    state.db.set_series_rules(series.id, caller.user.id, &rules, Utc::now()).await?;
    state.hub.broadcast_control(Control::SlowMode { series: series.id, seconds: rules.slow_mode_seconds }).await;
    Ok(Json(rules.into()))
}

// --- Messages -----------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageActionName {
    Hide,
    Unhide,
    Pin,
    Unpin,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Reason {
    /// Why (at most 500 characters); kept in the audit log, shown to moderators only.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModeratedView {
    /// The stream position of the event, or absent when the message was already in that state.
    pub seq: Option<i64>,
    pub message_id: Uuid,
    pub hidden: bool,
    pub pinned: bool,
}

/// Hide, unhide, pin or unpin a message (moderators). It reaches every connected client at
/// once. Hidden messages leave transcripts, exports and search for everyone, moderators
/// included; only moderators still see them on the live websocket (live, resume and replay).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/messages/{message_id}/{action}", tag = "moderation",
    params(("id" = Uuid, Path), ("message_id" = Uuid, Path), ("action" = MessageActionName, Path)), request_body = Reason,
    responses((status = 200, body = ModeratedView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn act_on_message(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, message_id, action)): Path<(Uuid, Uuid, MessageActionName)>,
    OptionalJson(body): OptionalJson<Reason>,
) -> Result<Json<ModeratedView>, ApiError> {
    let session = session(&state, id).await?;
    moderator_of(&state, session.series_id, &caller).await?;
    let reason = reason(&body.reason)?;
    let action = match action {
        MessageActionName::Hide => MessageAction::Hide,
        MessageActionName::Unhide => MessageAction::Unhide,
        MessageActionName::Pin => MessageAction::Pin,
        MessageActionName::Unpin => MessageAction::Unpin,
    };
    let moderated = state
        .db
        .moderate_message(id, message_id, caller.user.id, action, &reason, Utc::now())
        .await
        .map_err(ApiError::from_storage("message"))?;
    match moderated {
        Some(moderated) => {
            state.hub.publish_moderated(&moderated).await;
            Ok(Json(ModeratedView {
                seq: Some(moderated.event.seq),
                message_id,
                hidden: moderated.message.hidden_at.is_some(),
                pinned: moderated.message.pinned_at.is_some(),
            }))
        }
        None => {
            // Already so: say how it is, change nothing.
            let pinned = state.db.pinned_messages(id).await?.iter().any(|m| m.id == message_id);
            let hidden = state.db.hidden_message_ids(id).await?.contains(&message_id);
            Ok(Json(ModeratedView { seq: None, message_id, hidden, pinned }))
        }
    }
}

// --- Mutes and bans -----------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRestriction {
    /// The person, e.g. `@ann`.
    pub handle: String,
    /// `mute` or `ban`.
    pub kind: String,
    /// For a mute: how long, 1 to 10080 minutes. A ban lasts until lifted.
    pub minutes: Option<i64>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RestrictionView {
    pub user_id: Uuid,
    pub handle: String,
    /// `mute` or `ban`.
    pub kind: String,
    /// Absent: until lifted.
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// Mutes and bans in force in a series (moderators).
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/restrictions", tag = "moderation", params(("hashtag" = String, Path)),
    responses((status = 200, body = [RestrictionView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn restrictions(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
) -> Result<Json<Vec<RestrictionView>>, ApiError> {
    let series = series(&state, &hashtag).await?;
    moderator_of(&state, series.id, &caller).await?;
    let list = state.db.restrictions(series.id, Utc::now()).await?;
    Ok(Json(
        list.into_iter()
            .map(|r| RestrictionView {
                user_id: r.user_id,
                handle: r.handle,
                kind: r.kind,
                until: r.until,
                reason: r.reason,
                created_at: r.created_at,
            })
            .collect(),
    ))
}

/// Mute a participant for a while, or ban them from the series (moderators). A banned
/// person's sockets close at once and they cannot rejoin or post; a muted person is told, and
/// their posts are refused until the mute ends. Moderators, hosts and the owner cannot be
/// muted or banned: remove them from the team first.
#[utoipa::path(post, path = "/api/v1/series/{hashtag}/restrictions", tag = "moderation", params(("hashtag" = String, Path)),
    request_body = NewRestriction,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn restrict(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
    JsonBody(body): JsonBody<NewRestriction>,
) -> Result<StatusCode, ApiError> {
    let series = series(&state, &hashtag).await?;
    moderator_of(&state, series.id, &caller).await?;
    let kind = restriction_kind(&body.kind)?;
    let reason = reason(&body.reason)?;
    let now = Utc::now();
    let until = match (kind, body.minutes) {
        (RestrictionKind::Mute, Some(minutes)) => Some(now + Duration::minutes(moderation::mute_minutes(minutes)?)),
        (RestrictionKind::Mute, None) => return Err(ApiError::Invalid("minutes: a mute needs a duration".into())),
        (RestrictionKind::Ban, _) => None,
    };
    let target =
        state.db.user_by_handle(&Handle::parse(&body.handle)?).await.map_err(ApiError::from_storage("user"))?;
    if state.db.role_in_series(series.id, target.id).await? >= Role::Moderator {
        return Err(ApiError::Forbidden("moderators, hosts, the owner and admins cannot be muted or banned"));
    }
    state.db.restrict(series.id, target.id, kind, until, &reason, caller.user.id, now).await?;
    // A ban closes the person's sockets in the series; a mute tells them. On every instance.
    state.hub.broadcast_control(Control::Restricted { user: target.id, series: series.id, kind }).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Lift a mute or ban (moderators).
#[utoipa::path(delete, path = "/api/v1/series/{hashtag}/restrictions/{handle}/{kind}", tag = "moderation",
    params(("hashtag" = String, Path), ("handle" = String, Path), ("kind" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn lift(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((hashtag, handle, kind)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let series = series(&state, &hashtag).await?;
    moderator_of(&state, series.id, &caller).await?;
    let kind = restriction_kind(&kind)?;
    let target = state.db.user_by_handle(&Handle::parse(&handle)?).await.map_err(ApiError::from_storage("user"))?;
    if state.db.lift_restriction(series.id, target.id, kind, caller.user.id, Utc::now()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("restriction"))
    }
}

// --- The hold queue -----------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct HeldQuery {
    /// `pending` (default), `approved` or `rejected`.
    pub status: Option<String>,
}

/// A session's hold queue (moderators).
#[utoipa::path(get, path = "/api/v1/sessions/{id}/held", tag = "moderation", params(("id" = Uuid, Path), HeldQuery),
    responses((status = 200, body = [HeldPostView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn held(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
    Query(query): Query<HeldQuery>,
) -> Result<Json<Vec<HeldPostView>>, ApiError> {
    let session = session(&state, id).await?;
    moderator_of(&state, session.series_id, &caller).await?;
    let status = query.status.as_deref().unwrap_or("pending");
    if !matches!(status, "pending" | "approved" | "rejected") {
        return Err(ApiError::Invalid(format!("status: {status:?} is not one of pending, approved, rejected")));
    }
    let posts = state.db.held_posts(id, status).await?;
    Ok(Json(posts.iter().map(render::held_view).collect()))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// Approve (it enters the stream now, and its author gets the ack) or reject (its author is
/// told, with the reason) a held post (moderators).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/held/{held_id}/{decision}", tag = "moderation",
    params(("id" = Uuid, Path), ("held_id" = Uuid, Path), ("decision" = Decision, Path)), request_body = Reason,
    responses((status = 200, body = HeldPostView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, held_id, decision)): Path<(Uuid, Uuid, Decision)>,
    OptionalJson(body): OptionalJson<Reason>,
) -> Result<Json<HeldPostView>, ApiError> {
    let session = session(&state, id).await?;
    moderator_of(&state, session.series_id, &caller).await?;
    let reason = reason(&body.reason)?;
    let now = Utc::now();
    let held = match decision {
        Decision::Approve => {
            let (held, message) = state
                .db
                .approve_held(id, held_id, caller.user.id, now)
                .await
                .map_err(ApiError::from_storage("held post"))?;
            state.hub.publish_message(&message).await;
            held
        }
        Decision::Reject => state
            .db
            .reject_held(id, held_id, caller.user.id, &reason, now)
            .await
            .map_err(ApiError::from_storage("held post"))?,
    };
    // The author's connections get the ack or the rejection, moderators the decision: everywhere.
    state.hub.broadcast_control(Control::Decided { session: id, held: held_id }).await;
    Ok(Json(render::held_view(&held)))
}

// --- Reports ------------------------------------------------------------------------------

/// Report a message to the moderators (signed-in participants who are not banned).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/messages/{message_id}/report", tag = "moderation",
    params(("id" = Uuid, Path), ("message_id" = Uuid, Path)), request_body = Reason,
    responses((status = 201, body = ReportView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, message_id)): Path<(Uuid, Uuid)>,
    OptionalJson(body): OptionalJson<Reason>,
) -> Result<(StatusCode, Json<ReportView>), ApiError> {
    caller.require_post_scope()?;
    let session = session(&state, id).await?;
    if state.db.is_banned(session.series_id, caller.user.id, Utc::now()).await? {
        return Err(ApiError::Forbidden("you are banned from this chat series"));
    }
    let reason = reason(&body.reason)?;
    let report = state
        .db
        .report_message(id, message_id, caller.user.id, &reason, Utc::now())
        .await
        .map_err(ApiError::from_storage("message"))?;
    state.hub.broadcast_control(Control::Reported { session: id, report: report.id }).await;
    Ok((StatusCode::CREATED, Json(render::report_view(&report))))
}

/// Open reports of a session (moderators).
#[utoipa::path(get, path = "/api/v1/sessions/{id}/reports", tag = "moderation", params(("id" = Uuid, Path)),
    responses((status = 200, body = [ReportView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn reports(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<ReportView>>, ApiError> {
    let session = session(&state, id).await?;
    moderator_of(&state, session.series_id, &caller).await?;
    Ok(Json(state.db.open_reports(id).await?.iter().map(render::report_view).collect()))
}

/// Close a report (moderators).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/reports/{report_id}/resolve", tag = "moderation",
    params(("id" = Uuid, Path), ("report_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn resolve_report(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((id, report_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let session = session(&state, id).await?;
    moderator_of(&state, session.series_id, &caller).await?;
    state
        .db
        .resolve_report(id, report_id, caller.user.id, Utc::now())
        .await
        .map_err(ApiError::from_storage("report"))?;
    Ok(StatusCode::NO_CONTENT)
}

// --- The back channel ---------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct BackchannelPost {
    pub text: String,
}

/// The moderators' back channel of a session, oldest first (moderators).
#[utoipa::path(get, path = "/api/v1/sessions/{id}/backchannel", tag = "moderation", params(("id" = Uuid, Path)),
    responses((status = 200, body = [BackchannelView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn backchannel(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<BackchannelView>>, ApiError> {
    let session = session(&state, id).await?;
    moderator_of(&state, session.series_id, &caller).await?;
    Ok(Json(state.db.backchannel(id).await?.iter().map(render::backchannel_view).collect()))
}

/// Write in the back channel (moderators); every moderator connected to the session gets it.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/backchannel", tag = "moderation", params(("id" = Uuid, Path)),
    request_body = BackchannelPost,
    responses((status = 201, body = BackchannelView), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn post_backchannel(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(id): Path<Uuid>,
    JsonBody(body): JsonBody<BackchannelPost>,
) -> Result<(StatusCode, Json<BackchannelView>), ApiError> {
    let session = session(&state, id).await?;
    moderator_of(&state, session.series_id, &caller).await?;
    let text = MessageText::parse(&body.text, state.hub.config().max_text_chars)?;
    let message = state.db.post_backchannel(id, caller.user.id, text.as_str(), Utc::now()).await?;
    state.hub.broadcast_control(Control::Backchannel { session: id, message: message.id }).await;
    Ok((StatusCode::CREATED, Json(render::backchannel_view(&message))))
}

// --- The audit ----------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedActionView {
    pub id: Uuid,
    pub session_id: Option<Uuid>,
    /// Who acted.
    pub actor: String,
    /// `hidden`, `unhidden`, `pinned`, `unpinned`, `mute`, `unmute`, `ban`, `unban`,
    /// `approved`, `rejected`, `report_resolved`, `rules_changed`, `member_set`, `member_removed`.
    pub action: String,
    pub message_id: Option<Uuid>,
    pub target_user_id: Option<Uuid>,
    pub reason: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// The moderation log of a series, newest first (moderators).
#[utoipa::path(get, path = "/api/v1/series/{hashtag}/moderation-log", tag = "moderation", params(("hashtag" = String, Path)),
    responses((status = 200, body = [LoggedActionView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn log(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(hashtag): Path<String>,
) -> Result<Json<Vec<LoggedActionView>>, ApiError> {
    let series = series(&state, &hashtag).await?;
    moderator_of(&state, series.id, &caller).await?;
    let entries = state.db.moderation_log(series.id, 500).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| LoggedActionView {
                id: e.id,
                session_id: e.session_id,
                actor: e.actor_handle,
                action: e.action,
                message_id: e.message_id,
                target_user_id: e.target_user_id,
                reason: e.reason,
                details: e.details,
                created_at: e.created_at,
            })
            .collect(),
    ))
}
