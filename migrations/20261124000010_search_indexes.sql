-- Search finds the newest matches first (and a relevance search ranks only the newest 1,000):
-- walking `created_at` backwards stops after a few hundred rows even for a word in a tenth of
-- all messages, where reading every match took a second. Author filters (search, and a
-- person's own messages) read one person's rows instead of every match.
CREATE INDEX messages_created_at ON messages (created_at);
CREATE INDEX messages_author ON messages (author_id, created_at);
