-- The incident lifecycle: closing and dismissing, response targets, reopening and recurrence, and the
-- post-incident record (root cause, remediation, postmortem, follow-ups) an auditor samples for CC7.4-CC7.5.

ALTER TABLE incidents
  ADD COLUMN closed_at timestamptz(3),
  ADD COLUMN closed_by text,
  -- A dismissal is a disposition too (CC7.3): who reviewed the detection, when, and why it was no incident.
  ADD COLUMN dismissed_at timestamptz(3),
  ADD COLUMN dismissed_by text,
  ADD COLUMN dismissal_reason text,
  -- Response targets of the incident's severity, fixed when it opens (and tightened if its severity rises),
  -- so a later change to the targets never rewrites what an incident was measured against.
  ADD COLUMN ack_due_at timestamptz(3),
  ADD COLUMN resolve_due_at timestamptz(3),
  -- The previous incident for the same dedup key, when this one opened after that one was over.
  ADD COLUMN recurrence_of uuid REFERENCES incidents (id),
  ADD COLUMN reopen_count integer NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
  ADD COLUMN root_cause text,
  ADD COLUMN remediation text,
  ADD COLUMN postmortem_url text,
  ADD COLUMN follow_ups jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(follow_ups) = 'array'),
  ADD COLUMN affected_systems text[] NOT NULL DEFAULT '{}',
  -- Whether the incident may need describing in the system description (DC 4: significant incidents).
  ADD COLUMN dc4_candidate boolean NOT NULL DEFAULT false,
  ADD CHECK ((closed_at IS NULL) = (closed_by IS NULL)),
  ADD CHECK ((dismissed_at IS NULL) = (dismissed_by IS NULL)),
  ADD CHECK ((dismissed_at IS NULL) = (dismissal_reason IS NULL)),
  ADD CHECK (status <> 'closed' OR closed_at IS NOT NULL),
  ADD CHECK (status <> 'dismissed' OR dismissed_at IS NOT NULL),
  ADD CHECK (recurrence_of IS DISTINCT FROM id);

-- Incidents opened before this migration get the default targets of the time (SEV1 15 m / 4 h, SEV2 30 m /
-- 24 h, SEV3 4 h / 3 d, SEV4 24 h / 7 d), so the response timers have a deadline for every incident.
UPDATE incidents SET
  ack_due_at = detected_at + CASE severity
    WHEN 'SEV1' THEN interval '15 minutes' WHEN 'SEV2' THEN interval '30 minutes'
    WHEN 'SEV3' THEN interval '4 hours' ELSE interval '24 hours' END,
  resolve_due_at = detected_at + CASE severity
    WHEN 'SEV1' THEN interval '4 hours' WHEN 'SEV2' THEN interval '24 hours'
    WHEN 'SEV3' THEN interval '3 days' ELSE interval '7 days' END;
ALTER TABLE incidents ALTER COLUMN ack_due_at SET NOT NULL, ALTER COLUMN resolve_due_at SET NOT NULL;

-- A detection may now bring a resolved incident back; the register of applied detections says so.
ALTER TABLE applied_detections DROP CONSTRAINT applied_detections_outcome_check,
  ADD CONSTRAINT applied_detections_outcome_check
    CHECK (outcome IN ('opened', 'updated', 'reopened', 'resolved', 'ignored'));

-- A detection looks up the latest incident for its dedup key, whatever its state, to update, reopen it or
-- mark the next one as its recurrence.
CREATE INDEX incidents_dedup_key_latest ON incidents (dedup_key, seq DESC);
-- What the response timers scan: live incidents by deadline.
CREATE INDEX incidents_ack_due ON incidents (ack_due_at) WHERE acknowledged_at IS NULL
  AND status IN ('open', 'acknowledged', 'contained');
CREATE INDEX incidents_resolve_due ON incidents (resolve_due_at) WHERE status IN ('open', 'acknowledged', 'contained');

-- Actions taken with an idempotency key (a Slack action id, an HTTP Idempotency-Key): the key's first use
-- is applied, every later use hands back what the first one returned and changes nothing.
CREATE TABLE incident_action_keys (
  idempotency_key text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 600),
  incident_id uuid NOT NULL REFERENCES incidents (id),
  action text NOT NULL,
  actor text NOT NULL,
  -- sha256 of the request (incident, action, actor, fields): a key reused for another request is refused.
  fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  -- The incident as the first use returned it.
  result jsonb NOT NULL,
  notification_ids text[] NOT NULL,
  applied_at timestamptz(3) NOT NULL
);
CREATE INDEX incident_action_keys_incident ON incident_action_keys (incident_id);

CREATE TRIGGER incident_action_keys_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_action_keys
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();
