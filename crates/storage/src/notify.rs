//! Telling the other instances that a session's stream grew, and hearing them.
//!
//! Every instance keeps rooms in memory, but only learns of its own writes. So a writer that
//! appends to a stream also sends, in the same transaction (in the statement that advances
//! `sessions.last_seq`, [`advance_stream`]), `NOTIFY tweetchat_stream` with the payload
//! `<session_id> <last_seq> <instance_id>`. It carries ids and a number, never content: it
//! stays far below PostgreSQL's 8000-byte limit, and the entries themselves are read from the
//! tables by `seq`. PostgreSQL delivers a notification only if its transaction commits, after
//! the commit, and in commit order.
//!
//! Cost: a transaction that notifies takes a database-wide lock while it commits (to queue its
//! notification in commit order), which serialises the commits of busy rooms. So a writer
//! notifies only while another instance has sent a heartbeat within [`PEER_WINDOW_SECONDS`]
//! (see [`crate::instances`]): a single instance pays an `EXISTS` over a tiny table per
//! commit, inside a statement it runs anyway, and never that lock. The check runs before the
//! commit, so a writer may miss an instance that joined a moment earlier; the readers
//! therefore also compare their rooms with [`Database::stream_positions`] on every heartbeat,
//! which bounds such a delay.
//!
//! Notifications are lost while a listener is disconnected. [`StreamListener::recv`] reports the
//! loss (`Ok(None)`) instead of reconnecting quietly, so the caller can catch up from the tables
//! ([`Database::stream_positions`]) once it listens again.

use crate::{Database, StorageError};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgConnection, PgPool};
use std::time::Duration;
use uuid::Uuid;

/// The channel every instance listens on.
pub const STREAM_CHANNEL: &str = "tweetchat_stream";
/// The channel of everything else instances tell each other (closing a banned person's
/// sockets, moderators' side frames); the payload is `<instance_id> <body>`, the body the hub's.
pub const CONTROL_CHANNEL: &str = "tweetchat_control";
/// Longest control body; far below PostgreSQL's 8000-byte payload limit.
const MAX_CONTROL_BYTES: usize = 1000;

/// What a listener heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Stream(StreamNotice),
    /// A control message, from `from` (`None`: not sent by a tweetchat instance).
    Control {
        from: Option<Uuid>,
        body: String,
    },
}
/// A connection setting naming the instance that opened the connection.
const INSTANCE_SETTING: &str = "tweetchat.instance_id";
/// Writers notify while another instance's heartbeat is at most this old. Longer than the
/// liveness window used for presence: notifying a dead instance costs little, while an instance
/// that is late with its heartbeat (its database connection was slow, say) still hears of
/// every write.
pub const PEER_WINDOW_SECONDS: f64 = 30.0;

/// "The stream of `session_id` now ends at `last_seq`", as sent by `instance_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamNotice {
    pub session_id: Uuid,
    pub last_seq: i64,
    /// `None` when the writer was not a tweetchat instance (a connection without the setting).
    pub instance_id: Option<Uuid>,
}

impl StreamNotice {
    /// Reads a payload; `None` if it is not one of ours.
    pub fn parse(payload: &str) -> Option<StreamNotice> {
        let mut words = payload.split_ascii_whitespace();
        let session_id = words.next()?.parse().ok()?;
        let last_seq = words.next()?.parse().ok()?;
        let instance_id = words.next().and_then(|w| w.parse().ok());
        Some(StreamNotice { session_id, last_seq, instance_id })
    }
}

/// Names the instance in every connection of its pool (see the crate's documentation).
pub(crate) fn tag_connections(options: PgConnectOptions, instance_id: Uuid) -> PgConnectOptions {
    options.options([(INSTANCE_SETTING, instance_id)])
}

/// Moves the stream of `session_id` to `last_seq` (`sessions.last_seq`, under the row lock the
/// caller holds) and, in the same statement, tells the other live instances about it when the
/// caller's transaction commits. One statement, so that a single instance pays no extra round
/// trip per commit: only an `EXISTS` over the few rows of `instances`.
pub(crate) async fn advance_stream(
    conn: &mut PgConnection,
    session_id: Uuid,
    last_seq: i64,
) -> Result<(), StorageError> {
    sqlx::query(&advance_stream_sql(1, 2, 3, 4))
        .bind(session_id)
        .bind(last_seq)
        .bind(STREAM_CHANNEL)
        .bind(PEER_WINDOW_SECONDS)
        .execute(conn)
        .await?;
    Ok(())
}

/// The statement of [`advance_stream`], given the numbers of its four parameters (session id,
/// last seq, [`STREAM_CHANNEL`], [`PEER_WINDOW_SECONDS`]), so that a writer can put it after a
/// data-modifying `WITH` of its own and save a round trip.
pub(crate) fn advance_stream_sql(session: usize, last_seq: usize, channel: usize, window: usize) -> String {
    // The scalar subquery's `WHERE EXISTS` is evaluated first (a one-time filter), so
    // `pg_notify` runs only when another instance is alive.
    format!(
        "UPDATE sessions SET last_seq = ${last_seq} WHERE id = ${session}
         RETURNING (SELECT pg_notify(${channel}, ${session}::text || ' ' || ${last_seq}::text || ' '
                                         || coalesce(current_setting('tweetchat.instance_id', true), ''))
                     WHERE EXISTS (SELECT 1 FROM instances
                                    WHERE id::text IS DISTINCT FROM current_setting('tweetchat.instance_id', true)
                                      AND heartbeat_at > now() - make_interval(secs => ${window}))) IS NULL"
    )
}

