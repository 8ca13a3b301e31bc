import type { Pool } from 'pg';
import type { Clock } from '@vigil/runtime';
import type { Detection, EvidenceRef } from '@vigil/schema';
import type { Logger } from '@vigil/telemetry';
import { systemActor } from '../detection-decision';
import type { ApplyResult } from '../incident-types';
import { inTransaction } from '../pg-transaction';
import type { ServiceAvailability } from './availability-types';
import { COMMITMENT_BREACH_RULE_ID, breachDedupKey, breachFacts } from './breach-verdict';
import { monthContaining, monthLabel } from './periods';
import { serviceFigures } from './pg-availability-store';
import type { ServiceCommitment } from './services-config';

/** Evidence a reconciler detection carries: the newest events behind the month's outages. */
const EVIDENCE_LIMIT = 20;

export interface BreachReconcilerOptions {
  pool: Pool;
  services: readonly ServiceCommitment[];
  /** The register: a detection goes through the same decision (and report verdict) as the rules'. */
  applyDetection(detection: Detection): Promise<Pick<ApplyResult, 'outcome' | 'notifications'>>;
  /** Hands the notifications an applied detection produced to the notifier. */
  enqueue(notifications: ApplyResult['notifications']): Promise<unknown>;
  clock: Clock;
  logger: Logger;
  /** How often every service's current and previous month are compared with the report. */
  intervalMs: number;
}

export interface ReconcileOutcome {
  /** Dedup keys of breaches opened (or reopened) because the report shows them. */
  opened: string[];
  /** Dedup keys of live breaches resolved because the report no longer shows them. */
  withdrawn: string[];
}

interface LatestBreach {
  id: string;
  seq: string;
  status: string;
  resolved_by: string | null;
  reopen_count: number;
}

/**
 * Keeps the breach incidents equal to the report. For each service of the services file and for the current
 * and the previous calendar month: the report breached and no breach incident (or only one the reconciler
 * withdrew) opens one; a live breach incident the report no longer supports (maintenance declared after the
 * fact, an outage incident dismissed) is resolved, its timeline carrying the report's figures. Both go
 * through `applyDetection`, so the register's report verdict decides them like the rule's own detections,
 * and a pass repeated with nothing changed is a no-op (the detection ids are derived from the state).
 */
