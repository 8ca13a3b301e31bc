import type { ResponseTargets } from '@vigil/incidents';
import { dueTimes, isActive, type IncidentFacts } from '../incident-facts';
import type { ResponseFindingKind } from '../interactions/incident-actions';
import type { ResolvedOwner } from '../owners';
import { escapeMrkdwn, formatDuration, incidentRef } from '../slack-message';

export const DEFAULT_POSTMORTEM_AFTER_DAYS = 5;

/** A BullMQ delayed job may run a little before its time by another process's clock. */
const EARLY_TOLERANCE_MS = 1_000;

/** One moment of escalation: when (after the due time) and who is mentioned then. */
export interface EscalationMoment {
  afterMinutes: number;
  users: string[];
}

/**
 * Moment 0 is the due time itself: the finding is recorded and the chain's steps at 0 minutes (or, without
 * any, the on-call people) are mentioned. Each later step of the chain is a moment of its own.
 */
export function escalationMoments(kind: ResponseFindingKind, owner: ResolvedOwner): EscalationMoment[] {
  if (kind === 'postmortem-overdue') return [{ afterMinutes: 0, users: owner.oncall }];
  const atDue = owner.escalation.filter((step) => step.afterMinutes === 0).flatMap((step) => step.users);
  const later = owner.escalation
    .filter((step) => step.afterMinutes > 0)
    .map((step) => ({ afterMinutes: step.afterMinutes, users: step.users }));
  return [{ afterMinutes: 0, users: atDue.length > 0 ? unique(atDue) : owner.oncall }, ...later];
}

export interface TimerSettings {
  postmortemAfterMs: number;
  targets?: ResponseTargets;
}

export type TimerCheck =
  /** Nothing to do: acknowledged, resolved, or the postmortem record is complete, as the incident says now. */
  | { state: 'cleared'; reason: string }
  /** Not yet: the due time moved later (a reopened and re-resolved incident) or the job ran early. */
  | { state: 'later'; at: number }
  | {
      state: 'overdue';
      dueAt: string;
      overdueSeconds: number;
      missing?: Array<'rootCause' | 'postmortemUrl'>;
    };

/** The check at fire time, on the incident as the register has it now. */
export function checkTimer(
  kind: ResponseFindingKind,
  incident: IncidentFacts,
  afterMinutes: number,
  nowMs: number,
  settings: TimerSettings,
): TimerCheck {
  const due = dueAtOf(kind, incident, settings);
  if (due === null) return { state: 'cleared', reason: clearedReason(kind, incident) };
  if (kind === 'ack-overdue' && (incident.status !== 'open' || incident.acknowledgedAt))
    return {
      state: 'cleared',
      reason: `it is ${incident.acknowledgedAt ? 'acknowledged' : incident.status}`,
    };
  if (kind === 'unresolved-overdue' && !isActive(incident.status))
    return { state: 'cleared', reason: `it is ${incident.status}` };
  if (kind === 'vendor-notification-overdue' && incident.status === 'dismissed')
    return { state: 'cleared', reason: 'it was dismissed' };
  const missing = kind === 'postmortem-overdue' ? missingRecord(incident) : undefined;
  if (missing && missing.length === 0)
    return { state: 'cleared', reason: 'root cause and postmortem link given' };

  const at = Date.parse(due) + afterMinutes * 60_000;
  if (nowMs + EARLY_TOLERANCE_MS < at) return { state: 'later', at };
  return {
    state: 'overdue',
    dueAt: due,
    overdueSeconds: Math.max(0, Math.round((nowMs - Date.parse(due)) / 1000)),
    ...(missing ? { missing } : {}),
  };
}

