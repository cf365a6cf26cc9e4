//! The scheduler runs chats by itself: on time, in order, once, and after downtime too.

use chrono::{Duration, Utc};
use serde_json::json;
use std::sync::Arc;
use tweetchat_protocol::{MessageKind, ServerFrame};
use tweetchat_tests::app::TestApp;
use tweetchat_tests::clock::TestClock;
use tweetchat_tests::ws::Client;
use uuid::Uuid;

async fn plan(app: &TestApp, token: &str, session: Uuid, questions: serde_json::Value) {
    let (status, body) = app
        .request(reqwest::Method::PUT, &format!("/api/v1/sessions/{session}/questions"), Some(token), Some(questions))
        .await;
    assert_eq!(status, 200, "{body}");
}

fn state_of(frame: &ServerFrame) -> Option<&str> {
    match frame {
        ServerFrame::SessionState { status, .. } => Some(status),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_session_runs_by_itself_from_lobby_to_archive_releasing_its_questions() {
    // 120 times real time: a five-minute chat takes 2.5 seconds, its archive window 7.5.
    let clock = Arc::new(TestClock::new(Utc::now(), 120.0));
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let host = app.sign_up("host").await;
    let alice = app.sign_up("alice").await;
    let (status, _) =
        app.post("/api/v1/series", Some(&host.token), json!({"hashtag": "#WeNurses", "title": "Nurses"})).await;
    assert_eq!(status, 201);
    let starts_at = tweetchat_scheduler::Clock::now(clock.as_ref()) + Duration::minutes(2);
    let (status, session) = app
        .post(
            "/api/v1/series/WeNurses/sessions",
            Some(&host.token),
            json!({"starts_at": starts_at, "duration_minutes": 5, "lobby_minutes": 1}),
        )
        .await;
    assert_eq!(status, 201, "{session}");
    let session: Uuid = session["id"].as_str().and_then(|s| s.parse().ok()).expect("id");
    let questions = json!({"questions": [
        {"text": "What got you into nursing?", "offset_minutes": 1},
        {"text": "What keeps you going?", "offset_minutes": 2},
        {"text": "One thing you would change?", "offset_minutes": 3},
    ]});
    plan(&app, &host.token, session, questions).await;

    let mut viewer = app.connect(session, None).await;
    let mut ws = Client::connect(app.port, session, Some(&alice.token), None).await;
    assert_eq!(viewer.welcome.session.status, "scheduled");
    let mut seen = Vec::new();
    let mut answered = false;
    loop {
        let frame = viewer.next().await;
        match &frame {
            ServerFrame::SessionState { status, .. } => seen.push(status.clone()),
            ServerFrame::QuestionReleased { message, .. } => {
                assert_eq!(message.kind, MessageKind::Question);
                seen.push(format!("Q{}", message.question.expect("numbered")));
                if !answered {
                    ws.post("a1", "A1: the people #WeNurses").await;
                    answered = true;
                }
            }
            ServerFrame::Message { message, .. } => {
                assert_eq!(message.answers, Some(1), "the answer is linked to question 1");
                assert!(!message.answers_unreleased);
            }
            _ => {}
        }
        if state_of(&frame) == Some("archived") {
            break;
        }
    }
    assert_eq!(seen, ["lobby", "live", "Q1", "Q2", "Q3", "closed", "archived"]);
    let (_, questions) = app.get(&format!("/api/v1/sessions/{session}/questions"), None).await;
    let numbers: Vec<i64> = questions.as_array().expect("list").iter().filter_map(|q| q["number"].as_i64()).collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert!(questions.as_array().expect("list").iter().all(|q| q["released_late"] == false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_downtime_the_missed_steps_happen_in_order_once_and_late_questions_are_marked() {
    let clock = Arc::new(TestClock::new(Utc::now(), 0.0));
    let mut app = TestApp::spawn_with_clock(clock.clone()).await;
    let host = app.sign_up("host").await;
    app.post("/api/v1/series", Some(&host.token), json!({"hashtag": "WeCommissioners", "title": "Commissioners"}))
        .await;
    let starts_at = tweetchat_scheduler::Clock::now(clock.as_ref()) + Duration::minutes(30);
    let (_, session) = app
        .post(
            "/api/v1/series/WeCommissioners/sessions",
            Some(&host.token),
            json!({"starts_at": starts_at, "duration_minutes": 60}),
        )
        .await;
    let session: Uuid = session["id"].as_str().and_then(|s| s.parse().ok()).expect("id");
    plan(
        &app,
        &host.token,
        session,
        json!({"questions": [{"text": "First?", "offset_minutes": 10}, {"text": "Second?", "offset_minutes": 20}]}),
    )
    .await;

    // Down from before the lobby opened until after the end and the archive window.
    app.stop().await;
    clock.advance(Duration::hours(3));
    app.restart().await;

    let mut reader = Client::connect(app.port, session, None, Some(0)).await;
    let mut seen = Vec::new();
    loop {
        let frame = reader.next().await;
        match &frame {
            ServerFrame::SessionState { status, .. } => seen.push(status.clone()),
            ServerFrame::QuestionReleased { message, .. } => {
                seen.push(format!("Q{}", message.question.unwrap_or_default()))
            }
            _ => {}
        }
        if state_of(&frame) == Some("archived") {
            break;
        }
    }
    assert_eq!(seen, ["lobby", "live", "Q1", "Q2", "closed", "archived"]);
    let (_, questions) = app.get(&format!("/api/v1/sessions/{session}/questions"), None).await;
    assert!(questions.as_array().expect("list").iter().all(|q| q["released_late"] == true), "{questions}");

    // Restarting again changes nothing: each step happened once.
    app.restart().await;
    app.wake_scheduler();
    let (_, detail) = app.get(&format!("/api/v1/sessions/{session}"), None).await;
    assert_eq!(detail["status"], "archived");
    let mut again = Client::connect(app.port, session, None, Some(0)).await;
    let frames = again.stream_until(detail["last_seq"].as_i64().expect("seq")).await;
    assert_eq!(frames.iter().filter(|f| f.seq().is_some()).count() as i64, detail["last_seq"].as_i64().expect("seq"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_schedulers_over_one_database_perform_each_step_exactly_once() {
    let app = TestApp::spawn().await;
    let host = app.sign_up("host").await;
    app.post("/api/v1/series", Some(&host.token), json!({"hashtag": "Busy", "title": "Busy"})).await;
    let db = tweetchat_storage::Database::connect(app.db_url.parse().expect("url"), 10).await.expect("db");
    let series = db.series_by_hashtag(&tweetchat_domain::Hashtag::parse("Busy").expect("tag")).await.expect("series");
    let now = Utc::now();
    let mut sessions = Vec::new();
    for i in 0..200 {
        // Sessions of one series never overlap: one every 40 minutes, the latest a minute ahead.
        let starts_at = now + Duration::minutes(1) - Duration::minutes(40 * i);
        let new = tweetchat_storage::sessions::NewSession {
            series_id: series.id,
            title: "due".into(),
            starts_at,
            ends_at: starts_at + Duration::minutes(30),
            lobby_lead: Duration::minutes(5),
            archive_grace: Duration::minutes(5),
        };
        let session = db.create_session(&new).await.expect("session");
        db.replace_plan(
            session.id,
            &[tweetchat_storage::questions::PlannedQuestion { text: "Q?".into(), offset_minutes: Some(10) }],
        )
        .await
        .expect("plan");
        sessions.push(session.id);
    }
    // Three instances, each with its own pool, all finding everything due at once.
    let later = now + Duration::hours(2);
    let mut instances = Vec::new();
    for _ in 0..3 {
        let db = tweetchat_storage::Database::connect(app.db_url.parse().expect("url"), 5).await.expect("db");
        instances.push(tokio::spawn(async move {
            let mut steps = 0;
            loop {
                let done = db.run_due(later, 25).await.expect("run due");
                if done.is_empty() {
                    return steps;
                }
                steps += done.len();
            }
        }));
    }
    let mut steps = 0;
    for instance in instances {
        steps += instance.await.expect("instance");
    }
    // Per session: lobby, live, Q1, closed, archived.
    assert_eq!(steps, 200 * 5);
    let mut sql = <sqlx::PgConnection as sqlx::Connection>::connect(&app.db_url).await.expect("sql");
    let duplicates: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT session_id, payload->>'status' FROM session_events WHERE kind = 'session_state'
          GROUP BY 1, 2 HAVING count(*) > 1) d",
    )
    .fetch_one(&mut sql)
    .await
    .expect("query");
    assert_eq!(duplicates, 0);
    let states: i64 = sqlx::query_scalar("SELECT count(*) FROM session_events WHERE kind = 'session_state'")
        .fetch_one(&mut sql)
        .await
        .expect("query");
    assert_eq!(states, 200 * 4);
    let questions: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE kind = 'question'")
        .fetch_one(&mut sql)
        .await
        .expect("query");
    assert_eq!(questions, 200);
    let archived: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE status = 'archived'")
        .fetch_one(&mut sql)
        .await
        .expect("query");
    assert_eq!(archived, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_plans_and_edits_of_released_questions_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (host, session) = app.live_session().await;
    let cases = [
        (
            json!({"questions": [{"text": "ok", "offset_minutes": 10}, {"text": "late", "offset_minutes": 60}]}),
            "questions[1].offset_minutes",
        ),
        (json!({"questions": [{"text": "  ", "offset_minutes": 1}]}), "questions[0].text"),
        (json!({"questions": [{"text": "negative", "offset_minutes": -1}]}), "questions[0].offset_minutes"),
    ];
    for (body, field) in cases {
        let (status, answer) = app
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/sessions/{session}/questions"),
                Some(&host.token),
                Some(body),
            )
            .await;
        assert_eq!(status, 422, "{answer}");
        assert!(answer["error"]["message"].as_str().is_some_and(|m| m.contains(field)), "{answer} should name {field}");
    }
    let (_, plan_now) = app.get(&format!("/api/v1/sessions/{session}/questions"), Some(&host.token)).await;
    assert_eq!(plan_now.as_array().map(Vec::len), Some(0), "nothing was half-saved");

    plan(&app, &host.token, session, json!({"questions": [{"text": "By hand?"}]})).await;
    let (status, released) =
        app.post(&format!("/api/v1/sessions/{session}/questions/release"), Some(&host.token), json!({})).await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(released["text"], "Q1: By hand?");
    let (_, questions) = app.get(&format!("/api/v1/sessions/{session}/questions"), Some(&host.token)).await;
    let id = questions[0]["id"].as_str().expect("id");
    let (status, answer) = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/sessions/{session}/questions/{id}"),
            Some(&host.token),
            Some(json!({"text": "rewritten"})),
        )
        .await;
    assert_eq!(status, 409, "{answer}");
    let (status, _) =
        app.post(&format!("/api/v1/sessions/{session}/questions/release"), Some(&host.token), json!({})).await;
    assert_eq!(status, 409, "nothing left to release");
    let alice = app.sign_up("alice").await;
    let (status, _) =
        app.post(&format!("/api/v1/sessions/{session}/questions/release"), Some(&alice.token), json!({})).await;
    assert_eq!(status, 403);
}
