//! What one instance tells the others about live connections: close this person's sockets,
//! tell the moderators of a room, answer the author of a held post, apply a new slow mode.
//! Each instance acts on its own connections at once and sends the same [`Control`] to the
//! others (`NOTIFY tweetchat_control`, only when others are alive), which act on theirs. The
//! messages carry ids only; the receiver reads the rest from the database, so they stay small
//! and never carry text a person wrote.
//!
//! Control messages are best effort, like the sockets they act on: one lost while a listener
//! reconnects leaves, at worst, a banned person's socket open on that instance until it next
//! posts (refused in the commit) or reconnects (refused at `hello`).

use crate::{Hub, Reach, render};
use chrono::Utc;
use tweetchat_protocol::{ServerFrame, close};
use tweetchat_storage::moderation::RestrictionKind;
use uuid::Uuid;

/// Why a person's sockets close; each has its close code and reason text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disconnect {
    SignedOut,
    PasswordChanged,
    Deactivated,
    TokenRevoked,
    RoleChanged,
}

impl Disconnect {
    const ALL: [Disconnect; 5] = [
        Disconnect::SignedOut,
        Disconnect::PasswordChanged,
        Disconnect::Deactivated,
        Disconnect::TokenRevoked,
        Disconnect::RoleChanged,
    ];

    fn word(self) -> &'static str {
        match self {
            Disconnect::SignedOut => "signed_out",
            Disconnect::PasswordChanged => "password_changed",
            Disconnect::Deactivated => "deactivated",
            Disconnect::TokenRevoked => "token_revoked",
            Disconnect::RoleChanged => "role_changed",
        }
    }

    /// The close code and reason the client sees.
    pub fn close(self) -> (u16, &'static str) {
        match self {
            Disconnect::SignedOut => (close::UNAUTHENTICATED, "signed out"),
            Disconnect::PasswordChanged => (close::UNAUTHENTICATED, "password changed"),
            Disconnect::Deactivated => (close::UNAUTHENTICATED, "account deactivated"),
            Disconnect::TokenRevoked => (close::UNAUTHENTICATED, "token revoked"),
            Disconnect::RoleChanged => (close::GOING_AWAY, "your role changed; reconnect"),
        }
    }
}

/// Which connections a [`Control::Disconnect`] reaches, owned for the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    Credential(Vec<u8>),
    Series(Uuid),
}

impl Scope {
    fn reach(&self) -> Reach<'_> {
        match self {
            Scope::Everywhere => Reach::Everywhere,
            Scope::Credential(digest) => Reach::Credential(digest),
            Scope::Series(series) => Reach::Series(*series),
        }
    }
}

/// One control message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    Disconnect {
        user: Uuid,
        scope: Scope,
        why: Disconnect,
    },
    /// A mute or ban was given: tell the person (a ban also closes their sockets in the series).
    Restricted {
        user: Uuid,
        series: Uuid,
        kind: RestrictionKind,
    },
    /// A post entered a session's hold queue.
    Held {
        session: Uuid,
        held: Uuid,
    },
    /// A held post was approved or rejected: tell its author and the moderators.
    Decided {
        session: Uuid,
        held: Uuid,
    },
    Reported {
        session: Uuid,
        report: Uuid,
    },
    Backchannel {
        session: Uuid,
        message: Uuid,
    },
    SlowMode {
        series: Uuid,
        seconds: u32,
    },
    /// An audience question changed: everyone sees it once approved, moderators and its author
    /// at every step.
    Proposal {
        session: Uuid,
        proposal: Uuid,
    },
}

impl Control {
    pub fn encode(&self) -> String {
        match self {
            Control::Disconnect { user, scope, why } => {
                let scope = match scope {
                    Scope::Everywhere => "everywhere".to_owned(),
                    Scope::Credential(digest) => format!("credential:{}", hex(digest)),
                    Scope::Series(series) => format!("series:{series}"),
                };
                format!("disconnect {user} {scope} {}", why.word())
            }
            Control::Restricted { user, series, kind } => format!("restricted {user} {series} {}", kind.as_str()),
            Control::Held { session, held } => format!("held {session} {held}"),
            Control::Decided { session, held } => format!("decided {session} {held}"),
            Control::Reported { session, report } => format!("reported {session} {report}"),
            Control::Backchannel { session, message } => format!("backchannel {session} {message}"),
            Control::SlowMode { series, seconds } => format!("slow_mode {series} {seconds}"),
            Control::Proposal { session, proposal } => format!("proposal {session} {proposal}"),
        }
    }

