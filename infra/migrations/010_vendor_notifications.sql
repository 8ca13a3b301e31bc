-- When the vendor whose account an incident involves was told of it (a CUEC such as Cloudflare's "notify
-- Cloudflare promptly of any actual or suspected unauthorized use"): who told them, when, and their ticket.
-- One row per incident and vendor, the first notification recorded; it is also a `vendor-notified` timeline
-- entry, so the hash chain vouches for it.
CREATE TABLE incident_vendor_notifications (
  incident_id uuid NOT NULL REFERENCES incidents (id),
  vendor text NOT NULL CHECK (vendor ~ '^[a-z][a-z0-9_-]{0,63}$'),
  notified_at timestamptz(3) NOT NULL,
  notified_by text NOT NULL,
  reference text,
  recorded_by text NOT NULL,
  recorded_at timestamptz(3) NOT NULL,
  PRIMARY KEY (incident_id, vendor)
);
CREATE INDEX incident_vendor_notifications_notified_at ON incident_vendor_notifications (notified_at);
