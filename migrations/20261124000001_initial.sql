-- The foundation schema: people, chat series, their sessions and each session's ordered stream.
-- Every stream entry (message or event) takes the next number of sessions.last_seq, so a
-- session's stream has one total order across both tables and across server instances.

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    handle          text NOT NULL,
    -- Lower-cased handle without '@': handles are unique ignoring case.
    handle_key      text NOT NULL CONSTRAINT users_handle_key_unique UNIQUE,
    display_name    text NOT NULL,
    bio             text NOT NULL DEFAULT '',
    password_hash   text,
    is_admin        boolean NOT NULL DEFAULT false,
    deactivated_at  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Login sessions (cookies) and personal API tokens. Only a SHA-256 of the secret is stored.
CREATE TABLE auth_tokens (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash   bytea NOT NULL CONSTRAINT auth_tokens_secret_unique UNIQUE,
    kind          text NOT NULL CHECK (kind IN ('login', 'api')),
    name          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    expires_at    timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

CREATE TABLE series (
    id                        uuid PRIMARY KEY,
    hashtag                   text NOT NULL,
    -- Lower-cased hashtag without '#': a hashtag belongs to one series, ignoring case.
    hashtag_key               text NOT NULL CONSTRAINT series_hashtag_unique UNIQUE,
    title                     text NOT NULL,
    description               text NOT NULL DEFAULT '',
    time_zone                 text NOT NULL DEFAULT 'UTC',
    default_duration_minutes  integer NOT NULL DEFAULT 60 CHECK (default_duration_minutes BETWEEN 5 AND 1440),
    owner_id                  uuid NOT NULL REFERENCES users (id),
    allow_viewers             boolean NOT NULL DEFAULT true,
    created_at                timestamptz NOT NULL DEFAULT now()
);

-- People who run a series with the owner.
CREATE TABLE series_members (
    series_id   uuid NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('host', 'moderator')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (series_id, user_id)
);

CREATE TABLE sessions (
    id                   uuid PRIMARY KEY,
    series_id            uuid NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    title                text NOT NULL,
    starts_at            timestamptz NOT NULL,
    ends_at              timestamptz NOT NULL,
    status               text NOT NULL DEFAULT 'scheduled'
                         CHECK (status IN ('scheduled', 'lobby', 'live', 'closed', 'archived', 'cancelled')),
    lobby_lead_seconds   integer NOT NULL DEFAULT 900 CHECK (lobby_lead_seconds >= 0),
    archive_grace_seconds integer NOT NULL DEFAULT 900 CHECK (archive_grace_seconds >= 0),
    -- When the scheduler next has something to do for this session (NULL: nothing, ever).
    next_due_at          timestamptz,
    lobby_opened_at      timestamptz,
    started_at           timestamptz,
    closed_at            timestamptz,
    archived_at          timestamptz,
    cancelled_at         timestamptz,
    last_seq             bigint NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sessions_end_after_start CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_series_starts ON sessions (series_id, starts_at);
CREATE INDEX sessions_next_due ON sessions (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX sessions_status_starts ON sessions (status, starts_at);

CREATE TABLE messages (
    id                  uuid PRIMARY KEY,
    session_id          uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq                 bigint NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('post', 'question', 'notice')),
    author_id           uuid REFERENCES users (id),
    -- The poster's own id for this post: a retry with the same id is the same post.
    client_id           text,
    text                text NOT NULL,
    reply_to            uuid REFERENCES messages (id),
    quote_of            uuid REFERENCES messages (id),
    question_number     integer,
    answers_question    integer,
    answers_unreleased  boolean NOT NULL DEFAULT false,
    hashtags            text[] NOT NULL DEFAULT '{}',
    mentions            text[] NOT NULL DEFAULT '{}',
    likes               integer NOT NULL DEFAULT 0,
    hidden_at           timestamptz,
    pinned_at           timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_session_seq_unique UNIQUE (session_id, seq),
    CONSTRAINT messages_client_id_unique UNIQUE (session_id, author_id, client_id)
);

-- Stream entries that are not messages: state changes, likes, hides, pins.
CREATE TABLE session_events (
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('session_state', 'liked', 'hidden', 'unhidden', 'pinned', 'unpinned')),
    message_id  uuid REFERENCES messages (id),
    payload     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, seq)
);

CREATE TABLE likes (
    message_id  uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id)
);
