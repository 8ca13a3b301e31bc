import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Detection, NotificationChange } from '@vigil/schema';
import { reportVerdict } from './availability/breach-verdict';
import { outageTransitionOf, recordOutageTransition } from './availability/outage-register';
import type { OutageTransition } from './availability/outage-intervals';
import {
  decideDetection,
  isHistorical,
  systemActor,
  timeToDetectMs,
  type DetectionDecision,
  type DetectionPolicy,
  type NewIncident,
} from './detection-decision';
import type { ApplyOutcome, ApplyResult } from './incident-types';
import {
  toIncidentRecord,
  toLatestIncident,
  toNotificationRecord,
  type IncidentRow,
  type NotificationRow,
} from './incident-rows';
import { keepEvidencePayloads } from './evidence/evidence-keeper';
import type { EvidenceSummary } from './evidence-summary';
import { addNotification, changeFacts, firstRow, mergeIntoPendingUpdate } from './incident-writes';
import { appendTimeline } from './timeline-writer';

/** Losing one of these races means another transaction got there first: run again and see its result. */
export const APPLY_RACE_CONSTRAINTS = [
  'incidents_one_active_per_dedup_key',
  'applied_detections_pkey',
] as const;

const OUTCOME = {
  open: 'opened',
  update: 'updated',
  reopen: 'reopened',
  resolve: 'resolved',
} as const satisfies Record<Exclude<DetectionDecision['kind'], 'ignore'>, ApplyOutcome>;

/** What each decision tells the incident's thread. */
const CHANGE = {
  open: 'opened',
  update: 'detections',
  reopen: 'reopened',
  resolve: 'resolved',
} as const satisfies Record<Exclude<DetectionDecision['kind'], 'ignore'>, NotificationChange>;

/** One detection, start to finish, inside the caller's transaction. */
export async function applyDetectionTx(
  client: PoolClient,
  detection: Detection,
  trace: Record<string, string>,
  now: Date,
  policy: DetectionPolicy,
): Promise<ApplyResult> {
  const seen = await client.query<{ incident_id: string | null }>(
    'SELECT incident_id FROM applied_detections WHERE detection_id = $1',
    [detection.id],
  );
  const previous = seen.rows[0];
  if (previous) return duplicateResult(client, detection.id, previous.incident_id);

  // The latest incident for the key, in any state: the live one if there is one (there is at most one, and
  // it is always the latest), else the one a repeat may reopen or recur after.
  const latest = await client.query<IncidentRow & { last_evidence_at: Date | null }>(
    `SELECT i.*, (SELECT max(e.event_time) FROM incident_evidence e WHERE e.incident_id = i.id) AS last_evidence_at
       FROM incidents i WHERE i.dedup_key = $1 ORDER BY i.seq DESC LIMIT 1 FOR UPDATE OF i`,
    [detection.dedupKey],
  );
  const current = latest.rows[0];
  // Availability detections answer to the report first: one computation decides breaches and maintenance.
  const verdict = await reportVerdict(client, detection, policy.services ?? [], now.getTime());
  const decision =
    verdict.kind === 'ignore'
      ? verdict
      : decideDetection(detection, current ? toLatestIncident(current) : null, policy);
  const historical = isHistorical(detection, policy);
  const outage = outageTransitionOf(detection, historical);

  if (decision.kind === 'ignore') {
    // The incident is over (a person resolved it) but the outage is not: the measured recovery still counts,
    // and the incident's timeline and downtime say so.
    if (outage) await recordOutage(client, { ...outage, incidentId: null }, detection, now);
    await recordApplied(client, detection, null, 'ignored', now, historical);
    return { outcome: 'ignored', incident: null, notifications: [] };
  }

  let row: IncidentRow;
  if (decision.kind === 'open') row = await openIncident(client, decision.incident, now);
  else if (current) row = await changeIncident(client, current.id, decision);
  else throw new Error(`cannot ${decision.kind} without a live incident`);
  await addEvidence(client, row.id, detection, now);
  // The payloads' hashes go into this change's timeline entry: the chain vouches for the evidence kept.
  const kept = await keepEvidencePayloads(client, row.id, detection, now);
  if (outage) await recordOutage(client, { ...outage, incidentId: row.id }, null, now);
  const timeline = {
    ...decision.timeline,
    data: {
      ...decision.timeline.data,
      ...(historical ? { historical: true } : {}),
      ...(verdict.kind === 'proceed' && verdict.report ? { report: verdict.report } : {}),
      ...kept,
    },
  };
  await appendTimeline(client, [{ incidentId: row.id, ...timeline }], now);
  const facts = changeFacts(row, CHANGE[decision.kind], decision.timeline.actor, detection.detectedAt, {
    ...(decision.kind === 'resolve' ? { downtimeSeconds: decision.resolution.downtimeSeconds } : {}),
    ...(decision.kind === 'update'
      ? { eventsAdded: decision.update.evidence.eventCount - Number(current?.event_count ?? 0) }
      : {}),
    ...(historical ? { historical } : {}),
  });
  const outcome = OUTCOME[decision.kind];
  // A burst's later events update the message the incident already has; one pending update takes them all.
  if (detection.burst?.continuation && (await mergeIntoPendingUpdate(client, row.id, facts))) {
    await recordApplied(client, detection, row.id, outcome, now, historical);
    return { outcome, incident: toIncidentRecord(row), notifications: [] };
  }
  const notification = await addNotification(
    client,
    row.id,
    decision.notify,
    detection.id,
    trace,
    now,
    facts,
  );
  await recordApplied(client, detection, row.id, outcome, now, historical);
  return { outcome, incident: toIncidentRecord(row), notifications: [notification] };
}

