import type { PoolClient } from 'pg';
import type { Detection } from '@vigil/schema';
import { triggerEventTime } from '../detection-decision';
import type { ServiceAvailability } from './availability-types';
import { monthContaining, monthLabel } from './periods';
import { serviceFigures } from './pg-availability-store';
import type { ServiceCommitment } from './services-config';

export const COMMITMENT_BREACH_RULE_ID = 'availability.commitment-breach';
export const SLO_BURN_RULE_ID = 'availability.slo-burn';

/** The dedup key of a service's breach of one month: the rule's own (`<rule>:service:<id>:<YYYY-MM>`). */
export function breachDedupKey(service: string, month: string): string {
  return `${COMMITMENT_BREACH_RULE_ID}:service:${service}:${month}`;
}

/** What the availability report says about a detection before the register acts on it. */
export type ReportVerdict =
  | { kind: 'proceed'; report: Record<string, number | string | null> | null }
  | { kind: 'ignore'; reason: string };

const PROCEED: ReportVerdict = { kind: 'proceed', report: null };

/**
 * The register's check of an availability detection against the report. A commitment breach of a service in
 * the services file opens only when the report, computed now from the same outages, coverage and
 * maintenance, says the month is breached; otherwise it is ignored (the reconciler opens it later if the
 * report comes to say so). A burn-rate firing, or a breach of a service the file does not list, is ignored
 * when its triggering check falls inside a declared maintenance window of the service.
 */
export async function reportVerdict(
  client: PoolClient,
  detection: Detection,
  services: readonly ServiceCommitment[],
  now: number,
): Promise<ReportVerdict> {
  const rule = detection.ruleId;
  if (detection.entity.type !== 'service') return PROCEED;
  if (rule !== COMMITMENT_BREACH_RULE_ID && rule !== SLO_BURN_RULE_ID) return PROCEED;
  const service = services.find((s) => s.id === detection.entity.id);
  const trigger = triggerEventTime(detection);
  if (rule === COMMITMENT_BREACH_RULE_ID && service) {
    const [figures] = await serviceFigures(client, [service], monthContaining(trigger), now);
    if (!figures) return PROCEED;
    const report = breachFacts(figures);
    const breached = figures.commitment.status === 'breached';
    // A breach opens only on the report's word, and is withdrawn (resolved) only on it too.
    if (breached === (detection.status === 'firing')) return { kind: 'proceed', report };
    return {
      kind: 'ignore',
      reason:
        `the availability report ${breached ? 'shows' : 'does not show'} ${monthLabel(trigger)} breached: ` +
        `${report.downtimeSeconds} s down outside maintenance against ${report.allowedDowntimeSeconds} s allowed`,
    };
  }
  if (detection.status !== 'firing') return PROCEED;
  const { rows } = await client.query(
    'SELECT 1 FROM maintenance_windows WHERE service = $1 AND starts_at <= $2 AND ends_at > $2 LIMIT 1',
    [detection.entity.id, new Date(trigger)],
  );
  return rows.length > 0
    ? { kind: 'ignore', reason: 'raised inside a declared maintenance window' }
    : PROCEED;
}

/** The report's figures a breach decision rests on, kept in the incident's timeline. */
export function breachFacts(figures: ServiceAvailability): {
  month: string;
  status: string;
  downtimeSeconds: number;
  allowedDowntimeSeconds: number;
  maintenanceSeconds: number;
  monitoredSeconds: number;
  noEvidenceSeconds: number;
  coverage: number | null;
  measuredUntil: string;
} {
  return {
    month: figures.from.slice(0, 7),
    status: figures.commitment.status,
    downtimeSeconds: figures.downtimeSeconds,
    allowedDowntimeSeconds: figures.commitment.allowedDowntimeSeconds,
    maintenanceSeconds: figures.maintenanceSeconds,
    monitoredSeconds: figures.monitoredSeconds,
    noEvidenceSeconds: figures.noEvidenceSeconds,
    coverage: figures.coverage,
    measuredUntil: figures.measuredUntil,
  };
}
