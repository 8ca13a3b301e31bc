-- The facts of the change each notification announces (who, what, when, reason as given), fixed when the change
-- is committed, so Slack's thread tells the history as it happened even when delivery is late. NULL on
-- notifications written before this column existed: those are rendered from the incident as before.
ALTER TABLE notifications ADD COLUMN facts jsonb;
