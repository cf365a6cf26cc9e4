//! The walking skeleton: create a chat, join it, post, end it, read the transcript.

use serde_json::json;
use tweetchat_protocol::ServerFrame;
use tweetchat_tests::app::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_can_be_created_joined_posted_to_ended_and_read_back() {
    let app = TestApp::spawn().await;
    let host = app.sign_up("host").await;
    let alice = app.sign_up("alice").await;

    let session = app.scheduled_session(&host, "#WeCommissioners").await;
    let (status, started) = app.post(&format!("/api/v1/sessions/{session}/start"), Some(&host.token), json!({})).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["status"], "live");
    assert_eq!(started["hashtag"], "#WeCommissioners");

    let mut alice_ws = app.connect(session, Some(&alice.token)).await;
    let mut viewer = app.connect(session, None).await;
    assert_eq!(alice_ws.welcome.role, "participant");
    assert_eq!(viewer.welcome.role, "viewer");
    assert_eq!(alice_ws.welcome.session.status, "live");

    alice_ws.post("c-1", "A1 Hello from the ward #WeCommissioners @host").await;
    let ack = alice_ws.answer_to("c-1").await;
    let ServerFrame::Ack { seq, duplicate: false, .. } = ack else { panic!("expected a fresh ack, got {ack:?}") };
    let seen = viewer.until(|f| matches!(f, ServerFrame::Message { .. })).await;
    let ServerFrame::Message { seq: seen_seq, message } = seen else { unreachable!() };
    assert_eq!(seen_seq, seq);
    assert_eq!(message.text, "A1 Hello from the ward #WeCommissioners @host");
    assert_eq!(message.author.as_ref().map(|a| a.handle.as_str()), Some("@alice"));
    assert_eq!(message.answers, Some(1));
    assert!(message.answers_unreleased, "no question 1 was released yet");
    assert_eq!(message.hashtags, vec!["#WeCommissioners"]);
    assert_eq!(message.mentions, vec!["@host"]);

    let (status, ended) = app.post(&format!("/api/v1/sessions/{session}/end"), Some(&host.token), json!({})).await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["status"], "closed");
    let state = viewer.until(|f| matches!(f, ServerFrame::SessionState { .. })).await;
    assert!(matches!(state, ServerFrame::SessionState { ref status, .. } if status == "closed"), "{state:?}");

    alice_ws.post("c-2", "too late").await;
    assert!(matches!(
        alice_ws.answer_to("c-2").await,
        ServerFrame::Error { code: tweetchat_protocol::ErrorCode::SessionNotLive, .. }
    ));

    let (status, transcript) = app.get(&format!("/api/v1/sessions/{session}/transcript"), None).await;
    assert_eq!(status, 200, "{transcript}");
    let messages = transcript["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["text"], "A1 Hello from the ward #WeCommissioners @host");
    assert_eq!(messages[0]["seq"], seq);
    assert_eq!(transcript["session"]["status"], "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_hosts_run_a_session_and_viewers_cannot_post() {
    let app = TestApp::spawn().await;
    let (_host, session) = app.live_session().await;
    let mallory = app.sign_up("mallory").await;
    let (status, body) = app.post(&format!("/api/v1/sessions/{session}/end"), Some(&mallory.token), json!({})).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    let (status, _) = app.post(&format!("/api/v1/sessions/{session}/end"), None, json!({})).await;
    assert_eq!(status, 401);

    let mut viewer = app.connect(session, None).await;
    viewer.post("v-1", "can I?").await;
    assert!(matches!(
        viewer.answer_to("v-1").await,
        ServerFrame::Error { code: tweetchat_protocol::ErrorCode::Forbidden, .. }
    ));
    let (_, transcript) = app.get(&format!("/api/v1/sessions/{session}/transcript"), None).await;
    assert_eq!(transcript["messages"].as_array().map(Vec::len), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcripts_are_paged_in_stream_order() {
    let app = TestApp::spawn_with(|s, _| s.post_rate_per_minute = 1000).await;
    let (_host, session) = app.live_session().await;
    let alice = app.sign_up("alice").await;
    let mut ws = app.connect(session, Some(&alice.token)).await;
    for i in 0..5 {
        ws.post(&format!("p{i}"), &format!("message {i}")).await;
        ws.answer_to(&format!("p{i}")).await;
    }
    let (_, first) = app.get(&format!("/api/v1/sessions/{session}/transcript?limit=3"), None).await;
    let texts: Vec<&str> =
        first["messages"].as_array().expect("page").iter().filter_map(|m| m["text"].as_str()).collect();
    assert_eq!(texts, ["message 0", "message 1", "message 2"]);
    let after = first["next_after"].as_i64().expect("a next page");
    let (_, second) = app.get(&format!("/api/v1/sessions/{session}/transcript?limit=3&after={after}"), None).await;
    let texts: Vec<&str> =
        second["messages"].as_array().expect("page").iter().filter_map(|m| m["text"].as_str()).collect();
    assert_eq!(texts, ["message 3", "message 4"]);
    assert!(second["next_after"].is_null());
}
