-- Several tweetchat instances may share this database. Each one records that it is alive, and
-- the presence counts of its rooms, so that the others can sum them. Times are the database's
-- own clock (now()), so instances on machines with skewed clocks still agree on who is alive.

CREATE TABLE instances (
    id uuid PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    -- Refreshed every heartbeat interval; an instance is alive while this is recent.
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    -- Where the instance listens, for operators.
    address text NOT NULL
);

-- One row per instance and room with someone in it. Rows of an instance go with it: at its
-- graceful shutdown, or when another instance removes it long after its last heartbeat.
CREATE TABLE room_presence (
    instance_id uuid NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    participants integer NOT NULL CHECK (participants >= 0),
    viewers integer NOT NULL CHECK (viewers >= 0),
    PRIMARY KEY (instance_id, session_id)
);

CREATE INDEX room_presence_session ON room_presence (session_id);
