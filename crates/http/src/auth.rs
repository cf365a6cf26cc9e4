//! Who is calling: passwords, tokens, cookies, and the `Origin` check.
//!
//! Browsers carry a login token in an HttpOnly cookie; programs send a token in
//! `Authorization: Bearer`. Both are random secrets stored only as SHA-256 digests. A request
//! that changes something on the strength of a cookie must come from an allowed `Origin`, which
//! stops cross-site request forgery and cross-site websocket hijacking.

use crate::error::ApiError;
use crate::state::{AppState, EdgeConfig};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use base64::Engine;
use chrono::Utc;
use tweetchat_domain::{Role, Scopes};
use tweetchat_storage::StorageError;
use tweetchat_storage::users::{Grant, TokenKind, User, secret_digest};

pub const SESSION_COOKIE: &str = "tweetchat_session";
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// How long a browser login lasts.
pub const LOGIN_DAYS: i64 = 30;

/// Argon2id with OWASP's recommended minimum: 19 MiB, two passes, one lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn check_password_rules(password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(ApiError::Invalid(format!("password: must be at least {MIN_PASSWORD_CHARS} characters")));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(ApiError::Invalid(format!("password: must be at most {MAX_PASSWORD_CHARS} characters")));
    }
    Ok(())
}

/// Hashing takes tens of milliseconds of CPU on purpose: off the async workers.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| ApiError::Internal(Box::new(e)))?
    .map_err(|e| ApiError::Internal(e.to_string().into()))
}

pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A new random secret for a login or an API token.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("tc_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub fn session_cookie(secret: &str, config: &EdgeConfig) -> String {
    let secure = if config.secure_cookies() { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", LOGIN_DAYS * 24 * 3600)
}

pub fn clear_session_cookie(config: &EdgeConfig) -> String {
    let secure = if config.secure_cookies() { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The secret a request carries and how it carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Bearer(String),
    Cookie(String),
}

impl Credential {
    pub fn secret(&self) -> &str {
        match self {
            Credential::Bearer(s) | Credential::Cookie(s) => s,
        }
    }
}

pub fn credential(headers: &HeaderMap) -> Option<Credential> {
    let bearer = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        return Some(Credential::Bearer(token.trim().to_owned()));
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| Credential::Cookie(value.to_owned()))
}

/// Whether the request's `Origin` is one we serve. Requests without one are not from a
/// browser page (browsers send it on websocket upgrades and on every non-GET fetch).
pub fn origin_allowed(headers: &HeaderMap, config: &EdgeConfig) -> bool {
    match headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            config.allowed_origins.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin.trim_end_matches('/')))
        }
    }
}

/// The signed-in caller; rejects with 401 when there is none.
pub struct SignedIn {
    pub user: User,
    pub credential: Credential,
    /// A login, or a personal API token.
    pub kind: TokenKind,
    /// What the credential allows; a login allows everything its person may do.
    pub scopes: Scopes,
}

impl SignedIn {
    /// The caller's role in a series, as far as the credential's scopes allow.
    pub async fn role_in(&self, state: &AppState, series_id: uuid::Uuid) -> Result<Role, ApiError> {
        Ok(self.scopes.cap(state.db.role_in_series(series_id, self.user.id).await?))
    }

    /// Account management (profile, tokens, password) needs a login, not an API token.
    pub fn require_login(&self) -> Result<(), ApiError> {
        match self.kind {
            TokenKind::Login => Ok(()),
            TokenKind::Api => Err(ApiError::Forbidden("sign in with your password for this; API tokens cannot")),
        }
    }

    /// Posting, replying and reporting need the `post` scope.
    pub fn require_post_scope(&self) -> Result<(), ApiError> {
        if self.scopes.post { Ok(()) } else { Err(ApiError::Forbidden("this token lacks the post scope")) }
    }

    /// Creating a series or importing an archive makes the caller its owner: a token needs the
    /// `moderate` scope, the one that lets it act with its owner's host and owner roles.
    pub fn require_moderate_scope(&self) -> Result<(), ApiError> {
        if self.scopes.moderate { Ok(()) } else { Err(ApiError::Forbidden("this token lacks the moderate scope")) }
    }
}

/// The caller if signed in, else `None`; an invalid credential is treated as none.
pub struct MaybeSignedIn(pub Option<User>);

/// The caller and the credential they used, if any: for the websocket upgrade, which hands
/// both to the hub.
pub struct MaybeGrant(pub Option<(Grant, Credential)>);

async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<(Grant, Credential)>, ApiError> {
    let Some(credential) = credential(&parts.headers) else {
        return Ok(None);
    };
    match state.db.user_by_token(&secret_digest(credential.secret()), Utc::now()).await {
        Ok(grant) => Ok(Some((grant, credential))),
        Err(StorageError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (grant, credential) = resolve(parts, state).await?.ok_or(ApiError::Unauthenticated)?;
        let changes_state = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if matches!(credential, Credential::Cookie(_))
            && changes_state
            && !origin_allowed(&parts.headers, &state.config)
        {
            return Err(ApiError::Forbidden("cross-site request refused (Origin not allowed)"));
        }
        Ok(SignedIn { user: grant.user, credential, kind: grant.kind, scopes: grant.scopes })
    }
}

impl FromRequestParts<AppState> for MaybeSignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeSignedIn(resolve(parts, state).await?.map(|(grant, _)| grant.user)))
    }
}

impl FromRequestParts<AppState> for MaybeGrant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeGrant(resolve(parts, state).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify_with_argon2id() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        runtime.block_on(async {
            let hash = hash_password("correct horse battery".into()).await.expect("hash");
            assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
            assert!(verify_password("correct horse battery".into(), hash.clone()).await);
            assert!(!verify_password("wrong horse battery".into(), hash).await);
        });
    }

    #[test]
    fn bearer_wins_over_cookie_and_cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, "a=1; tweetchat_session=tc_abc; b=2".parse().expect("header"));
        assert_eq!(credential(&headers), Some(Credential::Cookie("tc_abc".into())));
        headers.insert(AUTHORIZATION, "Bearer tc_xyz".parse().expect("header"));
        assert_eq!(credential(&headers), Some(Credential::Bearer("tc_xyz".into())));
    }
}
