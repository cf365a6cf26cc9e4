-- The group commit looks up released question numbers on every batch; without this it
-- scanned the session's messages, a millisecond per batch in a busy chat.
CREATE INDEX messages_questions ON messages (session_id, question_number) WHERE kind = 'question';
