//! Every route, and the layers around them.

use crate::api::{accounts, live, ops, questions, series, sessions};
use crate::error::ApiError;
use crate::openapi;
use crate::state::{AppState, RequestLabels};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
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
        .route("/me", get(accounts::me))
        .route("/series", post(series::create))
        .route("/series/{hashtag}", get(series::get))
        .route("/series/{hashtag}/sessions", post(series::schedule))
        .route("/sessions", get(sessions::list))
        .route("/sessions/{id}", get(sessions::get))
        .route("/sessions/{id}/start", post(sessions::start))
        .route("/sessions/{id}/end", post(sessions::end))
        .route("/sessions/{id}/transcript", get(sessions::transcript))
        .route("/sessions/{id}/live", get(live::upgrade))
        .route("/sessions/{id}/questions", get(questions::list).put(questions::replace))
        .route("/sessions/{id}/questions/release", post(questions::release))
        .route("/sessions/{id}/questions/skip", post(questions::skip))
        .route("/sessions/{id}/questions/{question_id}", axum::routing::patch(questions::edit))
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
