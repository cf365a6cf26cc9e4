//! The phases of a run: setup, connect, post, drain, stop, collect.

use crate::cli::Plan;
use crate::participant::{self, ConnectReport, Control, Outcome, PosterPlan, Progress, Shared, Spec, Window};
use crate::report::{Inputs, MemorySamples};
use crate::setup::{self, Api};
use crate::system;
use anyhow::{Context as _, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::Instant;
use tweetchat_protocol::Limits;

/// Runs the whole benchmark and returns what the report is built from.
pub async fn run(plan: &Plan) -> Result<Inputs> {
    let api = Api::new(&plan.http_url)?;
    let fixture = setup::prepare(&api, plan.posters, plan.setup_concurrency, session_minutes(plan))
        .await
        .context("setup failed")?;

    let mem_before = sample_memory(&plan.server_pids);

    let shared = Arc::new(Shared {
        epoch: Instant::now(),
        connect_gate: Semaphore::new(plan.connect_concurrency),
        connect_timeout: plan.connect_timeout,
        progress: (0..plan.participants).map(|i| Progress::new(i < plan.posters)).collect(),
        max_acked_seq: AtomicI64::new(i64::MIN),
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
    });
    let (control_tx, control_rx) = watch::channel(Control::Wait);
    let (connect_tx, mut connect_rx) = mpsc::unbounded_channel::<ConnectReport>();

    // Poster i of K posts every K/rate seconds, starting i/rate seconds in: evenly spread.
    let period = Duration::from_secs_f64(plan.posters as f64 / plan.rate);
    let urls: Vec<Arc<str>> =
        plan.ws_bases.iter().map(|b| Arc::from(format!("{b}/api/v1/sessions/{}/live", fixture.session_id))).collect();
    let mut tasks = Vec::with_capacity(plan.participants);
    for index in 0..plan.participants {
        let poster = (index < plan.posters).then(|| PosterPlan {
            number: index,
            period,
            offset: Duration::from_secs_f64(index as f64 / plan.rate),
        });
        let spec = Spec {
            index,
            url: Arc::clone(&urls[index % urls.len()]),
            token: poster.and_then(|_| fixture.poster_tokens.get(index).cloned()),
            poster,
        };
        tasks.push(tokio::spawn(participant::run(spec, Arc::clone(&shared), control_rx.clone(), connect_tx.clone())));
    }
    drop(connect_tx);
    drop(control_rx);

    // --- Connect. ---
    let connect_started = Instant::now();
    let (mut connected, mut failed) = (0usize, 0usize);
    let mut limits: Option<Limits> = None;
    let mut ticker = tokio::time::interval_at(Instant::now() + Duration::from_secs(1), Duration::from_secs(1));
    let mut interrupted = false;
    while connected + failed < plan.participants {
        tokio::select! {
            report = connect_rx.recv() => match report {
                Some((index, Ok(l))) => {
                    connected += 1;
                    if index < plan.posters && limits.is_none() {
                        limits = Some(l);
                    }
                }
                Some((_, Err(_))) => failed += 1,
                None => break,
            },
            _ = ticker.tick() => eprintln!("connect: {connected}/{} connected, {failed} failed", plan.participants),
            _ = tokio::signal::ctrl_c() => { interrupted = true; break; }
        }
    }
    let connect_phase = connect_started.elapsed();
    eprintln!("connect: {connected} connected, {failed} failed in {:.2} s", connect_phase.as_secs_f64());
    let mem_after_connect = sample_memory(&plan.server_pids);
    let cpu_before_posting = sample_cpu(&plan.server_pids);

    let per_poster_per_minute = plan.rate / plan.posters as f64 * 60.0;
    if let Some(l) = &limits
        && per_poster_per_minute > f64::from(l.posts_per_minute)
    {
        eprintln!(
            "warning: each poster will post {per_poster_per_minute:.0}/min but the server allows {}/min per user: expect rate_limited errors \
             (raise the server's --post-rate-per-minute, or use more --posters)",
            l.posts_per_minute
        );
    }

    // --- Post. ---
    let warmup_start = Instant::now() + Duration::from_millis(100);
    let measure_start = warmup_start + plan.warmup;
    let end = measure_start + plan.seconds;
    let window = Window { warmup_start, measure_start, end };
    let mut stopped_at = end;
    if !interrupted {
        control_tx.send_replace(Control::Post(window));
        eprintln!(
            "post: {:.1} posts/s from {} posters for {:.1} s (+{:.1} s warmup)",
            plan.rate,
            plan.posters,
            plan.seconds.as_secs_f64(),
            plan.warmup.as_secs_f64()
        );
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(end) => break,
                _ = ticker.tick() => eprintln!(
                    "post: {:.0} s, sent {}, acked {}",
                    Instant::now().saturating_duration_since(warmup_start).as_secs_f64(),
                    shared.sent.load(Ordering::Relaxed),
                    shared.acked.load(Ordering::Relaxed),
                ),
                _ = tokio::signal::ctrl_c() => { interrupted = true; stopped_at = Instant::now(); break; }
            }
        }
    }
    let measured_window = stopped_at.min(end).saturating_duration_since(measure_start);

    // --- Drain: until every live participant has seen the highest acked seq. ---
    let drain_started = Instant::now();
    let mut drained = interrupted;
    if !interrupted {
        let deadline = drain_started + plan.drain_timeout;
        loop {
            if all_delivered(&shared) {
                drained = true;
                break;
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(10)) => {}
                _ = tokio::signal::ctrl_c() => { interrupted = true; break; }
            }
        }
        eprintln!(
            "drain: {} after {:.2} s",
            if drained { "complete" } else { "timed out" },
            drain_started.elapsed().as_secs_f64()
        );
    }
    let drain_used = if interrupted { Duration::ZERO } else { drain_started.elapsed() };

    // --- Stop and collect. ---
    control_tx.send_replace(Control::Stop);
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(tasks.len());
    let mut task_failures = 0u64;
    for task in tasks {
        match task.await {
            Ok(o) => outcomes.push(o),
            Err(_) => task_failures += 1,
        }
    }
    let mem_end = sample_memory(&plan.server_pids);
    let server_cpu = match (cpu_before_posting, sample_cpu(&plan.server_pids)) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };
    let memory = match (mem_before, mem_after_connect, mem_end) {
        (Some(before), Some(after_connect), Some(end)) => Some(MemorySamples { before, after_connect, end }),
        _ => None,
    };

    Ok(Inputs {
        plan: plan.clone(),
        session_id: fixture.session_id.to_string(),
        hashtag: fixture.hashtag,
        outcomes,
        task_failures,
        connect_phase,
        measured_window,
        drain_used,
        drain_completed: drained && !interrupted,
        interrupted,
        memory,
        server_cpu,
        posts_per_minute_limit: limits.map(|l| l.posts_per_minute),
    })
}

