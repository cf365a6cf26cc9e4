//! Every route, and the layers around them.

use crate::api::{
    accounts, archives, exports, live, moderation, ops, planning, proposals, questions, series, sessions,
};
use crate::error::ApiError;
use crate::openapi;
use crate::state::{AppState, RequestLabels};
use crate::unread_body;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Request bodies beyond this are refused: every JSON body we accept is small.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// No inline script, nothing from elsewhere, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/accounts", post(accounts::sign_up))
        .route("/auth/login", post(accounts::sign_in))
        .route("/auth/logout", post(accounts::sign_out))
        .route("/me", get(accounts::me).patch(accounts::change_profile))
        .route("/me/password", post(accounts::change_password))
        .route("/me/deactivate", post(accounts::deactivate))
        .route("/me/tokens", get(accounts::tokens).post(accounts::create_token))
        .route("/me/tokens/{token_id}", delete(accounts::revoke_token))
        .route("/series", post(series::create))
        .route("/series/{hashtag}", get(series::get).patch(series::edit))
        .route("/series/{hashtag}/sessions", get(planning::sessions).post(series::schedule))
        .route(
            "/series/{hashtag}/recurrence",
            get(planning::recurrence).put(planning::set_recurrence).delete(planning::remove_recurrence),
        )
        .route("/series/{hashtag}/notices", get(planning::notices).put(planning::set_notices))
        .route("/series/{hashtag}/audience-questions", get(proposals::setting).put(proposals::set_setting))
        .route("/sessions/{id}/proposals", get(proposals::list).post(proposals::propose))
        .route("/sessions/{id}/proposals/{proposal_id}", axum::routing::patch(proposals::edit))
        .route("/sessions/{id}/proposals/{proposal_id}/vote", post(proposals::vote).delete(proposals::unvote))
        .route("/sessions/{id}/proposals/{proposal_id}/merge", post(proposals::merge))
        .route("/sessions/{id}/proposals/{proposal_id}/promote", post(proposals::promote))
        .route(
            "/sessions/{id}/proposals/{proposal_id}/answered",
            post(proposals::answered).delete(proposals::unanswered),
        )
        .route("/sessions/{id}/proposals/{proposal_id}/{decision}", post(proposals::decide))
        .route("/series/{hashtag}/calendar.ics", get(planning::series_calendar))
        .route("/calendar.ics", get(planning::site_calendar))
        .route("/series/{hashtag}/members", get(moderation::members))
        .route("/series/{hashtag}/members/{handle}", put(moderation::set_member).delete(moderation::remove_member))
        .route("/series/{hashtag}/rules", get(moderation::rules).put(moderation::set_rules))
        .route("/series/{hashtag}/restrictions", get(moderation::restrictions).post(moderation::restrict))
        .route("/series/{hashtag}/restrictions/{handle}/{kind}", delete(moderation::lift))
        .route("/series/{hashtag}/moderation-log", get(moderation::log))
        .route("/sessions", get(sessions::list))
        .route("/sessions/{id}", get(sessions::get).patch(planning::move_session))
        .route("/sessions/{id}/start", post(sessions::start))
        .route("/sessions/{id}/end", post(sessions::end))
        .route("/sessions/{id}/cancel", post(sessions::cancel))
        .route("/sessions/{id}/extend", post(sessions::extend))
        .route("/sessions/{id}/reopen", post(sessions::reopen))
        .route("/sessions/{id}/transcript", get(sessions::transcript))
        .route("/sessions/{id}/live", get(live::upgrade))
        .route("/sessions/{id}/messages/{message_id}/report", post(moderation::report))
        .route("/sessions/{id}/messages/{message_id}/{action}", post(moderation::act_on_message))
        .route("/sessions/{id}/held", get(moderation::held))
        .route("/sessions/{id}/held/{held_id}/{decision}", post(moderation::decide))
        .route("/sessions/{id}/reports", get(moderation::reports))
        .route("/sessions/{id}/reports/{report_id}/resolve", post(moderation::resolve_report))
        .route("/sessions/{id}/backchannel", get(moderation::backchannel).post(moderation::post_backchannel))
        .route("/sessions/{id}/questions", get(questions::list).put(questions::replace))
        .route("/sessions/{id}/questions/release", post(questions::release))
        .route("/sessions/{id}/questions/skip", post(questions::skip))
        .route("/sessions/{id}/questions/{question_id}", axum::routing::patch(questions::edit))
        .route("/archives", get(archives::site))
        .route("/archives.atom", get(archives::site_feed))
        .route(
            "/archives/import",
            // Whole transcripts are larger than any other body we accept.
            post(exports::import).layer(axum::extract::DefaultBodyLimit::max(exports::MAX_IMPORT_BYTES)),
        )
        .route("/series/{hashtag}/archives", get(archives::of_series))
        .route("/series/{hashtag}/archives.atom", get(archives::series_feed))
        .route("/sessions/{id}/transcript/grouped", get(archives::grouped))
        .route("/sessions/{id}/digest", get(archives::digest))
        .route("/sessions/{id}/export/{format}", get(exports::export))
        .route("/search", get(archives::search))
        .route("/openapi.json", get(|| async { axum::Json(openapi::document()) }))
        .fallback(|| async { ApiError::NotFound("API route") });

    let web = ServeDir::new(&state.config.web_dir).append_index_html_on_directories(true);
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback_service(web)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(unread_body::close_if_body_unread))
        .layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await.into_response();
    state.requests.get_or_create(&RequestLabels { method, status: response.status().as_u16() }).inc();
    response
}
