//! A scheduler clock for tests: runs `speed` times faster than real time and can jump ahead,
//! so a chat hour passes in seconds and downtime passes in none.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;
use std::time::Instant;
use tweetchat_scheduler::Clock;

pub struct TestClock {
    started_real: Instant,
    started_at: DateTime<Utc>,
    speed: f64,
    jumped: Mutex<Duration>,
}

impl TestClock {
    /// A clock that reads `now` and then runs `speed` times as fast as real time (0: frozen).
    pub fn new(now: DateTime<Utc>, speed: f64) -> TestClock {
        TestClock { started_real: Instant::now(), started_at: now, speed, jumped: Mutex::new(Duration::zero()) }
    }

    pub fn advance(&self, by: Duration) {
        *self.jumped.lock().expect("clock lock") += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = self.started_real.elapsed().as_secs_f64() * self.speed;
        let elapsed = Duration::microseconds((elapsed * 1e6) as i64);
        self.started_at + elapsed + *self.jumped.lock().expect("clock lock")
    }

    fn wait_until(&self, at: DateTime<Utc>) -> std::time::Duration {
        let virtual_wait = (at - self.now()).to_std().unwrap_or_default();
        if self.speed > 0.0 {
            virtual_wait.div_f64(self.speed)
        } else {
            // A frozen clock moves only by `advance`, and the test wakes the scheduler then.
            std::time::Duration::from_secs(3600).min(virtual_wait.max(std::time::Duration::from_millis(50)))
        }
    }
}
