//! The end-to-end test harness: the real server, in-process on port 0 or as a child process,
//! against a fresh database per test on a real PostgreSQL, with typed HTTP and websocket
//! clients.
//!
//! # Layout
//! - [`db`]: `DATABASE_URL` (set by `scripts/test`, which starts a private cluster when none is
//!   given), a migrated template database per test process, and a copy of it per test.
//! - [`app`]: [`app::TestApp`] starts the application in-process; request helpers.
//! - [`clock`]: a scheduler clock that runs fast or jumps.
//! - [`ws`]: [`ws::Client`], a websocket client speaking the protocol.
//! - [`process`]: the `tweetchat` binary as a child process, for crash and restart tests.

pub mod app;
pub mod clock;
pub mod db;
pub mod process;
pub mod ws;

/// How long a test waits for something that should happen promptly before failing.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(15);
