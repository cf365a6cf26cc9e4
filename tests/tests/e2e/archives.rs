//! Archives: frozen figures, transcripts grouped by question, exports and imports, search, feeds.
//!
//! Every test runs one small chat the same way (two questions, answers, a reply thread, likes,
//! a link, one message hidden by moderation) and lets the scheduler archive it.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tweetchat_protocol::{ClientFrame, ServerFrame};
use tweetchat_tests::app::{TestApp, TestUser};
use tweetchat_tests::clock::TestClock;
use tweetchat_tests::ws::Client;
use uuid::Uuid;

/// A message with everything that needs escaping in one export format or another.
const AWKWARD: &str = "A2 \"quoted\", with comma & <b>bold</b> *stars* _under_\nsecond line";
/// What moderation hides before the chat is archived: it must never be counted or shown.
const HIDDEN: &str = "A2 spam spam spam <script>alert(1)</script>";

struct Chat {
    app: TestApp,
    host: TestUser,
    session: Uuid,
    ids: HashMap<&'static str, Uuid>,
}

async fn post(ws: &mut Client, client_id: &str, text: &str, reply_to: Option<Uuid>) -> Uuid {
    ws.send(&ClientFrame::Post { client_id: client_id.into(), text: text.into(), reply_to, quote_of: None }).await;
    match ws.answer_to(client_id).await {
        ServerFrame::Ack { message_id, .. } => message_id,
        other => panic!("post {client_id} refused: {other:?}"),
    }
}

async fn like(ws: &mut Client, message_id: Uuid) {
    ws.send(&ClientFrame::Like { message_id }).await;
    ws.until(|f| matches!(f, ServerFrame::Liked { message_id: m, .. } if *m == message_id)).await;
}

