import type { Category, Detection, Entity, NotificationKind, Severity } from '@vigil/schema';
import { EMPTY_SUMMARY, addToSummary, type EvidenceSummary, type SummaryChange } from './evidence-summary';
import type { ServiceCommitment } from './availability/services-config';
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
  summary: string;
  firstEventAt: string;
  detectedAt: string;
  lastSeenAt: string;
  detectionCount: number;
  resolvedAt: string | null;
  resolvedBy: string | null;
  ackDueAt: string;
  resolveDueAt: string;
  /**
   * Event time of the newest event behind the incident (for a rule-resolved incident, the check that showed
   * recovery): where the reopen window starts. Null when the incident has no evidence recorded.
   */
  lastEventAt: string | null;
  /** What its evidence adds up to so far. */
  evidence: EvidenceSummary;
}

export interface DetectionPolicy {
  /**
   * A firing detection whose first event is less than this long (event time) after the last event of the
   * resolved incident reopens it.
   */
  reopenWindowMs: number;
  responseTargets: ResponseTargets;
  /**
   * A detection made this long or more after the event that triggered it (backfill, replay, a detector
   * catching up) is historical: recorded as such, and its notifications say so.
   */
  historicalAfterMs: number;
  /**
   * The services file's services: a commitment breach of one of them is decided against the availability
   * report (breach-verdict.ts). None: breaches are taken as the rule raised them.
   */
  services?: readonly ServiceCommitment[];
}

export const DEFAULT_REOPEN_WINDOW_MS = 60 * 60 * 1000;
export const DEFAULT_HISTORICAL_AFTER_MS = 15 * 60 * 1000;

export const DEFAULT_DETECTION_POLICY: DetectionPolicy = {
  reopenWindowMs: DEFAULT_REOPEN_WINDOW_MS,
  responseTargets: DEFAULT_RESPONSE_TARGETS,
  historicalAfterMs: DEFAULT_HISTORICAL_AFTER_MS,
};

/** Event time of the detection's trigger: its newest evidence. */
export function triggerEventTime(detection: Detection): number {
  return Math.max(...detection.evidence.map((ref) => Date.parse(ref.time)));
}

/** From the triggering event (event time) to the detection: how long detecting took. */
export function timeToDetectMs(detection: Detection): number {
  return Math.max(0, Date.parse(detection.detectedAt) - triggerEventTime(detection));
}

/** Made long after what triggered it happened: a backfill, a replay or a detector catching up. */
export function isHistorical(detection: Detection, policy: DetectionPolicy): boolean {
  return Date.parse(detection.detectedAt) - triggerEventTime(detection) >= policy.historicalAfterMs;
}

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
  evidence: EvidenceSummary;
  /** Null when the opening detection was a backfill: its delay says when the events arrived, not how fast Vigil was. */
  timeToDetectMs: number | null;
  backfill: boolean;
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
  evidence: EvidenceSummary;
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

  // A burst's later events only add to the incident the burst opened while it is live: they never page again.
  if (detection.burst?.continuation && !live)
    return { kind: 'ignore', reason: "the burst's incident is not open: its later events add to nothing" };

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
  const { summary: evidenceSummary } = addToSummary(EMPTY_SUMMARY, detection);
  const backfill = isHistorical(detection, policy);
  const timeToDetect = backfill ? null : timeToDetectMs(detection);
  // Every column the incident row starts with, so that the row can be recomputed from its timeline.
  const data: Record<string, unknown> = {
    detectionId: detection.id,
    ruleId: detection.ruleId,
    ruleVersion: detection.ruleVersion,
    title: detection.title,
    summary: detection.summary,
    category: detection.category,
    ownerKey: detection.ownerKey,
    severity: detection.severity,
    criteria,
    entity: detection.entity,
    dedupKey: detection.dedupKey,
    firstEventAt: detection.firstEventAt,
    detectedAt: detection.detectedAt,
    ackDueAt: deadlines.ackDueAt,
    resolveDueAt: deadlines.resolveDueAt,
    evidence,
    ...summaryData(evidenceSummary),
    ...provenance(detection),
    timeToDetectMs: timeToDetect,
    backfill,
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
      evidence: evidenceSummary,
      timeToDetectMs: timeToDetect,
      backfill,
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
  const change = addToSummary(latest.evidence, detection);
  const update: IncidentUpdate = {
    severity,
    criteria,
    // The summary says what opened the incident (its first event); later detections say theirs in the timeline.
    summary: latest.summary,
    firstEventAt: earlier(latest.firstEventAt, detection.firstEventAt),
    lastSeenAt: later(latest.lastSeenAt, detection.detectedAt),
    detectionCount: latest.detectionCount + 1,
    ackDueAt: earlier(latest.ackDueAt, tighter.ackDueAt),
    resolveDueAt: earlier(latest.resolveDueAt, tighter.resolveDueAt),
    evidence: change.summary,
  };
  // The columns the repeat sets, as set, so that the row can be recomputed from its timeline.
  const data: Record<string, unknown> = {
    detectionId: detection.id,
    detectedAt: detection.detectedAt,
    detectionSummary: detection.summary,
    detectionCount: update.detectionCount,
    summary: update.summary,
    firstEventAt: update.firstEventAt,
    lastSeenAt: update.lastSeenAt,
    evidence: eventIds(detection),
    ...changeData(change),
    ...provenance(detection),
    timeToDetectMs: timeToDetectMs(detection),
    ...(isHistorical(detection, policy) ? { backfill: true } : {}),
  };
  if (severity !== latest.severity) data.severityChanged = { from: latest.severity, to: severity };
  if (criteriaAdded.length > 0) data.criteriaAdded = criteriaAdded;
  if (update.ackDueAt !== latest.ackDueAt || update.resolveDueAt !== latest.resolveDueAt) {
    data.targetsTightened = { ackDueAt: update.ackDueAt, resolveDueAt: update.resolveDueAt };
  }
  return { update, data };
}

/**
 * Measured in event time, from the incident's last event (a rule's resolution: the check that showed
 * recovery) to the new detection's first event, so a replay or backfill of history decides exactly as it
 * would have live. A detection whose first event is before that (delivered late) is within the window: the
 * problem it describes was not over. The detector's and people's wall clocks play no part.
 */
function withinReopenWindow(detection: Detection, latest: LatestIncident, policy: DetectionPolicy): boolean {
  if (latest.resolvedAt === null || latest.lastEventAt === null) return false;
  return Date.parse(detection.firstEventAt) - Date.parse(latest.lastEventAt) < policy.reopenWindowMs;
}

/** The summary columns as the timeline records them, so the row can be recomputed from its timeline. */
function summaryData(summary: EvidenceSummary): Record<string, unknown> {
  return {
    eventCount: summary.eventCount,
    lastEventAt: summary.lastEventAt,
    sourceIps: summary.sourceIps,
    userAgents: summary.userAgents,
  };
}

function changeData(change: SummaryChange): Record<string, unknown> {
  return {
    eventCount: change.summary.eventCount,
    eventsAdded: change.eventsAdded,
    lastEventAt: change.summary.lastEventAt,
    ...(change.sourceIpsAdded.length > 0 ? { sourceIpsAdded: change.sourceIpsAdded } : {}),
    ...(change.userAgentsAdded.length > 0 ? { userAgentsAdded: change.userAgentsAdded } : {}),
  };
}

/** Which rule configuration fired it, and the burst it belongs to. */
function provenance(detection: Detection): Record<string, unknown> {
  return {
    ...(detection.ruleConfig ? { ruleConfig: detection.ruleConfig } : {}),
    ...(detection.burst ? { burst: detection.burst } : {}),
  };
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