/**
 * Appends the outage transition. `lateRecovery` is the detection of an up whose incident a person resolved
 * already: the outage it closes is added to that incident's downtime and timeline.
 */
async function recordOutage(
  client: PoolClient,
  transition: OutageTransition,
  lateRecovery: Detection | null,
  now: Date,
): Promise<void> {
  const { recorded, closed } = await recordOutageTransition(client, transition, now);
  if (!recorded || !closed || !lateRecovery) return;
  const downtimeSeconds = (closed.upAt - closed.downAt) / 1000;
  await client.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [closed.incidentId]);
  await client.query(
    'UPDATE incidents SET downtime_seconds = coalesce(downtime_seconds, 0) + $2 WHERE id = $1',
    [closed.incidentId, downtimeSeconds],
  );
  await addEvidence(client, closed.incidentId, lateRecovery, now);
  const kept = await keepEvidencePayloads(client, closed.incidentId, lateRecovery, now);
  await appendTimeline(
    client,
    [
      {
        incidentId: closed.incidentId,
        kind: 'outage-recovered',
        actor: systemActor(lateRecovery.ruleId),
        data: {
          detectionId: lateRecovery.id,
          downSince: new Date(closed.downAt).toISOString(),
          recoveredAt: new Date(closed.upAt).toISOString(),
          downtimeSeconds,
          note: 'measured recovery after the incident was resolved by a person; the outage lasted until now',
          evidence: lateRecovery.evidence.map((ref) => ref.eventId),
          ...kept,
        },
      },
    ],
    now,
  );
}

async function duplicateResult(
  client: PoolClient,
  detectionId: string,
  incidentId: string | null,
): Promise<ApplyResult> {
  if (!incidentId) return { outcome: 'duplicate', incident: null, notifications: [] };
  const incident = await client.query<IncidentRow>('SELECT * FROM incidents WHERE id = $1', [incidentId]);
  const pending = await client.query<NotificationRow>(
    `SELECT * FROM notifications WHERE detection_id = $1 AND status = 'pending' ORDER BY position`,
    [detectionId],
  );
  const row = incident.rows[0];
  return {
    outcome: 'duplicate',
    incident: row ? toIncidentRecord(row) : null,
    notifications: pending.rows.map(toNotificationRecord),
  };
}

async function openIncident(client: PoolClient, incident: NewIncident, now: Date): Promise<IncidentRow> {
  // The counter row is updated in this transaction, so if anything below fails the number is given back.
  const counter = await client.query<{ last_seq: string }>(
    'UPDATE incident_counter SET last_seq = last_seq + 1 WHERE singleton RETURNING last_seq',
  );
  const seq = counter.rows[0]?.last_seq;
  if (seq === undefined) throw new Error('incident_counter has no row; was the database migrated?');
  const inserted = await client.query<IncidentRow>(
    `INSERT INTO incidents (id, seq, rule_id, rule_version, title, summary, criteria, category, severity, status,
       dedup_key, entity_type, entity_id, owner_key, first_event_at, detected_at, last_seen_at, detection_count,
       created_at, ack_due_at, resolve_due_at, recurrence_of, affected_systems, event_count, last_event_at, source_ips,
       user_agents, burst_events, time_to_detect_ms, backfill)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $12, $13, $14, $15, $16, 1, $17, $18, $19, $20,
       $21, $22, $23, $24, $25, $26, $27, $28)
     RETURNING *`,
    [
      randomUUID(),
      seq,
      incident.ruleId,
      incident.ruleVersion,
      incident.title,
      incident.summary,
      incident.criteria,
      incident.category,
      incident.severity,
      incident.dedupKey,
      incident.entity.type,
      incident.entity.id,
      incident.ownerKey,
      incident.firstEventAt,
      incident.detectedAt,
      incident.lastSeenAt,
      now,
      incident.ackDueAt,
      incident.resolveDueAt,
      incident.recurrenceOf,
      incident.affectedSystems,
      ...summaryParameters(incident.evidence),
      incident.timeToDetectMs,
      incident.backfill,
    ],
  );
  return firstRow(inserted.rows);
}

