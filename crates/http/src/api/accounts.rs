//! Sign-up, sign-in, sign-out, and who am I.

use super::JsonBody;
use super::Path;
use crate::auth::{self, SignedIn};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tweetchat_domain::{Handle, Scopes};
use tweetchat_hub::control::{Control, Disconnect, Scope};
use tweetchat_storage::StorageError;
use tweetchat_storage::users::{ApiToken, TokenKind, User, secret_digest};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignUp {
    /// `@` and 1-30 letters, digits or underscores (the `@` is optional here).
    pub handle: String,
    pub display_name: String,
    /// 10 to 128 characters.
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignIn {
    pub handle: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id,
            handle: user.handle.clone(),
            display_name: user.display_name.clone(),
            bio: user.bio.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignedInView {
    pub user: UserView,
    /// A login token: send it as `Authorization: Bearer` or in the websocket `hello`. Browsers
    /// also get it as an HttpOnly cookie.
    pub token: String,
}

const MAX_DISPLAY_NAME_CHARS: usize = 50;

/// A display name, trimmed: 1 to 50 characters on one line.
fn display_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::Invalid(format!(
            "display_name: must be 1 to {MAX_DISPLAY_NAME_CHARS} characters on one line"
        )));
    }
    Ok(name)
}

/// Create an account and sign in.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = SignUp,
    responses((status = 201, body = SignedInView), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody<SignUp>,
) -> Result<impl IntoResponse, ApiError> {
    state.auth_by_address.check_key(&peer.ip()).map_err(|_| ApiError::RateLimited)?;
    let handle = Handle::parse(&body.handle)?;
    let display_name = display_name(&body.display_name)?;
    auth::check_password_rules(&body.password)?;
    let hash = auth::hash_password(body.password).await?;
    let user = state.db.create_user(&handle, display_name, &hash).await?;
    let (token, cookie) = start_login(&state, &user).await?;
    Ok((
        StatusCode::CREATED,
        AppendHeaders([(SET_COOKIE, cookie)]),
        Json(SignedInView { user: UserView::from(&user), token }),
    ))
}

/// Sign in with handle and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = SignIn,
    responses((status = 200, body = SignedInView), (status = 401, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody<SignIn>,
) -> Result<impl IntoResponse, ApiError> {
    let wrong = || ApiError::WrongCredentials;
    state.auth_by_address.check_key(&peer.ip()).map_err(|_| ApiError::RateLimited)?;
    let handle = Handle::parse(&body.handle).map_err(|_| wrong())?;
    state.auth_by_handle.check_key(&handle.key().to_owned()).map_err(|_| ApiError::RateLimited)?;
    let (user, hash) = match state.db.user_with_password(&handle).await {
        Ok(found) => found,
        Err(StorageError::NotFound) => {
            // Spend the same time as a real check, so timing does not reveal which handles exist.
            let _ = auth::hash_password(body.password).await;
            return Err(wrong());
        }
        Err(e) => return Err(e.into()),
    };
    let Some(hash) = hash else {
        return Err(wrong());
    };
    if !auth::verify_password(body.password, hash).await {
        return Err(wrong());
    }
    let (token, cookie) = start_login(&state, &user).await?;
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(SignedInView { user: UserView::from(&user), token })))
}

/// Sign out: the token (or cookie) used for this request stops working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", responses((status = 204)))]
pub async fn sign_out(State(state): State<AppState>, caller: SignedIn) -> Result<impl IntoResponse, ApiError> {
    let digest = secret_digest(caller.credential.secret());
    state.db.revoke_token(&digest, Utc::now()).await?;
    let signed_out =
        Control::Disconnect { user: caller.user.id, scope: Scope::Credential(digest), why: Disconnect::SignedOut };
    state.hub.broadcast_control(signed_out).await;
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, auth::clear_session_cookie(&state.config))])))
}

/// The signed-in person, as others see them, and what only they need to know of themselves.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    /// A site administrator may manage every series (docs/moderation.md, "Roles"). Pages use it
    /// to offer the host tools of series the person is not on the team of.
    pub is_admin: bool,
}

/// The signed-in person.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(caller: SignedIn) -> Json<MeView> {
    Json(MeView { user: UserView::from(&caller.user), is_admin: caller.user.is_admin })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileChange {
    /// 1 to 50 characters on one line.
    pub display_name: Option<String>,
    /// Up to 300 characters; an empty string clears it.
    pub bio: Option<String>,
}

const MAX_BIO_CHARS: usize = 300;

