-- Per Slack step of a notification ('post', 'reply'): the Slack ts before which an attempt that called Slack
-- for it cannot have posted, written before the call and removed when Slack answered with an error. A retry
-- that finds it and no recorded message looks in Slack's history for the notification's marker before
-- posting. In the register rather than in Redis so that a Redis lost between a post and its record does not
-- make the post happen twice.
ALTER TABLE notifications ADD COLUMN slack_attempts jsonb NOT NULL DEFAULT '{}'::jsonb;
