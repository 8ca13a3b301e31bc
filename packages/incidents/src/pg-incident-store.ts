import type { Pool } from 'pg';
import { z } from 'zod';
import { ValidationError, type Clock } from '@vigil/runtime';
import type { Detection } from '@vigil/schema';
import { extractTrace, withSpan, type Logger } from '@vigil/telemetry';
import { ACTION_KEY_CONSTRAINT } from './action-keys';
import { APPLY_RACE_CONSTRAINTS, applyDetectionTx } from './apply-detection';
import type { ServiceCommitment } from './availability/services-config';
import { verifyChain } from './chain-verifier';
import {
  DEFAULT_HISTORICAL_AFTER_MS,
  DEFAULT_REOPEN_WINDOW_MS,
  type DetectionPolicy,
} from './detection-decision';
import { Actor, IncidentDetailsPatch, inputErrors, type IncidentDetailsPatchInput } from './incident-inputs';
import { INCIDENT_ACTIONS, type IncidentAction } from './incident-lifecycle';
import { getIncident, listIncidents } from './incident-queries';
import { transitionTx, updateDetailsTx } from './incident-transitions';
import type {
  ActionOptions,
  ApplyOptions,
  ApplyResult,
  ChainVerification,
  ChainVerifier,
  DetectionApplier,
  IncidentCommands,
  IncidentDetail,
  IncidentPage,
  IncidentQueries,
  IncidentRecord,
  ListIncidentsQuery,
  TransitionInput,
  TransitionResult,
} from './incident-types';
import {
  clearSlackAttempt,
  listUndelivered,
  loadForDelivery,
  recordDeliveryTx,
  recordFailureTx,
  recordSlackAttempt,
} from './notification-outbox';
import type {
  DeliveredMessage,
  LoadedNotification,
  NotificationRecord,
  NotificationStore,
} from './notification-store';
import { inTransaction, isTransientConflict, isUniqueViolation } from './pg-transaction';
import {
  listNeedingResponseTimers,
  recordResponseFindingTx,
  type ResponseFindingInput,
  type ResponseFindingKind,
} from './response-findings';
import { DEFAULT_RESPONSE_TARGETS, ResponseTargets } from './response-targets';

export interface PgIncidentStoreOptions {
  /** A pool on a database that `migrate` has brought up to date. */
  pool: Pool;
  clock: Clock;
  logger: Logger;
  /**
   * A firing detection less than this long (event time) after its incident was resolved reopens it; later,
   * it opens a new incident marked as a recurrence. One hour when not given.
   */
  reopenWindowMs?: number;
  /** Acknowledge / resolve targets per severity, fixed on each incident as it opens. */
  responseTargets?: ResponseTargets;
  /**
   * A detection made this long or more after its triggering event is historical (backfill, replay): marked
   * as such in the timeline and the outage record. 15 minutes when not given.
   */
  historicalAfterMs?: number;
  /** Counts what the register did (`VigilMetrics` in @vigil/health satisfies it). */
  metrics?: RegisterMetrics;
  /**
   * The services file's services (`SERVICES_FILE`): their commitment breaches are decided against the
   * availability report, so a breach incident and the report never disagree (docs/availability.md).
   */
  services?: readonly ServiceCommitment[];
}

/** The counters the register feeds. */
export interface RegisterMetrics {
  incidentOpened(rule: string, severity: string): void;
  notificationSent(channel: string): void;
}

const ActionOptionsSchema = z.object({
  actor: Actor,
  idempotencyKey: z.string().min(1).max(600, 'must be at most 600 characters').optional(),
  trace: z.record(z.string(), z.string()).optional(),
});

