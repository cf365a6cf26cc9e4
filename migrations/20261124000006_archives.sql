-- Archives: figures frozen when a session is archived, an audit of moderation after that, and
-- the indexes that archive listings and full-text search read.

-- Computed once, in the transaction that archives the session (storage::archive::freeze_in).
CREATE TABLE archive_figures (
    session_id   uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    -- tweetchat_domain::archive::Figures as JSON; its "version" says how it was counted.
    figures      jsonb NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now()
);

-- Hiding or unhiding a message of an archived session after the fact: recorded here, whoever
-- does it and through whatever code path.
CREATE TABLE archive_moderation_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    message_id  uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    action      text NOT NULL CHECK (action IN ('hidden', 'unhidden')),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX archive_moderation_log_session ON archive_moderation_log (session_id, at);

-- A hide changes what the figures count. The frozen figures are dropped in the same
-- transaction and recomputed by the next reader (storage::archive::figures), so the counting
-- lives in one place (Rust) and no code path that hides can forget it.
CREATE FUNCTION messages_hidden_after_archive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM sessions WHERE id = NEW.session_id AND status = 'archived') THEN
        INSERT INTO archive_moderation_log (session_id, message_id, action)
        VALUES (NEW.session_id, NEW.id, CASE WHEN NEW.hidden_at IS NULL THEN 'unhidden' ELSE 'hidden' END);
        DELETE FROM archive_figures WHERE session_id = NEW.session_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_hidden_after_archive AFTER UPDATE OF hidden_at ON messages
    FOR EACH ROW WHEN (OLD.hidden_at IS DISTINCT FROM NEW.hidden_at)
    EXECUTE FUNCTION messages_hidden_after_archive();

-- Site-wide archive listings, newest first.
CREATE INDEX sessions_archived_starts ON sessions (starts_at DESC, id DESC) WHERE status = 'archived';

-- Full-text search over visible messages (storage::archive::search). The vector is stored, not
-- only indexed: ranking a common word's matches recomputed to_tsvector for each of them (1.5 s
-- for 96,000 matches in the archive benchmark). Adding it rewrites `messages` once.
ALTER TABLE messages ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED;
CREATE INDEX messages_search ON messages USING gin (search_vector) WHERE hidden_at IS NULL;
