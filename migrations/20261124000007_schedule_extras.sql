-- Scheduling beyond one-off sessions: no overlapping sessions in a series, recurring series
-- materialised ahead, and service notices (format reminders, "10 minutes left").

-- Two sessions of one series never overlap (cancelled ones do not count). An exclusion
-- constraint decides it under concurrency, where a check before the insert could not.
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE sessions ADD CONSTRAINT sessions_no_overlap
    EXCLUDE USING gist (series_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status <> 'cancelled');

ALTER TABLE series
    -- An RFC 5545 RRULE (the subset of tweetchat_domain::recurrence), NULL for one-off sessions.
    ADD COLUMN recurrence text,
    -- The first session's local wall-clock start in the series' time zone (DTSTART;TZID=...).
    ADD COLUMN recurrence_first_local timestamp,
    -- Posted as a notice at these minutes after the start, e.g. {0,30}; empty: never.
    ADD COLUMN reminder_minutes integer[] NOT NULL DEFAULT '{}',
    ADD COLUMN reminder_text text NOT NULL DEFAULT '',
    -- "N minutes left" this long before the end; 0: never.
    ADD COLUMN final_notice_minutes integer NOT NULL DEFAULT 10 CHECK (final_notice_minutes BETWEEN 0 AND 120);

-- The occurrence of the series' rule a session was materialised from: it keeps that identity
-- when a host moves it, and a cancelled occurrence is not created again.
ALTER TABLE sessions ADD COLUMN occurrence_at timestamptz;
CREATE UNIQUE INDEX sessions_occurrence ON sessions (series_id, occurrence_at) WHERE occurrence_at IS NOT NULL;

-- Notices the scheduler posts into a live session's stream at their time.
CREATE TABLE session_notices (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('reminder', 'final')),
    text        text NOT NULL,
    due_at      timestamptz NOT NULL,
    posted_at   timestamptz,
    message_id  uuid REFERENCES messages (id)
);
CREATE INDEX session_notices_pending ON session_notices (session_id, due_at) WHERE posted_at IS NULL;
