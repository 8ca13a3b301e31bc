import type { PoolClient } from 'pg';
import type { Detection } from '@vigil/schema';
import { incidentRef } from '../incident-lifecycle';
import type { IncidentStatus } from '../notification-store';
import { pairOutages, type OutageIncident, type OutageSpan, type OutageTransition } from './outage-intervals';

/**
 * The outage transition a detection carries, if any. Availability rules mark theirs with the attributes
 * `outage` (`down` / `up`), `outageAt` (event time) and `measuredBy`; the entity is the service.
 */
export function outageTransitionOf(
  detection: Detection,
  historical: boolean,
): Omit<OutageTransition, 'incidentId'> | null {
  const { outage, outageAt, measuredBy } = detection.attributes;
  if ((outage !== 'down' && outage !== 'up') || typeof outageAt !== 'string') return null;
  const at = Date.parse(outageAt);
  if (!Number.isFinite(at) || detection.entity.type !== 'service') return null;
  return {
    detectionId: detection.id,
    service: detection.entity.id,
    ruleId: detection.ruleId,
    kind: outage,
    at,
    measuredBy: typeof measuredBy === 'string' ? measuredBy : 'rule',
    evidence: detection.evidence.map((ref) => ref.eventId),
    historical,
  };
}

/** What recording an `up` closed: the outage and the incident it was raised as. */
export interface ClosedOutage {
  incidentId: string;
  downAt: number;
  upAt: number;
}

/**
 * Appends the transition (once per detection: a redelivery records nothing). For an `up`, returns the
 * outage it closed, so the caller can tell that outage's incident even when a person resolved it already.
 */
export async function recordOutageTransition(
  client: PoolClient,
  transition: OutageTransition,
  now: Date,
): Promise<{ recorded: boolean; closed: ClosedOutage | null }> {
  const inserted = await client.query(
    `INSERT INTO outage_transitions (detection_id, service, rule_id, kind, at, measured_by, evidence, incident_id,
       historical, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (detection_id) DO NOTHING`,
    [
      transition.detectionId,
      transition.service,
      transition.ruleId,
      transition.kind,
      new Date(transition.at),
      transition.measuredBy,
      transition.evidence,
      transition.incidentId,
      transition.historical,
      now,
    ],
  );
  const recorded = (inserted.rowCount ?? 0) > 0;
  if (!recorded || transition.kind !== 'up') return { recorded, closed: null };
  const stream = await selectTransitions(client, 'service = $1 AND rule_id = $2 AND at <= $3', [
    transition.service,
    transition.ruleId,
    new Date(transition.at),
  ]);
  const outage = pairOutages(stream, transition.at).find(
    (span) => span.how === 'measured' && span.end === transition.at,
  );
  const down =
    outage && stream.find((t) => t.kind === 'down' && t.at === outage.start && t.incidentId !== null);
  if (!outage || !down?.incidentId) return { recorded, closed: null };
  return { recorded, closed: { incidentId: down.incidentId, downAt: outage.start, upAt: outage.end } };
}

/** The outage of this incident still going on (no up yet), if any: a person resolving it is told so. */
export async function openOutageOf(
  client: PoolClient,
  incidentId: string,
): Promise<{ downSince: string; measuredBy: string } | null> {
  const downs = await selectTransitions(client, 'incident_id = $1', [incidentId]);
  if (downs.length === 0) return null;
  const first = downs[0]!;
  const stream = await selectTransitions(client, 'service = $1 AND rule_id = $2', [
    first.service,
    first.ruleId,
  ]);
  const open = pairOutages(stream, Number.MAX_SAFE_INTEGER).find(
    (span) => span.how === 'ongoing' && downs.some((d) => d.kind === 'down' && d.at === span.start),
  );
  return open ? { downSince: new Date(open.start).toISOString(), measuredBy: open.measuredBy } : null;
}

/** Every outage of the services that began before `to`, with the incidents they were raised as. */
export async function loadOutages(
  client: PoolClient,
  services: readonly string[],
  to: number,
  openUntil: number,
): Promise<OutageSpan[]> {
  const transitions = await selectTransitions(client, 'service = ANY($1::text[]) AND at < $2', [
    services,
    new Date(to),
  ]);
  const ids = [...new Set(transitions.flatMap((t) => (t.incidentId ? [t.incidentId] : [])))];
  const { rows } = await client.query<{
    id: string;
    seq: string;
    title: string;
    status: IncidentStatus;
    severity: OutageIncident['severity'];
  }>('SELECT id, seq, title, status, severity FROM incidents WHERE id = ANY($1::uuid[])', [ids]);
  const incidents = new Map<string, OutageIncident>(
    rows.map((row) => [row.id, { ...row, seq: Number(row.seq), ref: incidentRef(Number(row.seq)) }]),
  );
  // A reviewer who dismissed the incident decided it was no outage.
  return pairOutages(transitions, openUntil, incidents).filter(
    (span) => span.incident?.status !== 'dismissed',
  );
}

interface TransitionRow {
  detection_id: string;
  service: string;
  rule_id: string;
  kind: 'down' | 'up';
  at: Date;
  measured_by: string;
  evidence: string[];
  incident_id: string | null;
  historical: boolean;
}

async function selectTransitions(
  client: PoolClient,
  where: string,
  params: unknown[],
): Promise<OutageTransition[]> {
  const { rows } = await client.query<TransitionRow>(
    `SELECT detection_id, service, rule_id, kind, at, measured_by, evidence, incident_id, historical
       FROM outage_transitions WHERE ${where} ORDER BY at, detection_id`,
    params,
  );
  return rows.map((row) => ({
    detectionId: row.detection_id,
    service: row.service,
    ruleId: row.rule_id,
    kind: row.kind,
    at: row.at.getTime(),
    measuredBy: row.measured_by,
    evidence: row.evidence,
    incidentId: row.incident_id,
    historical: row.historical,
  }));
}