/** The incident register on PostgreSQL: detections in, incidents, timeline and notification outbox out. */
export class PgIncidentStore
  implements DetectionApplier, IncidentQueries, IncidentCommands, ChainVerifier, NotificationStore
{
  private readonly pool: Pool;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly policy: DetectionPolicy;
  private readonly metrics: RegisterMetrics | undefined;

  constructor(options: PgIncidentStoreOptions) {
    this.pool = options.pool;
    this.metrics = options.metrics;
    this.clock = options.clock;
    this.logger = options.logger.child({ component: 'incident-store' });
    const reopenWindowMs = options.reopenWindowMs ?? DEFAULT_REOPEN_WINDOW_MS;
    if (!Number.isFinite(reopenWindowMs) || reopenWindowMs < 0) {
      throw new RangeError(
        `reopenWindowMs must be a non-negative number of milliseconds, not ${reopenWindowMs}`,
      );
    }
    const targets = ResponseTargets.safeParse(options.responseTargets ?? DEFAULT_RESPONSE_TARGETS);
    if (!targets.success) {
      throw new ValidationError('invalid responseTargets', inputErrors(targets.error, 'not a severity'));
    }
    const historicalAfterMs = options.historicalAfterMs ?? DEFAULT_HISTORICAL_AFTER_MS;
    if (!Number.isFinite(historicalAfterMs) || historicalAfterMs <= 0) {
      throw new RangeError(
        `historicalAfterMs must be a positive number of milliseconds, not ${historicalAfterMs}`,
      );
    }
    this.policy = {
      reopenWindowMs,
      responseTargets: targets.data,
      historicalAfterMs,
      ...(options.services ? { services: options.services } : {}),
    };
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
          (client) => applyDetectionTx(client, detection, trace, this.now(), this.policy),
          {
            name: 'apply-detection',
            logger: this.logger,
            attempts: 8,
            retryIf: (error) =>
              isTransientConflict(error) || isUniqueViolation(error, APPLY_RACE_CONSTRAINTS),
          },
        );
        span.setAttribute('vigil.outcome', result.outcome);
        if (result.outcome === 'opened') this.metrics?.incidentOpened(detection.ruleId, detection.severity);
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

  /**
   * A person's action on an incident, in one transaction holding its row lock: the state change and who made
   * it, a timeline entry naming the actor, and an 'updated' or 'resolved' notification (none for a comment).
   * Throws `IncidentNotFoundError`, `IllegalTransitionError`, `ValidationError` (fields) or
   * `IdempotencyKeyReusedError`.
   */
  async transition(
    incidentId: string,
    action: IncidentAction,
    input: TransitionInput,
  ): Promise<TransitionResult> {
    const { actor, idempotencyKey, trace, ...fields } = input;
    if (!INCIDENT_ACTIONS.includes(action)) {
      throw new ValidationError('invalid action', [
        { path: 'action', message: `must be one of ${INCIDENT_ACTIONS.join(', ')}` },
      ]);
    }
    const options = this.actionOptions({ actor, idempotencyKey, trace });
    return withSpan('incidents.transition', { 'vigil.action': action }, async (span) => {
      const result = await this.inActionTransaction(`transition-${action}`, (client) =>
        transitionTx(client, incidentId, action, fields, options, this.now()),
      );
      span.setAttribute('vigil.incident_seq', result.incident.seq);
      span.setAttribute('vigil.replayed', result.replayed);
      this.logger.info(
        { incidentId, seq: result.incident.seq, action, actor: options.actor, replayed: result.replayed },
        'incident action applied',
      );
      return result;
    });
  }

  /**
   * Sets or corrects the post-incident record (root cause, remediation, postmortem link, follow-ups, affected
   * systems, DC 4 flag). Each change is written to the timeline with its old and new value; fields that
   * already hold the value given record nothing.
   */
  async updateDetails(
    incidentId: string,
    patch: IncidentDetailsPatchInput,
    actionOptions: ActionOptions,
  ): Promise<TransitionResult> {
    const parsed = IncidentDetailsPatch.safeParse(patch);
    if (!parsed.success) {
      throw new ValidationError(
        'invalid incident details',
        inputErrors(parsed.error, 'not an incident detail'),
      );
    }
    const options = this.actionOptions(actionOptions);
    const result = await this.inActionTransaction('update-details', (client) =>
      updateDetailsTx(client, incidentId, parsed.data, options, this.now()),
    );
    this.logger.info(
      { incidentId, seq: result.incident.seq, actor: options.actor, replayed: result.replayed },
      'incident details updated',
    );
    return result;
  }

  getIncident(id: string): Promise<IncidentDetail | null> {
    return getIncident(this.pool, id);
  }

  /** Incidents that may be owed a response timer, after register number `afterSeq`, in order (see response-findings). */
  listNeedingResponseTimers(afterSeq: number, limit: number): Promise<IncidentRecord[]> {
    return listNeedingResponseTimers(this.pool, afterSeq, limit);
  }

  listIncidents(query: ListIncidentsQuery = {}): Promise<IncidentPage> {
    return listIncidents(this.pool, query);
  }

  verifyChain(): Promise<ChainVerification> {
    return verifyChain(this.pool);
  }

  loadForDelivery(notificationId: string): Promise<LoadedNotification | null> {
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
    this.metrics?.notificationSent(messages.some((m) => m.method === 'log') ? 'log' : 'slack');
  }

  recordSlackAttempt(notificationId: string, step: string, oldestTs: string): Promise<void> {
    return recordSlackAttempt(this.pool, notificationId, step, oldestTs);
  }

  clearSlackAttempt(notificationId: string, step: string): Promise<void> {
    return clearSlackAttempt(this.pool, notificationId, step);
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

  /**
   * A response rule broken for an incident (acknowledgement or resolution overdue, postmortem missing),
   * recorded in its timeline once per `data.key`; true when it was new.
   */
  async recordResponseFinding(
    incidentId: string,
    kind: ResponseFindingKind,
    data: ResponseFindingInput,
  ): Promise<boolean> {
    return inTransaction(
      this.pool,
      (client) => recordResponseFindingTx(client, incidentId, kind, data, this.now()),
      {
        name: 'record-response-finding',
        logger: this.logger,
        retryIf: isTransientConflict,
      },
    );
  }

  listUndelivered(olderThanMs: number, limit: number): Promise<NotificationRecord[]> {
    return listUndelivered(this.pool, olderThanMs, limit, this.now());
  }

  private actionOptions(options: ActionOptions): ActionOptions {
    const parsed = ActionOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new ValidationError('invalid action options', inputErrors(parsed.error, 'not an action option'));
    }
    const { actor, idempotencyKey, trace } = parsed.data;
    return {
      actor,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(trace ? { trace } : {}),
    };
  }

  private inActionTransaction<T>(name: string, work: Parameters<typeof inTransaction<T>>[1]): Promise<T> {
    return inTransaction(this.pool, work, {
      name,
      logger: this.logger,
      // Two requests using one idempotency key on different incidents: the loser runs again and is refused.
      retryIf: (error) => isTransientConflict(error) || isUniqueViolation(error, [ACTION_KEY_CONSTRAINT]),
    });
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}
