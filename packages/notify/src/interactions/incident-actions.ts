import type { IncidentAction, IncidentStatus, NotificationRecord, TransitionInput } from '@vigil/incidents';
import type { Severity } from '@vigil/schema';
import type { IncidentFacts } from '../incident-facts';

/**
 * What Slack interactivity needs of the incident register. `PgIncidentStore` fits it as it is: its
 * `transition` returns the updated `IncidentRecord` and the outbox notifications it wrote, and its
 * `getIncident` returns an `IncidentDetail`, both more than is asked for here.
 */
export interface IncidentActions {
  /**
   * One person's action, in one transaction. Throws `IllegalTransitionError` (the action is not allowed in
   * the incident's state), `IncidentNotFoundError`, `ValidationError` (fields) or `IdempotencyKeyReusedError`;
   * these are told to the person in Slack, anything else is logged and reported as a failure to try again.
   */
  transition(incidentId: string, action: IncidentAction, input: TransitionInput): Promise<IncidentTransition>;
  getIncident(incidentId: string): Promise<IncidentFacts | null>;
}

export interface IncidentTransition {
  incident: IncidentFacts;
  /** To enqueue: the message is updated in place and the change is posted in its thread. */
  notifications: NotificationRecord[];
  /** The idempotency key had been used: nothing changed this time. */
  replayed: boolean;
}

/** Hands notifications to the notifier (`Notifier.enqueue`); enqueueing twice sends once. */
export interface NotificationEnqueuer {
  enqueue(records: NotificationRecord[], trace?: Record<string, string>): Promise<void>;
}

export const RESPONSE_FINDING_KINDS = ['ack-overdue', 'unresolved-overdue', 'postmortem-overdue', 'vendor-notification-overdue'] as const;
/**
 * `ack-overdue`: still open at its acknowledgement due time (CC7.4); `unresolved-overdue`: not resolved,
 * closed or dismissed at its resolution due time (CC7.4/CC7.5); `postmortem-overdue`: a SEV1/SEV2 resolved
 * some days ago still without a root cause or a postmortem link (CC7.5); `vendor-notification-overdue`: an
 * incident on a vendor's account whose vendor was not told within the vendor's time (a CUEC; CC7.3, CC7.4).
 */
export type ResponseFindingKind = (typeof RESPONSE_FINDING_KINDS)[number];

/** What a response timer found, as the register keeps it (in the incident's timeline). JSON only. */
export interface ResponseFindingData {
  /**
   * Names this finding: `<incident id>.<kind>`, or `<incident id>.<kind>.<step>` for a later escalation step.
   * A timer that runs twice (a retry after a failed Slack post) passes the same key: record it once.
   */
  key: string;
  /** When it was due: `ackDueAt`, `resolveDueAt`, or resolution plus the postmortem allowance. */
  dueAt: string;
  /** When the timer looked and found it overdue. */
  checkedAt: string;
  overdueSeconds: number;
  status: IncidentStatus;
  severity: Severity;
  /** 0 for the finding at the due time, 1.. for each later step of the owner's escalation chain. */
  escalationStep: number;
  /** Slack user ids mentioned in the thread for it; empty when nobody could be. */
  notified: string[];
  /** For `postmortem-overdue`: what is still missing. */
  missing?: Array<'rootCause' | 'postmortemUrl'>;
}

/** Where response timers record what they found. To be implemented on `PgIncidentStore`. */
export interface ResponseFindings {
  /**
   * Records the finding against the incident (a timeline entry of kind `response-finding` with `kind` and
   * `data`, actor `system:response-timers`). Idempotent by `data.key`: resolves true when this call recorded
   * it, false when it was there already. Throws `IncidentNotFoundError`.
   */
  recordResponseFinding(
    incidentId: string,
    kind: ResponseFindingKind,
    data: ResponseFindingData,
  ): Promise<boolean>;
}
