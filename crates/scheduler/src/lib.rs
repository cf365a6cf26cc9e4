//! The scheduler: opens, starts, closes and archives sessions on time, on its own.
//!
//! # Layout
//! One task ([`spawn`]) loops: perform every transition that is due (claimed in the
//! database with `FOR UPDATE SKIP LOCKED`, so several instances never do one twice), publish each
//! to the live hub, then sleep until the next due instant, a wake-up (a `Notify` told when a
//! session or plan is changed here) or shutdown, whichever comes first. There is no polling
//! beyond a long safety interval that picks up sessions scheduled through another instance.
//! After downtime, the first round performs every missed transition in order.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tweetchat_hub::Hub;
use tweetchat_storage::Database;
use tweetchat_storage::schedule::Done;

/// Where the scheduler gets the time. Tests use a clock they move by hand.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// How long to really wait until this clock shows `at` (a test clock may run fast).
    fn wait_until(&self, at: DateTime<Utc>) -> Duration {
        (at - self.now()).to_std().unwrap_or(Duration::ZERO)
    }
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Longest sleep between rounds, so sessions scheduled by another instance are seen.
const SAFETY_INTERVAL: Duration = Duration::from_secs(30);
/// How often recurring series are topped up with their next sessions.
const MATERIALISE_EVERY: Duration = Duration::from_secs(600);
/// Sessions transitioned per transaction.
const BATCH: i64 = 100;
/// After a database error, wait this long before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Starts the scheduler loop on `tasks`; it ends when `shutdown` is cancelled. `wake` is
/// notified by whoever changes the schedule, so the loop looks again at once.
pub fn spawn(
    db: Database,
    hub: Hub,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
    tasks: &TaskTracker,
) {
    tasks.spawn(run(db, hub, clock, wake, shutdown));
}

async fn run(db: Database, hub: Hub, clock: Arc<dyn Clock>, wake: Arc<Notify>, shutdown: CancellationToken) {
    let mut materialised_at: Option<std::time::Instant> = None;
    loop {
        if materialised_at.is_none_or(|at| at.elapsed() >= MATERIALISE_EVERY) {
            match materialise(&db, clock.as_ref()).await {
                Ok(()) => materialised_at = Some(std::time::Instant::now()),
                Err(error) => tracing::warn!(%error, "materialising recurring sessions failed; retrying"),
            }
        }
        let pause = match round(&db, &hub, clock.as_ref()).await {
            Ok(pause) => pause,
            Err(error) => {
                tracing::warn!(%error, "scheduler round failed; retrying");
                RETRY_AFTER
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

/// Keeps every recurring series' next sessions created as time moves on (idempotent: an
/// occurrence is created once).
async fn materialise(db: &Database, clock: &dyn Clock) -> Result<(), tweetchat_storage::StorageError> {
    let now = clock.now();
    for series in db.recurring_series().await? {
        let created = db.materialise(series, now).await?;
        if created > 0 {
            tracing::info!(%series, created, "recurring sessions created");
        }
    }
    Ok(())
}

/// Performs everything due, then says how long to sleep.
async fn round(db: &Database, hub: &Hub, clock: &dyn Clock) -> Result<Duration, tweetchat_storage::StorageError> {
    loop {
        let now = clock.now();
        let done = db.run_due(now, BATCH).await?;
        for step in &done {
            match step {
                Done::Transition(transitioned) => {
                    tracing::info!(session = %transitioned.session.id, status = transitioned.session.status().as_str(), "session transition");
                    hub.publish_transition(transitioned).await;
                }
                Done::Question(message) => {
                    tracing::info!(session = %message.session_id, question = message.question_number, "question released");
                    hub.publish_message(message).await;
                }
                Done::Notice(message) => {
                    tracing::info!(session = %message.session_id, "notice posted");
                    hub.publish_message(message).await;
                }
            }
        }
        if done.is_empty() {
            break;
        }
    }
    let until_next = match db.next_due_at().await? {
        Some(at) => clock.wait_until(at),
        None => SAFETY_INTERVAL,
    };
    Ok(until_next.min(SAFETY_INTERVAL))
}
