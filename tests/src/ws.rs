//! A websocket client that speaks the tweetchat protocol, for tests.

use crate::PATIENCE;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use tweetchat_protocol::{ClientFrame, ServerFrame, Welcome};
use uuid::Uuid;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Client {
    pub socket: Socket,
    pub welcome: Welcome,
    /// Frames read ahead while waiting for something else, in arrival order.
    pending: std::collections::VecDeque<ServerFrame>,
}

/// How a connection ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Closed(Option<u16>),
    Dropped,
}

impl Client {
    /// Connects, says hello, and returns once `welcome` arrived.
    pub async fn connect(port: u16, session: Uuid, token: Option<&str>, resume_after: Option<i64>) -> Client {
        let mut socket = raw(port, session).await;
        let hello = ClientFrame::Hello { protocol: vec![1], token: token.map(str::to_owned), resume_after };
        socket.send(Message::text(serde_json::to_string(&hello).expect("json"))).await.expect("send hello");
        let welcome = read_welcome(&mut socket).await;
        Client { socket, welcome, pending: Default::default() }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.socket.send(Message::text(serde_json::to_string(frame).expect("json"))).await.expect("send frame");
    }

    pub async fn post(&mut self, client_id: &str, text: &str) {
        self.send(&ClientFrame::Post {
            client_id: client_id.into(),
            text: text.into(),
            reply_to: None,
            quote_of: None,
        })
        .await;
    }

    /// The next frame (presence and pongs included); fails the test after [`PATIENCE`].
    pub async fn next(&mut self) -> ServerFrame {
        if let Some(frame) = self.pending.pop_front() {
            return frame;
        }
        loop {
            let message =
                tokio::time::timeout(PATIENCE, self.socket.next()).await.expect("a frame within the patience period");
            match message {
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("bad server frame {text}: {e}"));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("connection ended while waiting for a frame: {other:?}"),
            }
        }
    }

    /// Reads until a frame matches, keeping the others for later `next` calls.
    pub async fn until(&mut self, mut wanted: impl FnMut(&ServerFrame) -> bool) -> ServerFrame {
        let mut skipped = Vec::new();
        let found = loop {
            let frame = self.next().await;
            if wanted(&frame) {
                break frame;
            }
            skipped.push(frame);
        };
        for frame in skipped.into_iter().rev() {
            self.pending.push_front(frame);
        }
        found
    }

    /// The ack (or error) for `client_id`.
    pub async fn answer_to(&mut self, client_id: &str) -> ServerFrame {
        self.until(|f| match f {
            ServerFrame::Ack { client_id: c, .. } => c == client_id,
            ServerFrame::Error { client_id: Some(c), .. } => c == client_id,
            _ => false,
        })
        .await
    }

    /// Stream frames up to and including `seq`, in arrival order; other frames are dropped.
    pub async fn stream_until(&mut self, seq: i64) -> Vec<ServerFrame> {
        let mut frames = Vec::new();
        loop {
            let frame = self.next().await;
            if let Some(s) = frame.seq() {
                frames.push(frame);
                if s >= seq {
                    return frames;
                }
            }
        }
    }

    /// Reads until the server closes the connection; returns the close code.
    pub async fn closed(&mut self) -> Ended {
        loop {
            match tokio::time::timeout(PATIENCE, self.socket.next()).await.expect("close within the patience period") {
                Some(Ok(Message::Close(frame))) => {
                    return Ended::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Ended::Dropped,
            }
        }
    }
}

/// A websocket connected but with nothing said yet.
pub async fn raw(port: u16, session: Uuid) -> Socket {
    let url = format!("ws://127.0.0.1:{port}/api/v1/sessions/{session}/live");
    let (socket, _) = connect_async(url).await.expect("websocket connects");
    socket
}

impl Client {
    /// Connects with a 4 KiB socket receive buffer and says hello, then leaves the socket
    /// unread: a client on a bad network, or a stuck tab.
    pub async fn connect_with_small_receive_buffer(port: u16, session: Uuid) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("small receive buffer");
        let stream = socket.connect(([127, 0, 0, 1], port).into()).await.expect("tcp connect");
        let url = format!("ws://127.0.0.1:{port}/api/v1/sessions/{session}/live");
        let (mut socket, _) =
            tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await.expect("websocket handshake");
        let hello = ClientFrame::Hello { protocol: vec![1], token: None, resume_after: None };
        socket.send(Message::text(serde_json::to_string(&hello).expect("json"))).await.expect("send hello");
        let welcome = read_welcome(&mut socket).await;
        Client { socket, welcome, pending: Default::default() }
    }

    /// The next frame, or how the connection ended.
    pub async fn next_or_end(&mut self) -> Result<ServerFrame, Ended> {
        if let Some(frame) = self.pending.pop_front() {
            return Ok(frame);
        }
        loop {
            match tokio::time::timeout(PATIENCE, self.socket.next()).await.expect("a frame within the patience period")
            {
                Some(Ok(Message::Text(text))) => {
                    return Ok(serde_json::from_str(text.as_str()).expect("server frame"));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(Ended::Closed(frame.map(|f| u16::from(f.code))));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Err(Ended::Dropped),
            }
        }
    }
}

async fn read_welcome(socket: &mut Socket) -> Welcome {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next()).await.expect("welcome within the patience period");
        match message {
            Some(Ok(Message::Text(text))) => match serde_json::from_str(text.as_str()) {
                Ok(ServerFrame::Welcome(welcome)) => return *welcome,
                other => panic!("expected welcome, got {other:?}"),
            },
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("connection ended before welcome: {other:?}"),
        }
    }
}

impl Client {
    /// A client around a socket that has not said hello (its `welcome` is empty).
    pub fn from_raw(socket: Socket) -> Client {
        Client { socket, welcome: Welcome::default(), pending: Default::default() }
    }
}
