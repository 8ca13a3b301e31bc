import {
  OCSF_VERSION,
  type DetectionFinding,
  type IncidentFinding,
  type OcsfFinding,
  type Severity,
} from '@vigil/schema';
import type { IncidentRecord, TimelineEntry } from '../incident-types';

const PRODUCT = { name: 'Vigil', vendor_name: 'Vigil' } as const;

const SEVERITY: Record<Severity, { id: 2 | 3 | 4 | 5; name: string }> = {
  SEV1: { id: 5, name: 'Critical' },
  SEV2: { id: 4, name: 'High' },
  SEV3: { id: 3, name: 'Medium' },
  SEV4: { id: 2, name: 'Low' },
};

const ACTIVITY = { 1: 'Create', 2: 'Update', 3: 'Close' } as const;
type ActivityId = keyof typeof ACTIVITY;

/** Timeline kinds that change an incident, and the Incident Finding activity each is. */
const INCIDENT_ACTIVITY: Record<string, ActivityId> = {
  detected: 1,
  'detection-added': 2,
  reopened: 2,
  acknowledged: 2,
  contained: 2,
  resolved: 2,
  'details-updated': 2,
  closed: 3,
  dismissed: 3,
};

const INCIDENT_STATUS: Record<IncidentRecord['status'], { id: 1 | 2 | 4 | 5; name: IncidentFinding['status'] }> = {
  open: { id: 1, name: 'New' },
  acknowledged: { id: 2, name: 'In Progress' },
  contained: { id: 2, name: 'In Progress' },
  resolved: { id: 4, name: 'Resolved' },
  closed: { id: 5, name: 'Closed' },
  dismissed: { id: 5, name: 'Closed' },
};

const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : undefined);

/**
 * The OCSF findings one timeline entry stands for: an Incident Finding when it changes the incident, and a
 * Detection Finding when a detection caused it. `incident` is the incident as it stood after the entry.
 */
export function findingsForEntry(entry: TimelineEntry, incident: IncidentRecord): OcsfFinding[] {
  const findings: OcsfFinding[] = [];
  const activity = INCIDENT_ACTIVITY[entry.kind];
  if (activity !== undefined) findings.push(incidentFinding(entry, incident, activity));
  const detectionId = entry.data.detectionId;
  if (typeof detectionId === 'string') findings.push(detectionFinding(entry, incident, detectionId));
  return findings;
}

function common(entry: TimelineEntry, incident: IncidentRecord, uid: string) {
  const severity = SEVERITY[incident.severity];
  return {
    category_uid: 2 as const,
    category_name: 'Findings' as const,
    severity_id: severity.id,
    severity: severity.name,
    time: Date.parse(entry.at),
    metadata: { version: OCSF_VERSION, product: PRODUCT, uid, log_name: 'vigil.findings.ocsf' },
    unmapped: {
      compliance: { standards: ['AICPA SOC 2'], requirements: incident.criteria },
      vigil: { incidentId: incident.id, ref: `INC-${incident.seq}`, timelineEntry: entry.id, kind: entry.kind, actor: entry.actor },
    },
  };
}

/** Class, activity and their names; `type_uid` is class_uid · 100 + activity_id, set by each class. */
function classification<C extends number, N extends string>(classUid: C, className: N, activity: ActivityId) {
  return {
    class_uid: classUid,
    class_name: className,
    activity_id: activity,
    activity_name: ACTIVITY[activity],
    type_name: `${className}: ${ACTIVITY[activity]}`,
  };
}

function findingInfo(incident: IncidentRecord, uid: string, modifiedAt: string) {
  return {
    uid,
    title: incident.title,
    desc: incident.summary,
    created_time: ms(incident.detectedAt),
    first_seen_time: ms(incident.firstEventAt),
    // Event time: when the newest event behind it happened, not when Vigil processed it.
    last_seen_time: ms(incident.lastEventAt ?? incident.lastSeenAt),
    modified_time: ms(modifiedAt),
    types: [incident.category],
    analytic: { uid: incident.ruleId, name: incident.ruleId, type_id: 1 as const, type: 'Rule' as const },
  };
}

function incidentFinding(entry: TimelineEntry, incident: IncidentRecord, activity: ActivityId): IncidentFinding {
  const status = INCIDENT_STATUS[incident.status];
  const comment = typeof entry.data.reason === 'string' ? entry.data.reason : typeof entry.data.text === 'string' ? entry.data.text : undefined;
  return {
    ...common(entry, incident, `${incident.id}:${entry.id}`),
    ...classification(2005, 'Incident Finding', activity),
    type_uid: (200500 + activity) as IncidentFinding['type_uid'],
    message: `INC-${incident.seq} ${entry.kind} by ${entry.actor}`,
    status_id: status.id,
    status: status.name,
    finding_info_list: [{ ...findingInfo(incident, incident.id, entry.at), related_events_count: incident.eventCount }],
    desc: incident.summary,
    assignee_group: { name: incident.ownerKey },
    start_time: ms(incident.firstEventAt),
    end_time: ms(incident.lastEventAt ?? incident.lastSeenAt),
    ...(comment ? { comment } : {}),
  };
}

function detectionFinding(entry: TimelineEntry, incident: IncidentRecord, detectionId: string): DetectionFinding {
  const resolving = entry.kind === 'resolved';
  const activity: ActivityId = resolving ? 3 : 1;
  const evidence = Array.isArray(entry.data.evidence) ? (entry.data.evidence as unknown[]).filter((id): id is string => typeof id === 'string') : [];
  return {
    ...common(entry, incident, `${detectionId}:${entry.id}`),
    ...classification(2004, 'Detection Finding', activity),
    type_uid: (200400 + activity) as DetectionFinding['type_uid'],
    message: `${incident.ruleId} ${resolving ? 'resolved' : 'fired'} for ${incident.entity.type} ${incident.entity.id}`,
    status_id: resolving ? 4 : 1,
    status: resolving ? 'Resolved' : 'New',
    finding_info: {
      ...findingInfo(incident, detectionId, entry.at),
      related_events: evidence.map((uid) => ({ uid })),
      related_events_count: evidence.length,
    },
    is_alert: !resolving,
    resources: [{ uid: incident.entity.id, type: incident.entity.type }],
  };
}