/** When the incident is due for `kind`; null when that timer does not apply to it (any more). */
export function dueAtOf(
  kind: ResponseFindingKind,
  incident: IncidentFacts,
  settings: TimerSettings,
): string | null {
  const { ackDueAt, resolveDueAt } = dueTimes(incident, settings.targets);
  switch (kind) {
    case 'ack-overdue':
      return ackDueAt;
    case 'unresolved-overdue':
      return resolveDueAt;
    case 'postmortem-overdue':
      if (!needsPostmortem(incident) || incident.resolvedAt === null) return null;
      return new Date(Date.parse(incident.resolvedAt) + settings.postmortemAfterMs).toISOString();
    case 'vendor-notification-overdue':
      return incident.vendorDuty && !incident.vendorDuty.notifiedAt ? incident.vendorDuty.dueAt : null;
  }
}

/** SEV1 and SEV2 incidents that were resolved (and maybe closed since) owe a root cause and a postmortem. */
export function needsPostmortem(incident: IncidentFacts): boolean {
  return (
    (incident.severity === 'SEV1' || incident.severity === 'SEV2') &&
    (incident.status === 'resolved' || incident.status === 'closed')
  );
}

function missingRecord(incident: IncidentFacts): Array<'rootCause' | 'postmortemUrl'> {
  const missing: Array<'rootCause' | 'postmortemUrl'> = [];
  if (!incident.rootCause) missing.push('rootCause');
  if (!incident.postmortemUrl) missing.push('postmortemUrl');
  return missing;
}

function clearedReason(kind: ResponseFindingKind, incident: IncidentFacts): string {
  if (kind === 'vendor-notification-overdue') {
    return incident.vendorDuty ? `${incident.vendorDuty.vendorName} was notified` : 'it owes no vendor a notification';
  }
  return kind === 'postmortem-overdue'
    ? `a ${incident.severity} incident that is ${incident.status} owes no postmortem`
    : `it is ${incident.status}`;
}

/** The thread reply for a finding. User ids are mentioned; nothing from events is put in unescaped. */
export function escalationText(
  kind: ResponseFindingKind,
  incident: IncidentFacts,
  check: Extract<TimerCheck, { state: 'overdue' }>,
  moment: { index: number; users: string[] },
  owner: ResolvedOwner,
): string {
  const ref = `${incidentRef(incident)} (${incident.severity})`;
  const late = formatDuration(check.overdueSeconds);
  const mentions = moment.users.map((user) => `<@${user}>`).join(' ');
  const who =
    mentions !== ''
      ? ` Escalating to ${mentions}.`
      : ` Nobody to escalate to: add an escalation chain (or on-call people) for team ${owner.team} in the owners file.`;
  switch (kind) {
    case 'ack-overdue':
      return moment.index === 0
        ? `:rotating_light: ${ref} has not been acknowledged: it was due ${late} ago.${who}`
        : `:rotating_light: ${ref} is still not acknowledged, ${late} after it was due.${who}`;
    case 'unresolved-overdue':
      return moment.index === 0
        ? `:hourglass: ${ref} is still ${incident.status}: it was due to be resolved ${late} ago.${who}`
        : `:hourglass: ${ref} is still ${incident.status}, ${late} after it was due to be resolved.${who}`;
    case 'postmortem-overdue': {
      const what = (check.missing ?? [])
        .map((field) => (field === 'rootCause' ? 'root cause' : 'postmortem link'))
        .join(' and no ');
      const ask = mentions !== '' ? ` ${mentions}, please add it to the incident.` : '';
      return `:memo: ${ref} was resolved but still has no ${what}; it was due ${late} ago.${ask}`;
    }
    case 'vendor-notification-overdue': {
      const vendor = escapeMrkdwn(incident.vendorDuty?.vendorName ?? 'the vendor');
      const contact = incident.vendorDuty?.contact ? ` Contact: ${escapeMrkdwn(incident.vendorDuty.contact)}.` : '';
      return moment.index === 0
        ? `:incoming_envelope: ${ref} involves the ${vendor} account and ${vendor} has not been notified: it was due ${late} ago.${contact}${who}`
        : `:incoming_envelope: ${vendor} is still not notified of ${ref}, ${late} after it was due.${who}`;
    }
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
