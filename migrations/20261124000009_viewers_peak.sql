-- The most people connected to a session at once (participants and viewers, over all
-- instances), for the archive's figures. NULL: never recorded (an imported archive, say).
ALTER TABLE sessions ADD COLUMN viewers_peak integer CHECK (viewers_peak >= 0);
