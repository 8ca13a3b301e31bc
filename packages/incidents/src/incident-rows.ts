import type { Category, NotificationFacts, NotificationKind, Severity } from '@vigil/schema';
import type { LatestIncident } from './detection-decision';
import type { FollowUp } from './incident-inputs';
import type {
  CommunicationEntry,
  EvidenceEntry,
  IncidentRecord,
  NotificationDetail,
  TimelineEntry,
} from './incident-types';
import type { IncidentStatus, NotificationRecord } from './notification-store';

/** An `incidents` row as node-postgres returns it (bigint as text, timestamptz as Date). */
export interface IncidentRow {
  id: string;
  seq: string;
  rule_id: string;
  rule_version: number;
  title: string;
  summary: string;
  criteria: string[];
  category: Category;
  severity: Severity;
  status: IncidentStatus;
  dedup_key: string;
  entity_type: string;
  entity_id: string;
  owner_key: string;
  first_event_at: Date;
  detected_at: Date;
  last_seen_at: Date;
  detection_count: number;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  contained_at: Date | null;
  contained_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  downtime_seconds: number | null;
  slack_channel: string | null;
  slack_ts: string | null;
  created_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
  dismissed_at: Date | null;
  dismissed_by: string | null;
  dismissal_reason: string | null;
  ack_due_at: Date;
  resolve_due_at: Date;
  recurrence_of: string | null;
  reopen_count: number;
  root_cause: string | null;
  remediation: string | null;
  postmortem_url: string | null;
  follow_ups: FollowUp[];
  affected_systems: string[];
  dc4_candidate: boolean;
  /** bigint, as text. */
  event_count: string;
  last_event_at: Date | null;
  source_ips: string[];
  user_agents: string[];
  burst_events: Record<string, number>;
  time_to_detect_ms: string | null;
  backfill: boolean;
}

export interface NotificationRow {
  id: string;
  /** Creation order (bigint, as text). */
  position: string;
  incident_id: string;
  kind: NotificationKind;
  detection_id: string | null;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  last_error: string | null;
  trace: Record<string, string>;
  facts: NotificationFacts | null;
  /** Slack step → the ts an attempt noted before calling Slack for it. */
  slack_attempts: Record<string, string>;
  created_at: Date;
  sent_at: Date | null;
}

export function toIncidentRecord(row: IncidentRow): IncidentRecord {
  return {
    id: row.id,
    seq: Number(row.seq),
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    title: row.title,
    summary: row.summary,
    criteria: row.criteria,
    category: row.category,
    severity: row.severity,
    status: row.status,
    dedupKey: row.dedup_key,
    entity: { type: row.entity_type as IncidentRecord['entity']['type'], id: row.entity_id },
    ownerKey: row.owner_key,
    detectionCount: row.detection_count,
    firstEventAt: row.first_event_at.toISOString(),
    detectedAt: row.detected_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    resolvedAt: iso(row.resolved_at),
    downtimeSeconds: row.downtime_seconds,
    slack: row.slack_channel && row.slack_ts ? { channel: row.slack_channel, ts: row.slack_ts } : null,
    acknowledgedAt: iso(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    containedAt: iso(row.contained_at),
    containedBy: row.contained_by,
    resolvedBy: row.resolved_by,
    closedAt: iso(row.closed_at),
    closedBy: row.closed_by,
    dismissedAt: iso(row.dismissed_at),
    dismissedBy: row.dismissed_by,
    dismissalReason: row.dismissal_reason,
    ackDueAt: row.ack_due_at.toISOString(),
    resolveDueAt: row.resolve_due_at.toISOString(),
    recurrenceOf: row.recurrence_of,
    reopenCount: row.reopen_count,
    rootCause: row.root_cause,
    remediation: row.remediation,
    postmortemUrl: row.postmortem_url,
    followUps: row.follow_ups,
    affectedSystems: row.affected_systems,
    dc4Candidate: row.dc4_candidate,
    eventCount: Number(row.event_count),
    lastEventAt: iso(row.last_event_at),
    sourceIps: row.source_ips,
    userAgents: row.user_agents,
    timeToDetectMs: row.time_to_detect_ms === null ? null : Number(row.time_to_detect_ms),
    backfill: row.backfill,
    createdAt: row.created_at.toISOString(),
  };
}

/** What `decideDetection` needs of the latest incident for a dedup key. */
export function toLatestIncident(row: IncidentRow & { last_evidence_at: Date | null }): LatestIncident {
  return {
    id: row.id,
    seq: Number(row.seq),
    status: row.status,
    severity: row.severity,
    criteria: row.criteria,
    summary: row.summary,
    lastEventAt: iso(row.last_evidence_at),
    evidence: {
      eventCount: Number(row.event_count),
      lastEventAt: iso(row.last_event_at),
      sourceIps: row.source_ips,
      userAgents: row.user_agents,
      burstEvents: row.burst_events,
    },
    firstEventAt: row.first_event_at.toISOString(),
    detectedAt: row.detected_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    detectionCount: row.detection_count,
    resolvedAt: iso(row.resolved_at),
    resolvedBy: row.resolved_by,
    ackDueAt: row.ack_due_at.toISOString(),
    resolveDueAt: row.resolve_due_at.toISOString(),
  };
}

export function toNotificationRecord(row: NotificationRow): NotificationRecord {
  const record: NotificationRecord = {
    id: row.id,
    incidentId: row.incident_id,
    kind: row.kind,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.created_at.toISOString(),
  };
  if (Object.keys(row.trace).length > 0) record.trace = row.trace;
  if (row.facts) record.facts = row.facts;
  if (row.slack_attempts && Object.keys(row.slack_attempts).length > 0)
    record.slackAttempts = row.slack_attempts;
  return record;
}

export function toNotificationDetail(row: NotificationRow): NotificationDetail {
  return {
    ...toNotificationRecord(row),
    detectionId: row.detection_id,
    lastError: row.last_error,
    sentAt: iso(row.sent_at),
  };
}

export function toEvidenceEntry(row: {
  event_id: string;
  topic: string;
  partition: number;
  stream_offset: string;
  event_time: Date;
  detection_id: string;
  added_at: Date;
}): EvidenceEntry {
  return {
    eventId: row.event_id,
    topic: row.topic,
    partition: row.partition,
    offset: row.stream_offset,
    time: row.event_time.toISOString(),
    detectionId: row.detection_id,
    addedAt: row.added_at.toISOString(),
  };
}

export interface TimelineRow {
  id: string;
  incident_id: string;
  kind: string;
  actor: string;
  at: Date;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export function toTimelineEntry(row: TimelineRow): TimelineEntry {
  return {
    id: Number(row.id),
    incidentId: row.incident_id,
    kind: row.kind,
    actor: row.actor,
    at: row.at.toISOString(),
    data: row.data,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function toCommunicationEntry(row: {
  id: string;
  notification_id: string | null;
  method: CommunicationEntry['method'];
  channel: string;
  ts: string;
  thread_ts: string | null;
  text: string;
  at: Date;
}): CommunicationEntry {
  return {
    id: Number(row.id),
    notificationId: row.notification_id,
    method: row.method,
    channel: row.channel,
    ts: row.ts,
    threadTs: row.thread_ts,
    text: row.text,
    at: row.at.toISOString(),
  };
}

function iso(value: Date | null): string | null {
  return value ? value.toISOString() : null;
}
