use tweetchat_domain::DomainError;

/// Everything that can go wrong below the hub and the HTTP edge.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("not found")]
    NotFound,
    /// A unique or check constraint refused the write; the name says which.
    #[error("conflict on {constraint}")]
    Conflict { constraint: String },
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The database cannot be reached right now; the same request may succeed later.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl StorageError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StorageError::Unavailable(_))
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => StorageError::NotFound,
            sqlx::Error::Database(db) => {
                let code = db.code().unwrap_or_default();
                match code.as_ref() {
                    // unique_violation, exclusion_violation
                    "23505" | "23P01" => {
                        StorageError::Conflict { constraint: db.constraint().unwrap_or("unknown").to_owned() }
                    }
                    // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections,
                    // and the connection-exception class: the server is restarting or overloaded.
                    "57P01" | "57P02" | "57P03" | "53300" => StorageError::Unavailable(error),
                    c if c.starts_with("08") => StorageError::Unavailable(error),
                    // character_not_in_repertoire: a NUL in text, which PostgreSQL cannot store
                    // or compare. Input, not a fault: every field that checks its own
                    // characters says so first; this covers the ones that need not (a search).
                    "22021" => StorageError::Domain(tweetchat_domain::DomainError::Invalid {
                        field: "text",
                        reason: "must not contain NUL characters".into(),
                    }),
                    _ => StorageError::Database(error),
                }
            }
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_) => StorageError::Unavailable(error),
            _ => StorageError::Database(error),
        }
    }
}