export async function reconcileBreaches(
  options: Omit<BreachReconcilerOptions, 'intervalMs'>,
): Promise<ReconcileOutcome> {
  const outcome: ReconcileOutcome = { opened: [], withdrawn: [] };
  const now = options.clock.now();
  const current = monthContaining(now);
  const months = [monthContaining(current.start - 1), current];
  for (const period of months) {
    // One snapshot per month, as the API reads it.
    const figures = await inTransaction(
      options.pool,
      (client) => serviceFigures(client, options.services, period, now),
      { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
    );
    for (const report of figures) {
      const detection = await reconcileOne(options, report, now);
      if (!detection) continue;
      const result = await options.applyDetection(detection);
      if (result.notifications.length > 0) await options.enqueue(result.notifications);
      if (result.outcome === 'opened' || result.outcome === 'reopened')
        outcome.opened.push(detection.dedupKey);
      if (result.outcome === 'resolved') outcome.withdrawn.push(detection.dedupKey);
    }
  }
  return outcome;
}

async function reconcileOne(
  options: Pick<BreachReconcilerOptions, 'pool'>,
  report: ServiceAvailability,
  now: number,
): Promise<Detection | null> {
  const service = report.service.id;
  const month = monthLabel(Date.parse(report.from));
  const dedupKey = breachDedupKey(service, month);
  const { rows } = await options.pool.query<LatestBreach>(
    `SELECT id, seq, status, resolved_by, reopen_count FROM incidents WHERE dedup_key = $1 ORDER BY seq DESC LIMIT 1`,
    [dedupKey],
  );
  const latest = rows[0];
  const breached = report.commitment.status === 'breached';
  const live = latest !== undefined && ['open', 'acknowledged', 'contained'].includes(latest.status);
  const withdrawn =
    latest?.status === 'resolved' && latest.resolved_by === systemActor(COMMITMENT_BREACH_RULE_ID);
  if (breached && (latest === undefined || withdrawn)) {
    const evidence = await outageEvidence(options.pool, service, report);
    if (evidence.length === 0) return null;
    const facts = breachFacts(report);
    return breachDetection(report, dedupKey, 'firing', evidence, now, {
      id: `${dedupKey}:report:opened:${latest ? `${latest.seq}.${latest.reopen_count}` : 'first'}`,
      title: `${service} is below its ${report.commitment.target} % commitment for ${month}`,
      summary:
        `${service}: ${facts.downtimeSeconds} s down in ${month} outside maintenance, more than the ` +
        `${facts.allowedDowntimeSeconds} s the month allows; the commitment is ${report.commitment.target} % (availability report).`,
      firstEventAt: crossing(report) ?? evidence[0]!.time,
    });
  }
  if (!breached && latest && live) {
    const evidence = await incidentEvidence(options.pool, latest.id);
    if (evidence.length === 0) return null;
    return breachDetection(report, dedupKey, 'resolved', evidence, now, {
      id: `${dedupKey}:report:withdrawn:${latest.seq}.${latest.reopen_count}`,
      title: `${service} is within its ${report.commitment.target} % commitment for ${month} after all`,
      summary:
        `The availability report no longer shows ${month} breached (${report.commitment.status}): ` +
        `${report.downtimeSeconds} s down outside ${report.maintenanceSeconds} s of maintenance, ` +
        `${report.commitment.allowedDowntimeSeconds} s allowed.`,
      firstEventAt: evidence[0]!.time,
    });
  }
  return null;
}

function breachDetection(
  report: ServiceAvailability,
  dedupKey: string,
  status: Detection['status'],
  evidence: EvidenceRef[],
  now: number,
  text: { id: string; title: string; summary: string; firstEventAt: string },
): Detection {
  const facts = breachFacts(report);
  return {
    ...text,
    ruleId: COMMITMENT_BREACH_RULE_ID,
    ruleVersion: 2,
    status,
    criteria: ['A1.2'],
    category: 'availability',
    severity: 'SEV2',
    dedupKey,
    entity: { type: 'service', id: report.service.id },
    ownerKey: report.service.id,
    detectedAt: new Date(now).toISOString(),
    evidence,
    attributes: {
      period: facts.month,
      commitmentPercent: report.commitment.target,
      downtimeSeconds: facts.downtimeSeconds,
      allowedDowntimeSeconds: facts.allowedDowntimeSeconds,
      maintenanceSeconds: facts.maintenanceSeconds,
      basis: 'report',
    },
  };
}

/** The instant the counted downtime passed the allowance: where the breach began. */
export function crossing(report: ServiceAvailability): string | null {
  let remaining = report.commitment.allowedDowntimeSeconds * 1000;
  for (const interval of report.downtime) {
    const start = Date.parse(interval.start);
    const length = Date.parse(interval.end) - start;
    if (length > remaining) return new Date(start + remaining).toISOString();
    remaining -= length;
  }
  return null;
}

interface EvidenceRow {
  event_id: string;
  topic: string;
  partition: number;
  stream_offset: string;
  event_time: Date;
}

const toRef = (row: EvidenceRow): EvidenceRef => ({
  eventId: row.event_id,
  topic: row.topic,
  partition: row.partition,
  offset: String(row.stream_offset),
  time: row.event_time.toISOString(),
});

/** The newest checks behind the month's outages of the service (from their incidents' evidence). */
async function outageEvidence(
  pool: Pool,
  service: string,
  report: ServiceAvailability,
): Promise<EvidenceRef[]> {
  const { rows } = await pool.query<EvidenceRow>(
    `SELECT e.event_id, e.topic, e.partition, e.stream_offset, e.event_time
       FROM incident_evidence e JOIN incidents i ON i.id = e.incident_id
      WHERE i.entity_type = 'service' AND i.entity_id = $1 AND i.rule_id <> $2 AND i.status <> 'dismissed'
        AND i.category = 'availability' AND e.event_time >= $3 AND e.event_time < $4
      ORDER BY e.event_time DESC, e.event_id LIMIT ${EVIDENCE_LIMIT}`,
    [service, COMMITMENT_BREACH_RULE_ID, new Date(report.from), new Date(report.to)],
  );
  return rows.map(toRef).reverse();
}

async function incidentEvidence(pool: Pool, incidentId: string): Promise<EvidenceRef[]> {
  const { rows } = await pool.query<EvidenceRow>(
    `SELECT event_id, topic, partition, stream_offset, event_time FROM incident_evidence
      WHERE incident_id = $1 ORDER BY event_time DESC, event_id LIMIT ${EVIDENCE_LIMIT}`,
    [incidentId],
  );
  return rows.map(toRef).reverse();
}

/** Runs `reconcileBreaches` every `intervalMs`; one pass at a time; `stop()` waits for the pass under way. */
export class BreachReconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: BreachReconcilerOptions) {}

  start(): void {
    if (this.timer || this.stopped || this.options.services.length === 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One pass now (also what the timer runs); a pass already under way is not doubled. */
  async runOnce(): Promise<void> {
    if (this.running || this.stopped) return this.running ?? undefined;
    this.running = reconcileBreaches(this.options)
      .then((outcome) => {
        if (outcome.opened.length + outcome.withdrawn.length > 0)
          this.options.logger.info(outcome, 'breach incidents reconciled with the availability report');
      })
      .catch((error: unknown) =>
        this.options.logger.warn({ err: error }, 'breach reconciliation failed; the next pass tries again'),
      )
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
