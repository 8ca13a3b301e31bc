import type { Pool } from 'pg';
import { IncidentNotFoundError } from '../incident-errors';
import { inTransaction } from '../pg-transaction';
import { appendTimeline } from '../timeline-writer';
import { vendorOfEvent, type VendorDefinition, type VendorsConfig } from './vendors-file';

/** A vendor told of an incident: who told them, when, and their reference (ticket, case number). */
export interface VendorNotification {
  incidentId: string;
  vendor: string;
  notifiedAt: string;
  notifiedBy: string;
  reference: string | null;
  recordedBy: string;
  recordedAt: string;
}

export interface VendorNotificationInput {
  vendor: string;
  /** When they were told; the recording time when not given. */
  notifiedAt?: string;
  /** Who told them (a person); the recording actor when not given. */
  notifiedBy?: string;
  reference?: string;
}

/** What an incident owes a vendor: the notification due by `dueAt`, and whether it was made. */
export interface VendorDuty {
  vendor: string;
  vendorName: string;
  dueAt: string;
  contact: string | null;
  notification: VendorNotification | null;
}

interface NotificationRow {
  incident_id: string;
  vendor: string;
  notified_at: Date;
  notified_by: string;
  reference: string | null;
  recorded_by: string;
  recorded_at: Date;
}

function toNotification(row: NotificationRow): VendorNotification {
  return {
    incidentId: row.incident_id,
    vendor: row.vendor,
    notifiedAt: row.notified_at.toISOString(),
    notifiedBy: row.notified_by,
    reference: row.reference,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at.toISOString(),
  };
}

/**
 * Records that the vendor was told, once per incident and vendor: the first record stands (a second click
 * or a retried request returns it, `created: false`), and it is a `vendor-notified` timeline entry.
 */
export async function recordVendorNotification(
  pool: Pool,
  incidentId: string,
  input: VendorNotificationInput,
  actor: string,
  now: Date,
): Promise<{ notification: VendorNotification; created: boolean }> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [incidentId]);
    if (rows.length === 0) throw new IncidentNotFoundError(incidentId);
    const existing = await client.query<NotificationRow>('SELECT * FROM incident_vendor_notifications WHERE incident_id = $1 AND vendor = $2', [incidentId, input.vendor]);
    if (existing.rows[0]) return { notification: toNotification(existing.rows[0]), created: false };
    const notifiedAt = input.notifiedAt ?? now.toISOString();
    const inserted = await client.query<NotificationRow>(
      `INSERT INTO incident_vendor_notifications (incident_id, vendor, notified_at, notified_by, reference, recorded_by, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [incidentId, input.vendor, notifiedAt, input.notifiedBy ?? actor, input.reference ?? null, actor, now.toISOString()],
    );
    const notification = toNotification(inserted.rows[0] as NotificationRow);
    await appendTimeline(
      client,
      [
        {
          incidentId,
          kind: 'vendor-notified',
          actor,
          data: { vendor: notification.vendor, notifiedAt: notification.notifiedAt, notifiedBy: notification.notifiedBy, reference: notification.reference },
        },
      ],
      now,
    );
    return { notification, created: true };
  });
}

export async function vendorNotificationsOf(pool: Pool, incidentIds: readonly string[]): Promise<VendorNotification[]> {
  if (incidentIds.length === 0) return [];
  const { rows } = await pool.query<NotificationRow>('SELECT * FROM incident_vendor_notifications WHERE incident_id = ANY($1::uuid[]) ORDER BY notified_at', [incidentIds]);
  return rows.map(toNotification);
}

/** Each incident's vendors: those whose sources gave any of its evidence. */
export async function vendorsOfIncidents(pool: Pool, config: VendorsConfig, incidentIds: readonly string[]): Promise<Map<string, VendorDefinition[]>> {
  const byIncident = new Map<string, VendorDefinition[]>();
  if (incidentIds.length === 0 || config.vendors.length === 0) return byIncident;
  const { rows } = await pool.query<{ incident_id: string; event_id: string }>('SELECT incident_id, event_id FROM incident_evidence WHERE incident_id = ANY($1::uuid[])', [incidentIds]);
  for (const row of rows) {
    const vendor = vendorOfEvent(config, row.event_id);
    if (!vendor) continue;
    const list = byIncident.get(row.incident_id) ?? [];
    if (!list.includes(vendor)) list.push(vendor);
    byIncident.set(row.incident_id, list);
  }
  return byIncident;
}

/** The vendor notification an incident owes, if any: one of the vendor's notify rules, evidence from its sources. */
export async function vendorDutyOf(
  pool: Pool,
  config: VendorsConfig,
  incident: { id: string; ruleId: string; detectedAt: string },
): Promise<VendorDuty | null> {
  const candidates = config.vendors.filter((v) => v.notify?.rules.includes(incident.ruleId));
  if (candidates.length === 0) return null;
  const vendors = (await vendorsOfIncidents(pool, { vendors: candidates }, [incident.id])).get(incident.id) ?? [];
  const vendor = vendors[0];
  if (!vendor?.notify) return null;
  const [notification] = (await vendorNotificationsOf(pool, [incident.id])).filter((n) => n.vendor === vendor.id);
  return {
    vendor: vendor.id,
    vendorName: vendor.name,
    dueAt: new Date(Date.parse(incident.detectedAt) + vendor.notify.withinMinutes * 60_000).toISOString(),
    contact: vendor.notify.contact ?? null,
    notification: notification ?? null,
  };
}
