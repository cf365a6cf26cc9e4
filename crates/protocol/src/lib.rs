//! The tweetchat websocket protocol: every frame that crosses a live connection, as tagged serde
//! enums. `docs/protocol.md` is the prose version of this file; keep them in step.
//!
//! # Layout
//! - [`ClientFrame`]: what a client may send.
//! - [`ServerFrame`]: what the server sends. Frames with a `seq` belong to the session's ordered
//!   stream; the others (acks, errors, presence, pongs) are about this connection only.
//! - [`ErrorCode`] and [`close`]: machine-readable failure reasons.
//!
//! Both directions derive `Serialize` and `Deserialize` so the server, the bench tool and the
//! tests share one definition.

mod frames;
mod views;

pub use frames::*;
pub use views::*;

/// The protocol versions this build speaks; a client lists its own in `hello`.
pub const SUPPORTED_VERSIONS: &[u32] = &[1];

/// Websocket close codes the server uses (RFC 6455 ranges; 4000-4999 are ours).
pub mod close {
    /// The server is shutting down or restarting; resume later or elsewhere.
    pub const GOING_AWAY: u16 = 1001;
    /// A frame was not valid UTF-8.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// The client kept sending bad frames, or the upgrade broke a rule.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A frame or message was over the size limit.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// No `hello` arrived in time, or the client stopped answering pings.
    pub const TIMEOUT: u16 = 4000;
    /// The token in `hello` was not valid.
    pub const UNAUTHENTICATED: u16 = 4001;
    /// The identity may not join this session (banned, or viewers not allowed).
    pub const FORBIDDEN: u16 = 4003;
    /// The session does not exist or cannot be joined.
    pub const NOT_FOUND: u16 = 4004;
    /// The client fell so far behind that the server stopped feeding it; resume from your last seq.
    pub const TOO_SLOW: u16 = 4008;
    /// None of the protocol versions in `hello` is supported.
    pub const UNSUPPORTED_VERSION: u16 = 4009;
}
