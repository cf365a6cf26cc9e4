//! Test-only stand-in for the tweetchat server: just enough HTTP for the setup calls and a
//! websocket endpoint that sequences posts, acks them and fans them out, so that a whole run
//! can be exercised in `cargo test`. It can misbehave on purpose (drop or repeat one seq for
//! the first connection) to check the accounting.

use futures_util::{SinkExt as _, StreamExt as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, broadcast, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tweetchat_protocol::{ClientFrame, Limits, MessageKind, MessageView, ServerFrame, SessionView, Welcome};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default)]
pub struct Misbehave {
    /// Never deliver this seq to the first websocket connection.
    pub drop_seq: Option<i64>,
    /// Deliver this seq twice to the first websocket connection.
    pub repeat_seq: Option<i64>,
}

pub struct Fake {
    pub http: SocketAddr,
    pub ws: SocketAddr,
}

struct Hub {
    seq: Mutex<i64>,
    tx: broadcast::Sender<(i64, String)>,
    accepted: AtomicUsize,
    misbehave: Misbehave,
}

pub async fn start(misbehave: Misbehave) -> std::io::Result<Fake> {
    let http = TcpListener::bind("127.0.0.1:0").await?;
    let ws = TcpListener::bind("127.0.0.1:0").await?;
    let fake = Fake { http: http.local_addr()?, ws: ws.local_addr()? };
    tokio::spawn(async move {
        while let Ok((stream, _)) = http.accept().await {
            tokio::spawn(serve_http(stream));
        }
    });
    let hub = Arc::new(Hub {
        seq: Mutex::new(0),
        tx: broadcast::channel(10_000).0,
        accepted: AtomicUsize::new(0),
        misbehave,
    });
    tokio::spawn(async move {
        while let Ok((stream, _)) = ws.accept().await {
            tokio::spawn(serve_ws(stream, Arc::clone(&hub)));
        }
    });
    Ok(fake)
}

/// One request per connection, answered with `Connection: close`.
async fn serve_http(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: serde_json::Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(serde_json::Value::Null);
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    let field = |name: &str| body[name].as_str().unwrap_or("").to_owned();
    let (status, json) = if path == "/api/v1/accounts" {
        let handle = field("handle");
        (
            "201 Created",
            serde_json::json!({"user": {"id": Uuid::new_v4(), "handle": format!("@{handle}")}, "token": format!("tok-{handle}")}),
        )
    } else if path == "/api/v1/series" {
        ("201 Created", serde_json::json!({"id": Uuid::new_v4(), "hashtag": format!("#{}", field("hashtag"))}))
    } else if path.ends_with("/sessions") {
        ("201 Created", serde_json::json!({"id": Uuid::new_v4()}))
    } else if path.ends_with("/start") {
        ("200 OK", serde_json::json!({"status": "live"}))
    } else {
        ("404 Not Found", serde_json::json!({"error": {"code": "not_found", "message": "no such route"}}))
    };
    let json = json.to_string();
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

fn to_json(frame: &ServerFrame) -> String {
    serde_json::to_string(frame).unwrap_or_default()
}

async fn serve_ws(stream: TcpStream, hub: Arc<Hub>) {
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let first = hub.accepted.fetch_add(1, Ordering::SeqCst) == 0;
    let (mut sink, mut source) = ws.split();
    let Some(Ok(Message::Text(hello))) = source.next().await else {
        return;
    };
    let Ok(ClientFrame::Hello { token, .. }) = serde_json::from_str(hello.as_str()) else {
        return;
    };
    // Subscribe and read last_seq under the lock: nothing is missed or counted twice.
    let (mut feed, last_seq) = {
        let seq = hub.seq.lock().await;
        (hub.tx.subscribe(), *seq)
    };
    let now = chrono::Utc::now();
    let welcome = ServerFrame::Welcome(Box::new(Welcome {
        protocol: 1,
        session: SessionView {
            id: Uuid::nil(),
            series_id: Uuid::nil(),
            hashtag: "#Fake".into(),
            title: "Fake".into(),
            status: "live".into(),
            starts_at: now,
            ends_at: now,
        },
        role: if token.is_some() { "participant" } else { "viewer" }.into(),
        you: None,
        pinned: Vec::new(),
        slow_mode_seconds: 0,
        current_question: None,
        last_seq,
        limits: Limits { max_text_chars: 280, max_frame_bytes: 4096, posts_per_minute: 6000 },
    }));
    let (own_tx, mut own_rx) = mpsc::unbounded_channel::<String>();
    let misbehave = hub.misbehave;
    let writer = tokio::spawn(async move {
        let _ = sink.send(Message::text(to_json(&welcome))).await;
        let _ = sink.send(Message::text(to_json(&ServerFrame::CaughtUp { last_seq }))).await;
        loop {
            tokio::select! {
                m = feed.recv() => match m {
                    Ok((seq, frame)) => {
                        if first && misbehave.drop_seq == Some(seq) {
                            continue;
                        }
                        if first && misbehave.repeat_seq == Some(seq) {
                            let _ = sink.send(Message::text(frame.clone())).await;
                        }
                        if sink.send(Message::text(frame)).await.is_err() {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => break,
                },
                m = own_rx.recv() => match m {
                    Some(frame) => if sink.send(Message::text(frame)).await.is_err() { break },
                    None => break,
                },
            }
        }
    });
    while let Some(Ok(msg)) = source.next().await {
        let Message::Text(text) = msg else { continue };
        let Ok(ClientFrame::Post { client_id, text, .. }) = serde_json::from_str(text.as_str()) else {
            continue;
        };
        let seq = {
            let mut seq = hub.seq.lock().await;
            *seq += 1;
            let message = MessageView {
                id: Uuid::new_v4(),
                seq: *seq,
                kind: MessageKind::Post,
                author: None,
                text,
                created_at: chrono::Utc::now(),
                reply_to: None,
                quote_of: None,
                question: None,
                answers: None,
                answers_unreleased: false,
                hashtags: Vec::new(),
                mentions: Vec::new(),
                likes: 0,
                hidden: false,
                pinned: false,
                credit: None,
            };
            let _ = hub.tx.send((*seq, to_json(&ServerFrame::Message { seq: *seq, message })));
            *seq
        };
        let ack = ServerFrame::Ack { client_id, seq, message_id: Uuid::nil(), duplicate: false };
        let _ = own_tx.send(to_json(&ack));
    }
    drop(own_tx);
    writer.abort();
}
