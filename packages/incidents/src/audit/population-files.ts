import { incidentRef } from '../incident-lifecycle';
import type { IncidentRecord } from '../incident-types';
import { POPULATION_SQL } from './audit-queries';
import type { AuditedIncident, AuditPopulation, AuditQuery, AuditSample } from './audit-types';
import { toCsv, type CsvValue } from './csv';
import { acknowledgeOutcome, resolveOutcome } from './response-figures';
import { describeMissing } from './sequence-check';

type Column = readonly [header: string, value: (incident: IncidentRecord, asOf: string) => CsvValue];

/** population.csv, one row per incident; lists are `;`-separated. */
const POPULATION_COLUMNS: readonly Column[] = [
  ['seq', (i) => i.seq],
  ['ref', (i) => incidentRef(i.seq)],
  ['id', (i) => i.id],
  ['rule_id', (i) => i.ruleId],
  ['rule_version', (i) => i.ruleVersion],
  ['title', (i) => i.title],
  ['criteria', (i) => i.criteria.join(';')],
  ['category', (i) => i.category],
  ['severity', (i) => i.severity],
  ['status', (i) => i.status],
  ['entity_type', (i) => i.entity.type],
  ['entity_id', (i) => i.entity.id],
  ['owner_key', (i) => i.ownerKey],
  ['affected_systems', (i) => i.affectedSystems.join(';')],
  ['first_event_at', (i) => i.firstEventAt],
  ['detected_at', (i) => i.detectedAt],
  ['created_at', (i) => i.createdAt],
  ['ack_due_at', (i) => i.ackDueAt],
  ['acknowledged_at', (i) => i.acknowledgedAt],
  ['acknowledged_by', (i) => i.acknowledgedBy],
  ['acknowledged_within_target', (i, asOf) => acknowledgeOutcome(i, asOf)],
  ['contained_at', (i) => i.containedAt],
  ['contained_by', (i) => i.containedBy],
  ['resolve_due_at', (i) => i.resolveDueAt],
  ['resolved_at', (i) => i.resolvedAt],
  ['resolved_by', (i) => i.resolvedBy],
  ['resolved_within_target', (i, asOf) => resolveOutcome(i, asOf)],
  ['closed_at', (i) => i.closedAt],
  ['closed_by', (i) => i.closedBy],
  ['dismissed_at', (i) => i.dismissedAt],
  ['dismissed_by', (i) => i.dismissedBy],
  ['dismissal_reason', (i) => i.dismissalReason],
  ['detection_count', (i) => i.detectionCount],
  ['reopen_count', (i) => i.reopenCount],
  ['recurrence_of', (i) => i.recurrenceOf],
  ['downtime_seconds', (i) => i.downtimeSeconds],
  ['root_cause', (i) => i.rootCause],
  ['remediation', (i) => i.remediation],
  ['postmortem_url', (i) => i.postmortemUrl],
  ['follow_ups', (i) => i.followUps.length],
  ['follow_ups_done', (i) => i.followUps.filter((followUp) => followUp.done).length],
  ['dc4_candidate', (i) => i.dc4Candidate],
];

export const POPULATION_CSV_HEADER = POPULATION_COLUMNS.map(([header]) => header);

/** The population as CSV; `asOf` (the export time) decides which response targets are still pending. */
export function populationCsv(population: Pick<AuditPopulation, 'incidents' | 'generatedAt'>): string {
  const asOf = population.generatedAt;
  return toCsv(
    POPULATION_CSV_HEADER,
    population.incidents.map((incident) => POPULATION_COLUMNS.map(([, value]) => value(incident, asOf))),
  );
}

/** population.json: the incident rows with the queries, counts and checks that vouch for them. */
export function populationDocument(population: AuditPopulation<IncidentRecord>) {
  return {
    format: 'vigil-audit-population/1',
    period: population.period,
    generatedAt: population.generatedAt,
    queries: population.queries,
    counts: population.counts,
    sequence: population.sequence,
    chain: population.chain,
    incidents: population.incidents.map((incident) => recordOnly(incident)),
  };
}