async fn release(app: &TestApp, host: &TestUser, session: Uuid) -> Uuid {
    let (status, body) =
        app.post(&format!("/api/v1/sessions/{session}/questions/release"), Some(&host.token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["id"].as_str().and_then(|s| s.parse().ok()).expect("question id")
}

async fn sql(app: &TestApp) -> sqlx::PgConnection {
    <sqlx::PgConnection as sqlx::Connection>::connect(&app.db_url).await.expect("sql connection")
}

async fn hide(app: &TestApp, message: Uuid) {
    let mut conn = sql(app).await;
    sqlx::query("UPDATE messages SET hidden_at = now() WHERE id = $1")
        .bind(message)
        .execute(&mut conn)
        .await
        .expect("hide");
}

/// Runs the chat and waits until the scheduler has archived it.
async fn archived_chat(hashtag: &str) -> Chat {
    let clock = Arc::new(TestClock::new(Utc::now(), 0.0));
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let host = app.sign_up("host").await;
    let session = app.scheduled_session(&host, hashtag).await;
    let (status, body) = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/sessions/{session}/questions"),
            Some(&host.token),
            Some(json!({"questions": [{"text": "What makes a good handover?"}, {"text": "What gets lost?"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.post(&format!("/api/v1/sessions/{session}/start"), Some(&host.token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let alice = app.sign_up("alice").await;
    let bob = app.sign_up("bob").await;
    let carol = app.sign_up("carol").await;
    let mut a = app.connect(session, Some(&alice.token)).await;
    let mut b = app.connect(session, Some(&bob.token)).await;
    let mut c = app.connect(session, Some(&carol.token)).await;
    let mut ids = HashMap::new();
    ids.insert("hello", post(&mut a, "hello", "Hello everyone, first time here!", None).await);
    ids.insert("q1", release(&app, &host, session).await);
    let a1 =
        post(&mut a, "a1", "A1 Handover needs time, quiet and a checklist https://example.org/handover.", None).await;
    ids.insert("a1_alice", a1);
    ids.insert("a1_bob", post(&mut b, "a1", &format!("A1 the checklist matters most {hashtag}"), None).await);
    ids.insert("reply", post(&mut c, "r1", "Agreed, the checklist saves lives", Some(a1)).await);
    ids.insert("q2", release(&app, &host, session).await);
    let a2 = post(&mut b, "a2", "A2 context gets lost, checklist or not", None).await;
    ids.insert("a2_bob", a2);
    ids.insert("awkward", post(&mut a, "a2", AWKWARD, None).await);
    ids.insert("hidden", post(&mut c, "a2", HIDDEN, None).await);
    like(&mut b, a1).await;
    like(&mut c, a1).await;
    // Each person stays within the burst of the post-and-like rate limit (3).
    let mut h = app.connect(session, Some(&host.token)).await;
    like(&mut h, a2).await;
    hide(&app, ids["hidden"]).await;
    let (status, body) = app.post(&format!("/api/v1/sessions/{session}/end"), Some(&host.token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    clock.advance(Duration::hours(2));
    app.wake_scheduler();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, detail) = app.get(&format!("/api/v1/sessions/{session}"), None).await;
        if detail["status"] == "archived" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "not archived in time: {detail}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Chat { app, host, session, ids }
}

fn count_of(list: &Value, key: &str, name: &str) -> Option<u64> {
    list.as_array()?.iter().find(|e| e[key] == name).and_then(|e| e["count"].as_u64())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_are_frozen_at_archiving_without_hidden_messages_and_follow_a_late_hide() {
    let chat = archived_chat("#WeNurses").await;
    let (status, digest) = chat.app.get(&format!("/api/v1/sessions/{}/digest", chat.session), None).await;
    assert_eq!(status, StatusCode::OK, "{digest}");
    let f = &digest["figures"];
    // Q1, Q2, hello, two A1s, the reply, A2 and the awkward A2; not the hidden one.
    assert_eq!(f["messages"], 8, "{f}");
    assert_eq!(f["participants"], 4, "host, alice, bob, carol: {f}");
    assert_eq!(f["viewers_peak"], 4, "alice, bob, carol and the host were connected at once: {f}");
    assert_eq!(f["audience"], json!({"proposals": 0, "approved": 0, "votes": 0}));
    assert_eq!(f["questions"][0]["number"], 1);
    assert_eq!(f["questions"][0]["messages"], 3, "two answers and a reply: {f}");
    assert_eq!(f["questions"][0]["answers"], 2);
    assert_eq!(f["questions"][1]["messages"], 2, "the hidden answer is not counted: {f}");
    assert_eq!(f["questions"][1]["answers"], 2);
    assert_eq!(f["conversation_messages"], 1);
    assert_eq!(f["replies"], 1);
    assert_eq!(f["likes"], 3);
    assert_eq!(f["top_by_likes"][0]["handle"], "@alice");
    assert_eq!(f["top_by_likes"][0]["count"], 2);
    assert_eq!(f["first_time_participants"], json!(["@alice", "@bob", "@carol", "@host"]));
    assert_eq!(f["links"], json!([{"url": "https://example.org/handover", "count": 1}]));
    assert_eq!(count_of(&f["top_terms"], "term", "checklist"), Some(4), "{f}");
    assert_eq!(count_of(&f["top_terms"], "term", "spam"), None, "hidden words are not counted");
    assert_eq!(count_of(&f["top_terms"], "term", "#wenurses"), None, "the chat's own hashtag is not a term");
    assert_eq!(count_of(&f["top_terms"], "term", "the"), None, "stop words are not terms");
    assert_eq!(f["activity"]["per_minute"].as_array().map(|m| m.iter().filter_map(Value::as_u64).sum()), Some(8));
    assert_eq!(digest["newcomers"], f["first_time_participants"]);
    assert_eq!(digest["questions"][1]["answers"], 2);

    // The figures were stored in the archiving transaction, not computed by the read.
    let mut conn = sql(&chat.app).await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM archive_figures WHERE session_id = $1")
        .bind(chat.session)
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(stored, 1);

    // Late moderation: hidden after archiving, audited, and no longer counted.
    hide(&chat.app, chat.ids["a2_bob"]).await;
    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM archive_moderation_log WHERE message_id = $1")
        .bind(chat.ids["a2_bob"])
        .fetch_one(&mut conn)
        .await
        .expect("log");
    assert_eq!(logged, 1);
    let (_, digest) = chat.app.get(&format!("/api/v1/sessions/{}/digest", chat.session), None).await;
    assert_eq!(digest["figures"]["messages"], 7, "{digest}");
    assert_eq!(digest["figures"]["questions"][1]["messages"], 1);
    assert_eq!(count_of(&digest["figures"]["top_terms"], "term", "checklist"), Some(3));

    // The archives listings show the same figures, newest first.
    let (status, list) = chat.app.get("/api/v1/series/wenurses/archives", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["archives"][0]["session"]["id"], chat.session.to_string());
    assert_eq!(list["archives"][0]["figures"]["messages"], 7);
    let (_, site) = chat.app.get("/api/v1/archives?limit=1", None).await;
    assert_eq!(site["archives"].as_array().map(Vec::len), Some(1));
    assert_eq!(site["next_offset"], Value::Null);
    let (status, _) = chat.app.get("/api/v1/series/nosuchtag/archives", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grouped_transcript_puts_each_question_before_its_answers_and_threads_with_permalinks() {
    let chat = archived_chat("#WeNurses").await;
    let path = format!("/api/v1/sessions/{}/transcript/grouped", chat.session);
    let (status, page) = chat.app.get(&path, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let shape: Vec<(String, Vec<(String, u64)>)> = page["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            let entries = g["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .map(|e| (e["message"]["id"].as_str().expect("id").to_owned(), e["depth"].as_u64().expect("depth")))
                .collect();
            (g["label"].as_str().expect("label").to_owned(), entries)
        })
        .collect();
    let id = |name: &str| chat.ids[name].to_string();
    assert_eq!(
        shape,
        vec![
            ("Q1".to_owned(), vec![(id("q1"), 0), (id("a1_alice"), 0), (id("reply"), 1), (id("a1_bob"), 0)]),
            ("Q2".to_owned(), vec![(id("q2"), 0), (id("a2_bob"), 0), (id("awkward"), 0)]),
            ("conversation".to_owned(), vec![(id("hello"), 0)]),
        ]
    );
    let permalink = page["groups"][0]["entries"][1]["permalink"].as_str().expect("permalink");
    assert!(permalink.ends_with(&format!("/transcript.html?session={}#m-{}", chat.session, id("a1_alice"))));

    // Paged: three messages, then the rest, with the Q1 group continued on the second page.
    let (_, first) = chat.app.get(&format!("{path}?limit=3"), None).await;
    assert_eq!(first["next_after"], 3);
    assert_eq!(first["total"], 8);
    let (_, second) = chat.app.get(&format!("{path}?after=3&limit=100"), None).await;
    assert_eq!(second["groups"][0]["label"], "Q1");
    assert_eq!(second["groups"][0]["entries"][0]["message"]["id"], id("a1_bob"));
    assert_eq!(second["next_after"], Value::Null);
    let (status, _) = chat.app.get(&format!("/api/v1/sessions/{}/transcript/grouped", Uuid::now_v7()), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn export(app: &TestApp, session: Uuid, format: &str) -> (StatusCode, String, String) {
    let response = app
        .http
        .get(format!("{}/api/v1/sessions/{session}/export/{format}", app.base))
        .send()
        .await
        .expect("export request");
    let status = response.status();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, response.text().await.expect("export body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_export_imports_into_a_fresh_instance_once_and_exports_again_identically() {
    let chat = archived_chat("#WeNurses").await;
    let (status, _, original) = export(&chat.app, chat.session, "json").await;
    assert_eq!(status, StatusCode::OK, "{original}");
    assert!(!original.contains("spam"), "hidden messages are not exported");
    let document: Value = serde_json::from_str(&original).expect("json export");
    assert_eq!(document["format"], "tweetchat-archive");
    assert_eq!(document["version"], 1);
    assert_eq!(document["messages"].as_array().map(Vec::len), Some(8));

    let other = TestApp::spawn().await;
    let mover = other.sign_up("mover").await;
    // Rejected files import nothing, and say why.
    let mut wrong_version = document.clone();
    wrong_version["version"] = json!(2);
    let (status, body) = other.post("/api/v1/archives/import", Some(&mover.token), wrong_version).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.starts_with("version:")), "{body}");
    let mut dangling = document.clone();
    dangling["messages"][0]["reply_to"] = json!(Uuid::now_v7());
    let (status, body) = other.post("/api/v1/archives/import", Some(&mover.token), dangling).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = other.post("/api/v1/archives/import", Some(&mover.token), json!({"hello": "world"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let oversized = other
        .http
        .post(format!("{}/api/v1/archives/import", other.base))
        .bearer_auth(&mover.token)
        .header("content-type", "application/json")
        .body(vec![b' '; 33 * 1024 * 1024])
        .send()
        .await
        .expect("oversized request");
    assert_eq!(oversized.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The unread upload makes the connection unusable; the server must say so, or the
    // client's pool reuses it and the next request fails half-way.
    assert_eq!(oversized.headers().get("connection").and_then(|v| v.to_str().ok()), Some("close"));
    assert!(oversized.text().await.expect("body").contains("import limit"));
    let (status, _) = other.get("/api/v1/series/wenurses", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing of a rejected file was imported");
    let (status, _) = other.post("/api/v1/archives/import", None, document.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, body) = other.post("/api/v1/archives/import", Some(&mover.token), document.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["imported"], true);
    let (status, body) = other.post("/api/v1/archives/import", Some(&mover.token), document.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["imported"], false, "the same file twice imports once");
    let mut conn = sql(&other).await;
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages").fetch_one(&mut conn).await.expect("count");
    assert_eq!(messages, 8);

    let (status, _, again) = export(&other, chat.session, "json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, original, "export, import, export: identical");

    // Someone who does not host the series cannot import into it.
    let stranger = chat.app.sign_up("stranger").await;
    let (status, _) = chat.app.post("/api/v1/archives/import", Some(&stranger.token), document).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_markdown_and_html_exports_escape_what_people_typed() {
    let chat = archived_chat("#WeNurses").await;
    let (status, content_type, csv) = export(&chat.app, chat.session, "csv").await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(content_type.starts_with("text/csv"));
    assert!(!csv.contains("spam"));
    // Quotes doubled, the field quoted because of its comma, quotes and newline.
    assert!(csv.contains("\"A2 \"\"quoted\"\", with comma & <b>bold</b> *stars* _under_\nsecond line\""), "{csv}");
    let rows = csv.lines().filter(|l| l.contains(&chat.session.to_string())).count();
    assert_eq!(rows, 8, "one row per visible message (with its permalink)");

    let (status, _, markdown) = export(&chat.app, chat.session, "md").await;
    assert_eq!(status, StatusCode::OK);
    assert!(markdown.contains("## Q1: What makes a good handover?"), "{markdown}");
    assert!(markdown.contains("## Conversation"));
    assert!(markdown.find("## Q1").expect("Q1") < markdown.find("## Q2").expect("Q2"));
    assert!(
        markdown.contains(
            "A2 \"quoted\", with comma &amp; &lt;b&gt;bold&lt;/b&gt; \\*stars\\* \\_under\\_\\\n  second line"
        ),
        "{markdown}"
    );
    assert!(!markdown.contains("<b>") && !markdown.contains("spam"));

    let (status, content_type, html) = export(&chat.app, chat.session, "html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;") && !html.contains("<b>bold"), "{html}");
    assert!(!html.contains("<script") && !html.contains("spam"), "no script, no hidden message");
    assert!(!html.contains("src=") && !html.contains("<link"), "no external assets");

    // Exports wait for the archive; unknown sessions and formats are refused.
    let host = &chat.host;
    let live = chat.app.scheduled_session(host, "#Later").await;
    let (status, _, body) = export(&chat.app, live, "json").await;
    assert_eq!(status, StatusCode::CONFLICT);
    // The scheduler's clock is two hours ahead here, so the new session may already be in its
    // lobby: the status word is not the point.
    assert!(body.contains("exports are available once the session is archived; it is "), "{body}");
    let (status, body) = chat.app.get(&format!("/api/v1/sessions/{live}/digest"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _, _) = export(&chat.app, Uuid::now_v7(), "csv").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = export(&chat.app, chat.session, "pdf").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_by_word_respects_filters_and_never_returns_hidden_messages() {
    let chat = archived_chat("#WeNurses").await;
    let search = |query: &str| {
        let path = format!("/api/v1/search?{query}");
        let app = &chat.app;
        async move { app.get(&path, None).await }
    };
    let ids_of = |body: &Value| -> Vec<String> {
        body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["message_id"].as_str().expect("id").to_owned())
            .collect()
    };
    let (status, body) = search("q=checklist").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids_of(&body).len(), 4, "{body}");
    let first = &body["results"][0];
    assert!(first["snippet_html"].as_str().is_some_and(|s| s.contains("<mark>checklist</mark>")), "{first}");
    assert!(first["permalink"].as_str().is_some_and(|p| p.contains("#m-")));

    // Newest first: the same matches, by time.
    let (status, newest) = search("q=checklist&sort=newest").await;
    assert_eq!(status, StatusCode::OK, "{newest}");
    let mut by_relevance = ids_of(&body);
    let mut by_time = ids_of(&newest);
    let times: Vec<&str> =
        newest["results"].as_array().expect("results").iter().filter_map(|r| r["created_at"].as_str()).collect();
    assert!(times.len() == 4 && times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    by_relevance.sort();
    by_time.sort();
    assert_eq!(by_relevance, by_time);
    let (status, body) = search("q=checklist&sort=oldest").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.starts_with("query:")), "{body}");

    let (_, body) = search("q=checklist&author=@bob").await;
    assert_eq!(ids_of(&body).len(), 2);
    let (_, body) = search("q=checklist&question=2").await;
    assert_eq!(ids_of(&body), [chat.ids["a2_bob"].to_string()]);
    let (_, body) = search("q=checklist&hashtag=SomethingElse").await;
    assert_eq!(ids_of(&body).len(), 0);
    let future = (Utc::now() + Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let (_, body) = search(&format!("q=checklist&from={future}")).await;
    assert_eq!(ids_of(&body).len(), 0);
    let (_, body) = search("q=spam").await;
    assert_eq!(ids_of(&body).len(), 0, "hidden messages are never found");
    // Snippets are escaped text with only our <mark> as markup (PostgreSQL's headline leaves out
    // what looks like tags; the quotes and `&` come back escaped).
    let (_, body) = search("q=bold").await;
    let snippet = body["results"][0]["snippet_html"].as_str().unwrap_or_default();
    assert!(snippet.contains("<mark>bold</mark>") && snippet.contains("&quot;, with comma &amp;"), "{body}");
    assert_eq!(snippet.replace("<mark>", "").replace("</mark>", "").find(['<', '>']), None, "{snippet}");
    // Query syntax is never an error.
    for q in ["%22unbalanced", "a%20%26%20%7C%20!", "-", "%3A*%28%29", "or"] {
        let (status, body) = search(&format!("q={q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
    }
    // A NUL cannot reach PostgreSQL as text: a clear refusal, not a server error.
    let (status, body) = search("q=check%00list").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.starts_with("q:")), "{body}");
    let (status, _) = search("q=").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atom_feeds_list_new_archives_site_wide_and_per_hashtag() {
    let chat = archived_chat("#WeNurses").await;
    for path in ["/api/v1/archives.atom", "/api/v1/series/WeNurses/archives.atom"] {
        let response = chat.app.http.get(format!("{}{path}", chat.app.base)).send().await.expect("feed");
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("application/atom+xml"), "{content_type}");
        let feed = response.text().await.expect("feed body");
        assert!(feed.contains(&format!("<id>urn:uuid:{}</id>", chat.session)), "{feed}");
        assert!(feed.contains("#WeNurses: #WeNurses chat"), "{feed}");
    }
    let (status, _) = chat.app.get("/api/v1/series/nosuchtag/archives.atom", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A series closed to viewers: its archives need sign-in, and it has no feed.
    let (status, body) = chat
        .app
        .post(
            "/api/v1/series",
            Some(&chat.host.token),
            json!({"hashtag": "#Private", "title": "Private", "allow_viewers": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = chat.app.get("/api/v1/series/private/archives", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = chat.app.get("/api/v1/series/private/archives", Some(&chat.host.token)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = chat.app.get("/api/v1/series/private/archives.atom", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_archive_endpoint() {
    let app = TestApp::spawn().await;
    let (_, doc) = app.get("/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/archives",
        "/api/v1/archives.atom",
        "/api/v1/archives/import",
        "/api/v1/series/{hashtag}/archives",
        "/api/v1/series/{hashtag}/archives.atom",
        "/api/v1/sessions/{id}/transcript/grouped",
        "/api/v1/sessions/{id}/digest",
        "/api/v1/sessions/{id}/export/{format}",
        "/api/v1/search",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
}
