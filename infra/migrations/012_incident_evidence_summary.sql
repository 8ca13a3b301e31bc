-- What an incident's evidence adds up to while it is open (issue 11, part 3): every event behind it counted
-- (a burst's later events included), its newest event time, the distinct source IPs and user agents (bounded),
-- and how long detection took. Each detection records the rule's parameters in force and the rules
-- configuration's hash, so an auditor can tell which version of a rule fired.

ALTER TABLE incidents
  -- Events behind the incident: for each burst the most its detections counted, plus the evidence of others.
  ADD COLUMN event_count bigint NOT NULL DEFAULT 0 CHECK (event_count >= 0),
  -- Event time of the newest event behind it (last_seen_at is when the register last took a detection in).
  ADD COLUMN last_event_at timestamptz(3),
  ADD COLUMN source_ips text[] NOT NULL DEFAULT '{}',
  ADD COLUMN user_agents text[] NOT NULL DEFAULT '{}',
  -- Burst id (its crossing event) -> the most events a detection of it counted; what makes counting idempotent.
  ADD COLUMN burst_events jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(burst_events) = 'object'),
  -- Opening detection's time minus its triggering event's time; null when the events came in as a backfill.
  ADD COLUMN time_to_detect_ms bigint CHECK (time_to_detect_ms >= 0),
  -- Opened by a detection made long after its events (a backfill, replay or a detector catching up).
  ADD COLUMN backfill boolean NOT NULL DEFAULT false;

-- Incidents from before: their evidence rows are what is known of their events.
UPDATE incidents i SET
  event_count = e.n,
  last_event_at = e.newest
FROM (SELECT incident_id, count(*) AS n, max(event_time) AS newest FROM incident_evidence GROUP BY incident_id) e
WHERE e.incident_id = i.id;

ALTER TABLE applied_detections
  -- The rule's parameters in force and the rules configuration's sha256 (absent from older detections).
  ADD COLUMN rule_config jsonb,
  ADD COLUMN time_to_detect_ms bigint,
  ADD COLUMN backfill boolean;
