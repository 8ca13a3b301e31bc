import type { Pool } from 'pg';
import type { Clock } from '@vigil/runtime';
import type { Detection } from '@vigil/schema';
import { extractTrace, withSpan, type Logger } from '@vigil/telemetry';
import { APPLY_RACE_CONSTRAINTS, applyDetectionTx } from './apply-detection';
import { verifyChain } from './chain-verifier';
import { getIncident, listIncidents } from './incident-queries';
import type {
  ApplyOptions,
  ApplyResult,
  ChainVerification,
  DetectionApplier,
  IncidentDetail,
  IncidentPage,
  IncidentQueries,
  ListIncidentsQuery,
} from './incident-types';
import { listUndelivered, loadForDelivery, recordDeliveryTx, recordFailureTx } from './notification-outbox';
import type {
  DeliveredMessage,
  IncidentView,
  NotificationRecord,
  NotificationStore,
} from './notification-store';
import { inTransaction, isTransientConflict, isUniqueViolation } from './pg-transaction';

export interface PgIncidentStoreOptions {
  /** A pool on a database that `migrate` has brought up to date. */
  pool: Pool;
  clock: Clock;
  logger: Logger;
}

/** The incident register on PostgreSQL: detections in, incidents, timeline and notification outbox out. */
export class PgIncidentStore implements DetectionApplier, IncidentQueries, NotificationStore {
  private readonly pool: Pool;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(options: PgIncidentStoreOptions) {
    this.pool = options.pool;
    this.clock = options.clock;
    this.logger = options.logger.child({ component: 'incident-store' });
  }

  /**
   * Applies one detection in one transaction. Redelivery is a no-op that still hands back the detection's
   * pending notifications; two alerters racing on one dedup key end with one incident, because the loser's
   * insert hits the partial unique index, rolls back (giving its register number back) and runs again.
   */
  async applyDetection(detection: Detection, options: ApplyOptions = {}): Promise<ApplyResult> {
    const trace = options.trace ?? {};
    return withSpan(
      'incidents.apply-detection',
      { 'vigil.rule_id': detection.ruleId, 'vigil.detection_status': detection.status },
      async (span) => {
        const result = await inTransaction(
          this.pool,
          (client) => applyDetectionTx(client, detection, trace, this.now()),
          {
            name: 'apply-detection',
            logger: this.logger,
            attempts: 8,
            retryIf: (error) =>
              isTransientConflict(error) || isUniqueViolation(error, APPLY_RACE_CONSTRAINTS),
          },
        );
        span.setAttribute('vigil.outcome', result.outcome);
        if (result.incident) span.setAttribute('vigil.incident_seq', result.incident.seq);
        this.logger.debug(
          { detectionId: detection.id, outcome: result.outcome, incidentId: result.incident?.id },
          'detection applied',
        );
        return result;
      },
      // The detection's own trace, when it came with one, so the span sits under the event that caused it.
      options.trace ? extractTrace(options.trace) : undefined,
    );
  }

  getIncident(id: string): Promise<IncidentDetail | null> {
    return getIncident(this.pool, id);
  }

  listIncidents(query: ListIncidentsQuery = {}): Promise<IncidentPage> {
    return listIncidents(this.pool, query);
  }

  verifyChain(): Promise<ChainVerification> {
    return verifyChain(this.pool);
  }

  loadForDelivery(
    notificationId: string,
  ): Promise<{ notification: NotificationRecord; incident: IncidentView } | null> {
    return loadForDelivery(this.pool, notificationId);
  }

  async recordDelivery(notificationId: string, messages: DeliveredMessage[]): Promise<void> {
    await inTransaction(
      this.pool,
      (client) => recordDeliveryTx(client, notificationId, messages, this.now()),
      {
        name: 'record-delivery',
        logger: this.logger,
        retryIf: isTransientConflict,
      },
    );
  }

  async recordFailure(notificationId: string, reason: string, final: boolean): Promise<void> {
    await inTransaction(
      this.pool,
      (client) => recordFailureTx(client, notificationId, reason, final, this.now()),
      {
        name: 'record-failure',
        logger: this.logger,
        retryIf: isTransientConflict,
      },
    );
    if (final) this.logger.warn({ notificationId, reason }, 'notification given up');
  }

  listUndelivered(olderThanMs: number, limit: number): Promise<NotificationRecord[]> {
    return listUndelivered(this.pool, olderThanMs, limit, this.now());
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}
