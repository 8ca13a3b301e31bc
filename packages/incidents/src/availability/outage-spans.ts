import { incidentRef } from '../incident-lifecycle';
import type { IncidentRecord } from '../incident-types';
import type { OutageEnd } from './availability-types';
import type { Interval } from './intervals';

/** The rule whose incidents are the outages; its incidents carry the service as their entity. */
export const SERVICE_DOWN_RULE_ID = 'availability.service-down';

/** A service-down incident as a down interval. */
export interface OutageSpan extends Interval {
  service: string;
  end: number;
  how: OutageEnd;
  incident: Pick<IncidentRecord, 'id' | 'seq' | 'title' | 'status' | 'severity'> & { ref: string };
}

const LIVE: readonly string[] = ['open', 'acknowledged', 'contained'];

/**
 * From the first failed check to recovery. The rule measures the downtime in event time (first failed
 * check to first good check), which the resolution time does not give exactly: that is when the detector
 * noticed. So a measured downtime wins; without one (resolved by a person), or when the incident was
 * reopened (its downtime is only the last outage's), the resolution time is the end and any flapping in
 * between counts as down. A live incident is down until `openUntil` (the end of the period, or now).
 *
 * Returns null for what is no outage: a dismissed incident (a reviewer decided it was not one).
 */
export function outageSpan(incident: IncidentRecord, openUntil: number): OutageSpan | null {
  if (incident.status === 'dismissed') return null;
  const start = Date.parse(incident.firstEventAt);
  const identity = {
    id: incident.id,
    seq: incident.seq,
    ref: incidentRef(incident.seq),
    title: incident.title,
    status: incident.status,
    severity: incident.severity,
  };
  const base = { service: incident.entity.id, start, incident: identity };
  if (LIVE.includes(incident.status) || incident.resolvedAt === null) {
    return { ...base, end: Math.max(start, openUntil), how: 'ongoing' };
  }
  if (incident.downtimeSeconds !== null && incident.reopenCount === 0) {
    return { ...base, end: start + Math.round(incident.downtimeSeconds * 1000), how: 'measured' };
  }
  return { ...base, end: Math.max(start, Date.parse(incident.resolvedAt)), how: 'resolution' };
}
