import type { Pool } from 'pg';
import type { IncidentRecord, TimelineEntry } from '../incident-types';
import { inTransaction } from '../pg-transaction';
import { timelineChangesAfter } from '../findings/timeline-changes';

/** One message to one destination, as the router decides it for one incident change. */
export interface OutboundMessage {
  channel: 'webhook' | 'pagerduty';
  /** The destination's name in the owners file, e.g. `webhook:grc` or `pagerduty:payments-sre`. */
  target: string;
  payload: Record<string, unknown>;
}

/** A delivery the worker should make now. */
export interface DueDelivery extends OutboundMessage {
  id: number;
  incidentId: string;
  timelineEntryId: number;
  messageId: string;
  attempts: number;
  createdAt: string;
}

/** Decides, for one incident change, which destinations get what. Pure. */
export type OutboundRouter = (entry: TimelineEntry, incident: IncidentRecord) => OutboundMessage[];

const FAN_OUT_BATCH = 500;

interface DeliveryRow {
  id: string;
  channel: OutboundMessage['channel'];
  target: string;
  incident_id: string;
  timeline_entry_id: string;
  message_id: string;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

/**
 * The register's side of findings out: turning timeline entries into deliveries (in chain order, once each, in
 * the same transaction that moves the cursor) and keeping each delivery's state. Whatever changed an incident
 * (a detection, Slack, the API) goes out.
 */
export class PgOutboundStore {
  constructor(private readonly pool: Pool) {}

  static readonly BATCH = FAN_OUT_BATCH;

  /** Writes the deliveries of up to one batch of entries after the cursor; returns how many entries it read. */
  async fanOut(route: OutboundRouter, now: Date): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const cursor = await client.query<{ last_entry_id: string }>(
        'SELECT last_entry_id FROM outbound_cursor WHERE singleton FOR UPDATE',
      );
      const after = Number(cursor.rows[0]?.last_entry_id ?? 0);
      const { changes, last, read } = await timelineChangesAfter(client, after, FAN_OUT_BATCH);
      if (read === 0) return 0;
      for (const { entry, incident } of changes) {
        for (const message of route(entry, incident)) {
          await client.query(
            `INSERT INTO outbound_deliveries (channel, target, incident_id, timeline_entry_id, message_id, payload, status,
               next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)
             ON CONFLICT (channel, target, timeline_entry_id) DO NOTHING`,
            [message.channel, message.target, incident.id, entry.id, `vigil-${entry.id}-${message.target}`,
              JSON.stringify(message.payload), now],
          );
        }
      }
      await client.query('UPDATE outbound_cursor SET last_entry_id = $1 WHERE singleton', [last]);
      return read;
    });
  }

  /**
   * Pending deliveries due by `now`, at most `limit`, each the oldest pending one of its destination and
   * incident: a destination sees an incident's changes in order (PagerDuty must not get a resolve before its
   * trigger), and one failing destination holds back only itself.
   */
  async due(now: Date, limit: number): Promise<DueDelivery[]> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT d.* FROM outbound_deliveries d
       WHERE d.status = 'pending' AND d.next_attempt_at <= $1
         AND NOT EXISTS (SELECT 1 FROM outbound_deliveries e WHERE e.status = 'pending' AND e.target = d.target
                           AND e.channel = d.channel AND e.incident_id = d.incident_id AND e.id < d.id)
       ORDER BY d.id LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      channel: row.channel,
      target: row.target,
      incidentId: row.incident_id,
      timelineEntryId: Number(row.timeline_entry_id),
      messageId: row.message_id,
      payload: row.payload,
      attempts: row.attempts,
      createdAt: row.created_at.toISOString(),
    }));
  }

  async markSent(id: number, now: Date): Promise<void> {
    await this.pool.query(
      `UPDATE outbound_deliveries SET status = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL
       WHERE id = $1 AND status = 'pending'`,
      [id, now],
    );
  }

  /** A failed attempt: tried again at `retryAt`, or dead when that is null. */
  async markFailed(id: number, error: string, retryAt: Date | null): Promise<void> {
    await this.pool.query(
      `UPDATE outbound_deliveries SET attempts = attempts + 1, last_error = $2,
         status = CASE WHEN $3::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
         next_attempt_at = coalesce($3::timestamptz, next_attempt_at)
       WHERE id = $1 AND status = 'pending'`,
      [id, error.slice(0, 2000), retryAt],
    );
  }

  /** Dead deliveries back to pending (after fixing the destination), e.g. from an operator's script. */
  async requeueDead(target: string, now: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE outbound_deliveries SET status = 'pending', next_attempt_at = $2 WHERE status = 'dead' AND target = $1`,
      [target, now],
    );
    return rowCount ?? 0;
  }
}

