//! Moderation end to end: what moderators do reaches every client at once, through every path,
//! and people who are out stay out. Ordering is asserted by stream events, never by timing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tweetchat_protocol::{ClientFrame, ErrorCode, ServerFrame, close};
use tweetchat_tests::app::{TestApp, TestUser};
use tweetchat_tests::ws::{Client, Ended};
use uuid::Uuid;

/// A live #WeNurses session with its owner, a moderator and a participant.
struct Chat {
    app: TestApp,
    session: Uuid,
    owner: TestUser,
    moderator: TestUser,
    ann: TestUser,
}

impl Chat {
    async fn start() -> Chat {
        // The per-person rate limit (a burst of 3) is not what these tests are about.
        let app = TestApp::spawn_with(|settings, _| settings.post_rate_per_minute = 600).await;
        let (owner, session) = app.live_session().await;
        let moderator = app.sign_up("mod").await;
        let ann = app.sign_up("ann").await;
        let chat = Chat { app, session, owner, moderator, ann };
        let (status, body) =
            chat.put("/api/v1/series/WeNurses/members/mod", &chat.owner, json!({"role": "moderator"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (_, team) = chat.app.get("/api/v1/series/WeNurses/members", None).await;
        let roles: Vec<(&str, &str)> = team
            .as_array()
            .expect("team")
            .iter()
            .filter_map(|m| Some((m["handle"].as_str()?, m["role"].as_str()?)))
            .collect();
        assert_eq!(roles, [("@host", "owner"), ("@mod", "moderator")], "the team is public: {team}");
        chat
    }

    async fn put(&self, path: &str, who: &TestUser, body: Value) -> (StatusCode, Value) {
        self.app.request(Method::PUT, path, Some(&who.token), Some(body)).await
    }

    async fn post(&self, path: &str, who: &TestUser, body: Value) -> (StatusCode, Value) {
        self.app.post(path, Some(&who.token), body).await
    }

    async fn delete(&self, path: &str, who: &TestUser) -> (StatusCode, Value) {
        self.app.request(Method::DELETE, path, Some(&who.token), None).await
    }

    async fn join(&self, who: &TestUser) -> Client {
        self.app.connect(self.session, Some(&who.token)).await
    }

    async fn act(&self, who: &TestUser, message: Uuid, action: &str) -> (StatusCode, Value) {
        let path = format!("/api/v1/sessions/{}/messages/{message}/{action}", self.session);
        self.post(&path, who, json!({"reason": "off topic"})).await
    }

    async fn rules(&self, rules: Value) {
        let (status, body) = self.put("/api/v1/series/WeNurses/rules", &self.owner, rules).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// Posts and returns the ack's (seq, message id); panics on anything else.
async fn posted(ws: &mut Client, client_id: &str, text: &str) -> (i64, Uuid) {
    ws.post(client_id, text).await;
    match ws.answer_to(client_id).await {
        ServerFrame::Ack { seq, message_id, .. } => (seq, message_id),
        other => panic!("{client_id} was not acked: {other:?}"),
    }
}

/// The answer to a post: its ack, error, or held/rejected notice.
async fn outcome(ws: &mut Client, client_id: &str) -> ServerFrame {
    ws.until(|f| match f {
        ServerFrame::Ack { client_id: c, .. }
        | ServerFrame::PostHeld { client_id: c, .. }
        | ServerFrame::PostRejected { client_id: c, .. } => c == client_id,
        ServerFrame::Error { client_id: Some(c), .. } => c == client_id,
        _ => false,
    })
    .await
}

fn error_code(frame: &ServerFrame) -> Option<ErrorCode> {
    match frame {
        ServerFrame::Error { code, .. } => Some(*code),
        _ => None,
    }
}

/// Every text a client received in message frames.
fn texts(frames: &[ServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message { message, .. } | ServerFrame::MessageUnhidden { message, .. } => {
                Some(message.text.clone())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_hidden_message_disappears_for_everyone_and_never_comes_back_to_non_moderators() {
    let chat = Chat::start().await;
    let bob = chat.app.sign_up("bob").await;
    let mut ann = chat.join(&chat.ann).await;
    let mut bob_ws = chat.join(&bob).await;
    let mut moderator = chat.join(&chat.moderator).await;
    let (spam_seq, spam) = posted(&mut ann, "c1", "buy cheap pills here").await;
    let (_, kept) = posted(&mut ann, "c2", "A1 handover matters").await;

    let (status, body) = chat.act(&chat.ann, spam, "hide").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a participant cannot hide: {body}");
    let (status, body) = chat.act(&chat.moderator, spam, "hide").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hide_seq = body["seq"].as_i64().expect("the hide's seq");
    for ws in [&mut bob_ws, &mut moderator] {
        let frames = ws.stream_until(hide_seq).await;
        assert!(
            frames.iter().any(|f| matches!(f, ServerFrame::MessageHidden { message_id, .. } if *message_id == spam)),
            "the hide reaches every client: {frames:?}"
        );
    }

    // Newcomers replaying the stream, from the room's memory: no content of the hidden post.
    let mut late = Client::connect(chat.app.port, chat.session, Some(&bob.token), Some(0)).await;
    let replay = late.stream_until(hide_seq).await;
    assert!(!texts(&replay).iter().any(|t| t.contains("pills")), "replay leaked a hidden message: {replay:?}");
    assert!(matches!(replay[usize::try_from(spam_seq - 1).expect("index")], ServerFrame::MessageHidden { .. }));
    // Moderators still see it, marked.
    let mut moderator_late = Client::connect(chat.app.port, chat.session, Some(&chat.moderator.token), Some(0)).await;
    let replay = moderator_late.stream_until(hide_seq).await;
    assert!(texts(&replay).iter().any(|t| t.contains("pills")), "moderators see hidden messages: {replay:?}");

    // The transcript leaves it out; the other message stays.
    let (_, transcript) = chat.app.get(&format!("/api/v1/sessions/{}/transcript", chat.session), None).await;
    let ids: Vec<&str> =
        transcript["messages"].as_array().expect("messages").iter().filter_map(|m| m["id"].as_str()).collect();
    assert!(!ids.contains(&spam.to_string().as_str()) && ids.contains(&kept.to_string().as_str()), "{transcript}");
    // Liking or reporting a hidden message finds nothing.
    let (status, _) =
        chat.post(&format!("/api/v1/sessions/{}/messages/{spam}/report", chat.session), &bob, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // After a restart the room is rebuilt from PostgreSQL: replays from the database too.
    let mut app = chat.app;
    app.restart().await;
    let mut fresh = Client::connect(app.port, chat.session, Some(&bob.token), Some(0)).await;
    let replay = fresh.stream_until(hide_seq).await;
    assert!(!texts(&replay).iter().any(|t| t.contains("pills")), "database replay leaked: {replay:?}");
    let mut fresh_moderator = Client::connect(app.port, chat.session, Some(&chat.moderator.token), Some(0)).await;
    let replay = fresh_moderator.stream_until(hide_seq).await;
    let marked = replay
        .iter()
        .any(|f| matches!(f, ServerFrame::Message { message, .. } if message.id == spam && message.hidden));
    assert!(marked, "moderators get the hidden message, marked: {replay:?}");

    // Unhiding brings it back for everyone, content included.
    let (status, body) = app
        .post(
            &format!("/api/v1/sessions/{}/messages/{spam}/unhide", chat.session),
            Some(&chat.moderator.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let unhide_seq = body["seq"].as_i64().expect("seq");
    let frames = fresh.stream_until(unhide_seq).await;
    assert!(texts(&frames).iter().any(|t| t.contains("pills")), "{frames:?}");
    // Hiding twice changes nothing the second time.
    let (status, body) = app
        .post(&format!("/api/v1/sessions/{}/messages/{kept}/pin", chat.session), Some(&chat.moderator.token), json!({}))
        .await;
    assert_eq!((status, body["pinned"].as_bool()), (StatusCode::OK, Some(true)), "{body}");
    let (status, body) = app
        .post(&format!("/api/v1/sessions/{}/messages/{kept}/pin", chat.session), Some(&chat.moderator.token), json!({}))
        .await;
    assert_eq!((status, body["seq"].is_null()), (StatusCode::OK, true), "a second pin is not a new event: {body}");
    let joined = Client::connect(app.port, chat.session, Some(&bob.token), None).await;
    assert_eq!(
        joined.welcome.pinned.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![kept],
        "pinned messages in welcome"
    );
}

#[tokio::test]
async fn a_message_of_another_series_cannot_be_moderated_from_this_one() {
    let chat = Chat::start().await;
    let other_host = chat.app.sign_up("other").await;
    let other_session = chat.app.scheduled_session(&other_host, "#WeCommissioners").await;
    let (status, _) =
        chat.app.post(&format!("/api/v1/sessions/{other_session}/start"), Some(&other_host.token), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let mut ws = chat.app.connect(other_session, Some(&other_host.token)).await;
    let (_, message) = posted(&mut ws, "o1", "welcome to the commissioners").await;
    // Our moderator, acting on the other series' message, through our session or theirs.
    let (status, _) = chat.act(&chat.moderator, message, "hide").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not a message of this session");
    let path = format!("/api/v1/sessions/{other_session}/messages/{message}/hide");
    let (status, _) = chat.post(&path, &chat.moderator, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not a moderator of that series");
    let (_, transcript) = chat.app.get(&format!("/api/v1/sessions/{other_session}/transcript"), None).await;
    assert_eq!(transcript["messages"].as_array().map(Vec::len), Some(1), "nothing changed: {transcript}");
}

#[tokio::test]
async fn a_ban_closes_the_sockets_and_keeps_the_person_out_until_lifted() {
    let chat = Chat::start().await;
    let mut ann = chat.join(&chat.ann).await;
    let mut ann_phone = chat.join(&chat.ann).await;
    posted(&mut ann, "a1", "A1 first").await;

    let ban = json!({"handle": "@ann", "kind": "ban", "reason": "spam"});
    let (status, _) = chat.post("/api/v1/series/WeNurses/restrictions", &chat.ann, ban.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "participants cannot ban");
    let owner_ban = json!({"handle": chat.owner.handle, "kind": "ban"});
    let (status, body) = chat.post("/api/v1/series/WeNurses/restrictions", &chat.moderator, owner_ban).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a moderator cannot ban the owner: {body}");
    let (status, body) = chat.post("/api/v1/series/WeNurses/restrictions", &chat.moderator, ban).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    for ws in [&mut ann, &mut ann_phone] {
        let notice = ws.until(|f| matches!(f, ServerFrame::Restricted { .. })).await;
        assert!(matches!(&notice, ServerFrame::Restricted { kind, reason, .. } if kind == "ban" && reason == "spam"));
        assert_eq!(ws.closed().await, Ended::Closed(Some(close::FORBIDDEN)));
    }
    // Rejoining is refused.
    let mut again = Client::from_raw(tweetchat_tests::ws::raw(chat.app.port, chat.session).await);
    again
        .send(&ClientFrame::Hello { protocol: vec![1], token: Some(chat.ann.token.clone()), resume_after: None })
        .await;
    let refused = again.next_or_end().await;
    assert!(matches!(refused, Ok(ServerFrame::Error { code: ErrorCode::Banned, .. })), "{refused:?}");
    assert_eq!(again.closed().await, Ended::Closed(Some(close::FORBIDDEN)));
    let (_, list) = chat.app.get("/api/v1/series/WeNurses/restrictions", Some(&chat.moderator.token)).await;
    assert_eq!(list[0]["kind"], "ban", "{list}");

    let (status, _) = chat
        .app
        .request(Method::DELETE, "/api/v1/series/WeNurses/restrictions/ann/ban", Some(&chat.moderator.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let mut back = chat.join(&chat.ann).await;
    posted(&mut back, "a2", "A1 I am back").await;
    let (_, log) = chat.app.get("/api/v1/series/WeNurses/moderation-log", Some(&chat.moderator.token)).await;
    let actions: Vec<&str> = log.as_array().expect("log").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(&actions[..2], ["unban", "ban"], "audited newest first: {log}");
    assert_eq!(log[1]["reason"], "spam");
    assert_eq!(log[1]["actor"], "@mod");
}

#[tokio::test]
async fn a_muted_participant_is_told_and_cannot_post_until_the_mute_is_lifted() {
    let chat = Chat::start().await;
    let mut ann = chat.join(&chat.ann).await;
    let mute = json!({"handle": "ann", "kind": "mute", "minutes": 10, "reason": "cool down"});
    let (status, body) = chat.post("/api/v1/series/WeNurses/restrictions", &chat.moderator, mute).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let notice = ann.until(|f| matches!(f, ServerFrame::Restricted { .. })).await;
    assert!(matches!(&notice, ServerFrame::Restricted { kind, until: Some(_), .. } if kind == "mute"), "{notice:?}");
    ann.post("m1", "A1 can I talk").await;
    assert_eq!(error_code(&outcome(&mut ann, "m1").await), Some(ErrorCode::Muted));
    // Bad input changes nothing.
    let (status, _) = chat
        .post(
            "/api/v1/series/WeNurses/restrictions",
            &chat.moderator,
            json!({"handle": "ann", "kind": "mute", "minutes": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = chat
        .post(
            "/api/v1/series/WeNurses/restrictions",
            &chat.moderator,
            json!({"handle": "nobody", "kind": "mute", "minutes": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = chat
        .app
        .request(Method::DELETE, "/api/v1/series/WeNurses/restrictions/ann/mute", Some(&chat.moderator.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    ann.post("m2", "A1 thanks").await;
    assert!(matches!(outcome(&mut ann, "m2").await, ServerFrame::Ack { .. }));
}

#[tokio::test]
async fn held_posts_wait_for_a_moderator_who_approves_or_rejects_them() {
    let chat = Chat::start().await;
    chat.rules(json!({"hold_policy": "all", "blocked_terms": [], "slow_mode_seconds": 0})).await;
    let bob = chat.app.sign_up("bob").await;
    let mut ann = chat.join(&chat.ann).await;
    let mut bob_ws = chat.join(&bob).await;
    let mut moderator = chat.join(&chat.moderator).await;

    ann.post("h1", "A1 please approve me").await;
    let held_id = match outcome(&mut ann, "h1").await {
        ServerFrame::PostHeld { held_id, held_because, .. } => {
            assert_eq!(held_because, "all");
            held_id
        }
        other => panic!("expected post_held, got {other:?}"),
    };
    let queued = moderator.until(|f| matches!(f, ServerFrame::HeldForReview { .. })).await;
    assert!(
        matches!(&queued, ServerFrame::HeldForReview { held } if held.id == held_id && held.text.contains("approve"))
    );
    // A retry is the same held post, not a second one.
    ann.post("h1", "A1 please approve me").await;
    assert!(matches!(outcome(&mut ann, "h1").await, ServerFrame::PostHeld { held_id: h, .. } if h == held_id));
    let (_, queue) =
        chat.app.get(&format!("/api/v1/sessions/{}/held", chat.session), Some(&chat.moderator.token)).await;
    assert_eq!(queue.as_array().map(Vec::len), Some(1), "{queue}");
    let (status, _) = chat.app.get(&format!("/api/v1/sessions/{}/held", chat.session), Some(&bob.token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the queue is for moderators");

    // Hosts are never held: their post is the next thing everyone sees, not the held one.
    let mut owner = chat.join(&chat.owner).await;
    let (marker_seq, _) = posted(&mut owner, "o1", "Q1 is coming").await;
    let seen = bob_ws.stream_until(marker_seq).await;
    assert!(!texts(&seen).iter().any(|t| t.contains("approve me")), "a held post leaked: {seen:?}");

    let path = format!("/api/v1/sessions/{}/held/{held_id}/approve", chat.session);
    let (status, body) = chat.post(&path, &chat.moderator, json!({})).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("approved")), "{body}");
    let ack = outcome(&mut ann, "h1").await;
    let ServerFrame::Ack { seq, message_id, .. } = ack else { panic!("approval acks the author: {ack:?}") };
    let seen = bob_ws.stream_until(seq).await;
    assert!(texts(&seen).iter().any(|t| t.contains("approve me")), "{seen:?}");
    ann.post("h1", "A1 please approve me").await;
    assert!(
        matches!(outcome(&mut ann, "h1").await, ServerFrame::Ack { duplicate: true, message_id: m, .. } if m == message_id)
    );
    let (status, _) = chat.post(&path, &chat.moderator, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a decided post cannot be decided again");

    ann.post("h2", "A1 something rude").await;
    let answer = outcome(&mut ann, "h2").await;
    let ServerFrame::PostHeld { held_id, .. } = answer else { panic!("held: {answer:?}") };
    let path = format!("/api/v1/sessions/{}/held/{held_id}/reject", chat.session);
    let (status, _) = chat.post(&path, &chat.moderator, json!({"reason": "please keep it kind"})).await;
    assert_eq!(status, StatusCode::OK);
    let rejected = outcome(&mut ann, "h2").await;
    assert!(
        matches!(&rejected, ServerFrame::PostRejected { reason, .. } if reason == "please keep it kind"),
        "{rejected:?}"
    );
    ann.post("h2", "A1 something rude").await;
    assert!(matches!(outcome(&mut ann, "h2").await, ServerFrame::PostRejected { .. }), "a retry stays rejected");
    let (_, transcript) = chat.app.get(&format!("/api/v1/sessions/{}/transcript", chat.session), None).await;
    assert!(!transcript.to_string().contains("rude"), "rejected posts never appear: {transcript}");
}

#[tokio::test]
async fn blocked_terms_links_and_first_timers_are_held_by_their_policies() {
    let chat = Chat::start().await;
    chat.rules(json!({"hold_policy": "off", "blocked_terms": ["Casino", "buy now"], "slow_mode_seconds": 0})).await;
    let mut ann = chat.join(&chat.ann).await;
    ann.post("b1", "Casino night at the ward!").await;
    assert!(
        matches!(outcome(&mut ann, "b1").await, ServerFrame::PostHeld { held_because, .. } if held_because == "blocked_term")
    );
    ann.post("b2", "A1 occasional casinos are not words we block").await;
    assert!(matches!(outcome(&mut ann, "b2").await, ServerFrame::Ack { .. }), "whole words only");

    chat.rules(json!({"hold_policy": "links", "blocked_terms": [], "slow_mode_seconds": 0})).await;
    ann.post("l1", "read https://example.org/guide").await;
    assert!(
        matches!(outcome(&mut ann, "l1").await, ServerFrame::PostHeld { held_because, .. } if held_because == "links")
    );
    ann.post("l2", "A1 no link here").await;
    let answer = outcome(&mut ann, "l2").await;
    assert!(matches!(answer, ServerFrame::Ack { .. }), "{answer:?}");

    chat.rules(json!({"hold_policy": "first_time", "blocked_terms": [], "slow_mode_seconds": 0})).await;
    ann.post("f1", "A1 I have posted before").await;
    assert!(matches!(outcome(&mut ann, "f1").await, ServerFrame::Ack { .. }), "ann is a regular now");
    let newcomer = chat.app.sign_up("newcomer").await;
    let mut new_ws = chat.join(&newcomer).await;
    new_ws.post("n1", "A1 hello all").await;
    assert!(
        matches!(outcome(&mut new_ws, "n1").await, ServerFrame::PostHeld { held_because, .. } if held_because == "first_time")
    );

    let (status, body) = chat
        .put(
            "/api/v1/series/WeNurses/rules",
            &chat.owner,
            json!({"hold_policy": "sometimes", "blocked_terms": [], "slow_mode_seconds": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = chat
        .put(
            "/api/v1/series/WeNurses/rules",
            &chat.moderator,
            json!({"hold_policy": "off", "blocked_terms": [], "slow_mode_seconds": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "rules are for hosts");
    let (_, rules) = chat.app.get("/api/v1/series/WeNurses/rules", Some(&chat.moderator.token)).await;
    assert_eq!(rules["hold_policy"], "first_time", "refused changes changed nothing: {rules}");
}

#[tokio::test]
async fn slow_mode_spaces_participants_posts_and_exempts_hosts() {
    let chat = Chat::start().await;
    chat.rules(json!({"hold_policy": "off", "blocked_terms": [], "slow_mode_seconds": 60})).await;
    let mut ann = chat.join(&chat.ann).await;
    assert_eq!(ann.welcome.slow_mode_seconds, 60);
    posted(&mut ann, "s1", "A1 first").await;
    ann.post("s2", "A1 second").await;
    let refused = outcome(&mut ann, "s2").await;
    assert!(matches!(&refused, ServerFrame::Error { code: ErrorCode::SlowMode, retryable: true, .. }), "{refused:?}");
    let mut owner = chat.join(&chat.owner).await;
    posted(&mut owner, "o1", "Q1 is here").await;
    posted(&mut owner, "o2", "and a reminder").await;
    chat.rules(json!({"hold_policy": "off", "blocked_terms": [], "slow_mode_seconds": 0})).await;
    posted(&mut ann, "s3", "A1 now I can").await;
}

#[tokio::test]
async fn a_post_refused_by_the_rate_limit_does_not_start_the_slow_mode_wait() {
    // One post a minute with a burst of 3: a like, an unlike and a like empty ann's bucket.
    let app = TestApp::spawn_with(|settings, _| settings.post_rate_per_minute = 1).await;
    let (host, session) = app.live_session().await;
    let ann = app.sign_up("ann").await;
    let rules = json!({"hold_policy": "off", "blocked_terms": [], "slow_mode_seconds": 60});
    let (status, body) =
        app.request(Method::PUT, "/api/v1/series/WeNurses/rules", Some(&host.token), Some(rules)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut host_ws = app.connect(session, Some(&host.token)).await;
    let (_, message) = posted(&mut host_ws, "h1", "Q1 welcome").await;
    let mut ann_ws = app.connect(session, Some(&ann.token)).await;
    for (frame, count) in [
        (ClientFrame::Like { message_id: message }, 1),
        (ClientFrame::Unlike { message_id: message }, 0),
        (ClientFrame::Like { message_id: message }, 1),
    ] {
        ann_ws.send(&frame).await;
        ann_ws.until(|f| matches!(f, ServerFrame::Liked { likes, .. } if *likes == count)).await;
    }

    // Slow mode lets the first post through, the rate limit refuses it: no post, no wait.
    ann_ws.post("p1", "A1 over the limit").await;
    let refused = outcome(&mut ann_ws, "p1").await;
    assert_eq!(error_code(&refused), Some(ErrorCode::RateLimited), "{refused:?}");
    ann_ws.post("p2", "A1 again at once").await;
    let refused = outcome(&mut ann_ws, "p2").await;
    assert_eq!(error_code(&refused), Some(ErrorCode::RateLimited), "the refused post started no wait: {refused:?}");
}

#[tokio::test]
async fn removing_someone_who_is_not_in_the_team_is_not_found_and_changes_nothing() {
    let chat = Chat::start().await;
    let mut ann = chat.join(&chat.ann).await;
    let (status, body) = chat.delete("/api/v1/series/WeNurses/members/ann", &chat.owner).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["message"], "member not found");
    let log = "/api/v1/series/WeNurses/moderation-log";
    let (_, entries) = chat.app.get(log, Some(&chat.owner.token)).await;
    assert!(!entries.to_string().contains("member_removed"), "nothing is audited: {entries}");
    // A close would have been queued for ann's connection before the answer, and a connection
    // acts on those before reading frames: her post is acked, so none was.
    posted(&mut ann, "still-here", "A1 still connected").await;

    let (status, _) = chat.delete("/api/v1/series/WeNurses/members/mod", &chat.owner).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "a real member is removed");
    let (_, entries) = chat.app.get(log, Some(&chat.owner.token)).await;
    let removals = entries.as_array().expect("log").iter().filter(|e| e["action"] == "member_removed").count();
    assert_eq!(removals, 1, "{entries}");
}

#[tokio::test]
async fn reports_and_the_back_channel_reach_moderators_only() {
    let chat = Chat::start().await;
    let mut ann = chat.join(&chat.ann).await;
    let mut moderator = chat.join(&chat.moderator).await;
    let (_, message) = posted(&mut ann, "r1", "something odd").await;
    let bob = chat.app.sign_up("bob").await;
    let mut bob_ws = chat.join(&bob).await;
    let path = format!("/api/v1/sessions/{}/messages/{message}/report", chat.session);
    let (status, body) = chat.post(&path, &bob, json!({"reason": "looks like spam"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let report = moderator.until(|f| matches!(f, ServerFrame::Reported { .. })).await;
    assert!(
        matches!(&report, ServerFrame::Reported { report } if report.message_id == message && report.reporter == "@bob")
    );
    let (_, open) =
        chat.app.get(&format!("/api/v1/sessions/{}/reports", chat.session), Some(&chat.moderator.token)).await;
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{open}");
    let report_id = open[0]["id"].as_str().expect("id").to_owned();
    let (status, _) = chat
        .post(&format!("/api/v1/sessions/{}/reports/{report_id}/resolve", chat.session), &chat.moderator, json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let back = format!("/api/v1/sessions/{}/backchannel", chat.session);
    let (status, _) = chat.post(&back, &bob, json!({"text": "let me in"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = chat.post(&back, &chat.owner, json!({"text": "Q2 in five minutes?"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let note = moderator.until(|f| matches!(f, ServerFrame::Backchannel { .. })).await;
    assert!(matches!(&note, ServerFrame::Backchannel { message } if message.text == "Q2 in five minutes?"));
    // Participants got neither: the next thing bob sees is the owner's public post.
    let mut owner = chat.join(&chat.owner).await;
    posted(&mut owner, "o1", "public marker").await;
    let seen = bob_ws.until(|f| matches!(f, ServerFrame::Message { .. })).await;
    assert!(matches!(&seen, ServerFrame::Message { message, .. } if message.text == "public marker"), "{seen:?}");
    let (_, transcript) = chat.app.get(&format!("/api/v1/sessions/{}/transcript", chat.session), None).await;
    assert!(!transcript.to_string().contains("five minutes"), "the back channel is never public");
}

#[tokio::test]
async fn signing_out_changing_the_password_and_deactivating_close_sockets_and_stop_tokens() {
    let chat = Chat::start().await;
    let second_login =
        chat.app.post("/api/v1/auth/login", None, json!({"handle": "ann", "password": "a long enough password"})).await;
    let second_token = second_login.1["token"].as_str().expect("token").to_owned();
    let mut first = chat.join(&chat.ann).await;
    let mut second = chat.app.connect(chat.session, Some(&second_token)).await;

    let (status, _) = chat.post("/api/v1/auth/logout", &chat.ann, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(first.closed().await, Ended::Closed(Some(close::UNAUTHENTICATED)), "that login's socket closes");
    posted(&mut second, "p1", "still here on my other device").await;

    let change = json!({"current_password": "wrong password!", "new_password": "an even longer password"});
    let (status, _) = chat.app.post("/api/v1/me/password", Some(&second_token), change).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the current password is checked");
    let change = json!({"current_password": "a long enough password", "new_password": "an even longer password"});
    let (status, body) = chat.app.post("/api/v1/me/password", Some(&second_token), change).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(second.closed().await, Ended::Closed(Some(close::UNAUTHENTICATED)));
    let (status, _) = chat.app.get("/api/v1/me", Some(&second_token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "old tokens stop");
    let fresh_token = body["token"].as_str().expect("fresh token").to_owned();

    let mut third = chat.app.connect(chat.session, Some(&fresh_token)).await;
    let (status, _) = chat
        .app
        .post("/api/v1/me/deactivate", Some(&fresh_token), json!({"password": "an even longer password"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(third.closed().await, Ended::Closed(Some(close::UNAUTHENTICATED)));
    let (status, _) = chat.app.get("/api/v1/me", Some(&fresh_token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = chat
        .app
        .post("/api/v1/auth/login", None, json!({"handle": "ann", "password": "an even longer password"}))
        .await;
    assert!(status.is_client_error(), "a deactivated account cannot sign in");
}

/// Who may do what: every role against every moderation action and read path.
#[tokio::test]
async fn the_authorization_matrix_holds_for_every_role() {
    let chat = Chat::start().await;
    let app = &chat.app;
    let host = app.sign_up("cohost").await;
    let (status, _) = chat.put("/api/v1/series/WeNurses/members/cohost", &chat.owner, json!({"role": "host"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let admin = app.sign_up("admin").await;
    make_admin(app, admin.id).await;
    let muted = app.sign_up("muted").await;
    let banned = app.sign_up("banned").await;
    let outsider_mod = app.sign_up("outsidermod").await;
    let other_host = app.sign_up("otherhost").await;
    app.scheduled_session(&other_host, "#Elsewhere").await;
    let (status, _) = app
        .request(
            Method::PUT,
            "/api/v1/series/Elsewhere/members/outsidermod",
            Some(&other_host.token),
            Some(json!({"role": "moderator"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for (who, kind) in [("muted", "mute"), ("banned", "ban")] {
        let (status, _) = chat
            .post(
                "/api/v1/series/WeNurses/restrictions",
                &chat.moderator,
                json!({"handle": who, "kind": kind, "minutes": 30}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let mut ann = chat.join(&chat.ann).await;
    let (_, message) = posted(&mut ann, "m1", "A1 a message to act on").await;
    let session = chat.session;

    let roles: Vec<(&str, Option<&TestUser>)> = vec![
        ("viewer", None),
        ("participant", Some(&chat.ann)),
        ("muted", Some(&muted)),
        ("banned", Some(&banned)),
        ("moderator of another series", Some(&outsider_mod)),
        ("moderator", Some(&chat.moderator)),
        ("host", Some(&host)),
        ("owner", Some(&chat.owner)),
        ("admin", Some(&admin)),
    ];
    // What each role may do, in the order of `roles`.
    let moderators = [false, false, false, false, false, true, true, true, true];
    let hosts = [false, false, false, false, false, false, true, true, true];
    let owners = [false, false, false, false, false, false, false, true, true];
    let readers = [true; 9];
    let posters = [false, true, false, false, true, true, true, true, true];

    for (index, (name, user)) in roles.iter().enumerate() {
        let token = user.map(|u| u.token.as_str());
        let allowed = |status: StatusCode| status.is_success();
        let checks: Vec<(&str, bool, StatusCode)> = vec![
            (
                "pin a message",
                moderators[index],
                app.post(&format!("/api/v1/sessions/{session}/messages/{message}/pin"), token, json!({})).await.0,
            ),
            (
                "read the hold queue",
                moderators[index],
                app.get(&format!("/api/v1/sessions/{session}/held"), token).await.0,
            ),
            ("read reports", moderators[index], app.get(&format!("/api/v1/sessions/{session}/reports"), token).await.0),
            (
                "read the back channel",
                moderators[index],
                app.get(&format!("/api/v1/sessions/{session}/backchannel"), token).await.0,
            ),
            ("read restrictions", moderators[index], app.get("/api/v1/series/WeNurses/restrictions", token).await.0),
            (
                "read the moderation log",
                moderators[index],
                app.get("/api/v1/series/WeNurses/moderation-log", token).await.0,
            ),
            ("read the rules", moderators[index], app.get("/api/v1/series/WeNurses/rules", token).await.0),
            (
                "change the rules",
                hosts[index],
                app.request(
                    Method::PUT,
                    "/api/v1/series/WeNurses/rules",
                    token,
                    Some(json!({"hold_policy": "off", "blocked_terms": [], "slow_mode_seconds": 0})),
                )
                .await
                .0,
            ),
            (
                "edit the question plan",
                hosts[index],
                app.request(
                    Method::PUT,
                    &format!("/api/v1/sessions/{session}/questions"),
                    token,
                    Some(json!({"questions": [{"text": "What helps?"}]})),
                )
                .await
                .0,
            ),
            (
                "appoint a moderator",
                owners[index],
                app.request(
                    Method::PUT,
                    "/api/v1/series/WeNurses/members/ann",
                    token,
                    Some(json!({"role": "moderator"})),
                )
                .await
                .0,
            ),
            (
                "read the transcript",
                readers[index],
                app.get(&format!("/api/v1/sessions/{session}/transcript"), token).await.0,
            ),
        ];
        for (action, expected, status) in checks {
            assert_eq!(allowed(status), expected, "{name} / {action}: got {status}");
        }
        // The appointment above made ann a moderator when allowed: undo it for the next role.
        if owners[index] {
            let (status, _) = app.request(Method::DELETE, "/api/v1/series/WeNurses/members/ann", token, None).await;
            assert_eq!(status, StatusCode::NO_CONTENT);
            ann = chat.join(&chat.ann).await;
        }
        // Posting in the live stream.
        let mut ws = match token {
            Some(token) if *name == "banned" => {
                let mut raw = Client::from_raw(tweetchat_tests::ws::raw(app.port, session).await);
                raw.send(&ClientFrame::Hello { protocol: vec![1], token: Some(token.to_owned()), resume_after: None })
                    .await;
                let refused = raw.next_or_end().await;
                assert!(
                    matches!(refused, Ok(ServerFrame::Error { code: ErrorCode::Banned, .. })),
                    "banned cannot join: {refused:?}"
                );
                assert!(!posters[index]);
                continue;
            }
            token => app.connect(session, token).await,
        };
        let client_id = format!("matrix-{index}");
        ws.post(&client_id, "A1 from the matrix").await;
        let answer = outcome(&mut ws, &client_id).await;
        assert_eq!(matches!(answer, ServerFrame::Ack { .. }), posters[index], "{name} / post: {answer:?}");
    }
    drop(ann);
}

async fn make_admin(app: &TestApp, user: Uuid) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&app.db_url).await.expect("connect");
    sqlx::query("UPDATE users SET is_admin = true WHERE id = $1").bind(user).execute(&mut conn).await.expect("admin");
}

#[tokio::test]
async fn api_tokens_are_scoped_revocable_and_never_shown_twice() {
    let chat = Chat::start().await;
    let create = |scopes: Value| json!({"name": "archive bot", "scopes": scopes});
    let (status, made) = chat.post("/api/v1/me/tokens", &chat.moderator, create(json!(["read"]))).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let read_only = made["secret"].as_str().expect("secret shown once").to_owned();
    let (_, listed) = chat.app.get("/api/v1/me/tokens", Some(&chat.moderator.token)).await;
    assert_eq!(listed[0]["scopes"], json!(["read"]));
    assert!(!listed.to_string().contains(&read_only), "the secret is never listed");

    // Read-only: reads, but neither posts nor moderates, whatever its owner may do.
    let (status, _) = chat.app.get(&format!("/api/v1/sessions/{}/transcript", chat.session), Some(&read_only)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = chat.app.get(&format!("/api/v1/sessions/{}/held", chat.session), Some(&read_only)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "moderating needs the moderate scope");
    let mut ws = chat.app.connect(chat.session, Some(&read_only)).await;
    assert_eq!(ws.welcome.role, "viewer");
    ws.post("t1", "A1 from a read-only token").await;
    assert_eq!(error_code(&outcome(&mut ws, "t1").await), Some(ErrorCode::Forbidden));
    let (status, _) = chat.app.post("/api/v1/me/tokens", Some(&read_only), create(json!(["read"]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "tokens cannot mint tokens");

    let (_, made) = chat.post("/api/v1/me/tokens", &chat.moderator, create(json!(["read", "post", "moderate"]))).await;
    let full = made["secret"].as_str().expect("secret").to_owned();
    let token_id = made["token"]["id"].as_str().expect("id").to_owned();
    let mut bot = chat.app.connect(chat.session, Some(&full)).await;
    assert_eq!(bot.welcome.role, "moderator");
    posted(&mut bot, "t2", "A1 from the bot").await;
    let (status, _) = chat
        .app
        .request(Method::DELETE, &format!("/api/v1/me/tokens/{token_id}"), Some(&chat.moderator.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(bot.closed().await, Ended::Closed(Some(close::UNAUTHENTICATED)), "its sockets close");
    let (status, _) = chat.app.get("/api/v1/me", Some(&full)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "and it stops");

    let (status, _) = chat.post("/api/v1/me/tokens", &chat.moderator, create(json!(["write"]))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn tokens_without_the_right_scope_cannot_create_series_import_edit_the_profile_or_revoke_tokens() {
    let chat = Chat::start().await;
    let create = |scopes: Value| json!({"name": "bot", "scopes": scopes});
    let (_, made) = chat.post("/api/v1/me/tokens", &chat.ann, create(json!(["read"]))).await;
    let read_only = made["secret"].as_str().expect("secret").to_owned();
    let (_, made) = chat.post("/api/v1/me/tokens", &chat.ann, create(json!(["read", "moderate"]))).await;
    let moderate = made["secret"].as_str().expect("secret").to_owned();
    let moderate_id = made["token"]["id"].as_str().expect("id").to_owned();

    let series = json!({"hashtag": "#AnnsOwn", "title": "Ann's own chat"});
    let (status, body) = chat.app.post("/api/v1/series", Some(&read_only), series.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "creating a series makes an owner: {body}");
    let (status, body) = chat.app.post("/api/v1/archives/import", Some(&read_only), json!({"hello": "world"})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "importing may create a series, refused before the file is parsed: {body}"
    );
    for token in [&read_only, &moderate] {
        let profile = json!({"display_name": "Taken over"});
        let (status, body) = chat.app.request(Method::PATCH, "/api/v1/me", Some(token), Some(profile)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "the profile is account management: {body}");
    }
    let revoke = format!("/api/v1/me/tokens/{moderate_id}");
    let (status, body) = chat.app.request(Method::DELETE, &revoke, Some(&read_only), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "tokens cannot revoke tokens: {body}");

    let (status, _) = chat.app.get("/api/v1/series/AnnsOwn", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no series was created");
    let (_, me) = chat.app.get("/api/v1/me", Some(&chat.ann.token)).await;
    assert_eq!(me["display_name"], "ann", "the profile did not change");
    let (_, listed) = chat.app.get("/api/v1/me/tokens", Some(&chat.ann.token)).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "no token was revoked: {listed}");

    // The moderate scope is what hosting needs; a login revokes; a token may sign itself out.
    let (status, body) = chat.app.post("/api/v1/series", Some(&moderate), series).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = chat.app.request(Method::DELETE, &revoke, Some(&chat.ann.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = chat.app.post("/api/v1/auth/logout", Some(&read_only), json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = chat.app.get("/api/v1/me", Some(&read_only)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_without_the_post_scope_cannot_post_or_like_live_even_as_a_moderator() {
    let chat = Chat::start().await;
    let mut ann = chat.join(&chat.ann).await;
    let (_, message) = posted(&mut ann, "a1", "A1 something to like").await;
    let (_, made) = chat
        .post("/api/v1/me/tokens", &chat.moderator, json!({"name": "mod bot", "scopes": ["read", "moderate"]}))
        .await;
    let token = made["secret"].as_str().expect("secret").to_owned();

    // Over HTTP: it moderates, but reporting needs `post`.
    let (status, body) = chat
        .app
        .post(&format!("/api/v1/sessions/{}/messages/{message}/pin", chat.session), Some(&token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let report = format!("/api/v1/sessions/{}/messages/{message}/report", chat.session);
    let (status, _) = chat.app.post(&report, Some(&token), json!({"reason": "spam"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Live: the same rule. It joins with the moderator's role, and may neither post nor like.
    let mut bot = chat.app.connect(chat.session, Some(&token)).await;
    assert_eq!(bot.welcome.role, "moderator");
    bot.post("m1", "A1 from a bot that may not post").await;
    let refused = outcome(&mut bot, "m1").await;
    assert!(
        matches!(&refused, ServerFrame::Error { code: ErrorCode::Forbidden, message, .. } if message.contains("post scope")),
        "{refused:?}"
    );
    bot.send(&ClientFrame::Like { message_id: message }).await;
    let refused =
        bot.until(|f| matches!(f, ServerFrame::Error { client_id: None, .. } | ServerFrame::Liked { .. })).await;
    assert_eq!(error_code(&refused), Some(ErrorCode::Forbidden), "{refused:?}");
    // Ann posts next: had the bot's post or like gone through, it would come before hers.
    let (seq, _) = posted(&mut ann, "a2", "A1 still only me").await;
    let frames = bot.stream_until(seq).await;
    assert!(!frames.iter().any(|f| matches!(f, ServerFrame::Liked { .. })), "no like went through: {frames:?}");
    assert!(!texts(&frames).iter().any(|t| t.contains("bot")), "no post went through: {frames:?}");
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_address_and_per_handle() {
    let app = TestApp::spawn_with(|settings, _| settings.auth_attempts_per_minute = 3).await;
    let (status, _) = app
        .post(
            "/api/v1/accounts",
            None,
            json!({"handle": "ann", "display_name": "Ann", "password": "a long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (status, _) =
            app.post("/api/v1/auth/login", None, json!({"handle": "ann", "password": "guess guess guess"})).await;
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ],
        "sign-up and two guesses use the address's three attempts"
    );
}

#[tokio::test]
async fn the_first_administrator_comes_from_the_settings_and_may_moderate_any_series() {
    let app = TestApp::spawn_with(|settings, _| {
        settings.admin_handle = Some("@root".into());
        settings.admin_password = Some("a long admin password".into());
    })
    .await;
    let (owner, session) = app.live_session().await;
    let mut ws = app.connect(session, Some(&owner.token)).await;
    let (_, message) = posted(&mut ws, "p1", "something to pin").await;
    let (status, login) =
        app.post("/api/v1/auth/login", None, json!({"handle": "root", "password": "a long admin password"})).await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let admin = login["token"].as_str().expect("token");
    let (status, body) =
        app.post(&format!("/api/v1/sessions/{session}/messages/{message}/pin"), Some(admin), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Pages learn who may manage every series from GET /me, and only of themselves.
    let (_, me) = app.get("/api/v1/me", Some(admin)).await;
    assert_eq!((me["handle"].as_str(), &me["is_admin"]), (Some("@root"), &json!(true)), "{me}");
    let (_, me) = app.get("/api/v1/me", Some(&owner.token)).await;
    assert_eq!(me["is_admin"], json!(false), "{me}");
    assert!(login["user"].get("is_admin").is_none(), "others' views of a person do not say it: {login}");
}

#[tokio::test]
async fn admin_create_refuses_a_deactivated_account_and_leaves_it_unchanged() {
    let app = TestApp::spawn().await;
    let ann = app.sign_up("ann").await;
    let bob = app.sign_up("bob").await;
    let (status, _) =
        app.post("/api/v1/me/deactivate", Some(&ann.token), json!({"password": "a long enough password"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let mut settings = tweetchat_tests::app::settings(&app.db_url);
    settings.admin_password = Some("a long admin password".into());

    let refused =
        tweetchat_server::create_admin(&settings, "@ann").await.expect_err("a deactivated account is refused");
    let message = format!("{refused:#}");
    assert!(message.contains("@ann belongs to a deactivated account"), "{message}");
    let is_admin = |user: Uuid| {
        let url = app.db_url.clone();
        async move {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
            sqlx::query_scalar::<_, bool>("SELECT is_admin FROM users WHERE id = $1")
                .bind(user)
                .fetch_one(&mut conn)
                .await
                .expect("user")
        }
    };
    assert!(!is_admin(ann.id).await, "the deactivated account did not become an administrator");
    let (status, _) =
        app.post("/api/v1/auth/login", None, json!({"handle": "ann", "password": "a long admin password"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "and it still cannot sign in");

    tweetchat_server::create_admin(&settings, "@bob").await.expect("an active account is made an administrator");
    assert!(is_admin(bob.id).await);
}
