//! One websocket participant: connect (TCP + upgrade + `hello`/`welcome`), then read every frame
//! until told to stop, and — for posters — post on a fixed schedule.
//!
//! Each participant is one tokio task that owns its connection and its counters; the only
//! shared writes on the hot path are a relaxed store of its highest seq (for the drain check)
//! into its own cache line. Results come back as an [`Outcome`] when the task ends.
//!
//! Posting schedule: poster `i` of `K` ticks every `K / rate` seconds starting `i / rate`
//! seconds into the window, so posts are evenly spread at `rate` in total. The interval uses
//! [`MissedTickBehavior::Burst`]: if a poster falls behind (a stalled send, a busy runtime) it
//! sends the missed posts at once to catch up, so the number of posts offered is exactly the
//! schedule's (≈ rate × seconds) whatever the server does; how late the sends were is reported
//! as the schedule lag. Latency is measured from the actual send instant.

use crate::seq::{Arrival, SeqTracker};
use crate::stats;
use crate::wire::{self, Phase};
use futures_util::{SinkExt as _, StreamExt as _};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::tungstenite::{self, Message, protocol::CloseFrame, protocol::WebSocketConfig};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tweetchat_protocol::{Limits, ServerFrame, Welcome};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Per-connection read buffer (tungstenite's default is 128 KiB).
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// A post that cannot be written for this long counts as a dropped connection.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// What the coordinator tells every participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Connected: keep reading, do not post yet.
    Wait,
    /// Post according to the schedule within this window.
    Post(Window),
    /// The run is over: close and report.
    Stop,
}

/// The posting timeline, shared by all posters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub warmup_start: Instant,
    /// Posts scheduled before this are warmup posts.
    pub measure_start: Instant,
    /// No post is scheduled at or after this.
    pub end: Instant,
}

/// What the coordinator reads while the run is going (for the drain check). One cache line per
/// participant so that participants on different threads do not contend.
#[derive(Debug)]
#[repr(align(64))]
pub struct Progress {
    /// Highest stream seq received (welcome's `last_seq` until something newer arrives).
    pub max_seq: AtomicI64,
    /// Posts sent and neither acked nor refused yet.
    pub outstanding: AtomicI64,
    /// The poster's schedule is over (always true for viewers).
    pub posting_done: AtomicBool,
    /// The connection failed or closed: nothing more will arrive.
    pub closed: AtomicBool,
}

impl Progress {
    pub fn new(poster: bool) -> Self {
        Progress {
            max_seq: AtomicI64::new(i64::MIN),
            outstanding: AtomicI64::new(0),
            posting_done: AtomicBool::new(!poster),
            closed: AtomicBool::new(false),
        }
    }
}

/// State shared by all participants of a run.
#[derive(Debug)]
pub struct Shared {
    /// Post texts carry nanoseconds since this instant.
    pub epoch: Instant,
    /// Bounds how many connections are being opened at once.
    pub connect_gate: Semaphore,
    pub connect_timeout: Duration,
    pub progress: Box<[Progress]>,
    /// Highest seq in any ack so far: everyone should eventually see it.
    pub max_acked_seq: AtomicI64,
    /// Measured posts sent / acked so far, for progress lines.
    pub sent: AtomicU64,
    pub acked: AtomicU64,
}

/// Who a participant is.
#[derive(Debug, Clone)]
pub struct Spec {
    pub index: usize,
    /// Full websocket URL of the session's live endpoint.
    pub url: Arc<str>,
    pub token: Option<String>,
    pub poster: Option<PosterPlan>,
}

#[derive(Debug, Clone, Copy)]
pub struct PosterPlan {
    /// 0-based poster number (appears in client ids and texts).
    pub number: usize,
    pub period: Duration,
    /// Delay of the first post after the window's start.
    pub offset: Duration,
}

/// Sent to the coordinator once the connection is up (with the welcome's limits) or has failed.
pub type ConnectReport = (usize, Result<Limits, String>);

/// Everything one participant measured.
#[derive(Debug)]
pub struct Outcome {
    /// Connect time (TCP + upgrade + welcome), or why connecting failed.
    pub connect: Result<Duration, String>,
    /// `None` if the participant never connected.
    pub tracker: Option<SeqTracker>,
    /// Distinct measured posts received.
    pub delivered: u64,
    /// Send → receive of measured posts, microseconds.
    pub latency: stats::Local,
    /// `error` frames by code.
    pub errors: BTreeMap<String, u64>,
    /// Text frames that did not parse as any server frame.
    pub unparsed: u64,
    pub closing_frames: u64,
    pub reloads: u64,
    /// Acks for client ids this participant did not have outstanding.
    pub stray_acks: u64,
    /// Why the connection ended before the run did.
    pub disconnect: Option<String>,
    pub poster: Option<PosterOutcome>,
}

