//! Per-participant accounting of the ordered stream: which `seq`s arrived, how many twice, how
//! many late.
//!
//! Every stream frame carries the session's next `seq` (+1 per event), so a participant that
//! joined at `welcome.last_seq = base` should see `base+1, base+2, ...` exactly once each and in
//! order. Seqs above `base` are kept in a bitmap (one bit each, so 1 M events cost 128 KiB per
//! participant); replayed history at or below `base`, and absurdly distant seqs, go to a set.

use std::collections::HashSet;

/// Seqs in `base+1 ..= base+WINDOW` live in the bitmap (at most 8 MiB per participant).
const WINDOW: i64 = 1 << 26;

/// How one stream frame arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// First time seen, and higher than everything seen before.
    InOrder,
    /// First time seen, but lower than a seq seen earlier (out of order).
    Late,
    /// Seen before.
    Duplicate,
}

/// Acked messages a participant should have received, and how many of those it did not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Missing {
    pub expected: u64,
    pub lost: u64,
}

#[derive(Debug, Clone)]
pub struct SeqTracker {
    base: i64,
    bits: Vec<u64>,
    outside: HashSet<i64>,
    max_seen: Option<i64>,
    received: u64,
    duplicates: u64,
    out_of_order: u64,
}

impl SeqTracker {
    /// `base` is the `last_seq` of this connection's `welcome`.
    pub fn new(base: i64) -> Self {
        SeqTracker {
            base,
            bits: Vec::new(),
            outside: HashSet::new(),
            max_seen: None,
            received: 0,
            duplicates: 0,
            out_of_order: 0,
        }
    }

    /// The highest seq seen so far, or `base` if none is higher.
    pub fn high_water(&self) -> i64 {
        self.max_seen.map_or(self.base, |m| m.max(self.base))
    }

    /// Distinct seqs received (replay included).
    #[cfg(test)]
    pub fn received(&self) -> u64 {
        self.received
    }

    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    pub fn out_of_order(&self) -> u64 {
        self.out_of_order
    }

    pub fn observe(&mut self, seq: i64) -> Arrival {
        if !self.insert(seq) {
            self.duplicates += 1;
            return Arrival::Duplicate;
        }
        self.received += 1;
        match self.max_seen {
            Some(max) if seq < max => {
                self.out_of_order += 1;
                Arrival::Late
            }
            _ => {
                self.max_seen = Some(seq);
                Arrival::InOrder
            }
        }
    }

    pub fn contains(&self, seq: i64) -> bool {
        match self.slot(seq) {
            Some((word, bit)) => self.bits.get(word).is_some_and(|w| w & bit != 0),
            None => self.outside.contains(&seq),
        }
    }

    /// Stream events in `base+1 ..= highest seen` that never arrived (holes in what this
    /// participant saw; events after its last frame are not counted here, see [`Self::missing`]).
    pub fn gaps(&self) -> u64 {
        let Some(max) = self.max_seen.filter(|m| *m > self.base) else {
            return 0;
        };
        let span = max.abs_diff(self.base);
        let in_bitmap: u64 = self.bits.iter().map(|w| u64::from(w.count_ones())).sum();
        let outside = self.outside.iter().filter(|s| **s > self.base && **s <= max).count() as u64;
        span.saturating_sub(in_bitmap + outside)
    }

    /// Of `acked` (sorted ascending, no repeats), the seqs after this participant joined, and
    /// how many of those it never received.
    pub fn missing(&self, acked: &[i64]) -> Missing {
        let after_join = &acked[acked.partition_point(|s| *s <= self.base)..];
        let lost = after_join.iter().filter(|s| !self.contains(**s)).count() as u64;
        Missing { expected: after_join.len() as u64, lost }
    }

