//! Turning the participants' outcomes into the figures of the report, and printing them.
//!
//! Definitions (all counts cover the measured window only unless said otherwise):
//! - `sent`: measured posts written to a websocket. `acked`: of those, answered by an `ack`.
//!   `rejected`: answered by an `error`. `unanswered`: neither by the end of the run.
//! - `errors`: every `error` frame received, by code (warmup included).
//! - `delivered`: distinct measured posts received, summed over participants (each poster
//!   receives its own posts too).
//! - `expected`: for every participant that connected, the acked measured posts with a seq
//!   greater than its welcome's `last_seq`, summed. `lost`: of those, the ones it never
//!   received (`lost_on_dropped_connections`: the part of `lost` on connections that closed early).
//! - `duplicates`: stream frames (any kind, warmup included) whose seq the participant had
//!   already seen. `out_of_order`: new seqs lower than one already seen. `gaps`: seqs between the
//!   welcome's `last_seq` and the highest seq a participant saw that never arrived.
//! - `disconnects`: connections that closed or failed after the welcome and before the end.
//! - `deliveries_per_second`: delivered ÷ (measured posting window + drain time actually used).
//! - latency: send instant (in the post's text) → receive instant, same process clock, measured
//!   posts only, first arrival only; ack latency: send → ack at the poster; connect time: TCP
//!   connect + websocket upgrade + `hello` → `welcome`.
//! - server memory: VmRSS from /proc/PID/status before connecting, after all connections are
//!   up, and at the end; peak = VmHWM (the peak over the server's whole life) at the end, or
//!   a higher RSS sampled earlier (the kernel updates VmHWM lazily); KiB per
//!   connection = (RSS after connect − RSS before) ÷ connections established.

use crate::cli::Plan;
use crate::participant::Outcome;
use crate::stats::{self, Percentiles};
use crate::system::Memory;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// Distinct reasons kept per list; the rest are counted under "other".
const MAX_REASONS: usize = 8;

/// What [`crate::run::run`] hands over.
#[derive(Debug)]
pub struct Inputs {
    pub plan: Plan,
    pub session_id: String,
    pub hashtag: String,
    pub outcomes: Vec<Outcome>,
    /// Participant tasks that panicked (a bench bug).
    pub task_failures: u64,
    pub connect_phase: Duration,
    pub measured_window: Duration,
    pub drain_used: Duration,
    pub drain_completed: bool,
    pub interrupted: bool,
    pub memory: Option<MemorySamples>,
    /// Server CPU time from the end of connecting to the end of the drain.
    pub server_cpu: Option<Duration>,
    pub posts_per_minute_limit: Option<u32>,
}

