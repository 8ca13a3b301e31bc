import type { IncidentRecord, IncidentView } from '@vigil/incidents';
import { DEFAULT_RESPONSE_TARGETS, responseDeadlines, type ResponseTargets } from '@vigil/incidents';

/**
 * Who acted on an incident, what was found, and when it is due. The register's `IncidentRecord` has all of
 * them; `NotificationStore.loadForDelivery` is typed to return only `IncidentView`, so every one is
 * optional here and the message shows what the store gave.
 */
export type ResponseFacts = Pick<
  IncidentRecord,
  | 'acknowledgedAt'
  | 'acknowledgedBy'
  | 'containedAt'
  | 'containedBy'
  | 'resolvedBy'
  | 'closedAt'
  | 'closedBy'
  | 'dismissedAt'
  | 'dismissedBy'
  | 'dismissalReason'
  | 'ackDueAt'
  | 'resolveDueAt'
  | 'rootCause'
  | 'remediation'
  | 'postmortemUrl'
>;

/** The notification an incident owes a vendor (vendors file), as the timers check it. */
export interface VendorDutyFacts {
  vendor: string;
  vendorName: string;
  dueAt: string;
  contact: string | null;
  /** When the vendor was told; null while not recorded. */
  notifiedAt: string | null;
}

export type IncidentFacts = IncidentView & Partial<ResponseFacts> & { vendorDuty?: VendorDutyFacts | null };

/** Acknowledge and resolve due times: the incident's own, or computed from its severity when absent. */
export function dueTimes(
  incident: IncidentFacts,
  targets: ResponseTargets = DEFAULT_RESPONSE_TARGETS,
): { ackDueAt: string; resolveDueAt: string } {
  const computed = responseDeadlines(incident.severity, incident.detectedAt, targets);
  return {
    ackDueAt: incident.ackDueAt ?? computed.ackDueAt,
    resolveDueAt: incident.resolveDueAt ?? computed.resolveDueAt,
  };
}

/** Still being worked on: not resolved, closed or dismissed. */
export function isActive(status: IncidentView['status']): boolean {
  return status === 'open' || status === 'acknowledged' || status === 'contained';
}

/** `slack:U123` → `U123`; null for actors that are not Slack users (`api:…`, the register itself). */
export function slackUserOf(actor: string | null | undefined): string | null {
  const match = actor ? /^slack:([UW][A-Z0-9]+)$/.exec(actor) : null;
  return match?.[1] ?? null;
}
