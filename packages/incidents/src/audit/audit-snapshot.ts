import type { Pool, PoolClient } from 'pg';
import {
  toCommunicationEntry,
  toEvidenceEntry,
  toIncidentRecord,
  toNotificationDetail,
  toTimelineEntry,
  type IncidentRow,
  type NotificationRow,
  type TimelineRow,
} from '../incident-rows';
import type { IncidentRecord } from '../incident-types';
import { inTransaction } from '../pg-transaction';
import { EVIDENCE_PAYLOADS_SQL, EVIDENCE_PURGES_SQL, readIncidentPayloads } from '../evidence/evidence-payloads';
import {
  CHAIN_SQL,
  COMMUNICATIONS_SQL,
  EVIDENCE_SQL,
  NOTIFICATIONS_SQL,
  POPULATION_ROW_COUNTS_SQL,
  POPULATION_SQL,
  SEQUENCE_GAPS_SQL,
  SEQUENCE_TOTALS_SQL,
  SNAPSHOT_BEGIN,
  TIMELINE_SQL,
} from './audit-queries';
import type {
  AuditedIncident,
  AuditPeriod,
  AuditPopulation,
  AuditQuery,
  IncidentEvidence,
} from './audit-types';
import { verifyChainIn } from './chain-snapshot';
import { countPopulation } from './population-counts';
import { checkSequence } from './sequence-check';

/** Which incidents of the population to read the timeline and evidence of. */
export type DetailSelection = 'none' | 'all' | ((population: IncidentRecord[]) => string[]);

/**
 * Reads a period's population, the register's numbering, the chain and (as asked) timelines and evidence,
 * all in one REPEATABLE READ snapshot: the counts, the gap check and the chain head describe exactly the
 * incidents exported, even while the register keeps taking detections.
 */
export async function readAuditPopulation(
  pool: Pool,
  period: AuditPeriod,
  generatedAt: Date,
  details: DetailSelection,
): Promise<AuditPopulation<IncidentRecord | AuditedIncident>> {
  return inTransaction(
    pool,
    async (client) => {
      const queries: AuditQuery[] = [];
      const population = await client.query<IncidentRow>(POPULATION_SQL, [period.from, period.to]);
      const incidents = population.rows.map(toIncidentRecord);
      queries.push({
        purpose: 'population (population.csv, population.json)',
        sql: POPULATION_SQL,
        parameters: [
          { name: 'from', placeholder: '$1', value: period.from },
          { name: 'to', placeholder: '$2', value: period.to },
        ],
        rows: incidents.length,
      });

      const totals = await client.query<{ incidents: string; highest_present: string; last_issued: string }>(
        SEQUENCE_TOTALS_SQL,
      );
      const gaps = await client.query<{ first_missing: string; last_missing: string }>(SEQUENCE_GAPS_SQL);
      queries.push(
        { purpose: 'register numbering, whole register', sql: SEQUENCE_TOTALS_SQL, parameters: [], rows: 1 },
        {
          purpose: 'missing register numbers, whole register',
          sql: SEQUENCE_GAPS_SQL,
          parameters: [],
          rows: gaps.rows.length,
        },
      );
      const total = totals.rows[0];
      const sequence = checkSequence({
        incidents: Number(total?.incidents ?? 0),
        highestPresent: Number(total?.highest_present ?? 0),
        lastIssued: Number(total?.last_issued ?? 0),
        gaps: gaps.rows.map((row) => ({ first: Number(row.first_missing), last: Number(row.last_missing) })),
      });

      const ids = incidents.map((incident) => incident.id);
      const idsParameter = {
        name: 'ids',
        placeholder: '$1',
        value: `the ${ids.length} incident ids of the population`,
      };
      const rowCounts = await client.query<Record<string, string>>(POPULATION_ROW_COUNTS_SQL, [ids]);
      queries.push({
        purpose: 'rows behind the population',
        sql: POPULATION_ROW_COUNTS_SQL,
        parameters: [idsParameter],
        rows: 1,
      });

      const selected = details === 'none' ? [] : details === 'all' ? ids : details(incidents);
      const evidence = await readEvidence(client, selected);
      if (selected.length > 0) {
        const parameter = { ...idsParameter, value: `the ${selected.length} incident ids exported in full` };
        for (const [purpose, sql, rows] of [
          ['timelines', TIMELINE_SQL, evidence.counts.timeline],
          ['evidence', EVIDENCE_SQL, evidence.counts.evidence],
          ['communications', COMMUNICATIONS_SQL, evidence.counts.communications],
          ['notifications', NOTIFICATIONS_SQL, evidence.counts.notifications],
          ['evidence payloads (evidence.jsonl)', EVIDENCE_PAYLOADS_SQL, evidence.counts.evidencePayloads],
          ['evidence purges (evidence.jsonl)', EVIDENCE_PURGES_SQL, evidence.counts.evidencePurges],
        ] as const) {
          queries.push({ purpose, sql, parameters: [parameter], rows });
        }
      }

      const chain = await verifyChainIn(client);
      queries.push({
        purpose: 'timeline chain, whole register, every hash recomputed',
        sql: CHAIN_SQL,
        parameters: [],
        rows: chain.ok ? chain.entries : 0,
      });
      const counts = countPopulation(incidents, period, rowCounts.rows[0] ?? {});
      return {
        period,
        generatedAt: generatedAt.toISOString(),
        queries,
        counts,
        sequence,
        chain,
        incidents: incidents.map((incident) => {
          const found = evidence.byIncident.get(incident.id);
          return found ? { ...incident, ...found } : incident;
        }),
      };
    },
    { begin: SNAPSHOT_BEGIN },
  );
}