    pub fn decode(body: &str) -> Option<Control> {
        let words: Vec<&str> = body.split(' ').collect();
        let id = |i: usize| words.get(i).and_then(|w| w.parse::<Uuid>().ok());
        let control = match *words.first()? {
            "disconnect" => {
                let scope = match words.get(2)?.split_once(':') {
                    None if words.get(2) == Some(&"everywhere") => Scope::Everywhere,
                    Some(("credential", digest)) => Scope::Credential(unhex(digest)?),
                    Some(("series", series)) => Scope::Series(series.parse().ok()?),
                    _ => return None,
                };
                let why = Disconnect::ALL.into_iter().find(|d| Some(&d.word()) == words.get(3))?;
                Control::Disconnect { user: id(1)?, scope, why }
            }
            "restricted" => {
                let kind = RestrictionKind::from_name(words.get(3)?)?;
                Control::Restricted { user: id(1)?, series: id(2)?, kind }
            }
            "held" => Control::Held { session: id(1)?, held: id(2)? },
            "decided" => Control::Decided { session: id(1)?, held: id(2)? },
            "reported" => Control::Reported { session: id(1)?, report: id(2)? },
            "backchannel" => Control::Backchannel { session: id(1)?, message: id(2)? },
            "slow_mode" => Control::SlowMode { series: id(1)?, seconds: words.get(2)?.parse().ok()? },
            "proposal" => Control::Proposal { session: id(1)?, proposal: id(2)? },
            _ => return None,
        };
        Some(control)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

impl Hub {
    /// Acts on `control` here and tells the other instances to act on theirs.
    pub async fn broadcast_control(&self, control: Control) {
        self.apply_control(control.clone()).await;
        if let Err(error) = self.db().notify_control(&control.encode()).await {
            tracing::warn!(%error, control = control.encode(), "could not tell the other instances");
        }
    }

    /// Acts on `control` for this instance's connections. Rooms are not created for it: an
    /// instance without the room has nobody to tell.
    pub async fn apply_control(&self, control: Control) {
        if let Err(error) = self.try_apply(&control).await {
            tracing::warn!(%error, control = control.encode(), "could not act on a control message");
        }
    }

    async fn try_apply(&self, control: &Control) -> Result<(), tweetchat_storage::StorageError> {
        let db = self.db();
        match control {
            Control::Disconnect { user, scope, why } => {
                let (code, reason) = why.close();
                self.disconnect(*user, scope.reach(), None, code, reason);
            }
            Control::Restricted { user, series, kind } => {
                let Some(restriction) = db.restriction(*series, *user, *kind, Utc::now()).await? else {
                    return Ok(());
                };
                let notice = ServerFrame::Restricted {
                    kind: kind.as_str().to_owned(),
                    until: restriction.until,
                    reason: restriction.reason,
                };
                match kind {
                    RestrictionKind::Ban => {
                        self.disconnect(*user, Reach::Series(*series), Some(notice), close::FORBIDDEN, "banned");
                    }
                    RestrictionKind::Mute => self.tell_person_in_series(*user, *series, notice),
                }
            }
            Control::Held { session, held } => {
                if let Some(room) = self.open_room(*session) {
                    let held = db.held_post(*held).await?;
                    room.tell_moderators(&ServerFrame::HeldForReview { held: render::held_view(&held) });
                }
            }
            Control::Decided { session, held } => {
                let held = db.held_post(*held).await?;
                let answer = match (held.status.as_str(), held.message_id) {
                    ("approved", Some(message_id)) => Some(ServerFrame::Ack {
                        client_id: held.client_id.clone(),
                        seq: db.message_seq(message_id).await?,
                        message_id,
                        duplicate: false,
                    }),
                    ("rejected", _) => Some(ServerFrame::PostRejected {
                        client_id: held.client_id.clone(),
                        held_id: held.id,
                        reason: held.reason.clone(),
                    }),
                    _ => None,
                };
                if let Some(answer) = answer {
                    self.tell_person(held.author_id, *session, answer);
                }
                if let Some(room) = self.open_room(*session) {
                    room.tell_moderators(&ServerFrame::HeldDecided { held_id: held.id, status: held.status });
                }
            }
            Control::Reported { session, report } => {
                if let Some(room) = self.open_room(*session) {
                    let report = db.report(*report).await?;
                    room.tell_moderators(&ServerFrame::Reported { report: render::report_view(&report) });
                }
            }
            Control::Backchannel { session, message } => {
                if let Some(room) = self.open_room(*session) {
                    let message = db.backchannel_message(*message).await?;
                    room.tell_moderators(&ServerFrame::Backchannel { message: render::backchannel_view(&message) });
                }
            }
            Control::SlowMode { series, seconds } => self.set_slow_mode(*series, *seconds),
            Control::Proposal { session, proposal } => {
                let proposal = db.proposal(*proposal, None).await?;
                let full =
                    ServerFrame::Proposal { proposal: render::proposal_view(&proposal, render::Audience::Moderators) };
                if let Some(room) = self.open_room(*session) {
                    if matches!(proposal.status.as_str(), "approved" | "merged") {
                        let public = render::proposal_view(&proposal, render::Audience::Public);
                        room.announce(&ServerFrame::Proposal { proposal: public });
                    }
                    room.tell_moderators(&full);
                }
                self.tell_person(proposal.author_id, *session, full);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_message_survives_the_wire_and_stays_small() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let all = [
            Control::Disconnect { user: a, scope: Scope::Everywhere, why: Disconnect::PasswordChanged },
            Control::Disconnect { user: a, scope: Scope::Credential(vec![0, 15, 255, 16]), why: Disconnect::SignedOut },
            Control::Disconnect { user: a, scope: Scope::Series(b), why: Disconnect::RoleChanged },
            Control::Restricted { user: a, series: b, kind: RestrictionKind::Ban },
            Control::Restricted { user: a, series: b, kind: RestrictionKind::Mute },
            Control::Held { session: a, held: b },
            Control::Decided { session: a, held: b },
            Control::Reported { session: a, report: b },
            Control::Backchannel { session: a, message: b },
            Control::SlowMode { series: a, seconds: 30 },
            Control::Proposal { session: a, proposal: b },
        ];
        for control in all {
            let body = control.encode();
            assert!(body.len() < 200, "{body}");
            assert_eq!(Control::decode(&body), Some(control), "{body}");
        }
        assert_eq!(Control::decode("shout loudly"), None);
        assert_eq!(Control::decode("disconnect not-a-uuid everywhere signed_out"), None);
        assert_eq!(Control::decode(&format!("disconnect {a} credential:abc signed_out")), None);
    }
}
