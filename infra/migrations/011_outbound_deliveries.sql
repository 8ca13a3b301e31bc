-- Findings out to webhooks and PagerDuty: one row per (incident change, destination), written from the timeline
-- in chain order, delivered at least once with retries, and a dead state an operator can see (and re-queue).

-- How far the fan-out got through the timeline. Mutable: it records delivery progress, not register history.
CREATE TABLE outbound_cursor (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_entry_id bigint NOT NULL CHECK (last_entry_id >= 0)
);
-- Starts at the head: a new destination gets the changes from now on, not the register's whole history.
INSERT INTO outbound_cursor (singleton, last_entry_id)
  SELECT true, last_entry_id FROM timeline_chain_head WHERE singleton;

CREATE TABLE outbound_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('webhook', 'pagerduty')),
  -- The destination's name in the owners file (`webhook:<name>`, `pagerduty:<team>`); its URL and secret stay
  -- in configuration, never in the database.
  target text NOT NULL,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  timeline_entry_id bigint NOT NULL,
  -- Stable across retries: the receiver's idempotency key (`webhook-id`).
  message_id text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz(3) NOT NULL,
  last_error text,
  created_at timestamptz(3) NOT NULL,
  sent_at timestamptz(3),
  UNIQUE (channel, target, timeline_entry_id),
  CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX outbound_deliveries_due ON outbound_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbound_deliveries_order ON outbound_deliveries (target, incident_id, id) WHERE status = 'pending';
