import type { PoolClient } from 'pg';
import type { NotificationKind } from '@vigil/schema';
import { toNotificationRecord, type NotificationRow } from './incident-rows';
import type { NotificationRecord } from './notification-store';

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
): Promise<NotificationRecord> {
  // No ':' in the id: BullMQ takes it as the job id and is moving to refuse ids containing ':'.
  const counted = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notifications WHERE incident_id = $1 AND kind = $2',
    [incidentId, kind],
  );
  const n = (counted.rows[0]?.n ?? 0) + 1;
  const inserted = await client.query<NotificationRow>(
    `INSERT INTO notifications (id, incident_id, kind, detection_id, status, trace, created_at)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING *`,
    [`${incidentId}.${kind}.${n}`, incidentId, kind, detectionId, JSON.stringify(trace), now],
  );
  return toNotificationRecord(firstRow(inserted.rows));
}

export function firstRow<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('expected a row back from the database');
  return row;
}
