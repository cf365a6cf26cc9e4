//! People and their credentials. Secrets are never stored: passwords as Argon2id hashes made by
//! the caller, tokens as SHA-256 digests.

use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use tweetchat_domain::{DomainError, Handle, Scopes};
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

/// Who a token belongs to and what it allows.
#[derive(Debug, Clone)]
pub struct Grant {
    pub user: User,
    pub kind: TokenKind,
    pub scopes: Scopes,
}

/// A personal API token as its owner sees it (never its secret).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
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

    /// The active person a token belongs to (not revoked, not expired, not deactivated), and
    /// what the token lets its bearer do. Records when the token was last used, at most once a
    /// minute, so people can see which tokens are in use without a write per request.
    pub async fn user_by_token(&self, secret_hash: &[u8], now: DateTime<Utc>) -> Result<Grant, StorageError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: User,
            token_id: Uuid,
            kind: String,
            scopes: Vec<String>,
            last_used_at: Option<DateTime<Utc>>,
        }
        let row: Row =
            sqlx::query_as(
                "SELECT u.id, u.handle, u.display_name, u.bio, u.is_admin, u.created_at, t.id AS token_id, t.kind, t.scopes, t.last_used_at
                   FROM auth_tokens t JOIN users u ON u.id = t.user_id
                  WHERE t.secret_hash = $1 AND t.revoked_at IS NULL
                    AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.deactivated_at IS NULL",
            )
            .bind(secret_hash)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        if row.last_used_at.is_none_or(|at| now - at > chrono::Duration::minutes(1)) {
            sqlx::query("UPDATE auth_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(row.token_id)
                .bind(now)
                .execute(&self.pool)
                .await?;
        }
        let kind = if row.kind == "api" { TokenKind::Api } else { TokenKind::Login };
        let scopes = match kind {
            TokenKind::Login => Scopes::ALL,
            TokenKind::Api => Scopes::parse(&row.scopes)?,
        };
        Ok(Grant { user: row.user, kind, scopes })
    }

    /// Creates a personal API token (its secret made and shown by the caller, stored as a digest).
    pub async fn insert_api_token(
        &self,
        user_id: Uuid,
        secret_hash: &[u8],
        name: &str,
        scopes: Scopes,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<ApiToken, StorageError> {
        Ok(sqlx::query_as(
            "INSERT INTO auth_tokens (id, user_id, secret_hash, kind, name, scopes, expires_at) VALUES ($1, $2, $3, 'api', $4, $5, $6)
             RETURNING id, name, scopes, created_at, last_used_at, expires_at",
        )
        .bind(Uuid::now_v7())
        .bind(user_id)
        .bind(secret_hash)
        .bind(name)
        .bind(scopes.names())
        .bind(expires_at)
        .fetch_one(&self.pool)
        .await?)
    }

    /// A person's API tokens still in force.
    pub async fn api_tokens(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<Vec<ApiToken>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT id, name, scopes, created_at, last_used_at, expires_at FROM auth_tokens
              WHERE user_id = $1 AND kind = 'api' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
              ORDER BY created_at DESC",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes one of a person's API tokens; returns its digest, so its connections can be
    /// closed. `NotFound` if it is not theirs or already revoked.
    pub async fn revoke_api_token(
        &self,
        user_id: Uuid,
        token_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<u8>, StorageError> {
        Ok(sqlx::query_scalar(
            "UPDATE auth_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND kind = 'api' AND revoked_at IS NULL
             RETURNING secret_hash",
        )
        .bind(token_id)
        .bind(user_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Creates a site administrator, or makes an existing person one (`tweetchat admin create`).
    /// A deactivated account is refused and left as it is: it could not sign in, and reviving
    /// it is not this command's call.
    pub async fn ensure_admin(
        &self,
        handle: &Handle,
        display_name: &str,
        password_hash: &str,
    ) -> Result<User, StorageError> {
        let user = sqlx::query_as::<_, User>(&format!(
            "INSERT INTO users (id, handle, handle_key, display_name, password_hash, is_admin) VALUES ($1, $2, $3, $4, $5, true)
             ON CONFLICT (handle_key) DO UPDATE SET is_admin = true, password_hash = EXCLUDED.password_hash
              WHERE users.deactivated_at IS NULL
             RETURNING {USER_COLUMNS}"
        ))
        .bind(Uuid::now_v7())
        .bind(handle.as_str())
        .bind(handle.key())
        .bind(display_name)
        .bind(password_hash)
        .fetch_optional(&self.pool)
        .await?;
        user.ok_or_else(|| {
            DomainError::Invalid {
                field: "handle",
                reason: format!(
                    "{} belongs to a deactivated account, which cannot be made an administrator; choose another handle",
                    handle.as_str()
                ),
            }
            .into()
        })
    }

    /// Whether any site administrator exists.
    pub async fn has_admin(&self) -> Result<bool, StorageError> {
        Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE is_admin AND deactivated_at IS NULL)")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Sets a person's display name and bio. Their past messages show the new name: names are
    /// read with messages, not copied into them.
    pub async fn set_profile(&self, user_id: Uuid, display_name: &str, bio: &str) -> Result<User, StorageError> {
        Ok(sqlx::query_as::<_, User>(&format!(
            "UPDATE users SET display_name = $2, bio = $3 WHERE id = $1 RETURNING {USER_COLUMNS}"
        ))
        .bind(user_id)
        .bind(display_name)
        .bind(bio)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The active person with this handle.
    pub async fn user_by_handle(&self, handle: &Handle) -> Result<User, StorageError> {
        Ok(sqlx::query_as::<_, User>(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE handle_key = $1 AND deactivated_at IS NULL"
        ))
        .bind(handle.key())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Sets a new password hash and revokes every login and token of the person: whoever held
    /// the old password's sessions is out.
    pub async fn change_password(
        &self,
        user_id: Uuid,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
        revoke_all(&mut tx, user_id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deactivates an account: it can no longer sign in, and every login and token stops.
    pub async fn deactivate_user(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET deactivated_at = $2 WHERE id = $1 AND deactivated_at IS NULL")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        revoke_all(&mut tx, user_id, now).await?;
        tx.commit().await?;
        Ok(())
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

async fn revoke_all(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE auth_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The digest under which a token or session secret is stored and looked up.
pub fn secret_digest(secret: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(secret.as_bytes()).to_vec()
}