async function changeIncident(
  client: PoolClient,
  id: string,
  decision: Extract<DetectionDecision, { kind: 'update' | 'reopen' | 'resolve' }>,
): Promise<IncidentRow> {
  if (decision.kind === 'update' || decision.kind === 'reopen') {
    const { update } = decision;
    // A reopen takes the incident back to live: its resolution is history now (kept in the timeline), and an
    // incident with resolved_at set would drop out of every period after it. Acknowledgement and containment
    // stay: they are when people first responded.
    const reopen =
      decision.kind === 'reopen'
        ? `, status = 'open', resolved_at = NULL, resolved_by = NULL, reopen_count = reopen_count + 1`
        : '';
    const updated = await client.query<IncidentRow>(
      `UPDATE incidents SET severity = $2, criteria = $3, summary = $4, first_event_at = $5, last_seen_at = $6,
         detection_count = $7, ack_due_at = $8, resolve_due_at = $9, event_count = $10, last_event_at = $11,
         source_ips = $12, user_agents = $13, burst_events = $14${reopen}
       WHERE id = $1 RETURNING *`,
      [
        id,
        update.severity,
        update.criteria,
        update.summary,
        update.firstEventAt,
        update.lastSeenAt,
        update.detectionCount,
        update.ackDueAt,
        update.resolveDueAt,
        ...summaryParameters(update.evidence),
      ],
    );
    return firstRow(updated.rows);
  }
  const { resolution } = decision;
  // After a reopen, the downtime of each outage adds up.
  const resolved = await client.query<IncidentRow>(
    `UPDATE incidents SET status = 'resolved', resolved_at = $2, resolved_by = $3,
       downtime_seconds = CASE WHEN $4::double precision IS NULL THEN downtime_seconds
                               ELSE coalesce(downtime_seconds, 0) + $4 END
     WHERE id = $1 RETURNING *`,
    [id, resolution.resolvedAt, resolution.resolvedBy, resolution.downtimeSeconds],
  );
  return firstRow(resolved.rows);
}

function summaryParameters(summary: EvidenceSummary): unknown[] {
  return [
    summary.eventCount,
    summary.lastEventAt,
    summary.sourceIps,
    summary.userAgents,
    JSON.stringify(summary.burstEvents),
  ];
}

/**
 * Evidence rows kept per incident: a long burst keeps its first this many events' positions; the incident's
 * event count covers them all.
 */
export const MAX_EVIDENCE_PER_INCIDENT = 1_000;

async function addEvidence(
  client: PoolClient,
  incidentId: string,
  detection: Detection,
  now: Date,
): Promise<void> {
  const kept = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM incident_evidence WHERE incident_id = $1',
    [incidentId],
  );
  const refs = detection.evidence.slice(0, Math.max(0, MAX_EVIDENCE_PER_INCIDENT - (kept.rows[0]?.n ?? 0)));
  if (refs.length === 0) return;
  // The same event may back several detections of one incident; it is evidence once.
  await client.query(
    `INSERT INTO incident_evidence (incident_id, event_id, topic, partition, stream_offset, event_time, detection_id,
       added_at)
     SELECT $1, e.event_id, e.topic, e.partition, e.stream_offset, e.event_time, $2, $3
     FROM unnest($4::text[], $5::text[], $6::int[], $7::bigint[], $8::timestamptz[])
       AS e(event_id, topic, partition, stream_offset, event_time)
     ON CONFLICT (incident_id, event_id) DO NOTHING`,
    [
      incidentId,
      detection.id,
      now,
      refs.map((ref) => ref.eventId),
      refs.map((ref) => ref.topic),
      refs.map((ref) => ref.partition),
      refs.map((ref) => ref.offset),
      refs.map((ref) => ref.time),
    ],
  );
}

async function recordApplied(
  client: PoolClient,
  detection: Detection,
  incidentId: string | null,
  outcome: Exclude<ApplyOutcome, 'duplicate'>,
  now: Date,
  historical: boolean,
): Promise<void> {
  await client.query(
    `INSERT INTO applied_detections (detection_id, incident_id, outcome, rule_id, dedup_key, applied_at, rule_config,
       time_to_detect_ms, backfill)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      detection.id,
      incidentId,
      outcome,
      detection.ruleId,
      detection.dedupKey,
      now,
      detection.ruleConfig ? JSON.stringify(detection.ruleConfig) : null,
      timeToDetectMs(detection),
      historical,
    ],
  );
}
