-- A session's question plan: questions released into the stream as Q1, Q2, ... at a planned
-- minute after the start, or by hand.
CREATE TABLE questions (
    id              uuid PRIMARY KEY,
    session_id      uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- Order in the plan, from 1. Released questions keep their position.
    position        integer NOT NULL CHECK (position >= 1),
    text            text NOT NULL,
    -- Minutes after the session went live; NULL: released by a host.
    offset_minutes  integer CHECK (offset_minutes >= 0),
    status          text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'released', 'skipped')),
    -- The Q number it was released as, and the stream message that carried it.
    number          integer,
    message_id      uuid REFERENCES messages (id),
    due_at          timestamptz,
    released_at     timestamptz,
    -- Released more than a minute after it was due (the server was down, say).
    released_late   boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT questions_position_unique UNIQUE (session_id, position) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT questions_number_unique UNIQUE (session_id, number)
);
CREATE INDEX questions_planned ON questions (session_id, position) WHERE status = 'planned';
