import type { Pool, PoolClient } from 'pg';
import { IncidentNotFoundError } from './incident-errors';
import { toIncidentRecord, type IncidentRow } from './incident-rows';
import type { IncidentRecord } from './incident-types';
import { appendTimeline } from './timeline-writer';

/**
 * The response rules (CC7.4, CC7.5) that a timer found broken for an incident; `vendor-notification-overdue`:
 * a vendor's CUEC (notify it of unauthorized use) not met in the vendor's time.
 */
export const RESPONSE_FINDINGS = ['ack-overdue', 'unresolved-overdue', 'postmortem-overdue', 'vendor-notification-overdue'] as const;
export type ResponseFindingKind = (typeof RESPONSE_FINDINGS)[number];

/** What the timer saw (any JSON fields); `key` identifies the finding, so recording it twice records it once. */
export interface ResponseFindingInput {
  key: string;
}

export const RESPONSE_TIMER_ACTOR = 'system:response-timers';

/**
 * Writes a response finding to the incident's timeline inside the caller's transaction, once per key.
 * Returns whether it was new. The incident row is locked first (the one lock order of the register).
 */
export async function recordResponseFindingTx(
  client: PoolClient,
  incidentId: string,
  kind: ResponseFindingKind,
  data: ResponseFindingInput,
  now: Date,
): Promise<boolean> {
  const { rows } = await client.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [incidentId]);
  if (rows.length === 0) throw new IncidentNotFoundError(incidentId);
  const seen = await client.query(
    `SELECT 1 FROM incident_timeline
      WHERE incident_id = $1 AND kind = 'response-finding' AND data->>'key' = $2 LIMIT 1`,
    [incidentId, data.key],
  );
  if ((seen.rowCount ?? 0) > 0) return false;
  await appendTimeline(
    client,
    [{ incidentId, kind: 'response-finding', actor: RESPONSE_TIMER_ACTOR, data: { ...data, finding: kind } }],
    now,
  );
  return true;
}

/**
 * Incidents that may be owed a response timer, by register number after `afterSeq`: every live incident
 * (acknowledgement and resolution), and every resolved or closed SEV1/SEV2 still without a root cause or a
 * postmortem link whose postmortem finding is not recorded yet. Timers live in Redis; this is what they are
 * rebuilt from when Redis loses them. Dismissed incidents, and closed ones that owe nothing, are not listed.
 */
export async function listNeedingResponseTimers(
  pool: Pool,
  afterSeq: number,
  limit: number,
): Promise<IncidentRecord[]> {
  const { rows } = await pool.query<IncidentRow>(
    `SELECT * FROM incidents i
      WHERE i.seq > $1
        AND (i.status IN ('open', 'acknowledged', 'contained')
          OR (i.severity IN ('SEV1', 'SEV2') AND i.status IN ('resolved', 'closed')
              AND (i.root_cause IS NULL OR i.postmortem_url IS NULL)
              AND NOT EXISTS (SELECT 1 FROM incident_timeline t
                               WHERE t.incident_id = i.id AND t.kind = 'response-finding'
                                 AND t.data->>'finding' = 'postmortem-overdue')))
      ORDER BY i.seq
      LIMIT $2`,
    [afterSeq, limit],
  );
  return rows.map(toIncidentRecord);
}
