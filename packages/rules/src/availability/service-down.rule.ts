import { REGION, entityKey, isServiceCheck, type Detection, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import type { StateTransition } from '../consecutive-state';
import { isoTime, stringAttribute } from '../detection-builder';
import { Duration } from '../duration';
import { MINUTE } from '../fixture-events';
import { lateReason } from '../lateness';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import { outageDetection } from './outage-detection';
import { serviceDownFixtures } from './service-down.fixtures';

export const ServiceDownParameters = z.strictObject({
  /** Consecutive failed checks, in event-time order, that mean the service is down. */
  consecutiveFailures: z.number().int().min(1).max(1_000).default(3),
  /**
   * Down also when the latest checks from this many regions (`vigil.region`) failed within
   * `regionWindow`, consecutive or not; 0 turns the region trigger off.
   */
  failingRegions: z.number().int().min(0).max(100).default(2),
  regionWindow: Duration.default(2 * MINUTE),
  /** How far behind the service's newest check a check may arrive and still count. */
  allowedLateness: Duration.default(2 * MINUTE),
});
export type ServiceDownParameters = z.infer<typeof ServiceDownParameters>;

export const serviceDownRule: Rule<ServiceDownParameters> = defineRule({
  id: 'availability.service-down',
  version: 4,
  title: 'Service down',
  description:
    'Fires when a service fails `consecutiveFailures` uptime checks in a row (event-time order), or ' +
    'when the latest checks from `failingRegions` regions failed within `regionWindow`; resolves on ' +
    'the first newest successful check once fewer regions are failing, with the measured downtime.',
  criteria: ['A1.2', 'CC7.4'],
  category: 'availability',
  severity: 'SEV2',
  parameters: ServiceDownParameters,
  fixtures: serviceDownFixtures,
  ownerKey: (event) => event.entity.id,
  kinds: ['uptime_check'],
  // Alerts are a group with their own semantics (availability.alerts-down), not a run of checks.
  match: isServiceCheck,
  dedupKey: (event) => `availability.service-down:${entityKey(event.entity)}`,

  async evaluate(event, ctx) {
    const { params } = ctx;
    const result = await ctx.consecutiveState({
      succeeded: event.outcome === 'success',
      failuresToTrip: params.consecutiveFailures,
      latenessMs: params.allowedLateness,
      region: stringAttribute(event, REGION),
      regionsToTrip: params.failingRegions,
      regionWindowMs: params.regionWindow,
    });
    switch (result.kind) {
      case 'transition':
        return { detections: [serviceDownDetection(ctx.rule, event, result.transition)] };
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

/** Built only from the event and the stored transition, so a redelivery rebuilds it byte for byte. */
function serviceDownDetection(
  rule: Rule<ServiceDownParameters>,
  event: VigilEvent,
  transition: StateTransition,
): Detection {
  const service = event.entity.id;
  const byRegions = transition.cause === 'regions';
  const regions = transition.regions ?? [];
  // Down at the first failed check, up at the first good one: one outage interval in event time.
  return outageDetection(
    rule,
    event,
    transition,
    {
      summary: byRegions
        ? `Checks of ${service} failing from ${regions.length} regions (${regions.join(', ')}) since ${isoTime(transition.sinceMs)}.`
        : `${transition.failures} consecutive failed checks for ${service} since ${isoTime(transition.sinceMs)}.`,
      attributes: byRegions
        ? { failingRegions: regions.length, regions: regions.join(',') }
        : { consecutiveFailures: transition.failures },
    },
    byRegions ? 'regions' : 'consecutive-checks',
  );
}