async function readEvidence(
  client: PoolClient,
  ids: string[],
): Promise<{ byIncident: Map<string, IncidentEvidence>; counts: Record<keyof IncidentEvidence, number> }> {
  const byIncident = new Map<string, IncidentEvidence>(
    ids.map((id) => [id, { evidence: [], timeline: [], communications: [], notifications: [], evidencePayloads: [], evidencePurges: [] }]),
  );
  const counts = { evidence: 0, timeline: 0, communications: 0, notifications: 0, evidencePayloads: 0, evidencePurges: 0 };
  if (ids.length === 0) return { byIncident, counts };
  const of = (id: string): IncidentEvidence => {
    const found = byIncident.get(id);
    if (!found) throw new Error(`row for incident ${id}, which was not asked for`);
    return found;
  };
  // One query at a time: a pg client runs them in turn anyway.
  const timeline = await client.query<TimelineRow>(TIMELINE_SQL, [ids]);
  for (const row of timeline.rows) of(row.incident_id).timeline.push(toTimelineEntry(row));
  const evidence = await client.query<Parameters<typeof toEvidenceEntry>[0] & { incident_id: string }>(
    EVIDENCE_SQL,
    [ids],
  );
  for (const row of evidence.rows) of(row.incident_id).evidence.push(toEvidenceEntry(row));
  const communications = await client.query<
    Parameters<typeof toCommunicationEntry>[0] & { incident_id: string }
  >(COMMUNICATIONS_SQL, [ids]);
  for (const row of communications.rows) of(row.incident_id).communications.push(toCommunicationEntry(row));
  const notifications = await client.query<NotificationRow>(NOTIFICATIONS_SQL, [ids]);
  for (const row of notifications.rows) of(row.incident_id).notifications.push(toNotificationDetail(row));
  for (const [id, found] of await readIncidentPayloads(client, ids)) {
    Object.assign(of(id), found);
    counts.evidencePayloads += found.evidencePayloads.length;
    counts.evidencePurges += found.evidencePurges.length;
  }
  counts.timeline = timeline.rows.length;
  counts.evidence = evidence.rows.length;
  counts.communications = communications.rows.length;
  counts.notifications = notifications.rows.length;
  return { byIncident, counts };
}
