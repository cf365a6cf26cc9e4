//! PostgreSQL storage: the schema's migrations, every query the service runs, and the private
//! cluster that runs when no `DATABASE_URL` is given.
//!
//! # Layout
//! - [`Database`]: a cheap-to-clone handle around the connection pool; opens, migrates, checks.
//! - [`users`], [`series`], [`sessions`]: people, chat series and their dated sessions.
//! - [`moderation`]: series rules, hide/pin, mutes and bans, the hold queue, reports, the
//!   moderators' back channel, and the audit of it all.
//! - `notices`: format reminders and "10 minutes left", planned at the start, posted on time.
//! - [`planning`]: recurring series materialised ahead, moving a session, notice settings,
//!   the sessions a calendar lists.
//! - [`proposals`]: audience questions: proposed, curated, voted on, promoted into the plan.
//! - [`questions`]: question plans, released into the stream as `Q1`, `Q2`, ...
//! - [`schedule`]: what is due, performed once however many instances ask.
//! - [`stream`]: a session's ordered stream: group-committed posts, events, replay by `seq`.
//! - [`notify`]: telling the other instances that a stream grew (`NOTIFY`), and listening.
//! - [`instances`]: which instances share the database, and their rooms' presence counts.
//! - [`archive`]: archived sessions: frozen figures, exports and imports, full-text search.
//! - [`embedded`]: the private cluster from the system's PostgreSQL binaries.
//!
//! SQL lives next to the function that runs it. Writes that touch several rows run in one
//! transaction. Every stream entry takes the next value of `sessions.last_seq` under that row's
//! lock, which is what makes a session's order total, across instances too.
//!
//! Each [`Database`] is one instance's handle and carries that instance's id. The id is also a
//! setting of every connection of its pool (`tweetchat.instance_id`), so a `NOTIFY` sent from
//! deep inside a caller's transaction can say where it came from without the id being passed
//! through every function that writes to a stream.

pub mod archive;
pub mod embedded;
mod error;
pub mod instances;
pub mod moderation;
mod notices;
pub mod notify;
pub mod planning;
pub mod proposals;
pub mod questions;
pub mod schedule;
pub mod series;
pub mod sessions;
pub mod stream;
pub mod users;

pub use error::StorageError;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::time::Duration;
use uuid::Uuid;

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A handle on the database, cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    pool: PgPool,
    /// This instance among those sharing the database; see [`Database::instance_id`].
    instance_id: Uuid,
}

impl Database {
    /// Opens a pool as a new instance, with a fresh random id (one per process: the server
    /// connects once at start-up).
    pub async fn connect(options: PgConnectOptions, max_connections: u32) -> Result<Self, StorageError> {
        Self::connect_as(options, max_connections, Uuid::new_v4()).await
    }

    /// Opens a pool for the instance `instance_id`. Timeouts are short so that a database
    /// outage shows up as a clear, retryable error instead of a request hanging on a half-open
    /// connection.
    pub async fn connect_as(
        options: PgConnectOptions,
        max_connections: u32,
        instance_id: Uuid,
    ) -> Result<Self, StorageError> {
        let options = notify::tag_connections(options, instance_id);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(Duration::from_secs(300))
            // A connection that died with a PostgreSQL restart fails its first query (57P01);
            // testing it before use costs one round trip per checkout.
            .test_before_acquire(true)
            .connect_with(options.statement_cache_capacity(256))
            .await?;
        Ok(Database { pool, instance_id })
    }

    /// A handle on a pool opened elsewhere. Its connections do not carry the instance id, so
    /// its notifications look foreign to every instance, this one included (harmless: a room
    /// that is already up to date ignores them).
    pub fn from_pool(pool: PgPool) -> Self {
        Database { pool, instance_id: Uuid::new_v4() }
    }

    /// The id of this instance: in its notifications, its `instances` row, logs and metrics.
    pub fn instance_id(&self) -> Uuid {
        self.instance_id
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies every migration not applied yet.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => StorageError::from(e),
            other => StorageError::Database(sqlx::Error::Migrate(Box::new(other))),
        })
    }

    /// Reachable and fully migrated: what `/readyz` reports.
    pub async fn is_ready(&self) -> bool {
        let expected = MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).count() as i64;
        let applied: Result<i64, sqlx::Error> =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success").fetch_one(&self.pool).await;
        matches!(applied, Ok(n) if n >= expected)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
