//! When a series' sessions happen: the RFC 5545 `RRULE` subset hosts actually use ("every
//! Thursday", "every other Thursday", "the last Friday of the month"), expanded in the series'
//! home time zone.
//!
//! A chat is announced by its local wall-clock time: #WeNurses is "8pm UK time" all year, so
//! sessions keep 20:00 Europe/London across daylight-saving changes (20:00 UTC in winter,
//! 19:00 UTC in summer) instead of drifting by an hour twice a year. That is why a series is
//! stored as a local first start (`DTSTART`), an IANA zone and a rule, and only the expanded
//! instants are UTC.
//!
//! # Local times that do not exist once
//! See [`resolve_local`]: a wall-clock time skipped by a spring-forward gap moves forward by the
//! length of the gap (01:30 on the last Sunday of March in London becomes 02:30 BST, the instant
//! 01:30 UTC), and a time repeated by an autumn fold means the first (earlier) of its two
//! instants. Both are what RFC 5545 §3.3.5 prescribes for a `DTSTART;TZID=...`, so the
//! scheduler agrees with the calendars of people who subscribe.

use crate::DomainError;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono::{Weekday, format::ParseErrorKind};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

const FIELD: &str = "recurrence";

/// The keys a rule may use, in the order [`Recurrence::to_rule`] writes them.
const SUPPORTED_KEYS: &str = "FREQ, INTERVAL, BYDAY, COUNT and UNTIL";

/// Which day of the period a session falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// `FREQ=WEEKLY;BYDAY=TH`: that weekday of every `interval`-th week.
    Weekly { weekday: Weekday },
    /// `FREQ=MONTHLY;BYDAY=2TU`: the `nth` such weekday of every `interval`-th month; a negative
    /// `nth` counts from the end (`-1FR` is the last Friday). Always in `1..=4` or `-4..=-1`, so
    /// every month has the day.
    Monthly { nth: i8, weekday: Weekday },
}

/// When a series stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum End {
    Never,
    /// `COUNT=n`: after `n` sessions, counted from the first.
    Count(u32),
    /// `UNTIL=...Z`: no session starts later than this instant (one starting exactly then is
    /// included).
    Until(DateTime<Utc>),
}

/// A validated recurrence rule. [`Recurrence::parse`] is the only way in; [`fmt::Display`] and
/// [`Recurrence::to_rule`] write the canonical rule back, which parses to the same value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Recurrence {
    pattern: Pattern,
    interval: u8,
    end: End,
}

impl Recurrence {
    /// The largest `INTERVAL`: a yearly chat is better scheduled as one-off sessions.
    pub const MAX_INTERVAL: u8 = 52;

    /// Parses `FREQ=WEEKLY;BYDAY=TH`, `FREQ=WEEKLY;INTERVAL=2;BYDAY=TH`,
    /// `FREQ=MONTHLY;BYDAY=-1FR` and the like, with an optional `COUNT=n` or
    /// `UNTIL=YYYYMMDDTHHMMSSZ`. Keys may come in any order; names are case-insensitive as in
    /// RFC 5545, and an `RRULE:` prefix (as pasted from a calendar) is allowed. Anything outside
    /// this subset is refused rather than half-understood: a rule we expand differently from
    /// the host's calendar would put sessions on the wrong days.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let rule = input.trim();
        let rule = match rule.get(..6) {
            Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &rule[6..],
            _ => rule,
        };
        if rule.is_empty() {
            return Err(invalid("must not be empty; for example FREQ=WEEKLY;BYDAY=TH"));
        }

        let mut freq: Option<Freq> = None;
        let mut interval: Option<u8> = None;
        let mut byday: Option<ByDay> = None;
        let mut count: Option<u32> = None;
        let mut until: Option<DateTime<Utc>> = None;
        for part in rule.split(';') {
            let Some((key, value)) = part.split_once('=') else {
                return Err(invalid(format!("{part:?} is not of the form KEY=VALUE (parts are separated by ';')")));
            };
            let key = key.trim().to_ascii_uppercase();
            let value = value.trim().to_ascii_uppercase();
            match key.as_str() {
                "FREQ" => set_once(&mut freq, "FREQ", parse_freq(&value)?)?,
                "INTERVAL" => set_once(&mut interval, "INTERVAL", parse_interval(&value)?)?,
                "BYDAY" => set_once(&mut byday, "BYDAY", parse_byday(&value)?)?,
                "COUNT" => set_once(&mut count, "COUNT", parse_count(&value)?)?,
                "UNTIL" => set_once(&mut until, "UNTIL", parse_until(&value)?)?,
                "" => return Err(invalid(format!("{part:?} has no key before '='"))),
                other => {
                    return Err(invalid(format!("{other} is not supported; a rule may use only {SUPPORTED_KEYS}")));
                }
            }
        }