#[derive(Debug, Clone, Copy)]
pub struct MemorySamples {
    pub before: Memory,
    pub after_connect: Memory,
    pub end: Memory,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub session_id: String,
    pub hashtag: String,
    pub instances: usize,
    pub participants: usize,
    pub posters: usize,
    pub viewers: usize,
    pub connected: usize,
    pub connect_failures: usize,
    pub connect_failure_reasons: BTreeMap<String, u64>,
    pub rate: f64,
    pub seconds: f64,
    pub warmup_seconds: f64,
    pub sent: u64,
    pub acked: u64,
    pub rejected: u64,
    pub unanswered: u64,
    pub sent_warmup: u64,
    pub acked_warmup: u64,
    pub duplicate_acks: u64,
    pub stray_acks: u64,
    pub errors: BTreeMap<String, u64>,
    pub delivered: u64,
    pub expected: u64,
    pub lost: u64,
    pub lost_on_dropped_connections: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub gaps: u64,
    pub disconnects: usize,
    pub disconnect_reasons: BTreeMap<String, u64>,
    pub closing_frames: u64,
    pub reloads: u64,
    pub unparsed_frames: u64,
    pub measured_window_seconds: f64,
    pub drain_seconds: f64,
    pub drain_completed: bool,
    pub deliveries_per_second: f64,
    pub latency: Percentiles,
    pub ack_latency: Percentiles,
    pub connect_time: Percentiles,
    pub connect_phase_seconds: f64,
    pub max_schedule_lag_ms: f64,
    pub posts_per_minute_per_poster: f64,
    pub server_posts_per_minute_limit: Option<u32>,
    pub server_memory: Option<ServerMemory>,
    /// Server CPU seconds (all threads, all instances) while posting and draining: with the
    /// same offered load, the figure to compare between two builds.
    pub server_cpu_seconds: Option<f64>,
    /// The same per delivery, in microseconds.
    pub server_cpu_us_per_delivery: Option<f64>,
    pub interrupted: bool,
    pub task_failures: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerMemory {
    pub pids: Vec<u32>,
    pub rss_before_kib: u64,
    pub rss_after_connect_kib: u64,
    pub rss_end_kib: u64,
    pub peak_hwm_kib: u64,
    pub kib_per_connection: f64,
}

impl Report {
    /// Whether the run showed any correctness or availability problem (`--strict`).
    pub fn has_failures(&self) -> bool {
        self.lost > 0
            || self.duplicates > 0
            || self.out_of_order > 0
            || self.disconnects > 0
            || self.connect_failures > 0
            || self.unanswered > 0
            || self.task_failures > 0
    }
}

fn tally(map: &mut BTreeMap<String, u64>, reason: &str) {
    let key = if map.contains_key(reason) || map.len() < MAX_REASONS { reason.to_owned() } else { "other".to_owned() };
    *map.entry(key).or_default() += 1;
}

pub fn build(inputs: Inputs) -> Report {
    let Inputs {
        plan,
        session_id,
        hashtag,
        outcomes,
        task_failures,
        connect_phase,
        measured_window,
        drain_used,
        drain_completed,
        interrupted,
        memory,
        server_cpu,
        posts_per_minute_limit,
    } = inputs;

    // Acked measured seqs, over all posters, sorted.
    let mut acked_seqs: Vec<i64> =
        outcomes.iter().filter_map(|o| o.poster.as_ref()).flat_map(|p| p.acked_seqs.iter().copied()).collect();
    acked_seqs.sort_unstable();
    acked_seqs.dedup();

    let mut latency = stats::merged();
    let mut ack_latency = stats::merged();
    let mut connect_time = stats::merged();
    let mut errors = BTreeMap::new();
    let mut connect_failure_reasons = BTreeMap::new();
    let mut disconnect_reasons = BTreeMap::new();
    let mut r = Report {
        session_id,
        hashtag,
        instances: plan.ws_bases.len(),
        participants: plan.participants,
        posters: plan.posters,
        viewers: plan.participants - plan.posters,
        connected: 0,
        connect_failures: 0,
        connect_failure_reasons: BTreeMap::new(),
        rate: plan.rate,
        seconds: plan.seconds.as_secs_f64(),
        warmup_seconds: plan.warmup.as_secs_f64(),
        sent: 0,
        acked: 0,
        rejected: 0,
        unanswered: 0,
        sent_warmup: 0,
        acked_warmup: 0,
        duplicate_acks: 0,
        stray_acks: 0,
        errors: BTreeMap::new(),
        delivered: 0,
        expected: 0,
        lost: 0,
        lost_on_dropped_connections: 0,
        duplicates: 0,
        out_of_order: 0,
        gaps: 0,
        disconnects: 0,
        disconnect_reasons: BTreeMap::new(),
        closing_frames: 0,
        reloads: 0,
        unparsed_frames: 0,
        measured_window_seconds: measured_window.as_secs_f64(),
        drain_seconds: drain_used.as_secs_f64(),
        drain_completed,
        deliveries_per_second: 0.0,
        latency: Percentiles::default(),
        ack_latency: Percentiles::default(),
        connect_time: Percentiles::default(),
        connect_phase_seconds: connect_phase.as_secs_f64(),
        max_schedule_lag_ms: 0.0,
        posts_per_minute_per_poster: plan.rate / plan.posters as f64 * 60.0,
        server_posts_per_minute_limit: posts_per_minute_limit,
        server_memory: None,
        server_cpu_seconds: server_cpu.map(|d| d.as_secs_f64()),
        server_cpu_us_per_delivery: None,
        interrupted,
        task_failures,
    };
    let mut max_lag = Duration::ZERO;

    for o in &outcomes {
        match &o.connect {
            Ok(took) => {
                r.connected += 1;
                stats::record_merged(&mut connect_time, *took);
            }
            Err(reason) => {
                r.connect_failures += 1;
                tally(&mut connect_failure_reasons, reason);
            }
        }
        if let Some(reason) = &o.disconnect {
            r.disconnects += 1;
            tally(&mut disconnect_reasons, reason);
        }
        if let Some(t) = &o.tracker {
            let m = t.missing(&acked_seqs);
            r.expected += m.expected;
            r.lost += m.lost;
            if o.disconnect.is_some() {
                r.lost_on_dropped_connections += m.lost;
            }
            r.duplicates += t.duplicates();
            r.out_of_order += t.out_of_order();
            r.gaps += t.gaps();
        }
        r.delivered += o.delivered;
        stats::merge_into(&mut latency, &o.latency);
        for (code, n) in &o.errors {
            *errors.entry(code.clone()).or_default() += n;
        }
        r.unparsed_frames += o.unparsed;
        r.closing_frames += o.closing_frames;
        r.reloads += o.reloads;
        r.stray_acks += o.stray_acks;
        if let Some(p) = &o.poster {
            r.sent += p.sent;
            r.acked += p.acked;
            r.rejected += p.rejected;
            r.unanswered += p.unanswered;
            r.sent_warmup += p.sent_warmup;
            r.acked_warmup += p.acked_warmup;
            r.duplicate_acks += p.duplicate_acks;
            if let Some(h) = &p.ack_latency {
                stats::merge_into(&mut ack_latency, h);
            }
            max_lag = max_lag.max(p.max_schedule_lag);
        }
    }

    let elapsed = measured_window + drain_used;
    r.deliveries_per_second = if elapsed.is_zero() { 0.0 } else { r.delivered as f64 / elapsed.as_secs_f64() };
    r.latency = Percentiles::of(&latency);
    r.ack_latency = Percentiles::of(&ack_latency);
    r.connect_time = Percentiles::of(&connect_time);
    r.max_schedule_lag_ms = max_lag.as_secs_f64() * 1000.0;
    r.errors = errors;
    r.connect_failure_reasons = connect_failure_reasons;
    r.disconnect_reasons = disconnect_reasons;
    r.server_cpu_us_per_delivery =
        r.server_cpu_seconds.filter(|_| r.delivered > 0).map(|seconds| seconds * 1_000_000.0 / r.delivered as f64);
    r.server_memory = memory.map(|m| ServerMemory {
        pids: plan.server_pids.clone(),
        rss_before_kib: m.before.rss_kib,
        rss_after_connect_kib: m.after_connect.rss_kib,
        rss_end_kib: m.end.rss_kib,
        // VmHWM is maintained lazily by the kernel and can trail an RSS sampled earlier.
        peak_hwm_kib: [m.end.hwm_kib, m.after_connect.hwm_kib, m.after_connect.rss_kib, m.end.rss_kib]
            .into_iter()
            .max()
            .unwrap_or(0),
        kib_per_connection: if r.connected == 0 {
            0.0
        } else {
            (m.after_connect.rss_kib as f64 - m.before.rss_kib as f64) / r.connected as f64
        },
    });
    r
}

fn reasons(map: &BTreeMap<String, u64>) -> String {
    map.iter().map(|(k, v)| format!("{v}× {k}")).collect::<Vec<_>>().join("; ")
}

fn percentiles(p: &Percentiles) -> String {
    if p.count == 0 {
        return "no samples".into();
    }
    format!("p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  (n={})", p.p50_ms, p.p99_ms, p.max_ms, p.count)
}

/// Human-readable report, one figure per line, hints at the end.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let mut line = |label: &str, value: String| {
        let _ = writeln!(s, "{label:<16}{value}");
    };
    line("session", format!("{} ({}), {} instance(s)", r.session_id, r.hashtag, r.instances));
    line(
        "participants",
        format!(
            "{} ({} posters, {} viewers); connected {}, connect failures {}",
            r.participants, r.posters, r.viewers, r.connected, r.connect_failures
        ),
    );
    if !r.connect_failure_reasons.is_empty() {
        line("  failed", reasons(&r.connect_failure_reasons));
    }
    line(
        "rate",
        format!(
            "{:.1} posts/s for {:.1} s (+{:.1} s warmup); {:.1} posts/min per poster",
            r.rate, r.seconds, r.warmup_seconds, r.posts_per_minute_per_poster
        ),
    );
    line(
        "sent",
        format!(
            "{} (acked {}, rejected {}, unanswered {}); warmup sent {}, acked {}",
            r.sent, r.acked, r.rejected, r.unanswered, r.sent_warmup, r.acked_warmup
        ),
    );
    line(
        "errors",
        if r.errors.is_empty() {
            "none".into()
        } else {
            r.errors.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
        },
    );
    line("delivered", format!("{} (distinct measured posts received, summed over participants)", r.delivered));
    line("expected", format!("{} (acked posts after each participant's welcome, summed)", r.expected));
    line("lost", format!("{} ({} on connections that dropped)", r.lost, r.lost_on_dropped_connections));
    line("duplicates", r.duplicates.to_string());
    line("out_of_order", r.out_of_order.to_string());
    line("gaps", r.gaps.to_string());
    line("disconnects", r.disconnects.to_string());
    if !r.disconnect_reasons.is_empty() {
        line("  reasons", reasons(&r.disconnect_reasons));
    }
    if r.closing_frames + r.reloads + r.unparsed_frames + r.stray_acks + r.duplicate_acks > 0 {
        line(
            "other",
            format!(
                "closing {}, reload {}, unparsed {}, stray acks {}, duplicate acks {}",
                r.closing_frames, r.reloads, r.unparsed_frames, r.stray_acks, r.duplicate_acks
            ),
        );
    }
    line(
        "deliveries/s",
        format!(
            "{:.0} (delivered ÷ ({:.2} s posting window + {:.2} s drain{}))",
            r.deliveries_per_second,
            r.measured_window_seconds,
            r.drain_seconds,
            if r.drain_completed || r.interrupted { "" } else { ", drain timed out" }
        ),
    );
    line("latency", percentiles(&r.latency));
    line("ack latency", percentiles(&r.ack_latency));
    line(
        "connect time",
        format!("{}; all connected in {:.2} s", percentiles(&r.connect_time), r.connect_phase_seconds),
    );
    line("schedule lag", format!("max {:.2} ms", r.max_schedule_lag_ms));
    if let Some(m) = &r.server_memory {
        line(
            "server memory",
            format!(
                "RSS before {} KiB, after connect {} KiB, end {} KiB; peak (VmHWM) {} KiB; {:.1} KiB per connection",
                m.rss_before_kib, m.rss_after_connect_kib, m.rss_end_kib, m.peak_hwm_kib, m.kib_per_connection
            ),
        );
    }
    if let (Some(seconds), Some(per_delivery)) = (r.server_cpu_seconds, r.server_cpu_us_per_delivery) {
        line("server CPU", format!("{seconds:.2} s while posting and draining; {per_delivery:.3} µs per delivery"));
    }
    for hint in hints(r) {
        let _ = writeln!(s, "hint: {hint}");
    }
    s
}