/** timelines.json: per incident, the timeline in chain order with its hashes, evidence and messages. */
export function timelinesDocument(population: AuditPopulation<AuditedIncident>) {
  return {
    format: 'vigil-audit-timelines/1',
    period: population.period,
    generatedAt: population.generatedAt,
    chain: population.chain,
    incidents: population.incidents.map((incident) => ({
      id: incident.id,
      ref: incidentRef(incident.seq),
      seq: incident.seq,
      title: incident.title,
      status: incident.status,
      timeline: incident.timeline,
      evidence: incident.evidence,
      communications: incident.communications,
      notifications: incident.notifications,
    })),
  };
}

/** The incident row without whatever evidence was read alongside it. */
export function recordOnly(incident: IncidentRecord | AuditedIncident): IncidentRecord {
  const copy: Partial<AuditedIncident> = { ...incident };
  delete copy.timeline;
  delete copy.evidence;
  delete copy.communications;
  delete copy.notifications;
  delete copy.evidencePayloads;
  delete copy.evidencePurges;
  return copy as IncidentRecord;
}

/**
 * query.txt: how the population was produced (IPE): each query with its parameters and row count, the
 * snapshot they ran in, the numbering check and the chain head.
 */
export function queryText(population: AuditPopulation<IncidentRecord>, extra: AuditQuery[] = []): string {
  const { period, sequence, chain, counts } = population;
  const lines = [
    'Vigil audit export: how this population was produced',
    '',
    `Period:        [${period.from}, ${period.to})  (from inclusive, to exclusive)`,
    `Generated at:  ${population.generatedAt}`,
    'Snapshot:      every query below ran in one PostgreSQL transaction,',
    '               BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY, so all files describe the same state.',
    '',
    `Population:    ${counts.incidents} incidents (${counts.openedInPeriod} opened in the period, ` +
      `${counts.openedBefore} carried in; ${counts.endedInPeriod} resolved or dismissed in it, ` +
      `${counts.openAtEnd} open at its end)`,
    `Behind it:     ${counts.timelineEntries} timeline entries, ${counts.evidence} evidence events, ` +
      `${counts.communications} messages`,
    `Numbering:     ${sequence.incidents} incidents in the register, numbers 1..${sequence.lastIssued} issued; ` +
      (sequence.contiguous
        ? 'contiguous (no number missing)'
        : `NOT contiguous: missing ${describeMissing(sequence.missing) || 'none'}` +
          (sequence.problems.length > 0 ? `; ${sequence.problems.join('; ')}` : '')),
    chain.ok
      ? `Chain:         intact, ${chain.entries} entries, head ${chain.head}`
      : `Chain:         BROKEN at entry ${chain.firstBrokenId}: ${chain.reason}`,
    '',
  ];
  for (const [index, query] of [...population.queries, ...extra].entries()) {
    lines.push(`-- ${index + 1}. ${query.purpose}: ${query.rows} row${query.rows === 1 ? '' : 's'}`);
    for (const parameter of query.parameters) {
      lines.push(`--    ${parameter.placeholder} (${parameter.name}) = ${String(parameter.value)}`);
    }
    lines.push(`${query.sql.trim()};`, '');
  }
  lines.push(
    '-- To re-derive the population yourself (psql, read-only), then compare its count and ids with',
    '-- population.csv:',
    `PREPARE vigil_population(timestamptz, timestamptz) AS\n${POPULATION_SQL};`,
    `EXECUTE vigil_population('${period.from}', '${period.to}');`,
    '',
  );
  return `${lines.join('\n')}\n`;
}

/** sample.json (and the sample endpoint): which incidents were drawn, how, and their full evidence. */
export function sampleDocument(sample: AuditSample) {
  const { population, choice } = sample;
  return {
    format: 'vigil-audit-sample/1',
    period: population.period,
    generatedAt: population.generatedAt,
    chain: population.chain,
    seed: choice.seed,
    method: choice.method,
    populationCount: choice.populationCount,
    sizeRule: choice.sizeRule,
    sizeTable: choice.sizeTable,
    requestedSize: choice.requestedSize,
    size: choice.size,
    selected: choice.selected.map((entry) => ({ ref: incidentRef(entry.seq), ...entry })),
    incidents: sample.incidents,
  };
}
