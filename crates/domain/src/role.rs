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

/// What a personal API token may do on its owner's behalf. Reading is always allowed; a login
/// (browser or `/auth/login`) has every scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scopes {
    /// Post, reply, like and report in live chats.
    pub post: bool,
    /// Act as the owner's moderator, host or owner roles, and create series (import archives).
    /// Posting still needs `post`.
    pub moderate: bool,
}

impl Scopes {
    pub const ALL: Scopes = Scopes { post: true, moderate: true };

    /// Reads a list of scope names: `read`, `post`, `moderate`.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Scopes, crate::DomainError> {
        let mut scopes = Scopes { post: false, moderate: false };
        for name in names {
            match name.as_ref() {
                "read" => {}
                "post" => scopes.post = true,
                "moderate" => scopes.moderate = true,
                other => {
                    return Err(crate::DomainError::invalid(
                        "scopes",
                        format!("{other:?} is not one of read, post, moderate"),
                    ));
                }
            }
        }
        Ok(scopes)
    }

    pub fn names(self) -> Vec<&'static str> {
        let mut names = vec!["read"];
        if self.post {
            names.push("post");
        }
        if self.moderate {
            names.push("moderate");
        }
        names
    }

    /// The role a token with these scopes acts with, for a person whose role is `role`: no
    /// more than the scopes allow, never more than the person has.
    pub fn cap(self, role: Role) -> Role {
        let ceiling = match (self.post, self.moderate) {
            (_, true) => Role::Admin,
            (true, false) => Role::Participant,
            (false, false) => Role::Viewer,
        };
        role.min(ceiling)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_cap_roles_and_never_raise_them() {
        let read_only = Scopes::parse(&["read"]).expect("valid");
        assert_eq!(read_only.cap(Role::Owner), Role::Viewer);
        let poster = Scopes::parse(&["read", "post"]).expect("valid");
        assert_eq!(poster.cap(Role::Host), Role::Participant);
        assert_eq!(poster.cap(Role::Viewer), Role::Viewer);
        assert_eq!(Scopes::ALL.cap(Role::Moderator), Role::Moderator);
        assert!(Scopes::parse(&["write"]).is_err());
        assert_eq!(Scopes::parse(&["moderate"]).expect("valid").names(), vec!["read", "moderate"]);
    }
}
