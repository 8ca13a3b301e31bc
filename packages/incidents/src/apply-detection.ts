import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Detection } from '@vigil/schema';
import {
  decideDetection,
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
import { addNotification, firstRow } from './incident-writes';
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
  const latest = await client.query<IncidentRow>(
    'SELECT * FROM incidents WHERE dedup_key = $1 ORDER BY seq DESC LIMIT 1 FOR UPDATE',
    [detection.dedupKey],
  );
  const current = latest.rows[0];
  const decision = decideDetection(detection, current ? toLatestIncident(current) : null, policy);

  if (decision.kind === 'ignore') {
    await recordApplied(client, detection, null, 'ignored', now);
    return { outcome: 'ignored', incident: null, notifications: [] };
  }

  let row: IncidentRow;
  if (decision.kind === 'open') row = await openIncident(client, decision.incident, now);
  else if (current) row = await changeIncident(client, current.id, decision);
  else throw new Error(`cannot ${decision.kind} without a live incident`);
  await addEvidence(client, row.id, detection, now);
  await appendTimeline(client, [{ incidentId: row.id, ...decision.timeline }], now);
  const notification = await addNotification(client, row.id, decision.notify, detection.id, trace, now);
  const outcome = OUTCOME[decision.kind];
  await recordApplied(client, detection, row.id, outcome, now);
  return { outcome, incident: toIncidentRecord(row), notifications: [notification] };
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
       created_at, ack_due_at, resolve_due_at, recurrence_of, affected_systems)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $12, $13, $14, $15, $16, 1, $17, $18, $19, $20,
       $21)
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
         detection_count = $7, ack_due_at = $8, resolve_due_at = $9${reopen}
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

async function addEvidence(
  client: PoolClient,
  incidentId: string,
  detection: Detection,
  now: Date,
): Promise<void> {
  const refs = detection.evidence;
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
): Promise<void> {
  await client.query(
    `INSERT INTO applied_detections (detection_id, incident_id, outcome, rule_id, dedup_key, applied_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [detection.id, incidentId, outcome, detection.ruleId, detection.dedupKey, now],
  );
}