#[derive(Debug, Default)]
pub struct PosterOutcome {
    pub sent: u64,
    pub sent_warmup: u64,
    pub acked: u64,
    pub acked_warmup: u64,
    /// Seqs of acked measured posts.
    pub acked_seqs: Vec<i64>,
    /// Measured posts answered with an `error` frame.
    pub rejected: u64,
    /// Measured posts with neither ack nor error when the participant ended.
    pub unanswered: u64,
    pub duplicate_acks: u64,
    /// Send → ack of measured posts, microseconds.
    pub ack_latency: Option<stats::Local>,
    /// Largest delay between a post's scheduled and actual send time.
    pub max_schedule_lag: Duration,
}

impl Outcome {
    fn new(poster: bool) -> Self {
        Outcome {
            connect: Err("not attempted".into()),
            tracker: None,
            delivered: 0,
            latency: stats::local(),
            errors: BTreeMap::new(),
            unparsed: 0,
            closing_frames: 0,
            reloads: 0,
            stray_acks: 0,
            disconnect: None,
            poster: poster.then(|| PosterOutcome { ack_latency: Some(stats::local()), ..PosterOutcome::default() }),
        }
    }
}

/// Runs one participant to the end of the run.
pub async fn run(
    spec: Spec,
    shared: Arc<Shared>,
    mut control: watch::Receiver<Control>,
    connected: mpsc::UnboundedSender<ConnectReport>,
) -> Outcome {
    let mut outcome = Outcome::new(spec.poster.is_some());
    let progress = &shared.progress[spec.index];

    let attempt = async {
        // The semaphore is never closed; if it were, connect without a permit.
        let _permit = shared.connect_gate.acquire().await.ok();
        let started = Instant::now();
        let result = tokio::time::timeout(shared.connect_timeout, connect(&spec.url, spec.token.as_deref())).await;
        match result {
            Ok(Ok((ws, welcome))) => Ok((ws, welcome, started.elapsed())),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!("no welcome within {:?}", shared.connect_timeout)),
        }
    };
    let (ws, last_seq) = match attempt.await {
        Ok((ws, welcome, took)) => {
            outcome.connect = Ok(took);
            progress.max_seq.store(welcome.last_seq, Ordering::Relaxed);
            let _ = connected.send((spec.index, Ok(welcome.limits)));
            (ws, welcome.last_seq)
        }
        Err(reason) => {
            progress.closed.store(true, Ordering::SeqCst);
            progress.posting_done.store(true, Ordering::SeqCst);
            let _ = connected.send((spec.index, Err(reason.clone())));
            outcome.connect = Err(reason);
            return outcome;
        }
    };
    drop(connected);

    let mut live = Live {
        shared: &shared,
        progress,
        tracker: SeqTracker::new(last_seq),
        pending: HashMap::new(),
        plan: spec.poster,
        next_number: 0,
        schedule: None,
        outcome,
    };
    live.drive(ws, &mut control).await;
    live.finish()
}

/// TCP connect, websocket upgrade, `hello`, and everything up to the `welcome`.
async fn connect(url: &str, token: Option<&str>) -> Result<(Ws, Box<Welcome>), String> {
    // Nagle off: posts and frames are small and latency is what we measure. A small read
    // buffer: the default 128 KiB per connection would make thousands of connections cost
    // hundreds of MiB here, and frames are a few hundred bytes.
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES);
    let (mut ws, _response) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .map_err(|e| describe_ws_error(&e))?;
    ws.send(Message::text(wire::hello(token))).await.map_err(|e| format!("sending hello: {e}"))?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                match serde_json::from_str::<ServerFrame>(text.as_str()) {
                    Ok(ServerFrame::Welcome(welcome)) => return Ok((ws, welcome)),
                    Ok(ServerFrame::Error { code, message, .. }) => {
                        return Err(format!("hello refused: {}: {message}", wire::code_name(code)));
                    }
                    Ok(_) => {} // nothing else is expected before welcome; skip it
                    Err(e) => {
                        return Err(format!(
                            "unexpected frame before welcome ({e}): {}",
                            text.as_str().chars().take(200).collect::<String>()
                        ));
                    }
                }
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(format!("before welcome: {}", close_reason(frame.as_ref())));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("before welcome: {}", describe_ws_error(&e))),
            None => return Err("connection ended before welcome".into()),
        }
    }
}