        let freq = freq.ok_or_else(|| invalid("FREQ is required: FREQ=WEEKLY or FREQ=MONTHLY"))?;
        let byday = byday.ok_or_else(|| match freq {
            Freq::Weekly => invalid("BYDAY is required: the day of the chat, e.g. BYDAY=TH"),
            Freq::Monthly => invalid("BYDAY is required: which weekday of the month, e.g. BYDAY=1TH or BYDAY=-1FR"),
        })?;
        let pattern = match (freq, byday.nth) {
            (Freq::Weekly, None) => Pattern::Weekly { weekday: byday.weekday },
            (Freq::Weekly, Some(nth)) => {
                return Err(invalid(format!(
                    "BYDAY={nth}{day} needs FREQ=MONTHLY; a weekly rule takes a plain day such as \
                     BYDAY={day}",
                    day = day_code(byday.weekday)
                )));
            }
            (Freq::Monthly, Some(nth)) => Pattern::Monthly { nth, weekday: byday.weekday },
            (Freq::Monthly, None) => {
                return Err(invalid(format!(
                    "FREQ=MONTHLY needs a numbered day such as BYDAY=1{day} (first) or \
                     BYDAY=-1{day} (last)",
                    day = day_code(byday.weekday)
                )));
            }
        };
        let end = match (count, until) {
            (Some(_), Some(_)) => return Err(invalid("COUNT and UNTIL cannot both be given")),
            (Some(n), None) => End::Count(n),
            (None, Some(at)) => End::Until(at),
            (None, None) => End::Never,
        };
        Ok(Recurrence { pattern, interval: interval.unwrap_or(1), end })
    }

    pub fn pattern(&self) -> Pattern {
        self.pattern
    }

    /// Weeks (weekly) or months (monthly) between sessions: 2 is fortnightly.
    pub fn interval(&self) -> u8 {
        self.interval
    }

    pub fn end(&self) -> End {
        self.end
    }

    /// The canonical rule text: `FREQ`, `INTERVAL` (only when not 1), `BYDAY`, then `COUNT` or
    /// `UNTIL`, without an `RRULE:` prefix.
    pub fn to_rule(&self) -> String {
        self.to_string()
    }

    /// The first `limit` session starts strictly after `after`, in order, for a series whose
    /// first start is `first_local` on the wall clock of `tz`.
    ///
    /// Every session is at `first_local`'s wall-clock time in `tz` (see [`resolve_local`] for
    /// times a daylight-saving change skips or repeats). Periods are counted from the one that
    /// contains `first_local` (weeks start on Monday, as RFC 5545's default `WKST=MO`), and the
    /// first session is the first day of the rule at or after `first_local`: `first_local`
    /// itself when it is on the rule's day. `COUNT` counts from that first session, not from
    /// `after`.
    pub fn occurrences(
        &self,
        first_local: NaiveDateTime,
        tz: Tz,
        after: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut found = Vec::new();
        if limit == 0 {
            return found;
        }
        let first_date = first_local.date();
        let time = first_local.time();
        // Period 0's day may fall before the first start (a Friday start with BYDAY=TH); RFC
        // 5545 never yields instances before DTSTART, so occurrence `k` is in period `k + skip`.
        let skip = match self.day_in_period(first_date, 0) {
            Some(day) if day < first_date => 1,
            Some(_) => 0,
            None => return found,
        };
        // Jump close to `after` instead of walking from the first session: a series started
        // years ago must not cost a loop per week. Every period has exactly one session, so
        // the count of sessions skipped is known without generating them.
        let mut period = self.period_well_before(first_date, after).max(skip);
        while found.len() < limit {
            if let End::Count(count) = self.end
                && period - skip >= u64::from(count)
            {
                break;
            }
            let Some(day) = self.day_in_period(first_date, period) else {
                break; // beyond the calendar's range
            };
            let Some(at) = resolve_local(day.and_time(time), tz) else {
                break;
            };
            if let End::Until(until) = self.end
                && at > until
            {
                break;
            }
            if at > after {
                found.push(at);
            }
            period += 1;
        }
        found
    }

    /// The series' first session, or `None` when the rule produces none (`UNTIL` before it).
    pub fn first_occurrence(&self, first_local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
        self.next_occurrence(first_local, tz, DateTime::<Utc>::MIN_UTC)
    }

    /// The first session strictly after `after`, or `None` when the series has ended (`COUNT`
    /// used up or `UNTIL` passed): how a scheduler knows to stop creating sessions.
    pub fn next_occurrence(&self, first_local: NaiveDateTime, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.occurrences(first_local, tz, after, 1).into_iter().next()
    }

    /// Refuses a series that would never produce a session, so a host learns at creation that
    /// the `UNTIL` is before the first start rather than wondering why nothing is scheduled.
    pub fn validate(&self, first_local: NaiveDateTime, tz: Tz) -> Result<(), DomainError> {
        if self.first_occurrence(first_local, tz).is_some() {
            return Ok(());
        }
        let unbounded = Recurrence { end: End::Never, ..*self };
        match (unbounded.first_occurrence(first_local, tz), self.end) {
            (Some(first), End::Until(until)) => Err(invalid(format!(
                "produces no sessions: UNTIL={} is before the first session at {}",
                format_utc(until),
                format_utc(first),
            ))),
            _ => Err(invalid("produces no sessions: the first start is outside the supported dates")),
        }
    }

    /// The local date of the rule's day in period `period` (0 is the period holding `first`).
    fn day_in_period(&self, first: NaiveDate, period: u64) -> Option<NaiveDate> {
        let steps = period.checked_mul(u64::from(self.interval))?;
        match self.pattern {
            Pattern::Weekly { weekday } => {
                let monday = first.checked_sub_days(Days::new(days_from_monday(first.weekday())))?;
                monday
                    .checked_add_days(Days::new(steps.checked_mul(7)?))?
                    .checked_add_days(Days::new(days_from_monday(weekday)))
            }
            Pattern::Monthly { nth, weekday } => {
                let month = first.with_day(1)?.checked_add_months(Months::new(u32::try_from(steps).ok()?))?;
                nth_weekday_of_month(month, nth, weekday)
            }
        }
    }

    /// A period whose session is certainly before `after` (or 0): two periods of margin cover
    /// the up-to-a-day difference between a local date and the UTC date.
    fn period_well_before(&self, first: NaiveDate, after: DateTime<Utc>) -> u64 {
        let target = after.date_naive();
        let interval = i64::from(self.interval);
        let periods = match self.pattern {
            Pattern::Weekly { .. } => {
                let Some(monday) = first.checked_sub_days(Days::new(days_from_monday(first.weekday()))) else {
                    return 0;
                };
                (target - monday).num_days().div_euclid(7 * interval)
            }
            Pattern::Monthly { .. } => (month_index(target) - month_index(first)).div_euclid(interval),
        };
        u64::try_from(periods - 2).unwrap_or(0)
    }
}

