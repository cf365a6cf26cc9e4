-- Moderation: per-series rules, restrictions on people, the hold queue, reports, the
-- moderators' back channel, and an audit of every moderator action.

-- What a series holds for approval before it enters the stream, and how often people may post.
ALTER TABLE series
    ADD COLUMN hold_policy text NOT NULL DEFAULT 'off'
        CHECK (hold_policy IN ('off', 'all', 'first_time', 'links')),
    -- Posts containing any of these (case-insensitive) are held, whatever the policy.
    ADD COLUMN blocked_terms text[] NOT NULL DEFAULT '{}',
    -- At most one post per this many seconds per participant; 0: off. Hosts are exempt.
    ADD COLUMN slow_mode_seconds integer NOT NULL DEFAULT 0 CHECK (slow_mode_seconds BETWEEN 0 AND 3600);

-- Mutes (until a time) and bans (until lifted) of a person in a series.
CREATE TABLE restrictions (
    series_id   uuid NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('mute', 'ban')),
    -- NULL: until lifted.
    until       timestamptz,
    reason      text NOT NULL DEFAULT '',
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (series_id, user_id, kind)
);

-- Posts waiting for a moderator. They take no place in the stream until approved; the
-- (session, author, client id) triple stays unique across this table and messages, so a
-- retried post finds its held original.
CREATE TABLE held_posts (
    id                uuid PRIMARY KEY,
    session_id        uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    author_id         uuid NOT NULL REFERENCES users (id),
    client_id         text NOT NULL,
    text              text NOT NULL,
    reply_to          uuid REFERENCES messages (id),
    quote_of          uuid REFERENCES messages (id),
    answers_question  integer,
    hashtags          text[] NOT NULL DEFAULT '{}',
    mentions          text[] NOT NULL DEFAULT '{}',
    -- Why it was held: 'all', 'first_time', 'links' or 'blocked_term'.
    held_because      text NOT NULL,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by        uuid REFERENCES users (id),
    decided_at        timestamptz,
    reason            text NOT NULL DEFAULT '',
    -- The stream message it became when approved.
    message_id        uuid REFERENCES messages (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT held_posts_client_id_unique UNIQUE (session_id, author_id, client_id)
);
CREATE INDEX held_posts_pending ON held_posts (session_id, created_at) WHERE status = 'pending';

-- Participants flag messages for the moderators.
CREATE TABLE reports (
    id           uuid PRIMARY KEY,
    session_id   uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    message_id   uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    reporter_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason       text NOT NULL DEFAULT '',
    resolved_by  uuid REFERENCES users (id),
    resolved_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reports_once_per_reporter UNIQUE (message_id, reporter_id)
);
CREATE INDEX reports_open ON reports (session_id, created_at) WHERE resolved_at IS NULL;

-- The moderators' back channel: never public, never in transcripts or exports.
CREATE TABLE backchannel_messages (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES users (id),
    text        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX backchannel_by_session ON backchannel_messages (session_id, created_at);

-- Who did what, when and why. Written in the same transaction as the action itself.
CREATE TABLE moderation_log (
    id              uuid PRIMARY KEY,
    series_id       uuid NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    session_id      uuid REFERENCES sessions (id) ON DELETE CASCADE,
    actor_id        uuid NOT NULL REFERENCES users (id),
    action          text NOT NULL,
    message_id      uuid REFERENCES messages (id) ON DELETE SET NULL,
    target_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    reason          text NOT NULL DEFAULT '',
    details         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_log_series ON moderation_log (series_id, created_at DESC);

-- Which connection credential a login belongs to is already in auth_tokens; API tokens also
-- carry scopes: 'read' (read paths only) and 'post' (take part in chats).
ALTER TABLE auth_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{read,post}';
