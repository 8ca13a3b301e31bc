import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { canonicalJson } from './canonical-json';
import { IdempotencyKeyReusedError } from './incident-errors';
import type { IncidentRecord, TransitionResult } from './incident-types';
import { toNotificationRecord, type NotificationRow } from './incident-rows';

/** Everything that makes two requests the same request; the key itself is what names it. */
export interface ActionRequest {
  incidentId: string;
  action: string;
  actor: string;
  fields: unknown;
}

export const ACTION_KEY_CONSTRAINT = 'incident_action_keys_pkey';

export function fingerprint(request: ActionRequest): string {
  return createHash('sha256').update(canonicalJson(request), 'utf8').digest('hex');
}

/**
 * Inside the caller's transaction, after the incident's row lock is taken: a second use of a key waits for
 * the first to commit and then finds it here. Returns the first use's result, or null for a fresh key.
 */
export async function replayActionKey(
  client: PoolClient,
  key: string,
  request: ActionRequest,
): Promise<TransitionResult | null> {
  const { rows } = await client.query<{
    fingerprint: string;
    result: IncidentRecord;
    notification_ids: string[];
  }>('SELECT fingerprint, result, notification_ids FROM incident_action_keys WHERE idempotency_key = $1', [
    key,
  ]);
  const previous = rows[0];
  if (!previous) return null;
  if (previous.fingerprint !== fingerprint(request)) throw new IdempotencyKeyReusedError();
  // Like a redelivered detection: what the first use created and is still undelivered goes back to the caller.
  const pending = await client.query<NotificationRow>(
    `SELECT * FROM notifications WHERE id = ANY($1) AND status = 'pending' ORDER BY position`,
    [previous.notification_ids],
  );
  return { incident: previous.result, notifications: pending.rows.map(toNotificationRecord), replayed: true };
}

export async function recordActionKey(
  client: PoolClient,
  key: string,
  request: ActionRequest,
  result: TransitionResult,
  now: Date,
): Promise<void> {
  await client.query(
    `INSERT INTO incident_action_keys (idempotency_key, incident_id, action, actor, fingerprint, result,
       notification_ids, applied_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      key,
      request.incidentId,
      request.action,
      request.actor,
      fingerprint(request),
      JSON.stringify(result.incident),
      result.notifications.map((notification) => notification.id),
      now,
    ],
  );
}