/// Change your display name or bio (fields left out stay as they are); needs a login, not an
/// API token.
#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = ProfileChange,
    responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_profile(
    State(state): State<AppState>,
    caller: SignedIn,
    JsonBody(body): JsonBody<ProfileChange>,
) -> Result<Json<UserView>, ApiError> {
    caller.require_login()?;
    let display_name = match body.display_name.as_deref() {
        Some(name) => display_name(name)?.to_owned(),
        None => caller.user.display_name.clone(),
    };
    let bio = match body.bio.as_deref().map(str::trim) {
        Some(bio) => {
            if bio.chars().count() > MAX_BIO_CHARS || bio.chars().any(|c| c.is_control() && c != '\n') {
                return Err(ApiError::Invalid(format!(
                    "bio: at most {MAX_BIO_CHARS} characters, no control characters"
                )));
            }
            bio.to_owned()
        }
        None => caller.user.bio.clone(),
    };
    let user = state.db.set_profile(caller.user.id, &display_name, &bio).await?;
    Ok(Json(UserView::from(&user)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    /// 10 to 128 characters.
    pub new_password: String,
}

/// Change your password. Every login and token of yours stops working and your open live
/// connections close; the answer carries a fresh login.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", request_body = ChangePassword,
    responses((status = 200, body = SignedInView), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    caller: SignedIn,
    JsonBody(body): JsonBody<ChangePassword>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require_login()?;
    check_current_password(&state, &caller.user, body.current_password).await?;
    auth::check_password_rules(&body.new_password)?;
    let hash = auth::hash_password(body.new_password).await?;
    state.db.change_password(caller.user.id, &hash, Utc::now()).await?;
    let changed =
        Control::Disconnect { user: caller.user.id, scope: Scope::Everywhere, why: Disconnect::PasswordChanged };
    state.hub.broadcast_control(changed).await;
    let (token, cookie) = start_login(&state, &caller.user).await?;
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(SignedInView { user: UserView::from(&caller.user), token })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Deactivate {
    pub password: String,
}

/// Deactivate your account: you can no longer sign in, every login and token stops and your
/// open live connections close. What you posted stays in the transcripts.
#[utoipa::path(post, path = "/api/v1/me/deactivate", tag = "accounts", request_body = Deactivate,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn deactivate(
    State(state): State<AppState>,
    caller: SignedIn,
    JsonBody(body): JsonBody<Deactivate>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require_login()?;
    check_current_password(&state, &caller.user, body.password).await?;
    state.db.deactivate_user(caller.user.id, Utc::now()).await?;
    let gone = Control::Disconnect { user: caller.user.id, scope: Scope::Everywhere, why: Disconnect::Deactivated };
    state.hub.broadcast_control(gone).await;
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, auth::clear_session_cookie(&state.config))])))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApiToken {
    /// What it is for, e.g. "archive bot" (1 to 100 characters).
    pub name: String,
    /// Any of `read` (always included), `post` (take part in chats), `moderate` (act with
    /// your moderator, host or owner roles).
    pub scopes: Vec<String>,
    /// Days until it expires (1 to 3650); absent: until revoked.
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenView {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub last_used_at: Option<chrono::DateTime<Utc>>,
    pub expires_at: Option<chrono::DateTime<Utc>>,
}

impl From<ApiToken> for ApiTokenView {
    fn from(t: ApiToken) -> Self {
        ApiTokenView {
            id: t.id,
            name: t.name,
            scopes: t.scopes,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiToken {
    pub token: ApiTokenView,
    /// The secret, shown this once: send it as `Authorization: Bearer` or in the websocket
    /// `hello`. Only its digest is stored.
    pub secret: String,
}

/// Create a personal API token for a bot or tool (needs a login, not another token).
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "accounts", request_body = NewApiToken,
    responses((status = 201, body = CreatedApiToken), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: SignedIn,
    JsonBody(body): JsonBody<NewApiToken>,
) -> Result<impl IntoResponse, ApiError> {
    caller.require_login()?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::Invalid("name: must be 1 to 100 characters on one line".into()));
    }
    let scopes = Scopes::parse(&body.scopes)?;
    let expires_at = match body.expires_in_days {
        Some(days @ 1..=3650) => Some(Utc::now() + Duration::days(days)),
        Some(_) => return Err(ApiError::Invalid("expires_in_days: must be 1 to 3650".into())),
        None => None,
    };
    let secret = auth::new_secret();
    let token = state.db.insert_api_token(caller.user.id, &secret_digest(&secret), name, scopes, expires_at).await?;
    Ok((StatusCode::CREATED, Json(CreatedApiToken { token: token.into(), secret })))
}

/// Your API tokens in force (never their secrets).
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "accounts", responses((status = 200, body = [ApiTokenView])))]
pub async fn tokens(State(state): State<AppState>, caller: SignedIn) -> Result<Json<Vec<ApiTokenView>>, ApiError> {
    let tokens = state.db.api_tokens(caller.user.id, Utc::now()).await?;
    Ok(Json(tokens.into_iter().map(ApiTokenView::from).collect()))
}

/// Revoke one of your API tokens (needs a login, not another token): it stops at once, and
/// live connections using it close.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{token_id}", tag = "accounts", params(("token_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(token_id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    caller.require_login()?;
    let digest = state
        .db
        .revoke_api_token(caller.user.id, token_id, Utc::now())
        .await
        .map_err(ApiError::from_storage("token"))?;
    let revoked =
        Control::Disconnect { user: caller.user.id, scope: Scope::Credential(digest), why: Disconnect::TokenRevoked };
    state.hub.broadcast_control(revoked).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Sensitive account changes ask for the password again, so a borrowed session is not enough.
async fn check_current_password(state: &AppState, user: &User, password: String) -> Result<(), ApiError> {
    let handle = Handle::parse(&user.handle)?;
    let (_, hash) = state.db.user_with_password(&handle).await?;
    let verified = match hash {
        Some(hash) => auth::verify_password(password, hash).await,
        None => false,
    };
    if verified { Ok(()) } else { Err(ApiError::Invalid("current password: wrong password".into())) }
}

/// A fresh secret for every login: a login never reuses an earlier session's cookie.
async fn start_login(state: &AppState, user: &User) -> Result<(String, String), ApiError> {
    let secret = auth::new_secret();
    let expires = Utc::now() + Duration::days(auth::LOGIN_DAYS);
    state.db.insert_token(user.id, &secret_digest(&secret), TokenKind::Login, "login", Some(expires)).await?;
    let cookie = auth::session_cookie(&secret, &state.config);
    Ok((secret, cookie))
}
