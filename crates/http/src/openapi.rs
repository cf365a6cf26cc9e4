//! The OpenAPI document, built from the handlers' `#[utoipa::path]` annotations.

use crate::api::{accounts, live, ops, questions, series, sessions};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tweetchat",
        description = "Live hashtag chats: accounts, series, sessions, transcripts. The live stream is a websocket; see docs/protocol.md."
    ),
    paths(
        accounts::sign_up,
        accounts::sign_in,
        accounts::sign_out,
        accounts::me,
        series::create,
        series::get,
        series::schedule,
        sessions::get,
        sessions::list,
        sessions::start,
        sessions::end,
        sessions::transcript,
        live::upgrade,
        questions::list,
        questions::replace,
        questions::edit,
        questions::release,
        questions::skip,
        ops::healthz,
        ops::readyz,
        ops::metrics,
    ),
    components(schemas(crate::error::ErrorBody))
)]
pub struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
