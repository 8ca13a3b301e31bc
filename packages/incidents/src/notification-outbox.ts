import type { Pool, PoolClient } from 'pg';
import type { DeliveredMessage, LoadedNotification, NotificationRecord } from './notification-store';
import {
  toIncidentRecord,
  toNotificationRecord,
  type IncidentRow,
  type NotificationRow,
} from './incident-rows';
import { appendTimeline, type TimelineAppend } from './timeline-writer';

/** Who the timeline names for what the notifier did. */
export const NOTIFIER_ACTOR = 'vigil:notifier';

export class UnknownNotificationError extends Error {
  override readonly name = 'UnknownNotificationError';
  constructor(readonly notificationId: string) {
    super(`no notification with id ${notificationId}`);
  }
}

export async function loadForDelivery(
  pool: Pool,
  notificationId: string,
): Promise<LoadedNotification | null> {
  const notifications = await pool.query<NotificationRow>('SELECT * FROM notifications WHERE id = $1', [
    notificationId,
  ]);
  const notification = notifications.rows[0];
  if (!notification) return null;
  // The earlier notifications are counted before the incident is read: one that was delivered meanwhile
  // (its message and its status commit together) is then both not counted and in the incident read after,
  // so a caller never sees "nothing earlier pending" beside an incident without its first message. In the
  // other order an update could post a second top-level message (seen when Redis lost the order index).
  const earlier = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM notifications
      WHERE incident_id = $1 AND status = 'pending' AND position < $2`,
    [notification.incident_id, notification.position],
  );
  // Read after the notification, so the incident is at least as new as the change that caused it.
  const incidents = await pool.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [
    notification.incident_id,
  ]);
  const incident = incidents.rows[0];
  if (!incident) return null;
  return {
    notification: toNotificationRecord(notification),
    incident: toIncidentRecord(incident),
    earlierPending: earlier.rows[0]?.n ?? 0,
  };
}

/** The first attempt's note for a Slack step is kept: the earliest time its post could have gone out. */
export async function recordSlackAttempt(
  pool: Pool,
  notificationId: string,
  step: string,
  oldestTs: string,
): Promise<void> {
  await pool.query(
    `UPDATE notifications SET slack_attempts = slack_attempts || jsonb_build_object($2::text, $3::text)
      WHERE id = $1 AND NOT slack_attempts ? $2`,
    [notificationId, step, oldestTs],
  );
}

export async function clearSlackAttempt(pool: Pool, notificationId: string, step: string): Promise<void> {
  await pool.query('UPDATE notifications SET slack_attempts = slack_attempts - $2::text WHERE id = $1', [
    notificationId,
    step,
  ]);
}

/**
 * Inside the caller's transaction. A notification already marked sent is left alone, which makes a retried
 * job that had in fact succeeded harmless. A dead one that turns out to have been delivered is recorded:
 * the communications must list every message that reached Slack.
 */
export async function recordDeliveryTx(
  client: PoolClient,
  notificationId: string,
  messages: DeliveredMessage[],
  now: Date,
): Promise<void> {
  const notification = await lockNotification(client, notificationId);
  if (notification.status === 'sent') return;

  // Lock order as everywhere else: incident row, then the chain head (inside appendTimeline).
  await client.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [notification.incident_id]);
  const entries: TimelineAppend[] = [];
  for (const message of messages) {
    await client.query(
      `INSERT INTO incident_communications (incident_id, notification_id, method, channel, ts, thread_ts, text, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        notification.incident_id,
        notificationId,
        message.method,
        message.channel,
        message.ts,
        message.threadTs ?? null,
        message.text,
        now,
      ],
    );
    // A reply in the thread is not the incident's message; only a top-level post becomes it.
    if (message.method === 'chat.postMessage' && !message.threadTs) {
      await client.query(
        `UPDATE incidents SET slack_channel = $2, slack_ts = $3 WHERE id = $1 AND slack_ts IS NULL`,
        [notification.incident_id, message.channel, message.ts],
      );
    }
    entries.push({
      incidentId: notification.incident_id,
      kind: 'notified',
      actor: NOTIFIER_ACTOR,
      data: {
        notificationId,
        notificationKind: notification.kind,
        method: message.method,
        channel: message.channel,
        ts: message.ts,
        threadTs: message.threadTs ?? null,
      },
    });
  }
  await appendTimeline(client, entries, now);
  await client.query(
    `UPDATE notifications SET status = 'sent', sent_at = $2, attempts = attempts + 1 WHERE id = $1`,
    [notificationId, now],
  );
}

/**
 * Inside the caller's transaction. A failure reported after the notification was sent is stale and
 * ignored. Giving up is written to the timeline, so the register shows that someone was not told.
 */
export async function recordFailureTx(
  client: PoolClient,
  notificationId: string,
  reason: string,
  final: boolean,
  now: Date,
): Promise<void> {
  const notification = await lockNotification(client, notificationId);
  if (notification.status !== 'pending') return;
  await client.query(
    `UPDATE notifications SET attempts = attempts + 1, last_error = $2, status = $3 WHERE id = $1`,
    [notificationId, reason, final ? 'dead' : 'pending'],
  );
  if (!final) return;
  await client.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [notification.incident_id]);
  await appendTimeline(
    client,
    [
      {
        incidentId: notification.incident_id,
        kind: 'notification-failed',
        actor: NOTIFIER_ACTOR,
        data: {
          notificationId,
          notificationKind: notification.kind,
          attempts: notification.attempts + 1,
          reason,
        },
      },
    ],
    now,
  );
}

export async function listUndelivered(
  pool: Pool,
  olderThanMs: number,
  limit: number,
  now: Date,
): Promise<NotificationRecord[]> {
  const cutoff = new Date(now.getTime() - olderThanMs);
  const { rows } = await pool.query<NotificationRow>(
    `SELECT * FROM notifications WHERE status = 'pending' AND created_at <= $1 ORDER BY created_at, position LIMIT $2`,
    [cutoff, limit],
  );
  return rows.map(toNotificationRecord);
}

async function lockNotification(client: PoolClient, notificationId: string): Promise<NotificationRow> {
  const { rows } = await client.query<NotificationRow>(
    'SELECT * FROM notifications WHERE id = $1 FOR UPDATE',
    [notificationId],
  );
  const row = rows[0];
  if (!row) throw new UnknownNotificationError(notificationId);
  return row;
}
