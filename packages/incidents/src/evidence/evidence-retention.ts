import type { Pool } from 'pg';
import { runEvery, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { inTransaction } from '../pg-transaction';
import { appendTimeline } from '../timeline-writer';
import { recordPurges } from './evidence-keeper';

/** 400 days: a 12-month Type 2 period plus the weeks until the audit, with room to spare. */
export const DEFAULT_EVIDENCE_RETENTION_DAYS = 400;
export const DEFAULT_EVIDENCE_PURGE_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const INCIDENTS_PER_ROUND = 200;

export const RETENTION_ACTOR = 'system:evidence-retention';

export interface EvidenceRetentionOptions {
  pool: Pool;
  logger: Logger;
  clock: Clock;
  /** Payloads are kept at least this long after they were taken in, and while their incident is live. */
  retentionDays?: number;
  /** How often a purge round runs. */
  intervalMs?: number;
}

export interface PurgeRound {
  incidents: number;
  payloads: number;
}

/**
 * Deletes evidence payloads older than the retention, on record: each purge is a row in `evidence_purges` and an
 * `evidence-purged` timeline entry naming every payload let go (its event id and SHA-256) and the policy, so an
 * auditor sees a purge, not a gap. The evidence of an incident still open, acknowledged or contained is kept.
 */
export class EvidenceRetention {
  private loop: { stop(): Promise<void> } | undefined;
  readonly retentionDays: number;

  constructor(private readonly options: EvidenceRetentionOptions) {
    this.retentionDays = options.retentionDays ?? DEFAULT_EVIDENCE_RETENTION_DAYS;
  }

  start(): void {
    this.loop ??= runEvery(this.options.intervalMs ?? DEFAULT_EVIDENCE_PURGE_INTERVAL_MS, async () => void (await this.round()));
  }

  /** Stops the rounds and waits for one in progress. Idempotent. */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    await loop?.stop();
  }

  /** One round, never throwing: what fails is logged and tried again next round. */
  async round(): Promise<PurgeRound> {
    try {
      return await this.purgeDue();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'evidence retention round failed; trying again next round');
      return { incidents: 0, payloads: 0 };
    }
  }

  /** Purges every payload past the retention, one incident per transaction. */
  async purgeDue(): Promise<PurgeRound> {
    const now = new Date(this.options.clock.now());
    const before = new Date(now.getTime() - this.retentionDays * DAY_MS);
    const due = await this.options.pool.query<{ incident_id: string }>(
      `SELECT DISTINCT p.incident_id FROM evidence_payloads p JOIN incidents i ON i.id = p.incident_id
       WHERE p.kept_at < $1 AND i.status NOT IN ('open', 'acknowledged', 'contained') LIMIT $2`,
      [before, INCIDENTS_PER_ROUND],
    );
    const total: PurgeRound = { incidents: 0, payloads: 0 };
    for (const { incident_id: incidentId } of due.rows) {
      const purged = await inTransaction(this.options.pool, async (client) => {
        // The row lock orders this purge with any change to the incident (and its timeline).
        const live = await client.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1 FOR UPDATE', [incidentId]);
        const status = live.rows[0]?.status;
        if (!status || ['open', 'acknowledged', 'contained'].includes(status)) return 0;
        const old = await client.query<{ event_id: string; sha256: string }>(
          'SELECT event_id, sha256 FROM evidence_payloads WHERE incident_id = $1 AND kept_at < $2 ORDER BY event_time, event_id',
          [incidentId, before],
        );
        if (old.rows.length === 0) return 0;
        const refs = old.rows.map((row) => ({ eventId: row.event_id, sha256: row.sha256 }));
        const detail = `kept ${this.retentionDays} days after it was taken in`;
        await recordPurges(client, incidentId, refs, 'retention', detail, now);
        await appendTimeline(
          client,
          [{ incidentId, kind: 'evidence-purged', actor: RETENTION_ACTOR, data: { policy: 'retention', retentionDays: this.retentionDays, detail, purged: refs } }],
          now,
        );
        return refs.length;
      });
      if (purged > 0) {
        total.incidents += 1;
        total.payloads += purged;
      }
    }
    if (total.payloads > 0) this.options.logger.info({ ...total, retentionDays: this.retentionDays }, 'evidence payloads purged on record');
    return total;
  }
}
