import type { Pool } from 'pg';
import { toIncidentRecord, toTimelineEntry, type IncidentRow, type TimelineRow } from '../incident-rows';
import type { TimelineEntry } from '../incident-types';
import { inTransaction } from '../pg-transaction';
import { compareRow, type RowCheck } from './row-fold';

const BATCH = 500;

/** Every incident row of the register against the fold of its timeline, in one snapshot. */
export async function checkRegisterRows(pool: Pool): Promise<RowCheck> {
  return inTransaction(
    pool,
    async (client) => {
      const result: RowCheck = { checked: 0, differences: [] };
      let afterSeq = 0;
      for (;;) {
        const incidents = await client.query<IncidentRow>(
          'SELECT * FROM incidents WHERE seq > $1 ORDER BY seq LIMIT $2',
          [afterSeq, BATCH],
        );
        if (incidents.rows.length === 0) break;
        const timeline = await client.query<TimelineRow>(
          'SELECT * FROM incident_timeline WHERE incident_id = ANY($1::uuid[]) ORDER BY id',
          [incidents.rows.map((row) => row.id)],
        );
        const byIncident = new Map<string, TimelineEntry[]>();
        for (const row of timeline.rows) {
          const entries = byIncident.get(row.incident_id) ?? [];
          entries.push(toTimelineEntry(row));
          byIncident.set(row.incident_id, entries);
        }
        for (const row of incidents.rows) {
          result.checked += 1;
          result.differences.push(...compareRow(toIncidentRecord(row), byIncident.get(row.id) ?? []));
        }
        afterSeq = Number(incidents.rows.at(-1)?.seq);
        if (incidents.rows.length < BATCH) break;
      }
      return result;
    },
    { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
  );
}
