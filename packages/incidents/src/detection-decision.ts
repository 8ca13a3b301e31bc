import type { Category, Detection, Entity, NotificationKind, Severity } from '@vigil/schema';
import { canReopen, incidentRef } from './incident-lifecycle';
import type { IncidentStatus } from './notification-store';
import { DEFAULT_RESPONSE_TARGETS, responseDeadlines, type ResponseTargets } from './response-targets';

/** What the decision needs to know about the latest incident for the detection's dedup key, in any state. */
export interface LatestIncident {
  id: string;
  seq: number;
  status: IncidentStatus;
  severity: Severity;
  criteria: string[];
  firstEventAt: string;
  detectedAt: string;
  lastSeenAt: string;
  detectionCount: number;
  resolvedAt: string | null;
  resolvedBy: string | null;
  ackDueAt: string;
  resolveDueAt: string;
}

export interface DetectionPolicy {
  /** A firing detection less than this long after the incident's resolution reopens it. */
  reopenWindowMs: number;
  responseTargets: ResponseTargets;
}

export const DEFAULT_REOPEN_WINDOW_MS = 60 * 60 * 1000;

export const DEFAULT_DETECTION_POLICY: DetectionPolicy = {
  reopenWindowMs: DEFAULT_REOPEN_WINDOW_MS,
  responseTargets: DEFAULT_RESPONSE_TARGETS,
};

const LIVE: readonly IncidentStatus[] = ['open', 'acknowledged', 'contained'];

export interface TimelineDraft {
  kind: string;
  actor: string;
  data: Record<string, unknown>;
}

export interface NewIncident {
  ruleId: string;
  ruleVersion: number;
  title: string;
  summary: string;
  criteria: string[];
  category: Category;
  severity: Severity;
  dedupKey: string;
  entity: Entity;
  ownerKey: string;
  firstEventAt: string;
  detectedAt: string;
  lastSeenAt: string;
  ackDueAt: string;
  resolveDueAt: string;
  /** The previous incident for the dedup key, when this one opens after that one was over. */
  recurrenceOf: string | null;
  /** An availability incident's service is the system affected; for other entities people say which. */
  affectedSystems: string[];
}

export interface IncidentUpdate {
  severity: Severity;
  criteria: string[];
  summary: string;
  firstEventAt: string;
  lastSeenAt: string;
  detectionCount: number;
  /** Only ever earlier: a severity raised by a repeat tightens the targets, a lower one never loosens them. */
  ackDueAt: string;
  resolveDueAt: string;
}

export interface IncidentResolution {
  resolvedAt: string;
  resolvedBy: string;
  downtimeSeconds: number | null;
}

export type DetectionDecision =
  | { kind: 'open'; incident: NewIncident; timeline: TimelineDraft; notify: NotificationKind }
  | { kind: 'update'; update: IncidentUpdate; timeline: TimelineDraft; notify: NotificationKind }
  /** A resolved incident firing again within the reopen window: back to open, with the repeat counted. */
  | { kind: 'reopen'; update: IncidentUpdate; timeline: TimelineDraft; notify: NotificationKind }
  | { kind: 'resolve'; resolution: IncidentResolution; timeline: TimelineDraft; notify: NotificationKind }
  | { kind: 'ignore'; reason: string };

const SEVERITY_RANK: Record<Severity, number> = { SEV1: 1, SEV2: 2, SEV3: 3, SEV4: 4 };

/**
 * What a detection does to the register, given the latest incident for its dedup key (or none). Pure: the
 * store runs it inside the transaction that holds that incident's row, then writes what it says.
 */
