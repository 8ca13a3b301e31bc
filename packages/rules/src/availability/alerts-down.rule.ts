import {
  ALERT_FINGERPRINT,
  ALERT_SEVERITY,
  ALERT_STARTS_AT,
  entityKey,
  isAlertEvent,
  type Detection,
  type VigilEvent,
} from '@vigil/schema';
import { z } from 'zod';
import type { AlertGroupTransition } from '../alert-group';
import { isoTime, stringAttribute } from '../detection-builder';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import { alertsDownFixtures } from './alerts-down.fixtures';
import { outageDetection } from './outage-detection';

export const AlertsDownParameters = z.strictObject({
  /** Firing alerts of a service's group that mean it is down. */
  alertsToTrip: z.number().int().min(1).max(100).default(1),
  /** Alerts with one of these `severity` labels take the service down on their own, whatever `alertsToTrip`. */
  severitiesAlone: z.array(z.string().min(1).max(64)).max(20).default(['critical', 'page']),
});
export type AlertsDownParameters = z.infer<typeof AlertsDownParameters>;

export const alertsDownRule: Rule<AlertsDownParameters> = defineRule({
  id: 'availability.alerts-down',
  version: 1,
  title: 'Service down (alerts)',
  description:
    "Treats a service's Alertmanager alerts as one group: the service is down while `alertsToTrip` of " +
    'them fire (one by default), or one whose severity is in `severitiesAlone`, from the earliest startsAt; ' +
    'up when all have resolved, at the last endsAt. Repeats and late deliveries extend the outage.',
  criteria: ['A1.2', 'CC7.4'],
  category: 'availability',
  severity: 'SEV2',
  parameters: AlertsDownParameters,
  fixtures: alertsDownFixtures,
  ownerKey: (event) => event.entity.id,
  kinds: ['uptime_check'],
  match: (event) =>
    event.kind === 'uptime_check' &&
    event.entity.type === 'service' &&
    isAlertEvent(event) &&
    (event.outcome === 'failure' || event.outcome === 'success'),
  dedupKey: (event) => `availability.alerts-down:${entityKey(event.entity)}`,

  async evaluate(event, ctx) {
    const startsAtMs = Date.parse(stringAttribute(event, ALERT_STARTS_AT) ?? event.time);
    const severity = stringAttribute(event, ALERT_SEVERITY);
    const result = await ctx.alertGroup({
      firing: event.outcome === 'failure',
      fingerprint: stringAttribute(event, ALERT_FINGERPRINT) ?? event.id,
      startsAtMs: Number.isFinite(startsAtMs) ? startsAtMs : ctx.eventTimeMs,
      tripsAlone: severity !== undefined && ctx.params.severitiesAlone.includes(severity),
      alertsToTrip: ctx.params.alertsToTrip,
    });
    if (result.kind !== 'transitions') return NO_DETECTIONS;
    return { detections: result.transitions.map((t) => alertsDownDetection(ctx.rule, event, t)) };
  },
});

/** Built only from the event and the stored transition, so a redelivery rebuilds it byte for byte. */
function alertsDownDetection(
  rule: Rule<AlertsDownParameters>,
  event: VigilEvent,
  transition: AlertGroupTransition,
): Detection {
  const n = transition.firing;
  return outageDetection(
    rule,
    event,
    transition,
    {
      summary: `${n} alert${n === 1 ? '' : 's'} firing for ${event.entity.id} since ${isoTime(transition.sinceMs)}.`,
      attributes: { firingAlerts: n },
      // The start is in the id: one alert event can start an outage, another (late) move its start back.
      idSuffix: `down:${transition.sinceMs}`,
    },
    'alerts',
  );
}
