//! Delivery: one total order for everyone, resumes without gaps or duplicates, and slow
//! clients that cost the others nothing.

use futures_util::future::join_all;
use std::collections::HashMap;
use std::time::Duration;
use tweetchat_protocol::{ClientFrame, ServerFrame};
use tweetchat_tests::app::TestApp;
use tweetchat_tests::ws::{Client, Ended};

fn stream_seqs(frames: &[ServerFrame]) -> Vec<i64> {
    frames.iter().filter_map(ServerFrame::seq).collect()
}

fn texts(frames: &[ServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message { message, .. } => Some(message.text.clone()),
            _ => None,
        })
        .collect()
}

/// Posts `count` messages from a new participant and returns the acked seqs by client id.
async fn post_many(app: &TestApp, session: uuid::Uuid, handle: &str, count: usize) -> HashMap<String, i64> {
    let user = app.sign_up(handle).await;
    let mut ws = app.connect(session, Some(&user.token)).await;
    for i in 0..count {
        ws.post(&format!("{handle}-{i}"), &format!("{handle} says {i}")).await;
    }
    let mut acked = HashMap::new();
    for i in 0..count {
        let id = format!("{handle}-{i}");
        match ws.answer_to(&id).await {
            ServerFrame::Ack { seq, .. } => {
                acked.insert(id, seq);
            }
            other => panic!("post {id} was not acked: {other:?}"),
        }
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listener_sees_the_same_gap_free_order() {
    let app = TestApp::spawn_with(|s, _| s.post_rate_per_minute = 100_000).await;
    let (_host, session) = app.live_session().await;
    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(app.connect(session, None).await);
    }
    let start = listeners[0].welcome.last_seq;

    let posters = ["ana", "ben", "cai", "dee"].map(|h| post_many(&app, session, h, 25));
    let acked: HashMap<String, i64> = join_all(posters).await.into_iter().flatten().collect();
    assert_eq!(acked.len(), 100);
    let last = acked.values().copied().max().expect("acks");
    assert_eq!(last, start + 100, "100 posts take 100 consecutive positions");

    let mut seen = Vec::new();
    for listener in &mut listeners {
        let frames = listener.stream_until(last).await;
        assert_eq!(stream_seqs(&frames), ((start + 1)..=last).collect::<Vec<_>>(), "gap-free and in order");
        seen.push(frames);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1], seen[2]);
    // Each poster's own messages appear in the order it sent them.
    for poster in ["ana", "ben", "cai", "dee"] {
        let own: Vec<String> = texts(&seen[0]).into_iter().filter(|t| t.starts_with(poster)).collect();
        let expected: Vec<String> = (0..25).map(|i| format!("{poster} says {i}")).collect();
        assert_eq!(own, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_client_gets_what_it_missed_exactly_once_from_memory_or_the_database() {
    // A ring of 8 frames: the first resume below is served from memory, the second from
    // PostgreSQL.
    let app = TestApp::spawn_with(|s, hub| {
        s.post_rate_per_minute = 100_000;
        hub.ring_capacity = 8;
    })
    .await;
    let (_host, session) = app.live_session().await;
    let mut reader = app.connect(session, None).await;
    let acked = post_many(&app, session, "ana", 5).await;
    let last = *acked.values().max().expect("acks");
    let before = reader.stream_until(last).await;
    drop(reader);

    let acked_more = post_many(&app, session, "ben", 5).await;
    let newest = *acked_more.values().max().expect("acks");
    let mut resumed = Client::connect(app.port, session, None, Some(last)).await;
    let missed = resumed.stream_until(newest).await;
    assert_eq!(stream_seqs(&missed), ((last + 1)..=newest).collect::<Vec<_>>());
    assert!(matches!(resumed.next().await, ServerFrame::CaughtUp { last_seq } if last_seq == newest));

    let mut from_start = Client::connect(app.port, session, None, Some(0)).await;
    let everything = from_start.stream_until(newest).await;
    assert_eq!(
        stream_seqs(&everything),
        (1..=newest).collect::<Vec<_>>(),
        "older than the ring: read from the database"
    );
    assert_eq!(
        &everything[everything.len() - missed.len()..],
        &missed[..],
        "replay from memory and from the database look the same"
    );
    assert_eq!(texts(&everything)[..5], texts(&before)[..]);

    // A resume from a position the stream never reached asks the client to reload.
    let mut confused = Client::connect(app.port, session, None, Some(newest + 100)).await;
    assert!(matches!(confused.until(|f| !matches!(f, ServerFrame::Presence { .. })).await, ServerFrame::Reload { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_does_not_hold_up_the_others_and_resumes_without_loss() {
    let app = TestApp::spawn_with(|s, hub| {
        s.post_rate_per_minute = 100_000;
        hub.broadcast_capacity = 16;
        hub.ring_capacity = 32;
        hub.write_timeout = Duration::from_millis(500);
    })
    .await;
    let (_host, session) = app.live_session().await;
    let mut slow = Client::connect_with_small_receive_buffer(app.port, session).await;
    let mut fast = app.connect(session, None).await;
    let start = fast.welcome.last_seq;

    // About 300 KB of frames: far more than the slow client's socket buffers hold.
    let user = app.sign_up("talker").await;
    let mut talker = app.connect(session, Some(&user.token)).await;
    let filler = "x".repeat(250);
    let mut last = start;
    // In windows, since a connection may have only so many posts awaiting their ack.
    for window in 0..8 {
        let ids: Vec<String> = (0..50).map(|i| format!("t{window}-{i}")).collect();
        for id in &ids {
            talker.post(id, &format!("{id} {filler}")).await;
        }
        for id in &ids {
            match talker.answer_to(id).await {
                ServerFrame::Ack { seq, .. } => last = last.max(seq),
                other => panic!("{id} not acked: {other:?}"),
            }
        }
    }
    assert_eq!(last, start + 400);
    let delivered = fast.stream_until(last).await;
    assert_eq!(
        stream_seqs(&delivered),
        ((start + 1)..=last).collect::<Vec<_>>(),
        "the fast client got everything while the slow one sat still"
    );

    // The slow client now reads: whatever it got before being cut off, then a resume, covers
    // everything once.
    let mut got = Vec::new();
    let ended = loop {
        match slow.next_or_end().await {
            Ok(frame) => {
                if let Some(seq) = frame.seq() {
                    got.push(seq);
                }
                if got.last() == Some(&last) {
                    break None;
                }
            }
            Err(ended) => break Some(ended),
        }
    };
    if let Some(ended) = ended {
        assert_eq!(
            ended,
            Ended::Closed(Some(tweetchat_protocol::close::TOO_SLOW)),
            "a slow client is closed with a resumable reason"
        );
        let resume_from = got.last().copied().unwrap_or(start);
        let mut again = Client::connect(app.port, session, None, Some(resume_from)).await;
        got.extend(stream_seqs(&again.stream_until(last).await));
    }
    assert_eq!(got, ((start + 1)..=last).collect::<Vec<_>>(), "nothing lost, nothing twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn likes_count_once_per_person_and_stream_to_everyone() {
    let app = TestApp::spawn().await;
    let (_host, session) = app.live_session().await;
    let alice = app.sign_up("alice").await;
    let bob = app.sign_up("bob").await;
    let mut a = app.connect(session, Some(&alice.token)).await;
    let mut b = app.connect(session, Some(&bob.token)).await;
    a.post("m1", "like me").await;
    let ServerFrame::Ack { message_id, .. } = a.answer_to("m1").await else { panic!("no ack") };
    b.send(&ClientFrame::Like { message_id }).await;
    b.send(&ClientFrame::Like { message_id }).await;
    b.send(&ClientFrame::Unlike { message_id }).await;
    let liked = a.until(|f| matches!(f, ServerFrame::Liked { .. })).await;
    assert!(matches!(liked, ServerFrame::Liked { likes: 1, .. }), "{liked:?}");
    let unliked = a.until(|f| matches!(f, ServerFrame::Liked { .. })).await;
    assert!(matches!(unliked, ServerFrame::Liked { likes: 0, .. }), "the second like changed nothing: {unliked:?}");
}
