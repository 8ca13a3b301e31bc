import type { Severity } from '@vigil/schema';
import type { IncidentStatus } from '../notification-store';
import type { OutageEnd } from './availability-types';
import type { Interval } from './intervals';

/** The rule whose detections carry a service's outages measured from its checks. */
export const SERVICE_DOWN_RULE_ID = 'availability.service-down';

/** One transition a rule measured, as the register keeps it (`outage_transitions`). */
export interface OutageTransition {
  detectionId: string;
  service: string;
  ruleId: string;
  kind: 'down' | 'up';
  /** Event time, epoch ms: the first failed check (down) or the first good check (up). */
  at: number;
  /** `consecutive-checks`, `regions`, `alerts`. */
  measuredBy: string;
  evidence: string[];
  incidentId: string | null;
  historical: boolean;
}

/** The incident an outage was raised as, as far as the figures show it. */
export interface OutageIncident {
  id: string;
  seq: number;
  ref: string;
  title: string;
  status: IncidentStatus;
  severity: Severity;
}

/** A measured outage: from its down transition to its up transition, or still going on. */
export interface OutageSpan extends Interval {
  service: string;
  ruleId: string;
  how: OutageEnd;
  measuredBy: string;
  /** The down or the up was recorded long after it happened (backfill, replay, catch-up). */
  historical: boolean;
  incident: OutageIncident | null;
}

/**
 * Outage intervals from the transitions, paired per service and rule in event-time order: a down opens
 * an outage (a second down while one is open adds nothing), the next up closes it (an up with none open
 * adds nothing). An outage still open is down until `openUntil` (the end of the period, or now).
 * Pure and independent of the order the transitions were recorded in, so a replay, a redelivery or a
 * different batching gives the same intervals.
 */
export function pairOutages(
  transitions: readonly OutageTransition[],
  openUntil: number,
  incidents: ReadonlyMap<string, OutageIncident> = new Map(),
): OutageSpan[] {
  const streams = new Map<string, OutageTransition[]>();
  for (const transition of transitions) {
    const key = `${transition.service}\u0000${transition.ruleId}`;
    const stream = streams.get(key);
    if (stream) stream.push(transition);
    else streams.set(key, [transition]);
  }
  const spans: OutageSpan[] = [];
  for (const stream of streams.values()) {
    let open: OutageTransition | undefined;
    for (const transition of [...stream].sort(eventOrder)) {
      if (transition.kind === 'down') {
        open ??= transition;
        continue;
      }
      if (!open) continue;
      spans.push(span(open, transition.at, 'measured', transition.historical, incidents));
      open = undefined;
    }
    if (open) spans.push(span(open, Math.max(open.at, openUntil), 'ongoing', false, incidents));
  }
  return spans.sort((a, b) => a.start - b.start || a.service.localeCompare(b.service));
}

function span(
  down: OutageTransition,
  end: number,
  how: OutageEnd,
  upHistorical: boolean,
  incidents: ReadonlyMap<string, OutageIncident>,
): OutageSpan {
  return {
    service: down.service,
    ruleId: down.ruleId,
    start: down.at,
    end,
    how,
    measuredBy: down.measuredBy,
    historical: down.historical || upHistorical,
    incident: down.incidentId === null ? null : (incidents.get(down.incidentId) ?? null),
  };
}

/** Event time; at one instant an up closes the outage before a down opens the next; then a fixed order. */
function eventOrder(a: OutageTransition, b: OutageTransition): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.kind !== b.kind) return a.kind === 'up' ? -1 : 1;
  return a.detectionId < b.detectionId ? -1 : a.detectionId > b.detectionId ? 1 : 0;
}
