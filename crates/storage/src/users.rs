//! People and their credentials. Secrets are never stored: passwords as Argon2id hashes made by
//! the caller, tokens as SHA-256 digests.

use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use tweetchat_domain::Handle;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

/// Whether a token is a browser login or a personal API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Login,
    Api,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Login => "login",
            TokenKind::Api => "api",
        }
    }
}

const USER_COLUMNS: &str = "id, handle, display_name, bio, is_admin, created_at";

impl Database {
    /// Creates a person; a handle taken in any casing is a conflict on `users_handle_key_unique`.
    pub async fn create_user(
        &self,
        handle: &Handle,
        display_name: &str,
        password_hash: &str,
    ) -> Result<User, StorageError> {
        let user = sqlx::query_as::<_, User>(&format!(
            "INSERT INTO users (id, handle, handle_key, display_name, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING {USER_COLUMNS}"
        ))
        .bind(Uuid::now_v7())
        .bind(handle.as_str())
        .bind(handle.key())
        .bind(display_name)
        .bind(password_hash)
        .fetch_one(&self.pool)
        .await?;
        Ok(user)
    }

    /// The person with this handle and their password hash, if active.
    pub async fn user_with_password(&self, handle: &Handle) -> Result<(User, Option<String>), StorageError> {
        let row: (Uuid, String, String, String, bool, DateTime<Utc>, Option<String>) = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE handle_key = $1 AND deactivated_at IS NULL"
        ))
        .bind(handle.key())
        .fetch_one(&self.pool)
        .await?;
        let (id, handle, display_name, bio, is_admin, created_at, hash) = row;
        Ok((User { id, handle, display_name, bio, is_admin, created_at }, hash))
    }

    pub async fn insert_token(
        &self,
        user_id: Uuid,
        secret_hash: &[u8],
        kind: TokenKind,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Uuid, StorageError> {
        let id = Uuid::now_v7();
        sqlx::query("INSERT INTO auth_tokens (id, user_id, secret_hash, kind, name, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(user_id)
            .bind(secret_hash)
            .bind(kind.as_str())
            .bind(name)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// The active person a token belongs to: not revoked, not expired, not deactivated.
    pub async fn user_by_token(&self, secret_hash: &[u8], now: DateTime<Utc>) -> Result<User, StorageError> {
        let user = sqlx::query_as::<_, User>(
            "SELECT u.id, u.handle, u.display_name, u.bio, u.is_admin, u.created_at
               FROM auth_tokens t JOIN users u ON u.id = t.user_id
              WHERE t.secret_hash = $1 AND t.revoked_at IS NULL
                AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.deactivated_at IS NULL",
        )
        .bind(secret_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(user)
    }

    pub async fn revoke_token(&self, secret_hash: &[u8], now: DateTime<Utc>) -> Result<(), StorageError> {
        sqlx::query("UPDATE auth_tokens SET revoked_at = $2 WHERE secret_hash = $1 AND revoked_at IS NULL")
            .bind(secret_hash)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// The digest under which a token or session secret is stored and looked up.
pub fn secret_digest(secret: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes()).to_vec()
}
