//! Who someone is in a session, and what that lets them do.

use serde::Serialize;

/// A person's role in one session, from least to most trusted. Ordering matters: a role can do
/// everything the roles below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Not signed in: may watch, never post.
    Viewer,
    /// Signed in.
    Participant,
    Moderator,
    Host,
    Owner,
    Admin,
}

impl Role {
    pub fn can_post(self) -> bool {
        self >= Role::Participant
    }

    pub fn can_moderate(self) -> bool {
        self >= Role::Moderator
    }

    /// Hosts run the session: release questions, start, extend and end it.
    pub fn can_host(self) -> bool {
        self >= Role::Host
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Participant => "participant",
            Role::Moderator => "moderator",
            Role::Host => "host",
            Role::Owner => "owner",
            Role::Admin => "admin",
        }
    }
}