fn describe_ws_error(e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::Http(resp) => {
            let body = resp.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            format!("upgrade refused: HTTP {}: {}", resp.status(), crate::setup::describe_error_body(&body))
        }
        other => other.to_string(),
    }
}

fn close_reason(frame: Option<&CloseFrame>) -> String {
    match frame {
        Some(f) if f.reason.is_empty() => format!("closed by server ({})", u16::from(f.code)),
        Some(f) => format!("closed by server ({}: {})", u16::from(f.code), f.reason.as_str()),
        None => "closed by server".into(),
    }
}

fn nanos_since(epoch: Instant, t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(epoch).as_nanos()).unwrap_or(u64::MAX)
}

struct Pending {
    phase: Phase,
    sent_at: Instant,
}

struct Schedule {
    interval: Interval,
    period: Duration,
    window: Window,
}

/// A connected participant.
struct Live<'a> {
    shared: &'a Shared,
    progress: &'a Progress,
    tracker: SeqTracker,
    /// Posts sent and not yet answered, by client id.
    pending: HashMap<String, Pending>,
    plan: Option<PosterPlan>,
    next_number: u64,
    schedule: Option<Schedule>,
    outcome: Outcome,
}

/// Resolves at the schedule's next tick (its scheduled instant); never without a schedule.
async fn next_tick(schedule: &mut Option<Schedule>) -> Instant {
    match schedule {
        Some(s) => s.interval.tick().await,
        None => std::future::pending().await,
    }
}