pub fn hints(r: &Report) -> Vec<String> {
    let mut h = Vec::new();
    if r.interrupted {
        h.push("the run was interrupted (Ctrl-C): figures cover the part that ran".into());
    }
    if let Some(n) = r.errors.get("rate_limited") {
        let limit = r.server_posts_per_minute_limit.map(|l| format!(" (server allows {l}/min)")).unwrap_or_default();
        h.push(format!(
            "{n} posts were rate_limited: each poster posts {:.0}/min{limit}; start the server with --post-rate-per-minute {:.0} or more, or use more --posters",
            r.posts_per_minute_per_poster,
            r.posts_per_minute_per_poster.ceil() * 1.2
        ));
    }
    if !r.drain_completed && !r.interrupted {
        h.push("the drain timed out: not every participant received every acked post (see lost / unanswered; --drain-timeout-seconds)".into());
    }
    if r.connect_time.p99_ms >= 1000.0 {
        h.push(
            "connect time p99 is over 1 s, the TCP SYN retransmit timeout: the server's listen backlog \
             (or net.core.somaxconn) likely overflowed; try a lower --connect-concurrency"
                .into(),
        );
    }
    if r.connect_failures > 0 {
        h.push("some connections failed: check the server's connection limits and `ulimit -n` on both sides".into());
    }
    if r.max_schedule_lag_ms > 100.0 {
        h.push(format!(
            "posters fell up to {:.0} ms behind schedule (slow sends or a saturated generator): latency may include that backlog",
            r.max_schedule_lag_ms
        ));
    }
    if r.task_failures > 0 {
        h.push(format!("{} participant tasks panicked (a bench bug)", r.task_failures));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use crate::participant::PosterOutcome;
    use crate::seq::SeqTracker;
    use clap::Parser as _;

    fn plan() -> Plan {
        let cli = Cli::try_parse_from([
            "tweetchat-bench",
            "run",
            "--participants",
            "3",
            "--posters",
            "1",
            "--rate",
            "2",
            "--seconds",
            "2",
        ])
        .expect("args");
        let Command::Run(args) = cli.command else { panic!("the run subcommand was parsed") };
        args.plan().expect("plan")
    }

    fn outcome(base: i64, seqs: &[i64], latencies_ms: &[u64]) -> Outcome {
        let mut tracker = SeqTracker::new(base);
        for s in seqs {
            tracker.observe(*s);
        }
        let mut latency = stats::local();
        for ms in latencies_ms {
            stats::record(&mut latency, Duration::from_millis(*ms));
        }
        Outcome {
            connect: Ok(Duration::from_millis(5)),
            tracker: Some(tracker),
            delivered: latencies_ms.len() as u64,
            latency,
            errors: BTreeMap::new(),
            unparsed: 0,
            closing_frames: 0,
            reloads: 0,
            stray_acks: 0,
            disconnect: None,
            poster: None,
        }
    }

    fn inputs(outcomes: Vec<Outcome>) -> Inputs {
        Inputs {
            plan: plan(),
            session_id: "s".into(),
            hashtag: "#BenchX".into(),
            outcomes,
            task_failures: 0,
            connect_phase: Duration::from_secs(1),
            measured_window: Duration::from_secs(2),
            drain_used: Duration::from_secs(2),
            drain_completed: true,
            interrupted: false,
            memory: None,
            server_cpu: None,
            posts_per_minute_limit: Some(30),
        }
    }

    #[test]
    fn outcomes_are_merged_into_the_report() {
        // The poster sent 4 posts, 3 acked as seqs 11, 12, 14 (seq 13 was something else).
        let mut poster = outcome(10, &[11, 12, 13, 14], &[1, 2, 3]);
        let mut errors = BTreeMap::new();
        errors.insert("rate_limited".to_owned(), 1);
        poster.errors = errors;
        poster.poster = Some(PosterOutcome {
            sent: 4,
            acked: 3,
            acked_seqs: vec![14, 11, 12],
            rejected: 1,
            ack_latency: Some(stats::local()),
            ..PosterOutcome::default()
        });
        // A viewer that joined at 10, got 11 twice, 14 before 12, and never 13 (a gap, not a loss).
        let viewer = outcome(10, &[11, 11, 14, 12], &[4, 5, 6]);
        // A viewer that joined late (at 12) and then dropped before seeing 14.
        let mut late = outcome(12, &[13], &[]);
        late.disconnect = Some("closed by server (4008)".into());

        let r = build(inputs(vec![poster, viewer, late]));
        assert_eq!((r.sent, r.acked, r.rejected), (4, 3, 1));
        assert_eq!(r.delivered, 6);
        assert_eq!(r.expected, 3 + 3 + 1);
        assert_eq!(r.lost, 1);
        assert_eq!(r.lost_on_dropped_connections, 1);
        assert_eq!(r.duplicates, 1);
        assert_eq!(r.out_of_order, 1);
        assert_eq!(r.gaps, 1);
        assert_eq!(r.disconnects, 1);
        assert_eq!(r.connected, 3);
        assert_eq!(r.errors.get("rate_limited"), Some(&1));
        assert!((r.deliveries_per_second - 1.5).abs() < 1e-9);
        assert_eq!(r.latency.count, 6);
        assert!((r.latency.max_ms - 6.0).abs() < 0.1);
        assert!(r.has_failures());
        let text = render(&r);
        assert!(text.contains("--post-rate-per-minute"), "{text}");
        let json = serde_json::to_value(&r).expect("serialisable");
        assert_eq!(json["lost"], 1);
        assert_eq!(json["latency"]["count"], 6);
    }

    #[test]
    fn a_clean_run_has_no_failures_and_memory_per_connection() {
        let mut poster = outcome(0, &[1, 2], &[1, 1]);
        poster.poster = Some(PosterOutcome { sent: 2, acked: 2, acked_seqs: vec![1, 2], ..PosterOutcome::default() });
        let viewer = outcome(0, &[1, 2], &[2, 2]);
        let mut failed = outcome(0, &[], &[]);
        failed.connect = Err("upgrade refused: HTTP 404".into());
        failed.tracker = None;
        let mut inputs = inputs(vec![poster, viewer, failed]);
        let mem = |rss_kib| Memory { rss_kib, hwm_kib: 5000 };
        inputs.memory = Some(MemorySamples { before: mem(1000), after_connect: mem(1200), end: mem(1100) });
        inputs.plan.server_pids = vec![42];
        let r = build(inputs);
        assert_eq!((r.expected, r.lost, r.delivered), (4, 0, 4));
        assert_eq!(r.connect_failures, 1);
        assert_eq!(r.connect_failure_reasons.get("upgrade refused: HTTP 404"), Some(&1));
        let m = r.server_memory.as_ref().expect("memory");
        assert!((m.kib_per_connection - 100.0).abs() < 1e-9);
        assert_eq!(m.peak_hwm_kib, 5000);
        assert!(r.has_failures()); // the failed connection
    }

    #[test]
    fn reasons_are_capped() {
        let mut m = BTreeMap::new();
        for i in 0..20 {
            tally(&mut m, &format!("reason {i}"));
        }
        tally(&mut m, "reason 0");
        assert_eq!(m.len(), MAX_REASONS + 1);
        assert_eq!(m.get("other"), Some(&12));
        assert_eq!(m.get("reason 0"), Some(&2));
    }
}
