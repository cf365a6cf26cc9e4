-- Who is connected to each room on each instance, not only how many: a person connected to two
-- instances (two tabs behind a load balancer) is one participant, as on a single instance.
ALTER TABLE room_presence ADD COLUMN participant_ids uuid[] NOT NULL DEFAULT '{}';
