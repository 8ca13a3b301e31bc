import type { Detection } from '@vigil/schema';
import type { IncidentStatus, IncidentView, NotificationRecord } from './notification-store';

/** The whole incident row: what the notifier sees plus who acted on it and when. */
export interface IncidentRecord extends IncidentView {
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  containedAt: string | null;
  containedBy: string | null;
  resolvedBy: string | null;
  createdAt: string;
}

export interface EvidenceEntry {
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
  time: string;
  detectionId: string;
  addedAt: string;
}

export interface TimelineEntry {
  /** Position in the register-wide chain; gap-free. */
  id: number;
  incidentId: string;
  kind: string;
  actor: string;
  at: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface CommunicationEntry {
  id: number;
  notificationId: string | null;
  method: 'chat.postMessage' | 'chat.update' | 'log';
  channel: string;
  ts: string;
  threadTs: string | null;
  text: string;
  at: string;
}

export interface NotificationDetail extends NotificationRecord {
  detectionId: string | null;
  lastError: string | null;
  sentAt: string | null;
}

export interface IncidentDetail extends IncidentRecord {
  evidence: EvidenceEntry[];
  /** In chain order, which is the order the register recorded them. */
  timeline: TimelineEntry[];
  communications: CommunicationEntry[];
  notifications: NotificationDetail[];
}

export interface ListIncidentsQuery {
  /** With `to`: incidents open at any moment of [from, to): opened before `to`, not resolved before `from`. */
  from?: string;
  to?: string;
  status?: IncidentStatus[];
  /** Incidents mapped to any of these criteria. */
  criteria?: string[];
  /** 50 when not given; at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface IncidentPage {
  /** Ordered by register number. */
  incidents: IncidentRecord[];
  nextCursor: string | null;
}

/** The read side, which is all the API needs. */
export interface IncidentQueries {
  getIncident(id: string): Promise<IncidentDetail | null>;
  listIncidents(query?: ListIncidentsQuery): Promise<IncidentPage>;
}

export type ApplyOutcome = 'opened' | 'updated' | 'resolved' | 'duplicate' | 'ignored';

export interface ApplyResult {
  outcome: ApplyOutcome;
  incident: IncidentView | null;
  /**
   * Notifications to enqueue. For a duplicate, the ones this detection created that are still pending,
   * so a crash between commit and enqueue does not lose a message.
   */
  notifications: NotificationRecord[];
}

export interface ApplyOptions {
  /** W3C trace context of the detection, kept with its notifications. */
  trace?: Record<string, string>;
}

export type ChainVerification =
  { ok: true; entries: number; head: string } | { ok: false; firstBrokenId: number; reason: string };

export interface DetectionApplier {
  applyDetection(detection: Detection, options?: ApplyOptions): Promise<ApplyResult>;
}
