//! Sign-up, sign-in, sign-out, and who am I.

use super::JsonBody;
use crate::auth::{self, SignedIn};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use tweetchat_domain::Handle;
use tweetchat_storage::StorageError;
use tweetchat_storage::users::{TokenKind, User, secret_digest};
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

/// Create an account and sign in.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = SignUp,
    responses((status = 201, body = SignedInView), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn sign_up(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SignUp>,
) -> Result<impl IntoResponse, ApiError> {
    let handle = Handle::parse(&body.handle)?;
    let display_name = body.display_name.trim();
    if display_name.is_empty()
        || display_name.chars().count() > MAX_DISPLAY_NAME_CHARS
        || display_name.chars().any(char::is_control)
    {
        return Err(ApiError::Invalid(format!(
            "display_name: must be 1 to {MAX_DISPLAY_NAME_CHARS} characters on one line"
        )));
    }
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
    responses((status = 200, body = SignedInView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SignIn>,
) -> Result<impl IntoResponse, ApiError> {
    let wrong = || ApiError::Invalid("handle or password is wrong".into());
    let handle = Handle::parse(&body.handle).map_err(|_| wrong())?;
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
    state.db.revoke_token(&secret_digest(caller.credential.secret()), Utc::now()).await?;
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(SET_COOKIE, auth::clear_session_cookie(&state.config))])))
}

/// The signed-in person.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(caller: SignedIn) -> Json<UserView> {
    Json(UserView::from(&caller.user))
}

/// A fresh secret for every login: a login never reuses an earlier session's cookie.
async fn start_login(state: &AppState, user: &User) -> Result<(String, String), ApiError> {
    let secret = auth::new_secret();
    let expires = Utc::now() + Duration::days(auth::LOGIN_DAYS);
    state.db.insert_token(user.id, &secret_digest(&secret), TokenKind::Login, "login", Some(expires)).await?;
    let cookie = auth::session_cookie(&secret, &state.config);
    Ok((secret, cookie))
}
