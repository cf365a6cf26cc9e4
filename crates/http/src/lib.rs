//! The HTTP edge: the JSON API under `/api/v1`, the websocket upgrade into the hub, operations
//! endpoints, static pages, and the one place errors become HTTP responses.
//!
//! # Layout
//! - [`router`]: every route and the layers around them (tracing, security headers, limits).
//! - [`AppState`]: what handlers share: database, hub, settings, metrics.
//! - [`error`]: [`ApiError`], mapped to a status and `{"error":{"code","message"}}` once.
//! - [`auth`]: passwords (Argon2id), tokens, cookies, the `Origin` check, and the extractors
//!   that tell handlers who is calling.
//! - `api/*`: one module per resource (accounts, series, sessions, live, operations).
//! - [`openapi`]: the OpenAPI document, generated from the handlers' annotations.

mod api;
pub mod auth;
pub mod error;
pub mod openapi;
mod router;
mod state;
mod unread_body;

pub use error::ApiError;
pub use router::router;
pub use state::{AppState, EdgeConfig};
