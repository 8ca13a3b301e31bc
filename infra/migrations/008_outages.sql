-- Availability evidence, in event time: the outages the availability rules measured, and the time the
-- checks covered. These two tables, with the declared maintenance windows (004), are the only input to
-- the availability figures; the incident lifecycle (acknowledge, resolve, reopen) never changes them.

-- One row per transition a rule measured: `down` at the first failed check, `up` at the first good
-- check after it. Pairing them per service and rule in event-time order gives the outage intervals.
-- Keyed by the detection that carried it, so a redelivered or replayed detection records nothing new.
CREATE TABLE outage_transitions (
  detection_id text PRIMARY KEY,
  service text NOT NULL CHECK (length(service) BETWEEN 1 AND 512),
  -- The rule that measured it: outages from different rules of one service are paired separately.
  rule_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('down', 'up')),
  -- Event time: when the service went down (first failed check) or came back (first good check).
  at timestamptz(3) NOT NULL,
  -- How it was measured: consecutive-checks, regions, alerts.
  measured_by text NOT NULL,
  -- The events (checks, alerts) that showed it.
  evidence text[] NOT NULL,
  -- The incident the detection was applied to, when there was one.
  incident_id uuid REFERENCES incidents (id),
  -- Recorded long after it happened (a backfill, a replay, a detector catching up).
  historical boolean NOT NULL,
  recorded_at timestamptz(3) NOT NULL
);
CREATE INDEX outage_transitions_service_at ON outage_transitions (service, at);
CREATE INDEX outage_transitions_incident ON outage_transitions (incident_id) WHERE incident_id IS NOT NULL;

CREATE TRIGGER outage_transitions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON outage_transitions
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();

-- Time the service's checks covered: checks no more than the recorder's maximum gap apart make one
-- segment from the first to the last. Built from the events topic; a replay of the same checks changes
-- nothing (segments only merge), so it can be rebuilt at any time.
CREATE TABLE check_coverage (
  service text NOT NULL CHECK (length(service) BETWEEN 1 AND 512),
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3) NOT NULL,
  CHECK (ends_at >= starts_at),
  PRIMARY KEY (service, starts_at)
);
