import type { IncidentPayloads } from './evidence/evidence-payloads';
import type { Detection } from '@vigil/schema';
import type { IncidentAction } from './incident-lifecycle';
import type { ActionFields, FollowUp, IncidentDetailsPatchInput } from './incident-inputs';
import type { IncidentStatus, IncidentView, NotificationRecord } from './notification-store';

/**
 * The whole incident row: what the notifier sees plus who acted on it and when. `acknowledged*` and
 * `contained*` keep the first time each happened, also across a reopen; `resolved*` is the latest
 * resolution, cleared while a reopened incident is live. The timeline has every step.
 */
export interface IncidentRecord extends IncidentView {
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  containedAt: string | null;
  containedBy: string | null;
  resolvedBy: string | null;
  closedAt: string | null;
  closedBy: string | null;
  dismissedAt: string | null;
  /** The reviewer who decided the detection was no incident. */
  dismissedBy: string | null;
  dismissalReason: string | null;
  /** Response targets of its severity, from detection. */
  ackDueAt: string;
  resolveDueAt: string;
  /** The previous incident for the same dedup key, when this one opened after that one was over. */
  recurrenceOf: string | null;
  /** How often a detection brought it back from resolved within the reopen window. */
  reopenCount: number;
  rootCause: string | null;
  remediation: string | null;
  postmortemUrl: string | null;
  followUps: FollowUp[];
  affectedSystems: string[];
  /** May need describing as a significant incident in the system description (DC 4). */
  dc4Candidate: boolean;
  /** Events behind it: every burst's most counted events, and the evidence of other detections. */
  eventCount: number;
  /** Event time of its newest event. */
  lastEventAt: string | null;
  /** Distinct source IPs and user agents of its evidence, the first 50 of each. */
  sourceIps: string[];
  userAgents: string[];
  /** Opening detection's time minus its triggering event's; null for a backfill. */
  timeToDetectMs: number | null;
  /** Opened by a detection made long after its events (backfill, replay, a detector catching up). */
  backfill: boolean;
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

export interface IncidentDetail extends IncidentRecord, IncidentPayloads {
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

export type ApplyOutcome = 'opened' | 'updated' | 'reopened' | 'resolved' | 'duplicate' | 'ignored';

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

/** The entry a broken chain names, when it is there to be read (a missing entry is not). */
export interface BrokenEntry {
  incidentId: string;
  /** `INC-<seq>` of its incident. */
  incidentRef: string | null;
  kind: string;
  actor: string;
  at: string;
}

export type ChainVerification =
  | { ok: true; entries: number; head: string }
  | { ok: false; firstBrokenId: number; reason: string; entry: BrokenEntry | null };

export interface DetectionApplier {
  applyDetection(detection: Detection, options?: ApplyOptions): Promise<ApplyResult>;
}

export interface ChainVerifier {
  /** Recomputes the whole chain and names the first broken entry. */
  verifyChain(): Promise<ChainVerification>;
}

export interface ActionOptions {
  /** Who acts, as `*_by` columns and the timeline name them: `api:<token name>`, `slack:<user id>`. */
  actor: string;
  /**
   * A Slack action id or an HTTP Idempotency-Key, namespaced by the caller. Its first use is applied; later
   * uses change nothing and return the first result. Reusing a key for a different request is refused.
   */
  idempotencyKey?: string;
  /** W3C trace context of the request, kept with the notifications it causes. */
  trace?: Record<string, string>;
}

export type TransitionInput = ActionFields & ActionOptions;

export interface TransitionResult {
  incident: IncidentRecord;
  /** Notifications to enqueue; on a replay, those of the first use still pending. */
  notifications: NotificationRecord[];
  /** True when the idempotency key had been used before and nothing was done this time. */
  replayed: boolean;
}

/** The write side people use, through Slack or the API. */
export interface IncidentCommands {
  transition(incidentId: string, action: IncidentAction, input: TransitionInput): Promise<TransitionResult>;
  updateDetails(
    incidentId: string,
    patch: IncidentDetailsPatchInput,
    options: ActionOptions,
  ): Promise<TransitionResult>;
}
