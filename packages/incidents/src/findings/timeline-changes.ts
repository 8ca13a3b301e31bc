import type { PoolClient } from 'pg';
import { toIncidentRecord, toTimelineEntry, type IncidentRow, type TimelineRow } from '../incident-rows';
import type { IncidentRecord, TimelineEntry } from '../incident-types';
import { foldTimeline } from '../proof/row-fold';

/** A timeline entry with the incident as it stood right after it. */
export interface TimelineChange {
  entry: TimelineEntry;
  incident: IncidentRecord;
}

/**
 * Up to `limit` timeline entries after entry `after`, in chain order, each with its incident as it stood right
 * after the entry (the fold of its entries so far over the current row). `last` is the last entry id read, `read`
 * how many entries were read.
 */
export async function timelineChangesAfter(
  client: PoolClient,
  after: number,
  limit: number,
): Promise<{ changes: TimelineChange[]; last: number; read: number }> {
  const batch = await client.query<TimelineRow>('SELECT * FROM incident_timeline WHERE id > $1 ORDER BY id LIMIT $2', [
    after,
    limit,
  ]);
  if (batch.rows.length === 0) return { changes: [], last: after, read: 0 };
  const last = Number(batch.rows.at(-1)?.id);
  const ids = [...new Set(batch.rows.map((row) => row.incident_id))];
  const incidents = await client.query<IncidentRow>('SELECT * FROM incidents WHERE id = ANY($1::uuid[])', [ids]);
  const history = await client.query<TimelineRow>(
    'SELECT * FROM incident_timeline WHERE incident_id = ANY($1::uuid[]) AND id <= $2 ORDER BY id',
    [ids, last],
  );
  const rows = new Map(incidents.rows.map((row) => [row.id, toIncidentRecord(row)]));
  const entries = history.rows.map(toTimelineEntry);
  const changes: TimelineChange[] = [];
  for (const row of batch.rows) {
    const entry = toTimelineEntry(row);
    const current = rows.get(entry.incidentId);
    if (!current) continue;
    const upTo = entries.filter((candidate) => candidate.incidentId === entry.incidentId && candidate.id <= entry.id);
    changes.push({ entry, incident: { ...current, ...foldTimeline(upTo) } });
  }
  return { changes, last, read: batch.rows.length };
}