/// The instant a wall-clock time in `tz` means, deciding the two cases where the answer is not
/// a single instant the way RFC 5545 §3.3.5 does:
/// - a time skipped by a spring-forward gap moves forward by the length of the gap: 01:30 on
///   the day London goes from 01:00 GMT to 02:00 BST is read with the offset in force before
///   the jump, so it is 01:30 UTC, shown as 02:30 BST. A clock nobody moved forward would
///   show 01:30 then, and the session keeps its planned length;
/// - a time repeated by an autumn fold means the first (earlier) of its two instants, the one
///   people reach first on their clocks.
///
/// `None` only when the result is outside the range of dates chrono can represent.
pub fn resolve_local(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    if let Some(at) = tz.from_local_datetime(&local).earliest() {
        return Some(at.to_utc());
    }
    // In a gap. The offset a day earlier is the one in force just before the jump: no zone
    // changes its offset twice within a day.
    let before = tz.offset_from_utc_datetime(&local.checked_sub_days(Days::new(1))?).fix();
    Some(local.checked_sub_offset(before)?.and_utc())
}

/// Parses an IANA time-zone name such as `Europe/London` (case as in the tz database).
pub fn parse_time_zone(input: &str) -> Result<Tz, DomainError> {
    input.trim().parse::<Tz>().map_err(|_| {
        DomainError::invalid("time_zone", format!("{input:?} is not an IANA time zone name such as Europe/London"))
    })
}

impl fmt::Display for Recurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pattern {
            Pattern::Weekly { .. } => f.write_str("FREQ=WEEKLY")?,
            Pattern::Monthly { .. } => f.write_str("FREQ=MONTHLY")?,
        }
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        match self.pattern {
            Pattern::Weekly { weekday } => write!(f, ";BYDAY={}", day_code(weekday))?,
            Pattern::Monthly { nth, weekday } => write!(f, ";BYDAY={nth}{}", day_code(weekday))?,
        }
        match self.end {
            End::Never => Ok(()),
            End::Count(n) => write!(f, ";COUNT={n}"),
            End::Until(at) => write!(f, ";UNTIL={}", format_utc(at)),
        }
    }
}

impl FromStr for Recurrence {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Recurrence::parse(s)
    }
}

impl Serialize for Recurrence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug, Clone, Copy)]
enum Freq {
    Weekly,
    Monthly,
}

#[derive(Debug, Clone, Copy)]
struct ByDay {
    nth: Option<i8>,
    weekday: Weekday,
}

fn invalid(reason: impl Into<String>) -> DomainError {
    DomainError::invalid(FIELD, reason)
}

fn set_once<T>(slot: &mut Option<T>, key: &str, value: T) -> Result<(), DomainError> {
    if slot.is_some() {
        return Err(invalid(format!("{key} is given more than once")));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_freq(value: &str) -> Result<Freq, DomainError> {
    match value {
        "WEEKLY" => Ok(Freq::Weekly),
        "MONTHLY" => Ok(Freq::Monthly),
        "SECONDLY" | "MINUTELY" | "HOURLY" | "DAILY" | "YEARLY" => {
            Err(invalid(format!("FREQ={value} is not supported; use WEEKLY or MONTHLY")))
        }
        _ => Err(invalid(format!("FREQ must be WEEKLY or MONTHLY, not {value:?}"))),
    }
}

/// Only plain digits: `+2` or `2.0` are more likely typos than intent.
fn parse_digits(key: &str, value: &str) -> Result<u32, DomainError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!("{key} must be a whole number, not {value:?}")));
    }
    value.parse().map_err(|_| invalid(format!("{key}={value} is far too large")))
}

fn parse_interval(value: &str) -> Result<u8, DomainError> {
    let n = parse_digits("INTERVAL", value)?;
    match u8::try_from(n) {
        Ok(n) if (1..=Recurrence::MAX_INTERVAL).contains(&n) => Ok(n),
        _ => Err(invalid(format!("INTERVAL must be from 1 to {}, not {n}", Recurrence::MAX_INTERVAL))),
    }
}

