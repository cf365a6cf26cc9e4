//! Chat series: a hashtag, its owner and the people who run it with them.

use crate::{Database, StorageError};
use chrono::{DateTime, Utc};
use tweetchat_domain::{Description, Hashtag, Role, Title};
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

/// What a host may change about a series.
#[derive(Debug, Clone)]
pub struct SeriesDetails {
    pub title: String,
    pub description: String,
    pub time_zone: String,
    pub default_duration_minutes: i32,
    pub allow_viewers: bool,
}

/// A validated request to create a series.
#[derive(Debug, Clone)]
pub struct NewSeries {
    pub hashtag: Hashtag,
    pub title: Title,
    pub description: Description,
    pub time_zone: String,
    pub default_duration_minutes: i32,
    pub owner_id: Uuid,
    pub allow_viewers: bool,
}

const SERIES_COLUMNS: &str =
    "id, hashtag, title, description, time_zone, default_duration_minutes, owner_id, allow_viewers, created_at";

/// Someone who runs a series: its owner, a host or a moderator.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Member {
    pub handle: String,
    pub display_name: String,
    /// `owner`, `host` or `moderator`.
    pub role: String,
}

impl Database {
    /// The people who run a series: the owner first, then hosts, then moderators.
    pub async fn series_team(&self, series_id: Uuid) -> Result<Vec<Member>, StorageError> {
        Ok(sqlx::query_as(
            "SELECT u.handle, u.display_name, 'owner' AS role, 0 AS rank FROM series s JOIN users u ON u.id = s.owner_id
              WHERE s.id = $1
             UNION ALL
             SELECT u.handle, u.display_name, m.role, CASE m.role WHEN 'host' THEN 1 ELSE 2 END
               FROM series_members m JOIN users u ON u.id = m.user_id
              WHERE m.series_id = $1 AND u.deactivated_at IS NULL
             ORDER BY rank, handle",
        )
        .bind(series_id)
        .fetch_all(&self.pool)
        .await?)
    }

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
        .bind(new.description.as_str())
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

    /// Replaces a series' editable details (validated by the caller); its hashtag stays.
    pub async fn update_series(&self, series_id: Uuid, details: &SeriesDetails) -> Result<Series, StorageError> {
        Ok(sqlx::query_as::<_, Series>(&format!(
            "UPDATE series SET title = $2, description = $3, time_zone = $4, default_duration_minutes = $5, allow_viewers = $6
              WHERE id = $1 RETURNING {SERIES_COLUMNS}"
        ))
        .bind(series_id)
        .bind(&details.title)
        .bind(&details.description)
        .bind(&details.time_zone)
        .bind(details.default_duration_minutes)
        .bind(details.allow_viewers)
        .fetch_one(&self.pool)
        .await?)
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