/// True when every poster that is still connected has finished its schedule and had every post
/// answered, and every participant still connected has seen the highest acked seq.
fn all_delivered(shared: &Shared) -> bool {
    let settled = shared.progress.iter().all(|p| {
        p.closed.load(Ordering::SeqCst)
            || (p.posting_done.load(Ordering::SeqCst) && p.outstanding.load(Ordering::SeqCst) <= 0)
    });
    if !settled {
        return false;
    }
    // Read after the outstanding counts: acks raise the target before lowering them.
    let target = shared.max_acked_seq.load(Ordering::SeqCst);
    shared.progress.iter().all(|p| p.closed.load(Ordering::SeqCst) || p.max_seq.load(Ordering::Relaxed) >= target)
}

/// Long enough for the whole run, at least two hours.
fn session_minutes(plan: &Plan) -> u64 {
    let run = plan.warmup + plan.seconds + plan.drain_timeout + Duration::from_secs(600);
    (run.as_secs() / 60 + 1).max(120)
}

fn sample_cpu(pids: &[u32]) -> Option<Duration> {
    if pids.is_empty() {
        return None;
    }
    system::cpu_time_of(pids).map_err(|e| eprintln!("warning: server CPU time not sampled: {e:#}")).ok()
}

fn sample_memory(pids: &[u32]) -> Option<system::Memory> {
    if pids.is_empty() {
        return None;
    }
    match system::memory_of(pids) {
        Ok(m) => Some(m),
        Err(e) => {
            eprintln!("warning: server memory not sampled: {e:#}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use crate::fake_server::{self, Fake, Misbehave};
    use crate::report;
    use clap::Parser as _;

    /// 20 participants, 4 posters at 40 posts/s: each poster posts every 100 ms, offset by
    /// 25 ms from the previous one; 0.3 s warmup (3 posts each) then 1 s measured (10 each).
    fn plan_for(fake: &Fake) -> Plan {
        let http = format!("http://{}", fake.http);
        let ws = format!("http://{}", fake.ws);
        let argv = [
            "tweetchat-bench",
            "run",
            "--url",
            &http,
            "--instances",
            &ws,
            "--participants",
            "20",
            "--posters",
            "4",
            "--rate",
            "40",
            "--seconds",
            "1",
            "--warmup-seconds",
            "0.3",
            "--drain-timeout-seconds",
            "5",
        ];
        let Command::Run(args) = Cli::try_parse_from(argv).expect("valid args").command else {
            panic!("the run subcommand was parsed")
        };
        args.plan().expect("valid plan")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_clean_run_delivers_everything_once_in_order() {
        let fake = fake_server::start(Misbehave::default()).await.expect("fake server");
        let r = report::build(run(&plan_for(&fake)).await.expect("run"));
        assert_eq!((r.connected, r.connect_failures, r.disconnects), (20, 0, 0));
        assert_eq!((r.sent, r.acked, r.rejected, r.unanswered), (40, 40, 0, 0));
        assert_eq!((r.sent_warmup, r.acked_warmup), (12, 12));
        assert_eq!((r.expected, r.delivered, r.lost), (800, 800, 0));
        assert_eq!((r.duplicates, r.out_of_order, r.gaps), (0, 0, 0));
        assert!(r.drain_completed);
        assert_eq!(r.latency.count, 800);
        assert_eq!(r.ack_latency.count, 40);
        assert_eq!(r.connect_time.count, 20);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert!(!r.has_failures());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_and_a_repeated_frame_are_counted() {
        // Warmup posts take seqs 1..=12, measured ones 13..=52.
        let misbehave = Misbehave { drop_seq: Some(20), repeat_seq: Some(30) };
        let fake = fake_server::start(misbehave).await.expect("fake server");
        let r = report::build(run(&plan_for(&fake)).await.expect("run"));
        assert_eq!((r.expected, r.delivered, r.lost), (800, 799, 1));
        assert_eq!((r.duplicates, r.out_of_order, r.gaps), (1, 0, 1));
        assert_eq!(r.lost_on_dropped_connections, 0);
        assert!(r.drain_completed);
        assert!(r.has_failures());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn setup_errors_carry_the_server_message() {
        let fake = fake_server::start(Misbehave::default()).await.expect("fake server");
        // The websocket listener does not speak plain HTTP: setup against it must fail.
        let mut plan = plan_for(&fake);
        plan.http_url = format!("http://{}/nowhere", fake.http);
        let err = run(&plan).await.expect_err("setup fails");
        let text = format!("{err:#}");
        assert!(text.contains("not_found: no such route"), "{text}");
    }
}