export function decideDetection(
  detection: Detection,
  latest: LatestIncident | null,
  policy: DetectionPolicy = DEFAULT_DETECTION_POLICY,
): DetectionDecision {
  const actor = systemActor(detection.ruleId);
  const evidence = eventIds(detection);
  const live = latest !== null && LIVE.includes(latest.status);

  if (detection.status === 'resolved') {
    if (!latest || !live) return { kind: 'ignore', reason: 'no open incident for this dedup key' };
    const resolution: IncidentResolution = {
      resolvedAt: detection.detectedAt,
      resolvedBy: actor,
      downtimeSeconds: downtimeFrom(detection.attributes),
    };
    return {
      kind: 'resolve',
      resolution,
      notify: 'resolved',
      timeline: {
        kind: 'resolved',
        actor,
        data: {
          detectionId: detection.id,
          resolvedAt: resolution.resolvedAt,
          downtimeSeconds: resolution.downtimeSeconds,
          evidence,
        },
      },
    };
  }

  if (latest && live) {
    const { update, data } = repeat(detection, latest, policy);
    return { kind: 'update', update, notify: 'updated', timeline: { kind: 'detection-added', actor, data } };
  }

  if (latest && canReopen(latest.status) && withinReopenWindow(detection, latest, policy)) {
    const { update, data } = repeat(detection, latest, policy);
    data.previousResolution = { resolvedAt: latest.resolvedAt, resolvedBy: latest.resolvedBy };
    data.reopenWindowMs = policy.reopenWindowMs;
    return { kind: 'reopen', update, notify: 'updated', timeline: { kind: 'reopened', actor, data } };
  }

  const criteria = unique(detection.criteria);
  const deadlines = responseDeadlines(detection.severity, detection.detectedAt, policy.responseTargets);
  const data: Record<string, unknown> = {
    detectionId: detection.id,
    ruleId: detection.ruleId,
    ruleVersion: detection.ruleVersion,
    severity: detection.severity,
    criteria,
    entity: detection.entity,
    dedupKey: detection.dedupKey,
    firstEventAt: detection.firstEventAt,
    detectedAt: detection.detectedAt,
    ackDueAt: deadlines.ackDueAt,
    resolveDueAt: deadlines.resolveDueAt,
    evidence,
  };
  // Anything but a reopen after a previous incident is a recurrence of it, and the timeline says which.
  if (latest) {
    data.recurrenceOf = {
      incidentId: latest.id,
      ref: incidentRef(latest.seq),
      status: latest.status,
      resolvedAt: latest.resolvedAt,
    };
  }
  return {
    kind: 'open',
    notify: 'opened',
    incident: {
      ruleId: detection.ruleId,
      ruleVersion: detection.ruleVersion,
      title: detection.title,
      summary: detection.summary,
      criteria,
      category: detection.category,
      severity: detection.severity,
      dedupKey: detection.dedupKey,
      entity: detection.entity,
      ownerKey: detection.ownerKey,
      firstEventAt: detection.firstEventAt,
      detectedAt: detection.detectedAt,
      lastSeenAt: detection.detectedAt,
      ackDueAt: deadlines.ackDueAt,
      resolveDueAt: deadlines.resolveDueAt,
      recurrenceOf: latest?.id ?? null,
      affectedSystems: detection.entity.type === 'service' ? [detection.entity.id] : [],
    },
    timeline: { kind: 'detected', actor, data },
  };
}

/** A detection added to an incident that is live, or about to be again. */
function repeat(
  detection: Detection,
  latest: LatestIncident,
  policy: DetectionPolicy,
): { update: IncidentUpdate; data: Record<string, unknown> } {
  // A repeat never lowers severity or drops a criterion: an incident only ever gets more serious on its own.
  const severity = moreSevere(latest.severity, detection.severity);
  const criteria = unique([...latest.criteria, ...detection.criteria]);
  const criteriaAdded = criteria.filter((criterion) => !latest.criteria.includes(criterion));
  const tighter = responseDeadlines(severity, latest.detectedAt, policy.responseTargets);
  const update: IncidentUpdate = {
    severity,
    criteria,
    summary: detection.summary,
    firstEventAt: earlier(latest.firstEventAt, detection.firstEventAt),
    lastSeenAt: later(latest.lastSeenAt, detection.detectedAt),
    detectionCount: latest.detectionCount + 1,
    ackDueAt: earlier(latest.ackDueAt, tighter.ackDueAt),
    resolveDueAt: earlier(latest.resolveDueAt, tighter.resolveDueAt),
  };
  const data: Record<string, unknown> = {
    detectionId: detection.id,
    detectedAt: detection.detectedAt,
    detectionCount: update.detectionCount,
    evidence: eventIds(detection),
  };
  if (severity !== latest.severity) data.severityChanged = { from: latest.severity, to: severity };
  if (criteriaAdded.length > 0) data.criteriaAdded = criteriaAdded;
  if (update.ackDueAt !== latest.ackDueAt || update.resolveDueAt !== latest.resolveDueAt) {
    data.targetsTightened = { ackDueAt: update.ackDueAt, resolveDueAt: update.resolveDueAt };
  }
  return { update, data };
}

/**
 * Measured in event time, from the resolution to the new detection. A detection stamped before the
 * resolution (delivered late) counts as within the window: the problem it describes was not over.
 */
function withinReopenWindow(detection: Detection, latest: LatestIncident, policy: DetectionPolicy): boolean {
  if (latest.resolvedAt === null) return false;
  return Date.parse(detection.detectedAt) - Date.parse(latest.resolvedAt) < policy.reopenWindowMs;
}

function eventIds(detection: Detection): string[] {
  return detection.evidence.map((ref) => ref.eventId);
}

/** How the register names a rule acting on its own behalf, in `*_by` columns and timeline actors. */
export function systemActor(ruleId: string): string {
  return `vigil:${ruleId}`;
}

function downtimeFrom(attributes: Detection['attributes']): number | null {
  const value = attributes.downtimeSeconds;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function moreSevere(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[b] < SEVERITY_RANK[a] ? b : a;
}

function earlier(a: string, b: string): string {
  return Date.parse(b) < Date.parse(a) ? b : a;
}

function later(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
