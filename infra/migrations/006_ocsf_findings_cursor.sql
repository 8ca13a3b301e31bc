-- How far the OCSF findings publisher got through the timeline: it publishes the findings of every entry after
-- last_entry_id, then moves it. Mutable by design; it records delivery progress, not register history.
CREATE TABLE ocsf_findings_cursor (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_entry_id bigint NOT NULL CHECK (last_entry_id >= 0)
);
INSERT INTO ocsf_findings_cursor (singleton, last_entry_id) VALUES (true, 0);
