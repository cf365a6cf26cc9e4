//! Audience questions end to end: proposed, queued, approved, voted on live, promoted, released
//! as `Q<n>` with the asker's credit, answered; and nobody sees what is not theirs to see.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tweetchat_protocol::ServerFrame;
use tweetchat_tests::app::{TestApp, TestUser};
use tweetchat_tests::ws::Client;
use uuid::Uuid;

struct Room {
    app: TestApp,
    session: Uuid,
    host: TestUser,
    moderator: TestUser,
}

impl Room {
    async fn open(setting: &str) -> Room {
        let app = TestApp::spawn_with(|settings, _| settings.post_rate_per_minute = 600).await;
        let (host, session) = app.live_session().await;
        let moderator = app.sign_up("mod").await;
        let room = Room { app, session, host, moderator };
        let (status, _) =
            room.put("/api/v1/series/WeNurses/members/mod", &room.host, json!({"role": "moderator"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = room
            .put("/api/v1/series/WeNurses/audience-questions", &room.host, json!({"audience_questions": setting}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        room
    }

    async fn put(&self, path: &str, who: &TestUser, body: Value) -> (StatusCode, Value) {
        self.app.request(Method::PUT, path, Some(&who.token), Some(body)).await
    }

    fn path(&self, rest: &str) -> String {
        format!("/api/v1/sessions/{}/proposals{rest}", self.session)
    }

    async fn propose(&self, who: &TestUser, text: &str, anonymous: bool) -> (StatusCode, Value) {
        self.app.post(&self.path(""), Some(&who.token), json!({"text": text, "anonymous": anonymous})).await
    }

    async fn list(&self, who: Option<&TestUser>) -> Vec<Value> {
        let (status, list) = self.app.get(&self.path(""), who.map(|u| u.token.as_str())).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list.as_array().cloned().unwrap_or_default()
    }
}

fn id(body: &Value) -> String {
    body["id"].as_str().expect("id").to_owned()
}

/// The next `proposal` frame about `proposal_id`.
async fn proposal_frame(ws: &mut Client, proposal_id: &str) -> tweetchat_protocol::ProposalView {
    let frame =
        ws.until(|f| matches!(f, ServerFrame::Proposal { proposal } if proposal.id.to_string() == proposal_id)).await;
    match frame {
        ServerFrame::Proposal { proposal } => proposal,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_proposal_goes_from_the_queue_to_votes_to_the_plan_and_out_as_a_credited_question() {
    let room = Room::open("both").await;
    let ann = room.app.sign_up("ann").await;
    let voters = [room.app.sign_up("v1").await, room.app.sign_up("v2").await, room.app.sign_up("v3").await];
    let mut watcher = room.app.connect(room.session, Some(&voters[0].token)).await;
    let mut moderator_ws = room.app.connect(room.session, Some(&room.moderator.token)).await;
    let mut ann_ws = room.app.connect(room.session, Some(&ann.token)).await;

    let (status, proposed) = room.propose(&ann, "How do you hand over at 3am?", false).await;
    assert_eq!(status, StatusCode::CREATED, "{proposed}");
    let proposal = id(&proposed);
    assert_eq!(proposed["status"], "pending");
    // Pending: the author and the moderators see it; nobody else, by any path.
    assert_eq!(proposal_frame(&mut moderator_ws, &proposal).await.status, "pending");
    assert_eq!(proposal_frame(&mut ann_ws, &proposal).await.status, "pending");
    assert!(room.list(Some(&voters[0])).await.is_empty());
    assert!(room.list(None).await.is_empty());
    assert_eq!(room.list(Some(&ann)).await.len(), 1);
    assert_eq!(room.list(Some(&room.moderator)).await.len(), 1);
    let (status, _) = room.app.post(&room.path(&format!("/{proposal}/vote")), Some(&voters[0].token), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no votes on a pending proposal");

    let (status, approved) =
        room.app.post(&room.path(&format!("/{proposal}/approve")), Some(&room.moderator.token), json!({})).await;
    assert_eq!((status, approved["status"].as_str()), (StatusCode::OK, Some("approved")), "{approved}");
    let seen = proposal_frame(&mut watcher, &proposal).await;
    assert_eq!((seen.status.as_str(), seen.votes), ("approved", 0));
    assert_eq!(seen.author.as_ref().map(|a| a.handle.as_str()), Some("@ann"));

    // Votes from three people: the counts reach everyone live.
    for (n, voter) in voters.iter().enumerate() {
        let (status, body) =
            room.app.post(&room.path(&format!("/{proposal}/vote")), Some(&voter.token), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(proposal_frame(&mut watcher, &proposal).await.votes, n as i64 + 1);
    }
    let (status, body) =
        room.app.post(&room.path(&format!("/{proposal}/vote")), Some(&voters[0].token), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "voting twice: {body}");
    let (status, _) =
        room.app.request(Method::DELETE, &room.path(&format!("/{proposal}/vote")), Some(&voters[2].token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(proposal_frame(&mut watcher, &proposal).await.votes, 2, "a vote can be withdrawn");
    let listed = room.list(Some(&voters[0])).await;
    assert_eq!((listed[0]["votes"].as_i64(), listed[0]["voted"].as_bool()), (Some(2), Some(true)));

    // Promoted as the next question, due at once: the scheduler releases it as Q1, credited.
    let (status, promoted) =
        room.app.post(&room.path(&format!("/{proposal}/promote")), Some(&room.moderator.token), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "promoting is for hosts");
    let (status, promoted2) = room
        .app
        .post(&room.path(&format!("/{proposal}/promote")), Some(&room.host.token), json!({"offset_minutes": 0}))
        .await;
    assert_eq!(status, StatusCode::OK, "{promoted} {promoted2}");
    let (_, plan) = room.app.get(&format!("/api/v1/sessions/{}/questions", room.session), Some(&room.host.token)).await;
    assert_eq!(
        (plan[0]["text"].as_str(), plan[0]["credit"].as_str()),
        (Some("How do you hand over at 3am?"), Some("@ann"))
    );
    let frame = watcher.until(|f| matches!(f, ServerFrame::QuestionReleased { .. })).await;
    let ServerFrame::QuestionReleased { message, .. } = frame else { unreachable!() };
    assert_eq!((message.question, message.credit.as_deref()), (Some(1), Some("@ann")));
    assert!(message.text.starts_with("Q1: How do you hand over"));
    ann_ws.post("a1", "A1 a checklist and a quiet corner").await;
    let ack = ann_ws.answer_to("a1").await;
    assert!(matches!(ack, ServerFrame::Ack { .. }), "{ack:?}");
    let (_, transcript) = room.app.get(&format!("/api/v1/sessions/{}/transcript", room.session), None).await;
    let messages = transcript["messages"].as_array().expect("messages");
    let question = messages.iter().find(|m| m["kind"] == "question").expect("the question");
    assert_eq!(question["credit"], "@ann", "the transcript keeps the credit");
    assert!(messages.iter().any(|m| m["answers"] == 1), "answers link to it");

    // Answered, then restored; editing a promoted proposal is refused.
    let (status, body) =
        room.app.post(&room.path(&format!("/{proposal}/answered")), Some(&room.moderator.token), json!({})).await;
    assert_eq!((status, body["answered"].as_bool()), (StatusCode::OK, Some(true)));
    let (status, body) = room
        .app
        .request(Method::DELETE, &room.path(&format!("/{proposal}/answered")), Some(&room.moderator.token), None)
        .await;
    assert_eq!((status, body["answered"].as_bool()), (StatusCode::OK, Some(false)));
    let (status, _) = room
        .app
        .request(
            Method::PATCH,
            &room.path(&format!("/{proposal}")),
            Some(&room.moderator.token),
            Some(json!({"text": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a released question is not edited here");

    // Archived at once (no grace period), the figures count the audience's part.
    let (status, _) =
        room.app.post(&format!("/api/v1/sessions/{}/end", room.session), Some(&room.host.token), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let mut sql = <sqlx::PgConnection as sqlx::Connection>::connect(&room.app.db_url).await.expect("sql");
    // It was started early, so its end is still ahead: move the timetable into the past.
    sqlx::query(
        "UPDATE sessions SET starts_at = now() - interval '2 minutes', ends_at = now() - interval '1 minute',
                archive_grace_seconds = 0, next_due_at = now() WHERE id = $1",
    )
    .bind(room.session)
    .execute(&mut sql)
    .await
    .expect("no grace");
    room.app.wake_scheduler();
    let waited = tokio::time::timeout(tweetchat_tests::PATIENCE, async {
        loop {
            let (status, digest) = room.app.get(&format!("/api/v1/sessions/{}/digest", room.session), None).await;
            if status == StatusCode::OK {
                return digest;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    let (_, detail) = room.app.get(&format!("/api/v1/sessions/{}", room.session), None).await;
    let digest = waited.unwrap_or_else(|_| panic!("not archived: {detail}"));
    assert_eq!(digest["figures"]["audience"], json!({"proposals": 1, "approved": 1, "votes": 2}), "{digest}");
}

#[tokio::test]
async fn rejections_merges_edits_and_anonymity_show_each_person_only_what_is_theirs() {
    let room = Room::open("during").await;
    let (ann, bob, carol) =
        (room.app.sign_up("ann").await, room.app.sign_up("bob").await, room.app.sign_up("carol").await);
    let mut carol_ws = room.app.connect(room.session, Some(&carol.token)).await;

    // Rejected: its author sees why, nobody else sees it at all.
    let (_, rude) = room.propose(&ann, "Something rude", false).await;
    let rude = id(&rude);
    let (status, _) = room
        .app
        .post(
            &room.path(&format!("/{rude}/reject")),
            Some(&room.moderator.token),
            json!({"reason": "please keep it kind"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mine = room.list(Some(&ann)).await;
    assert_eq!(
        (mine[0]["status"].as_str(), mine[0]["reason"].as_str()),
        (Some("rejected"), Some("please keep it kind"))
    );
    assert!(room.list(Some(&bob)).await.is_empty());

    // Anonymous: other participants never learn who asked; moderators do.
    let (_, anonymous) = room.propose(&bob, "What do you wish managers knew?", true).await;
    let anonymous = id(&anonymous);
    room.app.post(&room.path(&format!("/{anonymous}/approve")), Some(&room.moderator.token), json!({})).await;
    let seen = proposal_frame(&mut carol_ws, &anonymous).await;
    assert!(seen.anonymous && seen.author.is_none(), "{seen:?}");
    let public = room.list(Some(&carol)).await;
    assert!(public[0]["author"].is_null(), "{public:?}");
    let moderated = room.list(Some(&room.moderator)).await;
    assert!(moderated.iter().any(|p| p["author"]["handle"] == "@bob"));

    // A duplicate is reworded, then merged: votes combine once per person.
    let (_, duplicate) = room.propose(&carol, "what do managers not know", false).await;
    let duplicate = id(&duplicate);
    room.app.post(&room.path(&format!("/{duplicate}/approve")), Some(&room.moderator.token), json!({})).await;
    for (voter, target) in [(&ann, &duplicate), (&carol, &duplicate), (&carol, &anonymous)] {
        let (status, _) = room.app.post(&room.path(&format!("/{target}/vote")), Some(&voter.token), json!({})).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, edited) = room
        .app
        .request(
            Method::PATCH,
            &room.path(&format!("/{duplicate}")),
            Some(&room.moderator.token),
            Some(json!({"text": "What do managers not know?"})),
        )
        .await;
    assert_eq!((status, edited["original_text"].as_str()), (StatusCode::OK, Some("what do managers not know")));
    let (status, merged) = room
        .app
        .post(&room.path(&format!("/{duplicate}/merge")), Some(&room.moderator.token), json!({"into": anonymous}))
        .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert_eq!(merged["votes"], 2, "carol's two votes count once, ann's moves over: {merged}");
    let after: Vec<Value> = room.list(Some(&carol)).await;
    assert_eq!(after.len(), 1, "the merged duplicate leaves the public list: {after:?}");

    // Bad input: changes nothing.
    let (status, _) = room.app.post(&room.path(&format!("/{rude}/vote")), Some(&carol.token), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no votes on a rejected proposal");
    let other_host = room.app.sign_up("other").await;
    let other = room.app.scheduled_session(&other_host, "#Elsewhere").await;
    let (status, _) = room
        .app
        .post(&format!("/api/v1/sessions/{other}/proposals/{anonymous}/promote"), Some(&other_host.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another series' proposal cannot be promoted from here");
    let (status, body) = room
        .app
        .post(&format!("/api/v1/sessions/{other}/proposals"), Some(&ann.token), json!({"text": "Hello?"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "that series takes no audience questions: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("does not take questions")), "{body}");
    let (_, list) = room.app.get(&format!("/api/v1/sessions/{other}/proposals"), Some(&other_host.token)).await;
    assert_eq!(list, json!([]));
}