    /// Returns whether `seq` was new.
    fn insert(&mut self, seq: i64) -> bool {
        match self.slot(seq) {
            Some((word, bit)) => {
                if word >= self.bits.len() {
                    self.bits.resize(word + 1, 0);
                }
                let w = &mut self.bits[word];
                let new = *w & bit == 0;
                *w |= bit;
                new
            }
            None => self.outside.insert(seq),
        }
    }

    /// Bitmap word index and bit mask for `seq`, if it falls in the window.
    fn slot(&self, seq: i64) -> Option<(usize, u64)> {
        let offset = seq.checked_sub(self.base)?.checked_sub(1)?;
        if !(0..WINDOW).contains(&offset) {
            return None;
        }
        let offset = usize::try_from(offset).ok()?;
        Some((offset / 64, 1u64 << (offset % 64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_stream_is_clean() {
        let mut t = SeqTracker::new(10);
        for s in 11..=200 {
            assert_eq!(t.observe(s), Arrival::InOrder);
        }
        assert_eq!((t.received(), t.duplicates(), t.out_of_order(), t.gaps()), (190, 0, 0, 0));
        assert_eq!(t.high_water(), 200);
        let acked: Vec<i64> = (5..=200).collect();
        assert_eq!(t.missing(&acked), Missing { expected: 190, lost: 0 });
    }

    #[test]
    fn duplicates_and_out_of_order_are_told_apart() {
        let mut t = SeqTracker::new(0);
        assert_eq!(t.observe(1), Arrival::InOrder);
        assert_eq!(t.observe(3), Arrival::InOrder);
        assert_eq!(t.gaps(), 1);
        assert_eq!(t.observe(2), Arrival::Late);
        assert_eq!(t.gaps(), 0);
        assert_eq!(t.observe(3), Arrival::Duplicate);
        assert_eq!(t.observe(1), Arrival::Duplicate);
        assert_eq!(t.observe(4), Arrival::InOrder);
        assert_eq!((t.received(), t.duplicates(), t.out_of_order()), (4, 2, 1));
    }

    #[test]
    fn lost_counts_only_acked_seqs_after_joining() {
        let mut t = SeqTracker::new(100);
        for s in [101, 102, 104, 107] {
            t.observe(s);
        }
        // 99 and 100 were before this participant joined; 103 and 105 never arrived; 106 was
        // not a post (not acked) so it is only a gap; 108 came after the participant's last frame.
        let acked = [99, 100, 101, 102, 103, 104, 105, 107, 108];
        assert_eq!(t.missing(&acked), Missing { expected: 7, lost: 3 });
        assert_eq!(t.gaps(), 3); // 103, 105, 106
    }

    #[test]
    fn replayed_history_below_base_is_tracked_too() {
        let mut t = SeqTracker::new(5);
        for s in 1..=5 {
            assert_eq!(t.observe(s), Arrival::InOrder);
        }
        assert_eq!(t.observe(3), Arrival::Duplicate);
        assert_eq!(t.observe(6), Arrival::InOrder);
        assert!(t.contains(2) && t.contains(6) && !t.contains(7));
        assert_eq!(t.gaps(), 0);
        assert_eq!(t.received(), 6);
    }

    #[test]
    fn far_away_seqs_do_not_allocate_a_huge_bitmap() {
        let mut t = SeqTracker::new(0);
        let far = WINDOW * 4;
        assert_eq!(t.observe(far), Arrival::InOrder);
        assert_eq!(t.observe(far), Arrival::Duplicate);
        assert!(t.bits.is_empty());
        assert!(t.contains(far));
        assert_eq!(t.gaps(), far.unsigned_abs() - 1);
        assert_eq!(t.observe(i64::MIN), Arrival::Late);
    }

    #[test]
    fn bitmap_boundaries() {
        let mut t = SeqTracker::new(-1);
        for s in [0, 63, 64, 127, 128] {
            assert_eq!(t.observe(s), Arrival::InOrder);
            assert!(t.contains(s));
        }
        assert!(!t.contains(1) && !t.contains(65));
        assert_eq!(t.gaps(), 129 - 5);
    }
}
