//! Bad input on the live socket: each gets its documented error or close code, nothing is
//! stored, and the server keeps serving everyone else.

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tweetchat_protocol::{ClientFrame, ErrorCode, ServerFrame, close};
use tweetchat_tests::app::TestApp;
use tweetchat_tests::ws::{self, Client, Ended};

fn error_code(frame: &ServerFrame) -> Option<ErrorCode> {
    match frame {
        ServerFrame::Error { code, .. } => Some(*code),
        _ => None,
    }
}

async fn transcript_len(app: &TestApp, session: uuid::Uuid) -> usize {
    let (_, transcript) = app.get(&format!("/api/v1/sessions/{session}/transcript"), None).await;
    transcript["messages"].as_array().map(Vec::len).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_get_error_frames_and_the_connection_stays_open() {
    let app = TestApp::spawn().await;
    let (_host, session) = app.live_session().await;
    let alice = app.sign_up("alice").await;
    let mut ws = app.connect(session, Some(&alice.token)).await;

    let cases: [(Message, ErrorCode, &str); 5] = [
        (Message::text("this is not json"), ErrorCode::BadFrame, "malformed"),
        (Message::text(r#"{"type":"shout","text":"hi"}"#), ErrorCode::BadFrame, "unknown frame type"),
        (Message::text(r#"{"type":"post","text":"no client id"}"#), ErrorCode::BadFrame, "client_id"),
        (Message::text("[1,2,3]"), ErrorCode::BadFrame, "malformed"),
        (Message::binary(vec![1u8, 2, 3]), ErrorCode::BinaryNotSupported, "binary"),
    ];
    for (message, code, words) in cases {
        ws.socket.send(message).await.expect("send");
        let frame = ws.until(|f| matches!(f, ServerFrame::Error { .. })).await;
        assert_eq!(error_code(&frame), Some(code), "{frame:?}");
        let ServerFrame::Error { message, .. } = frame else { unreachable!() };
        assert!(message.contains(words), "{message:?} should mention {words:?}");
    }
    let post_errors = [
        ("", "hello", ErrorCode::InvalidField),
        ("has spaces", "hello", ErrorCode::InvalidField),
        ("ok-1", "   ", ErrorCode::InvalidField),
        ("ok-2", &"x".repeat(281), ErrorCode::TextTooLong),
        ("ok-3", "nul \u{0} inside", ErrorCode::InvalidField),
    ];
    for (client_id, text, code) in post_errors {
        ws.post(client_id, text).await;
        let frame = ws.until(|f| matches!(f, ServerFrame::Error { .. })).await;
        assert_eq!(error_code(&frame), Some(code), "{client_id:?}/{text:?}: {frame:?}");
    }
    // A reply or quote must name a message of this session: checked in the group commit.
    for (client_id, field) in [("ref-1", "reply_to"), ("ref-2", "quote_of")] {
        let frame = format!(
            r#"{{"type":"post","client_id":"{client_id}","text":"about that","{field}":"{}"}}"#,
            uuid::Uuid::now_v7()
        );
        ws.socket.send(Message::text(frame)).await.expect("send");
        let answer = ws.answer_to(client_id).await;
        assert_eq!(error_code(&answer), Some(ErrorCode::NotFound), "{field}: {answer:?}");
    }
    ws.send(&ClientFrame::Ping { nonce: Some("still here?".into()) }).await;
    assert!(
        matches!(ws.until(|f| matches!(f, ServerFrame::Pong { .. })).await, ServerFrame::Pong { nonce: Some(n) } if n == "still here?")
    );
    ws.post("good", "a real message").await;
    assert!(matches!(ws.answer_to("good").await, ServerFrame::Ack { .. }));
    assert_eq!(transcript_len(&app, session).await, 1, "only the valid post was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frames_invalid_utf8_and_persistent_abuse_close_the_connection() {
    let app = TestApp::spawn().await;
    let (_host, session) = app.live_session().await;
    let alice = app.sign_up("alice").await;
    let mut bystander = app.connect(session, Some(&alice.token)).await;

    let mut big = app.connect(session, None).await;
    big.socket.send(Message::text("x".repeat(64 * 1024))).await.expect("send");
    assert_eq!(big.closed().await, Ended::Closed(Some(close::MESSAGE_TOO_BIG)));

    let mut garbled = app.connect(session, None).await;
    let invalid = Frame::message(vec![0xC3u8, 0x28], OpCode::Data(Data::Text), true);
    garbled.socket.send(Message::Frame(invalid)).await.expect("send");
    assert_eq!(garbled.closed().await, Ended::Closed(Some(close::INVALID_PAYLOAD)));

    let mut abuser = app.connect(session, None).await;
    for _ in 0..20 {
        if abuser.socket.send(Message::text("{}")).await.is_err() {
            break;
        }
    }
    assert_eq!(abuser.closed().await, Ended::Closed(Some(close::POLICY_VIOLATION)));

    let mut rude = ws::raw(app.port, session).await;
    rude.send(Message::text(r#"{"type":"post","client_id":"x","text":"before hello"}"#)).await.expect("send");
    let mut rude = Client::from_raw(rude);
    assert_eq!(error_code(&rude.next_or_end().await.expect("an error frame")), Some(ErrorCode::HelloExpected));
    assert_eq!(rude.closed().await, Ended::Closed(Some(close::POLICY_VIOLATION)));

    bystander.post("fine", "the room still works").await;
    assert!(matches!(bystander.answer_to("fine").await, ServerFrame::Ack { .. }));
    assert_eq!(transcript_len(&app, session).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_beyond_the_rate_limit_is_refused_with_a_retryable_error() {
    let app = TestApp::spawn_with(|s, _| s.post_rate_per_minute = 6).await;
    let (_host, session) = app.live_session().await;
    let alice = app.sign_up("alice").await;
    let mut ws = app.connect(session, Some(&alice.token)).await;
    let mut acked = 0;
    let mut limited = 0;
    for i in 0..10 {
        ws.post(&format!("f{i}"), "flood").await;
        match ws.answer_to(&format!("f{i}")).await {
            ServerFrame::Ack { .. } => acked += 1,
            ServerFrame::Error { code: ErrorCode::RateLimited, retryable: true, .. } => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(acked, 3, "the burst allowance of a 6-a-minute quota is 3");
    assert_eq!(limited, 7);
    assert_eq!(transcript_len(&app, session).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_origin_upgrade_is_refused_even_with_a_valid_cookie() {
    let app = TestApp::spawn().await;
    let (host, session) = app.live_session().await;
    let url = format!("ws://127.0.0.1:{}/api/v1/sessions/{session}/live", app.port);
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url.as_str()).expect("request");
    request.headers_mut().insert("Origin", "https://evil.example".parse().expect("header"));
    request.headers_mut().insert("Cookie", format!("tweetchat_session={}", host.token).parse().expect("header"));
    let refused = tokio_tungstenite::connect_async(request).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("a cross-origin upgrade must be refused, got {:?}", other.map(|_| "a connection")),
    }

    let mut same_origin =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url.as_str()).expect("request");
    same_origin.headers_mut().insert("Origin", "http://127.0.0.1:8080".parse().expect("header"));
    assert!(tokio_tungstenite::connect_async(same_origin).await.is_ok(), "the configured origin is allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_must_say_hello_with_a_known_version_and_a_valid_token() {
    let app = TestApp::spawn().await;
    let (_host, session) = app.live_session().await;
    let mut old = Client::from_raw(ws::raw(app.port, session).await);
    old.send(&ClientFrame::Hello { protocol: vec![0, 99], token: None, resume_after: None }).await;
    assert_eq!(error_code(&old.next_or_end().await.expect("error")), Some(ErrorCode::UnsupportedVersion));
    assert_eq!(old.closed().await, Ended::Closed(Some(close::UNSUPPORTED_VERSION)));

    let mut forged = Client::from_raw(ws::raw(app.port, session).await);
    forged.send(&ClientFrame::Hello { protocol: vec![1], token: Some("tc_forged".into()), resume_after: None }).await;
    assert_eq!(error_code(&forged.next_or_end().await.expect("error")), Some(ErrorCode::Unauthenticated));
    assert_eq!(forged.closed().await, Ended::Closed(Some(close::UNAUTHENTICATED)));

    let mut lost = Client::from_raw(ws::raw(app.port, uuid::Uuid::nil()).await);
    lost.send(&ClientFrame::Hello { protocol: vec![1], token: None, resume_after: None }).await;
    assert_eq!(lost.closed().await, Ended::Closed(Some(close::NOT_FOUND)));
}
