//! PostgreSQL storage: the schema's migrations, every query the service runs, and the private
//! cluster that runs when no `DATABASE_URL` is given.
//!
//! # Layout
//! - [`Database`]: a cheap-to-clone handle around the connection pool; opens, migrates, checks.
//! - [`users`], [`series`], [`sessions`]: people, chat series and their dated sessions.
//! - [`questions`]: question plans, released into the stream as `Q1`, `Q2`, ...
//! - [`schedule`]: what is due, performed once however many instances ask.
//! - [`stream`]: a session's ordered stream: group-committed posts, events, replay by `seq`.
//! - [`embedded`]: the private cluster from the system's PostgreSQL binaries.
//!
//! SQL lives next to the function that runs it. Writes that touch several rows run in one
//! transaction. Every stream entry takes the next value of `sessions.last_seq` under that row's
//! lock, which is what makes a session's order total, across instances too.

pub mod embedded;
mod error;
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

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A handle on the database, cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    pool: PgPool,
}

impl Database {
    /// Opens a pool. Timeouts are short so that a database outage shows up as a clear,
    /// retryable error instead of a request hanging on a half-open connection.
    pub async fn connect(options: PgConnectOptions, max_connections: u32) -> Result<Self, StorageError> {
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
        Ok(Database { pool })
    }

    pub fn from_pool(pool: PgPool) -> Self {
        Database { pool }
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
