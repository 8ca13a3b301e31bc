import type { PoolClient } from 'pg';
import type { NotificationChange, NotificationFacts, NotificationKind } from '@vigil/schema';
import type { ActionFields } from './incident-inputs';
import { toNotificationRecord, type IncidentRow, type NotificationRow } from './incident-rows';
import type { NotificationRecord } from './notification-store';

/**
 * The facts of a change to `row` (the incident as the change left it): who, when, and what they gave. Only
 * fields that were given are kept, so a reply never invents a reason nobody typed.
 */
export function changeFacts(
  row: IncidentRow,
  change: NotificationChange,
  actor: string,
  at: Date | string,
  given: ActionFields & { downtimeSeconds?: number | null; historical?: boolean; eventsAdded?: number } = {},
): NotificationFacts {
  const facts: NotificationFacts = {
    change,
    actor,
    at: typeof at === 'string' ? at : at.toISOString(),
    status: row.status,
    detectionCount: row.detection_count,
    lastSeenAt: row.last_seen_at.toISOString(),
    eventCount: Number(row.event_count),
    ...(row.last_event_at ? { lastEventAt: row.last_event_at.toISOString() } : {}),
  };
  for (const field of ['text', 'reason', 'rootCause', 'remediation', 'postmortemUrl'] as const) {
    const value = given[field];
    if (value !== undefined && value !== '') facts[field] = value;
  }
  if (given.downtimeSeconds !== undefined) facts.downtimeSeconds = given.downtimeSeconds;
  if (given.eventsAdded !== undefined) facts.eventsAdded = given.eventsAdded;
  if (given.historical) facts.historical = true;
  return facts;
}

/**
 * Writes a pending notification to the outbox inside the caller's transaction, which must hold the
 * incident's row lock (or have just created the row) so the per-kind count cannot move underneath it.
 */
export async function addNotification(
  client: PoolClient,
  incidentId: string,
  kind: NotificationKind,
  /** The detection that caused it; null for a person's action. */
  detectionId: string | null,
  trace: Record<string, string>,
  now: Date,
  /** What changed, who changed it and when: the notification tells this, whenever it is delivered. */
  facts: NotificationFacts,
): Promise<NotificationRecord> {
  // No ':' in the id: BullMQ takes it as the job id and is moving to refuse ids containing ':'.
  const counted = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notifications WHERE incident_id = $1 AND kind = $2',
    [incidentId, kind],
  );
  const n = (counted.rows[0]?.n ?? 0) + 1;
  const inserted = await client.query<NotificationRow>(
    `INSERT INTO notifications (id, incident_id, kind, detection_id, status, trace, created_at, facts)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7) RETURNING *`,
    [
      `${incidentId}.${kind}.${n}`,
      incidentId,
      kind,
      detectionId,
      JSON.stringify(trace),
      now,
      JSON.stringify(facts),
    ],
  );
  return toNotificationRecord(firstRow(inserted.rows));
}

export function firstRow<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('expected a row back from the database');
  return row;
}

/**
 * A burst's later events do not each add a thread reply: while an update with event counts waits to be
 * delivered, it takes the newer facts (and the events added, summed) instead. Returns whether one did.
 */
export async function mergeIntoPendingUpdate(
  client: PoolClient,
  incidentId: string,
  facts: NotificationFacts,
): Promise<boolean> {
  const merged = await client.query(
    `UPDATE notifications SET facts = $2::jsonb
       || jsonb_build_object('eventsAdded', coalesce((facts->>'eventsAdded')::bigint, 0) + $3)
     WHERE id = (SELECT id FROM notifications WHERE incident_id = $1 AND kind = 'updated' AND status = 'pending'
                   AND attempts = 0 AND facts ? 'eventsAdded' ORDER BY position DESC LIMIT 1)`,
    [incidentId, JSON.stringify(facts), facts.eventsAdded ?? 0],
  );
  return (merged.rowCount ?? 0) > 0;
}
