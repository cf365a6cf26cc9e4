//! The instances sharing this database. Each one sends a heartbeat every few seconds, so the
//! others know it is alive: writers notify it of new stream entries while it is (see
//! [`crate::notify`]), and presence is shared: the participants of each room (by id, so that a
//! person on two instances counts once) and its number of viewers. Times are the
//! database's `now()`, so the instances need not agree on the time.

use crate::{Database, StorageError};
use std::time::Duration;
use uuid::Uuid;

/// What a heartbeat found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// Live instances, this one included.
    pub alive: u64,
    /// This instance's row was missing and has been inserted: it is new, or it was silent for
    /// so long that another instance removed it, and its presence rows with it.
    pub joined: bool,
}

/// Who is in one room: its signed-in participants, and how many anonymous viewers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomPresence {
    pub session_id: Uuid,
    pub participants: Vec<Uuid>,
    pub viewers: u64,
}

impl Database {
    /// Records that this instance is alive at `address`, removes instances silent for longer
    /// than `forget_after` (with their presence rows), and counts the instances whose last
    /// heartbeat is within `alive_within`.
    pub async fn heartbeat(
        &self,
        address: &str,
        alive_within: Duration,
        forget_after: Duration,
    ) -> Result<Heartbeat, StorageError> {
        // One statement: every part sees the same snapshot, taken before the upsert, so the
        // count leaves this instance out and adds it back.
        let (joined, others): (bool, i64) = sqlx::query_as(
            "WITH beat AS (
                 INSERT INTO instances (id, address) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), address = EXCLUDED.address
                 RETURNING xmax::text = '0' AS inserted
             ), forgotten AS (
                 DELETE FROM instances WHERE id <> $1 AND heartbeat_at < now() - make_interval(secs => $4)
             )
             SELECT (SELECT inserted FROM beat),
                    (SELECT count(*) FROM instances
                      WHERE id <> $1 AND heartbeat_at > now() - make_interval(secs => $3))",
        )
        .bind(self.instance_id)
        .bind(address)
        .bind(alive_within.as_secs_f64())
        .bind(forget_after.as_secs_f64())
        .fetch_one(&self.pool)
        .await?;
        Ok(Heartbeat { alive: u64::try_from(others).unwrap_or_default() + 1, joined })
    }

    /// Removes this instance (at a graceful shutdown): the others stop counting its presence
    /// at once, and writers stop notifying it.
    pub async fn leave(&self) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM instances WHERE id = $1").bind(self.instance_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Replaces this instance's presence counts with these rooms' (rooms with nobody in them
    /// may be left out: they get no row). Replacing the whole set, not just the rooms given,
    /// means a room this instance has forgotten cannot leave a stale count behind. Call after
    /// a [`Database::heartbeat`], which creates the instance's row.
    pub async fn write_presence(&self, rooms: &[RoomPresence]) -> Result<(), StorageError> {
        let occupied: Vec<&RoomPresence> =
            rooms.iter().filter(|r| !r.participants.is_empty() || r.viewers > 0).collect();
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let ids: Vec<Uuid> = occupied.iter().map(|r| r.session_id).collect();
        let participants: Vec<i32> = occupied.iter().map(|r| count(r.participants.len())).collect();
        let viewers: Vec<i32> =
            occupied.iter().map(|r| count(usize::try_from(r.viewers).unwrap_or(usize::MAX))).collect();
        // A uuid[][] must be rectangular, so each room's people travel as one text of ids.
        let people: Vec<String> =
            occupied.iter().map(|r| r.participants.iter().map(Uuid::to_string).collect::<Vec<_>>().join(" ")).collect();
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM room_presence WHERE instance_id = $1 AND session_id <> ALL($2)")
            .bind(self.instance_id)
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        if !occupied.is_empty() {
            sqlx::query(
                "INSERT INTO room_presence (instance_id, session_id, participants, viewers, participant_ids)
                 SELECT $1, r.session_id, r.participants, r.viewers,
                        COALESCE(string_to_array(NULLIF(r.people, ''), ' ')::uuid[], '{}')
                   FROM UNNEST($2::uuid[], $3::int4[], $4::int4[], $5::text[])
                     AS r(session_id, participants, viewers, people)
                 ON CONFLICT (instance_id, session_id)
                 DO UPDATE SET participants = EXCLUDED.participants, viewers = EXCLUDED.viewers,
                               participant_ids = EXCLUDED.participant_ids",
            )
            .bind(self.instance_id)
            .bind(&ids)
            .bind(&participants)
            .bind(&viewers)
            .bind(&people)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Raises sessions' `viewers_peak` to these totals where they are higher, while the
    /// sessions are open (a closed chat's peak is settled).
    pub async fn record_viewers_peak(&self, peaks: &[(Uuid, u64)]) -> Result<(), StorageError> {
        let ids: Vec<Uuid> = peaks.iter().map(|(id, _)| *id).collect();
        let totals: Vec<i32> = peaks.iter().map(|(_, n)| i32::try_from(*n).unwrap_or(i32::MAX)).collect();
        sqlx::query(
            "UPDATE sessions s SET viewers_peak = p.n
               FROM UNNEST($1::uuid[], $2::int4[]) AS p(id, n)
              WHERE s.id = p.id AND s.status IN ('lobby', 'live') AND (s.viewers_peak IS NULL OR s.viewers_peak < p.n)",
        )
        .bind(&ids)
        .bind(&totals)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Who is in these rooms on the other live instances: the participants of all of them
    /// (each person once) and the viewers summed, per room; rooms with nobody elsewhere are
    /// left out.
    pub async fn others_presence(
        &self,
        sessions: &[Uuid],
        alive_within: Duration,
    ) -> Result<Vec<RoomPresence>, StorageError> {
        let rows: Vec<(Uuid, Vec<Uuid>, i64)> = sqlx::query_as(
            "WITH live AS (
                 SELECT p.session_id, p.participant_ids, p.viewers
                   FROM room_presence p JOIN instances i ON i.id = p.instance_id
                  WHERE p.session_id = ANY($1) AND p.instance_id <> $2
                    AND i.heartbeat_at > now() - make_interval(secs => $3))
             SELECT l.session_id,
                    ARRAY(SELECT DISTINCT person FROM live o, unnest(o.participant_ids) AS person
                           WHERE o.session_id = l.session_id),
                    sum(l.viewers)::int8
               FROM live l
              GROUP BY l.session_id",
        )
        .bind(sessions)
        .bind(self.instance_id)
        .bind(alive_within.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(session_id, participants, viewers)| RoomPresence {
                session_id,
                participants,
                viewers: u64::try_from(viewers).unwrap_or_default(),
            })
            .collect())
    }
}
