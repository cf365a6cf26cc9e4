//! Health, readiness, metrics, the OpenAPI document and the API's error conventions.

use serde_json::json;
use tweetchat_tests::app::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, 200);
    let (status, _) = app.get("/readyz", None).await;
    assert_eq!(status, 200);
    let (_host, session) = app.live_session().await;
    let _viewer = app.connect(session, None).await;
    let (status, body) = app.get("/metrics", None).await;
    assert_eq!(status, 200);
    let text = body.as_str().expect("text metrics");
    assert!(text.contains("tweetchat_websocket_connections 1"), "{text}");
    assert!(text.contains("tweetchat_http_requests_total{method=\"POST\",status=\"201\"}"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&tweetchat_tests::db::server_url())
        .await
        .expect("admin connection");
    sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", app.db_name))
        .execute(&mut admin)
        .await
        .expect("drop database");
    let (status, _) = app.get("/readyz", None).await;
    assert_eq!(status, 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_the_api() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in ["/api/v1/accounts", "/api/v1/series", "/api/v1/sessions/{id}/transcript", "/api/v1/sessions/{id}/live"]
    {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let host = app.sign_up("host").await;
    let cases = [
        (json!({"hashtag": "we nurses", "title": "x"}), "hashtag"),
        (json!({"hashtag": "WeNurses", "title": ""}), "title"),
        (json!({"hashtag": "WeNurses", "title": "x", "time_zone": "Mars/Olympus"}), "time_zone"),
        (json!({"hashtag": "WeNurses"}), "title"),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post("/api/v1/series", Some(&host.token), body.clone()).await;
        assert_eq!(status, 422, "{body} → {answer}");
        assert_eq!(answer["error"]["code"], "invalid");
        assert!(answer["error"]["message"].as_str().is_some_and(|m| m.contains(field)), "{answer} should name {field}");
    }
    let (status, _) = app.get("/api/v1/series/WeNurses", None).await;
    assert_eq!(status, 404, "nothing was created");

    let (status, _) =
        app.post("/api/v1/series", Some(&host.token), json!({"hashtag": "#WeNurses", "title": "Nurses"})).await;
    assert_eq!(status, 201);
    let (status, answer) =
        app.post("/api/v1/series", Some(&host.token), json!({"hashtag": "#wenurses", "title": "Again"})).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error"]["message"].as_str().is_some_and(|m| m.contains("hashtag")));

    let (status, answer) = app
        .post(
            "/api/v1/accounts",
            None,
            json!({"handle": "HOST", "display_name": "x", "password": "a long enough password"}),
        )
        .await;
    assert_eq!(status, 409, "handles are unique ignoring case: {answer}");
    let (status, _) =
        app.post("/api/v1/accounts", None, json!({"handle": "shorty", "display_name": "x", "password": "short"})).await;
    assert_eq!(status, 422);
    let (status, answer) = app.request(reqwest::Method::POST, "/api/v1/series", Some(&host.token), None).await;
    assert_eq!(status, 422, "{answer}");
    let (status, answer) = app.get("/api/v1/sessions/not-a-uuid", None).await;
    assert!(status.is_client_error(), "{answer}");
    let (status, answer) = app.get(&format!("/api/v1/sessions/{}", uuid::Uuid::nil()), None).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["error"]["code"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_sign_out_control_the_token() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up("alice").await;
    let (status, wrong) =
        app.post("/api/v1/auth/login", None, json!({"handle": "@alice", "password": "not the password"})).await;
    assert_eq!(status, 422, "{wrong}");
    let (status, login) =
        app.post("/api/v1/auth/login", None, json!({"handle": "ALICE", "password": "a long enough password"})).await;
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().expect("token");
    assert_ne!(token, alice.token, "every login gets a fresh secret");
    let (status, me) = app.get("/api/v1/me", Some(token)).await;
    assert_eq!((status.as_u16(), me["handle"].as_str()), (200, Some("@alice")));
    let (status, _) = app.post("/api/v1/auth/logout", Some(token), json!({})).await;
    assert_eq!(status, 204);
    let (status, _) = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(status, 401);
    let (status, _) = app.get("/api/v1/me", Some(&alice.token)).await;
    assert_eq!(status, 200, "other logins stay valid");
}
