//! A session's lifecycle: scheduled → lobby → live → closed → archived, or cancelled before it
//! goes live. The scheduler and the hosts both move sessions only through [`SessionStatus::apply`].

use crate::DomainError;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Announced; not open yet.
    Scheduled,
    /// Open before the start: people join, see the countdown and the rules, but cannot post.
    Lobby,
    /// The chat is running: posts are accepted.
    Live,
    /// Ended; hosts may still reopen it within the grace period.
    Closed,
    /// Frozen transcript.
    Archived,
    /// Called off before it went live.
    Cancelled,
}

/// Something that moves a session from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionAction {
    OpenLobby,
    Start,
    Close,
    Reopen,
    Archive,
    Cancel,
}

impl SessionStatus {
    pub const ALL: [SessionStatus; 6] = [
        SessionStatus::Scheduled,
        SessionStatus::Lobby,
        SessionStatus::Live,
        SessionStatus::Closed,
        SessionStatus::Archived,
        SessionStatus::Cancelled,
    ];

    /// The status after `action`, or why the action is not allowed from here.
    pub fn apply(self, action: SessionAction) -> Result<SessionStatus, DomainError> {
        use SessionAction as A;
        use SessionStatus as S;
        let next = match (self, action) {
            (S::Scheduled, A::OpenLobby) => S::Lobby,
            (S::Scheduled | S::Lobby, A::Start) => S::Live,
            (S::Live, A::Close) => S::Closed,
            (S::Closed, A::Reopen) => S::Live,
            (S::Closed, A::Archive) => S::Archived,
            (S::Scheduled | S::Lobby, A::Cancel) => S::Cancelled,
            (from, action) => return Err(DomainError::Transition { from, action }),
        };
        Ok(next)
    }

    /// Whether participants may post.
    pub fn accepts_posts(self) -> bool {
        self == SessionStatus::Live
    }

    /// Whether people may connect to the live stream at all.
    pub fn is_joinable(self) -> bool {
        !matches!(self, SessionStatus::Scheduled | SessionStatus::Cancelled)
    }

    /// No further transitions will happen on their own.
    pub fn is_final(self) -> bool {
        matches!(self, SessionStatus::Archived | SessionStatus::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Scheduled => "scheduled",
            SessionStatus::Lobby => "lobby",
            SessionStatus::Live => "live",
            SessionStatus::Closed => "closed",
            SessionStatus::Archived => "archived",
            SessionStatus::Cancelled => "cancelled",
        }
    }
}

impl FromStr for SessionStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SessionStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| DomainError::invalid("status", format!("unknown session status {s:?}")))
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for SessionAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            SessionAction::OpenLobby => "open the lobby",
            SessionAction::Start => "start",
            SessionAction::Close => "close",
            SessionAction::Reopen => "reopen",
            SessionAction::Archive => "be archived",
            SessionAction::Cancel => "be cancelled",
        };
        f.write_str(s)
    }
}

/// When a session's automatic transitions fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timetable {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// How long before the start the lobby opens.
    pub lobby_lead: Duration,
    /// How long after the end a closed session is archived (the window in which hosts may
    /// reopen). Counted from the end, not from when the close happened: a session closed late
    /// because the server was down is archived as soon as its window has passed.
    pub archive_grace: Duration,
}

impl Timetable {
    /// The next automatic transition from `status` and the instant it is due, if any. A caller
    /// that finds the instant in the past performs it now: this is how downtime is caught up,
    /// one transition at a time and in order.
    pub fn next_due(&self, status: SessionStatus) -> Option<(SessionAction, DateTime<Utc>)> {
        match status {
            SessionStatus::Scheduled if self.lobby_lead > Duration::zero() => {
                Some((SessionAction::OpenLobby, self.starts_at - self.lobby_lead))
            }
            SessionStatus::Scheduled | SessionStatus::Lobby => Some((SessionAction::Start, self.starts_at)),
            SessionStatus::Live => Some((SessionAction::Close, self.ends_at)),
            SessionStatus::Closed => Some((SessionAction::Archive, self.ends_at + self.archive_grace)),
            SessionStatus::Archived | SessionStatus::Cancelled => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SessionAction as A;
    use SessionStatus as S;

    const ACTIONS: [SessionAction; 6] = [A::OpenLobby, A::Start, A::Close, A::Reopen, A::Archive, A::Cancel];

    #[test]
    fn every_state_allows_exactly_the_documented_transitions() {
        let allowed = [
            (S::Scheduled, A::OpenLobby, S::Lobby),
            (S::Scheduled, A::Start, S::Live),
            (S::Scheduled, A::Cancel, S::Cancelled),
            (S::Lobby, A::Start, S::Live),
            (S::Lobby, A::Cancel, S::Cancelled),
            (S::Live, A::Close, S::Closed),
            (S::Closed, A::Reopen, S::Live),
            (S::Closed, A::Archive, S::Archived),
        ];
        for from in S::ALL {
            for action in ACTIONS {
                let expected = allowed.iter().find(|(f, a, _)| *f == from && *a == action).map(|(_, _, to)| *to);
                assert_eq!(from.apply(action).ok(), expected, "{from} + {action:?}");
            }
        }
    }

    #[test]
    fn final_states_have_no_automatic_transition() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).expect("valid instant");
        let table = Timetable {
            starts_at: t0,
            ends_at: t0 + Duration::hours(1),
            lobby_lead: Duration::minutes(10),
            archive_grace: Duration::minutes(15),
        };
        assert_eq!(table.next_due(S::Scheduled), Some((A::OpenLobby, t0 - Duration::minutes(10))));
        assert_eq!(table.next_due(S::Lobby), Some((A::Start, t0)));
        assert_eq!(table.next_due(S::Live), Some((A::Close, t0 + Duration::hours(1))));
        // Counted from the end, so a close performed late (after downtime) archives on time.
        assert_eq!(table.next_due(S::Closed), Some((A::Archive, t0 + Duration::minutes(75))));
        assert_eq!(table.next_due(S::Archived), None);
        assert_eq!(table.next_due(S::Cancelled), None);
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in S::ALL {
            assert_eq!(status.as_str().parse::<S>().ok(), Some(status));
        }
        assert!("paused".parse::<S>().is_err());
    }
}
