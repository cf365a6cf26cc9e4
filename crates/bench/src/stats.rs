//! Histograms: each participant records into its own small histogram (no sharing on the hot
//! path); the report merges them.
//!
//! Values are microseconds. Per-participant histograms use 2 significant figures (values exact
//! to within 1 %) and `u32` counters and grow only up to the largest value recorded, so a
//! participant costs a few KiB even with thousands of connections. Merged histograms use `u64`
//! counters with the same precision, so merging loses nothing.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::time::Duration;

const SIGFIG: u8 = 2;

/// A participant's own histogram.
pub type Local = Histogram<u32>;
/// A histogram merged over participants.
pub type Merged = Histogram<u64>;

pub fn local() -> Local {
    // Auto-resizing histograms accept any sigfig in 0..=5; 2 cannot fail.
    Histogram::new(SIGFIG).expect("2 significant figures is a valid histogram precision")
}

pub fn merged() -> Merged {
    Histogram::new(SIGFIG).expect("2 significant figures is a valid histogram precision")
}

/// Larger values are recorded as one hour (bounds how far a histogram grows).
const MAX_MICROS: u64 = 3_600_000_000;

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).min(MAX_MICROS)
}

pub fn record(h: &mut Local, d: Duration) {
    record_n(h, micros(d), 1);
}

pub fn record_merged(h: &mut Merged, d: Duration) {
    record_n(h, micros(d), 1);
}

/// Records, growing the histogram as needed (`saturating_record` would clamp to the current
/// size instead of growing it).
fn record_n<T: hdrhistogram::Counter>(h: &mut Histogram<T>, value: u64, count: T) {
    if h.record_n(value, count).is_err() {
        h.saturating_record_n(value, count);
    }
}

/// Adds every count of `src` to `dst` (same precision, so each value lands in the same bucket).
pub fn merge_into(dst: &mut Merged, src: &Local) {
    for v in src.iter_recorded() {
        record_n(dst, v.value_iterated_to(), u64::from(v.count_at_value()));
    }
}

/// The figures the report prints for one distribution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub count: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Percentiles {
    pub fn of(h: &Merged) -> Self {
        if h.is_empty() {
            return Percentiles::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Percentiles {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_equals_recording_everything_in_one() {
        let mut a = local();
        let mut b = local();
        let mut all = merged();
        for us in 1..=1000u64 {
            let d = Duration::from_micros(us * 37);
            if us % 3 == 0 {
                record(&mut a, d)
            } else {
                record(&mut b, d)
            }
            record_merged(&mut all, d);
        }
        let mut m = merged();
        merge_into(&mut m, &a);
        merge_into(&mut m, &b);
        assert_eq!(m.len(), 1000);
        assert_eq!(Percentiles::of(&m), Percentiles::of(&all));
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(m.value_at_quantile(q), all.value_at_quantile(q), "quantile {q}");
        }
    }

    #[test]
    fn percentiles_are_in_milliseconds_within_one_percent() {
        let mut h = merged();
        for ms in 1..=100u64 {
            record_merged(&mut h, Duration::from_millis(ms));
        }
        let p = Percentiles::of(&h);
        assert_eq!(p.count, 100);
        assert!((p.p50_ms - 50.0).abs() <= 0.5, "{p:?}");
        assert!((p.p99_ms - 99.0).abs() <= 1.0, "{p:?}");
        assert!((p.max_ms - 100.0).abs() <= 1.0, "{p:?}");
        assert_eq!(Percentiles::of(&merged()), Percentiles::default());
    }

    #[test]
    fn huge_values_are_capped_instead_of_failing() {
        let mut h = local();
        record(&mut h, Duration::from_secs(u64::MAX));
        record(&mut h, Duration::ZERO);
        assert_eq!(h.len(), 2);
        let mut m = merged();
        merge_into(&mut m, &h);
        let p = Percentiles::of(&m);
        assert!((p.max_ms - 3_600_000.0).abs() / 3_600_000.0 < 0.01, "{p:?}");
    }
}
