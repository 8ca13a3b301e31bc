import type { IncidentRecord } from '../incident-types';
import { INCIDENT_STATUSES, type IncidentStatus } from '../notification-store';
import type { AuditPeriod, PopulationCounts } from './audit-types';

/** When an incident stopped being live: its (latest) resolution, or its dismissal. */
export function endedAt(incident: IncidentRecord): string | null {
  return incident.resolvedAt ?? incident.dismissedAt;
}

export function countPopulation(
  incidents: IncidentRecord[],
  period: AuditPeriod,
  rows: Record<string, string | undefined>,
): PopulationCounts {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  const byStatus = Object.fromEntries(INCIDENT_STATUSES.map((status) => [status, 0])) as Record<
    IncidentStatus,
    number
  >;
  let openedInPeriod = 0;
  let endedInPeriod = 0;
  for (const incident of incidents) {
    byStatus[incident.status] += 1;
    if (Date.parse(incident.detectedAt) >= from) openedInPeriod += 1;
    const ended = endedAt(incident);
    if (ended !== null && Date.parse(ended) < to) endedInPeriod += 1;
  }
  return {
    incidents: incidents.length,
    openedInPeriod,
    openedBefore: incidents.length - openedInPeriod,
    endedInPeriod,
    openAtEnd: incidents.length - endedInPeriod,
    byStatus,
    timelineEntries: Number(rows.timeline_entries ?? 0),
    evidence: Number(rows.evidence ?? 0),
    communications: Number(rows.communications ?? 0),
  };
}