fn parse_count(value: &str) -> Result<u32, DomainError> {
    match parse_digits("COUNT", value)? {
        0 => Err(invalid("COUNT must be at least 1")),
        n => Ok(n),
    }
}

fn parse_until(value: &str) -> Result<DateTime<Utc>, DomainError> {
    let shape_ok = value.len() == 16
        && value.bytes().enumerate().all(|(i, b)| match i {
            8 => b == b'T',
            15 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(invalid(format!("UNTIL must be a UTC date-time like 20261231T235959Z, not {value:?}")));
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ").map(|naive| naive.and_utc()).map_err(|e| {
        let what = match e.kind() {
            ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => "is not a real date",
            _ => "is not a valid date-time",
        };
        invalid(format!("UNTIL={value} {what}"))
    })
}

fn parse_byday(value: &str) -> Result<ByDay, DomainError> {
    if value.contains(',') {
        return Err(invalid(format!(
            "BYDAY={value} names several days; a series meets on one day (make one series per day)"
        )));
    }
    let split = value.len().saturating_sub(2);
    let (number, code) = value.split_at_checked(split).unwrap_or(("", value));
    let weekday = parse_day_code(code).ok_or_else(|| {
        invalid(format!(
            "BYDAY={value} is not a day; use MO, TU, WE, TH, FR, SA or SU, numbered for MONTHLY \
             (1TH, -1FR)"
        ))
    })?;
    if number.is_empty() {
        return Ok(ByDay { nth: None, weekday });
    }
    let (negative, digits) = match number.as_bytes()[0] {
        b'-' => (true, &number[1..]),
        b'+' => (false, &number[1..]),
        _ => (false, number),
    };
    let magnitude = match digits.parse::<u8>() {
        Ok(n) if digits.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => {
            return Err(invalid(format!(
                "BYDAY={value}: {number:?} is not a week number; use 1 to 4, or -1 for the last"
            )));
        }
    };
    if !(1..=4).contains(&magnitude) {
        return Err(invalid(format!(
            "BYDAY={value}: the week number must be 1 to 4, or -1 to -4 counting from the end \
             (not every month has a fifth {code}; -1{code} is the last)"
        )));
    }
    let nth = i8::try_from(magnitude).map_err(|_| invalid("BYDAY week number out of range"))?;
    Ok(ByDay { nth: Some(if negative { -nth } else { nth }), weekday })
}

const DAY_CODES: [(Weekday, &str); 7] = [
    (Weekday::Mon, "MO"),
    (Weekday::Tue, "TU"),
    (Weekday::Wed, "WE"),
    (Weekday::Thu, "TH"),
    (Weekday::Fri, "FR"),
    (Weekday::Sat, "SA"),
    (Weekday::Sun, "SU"),
];

fn parse_day_code(code: &str) -> Option<Weekday> {
    DAY_CODES.iter().find(|(_, c)| *c == code).map(|(day, _)| *day)
}

fn day_code(weekday: Weekday) -> &'static str {
    DAY_CODES.iter().find(|(day, _)| *day == weekday).map_or("MO", |(_, c)| c)
}

fn format_utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn days_from_monday(weekday: Weekday) -> u64 {
    u64::from(weekday.num_days_from_monday())
}

fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// The `nth` `weekday` of the month starting at `month_start`, counting from the end when `nth`
/// is negative.
fn nth_weekday_of_month(month_start: NaiveDate, nth: i8, weekday: Weekday) -> Option<NaiveDate> {
    let weeks_back = u64::from(nth.unsigned_abs()).checked_sub(1)?;
    if nth > 0 {
        let first = month_start.checked_add_days(Days::new(
            (7 + days_from_monday(weekday) - days_from_monday(month_start.weekday())) % 7,
        ))?;
        return first.checked_add_days(Days::new(7 * weeks_back));
    }
    let last_day = month_start.checked_add_months(Months::new(1))?.pred_opt()?;
    let last = last_day
        .checked_sub_days(Days::new((7 + days_from_monday(last_day.weekday()) - days_from_monday(weekday)) % 7))?;
    last.checked_sub_days(Days::new(7 * weeks_back))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::London;
    use proptest::prelude::*;

    fn rule(text: &str) -> Recurrence {
        Recurrence::parse(text).expect("valid rule")
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("valid local time")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        local(text).and_utc()
    }

    fn reason(result: Result<Recurrence, DomainError>) -> String {
        match result {
            Err(DomainError::Invalid { field, reason }) => {
                assert_eq!(field, "recurrence");
                reason
            }
            other => panic!("expected an invalid recurrence, got {other:?}"),
        }
    }

    /// The first `n` sessions of a series, as UTC `YYYY-MM-DD HH:MM` for readable assertions.
    fn starts(text: &str, first: &str, tz: Tz, after: DateTime<Utc>, n: usize) -> Vec<String> {
        rule(text)
            .occurrences(local(first), tz, after, n)
            .iter()
            .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
            .collect()
    }

    #[test]
    fn weekly_fortnightly_and_monthly_rules_parse_and_round_trip() {
        for text in [
            "FREQ=WEEKLY;BYDAY=TH",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
            "FREQ=MONTHLY;BYDAY=1TH",
            "FREQ=MONTHLY;BYDAY=2TU",
            "FREQ=MONTHLY;BYDAY=-1FR",
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=-2MO;COUNT=4",
            "FREQ=WEEKLY;BYDAY=SU;COUNT=10",
            "FREQ=WEEKLY;INTERVAL=52;BYDAY=MO;UNTIL=20271231T235959Z",
        ] {
            let parsed = rule(text);
            assert_eq!(parsed.to_rule(), text);
            assert_eq!(parsed.to_string().parse::<Recurrence>(), Ok(parsed));
        }
        assert_eq!(rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH").pattern(), Pattern::Weekly { weekday: Weekday::Thu });
        assert_eq!(rule("FREQ=MONTHLY;BYDAY=-1FR").pattern(), Pattern::Monthly { nth: -1, weekday: Weekday::Fri });
        assert_eq!(rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH").interval(), 2);
        assert_eq!(rule("FREQ=WEEKLY;BYDAY=TH;COUNT=3").end(), End::Count(3));
    }

    #[test]
    fn pasted_rules_are_normalised_to_the_canonical_form() {
        assert_eq!(rule("RRULE:byday=th;interval=2;freq=weekly").to_rule(), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH");
        assert_eq!(rule(" FREQ=WEEKLY;INTERVAL=1;BYDAY=TH ").to_rule(), "FREQ=WEEKLY;BYDAY=TH");
        assert_eq!(rule("FREQ=MONTHLY;BYDAY=+2TU").to_rule(), "FREQ=MONTHLY;BYDAY=2TU");
        assert_eq!(rule("FREQ=WEEKLY;BYDAY=TH;UNTIL=20261231T200000Z").end(), End::Until(utc("2026-12-31 20:00")));
    }

    #[test]
    fn rules_outside_the_supported_subset_are_refused_with_the_reason() {
        let cases = [
            ("", "must not be empty"),
            ("BYDAY=TH", "FREQ is required"),
            ("FREQ=DAILY;BYDAY=TH", "FREQ=DAILY is not supported"),
            ("FREQ=FORTNIGHTLY;BYDAY=TH", "FREQ must be WEEKLY or MONTHLY"),
            ("FREQ=WEEKLY", "BYDAY is required"),
            ("FREQ=MONTHLY", "BYDAY is required"),
            ("FREQ=WEEKLY;BYDAY=TH;WKST=SU", "WKST is not supported"),
            ("FREQ=WEEKLY;BYDAY=TH;COLOUR=RED", "COLOUR is not supported"),
            ("FREQ=WEEKLY;BYDAY=TH;INTERVAL=0", "INTERVAL must be from 1 to 52"),
            ("FREQ=WEEKLY;BYDAY=TH;INTERVAL=53", "INTERVAL must be from 1 to 52"),
            ("FREQ=WEEKLY;BYDAY=TH;INTERVAL=two", "INTERVAL must be a whole number"),
            ("FREQ=WEEKLY;BYDAY=TH;INTERVAL=-1", "INTERVAL must be a whole number"),
            ("FREQ=WEEKLY;BYDAY=TH;INTERVAL=99999999999", "far too large"),
            ("FREQ=WEEKLY;BYDAY=TH;COUNT=0", "COUNT must be at least 1"),
            ("FREQ=WEEKLY;BYDAY=TH;COUNT=3;UNTIL=20261231T000000Z", "COUNT and UNTIL cannot both be given"),
            ("FREQ=WEEKLY;BYDAY=TH;UNTIL=20261231", "UNTIL must be a UTC date-time"),
            ("FREQ=WEEKLY;BYDAY=TH;UNTIL=20261231T200000", "UNTIL must be a UTC"),
            ("FREQ=WEEKLY;BYDAY=TH;UNTIL=20260231T200000Z", "is not a real date"),
            ("FREQ=WEEKLY;BYDAY=TH;UNTIL=20260230T250000Z", "is not a real date"),
            ("FREQ=WEEKLY;BYDAY=TU,TH", "names several days"),
            ("FREQ=WEEKLY;BYDAY=THU", "is not a day"),
            ("FREQ=WEEKLY;BYDAY=1TH", "needs FREQ=MONTHLY"),
            ("FREQ=MONTHLY;BYDAY=TH", "needs a numbered day"),
            ("FREQ=MONTHLY;BYDAY=5TH", "not every month has a fifth TH"),
            ("FREQ=MONTHLY;BYDAY=0TH", "the week number must be 1 to 4"),
            ("FREQ=MONTHLY;BYDAY=-TH", "is not a week number"),
            ("FREQ=MONTHLY;BYDAY=1-TH", "is not a week number"),
            ("FREQ=WEEKLY;FREQ=MONTHLY;BYDAY=TH", "FREQ is given more than once"),
            ("FREQ=WEEKLY;BYDAY=TH;", "is not of the form KEY=VALUE"),
            ("FREQ=WEEKLY;=TH", "has no key"),
            ("FREQ=WEEKLY;BYDAY=TÜ", "is not a day"),
        ];
        for (text, expected) in cases {
            let reason = reason(Recurrence::parse(text));
            assert!(reason.contains(expected), "{text:?}: {reason:?} should mention {expected:?}");
        }
    }

    #[test]
    fn weekly_thursday_eight_pm_london_stays_eight_pm_across_both_changes() {
        // The UK springs forward on Sunday 29 March 2026 and falls back on Sunday 25 October.
        let spring = starts("FREQ=WEEKLY;BYDAY=TH", "2026-03-19 20:00", London, DateTime::<Utc>::MIN_UTC, 3);
        assert_eq!(spring, ["2026-03-19 20:00", "2026-03-26 20:00", "2026-04-02 19:00"]);
        let autumn = starts("FREQ=WEEKLY;BYDAY=TH", "2026-03-19 20:00", London, utc("2026-10-15 00:00"), 3);
        assert_eq!(autumn, ["2026-10-15 19:00", "2026-10-22 19:00", "2026-10-29 20:00"]);
    }

    #[test]
    fn weekly_thursday_eight_pm_new_york_follows_the_american_change_dates() {
        // The US springs forward on the second Sunday of March (8 March 2026) and falls back on
        // the first Sunday of November (1 November 2026): 20:00 EST is 01:00 UTC the next day.
        let spring = starts("FREQ=WEEKLY;BYDAY=TH", "2026-02-26 20:00", New_York, DateTime::<Utc>::MIN_UTC, 3);
        assert_eq!(spring, ["2026-02-27 01:00", "2026-03-06 01:00", "2026-03-13 00:00"]);
        let autumn = starts("FREQ=WEEKLY;BYDAY=TH", "2026-02-26 20:00", New_York, utc("2026-10-22 12:00"), 3);
        assert_eq!(autumn, ["2026-10-23 00:00", "2026-10-30 00:00", "2026-11-06 01:00"]);
    }

    #[test]
    fn fortnightly_skips_every_other_week_counted_from_the_first_session() {
        let sessions =
            starts("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "2026-01-08 20:00", London, utc("2026-01-08 20:00"), 3);
        // Strictly after `after`: the session starting exactly then is not repeated.
        assert_eq!(sessions, ["2026-01-22 20:00", "2026-02-05 20:00", "2026-02-19 20:00"]);
    }

    #[test]
    fn monthly_last_friday_keeps_local_time_across_the_change() {
        let sessions = starts("FREQ=MONTHLY;BYDAY=-1FR", "2026-01-30 20:00", London, utc("2026-02-28 00:00"), 3);
        assert_eq!(sessions, ["2026-03-27 20:00", "2026-04-24 19:00", "2026-05-29 19:00"]);
        let autumn = starts("FREQ=MONTHLY;BYDAY=-1FR", "2026-01-30 20:00", London, utc("2026-09-01 00:00"), 2);
        assert_eq!(autumn, ["2026-09-25 19:00", "2026-10-30 20:00"]);
    }

    #[test]
    fn monthly_nth_weekday_counts_from_the_start_of_the_month() {
        let first_thursdays = starts("FREQ=MONTHLY;BYDAY=1TH", "2026-01-01 12:00", London, DateTime::<Utc>::MIN_UTC, 3);
        assert_eq!(first_thursdays, ["2026-01-01 12:00", "2026-02-05 12:00", "2026-03-05 12:00"]);
        let second_tuesdays_quarterly =
            starts("FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU", "2026-01-13 12:00", London, DateTime::<Utc>::MIN_UTC, 3);
        assert_eq!(second_tuesdays_quarterly, ["2026-01-13 12:00", "2026-04-14 11:00", "2026-07-14 11:00"]);
    }

    #[test]
    fn a_first_start_off_the_rules_day_begins_at_the_next_matching_day() {
        // A Wednesday start with BYDAY=TH: the Thursday of the same week.
        assert_eq!(
            starts("FREQ=WEEKLY;BYDAY=TH", "2026-01-07 20:00", London, DateTime::<Utc>::MIN_UTC, 1),
            ["2026-01-08 20:00"]
        );
        // A Friday start, fortnightly: that week's Thursday is past, and weeks count from the
        // start's week (Monday-based), so the next is two weeks on, as calendar clients do.
        assert_eq!(
            starts("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "2026-01-09 20:00", London, DateTime::<Utc>::MIN_UTC, 2),
            ["2026-01-22 20:00", "2026-02-05 20:00"]
        );
        // A monthly start after the month's last Friday: next month's.
        assert_eq!(
            starts("FREQ=MONTHLY;BYDAY=-1FR", "2026-01-31 20:00", London, DateTime::<Utc>::MIN_UTC, 1),
            ["2026-02-27 20:00"]
        );
    }

    #[test]
    fn a_one_thirty_start_moves_past_the_spring_gap_and_takes_the_first_of_the_fold() {
        // 01:30 does not exist in London on 29 March 2026 (01:00 GMT jumps to 02:00 BST): it
        // becomes 02:30 BST, which is 01:30 UTC. On 25 October 01:30 happens twice (BST, then
        // GMT): the first, 00:30 UTC.
        let spring = starts("FREQ=WEEKLY;BYDAY=SU", "2026-03-22 01:30", London, DateTime::<Utc>::MIN_UTC, 3);
        assert_eq!(spring, ["2026-03-22 01:30", "2026-03-29 01:30", "2026-04-05 00:30"]);
        let gap = utc("2026-03-29 01:30").with_timezone(&London);
        assert_eq!(gap.time(), NaiveTime::from_hms_opt(2, 30, 0).expect("time"));

        let autumn = starts("FREQ=WEEKLY;BYDAY=SU", "2026-03-22 01:30", London, utc("2026-10-12 00:00"), 3);
        assert_eq!(autumn, ["2026-10-18 00:30", "2026-10-25 00:30", "2026-11-01 01:30"]);
    }

    #[test]
    fn resolve_local_reads_gap_times_with_the_offset_before_the_jump() {
        assert_eq!(resolve_local(local("2026-03-29 01:00"), London), Some(utc("2026-03-29 01:00")));
        assert_eq!(resolve_local(local("2026-03-29 01:59"), London), Some(utc("2026-03-29 01:59")));
        assert_eq!(resolve_local(local("2026-03-29 02:00"), London), Some(utc("2026-03-29 01:00")));
        // New York skips 02:00-03:00 on 8 March 2026: 02:30 EST-would-be is 07:30 UTC.
        assert_eq!(resolve_local(local("2026-03-08 02:30"), New_York), Some(utc("2026-03-08 07:30")));
        // New York repeats 01:00-02:00 on 1 November 2026: the EDT one comes first.
        assert_eq!(resolve_local(local("2026-11-01 01:30"), New_York), Some(utc("2026-11-01 05:30")));
    }

    #[test]
    fn count_stops_the_series_and_counts_from_the_first_session() {
        let series = rule("FREQ=WEEKLY;BYDAY=TH;COUNT=3");
        let first = local("2026-01-08 20:00");
        let all = series.occurrences(first, London, DateTime::<Utc>::MIN_UTC, 10);
        assert_eq!(all.len(), 3);
        assert_eq!(all[2], utc("2026-01-22 20:00"));
        assert_eq!(series.occurrences(first, London, utc("2026-01-10 00:00"), 10), all[1..]);
        assert_eq!(series.next_occurrence(first, London, all[2]), None);
    }

    #[test]
    fn until_includes_a_session_starting_exactly_then() {
        let series = rule("FREQ=WEEKLY;BYDAY=TH;UNTIL=20260122T200000Z");
        let first = local("2026-01-08 20:00");
        let all = series.occurrences(first, London, DateTime::<Utc>::MIN_UTC, 10);
        assert_eq!(all.last(), Some(&utc("2026-01-22 20:00")));
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn a_rule_that_produces_no_sessions_is_detected() {
        let series = rule("FREQ=WEEKLY;BYDAY=TH;UNTIL=20260101T000000Z");
        let first = local("2026-01-08 20:00");
        assert_eq!(series.first_occurrence(first, London), None);
        let reason = match series.validate(first, London) {
            Err(DomainError::Invalid { field, reason }) => {
                assert_eq!(field, "recurrence");
                reason
            }
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert!(reason.contains("produces no sessions"), "{reason}");
        assert!(reason.contains("20260108T200000Z"), "{reason}");

        let fine = rule("FREQ=WEEKLY;BYDAY=TH;COUNT=1");
        assert_eq!(fine.validate(first, London), Ok(()));
        assert_eq!(fine.first_occurrence(first, London), Some(utc("2026-01-08 20:00")));
    }

    #[test]
    fn a_series_started_long_ago_still_yields_the_next_sessions() {
        let series = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;COUNT=2000");
        let first = local("1990-01-04 20:00");
        let next = series.occurrences(first, London, utc("2026-06-01 00:00"), 2);
        assert_eq!(next.len(), 2);
        let walked: Vec<_> = series
            .occurrences(first, London, DateTime::<Utc>::MIN_UTC, 2000)
            .into_iter()
            .filter(|at| *at > utc("2026-06-01 00:00"))
            .take(2)
            .collect();
        assert_eq!(next, walked);
        assert!(series.occurrences(first, London, utc("2200-01-01 00:00"), 1).is_empty());
        assert!(series.occurrences(first, London, DateTime::<Utc>::MIN_UTC, 0).is_empty());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(parse_time_zone("Europe/London"), Ok(London));
        assert_eq!(parse_time_zone(" America/New_York "), Ok(New_York));
        match parse_time_zone("UK time") {
            Err(DomainError::Invalid { field, .. }) => assert_eq!(field, "time_zone"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    // Zones with differently shaped changes: European and American dates, the southern
    // hemisphere, a 30-minute change (Lord Howe), midnight changes (São Paulo until 2019), none
    // at all (Kolkata).
    const ZONES: [Tz; 7] = [
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Sydney,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::America::Sao_Paulo,
        chrono_tz::Pacific::Auckland,
        chrono_tz::Asia::Kolkata,
    ];

    fn weekday_strategy() -> impl Strategy<Value = Weekday> {
        (0u8..7).prop_map(|n| DAY_CODES[usize::from(n)].0)
    }

    /// A rule with its first start, so that `UNTIL` lands near the series rather than decades
    /// away from it.
    fn series_strategy() -> impl Strategy<Value = (Recurrence, NaiveDateTime)> {
        let pattern = prop_oneof![
            weekday_strategy().prop_map(|weekday| Pattern::Weekly { weekday }),
            (prop_oneof![-4i8..=-1, 1i8..=4], weekday_strategy())
                .prop_map(|(nth, weekday)| Pattern::Monthly { nth, weekday }),
        ];
        let end = prop_oneof![
            Just(None),
            (1u32..60).prop_map(|n| Some(Ok(n))),
            (-30i64..3000).prop_map(|days| Some(Err(days))),
        ];
        (pattern, 1u8..=52, end, first_local_strategy()).prop_map(|(pattern, interval, end, first)| {
            let end = match end {
                None => End::Never,
                Some(Ok(n)) => End::Count(n),
                Some(Err(days)) => End::Until(first.and_utc() + chrono::TimeDelta::days(days)),
            };
            let series = Recurrence { pattern, interval, end };
            (series, first)
        })
    }

    /// Starts in the small hours half the time: that is where daylight-saving gaps and folds
    /// are.
    fn first_local_strategy() -> impl Strategy<Value = NaiveDateTime> {
        (0u64..9000, prop_oneof![0u32..4, 0u32..24], 0u32..60).prop_map(|(days, hour, minute)| {
            let date = NaiveDate::from_ymd_opt(2000, 1, 1)
                .and_then(|d| d.checked_add_days(Days::new(days)))
                .expect("date in range");
            date.and_hms_opt(hour, minute, 0).expect("valid time")
        })
    }

    fn months_between(a: NaiveDate, b: NaiveDate) -> i64 {
        month_index(b) - month_index(a)
    }

    proptest! {
        #[test]
        fn occurrences_keep_the_rules_day_time_and_spacing(
            (series, first) in series_strategy(),
            zone in 0usize..ZONES.len(),
            after_days in -400i64..4000,
            limit in 1usize..40,
        ) {
            let tz = ZONES[zone];
            let after = first.and_utc() + chrono::TimeDelta::days(after_days);
            let found = series.occurrences(first, tz, after, limit);
            prop_assert!(found.len() <= limit);

            let locals: Vec<NaiveDateTime> =
                found.iter().map(|at| at.with_timezone(&tz).naive_local()).collect();
            for (at, local) in found.iter().zip(&locals) {
                prop_assert!(*at > after);
                prop_assert!(local.date() >= first.date());
                if let End::Until(until) = series.end() {
                    prop_assert!(*at <= until);
                }
                if local.time() != first.time() {
                    // Only a wall-clock time that does not exist that day may move, and only
                    // forward, within the same day.
                    let intended = local.date().and_time(first.time());
                    prop_assert!(tz.from_local_datetime(&intended).earliest().is_none());
                    prop_assert!(*local > intended);
                }
                match series.pattern() {
                    Pattern::Weekly { weekday } => prop_assert_eq!(local.weekday(), weekday),
                    Pattern::Monthly { nth, weekday } => {
                        prop_assert_eq!(local.weekday(), weekday);
                        let day = i64::from(local.day());
                        let week = if nth > 0 {
                            (day - 1) / 7 + 1
                        } else {
                            let month = local.date().with_day(1).expect("first of month");
                            let last = nth_weekday_of_month(month, -1, weekday)
                                .expect("a last weekday");
                            -((i64::from(last.day()) - day) / 7 + 1)
                        };
                        prop_assert_eq!(week, i64::from(nth));
                    }
                }
            }
            for pair in found.windows(2) {
                prop_assert!(pair[0] < pair[1]);
            }
            for pair in locals.windows(2) {
                let (a, b) = (pair[0].date(), pair[1].date());
                match series.pattern() {
                    Pattern::Weekly { .. } => {
                        prop_assert_eq!((b - a).num_days(), 7 * i64::from(series.interval()));
                    }
                    Pattern::Monthly { .. } => {
                        prop_assert_eq!(months_between(a, b), i64::from(series.interval()));
                    }
                }
            }
        }

        #[test]
        fn jumping_ahead_agrees_with_walking_from_the_first_session(
            (series, first) in series_strategy(),
            zone in 0usize..ZONES.len(),
            after_days in -40i64..3000,
            limit in 1usize..10,
        ) {
            let tz = ZONES[zone];
            let after = first.and_utc() + chrono::TimeDelta::days(after_days);
            let walked: Vec<_> = series
                .occurrences(first, tz, DateTime::<Utc>::MIN_UTC, 1000)
                .into_iter()
                .filter(|at| *at > after)
                .take(limit)
                .collect();
            prop_assert_eq!(series.occurrences(first, tz, after, limit), walked);
        }

        #[test]
        fn the_first_session_is_the_start_itself_when_it_is_on_the_rules_day(
            (series, first) in series_strategy(),
            zone in 0usize..ZONES.len(),
        ) {
            let tz = ZONES[zone];
            let unbounded = Recurrence { end: End::Never, ..series };
            let on_rule_day = unbounded
                .first_occurrence(first, tz)
                .map(|at| at.with_timezone(&tz).date_naive() == first.date());
            if on_rule_day == Some(true) {
                prop_assert_eq!(unbounded.first_occurrence(first, tz), resolve_local(first, tz));
            }
            if let End::Count(n) = series.end() {
                let all = series.occurrences(first, tz, DateTime::<Utc>::MIN_UTC, 1000);
                prop_assert_eq!(all.len(), n as usize);
            }
            prop_assert_eq!(series.validate(first, tz).is_ok(), series.first_occurrence(first, tz).is_some());
        }

        #[test]
        fn rules_round_trip_through_their_text((series, _) in series_strategy()) {
            prop_assert_eq!(Recurrence::parse(&series.to_rule()), Ok(series));
        }
    }
}
