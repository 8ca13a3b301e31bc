-- The events behind each incident, whole (the normalised event with its raw source payload), so the evidence
-- outlives the stream's retention: a SOC 2 Type 2 period runs 3 to 12 months, the events topic keeps days.
-- Each kept payload's SHA-256 is also written into the timeline entry that kept it (`data.evidenceKept`), so
-- the hash chain and the checkpoints' Merkle tree vouch for it.

CREATE TABLE evidence_payloads (
  incident_id uuid NOT NULL REFERENCES incidents (id),
  event_id text NOT NULL,
  event_time timestamptz(3) NOT NULL,
  -- The normalised event, its raw source payload in `raw` (a prefix of its JSON text when raw_capped is set).
  event jsonb NOT NULL,
  raw_capped jsonb,
  -- SHA-256 (hex) of the RFC 8785 canonical JSON of `event`.
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  bytes integer NOT NULL CHECK (bytes >= 0),
  detection_id text NOT NULL,
  kept_at timestamptz(3) NOT NULL,
  PRIMARY KEY (incident_id, event_id)
);
CREATE INDEX evidence_payloads_kept_at ON evidence_payloads (kept_at);

-- Every payload removed, with why: a purge is on record, never a gap. Written in the same transaction as the
-- delete and as an `evidence-purged` (retention) or `evidenceDropped` (per-incident cap) timeline record.
CREATE TABLE evidence_purges (
  incident_id uuid NOT NULL REFERENCES incidents (id),
  event_id text NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  policy text NOT NULL CHECK (policy IN ('retention', 'per-incident-cap')),
  -- The policy's setting at the time, in words (e.g. `kept 400 days after it was taken in`).
  detail text NOT NULL,
  purged_at timestamptz(3) NOT NULL,
  PRIMARY KEY (incident_id, event_id)
);

CREATE TRIGGER evidence_purges_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON evidence_purges
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();
CREATE TRIGGER evidence_payloads_no_update BEFORE UPDATE OR TRUNCATE ON evidence_payloads
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();

-- A payload may only be deleted once its purge is on record.
CREATE FUNCTION vigil_evidence_purge_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM evidence_purges p WHERE p.incident_id = OLD.incident_id AND p.event_id = OLD.event_id) THEN
    RAISE EXCEPTION 'DELETE on evidence_payloads is allowed only for a purge on record (evidence_purges)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN OLD;
END;
$$;
CREATE TRIGGER evidence_payloads_purge_only BEFORE DELETE ON evidence_payloads
  FOR EACH ROW EXECUTE FUNCTION vigil_evidence_purge_recorded();
