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
    assert!(text.contains("tweetchat_websocket_lags_total 0"), "every hub counter is registered: {text}");
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
    let cancel = &doc["paths"]["/api/v1/sessions/{id}/cancel"]["post"]["responses"];
    assert!(cancel.get("409").is_some() && cancel.get("422").is_none(), "a refused cancel is a 409: {cancel}");
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
    assert_eq!((status.as_u16(), &answer["error"]["code"]), (422, &serde_json::json!("invalid")), "{answer}");
    let (status, answer) =
        app.get(&format!("/api/v1/sessions/{}/transcript?limit=many", uuid::Uuid::nil()), None).await;
    assert_eq!((status.as_u16(), &answer["error"]["code"]), (422, &serde_json::json!("invalid")), "{answer}");
    let (status, answer) = app.get(&format!("/api/v1/sessions/{}", uuid::Uuid::nil()), None).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["error"]["code"], "not_found");

    // A body far over the limit is refused unread, and the server says the connection is spent,
    // so a pooling client does not send its next request into it; read bodies keep it open.
    let connection = |response: &reqwest::Response| {
        response.headers().get("connection").and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    let oversized = format!("{{\"hashtag\": \"#Big\", \"title\": \"{}\"}}", "x".repeat(4 * 1024 * 1024));
    let response = app
        .http
        .post(format!("{}/api/v1/series", app.base))
        .bearer_auth(&host.token)
        .header("content-type", "application/json")
        .body(oversized)
        .send()
        .await
        .expect("oversized request");
    assert_eq!(response.status(), 422);
    assert_eq!(connection(&response).as_deref(), Some("close"));
    let response = app
        .http
        .post(format!("{}/api/v1/series", app.base))
        .bearer_auth(&host.token)
        .json(&json!({"hashtag": "#Small", "title": "Small"}))
        .send()
        .await
        .expect("small request");
    assert_eq!(response.status(), 201);
    assert_eq!(connection(&response), None, "a read body leaves the connection open");
    let (status, _) = app.get("/api/v1/series/Big", None).await;
    assert_eq!(status, 404, "nothing of the refused body was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_sign_out_control_the_token() {
    let app = TestApp::spawn().await;
    let alice = app.sign_up("alice").await;
    let (status, wrong) =
        app.post("/api/v1/auth/login", None, json!({"handle": "@alice", "password": "not the password"})).await;
    assert_eq!((status.as_u16(), wrong["error"]["code"].as_str()), (401, Some("wrong_credentials")), "{wrong}");
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

    // A profile: display name and bio change; bad values change nothing.
    let change = json!({"display_name": "Alice Nurse", "bio": "Ward 7, nights."});
    let (status, me) = app.request(reqwest::Method::PATCH, "/api/v1/me", Some(&alice.token), Some(change)).await;
    assert_eq!(
        (status.as_u16(), me["display_name"].as_str(), me["bio"].as_str()),
        (200, Some("Alice Nurse"), Some("Ward 7, nights."))
    );
    let (status, _) = app
        .request(reqwest::Method::PATCH, "/api/v1/me", Some(&alice.token), Some(json!({"bio": "x".repeat(301)})))
        .await;
    assert_eq!(status, 422);
    let (_, me) = app.get("/api/v1/me", Some(&alice.token)).await;
    assert_eq!(me["bio"], "Ward 7, nights.");
}

/// A JSON export of an empty archived chat of `#Imported` `days_ago`, whose series has
/// `description`.
fn export_with_description(description: &str, days_ago: i64) -> serde_json::Value {
    use tweetchat_domain::archive::{Figures, FiguresContext};
    use tweetchat_storage::archive::{EXPORT_FORMAT, EXPORT_VERSION, ExportDocument, ExportSeries, ExportSession};
    let starts_at = chrono::Utc::now() - chrono::Duration::days(days_ago);
    let context =
        FiguresContext { hashtag: "#Imported", start: starts_at, returning: &Default::default(), viewers_peak: None };
    let document = ExportDocument {
        format: EXPORT_FORMAT.into(),
        version: EXPORT_VERSION,
        series: ExportSeries {
            hashtag: "#Imported".into(),
            title: "Imported".into(),
            description: description.into(),
            time_zone: "UTC".into(),
        },
        session: ExportSession {
            id: uuid::Uuid::now_v7(),
            title: "Imported".into(),
            starts_at,
            ends_at: starts_at + chrono::Duration::hours(1),
            started_at: Some(starts_at),
            closed_at: Some(starts_at + chrono::Duration::hours(1)),
            archived_at: Some(starts_at + chrono::Duration::hours(2)),
        },
        participants: Vec::new(),
        messages: Vec::new(),
        figures: Figures::compute(&[], &context),
    };
    serde_json::to_value(document).expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_description_has_one_rule_for_create_edit_and_import() {
    let app = TestApp::spawn().await;
    let host = app.sign_up("host").await;
    let longest = "é".repeat(2000);
    let padded = format!("  {longest}\n");
    let too_long = "é".repeat(2001);

    // Trimmed first, then counted: everywhere.
    let series = json!({"hashtag": "#Padded", "title": "Padded", "description": padded});
    let (status, created) = app.post("/api/v1/series", Some(&host.token), series).await;
    assert_eq!(status, 201, "padding does not count: {created}");
    assert_eq!(created["description"], longest.as_str());
    let series = json!({"hashtag": "#Nul", "title": "Nul", "description": "a NUL \u{0} inside"});
    let (status, answer) = app.post("/api/v1/series", Some(&host.token), series).await;
    assert_eq!(status, 422, "control characters are refused, not a server error: {answer}");
    let series = json!({"hashtag": "#TooLong", "title": "Too long", "description": too_long});
    let (status, answer) = app.post("/api/v1/series", Some(&host.token), series).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["message"].as_str().is_some_and(|m| m.starts_with("description:")), "{answer}");

    let edit = |description: &str| json!({"description": description});
    let (status, edited) =
        app.request(reqwest::Method::PATCH, "/api/v1/series/Padded", Some(&host.token), Some(edit(&padded))).await;
    assert_eq!((status.as_u16(), &edited["description"]), (200, &json!(longest)), "{edited}");
    let (status, answer) =
        app.request(reqwest::Method::PATCH, "/api/v1/series/Padded", Some(&host.token), Some(edit(&too_long))).await;
    assert_eq!(status, 422, "{answer}");

    let (status, answer) =
        app.post("/api/v1/archives/import", Some(&host.token), export_with_description(&too_long, 7)).await;
    assert_eq!(status, 422, "imports follow the rule too: {answer}");
    assert!(answer["error"]["message"].as_str().is_some_and(|m| m.starts_with("series.description:")), "{answer}");
    let (status, _) = app.get("/api/v1/series/Imported", None).await;
    assert_eq!(status, 404, "nothing of the refused file was imported");
    let (status, answer) =
        app.post("/api/v1/archives/import", Some(&host.token), export_with_description(&padded, 7)).await;
    assert_eq!(status, 201, "{answer}");
    let (_, imported) = app.get("/api/v1/series/Imported", None).await;
    assert_eq!(imported["description"], longest.as_str(), "stored trimmed, as when created");
    // Into a series that exists, the file's description is not used, so it is not checked
    // either: a file exported before the rule still imports.
    let (status, answer) =
        app.post("/api/v1/archives/import", Some(&host.token), export_with_description(&too_long, 8)).await;
    assert_eq!(status, 201, "{answer}");
    let (_, imported) = app.get("/api/v1/series/Imported", None).await;
    assert_eq!(imported["description"], longest.as_str(), "the series keeps its own");
}
