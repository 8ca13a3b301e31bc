import type { Pool } from 'pg';
import { encode, type Bus } from '@vigil/bus';
import { runEvery } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { inTransaction } from '../pg-transaction';
import { findingsForEntry } from './ocsf-mapping';
import { timelineChangesAfter } from './timeline-changes';

export const DEFAULT_FINDINGS_INTERVAL_MS = 2000;
const BATCH = 500;

export interface OcsfFindingsPublisherOptions {
  pool: Pool;
  bus: Pick<Bus, 'publish'>;
  /** `vigil.findings.ocsf`, with the deployment's prefix. */
  topic: string;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Publishes the OCSF findings of every timeline entry, in chain order, from a cursor kept in the register:
 * whatever changed an incident (a detection, a Slack button, the API) is published, at least once. The
 * cursor moves only after Kafka acknowledged the batch; consumers deduplicate on `metadata.uid`.
 */
export class OcsfFindingsPublisher {
  private loop: { stop(): Promise<void> } | undefined;

  constructor(private readonly options: OcsfFindingsPublisherOptions) {}

  start(): void {
    this.loop ??= runEvery(this.options.intervalMs ?? DEFAULT_FINDINGS_INTERVAL_MS, () => this.round());
  }

  /** Stops the rounds and waits for one in progress. Idempotent. */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    await loop?.stop();
  }

  /** One round, never throwing: a failure is logged and the same entries are tried again next round. */
  async round(): Promise<void> {
    try {
      while ((await this.publishBatch()) === BATCH);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'OCSF findings not published; trying again next round');
    }
  }

  /** Publishes the findings of up to one batch of entries after the cursor; returns how many entries. */
  async publishBatch(): Promise<number> {
    return inTransaction(this.options.pool, async (client) => {
      // The row lock keeps two alerters from publishing the same batch at once.
      const cursor = await client.query<{ last_entry_id: string }>(
        'SELECT last_entry_id FROM ocsf_findings_cursor WHERE singleton FOR UPDATE',
      );
      const after = Number(cursor.rows[0]?.last_entry_id ?? 0);
      const { changes, last, read } = await timelineChangesAfter(client, after, BATCH);
      if (read === 0) return 0;
      const messages = changes.flatMap(({ entry, incident }) =>
        findingsForEntry(entry, incident).map((finding) => encode('findingsOcsf', entry.incidentId, finding)),
      );
      if (messages.length > 0) await this.options.bus.publish(this.options.topic, messages);
      await client.query('UPDATE ocsf_findings_cursor SET last_entry_id = $1 WHERE singleton', [last]);
      return read;
    });
  }
}
