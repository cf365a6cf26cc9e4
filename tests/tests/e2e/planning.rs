//! Planning chats: recurring series in their home time zone, sessions moved and cancelled one
//! at a time, calendar feeds, and the notices and timing changes of a live session.

use chrono::{DateTime, Duration, Utc};
use icalendar::{CalendarComponent, CalendarDateTime, Component, DatePerhapsTime};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tweetchat_protocol::{MessageKind, ServerFrame};
use tweetchat_tests::app::{TestApp, TestUser};
use tweetchat_tests::clock::TestClock;

async fn series(app: &TestApp, host: &TestUser, hashtag: &str, time_zone: &str) {
    let body = json!({"hashtag": hashtag, "title": "Nurses", "time_zone": time_zone});
    let (status, answer) = app.post("/api/v1/series", Some(&host.token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

fn starts(sessions: &Value) -> Vec<DateTime<Utc>> {
    sessions
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| s["starts_at"].as_str().and_then(|t| t.parse().ok()).expect("starts_at"))
        .collect()
}

#[tokio::test]
async fn a_weekly_series_keeps_its_local_time_across_daylight_saving_and_feeds_calendars() {
    let app = TestApp::spawn().await;
    let host = app.sign_up("host").await;
    series(&app, &host, "#WeNurses", "Europe/London").await;
    // Eight Thursdays from 4 March 2027 span the clocks going forward on 28 March.
    let rule = json!({"rule": "FREQ=WEEKLY;BYDAY=TH", "first_start_local": "2027-03-04T20:00:00"});
    let (status, plan) =
        app.request(Method::PUT, "/api/v1/series/WeNurses/recurrence", Some(&host.token), Some(rule.clone())).await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let upcoming = &plan["upcoming"];
    let times = starts(upcoming);
    assert_eq!(times.len(), 8, "the next eight sessions exist: {plan}");
    let utc_hours: Vec<String> = times.iter().map(|t| t.format("%m-%d %H:%M").to_string()).collect();
    assert_eq!(
        utc_hours,
        [
            "03-04 20:00",
            "03-11 20:00",
            "03-18 20:00",
            "03-25 20:00",
            "04-01 19:00",
            "04-08 19:00",
            "04-15 19:00",
            "04-22 19:00"
        ],
        "20:00 in London is 20:00 UTC in winter and 19:00 UTC in summer"
    );
    for session in upcoming.as_array().expect("sessions") {
        let local = session["local_starts_at"].as_str().expect("local");
        assert!(local.contains("T20:00:00"), "{local}");
        assert_eq!(session["time_zone"], "Europe/London");
    }

    // Setting the same rule again creates nothing twice.
    let (_, again) =
        app.request(Method::PUT, "/api/v1/series/WeNurses/recurrence", Some(&host.token), Some(rule.clone())).await;
    assert_eq!(starts(&again["upcoming"]), times);

    // One session moved, one cancelled: each on its own.
    let first = upcoming[0]["id"].as_str().expect("id").to_owned();
    let second = upcoming[1]["id"].as_str().expect("id").to_owned();
    let moved_to = times[0] + Duration::hours(1);
    let (status, moved) = app
        .request(
            Method::PATCH,
            &format!("/api/v1/sessions/{first}"),
            Some(&host.token),
            Some(json!({"starts_at": moved_to})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let (status, cancelled) =
        app.post(&format!("/api/v1/sessions/{second}/cancel"), Some(&host.token), json!({})).await;
    assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{cancelled}");
    let (_, again) =
        app.request(Method::PUT, "/api/v1/series/WeNurses/recurrence", Some(&host.token), Some(rule)).await;
    assert_eq!(again["upcoming"].as_array().map(Vec::len), Some(8), "a cancelled occurrence is not created again");

    // The series' details change; bad values change nothing.
    let edit = json!({"title": "Nurses at night", "description": "Every Thursday.", "allow_viewers": false});
    let (status, edited) = app.request(Method::PATCH, "/api/v1/series/WeNurses", Some(&host.token), Some(edit)).await;
    assert_eq!(
        (status, edited["title"].as_str(), edited["allow_viewers"].as_bool()),
        (StatusCode::OK, Some("Nurses at night"), Some(false)),
        "{edited}"
    );
    let (status, _) = app
        .request(
            Method::PATCH,
            "/api/v1/series/WeNurses",
            Some(&host.token),
            Some(json!({"time_zone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let stranger = app.sign_up("stranger").await;
    let (status, _) = app
        .request(Method::PATCH, "/api/v1/series/WeNurses", Some(&stranger.token), Some(json!({"title": "Mine"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, series_now) = app.get("/api/v1/series/WeNurses", None).await;
    assert_eq!(
        (series_now["title"].as_str(), series_now["time_zone"].as_str()),
        (Some("Nurses at night"), Some("Europe/London"))
    );

    // Bad input: nothing changes.
    let (status, _) = app
        .request(
            Method::PATCH,
            &format!("/api/v1/sessions/{first}"),
            Some(&host.token),
            Some(json!({"starts_at": times[2]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "moving onto another session overlaps");
    let one_off = json!({"starts_at": times[3] + Duration::minutes(30), "duration_minutes": 60});
    let (status, body) = app.post("/api/v1/series/WeNurses/sessions", Some(&host.token), one_off).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.starts_with("starts_at:")), "{body}");
    for bad in [
        json!({"rule": "FREQ=DAILY", "first_start_local": "2027-03-04T20:00:00"}),
        json!({"rule": "FREQ=WEEKLY;BYDAY=TH;UNTIL=20270101T000000Z", "first_start_local": "2027-03-04T20:00:00"}),
        json!({"rule": "FREQ=WEEKLY;BYDAY=TH", "first_start_local": "not a time"}),
    ] {
        let (status, body) =
            app.request(Method::PUT, "/api/v1/series/WeNurses/recurrence", Some(&host.token), Some(bad.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {body}");
    }
    let (_, plan) = app.get("/api/v1/series/WeNurses/recurrence", None).await;
    assert_eq!(plan["rule"], "FREQ=WEEKLY;BYDAY=TH", "a refused rule replaced nothing: {plan}");

    // The calendar feed, read by a real iCalendar parser.
    let response = app.http.get(format!("{}/api/v1/series/WeNurses/calendar.ics", app.base)).send().await.expect("ics");
    assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
    let text = response.text().await.expect("body");
    let calendar: icalendar::Calendar = text.parse().expect("a valid iCalendar document");
    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(event) => Some(event),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 8, "{text}");
    let mut feed_starts: Vec<DateTime<Utc>> = events
        .iter()
        .map(|e| match e.get_start() {
            Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(at))) => at,
            other => panic!("DTSTART must be a UTC time, got {other:?}"),
        })
        .collect();
    feed_starts.sort();
    let mut expected = times.clone();
    expected[0] = moved_to;
    expected.sort();
    assert_eq!(feed_starts, expected, "the feed has the sessions' instants, the moved one moved");
    let cancelled_events = events.iter().filter(|e| e.property_value("STATUS") == Some("CANCELLED")).count();
    assert_eq!(cancelled_events, 1);
    assert!(events.iter().all(|e| e.get_summary().is_some_and(|s| s.starts_with("#WeNurses"))));
    let site = app.http.get(format!("{}/api/v1/calendar.ics", app.base)).send().await.expect("site ics");
    let site: icalendar::Calendar = site.text().await.expect("body").parse().expect("valid");
    assert_eq!(site.components.iter().filter(|c| matches!(c, CalendarComponent::Event(_))).count(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_session_posts_its_reminders_and_minutes_left_and_hosts_extend_and_reopen_it() {
    let clock = Arc::new(TestClock::new(Utc::now(), 0.0));
    let app = TestApp::spawn_with_clock(clock.clone()).await;
    let host = app.sign_up("host").await;
    series(&app, &host, "#WeNurses", "Europe/London").await;
    let notices = json!({"reminder_text": "Answer with A1, A2 ... and keep {hashtag} in your posts", "reminder_minutes": [0], "final_notice_minutes": 10});
    let (status, body) =
        app.request(Method::PUT, "/api/v1/series/WeNurses/notices", Some(&host.token), Some(notices)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .request(
            Method::PUT,
            "/api/v1/series/WeNurses/notices",
            Some(&host.token),
            Some(json!({"reminder_text": "", "reminder_minutes": [-5], "final_notice_minutes": 10})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let starts_at = Utc::now() + Duration::minutes(2);
    let (status, session) = app
        .post(
            "/api/v1/series/WeNurses/sessions",
            Some(&host.token),
            json!({"starts_at": starts_at, "duration_minutes": 30, "lobby_minutes": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let id = session["id"].as_str().expect("id").to_owned();
    let session_id = id.parse().expect("uuid");
    let mut viewer = app.connect(session_id, None).await;
    let (status, _) = app.post(&format!("/api/v1/sessions/{id}/start"), Some(&host.token), json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let notice = |viewer_frame: &ServerFrame| match viewer_frame {
        ServerFrame::Message { message, .. } if message.kind == MessageKind::Notice => Some(message.text.clone()),
        _ => None,
    };
    clock.advance(Duration::minutes(1));
    app.wake_scheduler();
    let reminder = viewer.until(|f| notice(f).is_some()).await;
    assert_eq!(notice(&reminder).as_deref(), Some("Answer with A1, A2 ... and keep #WeNurses in your posts"));

    // Ten minutes before the end (starts_at + 20), then the host extends by 15 minutes.
    clock.advance(Duration::minutes(22));
    app.wake_scheduler();
    let final_notice = viewer.until(|f| notice(f).is_some()).await;
    assert!(notice(&final_notice).is_some_and(|t| t.starts_with("10 minutes left")), "{final_notice:?}");
    let (status, extended) =
        app.post(&format!("/api/v1/sessions/{id}/extend"), Some(&host.token), json!({"minutes": 15})).await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    let new_end: DateTime<Utc> = extended["ends_at"].as_str().and_then(|t| t.parse().ok()).expect("ends_at");
    // The start's own session_state was read past while waiting for notices: skip it.
    let state = viewer.until(|f| matches!(f, ServerFrame::SessionState { ends_at, .. } if *ends_at == new_end)).await;
    assert!(matches!(&state, ServerFrame::SessionState { status, .. } if status == "live"), "{state:?}");
    let (status, _) =
        app.post(&format!("/api/v1/sessions/{id}/extend"), Some(&host.token), json!({"minutes": 0})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The notice moves with the end: another "10 minutes left" before the new end.
    clock.advance(Duration::minutes(15));
    app.wake_scheduler();
    let second = viewer.until(|f| notice(f).is_some()).await;
    assert!(notice(&second).is_some_and(|t| t.starts_with("10 minutes left")), "{second:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_end_reopen_within_the_grace_period_and_cancel_only_what_has_not_started() {
    // A frozen scheduler clock: only the hosts' actions move these sessions.
    let clock = Arc::new(TestClock::new(Utc::now(), 0.0));
    let app = TestApp::spawn_with_clock(clock).await;
    let host = app.sign_up("host").await;
    series(&app, &host, "#WeNurses", "Europe/London").await;
    let schedule =
        |starts_at: DateTime<Utc>| json!({"starts_at": starts_at, "duration_minutes": 30, "lobby_minutes": 0});
    let (_, live) = app
        .post("/api/v1/series/WeNurses/sessions", Some(&host.token), schedule(Utc::now() + Duration::minutes(5)))
        .await;
    let (_, later) =
        app.post("/api/v1/series/WeNurses/sessions", Some(&host.token), schedule(Utc::now() + Duration::days(7))).await;
    let id = live["id"].as_str().expect("id").to_owned();
    let mut viewer = app.connect(id.parse().expect("uuid"), None).await;
    let (status, _) = app.post(&format!("/api/v1/sessions/{id}/start"), Some(&host.token), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.post(&format!("/api/v1/sessions/{id}/cancel"), Some(&host.token), json!({})).await;
    assert!(status.is_client_error(), "a live session cannot be cancelled");
    let (status, _) =
        app.post(&format!("/api/v1/sessions/{id}/reopen"), Some(&host.token), json!({"minutes": 5})).await;
    assert!(status.is_client_error(), "only a closed session can be reopened");
    let (status, _) = app.post(&format!("/api/v1/sessions/{id}/end"), Some(&host.token), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, reopened) =
        app.post(&format!("/api/v1/sessions/{id}/reopen"), Some(&host.token), json!({"minutes": 5})).await;
    assert_eq!((status, reopened["status"].as_str()), (StatusCode::OK, Some("live")), "{reopened}");
    let reopened_seq = reopened["last_seq"].as_i64().expect("last_seq");
    let states: Vec<String> = viewer
        .stream_until(reopened_seq)
        .await
        .into_iter()
        .filter_map(|f| match f {
            ServerFrame::SessionState { status, .. } => Some(status),
            _ => None,
        })
        .collect();
    assert_eq!(states, ["live", "closed", "live"]);

    let later = later["id"].as_str().expect("id");
    let (status, cancelled) = app.post(&format!("/api/v1/sessions/{later}/cancel"), Some(&host.token), json!({})).await;
    assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    let stranger = app.sign_up("stranger").await;
    let (status, _) =
        app.post(&format!("/api/v1/sessions/{id}/extend"), Some(&stranger.token), json!({"minutes": 5})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_plan_of_a_cancelled_session_is_frozen_to_edits_as_to_replacement() {
    let app = TestApp::spawn().await;
    let host = app.sign_up("host").await;
    let session = app.scheduled_session(&host, "#WeNurses").await;
    let plan = format!("/api/v1/sessions/{session}/questions");
    let questions = json!({"questions": [{"text": "What helps at handover?"}]});
    let (status, planned) = app.request(Method::PUT, &plan, Some(&host.token), Some(questions)).await;
    assert_eq!(status, StatusCode::OK, "{planned}");
    let question = planned[0]["id"].as_str().expect("question id").to_owned();
    let (status, _) = app.post(&format!("/api/v1/sessions/{session}/cancel"), Some(&host.token), json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let (put_status, put) = app.request(Method::PUT, &plan, Some(&host.token), Some(json!({"questions": []}))).await;
    let edit = json!({"text": "What gets lost?", "offset_minutes": 5});
    let (patch_status, patch) =
        app.request(Method::PATCH, &format!("{plan}/{question}"), Some(&host.token), Some(edit)).await;
    assert_eq!(put_status, StatusCode::UNPROCESSABLE_ENTITY, "{put}");
    assert_eq!(put["error"]["message"], "questions: the session is cancelled; its plan is frozen");
    assert_eq!((patch_status, &patch["error"]), (put_status, &put["error"]), "PATCH refuses as PUT does: {patch}");
    let (_, after) = app.get(&plan, Some(&host.token)).await;
    assert_eq!(after[0]["text"], "What helps at handover?", "the plan did not change: {after}");
    assert_eq!(after[0]["offset_minutes"], Value::Null);
}
