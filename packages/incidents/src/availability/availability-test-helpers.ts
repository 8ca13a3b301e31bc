import type { IncidentRecord } from '../incident-types';
import type { MaintenanceWindow } from './availability-types';
import type { OutageSpan } from './outage-intervals';

let seq = 0;

/** A service-down incident record with only what availability reads set meaningfully. */
export function outageIncident(
  overrides: Partial<IncidentRecord> & { firstEventAt: string },
): IncidentRecord {
  seq += 1;
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    seq,
    ruleId: 'availability.service-down',
    ruleVersion: 2,
    title: 'Service checkout is down',
    summary: '3 consecutive failed checks',
    criteria: ['A1.2', 'CC7.4'],
    category: 'availability',
    severity: 'SEV2',
    status: 'resolved',
    dedupKey: 'availability.service-down:service:checkout',
    entity: { type: 'service', id: 'checkout' },
    ownerKey: 'checkout',
    detectionCount: 1,
    detectedAt: overrides.firstEventAt,
    lastSeenAt: overrides.firstEventAt,
    resolvedAt: null,
    downtimeSeconds: null,
    slack: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    containedAt: null,
    containedBy: null,
    resolvedBy: null,
    closedAt: null,
    closedBy: null,
    dismissedAt: null,
    dismissedBy: null,
    dismissalReason: null,
    ackDueAt: overrides.firstEventAt,
    resolveDueAt: overrides.firstEventAt,
    recurrenceOf: null,
    reopenCount: 0,
    rootCause: null,
    remediation: null,
    postmortemUrl: null,
    followUps: [],
    affectedSystems: ['checkout'],
    dc4Candidate: false,
    eventCount: 3,
    lastEventAt: null,
    sourceIps: [],
    userAgents: [],
    timeToDetectMs: null,
    backfill: false,
    createdAt: overrides.firstEventAt,
    ...overrides,
  };
}

/** An outage the rule measured, from its first failed check to its first good check. */
export function measuredOutage(startedAt: string, minutes: number, service = 'checkout'): OutageSpan {
  const start = Date.parse(startedAt);
  return outage(service, start, start + minutes * 60_000, 'measured');
}

/** An outage still going on. */
export function openOutage(startedAt: string, openUntil: number, service = 'checkout'): OutageSpan {
  const start = Date.parse(startedAt);
  return outage(service, start, Math.max(start, openUntil), 'ongoing');
}

function outage(service: string, start: number, end: number, how: OutageSpan['how']): OutageSpan {
  const incident = outageIncident({
    firstEventAt: new Date(start).toISOString(),
    entity: { type: 'service', id: service },
    status: how === 'ongoing' ? 'open' : 'resolved',
  });
  return {
    service,
    ruleId: 'availability.service-down',
    start,
    end,
    how,
    measuredBy: 'consecutive-checks',
    historical: false,
    incident: {
      id: incident.id,
      seq: incident.seq,
      ref: `INC-${incident.seq}`,
      title: incident.title,
      status: incident.status,
      severity: incident.severity,
    },
  };
}

export function maintenanceWindow(startsAt: string, endsAt: string, service = 'checkout'): MaintenanceWindow {
  seq += 1;
  return {
    id: seq,
    service,
    startsAt,
    endsAt,
    reason: 'database upgrade, CHG-1234',
    declaredBy: 'api:sre-oncall',
    declaredAt: startsAt,
    retroactive: false,
  };
}
