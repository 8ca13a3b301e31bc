import type { Category, Severity } from '@vigil/schema';
import { incidentRef } from '../incident-lifecycle';
import type { IncidentRecord } from '../incident-types';
import type { AuditPopulation, AuditSummary, IncidentMention } from './audit-types';
import { endedAt } from './population-counts';
import {
  acknowledgeOutcome,
  durationFigures,
  resolveOutcome,
  secondsBetween,
  targetFigures,
} from './response-figures';

const CATEGORIES: readonly Category[] = ['security', 'availability', 'logging'];
const SEVERITIES: readonly Severity[] = ['SEV1', 'SEV2', 'SEV3', 'SEV4'];

export const SUMMARY_DEFINITIONS: Readonly<Record<string, string>> = {
  population:
    'Every incident detected before the end of the period that was not resolved or dismissed before its ' +
    'start; the period is half-open: [from, to).',
  byCriterion: 'An incident mapped to several criteria counts once under each.',
  timeToDetect:
    'the opening detection’s time − its triggering event’s time, over the incidents detected live; backfilled ones (history, replays, a detector catching up) are left out and counted in backfilled.',
  timeToAcknowledge: 'acknowledged − detected, over the incidents that were acknowledged.',
  timeToContain: 'contained − detected, over the incidents that were contained.',
  timeToResolve: 'resolved (latest resolution) − detected, over the incidents that were resolved.',
  percentiles:
    'Median and p90 by nearest rank: the smallest observed value with at least 50 % (90 %) of the values ' +
    'at or below it. Durations are in seconds.',
  acknowledgedWithinTarget:
    'Met when acknowledged by ack_due_at, or resolved or dismissed by then without an acknowledgement; ' +
    'missed when later, or not yet and the deadline had passed at generatedAt; pending otherwise. ' +
    'share = met / (met + missed).',
  resolvedWithinTarget:
    'Met when resolved by resolve_due_at; missed when later, or not yet and the deadline had passed at ' +
    'generatedAt; pending otherwise; not applicable to dismissed detections. share = met / (met + missed).',
  openAtEnd: 'Incidents of the population not resolved or dismissed before the end of the period.',
  figuresAsOf:
    'Every figure uses what the register held at generatedAt, including actions taken after the period.',
};

/** The auditor's summary of a period, computed from the population alone (so it reconciles with it). */
export function summarisePopulation(population: AuditPopulation): AuditSummary {
  const { incidents, period, generatedAt } = population;
  const asOf = generatedAt;
  const byCriterion: Record<string, number> = {};
  const byCategory = zeroes(CATEGORIES);
  const bySeverity = zeroes(SEVERITIES);
  for (const incident of incidents) {
    for (const criterion of incident.criteria) byCriterion[criterion] = (byCriterion[criterion] ?? 0) + 1;
    byCategory[incident.category] += 1;
    bySeverity[incident.severity] += 1;
  }

  const durations = (pick: (incident: IncidentRecord) => number | null) =>
    durationFigures(incidents.map(pick).filter((value): value is number => value !== null));
  const to = Date.parse(period.to);

  return {
    period,
    generatedAt,
    counts: population.counts,
    sequence: population.sequence,
    chain: population.chain,
    byCriterion: Object.fromEntries(Object.entries(byCriterion).sort(([a], [b]) => a.localeCompare(b))),
    byCategory,
    bySeverity,
    responseTimes: {
      detect: durations((incident) => (incident.backfill || incident.timeToDetectMs === null ? null : incident.timeToDetectMs / 1000)),
      acknowledge: durations((incident) => secondsBetween(incident.detectedAt, incident.acknowledgedAt)),
      contain: durations((incident) => secondsBetween(incident.detectedAt, incident.containedAt)),
      resolve: durations((incident) => secondsBetween(incident.detectedAt, incident.resolvedAt)),
    },
    withinTarget: {
      acknowledge: targetFigures(incidents.map((incident) => acknowledgeOutcome(incident, asOf))),
      resolve: targetFigures(incidents.map((incident) => resolveOutcome(incident, asOf))),
    },
    backfilled: incidents.filter((incident) => incident.backfill).length,
    dismissed: incidents.flatMap((incident) =>
      incident.status === 'dismissed' && incident.dismissedAt && incident.dismissedBy
        ? [
            {
              ...mention(incident),
              dismissedAt: incident.dismissedAt,
              dismissedBy: incident.dismissedBy,
              reason: incident.dismissalReason ?? '',
            },
          ]
        : [],
    ),
    openAtEnd: incidents
      .filter((incident) => {
        const ended = endedAt(incident);
        return ended === null || Date.parse(ended) >= to;
      })
      .map(mention),
    dc4Candidates: incidents
      .filter((incident) => incident.dc4Candidate)
      .map((incident) => ({
        ...mention(incident),
        category: incident.category,
        criteria: incident.criteria,
        resolvedAt: incident.resolvedAt,
        rootCause: incident.rootCause,
        postmortemUrl: incident.postmortemUrl,
      })),
    definitions: { ...SUMMARY_DEFINITIONS },
  };
}

export function mention(incident: IncidentRecord): IncidentMention {
  return {
    id: incident.id,
    ref: incidentRef(incident.seq),
    seq: incident.seq,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    detectedAt: incident.detectedAt,
  };
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}
