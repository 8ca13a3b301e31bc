-- The incident register: what an auditor samples as the population for a SOC 2 Type 2 period.
-- Later migrations add ownership, disposition, root cause and exports; the columns for acknowledgement
-- and containment exist from the start so that Slack and API actions only ever fill them in.

-- Refuses a change on tables the register only ever appends to. Statement-level, so even an UPDATE or
-- DELETE that matches no row is refused: a tamper attempt fails loudly instead of quietly doing nothing.
CREATE FUNCTION vigil_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % is not allowed: the incident register is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Record a correction as a new timeline entry instead.';
END;
$$;

-- One row holding the last register number. Taking it with UPDATE in the incident's own transaction makes
-- numbers gap-free: a rolled-back insert rolls the counter back too (a SEQUENCE would leave a hole).
CREATE TABLE incident_counter (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_seq bigint NOT NULL CHECK (last_seq >= 0)
);
INSERT INTO incident_counter (singleton, last_seq) VALUES (true, 0);

CREATE TABLE incidents (
  id uuid PRIMARY KEY,
  seq bigint NOT NULL UNIQUE CHECK (seq > 0),
  rule_id text NOT NULL,
  rule_version integer NOT NULL CHECK (rule_version > 0),
  title text NOT NULL,
  summary text NOT NULL,
  criteria text[] NOT NULL CHECK (cardinality(criteria) > 0),
  category text NOT NULL CHECK (category IN ('security', 'availability', 'logging')),
  severity text NOT NULL CHECK (severity IN ('SEV1', 'SEV2', 'SEV3', 'SEV4')),
  status text NOT NULL CHECK (status IN ('open', 'acknowledged', 'contained', 'resolved', 'closed', 'dismissed')),
  dedup_key text NOT NULL,
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  owner_key text NOT NULL,
  first_event_at timestamptz(3) NOT NULL,
  detected_at timestamptz(3) NOT NULL,
  last_seen_at timestamptz(3) NOT NULL,
  detection_count integer NOT NULL CHECK (detection_count > 0),
  acknowledged_at timestamptz(3),
  acknowledged_by text,
  contained_at timestamptz(3),
  contained_by text,
  resolved_at timestamptz(3),
  resolved_by text,
  downtime_seconds double precision CHECK (downtime_seconds >= 0),
  slack_channel text,
  slack_ts text,
  created_at timestamptz(3) NOT NULL,
  CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
  CHECK ((contained_at IS NULL) = (contained_by IS NULL)),
  CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
  CHECK ((slack_channel IS NULL) = (slack_ts IS NULL)),
  CHECK (status NOT IN ('resolved', 'closed') OR resolved_at IS NOT NULL)
);

-- A redelivered or concurrent detection can never open a second live incident for the same thing.
CREATE UNIQUE INDEX incidents_one_active_per_dedup_key
  ON incidents (dedup_key) WHERE status IN ('open', 'acknowledged', 'contained');
-- Period queries: opened before the end and not resolved before the start.
CREATE INDEX incidents_detected_at ON incidents (detected_at);
CREATE INDEX incidents_resolved_at ON incidents (resolved_at);
CREATE INDEX incidents_criteria ON incidents USING gin (criteria);

CREATE TRIGGER incidents_no_delete BEFORE DELETE OR TRUNCATE ON incidents
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();

-- The events behind an incident and where they sit in the stream, so an auditor can find them again.
CREATE TABLE incident_evidence (
  incident_id uuid NOT NULL REFERENCES incidents (id),
  event_id text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL CHECK (partition >= 0),
  stream_offset bigint NOT NULL CHECK (stream_offset >= 0),
  event_time timestamptz(3) NOT NULL,
  detection_id text NOT NULL,
  added_at timestamptz(3) NOT NULL,
  PRIMARY KEY (incident_id, event_id)
);

CREATE TRIGGER incident_evidence_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_evidence
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();

-- Every detection the register has taken in. Its primary key is what turns a redelivery into a no-op.
CREATE TABLE applied_detections (
  detection_id text PRIMARY KEY,
  incident_id uuid REFERENCES incidents (id),
  outcome text NOT NULL CHECK (outcome IN ('opened', 'updated', 'resolved', 'ignored')),
  rule_id text NOT NULL,
  dedup_key text NOT NULL,
  applied_at timestamptz(3) NOT NULL
);
CREATE INDEX applied_detections_incident ON applied_detections (incident_id);

CREATE TRIGGER applied_detections_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON applied_detections
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();

-- One hash chain across the whole register. The head row is locked by every append, which serialises
-- appends and numbers entries without gaps; it also lets a verifier notice entries cut off the end.
CREATE TABLE timeline_chain_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_entry_id bigint NOT NULL CHECK (last_entry_id >= 0),
  head_hash text NOT NULL CHECK (head_hash ~ '^[0-9a-f]{64}$')
);
INSERT INTO timeline_chain_head (singleton, last_entry_id, head_hash) VALUES (true, 0, repeat('0', 64));

CREATE TABLE incident_timeline (
  id bigint PRIMARY KEY CHECK (id > 0),
  incident_id uuid NOT NULL REFERENCES incidents (id),
  kind text NOT NULL,
  actor text NOT NULL,
  -- Millisecond precision, so the value read back is exactly the one that was hashed.
  at timestamptz(3) NOT NULL,
  data jsonb NOT NULL,
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);

CREATE TRIGGER incident_timeline_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_timeline
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();

-- The outbox: written in the same transaction as the incident change, so a crash before the queue job
-- exists loses nothing; a sweeper re-enqueues what is still pending.
CREATE TABLE notifications (
  id text PRIMARY KEY,
  -- Creation order, exact even within one millisecond; gaps are harmless here.
  position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  kind text NOT NULL,
  -- The detection that caused it, so a redelivered detection can find its pending notifications.
  detection_id text,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error text,
  -- W3C trace context of the cause, carried into the job when the notification is (re-)enqueued.
  trace jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz(3) NOT NULL,
  sent_at timestamptz(3),
  CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX notifications_pending ON notifications (created_at, position) WHERE status = 'pending';
CREATE INDEX notifications_incident ON notifications (incident_id, kind);
CREATE INDEX notifications_detection ON notifications (detection_id) WHERE detection_id IS NOT NULL;

-- Every message Vigil put in Slack (or in the log when Slack is not configured), with its channel and ts.
CREATE TABLE incident_communications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents (id),
  notification_id text REFERENCES notifications (id),
  method text NOT NULL CHECK (method IN ('chat.postMessage', 'chat.update', 'log')),
  channel text NOT NULL,
  ts text NOT NULL,
  thread_ts text,
  text text NOT NULL,
  at timestamptz(3) NOT NULL
);
CREATE INDEX incident_communications_incident ON incident_communications (incident_id, id);

CREATE TRIGGER incident_communications_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_communications
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();
