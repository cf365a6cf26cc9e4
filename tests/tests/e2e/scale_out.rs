//! Several `tweetchat` processes on one database behave as one service: every participant sees
//! the same stream whichever instance they use, a crashed instance's clients carry on
//! elsewhere, a PostgreSQL restart loses nothing acknowledged, and the schedulers do each step
//! once.

use futures_util::future::join_all;
use sqlx::{Connection, PgConnection};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tweetchat_protocol::ServerFrame;
use tweetchat_tests::app::{Api, TestUser};
use tweetchat_tests::process::{ServerProcess, binary, free_port};
use tweetchat_tests::ws::{Client, Ended};
use tweetchat_tests::{PATIENCE, db};
use uuid::Uuid;

/// A database and a folder for logs, shared by the instances of one test.
struct Setup {
    db_url: String,
    db_name: String,
    dir: PathBuf,
}

impl Setup {
    async fn new(name: &str) -> Setup {
        let (db_name, db_url) = db::fresh_database().await;
        Setup { db_url, db_name, dir: temp_dir(name) }
    }

    async fn start(&self, count: usize) -> Vec<ServerProcess> {
        start_instances(&self.db_url, &self.dir, count).await
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

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tc-scale-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `count` instances on their own loopback ports, started side by side.
async fn start_instances(db_url: &str, dir: &Path, count: usize) -> Vec<ServerProcess> {
    join_all((0..count).map(|i| {
        let log = dir.join(format!("instance-{i}.log"));
        let data_dir = dir.to_string_lossy().into_owned();
        async move {
            ServerProcess::start(
                free_port(),
                &["--post-rate-per-minute", "100000", "--auth-attempts-per-minute", "100000", "--data-dir", &data_dir],
                &[("DATABASE_URL", db_url), ("RUST_LOG", "info,tower_http=warn")],
                log,
            )
            .await
        }
    }))
    .await
}

/// The value of an unlabelled metric, or of the first line that starts with `name`.
async fn metric(port: u16, name: &str) -> Option<f64> {
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.ok()?.text().await.ok()?;
    text.lines().find(|line| line.starts_with(name)).and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

/// The instance id an instance reports in `/metrics`.
async fn instance_id(port: u16) -> String {
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics body");
    let line = text.lines().find(|l| l.starts_with("tweetchat_instance_info{")).expect("instance info metric");
    line.split('"').nth(1).expect("instance id label").to_owned()
}

async fn last_seq(sql: &mut PgConnection, session: Uuid) -> i64 {
    sqlx::query_scalar("SELECT last_seq FROM sessions WHERE id = $1")
        .bind(session)
        .fetch_one(sql)
        .await
        .expect("last seq")
}

/// What one client saw of the stream, checked as it arrives: in order, no gaps, no repeats.
#[derive(Default)]
struct Seen {
    frames: BTreeMap<i64, ServerFrame>,
    last: i64,
    acks: HashMap<String, i64>,
    errors: Vec<ServerFrame>,
}

impl Seen {
    fn starting_at(last: i64) -> Seen {
        Seen { last, ..Seen::default() }
    }

    fn take(&mut self, frame: ServerFrame) {
        if let Some(seq) = frame.seq() {
            assert_eq!(seq, self.last + 1, "stream frames arrive in order, once each, without gaps: {frame:?}");
            self.last = seq;
            self.frames.insert(seq, frame);
            return;
        }
        match frame {
            ServerFrame::Ack { client_id, seq, .. } => {
                self.acks.insert(client_id, seq);
            }
            error @ ServerFrame::Error { .. } => self.errors.push(error),
            _ => {}
        }
    }

    /// Reads until the stream reaches `seq`.
    async fn read_until(&mut self, client: &mut Client, seq: i64) {
        while self.last < seq {
            let frame = client.next().await;
            self.take(frame);
        }
    }
}

/// Reads until `wanted` answers for `client_id` (an ack, or an error when `errors` is set).
async fn answer(client: &mut Client, seen: &mut Seen, client_id: &str) -> Result<ServerFrame, Ended> {
    loop {
        let frame = client.next_or_end().await?;
        let answers = matches!(&frame, ServerFrame::Ack { client_id: c, .. } | ServerFrame::Error { client_id: Some(c), .. } if c == client_id);
        let kept = answers.then(|| frame.clone());
        seen.take(frame);
        if let Some(frame) = kept {
            return Ok(frame);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_show_every_participant_the_same_gap_free_stream() {
    let setup = Setup::new("fanout").await;
    let servers = setup.start(3).await;
    let apis: Vec<Api> = servers.iter().map(|s| Api::new(s.port)).collect();
    let (_host, session) = apis[0].live_session().await;

    // Two participants on each instance.
    let mut clients = Vec::new();
    let mut first = None;
    for i in 0..6 {
        let api = &apis[i % 3];
        let user = api.sign_up(&format!("p{i}")).await;
        let client = api.connect(session, Some(&user.token)).await;
        clients.push(client);
        first.get_or_insert(user);
    }
    // Presence counts across the instances: each client hears of all six people.
    for client in &mut clients {
        let presence = client.until(|f| matches!(f, ServerFrame::Presence { participants: 6, .. })).await;
        assert!(matches!(presence, ServerFrame::Presence { participants: 6, viewers: 0 }), "{presence:?}");
    }
    // p0 (on instance 0) opens a second tab that reaches instance 1, then a viewer joins there
    // too: instances 0 and 2 learn of both from the same heartbeat of instance 1, and must
    // count p0 once (six people and one viewer, where adding counts up would say seven).
    let p0 = first.expect("p0");
    let second_tab = apis[1].connect(session, Some(&p0.token)).await;
    let viewer = apis[1].connect(session, None).await;
    for i in [0, 2] {
        let client = &mut clients[i];
        let presence = client.until(|f| matches!(f, ServerFrame::Presence { viewers: 1, .. })).await;
        assert!(matches!(presence, ServerFrame::Presence { participants: 6, viewers: 1 }), "{presence:?}");
    }
    drop((second_tab, viewer));
    let start = clients[0].welcome.last_seq;

    // Everybody posts at once, each through their own instance.
    let posting = clients.into_iter().enumerate().map(|(i, mut client)| async move {
        let mut seen = Seen::starting_at(client.welcome.last_seq);
        for n in 0..15 {
            client.post(&format!("p{i}-{n}"), &format!("participant {i} says {n}")).await;
        }
        for n in 0..15 {
            let answer = answer(&mut client, &mut seen, &format!("p{i}-{n}")).await.expect("connection stays");
            assert!(matches!(answer, ServerFrame::Ack { duplicate: false, .. }), "{answer:?}");
        }
        (client, seen)
    });
    let mut finished = join_all(posting).await;
    let end = last_seq(&mut setup.sql().await, session).await;
    assert_eq!(end, start + 6 * 15, "every post is in the stream once");
    for (client, seen) in &mut finished {
        seen.read_until(client, end).await;
    }
    let (_, reference) = &finished[0];
    assert_eq!(reference.frames.keys().copied().collect::<Vec<_>>(), ((start + 1)..=end).collect::<Vec<_>>());
    for (i, (_, seen)) in finished.iter().enumerate() {
        assert_eq!(seen.frames, reference.frames, "participant {i} saw the same stream as participant 0");
    }

    // The entries crossed instances through notices, and /metrics says who is there.
    let mut ids = HashSet::new();
    for server in &servers {
        assert_eq!(metric(server.port, "tweetchat_instances_alive").await, Some(3.0));
        assert!(metric(server.port, "tweetchat_stream_notices").await.is_some_and(|n| n > 0.0));
        assert_eq!(metric(server.port, "tweetchat_stream_listener_up").await, Some(1.0));
        let id = instance_id(server.port).await;
        assert!(server.log_text().contains(&id), "the start-up log names the instance");
        ids.insert(id);
    }
    assert_eq!(ids.len(), 3, "each instance has its own id");
}

/// A participant that posts `count` messages one after the other, and when its instance dies,
/// reconnects to the next one in `ports`, resumes from the last entry it saw and sends again
/// what was not acknowledged, under the same ids.
async fn post_through_a_crash(
    ports: Vec<u16>,
    session: Uuid,
    user: TestUser,
    count: usize,
    connected: Arc<AtomicUsize>,
    acked: Arc<AtomicUsize>,
) -> (Client, Seen, usize) {
    let mut port = ports.iter().copied();
    let mut client = Client::connect(port.next().expect("a port"), session, Some(&user.token), None).await;
    connected.fetch_add(1, Ordering::Relaxed);
    let mut seen = Seen::starting_at(client.welcome.last_seq);
    let mut reconnects = 0;
    let mut n = 0;
    let name = user.handle.trim_start_matches('@');
    while n < count {
        let id = format!("{name}-{n}");
        client.post(&id, &format!("{name} says {n}")).await;
        match answer(&mut client, &mut seen, &id).await {
            Ok(ServerFrame::Ack { .. }) => {
                acked.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
            Ok(other) => panic!("{id}: {other:?}"),
            Err(_) => {
                reconnects += 1;
                let next = port.next().expect("another instance to go to");
                client = Client::connect(next, session, Some(&user.token), Some(seen.last)).await;
                // The replay up to the welcome's position, then live again.
                let caught_up = loop {
                    match client.next().await {
                        ServerFrame::CaughtUp { last_seq } => break last_seq,
                        frame => seen.take(frame),
                    }
                };
                assert_eq!(caught_up, seen.last);
            }
        }
    }
    (client, seen, reconnects)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_an_instance_is_killed_its_clients_resume_elsewhere_with_nothing_lost_or_doubled() {
    let setup = Setup::new("kill").await;
    let mut servers = setup.start(3).await;
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let api = Api::new(ports[0]);
    let (_host, session) = api.live_session().await;

    let connected = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(AtomicUsize::new(0));
    let mut users = Vec::new();
    for i in 0..6 {
        users.push(api.sign_up(&format!("k{i}")).await);
    }
    let mut posters = Vec::new();
    for (i, user) in users.into_iter().enumerate() {
        // Participants 2 and 5 are on the instance that dies; they go on to instance 0.
        let home = i % 3;
        let route = vec![ports[home], ports[(home + 1) % 3]];
        posters.push(tokio::spawn(post_through_a_crash(route, session, user, 40, connected.clone(), acked.clone())));
    }
    // Kill the third instance once everyone is connected and the chat is under way.
    tokio::time::timeout(PATIENCE, async {
        while connected.load(Ordering::Relaxed) < 6 || acked.load(Ordering::Relaxed) < 24 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the chat gets going");
    servers.pop().expect("third instance").crash().await;

    let mut finished = Vec::new();
    for poster in posters {
        finished.push(poster.await.expect("poster"));
    }
    let mut sql = setup.sql().await;
    let end = last_seq(&mut sql, session).await;
    for (client, seen, _) in &mut finished {
        seen.read_until(client, end).await;
    }
    let reconnects: Vec<usize> = finished.iter().map(|(_, _, r)| *r).collect();
    assert_eq!(reconnects, vec![0, 0, 1, 0, 0, 1], "only the dead instance's clients reconnected");

    // Everyone saw the same stream; every post is in it exactly once, at its acked seq.
    let (_, reference, _) = &finished[0];
    for (i, (_, seen, _)) in finished.iter().enumerate() {
        let shared: Vec<_> = seen.frames.range(reference.frames.keys().next().copied().unwrap_or(1)..).collect();
        let expected: Vec<_> = reference.frames.range(seen.frames.keys().next().copied().unwrap_or(1)..).collect();
        assert_eq!(shared, expected, "participant {i} saw the same stream");
        assert_eq!(seen.last, end);
        for (client_id, seq) in &seen.acks {
            let stored: Vec<i64> =
                sqlx::query_scalar("SELECT seq FROM messages WHERE session_id = $1 AND client_id = $2")
                    .bind(session)
                    .bind(client_id)
                    .fetch_all(&mut sql)
                    .await
                    .expect("query");
            assert_eq!(stored, vec![*seq], "{client_id} is stored once, at its acked seq");
        }
    }
    let posts: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE session_id = $1")
        .bind(session)
        .fetch_one(&mut sql)
        .await
        .expect("count");
    assert_eq!(posts, 6 * 40, "no post lost, none doubled");
}

/// Runs a cluster tool (`pg_ctl`) on the private cluster, as the `postgres` user when root,
/// as the server's embedded PostgreSQL code does.
async fn pg_ctl(args: &[&str]) {
    let bindir = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|dir| dir.join("pg_ctl").is_file())
        .or_else(|| {
            let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path().join("bin"))
                .filter(|dir| dir.join("pg_ctl").is_file())
                .collect();
            dirs.sort();
            dirs.pop()
        })
        .expect("PostgreSQL's pg_ctl");
    let pg_ctl = bindir.join("pg_ctl");
    let mut command = if nix::unistd::Uid::effective().is_root() {
        let mut c = tokio::process::Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
        c
    } else {
        tokio::process::Command::new(&pg_ctl)
    };
    let output = command.args(args).current_dir("/").output().await.expect("pg_ctl runs");
    assert!(output.status.success(), "pg_ctl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// `tweetchat db <action> --data-dir <dir>`: the private cluster the test owns.
async fn tweetchat_db(action: &str, data_dir: &Path) -> String {
    let output = tokio::process::Command::new(binary())
        .args(["db", action, "--data-dir"])
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .output()
        .await
        .expect("tweetchat db runs");
    assert!(output.status.success(), "tweetchat db {action}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Stops the test's private cluster and removes its files, whatever the test's outcome.
struct PrivateCluster {
    data_dir: PathBuf,
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data_dir = self.data_dir.clone();
        let _ = std::thread::spawn(move || {
            let _ = std::process::Command::new(binary())
                .args(["db", "stop", "--data-dir"])
                .arg(&data_dir)
                .env_remove("DATABASE_URL")
                .output();
            if let Ok(pointer) = std::fs::read_to_string(data_dir.join("postgres-location")) {
                let _ = std::fs::remove_dir_all(pointer.trim());
            }
            let _ = std::fs::remove_dir_all(&data_dir);
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_postgres_restart_every_instance_recovers_and_no_acknowledged_post_is_lost() {
    let dir = temp_dir("pgrestart");
    let cluster = PrivateCluster { data_dir: dir.join("data") };
    let db_url = tweetchat_db("start", &cluster.data_dir).await;
    let pgdata = match std::fs::read_to_string(cluster.data_dir.join("postgres-location")) {
        Ok(pointer) => PathBuf::from(pointer.trim()).join("data"),
        Err(_) => cluster.data_dir.join("postgres").join("data"),
    };
    let pgdata = pgdata.to_string_lossy().into_owned();
    let servers = start_instances(&db_url, &dir, 2).await;
    let apis: Vec<Api> = servers.iter().map(|s| Api::new(s.port)).collect();
    let (_host, session) = apis[0].live_session().await;
    let alice = apis[0].sign_up("alice").await;
    let bob = apis[1].sign_up("bob").await;
    let mut a = apis[0].connect(session, Some(&alice.token)).await;
    let mut b = apis[1].connect(session, Some(&bob.token)).await;
    let mut seen_a = Seen::starting_at(a.welcome.last_seq);
    let mut seen_b = Seen::starting_at(b.welcome.last_seq);

    for n in 0..5 {
        a.post(&format!("before-{n}"), "before the outage").await;
        let ack = answer(&mut a, &mut seen_a, &format!("before-{n}")).await.expect("connected");
        assert!(matches!(ack, ServerFrame::Ack { .. }), "{ack:?}");
    }

    // The database goes away without warning.
    pg_ctl(&["-D", &pgdata, "-m", "immediate", "-w", "stop"]).await;
    a.post("during-a", "while the database is down").await;
    b.post("during-b", "while the database is down").await;
    for (client, seen, id) in [(&mut a, &mut seen_a, "during-a"), (&mut b, &mut seen_b, "during-b")] {
        let refused = answer(client, seen, id).await.expect("the connection stays open");
        assert!(
            matches!(&refused, ServerFrame::Error { retryable: true, .. }),
            "a post during the outage gets a retryable error: {refused:?}"
        );
    }
    let log = dir.join("postgres-restart.log").to_string_lossy().into_owned();
    let _ = std::fs::File::create(&log);
    if nix::unistd::Uid::effective().is_root()
        && let Ok(Some(user)) = nix::unistd::User::from_name("postgres")
    {
        let _ = nix::unistd::chown(log.as_str(), Some(user.uid), Some(user.gid));
    }
    pg_ctl(&["-D", &pgdata, "-l", &log, "-w", "start"]).await;

    // Both instances take posts again by themselves; the clients retry with the same ids.
    for (client, seen, id) in [(&mut a, &mut seen_a, "during-a"), (&mut b, &mut seen_b, "during-b")] {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            client.post(id, "while the database is down").await;
            match answer(client, seen, id).await.expect("the connection stays open") {
                ServerFrame::Ack { .. } => break,
                ServerFrame::Error { retryable: true, .. } if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                other => panic!("{id} after the restart: {other:?}"),
            }
        }
    }
    // Entries keep crossing instances, through a listener that reconnected on its own.
    b.post("after-b", "the database is back").await;
    answer(&mut b, &mut seen_b, "after-b").await.expect("ack");
    let mut sql = PgConnection::connect(&db_url).await.expect("connect");
    let end = last_seq(&mut sql, session).await;
    seen_a.read_until(&mut a, end).await;
    seen_b.read_until(&mut b, end).await;
    let common = seen_b.frames.keys().next().copied().unwrap_or(1);
    assert_eq!(seen_a.frames.range(common..).collect::<Vec<_>>(), seen_b.frames.range(common..).collect::<Vec<_>>());
    for server in &servers {
        assert!(metric(server.port, "tweetchat_stream_listener_reconnects").await.is_some_and(|n| n >= 1.0));
    }

    // Every acknowledged post is stored once, at its acked seq.
    for (client_id, seq) in seen_a.acks.iter().chain(&seen_b.acks) {
        let stored: Vec<i64> = sqlx::query_scalar("SELECT seq FROM messages WHERE client_id = $1")
            .bind(client_id)
            .fetch_all(&mut sql)
            .await
            .expect("query");
        assert_eq!(stored, vec![*seq], "{client_id}");
    }
    assert_eq!(seen_a.acks.len() + seen_b.acks.len(), 5 + 2 + 1);
    sql.close().await.ok();
    for server in servers {
        assert!(server.terminate().await.success());
    }
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A series owned by a new person, made directly in storage.
async fn series_of(db: &tweetchat_storage::Database, hashtag: &str) -> tweetchat_storage::series::Series {
    let owner = db
        .create_user(&tweetchat_domain::Handle::parse("host").expect("handle"), "Host", "not a real hash")
        .await
        .expect("user");
    db.create_series(&tweetchat_storage::series::NewSeries {
        hashtag: tweetchat_domain::Hashtag::parse(hashtag).expect("tag"),
        title: tweetchat_domain::Title::parse(hashtag).expect("title"),
        description: tweetchat_domain::Description::default(),
        time_zone: "UTC".into(),
        default_duration_minutes: 60,
        owner_id: owner.id,
        allow_viewers: true,
    })
    .await
    .expect("series")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_instance_sends_no_notices_and_starts_as_soon_as_another_is_alive() {
    use tweetchat_storage::Database;
    let setup = Setup::new("lone").await;
    let options: sqlx::postgres::PgConnectOptions = setup.db_url.parse().expect("url");
    let writer = Database::connect_as(options.clone(), 3, Uuid::new_v4()).await.expect("writer");
    let reader = Database::connect_as(options, 3, Uuid::new_v4()).await.expect("reader");
    let series = series_of(&writer, "Lone").await;
    let now = chrono::Utc::now();
    let session = writer
        .create_session(&tweetchat_storage::sessions::NewSession {
            series_id: series.id,
            title: "lone".into(),
            starts_at: now + chrono::Duration::hours(1),
            ends_at: now + chrono::Duration::hours(2),
            lobby_lead: chrono::Duration::zero(),
            archive_grace: chrono::Duration::minutes(15),
        })
        .await
        .expect("session");
    let mut notices = reader.listen_stream().await.expect("listen");
    writer.heartbeat("writer", Duration::from_secs(10), Duration::from_secs(600)).await.expect("writer beats");

    // Alone: the transition commits without a notice (the reader has sent no heartbeat).
    let started = writer.transition(session.id, tweetchat_domain::SessionAction::Start, now).await.expect("start");
    // With another instance alive, the next append is announced, with its position and writer.
    let beat =
        reader.heartbeat("reader", Duration::from_secs(10), Duration::from_secs(600)).await.expect("reader beats");
    assert_eq!(beat.alive, 2);
    let post = tweetchat_storage::stream::NewPost {
        author_id: series.owner_id,
        author_handle: "@host".into(),
        author_display_name: "Host".into(),
        client_id: "only".into(),
        text: "hello".into(),
        reply_to: None,
        quote_of: None,
        answers_question: None,
        hashtags: Vec::new(),
        mentions: Vec::new(),
        exempt: true,
    };
    let batch = writer.commit_posts(session.id, &[post], now).await.expect("post");
    let first = tokio::time::timeout(PATIENCE, notices.recv()).await.expect("a notice").expect("listening");
    let expected = tweetchat_storage::notify::StreamNotice {
        session_id: session.id,
        last_seq: batch.prev_last_seq + 1,
        instance_id: Some(writer.instance_id()),
    };
    assert_eq!(batch.prev_last_seq, started.event.seq);
    assert_eq!(
        first,
        Some(tweetchat_storage::notify::Heard::Stream(expected)),
        "the first notice is the post's, not the lone transition's"
    );
    notices.close().await;
    writer.close().await;
    reader.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_over_200_due_sessions_perform_each_step_once_and_every_room_hears_it() {
    let setup = Setup::new("schedulers").await;
    let db = tweetchat_storage::Database::connect(setup.db_url.parse().expect("url"), 5).await.expect("db");
    let series = series_of(&db, "Busy").await;
    // Every step of every session is overdue: lobby, live, Q1, closed, archived.
    let now = chrono::Utc::now();
    let mut sessions = Vec::new();
    for i in 0..200 {
        // Sessions of one series never overlap: one every half hour, all in the past.
        let starts_at = now - chrono::Duration::minutes(40 + 30 * i);
        let new = tweetchat_storage::sessions::NewSession {
            series_id: series.id,
            title: "due".into(),
            starts_at,
            ends_at: starts_at + chrono::Duration::minutes(20),
            lobby_lead: chrono::Duration::minutes(5),
            archive_grace: chrono::Duration::minutes(5),
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
    // Due a little later, so that all three schedulers are up and wake for it together.
    sqlx::query("UPDATE sessions SET next_due_at = now() + interval '5 seconds'")
        .execute(db.pool())
        .await
        .expect("due soon");
    let servers = setup.start(3).await;

    // A viewer of the first session on each instance hears every step, whoever performed it.
    for server in &servers {
        let mut viewer = Client::connect(server.port, sessions[0], None, Some(0)).await;
        let mut states = Vec::new();
        while states.len() < 5 {
            match viewer.next().await {
                ServerFrame::SessionState { status, .. } => states.push(status),
                ServerFrame::QuestionReleased { .. } => states.push("Q1".into()),
                _ => {}
            }
        }
        assert_eq!(states, ["lobby", "live", "Q1", "closed", "archived"]);
    }
    let mut sql = setup.sql().await;
    tokio::time::timeout(PATIENCE * 2, async {
        loop {
            let archived: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE status = 'archived'")
                .fetch_one(&mut sql)
                .await
                .expect("count");
            if archived == 200 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("every session reaches its end");
    let states: Vec<(String, i64)> = sqlx::query_as(
        "SELECT payload->>'status', count(*) FROM session_events WHERE kind = 'session_state' GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&mut sql)
    .await
    .expect("query");
    let expected: Vec<(String, i64)> =
        ["archived", "closed", "live", "lobby"].iter().map(|s| ((*s).to_owned(), 200)).collect();
    assert_eq!(states, expected, "each transition once per session");
    let questions: i64 = sqlx::query_scalar("SELECT count(*) FROM messages WHERE kind = 'question'")
        .fetch_one(&mut sql)
        .await
        .expect("query");
    assert_eq!(questions, 200, "each question released once");
    let gaps: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sessions s WHERE s.last_seq <> (SELECT count(*) FROM session_events e WHERE e.session_id = s.id)
                                                  + (SELECT count(*) FROM messages m WHERE m.session_id = s.id)",
    )
    .fetch_one(&mut sql)
    .await
    .expect("query");
    assert_eq!(gaps, 0, "every stream is gap-free");
    db.close().await;
}

/// Moderation acts on every instance: a post held on one reaches the moderators on another, the
/// approval acks its author there, and a ban or a sign-out closes sockets wherever they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_reaches_connections_on_every_instance() {
    let setup = Setup::new("moderation").await;
    let servers = setup.start(2).await;
    let a = Api::new(servers[0].port);
    let (owner, session) = a.live_session().await;
    let moderator = a.sign_up("mod").await;
    let ann = a.sign_up("ann").await;
    let bob = a.sign_up("bob").await;
    let put = reqwest::Method::PUT;
    let role = serde_json::json!({"role": "moderator"});
    let (status, _) =
        a.request(put.clone(), "/api/v1/series/WeNurses/members/mod", Some(&owner.token), Some(role)).await;
    assert_eq!(status, 204);
    let rules = serde_json::json!({"hold_policy": "all", "blocked_terms": [], "slow_mode_seconds": 0});
    let (status, _) = a.request(put, "/api/v1/series/WeNurses/rules", Some(&owner.token), Some(rules)).await;
    assert_eq!(status, 200);
    // Both instances must know of each other before the first control message.
    for server in &servers {
        tokio::time::timeout(PATIENCE, async {
            while metric(server.port, "tweetchat_instances_alive").await != Some(2.0) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .expect("both instances alive");
    }

    let mut moderator_ws = Client::connect(servers[0].port, session, Some(&moderator.token), None).await;
    let mut ann_ws = Client::connect(servers[1].port, session, Some(&ann.token), None).await;
    let mut bob_ws = Client::connect(servers[1].port, session, Some(&bob.token), None).await;
    ann_ws.post("h1", "A1 held on the other instance").await;
    let held = ann_ws.until(|f| matches!(f, ServerFrame::PostHeld { .. })).await;
    let ServerFrame::PostHeld { held_id, .. } = held else { unreachable!() };
    let queued = moderator_ws.until(|f| matches!(f, ServerFrame::HeldForReview { .. })).await;
    assert!(matches!(&queued, ServerFrame::HeldForReview { held } if held.id == held_id), "{queued:?}");

    let (status, body) = a
        .post(
            &format!("/api/v1/sessions/{session}/held/{held_id}/approve"),
            Some(&moderator.token),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ack = ann_ws.until(|f| matches!(f, ServerFrame::Ack { .. })).await;
    assert!(matches!(&ack, ServerFrame::Ack { client_id, .. } if client_id == "h1"), "{ack:?}");

    let ban = serde_json::json!({"handle": "ann", "kind": "ban", "reason": "spam"});
    let (status, _) = a.post("/api/v1/series/WeNurses/restrictions", Some(&moderator.token), ban).await;
    assert_eq!(status, 204);
    let notice = ann_ws.until(|f| matches!(f, ServerFrame::Restricted { .. })).await;
    assert!(matches!(&notice, ServerFrame::Restricted { kind, .. } if kind == "ban"));
    assert_eq!(ann_ws.closed().await, Ended::Closed(Some(tweetchat_protocol::close::FORBIDDEN)));

    let (status, _) = a.post("/api/v1/auth/logout", Some(&bob.token), serde_json::json!({})).await;
    assert_eq!(status, 204);
    assert_eq!(bob_ws.closed().await, Ended::Closed(Some(tweetchat_protocol::close::UNAUTHENTICATED)));
}

/// A client that resumes from a position this instance's room has not shown yet (another
/// instance committed it a moment ago and its notice is still on the way) is caught up from
/// the database, not told to throw its stream away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_ahead_of_this_instance_is_served_from_the_database() {
    let app = tweetchat_tests::app::TestApp::spawn().await;
    let (host, session) = app.live_session().await;
    // The room exists here and has shown everything so far.
    let watcher = app.connect(session, Some(&host.token)).await;
    let shown = watcher.welcome.last_seq;
    // Another writer appends an entry without any notice reaching this instance.
    let mut sql = PgConnection::connect(&app.db_url).await.expect("sql");
    let next = shown + 1;
    sqlx::query(
        "INSERT INTO session_events (session_id, seq, kind, payload) VALUES ($1, $2, 'session_state',
                jsonb_build_object('status', 'live', 'ends_at', now() + interval '1 hour'))",
    )
    .bind(session)
    .bind(next)
    .execute(&mut sql)
    .await
    .expect("insert");
    sqlx::query("UPDATE sessions SET last_seq = $2 WHERE id = $1")
        .bind(session)
        .bind(next)
        .execute(&mut sql)
        .await
        .expect("advance");

    let mut client = Client::connect(app.port, session, Some(&host.token), Some(next)).await;
    let mut frames = Vec::new();
    loop {
        match client.next().await {
            ServerFrame::CaughtUp { last_seq } => {
                assert_eq!(last_seq, next, "caught up to what the client had seen");
                break;
            }
            frame => frames.push(frame),
        }
    }
    assert!(!frames.iter().any(|f| matches!(f, ServerFrame::Reload { .. })), "no reload: {frames:?}");
}
