import { isServiceCheck, entityKey, Severity, type Detection, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import { burnRateWindow, type BurnCondition, type BurnTransition } from '../burn-rate';
import { detectionBase, detectionId, isoTime } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import { DAY, HOUR, MINUTE } from '../fixture-events';
import { lateReason } from '../lateness';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import { sloBurnFixtures } from './slo-burn.fixtures';

/** An availability target in percent, e.g. 99.9. */
const Target = z.number().gt(0).lt(100);

const Condition = z
  .strictObject({
    long: Duration,
    short: Duration,
    /** Multiple of the error budget's sustainable rate, e.g. 14.4. */
    burnRate: z.number().positive(),
    level: z.enum(['page', 'ticket']),
  })
  .superRefine((c, ctx) => {
    for (const [key, ms] of [
      ['long', c.long],
      ['short', c.short],
    ] as const) {
      try {
        burnRateWindow(ms);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: [key], message: (error as Error).message });
      }
    }
    if (c.short >= c.long)
      ctx.addIssue({ code: 'custom', path: ['short'], message: 'must be shorter than long' });
  });

/** Google SRE workbook, "Alerting on SLOs": multiwindow, multi-burn-rate alerts. */
const DEFAULT_CONDITIONS = [
  { long: HOUR, short: 5 * MINUTE, burnRate: 14.4, level: 'page' },
  { long: 6 * HOUR, short: 30 * MINUTE, burnRate: 6, level: 'page' },
  { long: 3 * DAY, short: 6 * HOUR, burnRate: 1, level: 'ticket' },
] as const;

export const SloBurnParameters = z.strictObject({
  /** The availability SLO, percent of successful checks. */
  target: Target.default(99.9),
  /** Per service (entity id), where it differs from `target`. */
  targets: z.record(z.string(), Target).default({}),
  conditions: z
    .array(Condition)
    .min(1)
    .max(10)
    .default(DEFAULT_CONDITIONS.map((c) => ({ ...c }))),
  /** A condition needs this many checks in its long window: too few checks say little. */
  minEvents: z.number().int().min(1).default(20),
  /** Pages take the rule's severity; tickets this one. */
  ticketSeverity: Severity.default('SEV4'),
  allowedLateness: Duration.default(2 * MINUTE),
  /** Failed checks kept as evidence. */
  maxEvidence: z.number().int().min(1).max(200).default(20),
});
export type SloBurnParameters = z.infer<typeof SloBurnParameters>;

const targetOf = (params: SloBurnParameters, service: string) => params.targets[service] ?? params.target;

export const sloBurnRule: Rule<SloBurnParameters> = defineRule({
  id: 'availability.slo-burn',
  version: 1,
  title: 'Error budget burning',
  description:
    'Counts good and bad uptime checks per service in time buckets and applies multiwindow, ' +
    'multi-burn-rate conditions on the availability SLO (`target`, per service in `targets`): by ' +
    'default page at 14.4x over 1h and 5m, page at 6x over 6h and 30m, ticket at 1x over 3d and 6h. ' +
    'A condition needs `minEvents` checks in its long window. Fires when the level rises (ticket, ' +
    'then page), resolves when no condition holds.',
  criteria: ['A1.1', 'A1.2'],
  category: 'availability',
  severity: 'SEV2',
  parameters: SloBurnParameters,
  fixtures: sloBurnFixtures,
  kinds: ['uptime_check'],
  ownerKey: (event) => event.entity.id,
  // Probe checks only: an Alertmanager alert is no check (its outages count through alerts-down).
  match: isServiceCheck,
  dedupKey: (event) => `availability.slo-burn:${entityKey(event.entity)}`,

  async evaluate(event, ctx) {
    const { params } = ctx;
    const target = targetOf(params, event.entity.id);
    const conditions: BurnCondition[] = params.conditions.map((c) => ({
      longMs: c.long,
      shortMs: c.short,
      burnRate: c.burnRate,
      level: c.level,
    }));
    const result = await ctx.burnRate({
      good: event.outcome === 'success',
      budget: (100 - target) / 100,
      conditions,
      minEvents: params.minEvents,
      latenessMs: params.allowedLateness,
      maxEvidence: params.maxEvidence,
    });
    switch (result.kind) {
      case 'transition':
        return { detections: [sloBurnDetection(ctx.rule, event, target, result.transition)] };
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

function sloBurnDetection(
  rule: Rule<SloBurnParameters>,
  event: VigilEvent,
  target: number,
  transition: BurnTransition,
): Detection {
  const base = detectionBase(rule, event);
  const service = event.entity.id;
  const common = {
    ...base,
    detectedAt: isoTime(transition.detectedAtMs),
    evidence: transition.evidence,
  };
  const condition = transition.condition;
  if (transition.to === 'firing' && condition) {
    const level = transition.level === 'ticket' ? 'ticket' : 'page';
    return {
      id: detectionId(rule.id, base.dedupKey, transition.triggerEventId),
      ...common,
      severity: level === 'ticket' ? rule.params.ticketSeverity : rule.severity,
      status: 'firing',
      title: `${service} is burning its error budget (${level})`,
      summary:
        `${service} burns its ${target} % availability budget at ${condition.longBurn}x over ` +
        `${formatDuration(condition.longMs)} (${condition.longBad} of ${condition.longEvents} checks failed) and ` +
        `${condition.shortBurn}x over ${formatDuration(condition.shortMs)}; the ${level} threshold is ${condition.burnRate}x.`,
      firstEventAt: transition.evidence[0]?.time ?? isoTime(transition.triggerTimeMs),
      attributes: {
        level,
        targetPercent: target,
        burnRateThreshold: condition.burnRate,
        longWindowSeconds: condition.longMs / 1000,
        shortWindowSeconds: condition.shortMs / 1000,
        longBurnRate: condition.longBurn,
        shortBurnRate: condition.shortBurn,
        longWindowChecks: condition.longEvents,
        longWindowFailures: condition.longBad,
      },
    };
  }
  return {
    id: detectionId(rule.id, base.dedupKey, transition.triggerEventId, 'resolved'),
    ...common,
    severity: transition.previous === 'ticket' ? rule.params.ticketSeverity : rule.severity,
    status: 'resolved',
    title: `${service} is within its error budget again`,
    summary: `No burn-rate condition holds for ${service} any more (since ${isoTime(transition.sinceMs)}, highest level ${transition.previous}).`,
    firstEventAt: isoTime(transition.sinceMs),
    attributes: { level: 'none', previousLevel: transition.previous, targetPercent: target },
  };
}
