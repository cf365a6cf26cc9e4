-- Audience questions: participants propose, moderators curate, everyone votes, hosts promote
-- the best into the session's question plan, credited to whoever asked.

-- When a series takes proposals: never, before a session goes live, while it is live, or both.
ALTER TABLE series ADD COLUMN audience_questions text NOT NULL DEFAULT 'off'
    CHECK (audience_questions IN ('off', 'before', 'during', 'both'));

CREATE TABLE proposals (
    id                    uuid PRIMARY KEY,
    session_id            uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    author_id             uuid NOT NULL REFERENCES users (id),
    text                  text NOT NULL,
    -- Hidden from other participants; moderators still see the author.
    anonymous             boolean NOT NULL DEFAULT false,
    status                text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'approved', 'rejected', 'merged')),
    -- Shown to the author only.
    reason                text NOT NULL DEFAULT '',
    -- A duplicate merged into another proposal: its votes moved there.
    merged_into           uuid REFERENCES proposals (id),
    -- The wording before a moderator edited it (the audit keeps it too).
    original_text         text,
    votes                 integer NOT NULL DEFAULT 0 CHECK (votes >= 0),
    answered_at           timestamptz,
    -- The plan entry it became.
    question_id           uuid REFERENCES questions (id) ON DELETE SET NULL,
    decided_by            uuid REFERENCES users (id),
    decided_at            timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposals_by_session ON proposals (session_id, status, votes DESC);

CREATE TABLE proposal_votes (
    proposal_id  uuid NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, user_id)
);

-- Who a promoted question is credited to, as shown: "@ann", or "a participant" when anonymous.
ALTER TABLE questions ADD COLUMN credit text;
ALTER TABLE messages ADD COLUMN credit text;
