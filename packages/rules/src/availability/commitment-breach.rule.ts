import { REGION, entityKey, isServiceCheck, type Detection, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import type { CommitmentBreach } from '../consecutive-state';
import { detectionBase, detectionId, isoTime, stringAttribute } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import { DAY, MINUTE } from '../fixture-events';
import { lateReason } from '../lateness';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import { commitmentBreachFixtures } from './commitment-breach.fixtures';

const Percent = z.number().gt(0).lt(100);

export const CommitmentBreachParameters = z.strictObject({
  /** The availability committed for a calendar month (UTC), percent. */
  commitment: Percent.default(99.9),
  /** Per service (entity id), where it differs from `commitment`. */
  commitments: z.record(z.string(), Percent).default({}),
  /**
   * `elapsed`: availability over the month so far (from the later of the month's start and the
   * service's first check) below the commitment. `period`: downtime so far already more than the
   * whole month allows, so the month cannot end within the commitment.
   */
  basis: z.enum(['elapsed', 'period']).default('period'),
  /** When the service counts as down: as availability.service-down decides it. */
  consecutiveFailures: z.number().int().min(1).max(1_000).default(3),
  failingRegions: z.number().int().min(0).max(100).default(2),
  regionWindow: Duration.default(2 * MINUTE),
  allowedLateness: Duration.default(2 * MINUTE),
});
export type CommitmentBreachParameters = z.infer<typeof CommitmentBreachParameters>;

/** The calendar month (UTC) an instant falls in: [start, end). */
export function monthOf(ms: number): { startMs: number; endMs: number; label: string } {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  return {
    startMs: Date.UTC(year, month, 1),
    endMs: Date.UTC(year, month + 1, 1),
    label: `${year}-${String(month + 1).padStart(2, '0')}`,
  };
}

const commitmentOf = (params: CommitmentBreachParameters, service: string) =>
  params.commitments[service] ?? params.commitment;

export const commitmentBreachRule: Rule<CommitmentBreachParameters> = defineRule({
  id: 'availability.commitment-breach',
  version: 2,
  title: 'Availability commitment breached',
  description:
    "Tracks each service's up/down state from its checks (down as availability.service-down decides " +
    'it) and its downtime per calendar month (UTC); fires once per service and month at the check at ' +
    'which availability fell below the commitment (`commitment`, per service in `commitments`), over ' +
    'the month so far (`basis: elapsed`) or against the whole month (`basis: period`).',
  criteria: ['A1.2'],
  category: 'availability',
  severity: 'SEV2',
  parameters: CommitmentBreachParameters,
  fixtures: commitmentBreachFixtures,
  kinds: ['uptime_check'],
  ownerKey: (event) => event.entity.id,
  // Probe checks only: an Alertmanager alert is no check (its outages count through alerts-down).
  match: isServiceCheck,
  dedupKey: (event) =>
    `availability.commitment-breach:${entityKey(event.entity)}:${monthOf(Date.parse(event.time)).label}`,

  async evaluate(event, ctx) {
    const { params } = ctx;
    const month = monthOf(ctx.eventTimeMs);
    const result = await ctx.consecutiveState({
      succeeded: event.outcome === 'success',
      failuresToTrip: params.consecutiveFailures,
      latenessMs: params.allowedLateness,
      region: stringAttribute(event, REGION),
      regionsToTrip: params.failingRegions,
      regionWindowMs: params.regionWindow,
      commitment: {
        periodStartMs: month.startMs,
        periodEndMs: month.endMs,
        ratio: commitmentOf(params, event.entity.id) / 100,
        basis: params.basis,
      },
      retainMs: 32 * DAY,
    });
    switch (result.kind) {
      case 'breach':
        return { detections: [breachDetection(ctx.rule, event, month.label, result.breach)] };
      case 'late':
        return {
          detections: [],
          late: lateReason(event, entityKey(event.entity), result.newestMs, params.allowedLateness),
        };
      default:
        return NO_DETECTIONS;
    }
  },
});

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function breachDetection(
  rule: Rule<CommitmentBreachParameters>,
  event: VigilEvent,
  month: string,
  breach: CommitmentBreach,
): Detection {
  const base = detectionBase(rule, event);
  const service = event.entity.id;
  const availability = round3(100 * (1 - breach.downtimeMs / breach.spanMs));
  const commitment = round3(breach.commitment * 100);
  const over =
    breach.basis === 'period'
      ? `${formatDuration(breach.downtimeMs)} down in ${month}, more than the month's budget`
      : `${availability} % available in ${month} so far (${formatDuration(breach.downtimeMs)} down in ${formatDuration(breach.spanMs)})`;
  return {
    id: detectionId(rule.id, base.dedupKey, breach.triggerEventId),
    ...base,
    status: 'firing',
    title: `${service} is below its ${commitment} % commitment for ${month}`,
    summary: `${service}: ${over}; the commitment is ${commitment} %.`,
    firstEventAt: isoTime(breach.firstEventMs),
    detectedAt: isoTime(breach.detectedAtMs),
    evidence: breach.evidence,
    attributes: {
      period: month,
      commitmentPercent: commitment,
      availabilityPercent: availability,
      downtimeMinutes: round3(breach.downtimeMs / 60_000),
      budgetMinutes: round3(((breach.periodEndMs - breach.periodStartMs) * (1 - breach.commitment)) / 60_000),
      basis: breach.basis,
    },
  };
}
