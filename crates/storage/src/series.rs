//! Chat series: a hashtag, its owner and the people who run it with them.

use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use tweetchat_domain::{Hashtag, Role, Title};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Series {
    pub id: Uuid,
    /// As the host typed it, with `#`.
    pub hashtag: String,
    pub title: String,
    pub description: String,
    pub time_zone: String,
    pub default_duration_minutes: i32,
    pub owner_id: Uuid,
    pub allow_viewers: bool,
    pub created_at: DateTime<Utc>,
}

/// A validated request to create a series.
#[derive(Debug, Clone)]
pub struct NewSeries {
    pub hashtag: Hashtag,
    pub title: Title,
    pub description: String,
    pub time_zone: String,
    pub default_duration_minutes: i32,
    pub owner_id: Uuid,
    pub allow_viewers: bool,
}

const SERIES_COLUMNS: &str =
    "id, hashtag, title, description, time_zone, default_duration_minutes, owner_id, allow_viewers, created_at";

impl Database {
    /// A hashtag already owned (in any casing) is a conflict on `series_hashtag_unique`.
    pub async fn create_series(&self, new: &NewSeries) -> Result<Series, StorageError> {
        let series = sqlx::query_as::<_, Series>(&format!(
            "INSERT INTO series (id, hashtag, hashtag_key, title, description, time_zone, default_duration_minutes, owner_id, allow_viewers)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {SERIES_COLUMNS}"
        ))
        .bind(Uuid::now_v7())
        .bind(new.hashtag.as_str())
        .bind(new.hashtag.key())
        .bind(new.title.as_str())
        .bind(&new.description)
        .bind(&new.time_zone)
        .bind(new.default_duration_minutes)
        .bind(new.owner_id)
        .bind(new.allow_viewers)
        .fetch_one(&self.pool)
        .await?;
        Ok(series)
    }

    /// The series owning `hashtag`, ignoring case.
    pub async fn series_by_hashtag(&self, hashtag: &Hashtag) -> Result<Series, StorageError> {
        let series =
            sqlx::query_as::<_, Series>(&format!("SELECT {SERIES_COLUMNS} FROM series WHERE hashtag_key = $1"))
                .bind(hashtag.key())
                .fetch_one(&self.pool)
                .await?;
        Ok(series)
    }

    /// A person's role in a series: owner, host, moderator or plain participant.
    /// Site administrators are `Admin` everywhere.
    pub async fn role_in_series(&self, series_id: Uuid, user_id: Uuid) -> Result<Role, StorageError> {
        let row: Option<(bool, bool, Option<String>)> = sqlx::query_as(
            "SELECT u.is_admin, s.owner_id = u.id, m.role
               FROM users u JOIN series s ON s.id = $1
               LEFT JOIN series_members m ON m.series_id = s.id AND m.user_id = u.id
              WHERE u.id = $2",
        )
        .bind(series_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let role = match row {
            None => return Err(StorageError::NotFound),
            Some((true, _, _)) => Role::Admin,
            Some((_, true, _)) => Role::Owner,
            Some((_, _, Some(role))) if role == "host" => Role::Host,
            Some((_, _, Some(_))) => Role::Moderator,
            Some(_) => Role::Participant,
        };
        Ok(role)
    }
}
