import { ROOT, entityKey, type Detection, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import type { WindowCrossing } from '../count-in-window';
import { burstContinuation, crossingBurst } from '../burst-detections';
import { detectionBase, detectionId, isoTime } from '../detection-builder';
import { Duration, formatDuration } from '../duration';
import { MINUTE } from '../fixture-events';
import { lateReason } from '../lateness';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import { bruteForceFixtures } from './brute-force.fixtures';

export const BruteForceParameters = z.strictObject({
  /** Failed sign-ins for one user within `window` that make it fire. */
  threshold: z.number().int().min(1).max(100_000).default(5),
  window: Duration.default(10 * MINUTE),
  /** How far behind the user's newest sign-in a failure may arrive and still count. */
  allowedLateness: Duration.default(5 * MINUTE),
  /** The most recent failures kept as evidence; the count covers all of them. */
  maxEvidence: z.number().int().min(1).max(1_000).default(50),
});
export type BruteForceParameters = z.infer<typeof BruteForceParameters>;

export const bruteForceRule: Rule<BruteForceParameters> = defineRule({
  id: 'identity.brute-force',
  version: 1,
  title: 'Repeated failed sign-ins for one user',
  description:
    'Fires when one user has at least `threshold` failed sign-ins within `window` (event time), once per ' +
    'burst: further failures while the burst lasts update nothing until the window has been quiet.',
  criteria: ['CC7.2', 'CC7.3'],
  category: 'security',
  severity: 'SEV2',
  parameters: BruteForceParameters,
  fixtures: bruteForceFixtures,
  ownerKey: () => 'identity.brute-force',
  // A root sign-in is keyed by its account (CloudTrail's `Root` identity): it counts as that account's user.
  match: (event) =>
    event.kind === 'authentication' &&
    event.outcome === 'failure' &&
    (event.entity.type === 'user' || (event.entity.type === 'account' && event.attributes[ROOT] === true)),
  dedupKey: (event) => `identity.brute-force:${entityKey(event.entity)}`,

  async evaluate(event, ctx) {
    const { params } = ctx;
    const result = await ctx.countInWindow({
      windowMs: params.window,
      latenessMs: params.allowedLateness,
      threshold: params.threshold,
      maxEvidence: params.maxEvidence,
    });
    switch (result.kind) {
      case 'crossed':
        return { detections: [bruteForceDetection(ctx.rule, event, result.crossing)] };
      case 'counted':
        return result.burst
          ? { detections: [burstContinuation(ctx.rule, event, ctx.position, result.burst)] }
          : NO_DETECTIONS;
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

/** Built only from the event and the stored crossing, so a redelivery rebuilds it byte for byte. */
function bruteForceDetection(
  rule: Rule<BruteForceParameters>,
  event: VigilEvent,
  crossing: WindowCrossing,
): Detection {
  const base = detectionBase(rule, event);
  return {
    id: detectionId(rule.id, base.dedupKey, crossing.triggerEventId),
    ...base,
    status: 'firing',
    title: `Repeated failed sign-ins for ${event.entity.id}`,
    summary:
      `${crossing.count} failed sign-ins for ${event.entity.type === 'account' ? 'the root user of account' : 'user'} ${event.entity.id} within ` +
      `${formatDuration(crossing.windowMs)} (threshold ${crossing.threshold}).`,
    firstEventAt: isoTime(crossing.firstEventMs),
    detectedAt: isoTime(crossing.detectedAtMs),
    evidence: crossing.evidence,
    ...crossingBurst(crossing),
    attributes: {
      failedSignIns: crossing.count,
      threshold: crossing.threshold,
      windowSeconds: crossing.windowMs / 1000,
      sourceIp: event.actor.ip ?? null,
    },
  };
}
