//! The websocket upgrade into the live hub.

use super::Path;
use crate::auth::{MaybeGrant, origin_allowed};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use tweetchat_hub::Caller;
use tweetchat_storage::users::secret_digest;
use uuid::Uuid;

/// Small buffers: a chat frame is a few hundred bytes, and tungstenite's 128 KiB defaults
/// would cost that much per connection.
const READ_BUFFER: usize = 4 * 1024;
const WRITE_BUFFER: usize = 16 * 1024;
/// Beyond this the client is not reading; the connection fails and the client resumes.
const MAX_WRITE_BUFFER: usize = 256 * 1024;

/// Open the live stream of a session (websocket; see `docs/protocol.md`).
#[utoipa::path(get, path = "/api/v1/sessions/{id}/live", tag = "live", params(("id" = Uuid, Path)),
    responses((status = 101, description = "Switching to the websocket protocol"), (status = 403, body = crate::error::ErrorBody)))]
pub async fn upgrade(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    MaybeGrant(grant): MaybeGrant,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    // A page on another site must not open a socket riding on our cookie.
    if !origin_allowed(&headers, &state.config) {
        return Err(ApiError::Forbidden("websocket from an origin that is not allowed"));
    }
    // The credential's digest is remembered so that signing out this login (or revoking this
    // token) closes this socket too.
    let caller = match grant {
        Some((grant, credential)) => Caller {
            user: Some(grant.user),
            credential: Some(secret_digest(credential.secret())),
            scopes: grant.scopes,
        },
        None => Caller::default(),
    };
    let max = state.hub.config().max_frame_bytes;
    let hub = state.hub.clone();
    Ok(upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| hub.serve(socket, id, caller)))
}