impl Live<'_> {
    async fn drive(&mut self, mut ws: Ws, control: &mut watch::Receiver<Control>) {
        let first = *control.borrow_and_update();
        let mut stop = self.apply(first);
        while !stop {
            tokio::select! {
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(text))) => self.on_text(text.as_str()),
                    Some(Ok(Message::Close(frame))) => return self.disconnected(close_reason(frame.as_ref())),
                    Some(Ok(_)) => {} // pings are answered by tungstenite; no binary frames expected
                    Some(Err(e)) => return self.disconnected(describe_ws_error(&e)),
                    None => return self.disconnected("connection ended".into()),
                },
                changed = control.changed() => {
                    let c = if changed.is_ok() { *control.borrow_and_update() } else { Control::Stop };
                    stop = self.apply(c);
                }
                deadline = next_tick(&mut self.schedule) => {
                    if let Some(frame) = self.on_tick(deadline) {
                        // Bounded, so that a server that stops reading cannot hang the run.
                        match tokio::time::timeout(SEND_TIMEOUT, ws.send(Message::text(frame))).await {
                            Ok(Ok(())) => {}
                            Ok(Err(e)) => return self.disconnected(format!("sending a post: {}", describe_ws_error(&e))),
                            Err(_) => return self.disconnected(format!("sending a post blocked for {SEND_TIMEOUT:?}")),
                        }
                    }
                }
            }
        }
        // A polite close; do not wait for the server's answer.
        let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
    }

    /// Reacts to a control change; returns true on stop.
    fn apply(&mut self, control: Control) -> bool {
        match control {
            Control::Wait => false,
            Control::Stop => true,
            Control::Post(window) => {
                if let (Some(plan), None) = (self.plan, &self.schedule) {
                    let first = window.warmup_start + plan.offset;
                    if first >= window.end {
                        self.progress.posting_done.store(true, Ordering::SeqCst);
                    } else {
                        let period = plan.period.max(Duration::from_micros(1));
                        let mut interval = tokio::time::interval_at(first, period);
                        interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
                        self.schedule = Some(Schedule { interval, period, window });
                    }
                }
                false
            }
        }
    }

    /// A scheduled post is due: returns the frame to send, or `None` when the schedule is over.
    fn on_tick(&mut self, deadline: Instant) -> Option<String> {
        let (Some(plan), Some(schedule)) = (self.plan, &self.schedule) else {
            return None;
        };
        let (window, period) = (schedule.window, schedule.period);
        if deadline >= window.end {
            self.end_schedule();
            return None;
        }
        // Ticks fall at `first + k × period`: if the next one is past the end, this is the
        // last post (do not wait a whole period to find out, the drain waits for it).
        if deadline + period >= window.end {
            self.end_schedule();
        }
        let phase = if deadline < window.measure_start { Phase::Warmup } else { Phase::Measured };
        let number = self.next_number;
        self.next_number += 1;
        let client_id = wire::client_id(phase, plan.number, number);
        let sent_at = Instant::now();
        let frame = wire::post(
            &client_id,
            wire::stamp_text(phase, nanos_since(self.shared.epoch, sent_at), plan.number, number),
        );
        self.pending.insert(client_id, Pending { phase, sent_at });
        self.progress.outstanding.fetch_add(1, Ordering::SeqCst);
        if let Some(p) = self.outcome.poster.as_mut() {
            match phase {
                Phase::Warmup => p.sent_warmup += 1,
                Phase::Measured => {
                    p.sent += 1;
                    self.shared.sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            p.max_schedule_lag = p.max_schedule_lag.max(sent_at.saturating_duration_since(deadline));
        }
        Some(frame)
    }

    fn end_schedule(&mut self) {
        self.schedule = None;
        self.progress.posting_done.store(true, Ordering::SeqCst);
    }

    fn on_text(&mut self, text: &str) {
        let now = Instant::now();
        // Hot path: the projection only.
        if let Some((seq, body)) = wire::parse_message(text) {
            self.on_stream(seq, Some(&body), now);
            return;
        }
        match serde_json::from_str::<ServerFrame>(text) {
            Ok(frame) => self.on_frame(frame, now),
            Err(_) => self.outcome.unparsed += 1,
        }
    }

    fn on_stream(&mut self, seq: i64, text: Option<&str>, now: Instant) {
        let arrival = self.tracker.observe(seq);
        self.progress.max_seq.store(self.tracker.high_water(), Ordering::Relaxed);
        if arrival == Arrival::Duplicate {
            return;
        }
        if let Some((Phase::Measured, sent_nanos)) = text.and_then(wire::parse_stamp) {
            self.outcome.delivered += 1;
            let latency = nanos_since(self.shared.epoch, now).saturating_sub(sent_nanos);
            stats::record(&mut self.outcome.latency, Duration::from_nanos(latency));
        }
    }

    fn on_frame(&mut self, frame: ServerFrame, now: Instant) {
        match frame {
            ServerFrame::Ack { client_id, seq, duplicate, .. } => self.on_ack(&client_id, seq, duplicate, now),
            ServerFrame::Error { code, client_id, .. } => {
                *self.outcome.errors.entry(wire::code_name(code)).or_default() += 1;
                if let Some(id) = client_id
                    && let Some(p) = self.pending.remove(&id)
                {
                    self.progress.outstanding.fetch_sub(1, Ordering::SeqCst);
                    if let (Phase::Measured, Some(out)) = (p.phase, self.outcome.poster.as_mut()) {
                        out.rejected += 1;
                    }
                }
            }
            ServerFrame::Closing { .. } => self.outcome.closing_frames += 1,
            ServerFrame::Reload { .. } => self.outcome.reloads += 1,
            other => {
                // Stream frames other than `message` (hidden, liked, session_state, ...): seq
                // accounting only. Welcome, caught_up, presence, pong: nothing to do.
                if let Some(seq) = other.seq() {
                    let text = match &other {
                        ServerFrame::Message { message, .. } => Some(message.text.as_str()),
                        _ => None,
                    };
                    self.on_stream(seq, text, now);
                }
            }
        }
    }

    fn on_ack(&mut self, client_id: &str, seq: i64, duplicate: bool, now: Instant) {
        let (Some(pending), Some(out)) = (self.pending.remove(client_id), self.outcome.poster.as_mut()) else {
            self.outcome.stray_acks += 1;
            return;
        };
        if duplicate {
            out.duplicate_acks += 1;
        }
        // Raise the drain target before the outstanding count drops (the coordinator reads them
        // in the opposite order).
        self.shared.max_acked_seq.fetch_max(seq, Ordering::SeqCst);
        match pending.phase {
            Phase::Warmup => out.acked_warmup += 1,
            Phase::Measured => {
                out.acked += 1;
                out.acked_seqs.push(seq);
                if let Some(h) = out.ack_latency.as_mut() {
                    stats::record(h, now.saturating_duration_since(pending.sent_at));
                }
                self.shared.acked.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.progress.outstanding.fetch_sub(1, Ordering::SeqCst);
    }

    fn disconnected(&mut self, reason: String) {
        self.outcome.disconnect = Some(reason);
        self.schedule = None;
        self.progress.closed.store(true, Ordering::SeqCst);
    }

    fn finish(mut self) -> Outcome {
        self.progress.closed.store(true, Ordering::SeqCst);
        if let Some(out) = self.outcome.poster.as_mut() {
            out.unanswered = self.pending.values().filter(|p| p.phase == Phase::Measured).count() as u64;
        }
        self.outcome.tracker = Some(self.tracker);
        self.outcome
    }
}