/// A connection that `LISTEN`s on [`STREAM_CHANNEL`], with a pool of its own so that it never
/// takes a connection from the application's pool.
pub struct StreamListener {
    listener: PgListener,
    pool: PgPool,
}

impl Database {
    /// Starts listening for stream notices. Notices sent before this returns are not heard:
    /// catch up from [`Database::stream_positions`] afterwards.
    pub async fn listen_stream(&self) -> Result<StreamListener, StorageError> {
        // A pool of one connection, so that listening never takes a connection from the
        // application's pool; the same options, so that it reaches the same database.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with((*self.pool.connect_options()).clone());
        let listening = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            // A lost connection must be reported, not mended quietly: notices were lost with it.
            listener.eager_reconnect(false);
            listener.listen_all([STREAM_CHANNEL, CONTROL_CHANNEL]).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        match listening.await {
            Ok(listener) => Ok(StreamListener { listener, pool }),
            Err(error) => {
                pool.close().await;
                Err(error.into())
            }
        }
    }

    /// Tells the other live instances `body` (the hub's control message), if there are any.
    /// Not transactional: control messages are about live connections, not stored data.
    pub async fn notify_control(&self, body: &str) -> Result<(), StorageError> {
        if body.len() > MAX_CONTROL_BYTES {
            return Err(tweetchat_domain::DomainError::Invalid {
                field: "control",
                reason: format!("{} bytes is over the {MAX_CONTROL_BYTES}-byte limit", body.len()),
            }
            .into());
        }
        sqlx::query(
            "SELECT pg_notify($1, $2 || ' ' || $3)
              WHERE EXISTS (SELECT 1 FROM instances WHERE id <> $2::uuid
                              AND heartbeat_at > now() - make_interval(secs => $4))",
        )
        .bind(CONTROL_CHANNEL)
        .bind(self.instance_id.to_string())
        .bind(body)
        .bind(PEER_WINDOW_SECONDS)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The current end (`last_seq`) of each of these sessions' streams; unknown ids are left out.
    pub async fn stream_positions(&self, sessions: &[Uuid]) -> Result<Vec<(Uuid, i64)>, StorageError> {
        if sessions.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query_as("SELECT id, last_seq FROM sessions WHERE id = ANY($1)")
            .bind(sessions)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows)
    }
}

impl StreamListener {
    /// The next notice. `Ok(None)` means the connection was lost, and notices with it: drop this
    /// listener, listen again, and catch up. An error means the same (a PostgreSQL that shuts
    /// down says so before closing the connection). Payloads that are not ours are skipped.
    /// Cancel-safe (sqlx 0.8.1 and later), so it can wait in a `select!`.
    pub async fn recv(&mut self) -> Result<Option<Heard>, StorageError> {
        loop {
            let Some(notification) = self.listener.try_recv().await? else {
                return Ok(None);
            };
            let payload = notification.payload();
            if notification.channel() == CONTROL_CHANNEL {
                let (from, body) = payload.split_once(' ').unwrap_or(("", payload));
                return Ok(Some(Heard::Control { from: from.parse().ok(), body: body.to_owned() }));
            }
            match StreamNotice::parse(payload) {
                Some(notice) => return Ok(Some(Heard::Stream(notice))),
                None => tracing::debug!(payload, "ignoring a foreign stream notification"),
            }
        }
    }

    /// Checks that the connection still works. A connection that died without a word (a
    /// half-open TCP connection, a database host that vanished) would otherwise leave the
    /// listener waiting forever for notices that no longer come.
    pub async fn ping(&mut self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&mut self.listener).await?;
        Ok(())
    }

    /// Closes the connection.
    pub async fn close(self) {
        let StreamListener { listener, pool } = self;
        drop(listener);
        pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_parsed_and_foreign_ones_refused() {
        let session = Uuid::now_v7();
        let instance = Uuid::new_v4();
        assert_eq!(
            StreamNotice::parse(&format!("{session} 42 {instance}")),
            Some(StreamNotice { session_id: session, last_seq: 42, instance_id: Some(instance) })
        );
        assert_eq!(
            StreamNotice::parse(&format!("{session} 7 ")),
            Some(StreamNotice { session_id: session, last_seq: 7, instance_id: None })
        );
        assert_eq!(StreamNotice::parse("hello"), None);
        assert_eq!(StreamNotice::parse(&format!("{session} many")), None);
    }

    #[test]
    fn the_largest_payload_is_far_below_the_limit() {
        let payload = format!("{} {} {}", Uuid::max(), i64::MAX, Uuid::max());
        assert!(payload.len() < 100, "{} bytes", payload.len());
    }
}
