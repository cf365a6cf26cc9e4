//! The JSON API, one module per resource.

pub mod accounts;
pub mod live;
pub mod ops;
pub mod questions;
pub mod series;
pub mod sessions;

use crate::error::ApiError;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;

/// `Json` whose rejections (bad JSON, wrong types, missing fields) are our `invalid` error.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct JsonBody<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::Invalid(rejection.body_text())
    }
}
