-- Availability: declared maintenance windows, which take planned work out of the availability figures.
-- (003 is the auditor exports' migration.) A window excludes downtime from what a service is measured on,
-- so every declaration is kept as it was made, with who made it and when: append-only, like the timeline.

CREATE TABLE maintenance_windows (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The service's entity id, as the service-down rule and the services file name it.
  service text NOT NULL CHECK (length(service) BETWEEN 1 AND 200),
  starts_at timestamptz(3) NOT NULL,
  ends_at timestamptz(3) NOT NULL,
  reason text NOT NULL CHECK (length(btrim(reason)) > 0),
  -- `api:<token name>`.
  declared_by text NOT NULL CHECK (length(btrim(declared_by)) > 0),
  declared_at timestamptz(3) NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX maintenance_windows_service ON maintenance_windows (service, starts_at);

CREATE TRIGGER maintenance_windows_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON maintenance_windows
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();

-- Availability reads a service's outages by when they began.
CREATE INDEX incidents_service_down ON incidents (entity_id, first_event_at)
  WHERE rule_id = 'availability.service-down';
