import type { Category, Detection, Entity, NotificationKind, Severity } from '@vigil/schema';
import type { IncidentStatus } from './notification-store';

/** What the decision needs to know about the live incident for the detection's dedup key. */
export interface ActiveIncident {
  status: IncidentStatus;
  severity: Severity;
  criteria: string[];
  firstEventAt: string;
  lastSeenAt: string;
  detectionCount: number;
}

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
}

export interface IncidentUpdate {
  severity: Severity;
  criteria: string[];
  summary: string;
  firstEventAt: string;
  lastSeenAt: string;
  detectionCount: number;
}

export interface IncidentResolution {
  resolvedAt: string;
  resolvedBy: string;
  downtimeSeconds: number | null;
}

export type DetectionDecision =
  | { kind: 'open'; incident: NewIncident; timeline: TimelineDraft; notify: NotificationKind }
  | { kind: 'update'; update: IncidentUpdate; timeline: TimelineDraft; notify: NotificationKind }
  | { kind: 'resolve'; resolution: IncidentResolution; timeline: TimelineDraft; notify: NotificationKind }
  | { kind: 'ignore'; reason: string };

const SEVERITY_RANK: Record<Severity, number> = { SEV1: 1, SEV2: 2, SEV3: 3, SEV4: 4 };

/**
 * What a detection does to the register, given the live incident for its dedup key (or none). Pure:
 * the store runs it inside the transaction that holds the incident row, then writes what it says.
 */
export function decideDetection(detection: Detection, active: ActiveIncident | null): DetectionDecision {
  const actor = systemActor(detection.ruleId);
  const eventIds = detection.evidence.map((ref) => ref.eventId);

  if (detection.status === 'resolved') {
    if (!active) return { kind: 'ignore', reason: 'no open incident for this dedup key' };
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
          evidence: eventIds,
        },
      },
    };
  }

  if (!active) {
    return {
      kind: 'open',
      notify: 'opened',
      incident: {
        ruleId: detection.ruleId,
        ruleVersion: detection.ruleVersion,
        title: detection.title,
        summary: detection.summary,
        criteria: unique(detection.criteria),
        category: detection.category,
        severity: detection.severity,
        dedupKey: detection.dedupKey,
        entity: detection.entity,
        ownerKey: detection.ownerKey,
        firstEventAt: detection.firstEventAt,
        detectedAt: detection.detectedAt,
        lastSeenAt: detection.detectedAt,
      },
      timeline: {
        kind: 'detected',
        actor,
        data: {
          detectionId: detection.id,
          ruleId: detection.ruleId,
          ruleVersion: detection.ruleVersion,
          severity: detection.severity,
          criteria: unique(detection.criteria),
          entity: detection.entity,
          dedupKey: detection.dedupKey,
          firstEventAt: detection.firstEventAt,
          detectedAt: detection.detectedAt,
          evidence: eventIds,
        },
      },
    };
  }

  // A repeat never lowers severity or drops a criterion: an incident only ever gets more serious on its own.
  const severity = moreSevere(active.severity, detection.severity);
  const criteria = unique([...active.criteria, ...detection.criteria]);
  const criteriaAdded = criteria.filter((criterion) => !active.criteria.includes(criterion));
  const update: IncidentUpdate = {
    severity,
    criteria,
    summary: detection.summary,
    firstEventAt: earlier(active.firstEventAt, detection.firstEventAt),
    lastSeenAt: later(active.lastSeenAt, detection.detectedAt),
    detectionCount: active.detectionCount + 1,
  };
  const data: Record<string, unknown> = {
    detectionId: detection.id,
    detectedAt: detection.detectedAt,
    detectionCount: update.detectionCount,
    evidence: eventIds,
  };
  if (severity !== active.severity) data.severityChanged = { from: active.severity, to: severity };
  if (criteriaAdded.length > 0) data.criteriaAdded = criteriaAdded;
  return { kind: 'update', update, notify: 'updated', timeline: { kind: 'detection-added', actor, data } };
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
