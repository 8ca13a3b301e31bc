import type { IncidentRecord } from '../incident-types';
import type { DurationFigures, TargetFigures } from './audit-types';

/** Nearest rank: the smallest value with at least p % of the values at or below it; always an observed value. */
export function nearestRank(sortedAscending: readonly number[], percent: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((percent / 100) * sortedAscending.length));
  return sortedAscending[rank - 1] ?? null;
}

/** Median and p90 of durations in seconds (ms precision). */
export function durationFigures(seconds: readonly number[]): DurationFigures {
  const sorted = [...seconds].sort((a, b) => a - b);
  return {
    count: sorted.length,
    medianSeconds: nearestRank(sorted, 50),
    p90Seconds: nearestRank(sorted, 90),
  };
}

/** Seconds from `start` to `end`, or null when the step never happened. */
export function secondsBetween(start: string, end: string | null): number | null {
  if (end === null) return null;
  return (Date.parse(end) - Date.parse(start)) / 1000;
}

export type TargetOutcome = 'met' | 'missed' | 'pending' | 'n/a';

/**
 * The acknowledgement target is met when the incident was acknowledged by `ackDueAt`, or stopped being live
 * by then (resolved or dismissed without an acknowledgement: the response timers stop there too). Missed
 * when that happened later, or has not happened and the deadline passed before `asOf`.
 */
export function acknowledgeOutcome(incident: IncidentRecord, asOf: string): TargetOutcome {
  const responded = incident.acknowledgedAt ?? earliest(incident.resolvedAt, incident.dismissedAt);
  return outcome(responded, incident.ackDueAt, asOf);
}

/** Resolved by `resolveDueAt`. A dismissed detection had nothing to resolve: not applicable. */
export function resolveOutcome(incident: IncidentRecord, asOf: string): TargetOutcome {
  if (incident.status === 'dismissed') return 'n/a';
  return outcome(incident.resolvedAt, incident.resolveDueAt, asOf);
}

export function targetFigures(outcomes: readonly TargetOutcome[]): TargetFigures {
  const count = (wanted: TargetOutcome) => outcomes.filter((value) => value === wanted).length;
  const met = count('met');
  const missed = count('missed');
  return {
    met,
    missed,
    pending: count('pending'),
    notApplicable: count('n/a'),
    share: met + missed === 0 ? null : met / (met + missed),
  };
}

function outcome(doneAt: string | null, dueAt: string, asOf: string): TargetOutcome {
  if (doneAt !== null) return Date.parse(doneAt) <= Date.parse(dueAt) ? 'met' : 'missed';
  return Date.parse(asOf) > Date.parse(dueAt) ? 'missed' : 'pending';
}

function earliest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}
