import type { PoolClient } from 'pg';
import { IncidentNotFoundError } from './incident-errors';
import { appendTimeline } from './timeline-writer';

/** The response rules (CC7.4, CC7.5) that a timer found broken for an incident. */
export const RESPONSE_FINDINGS = ['ack-overdue', 'unresolved-overdue', 'postmortem-overdue'] as const;
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
