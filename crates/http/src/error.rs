//! The one error type of the HTTP edge and its one mapping to HTTP.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tweetchat_domain::DomainError;
use tweetchat_storage::StorageError;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Input that breaks a rule; the message names the field.
    #[error("{0}")]
    Invalid(String),
    #[error("sign in first")]
    Unauthenticated,
    /// Sign-in with a wrong handle or password (one message for both: no handle probing).
    #[error("handle or password is wrong")]
    WrongCredentials,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts; wait a minute")]
    RateLimited,
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// Logged in full, answered with a generic message: internals never reach the client.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// `{"error": {"code": "...", "message": "..."}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `invalid`, `unauthenticated`, `wrong_credentials`, `forbidden`, `not_found`, `conflict`,
    /// `rate_limited`, `unavailable`, `internal`.
    pub code: &'static str,
    /// For people.
    pub message: String,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::WrongCredentials => (StatusCode::UNAUTHORIZED, "wrong_credentials"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// Storage errors seen from a request about `what`.
    pub fn from_storage(what: &'static str) -> impl Fn(StorageError) -> ApiError {
        move |error| match error {
            StorageError::NotFound => ApiError::NotFound(what),
            other => ApiError::from(other),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => ApiError::NotFound("resource"),
            StorageError::Conflict { constraint } => ApiError::Conflict(conflict_message(&constraint)),
            StorageError::Domain(e) => ApiError::from(e),
            e if e.is_retryable() => ApiError::Unavailable,
            e => ApiError::Internal(Box::new(e)),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Transition { .. } => ApiError::Conflict(error.to_string()),
            DomainError::Invalid { .. } => ApiError::Invalid(error.to_string()),
        }
    }
}

/// Constraint names are ours (see `migrations/`); say what they mean in words.
fn conflict_message(constraint: &str) -> String {
    match constraint {
        "users_handle_key_unique" => "handle: already taken (handles are unique ignoring case)".into(),
        "series_hashtag_unique" => "hashtag: already belongs to a series (hashtags are unique ignoring case)".into(),
        "proposal_votes_once" => "vote: you have already voted for this proposal".into(),
        "proposal_votes_none" => "vote: you have not voted for this proposal".into(),
        "sessions_no_overlap" => "starts_at: the session would overlap another session of this series".into(),
        "archive_session_elsewhere" => "session: this archive's session already exists here in another series".into(),
        other => format!("conflicts with existing data ({other})"),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(source) => {
                tracing::error!(error = %source, "internal error answering a request");
                "something went wrong on our side".to_owned()
            }
            other => other.to_string(),
        };
        (status, Json(ErrorBody { error: ErrorDetail { code, message } })).into_response()
    }
}
