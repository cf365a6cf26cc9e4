//! Durability: what was acknowledged survives a crash, exactly once; retries are idempotent;
//! a graceful stop commits what is pending and tells clients to come back.

use sqlx::{Connection, PgConnection};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tweetchat_protocol::{ServerFrame, close};
use tweetchat_tests::app::Api;
use tweetchat_tests::db;
use tweetchat_tests::process::{ServerProcess, free_port};
use tweetchat_tests::ws::{Client, Ended};

struct Setup {
    port: u16,
    db_url: String,
    db_name: String,
    dir: std::path::PathBuf,
}

impl Setup {
    async fn new(name: &str) -> Setup {
        let (db_name, db_url) = db::fresh_database().await;
        let dir = std::env::temp_dir().join(format!("tc-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Setup { port: free_port(), db_url, db_name, dir }
    }

    async fn start(&self) -> ServerProcess {
        let data_dir = self.dir.to_string_lossy().into_owned();
        let args = ["--post-rate-per-minute", "100000", "--data-dir", &data_dir];
        ServerProcess::start(
            self.port,
            &args,
            &[("DATABASE_URL", &self.db_url), ("RUST_LOG", "warn")],
            self.dir.join("server.log"),
        )
        .await
    }

    async fn sql(&self) -> PgConnection {
        PgConnection::connect(&self.db_url).await.expect("connect to the test database")
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        db::drop_database_blocking(std::mem::take(&mut self.db_name));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_posts_survive_a_crash_exactly_once_and_resume_fills_the_gap() {
    let setup = Setup::new("crash").await;
    let server = setup.start().await;
    let api = Api::new(setup.port);
    let (_host, session) = api.live_session().await;
    let mut listener = api.connect(session, None).await;

    let acked: Arc<Mutex<HashMap<String, i64>>> = Arc::default();
    let mut posters = Vec::new();
    for name in ["ana", "ben", "cai"] {
        let user = api.sign_up(name).await;
        let mut ws = api.connect(session, Some(&user.token)).await;
        let acked = acked.clone();
        posters.push(tokio::spawn(async move {
            let mut i = 0;
            loop {
                let id = format!("{name}-{i}");
                ws.post(&id, &format!("{name} {i}")).await;
                match ws.next_or_end().await {
                    Ok(frame) => {
                        if let ServerFrame::Ack { client_id, seq, .. } = frame {
                            acked.lock().expect("lock").insert(client_id, seq);
                        }
                    }
                    Err(_) => return,
                }
                // Read whatever else arrived; stop when the server is gone.
                loop {
                    match tokio::time::timeout(Duration::from_millis(1), ws.next_or_end()).await {
                        Ok(Ok(ServerFrame::Ack { client_id, seq, .. })) => {
                            acked.lock().expect("lock").insert(client_id, seq);
                        }
                        Ok(Ok(_)) => {}
                        Ok(Err(_)) => return,
                        Err(_) => break,
                    }
                }
                i += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.crash().await;
    for poster in posters {
        let _ = poster.await;
    }
    let mut seen = Vec::new();
    while let Ok(frame) = listener.next_or_end().await {
        if let Some(seq) = frame.seq() {
            seen.push(seq);
        }
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() > 10, "the posters got going before the crash ({} acks)", acked.len());

    let _server = setup.start().await;
    let mut sql = setup.sql().await;
    for (client_id, seq) in &acked {
        let rows: Vec<i64> = sqlx::query_scalar("SELECT seq FROM messages WHERE session_id = $1 AND client_id = $2")
            .bind(session)
            .bind(client_id)
            .fetch_all(&mut sql)
            .await
            .expect("query");
        assert_eq!(rows, vec![*seq], "{client_id} is stored exactly once, at its acked seq");
    }
    let last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM sessions WHERE id = $1")
        .bind(session)
        .fetch_one(&mut sql)
        .await
        .expect("last seq");
    let stored: i64 = sqlx::query_scalar("SELECT (SELECT count(*) FROM messages WHERE session_id = $1) + (SELECT count(*) FROM session_events WHERE session_id = $1)")
        .bind(session)
        .fetch_one(&mut sql)
        .await
        .expect("count");
    assert_eq!(stored, last_seq, "the stream has no holes");

    // The listener saw a gap-free prefix; a resume gives it the rest, once each.
    let from = seen.last().copied().unwrap_or(0);
    assert_eq!(seen, ((seen.first().copied().unwrap_or(1))..=from).collect::<Vec<_>>());
    let mut resumed = Client::connect(setup.port, session, None, Some(from)).await;
    let rest: Vec<i64> = if from < last_seq {
        resumed.stream_until(last_seq).await.iter().filter_map(ServerFrame::seq).collect()
    } else {
        Vec::new()
    };
    assert_eq!(rest, ((from + 1)..=last_seq).collect::<Vec<_>>());
    let caught_up = resumed.until(|f| !matches!(f, ServerFrame::Presence { .. })).await;
    assert!(matches!(caught_up, ServerFrame::CaughtUp { last_seq: l } if l == last_seq), "{caught_up:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_post_gets_its_original_ack_even_across_a_crash() {
    let setup = Setup::new("retry").await;
    let server = setup.start().await;
    let api = Api::new(setup.port);
    let (_host, session) = api.live_session().await;
    let alice = api.sign_up("alice").await;

    let mut ws = api.connect(session, Some(&alice.token)).await;
    ws.post("same-id", "only once please").await;
    let first = ws.answer_to("same-id").await;
    ws.post("same-id", "only once please").await;
    let second = ws.answer_to("same-id").await;
    let (
        ServerFrame::Ack { seq, message_id, duplicate: false, .. },
        ServerFrame::Ack { seq: seq2, message_id: id2, duplicate: true, .. },
    ) = (&first, &second)
    else {
        panic!("expected a fresh ack then a duplicate one: {first:?} {second:?}");
    };
    assert_eq!((seq, message_id), (seq2, id2));
    server.crash().await;

    let _server = setup.start().await;
    let mut ws = api.connect(session, Some(&alice.token)).await;
    ws.post("same-id", "only once please").await;
    let third = ws.answer_to("same-id").await;
    assert!(
        matches!(third, ServerFrame::Ack { seq: s, message_id: m, duplicate: true, .. } if s == *seq && m == *message_id),
        "{third:?}"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE client_id = 'same-id'")
        .fetch_one(&mut setup.sql().await)
        .await
        .expect("count");
    assert_eq!(count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_acks_pending_posts_says_closing_and_loses_nothing() {
    let setup = Setup::new("sigterm").await;
    let server = setup.start().await;
    let api = Api::new(setup.port);
    let (_host, session) = api.live_session().await;
    let alice = api.sign_up("alice").await;
    let mut ws = api.connect(session, Some(&alice.token)).await;
    for i in 0..20 {
        ws.post(&format!("t{i}"), &format!("before the restart {i}")).await;
    }
    let stopping = tokio::spawn(server.terminate());
    let mut acked = std::collections::HashSet::new();
    let mut got_closing = false;
    let ended = loop {
        match ws.next_or_end().await {
            Ok(ServerFrame::Ack { client_id, .. }) => {
                acked.insert(client_id);
            }
            Ok(ServerFrame::Closing { retry_after_ms, .. }) => {
                got_closing = true;
                assert!(retry_after_ms > 0);
            }
            Ok(_) => {}
            Err(ended) => break ended,
        }
    };
    assert!(got_closing, "clients are told the server is restarting");
    assert_eq!(ended, Ended::Closed(Some(close::GOING_AWAY)));
    assert!(stopping.await.expect("join").success(), "a graceful stop exits 0");

    // Whatever was not acked is retried with the same ids after the restart.
    let _server = setup.start().await;
    let mut ws = api.connect(session, Some(&alice.token)).await;
    for i in 0..20 {
        let id = format!("t{i}");
        if !acked.contains(&id) {
            ws.post(&id, &format!("before the restart {i}")).await;
            assert!(matches!(ws.answer_to(&id).await, ServerFrame::Ack { .. }));
        }
    }
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM messages").fetch_one(&mut setup.sql().await).await.expect("count");
    assert_eq!(count, 20, "every post stored once");
}
