import { FIXTURE_EPOCH_MS, SECOND, alertEvent, uptimeCheck } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const alert = (fingerprint: string, service: string, startsAt: number, endsAt?: number, severity?: string) =>
  alertEvent({ fingerprint, service, startsAt, ...(endsAt === undefined ? {} : { endsAt }), severity });
const idOf = (fingerprint: string, startsAt: number, status: 'firing' | 'resolved') =>
  `alertmanager:${fingerprint}:${new Date(FIXTURE_EPOCH_MS + startsAt).toISOString()}:${status}`;
/** A down detection's id suffix: the outage's start, epoch ms. */
const since = (at: number) => `down:${FIXTURE_EPOCH_MS + at}`;

/** Defaults: one firing alert is an outage; critical / page alerts always are. */
export const alertsDownFixtures: RuleFixtures = {
  positive: [
    {
      // Cloudflare Health Checks notifications: a Healthy one names only its own time as the alert's start.
      name: 'a Cloudflare health check: Unhealthy takes the service down, the Healthy that follows (its own time as start) brings it up',
      events: [alert('cf1', 'www', 0, undefined, ''), alert('cf1', 'www', 450 * SECOND, 450 * SECOND, '')],
      expected: [
        { status: 'firing', triggerEventId: idOf('cf1', 0, 'firing'), idSuffix: since(0) },
        {
          status: 'resolved',
          triggerEventId: idOf('cf1', 450 * SECOND, 'resolved'),
          attributes: { downtimeSeconds: 450 },
        },
      ],
    },
    {
      name: 'one firing alert takes the service down from its start; its resolution brings it up at its end',
      events: [alert('a1', 'checkout', 0), alert('a1', 'checkout', 0, 300 * SECOND)],
      expected: [
        { status: 'firing', triggerEventId: idOf('a1', 0, 'firing'), idSuffix: since(0) },
        {
          status: 'resolved',
          triggerEventId: idOf('a1', 0, 'resolved'),
          attributes: { downtimeSeconds: 300 },
        },
      ],
    },
    {
      name: 'several alerts: down from the earliest start while any fires, up when the last resolves',
      events: [
        alert('b1', 'search', 0),
        alert('b2', 'search', 60 * SECOND),
        alert('b1', 'search', 0, 200 * SECOND),
        alert('b2', 'search', 60 * SECOND, 265 * SECOND),
      ],
      expected: [
        { status: 'firing', triggerEventId: idOf('b1', 0, 'firing'), idSuffix: since(0) },
        {
          status: 'resolved',
          triggerEventId: idOf('b2', 60 * SECOND, 'resolved'),
          attributes: { downtimeSeconds: 265 },
        },
      ],
    },
    {
      name: 'a late delivery of an alert that began earlier moves the start back; repeats change nothing',
      events: [alert('c1', 'billing', 120 * SECOND), alert('c1', 'billing', 120 * SECOND)],
      then: [
        { events: [alert('c2', 'billing', 0), alert('c2', 'billing', 0)] },
        {
          events: [
            alert('c1', 'billing', 120 * SECOND, 300 * SECOND),
            alert('c2', 'billing', 0, 310 * SECOND),
          ],
        },
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: idOf('c1', 120 * SECOND, 'firing'),
          idSuffix: since(120 * SECOND),
        },
        { status: 'firing', triggerEventId: idOf('c2', 0, 'firing'), idSuffix: since(0) },
        {
          status: 'resolved',
          triggerEventId: idOf('c2', 0, 'resolved'),
          attributes: { downtimeSeconds: 310 },
        },
      ],
    },
    {
      name: 'a resolution of an alert never seen firing is the outage it shows',
      events: [alert('d1', 'auth', 0, 240 * SECOND)],
      expected: [
        { status: 'firing', triggerEventId: idOf('d1', 0, 'resolved'), idSuffix: since(0) },
        {
          status: 'resolved',
          triggerEventId: idOf('d1', 0, 'resolved'),
          attributes: { downtimeSeconds: 240 },
        },
      ],
    },
    {
      name: 'with two alerts needed, one warning is not enough but a critical one alone is',
      parameters: { alertsToTrip: 2 },
      events: [
        alert('e1', 'mail', 0, undefined, 'warning'),
        alert('e2', 'mail', 30 * SECOND, undefined, 'critical'),
      ],
      expected: [{ status: 'firing', triggerEventId: idOf('e2', 30 * SECOND, 'firing'), idSuffix: since(0) }],
    },
  ],
  negative: [
    {
      name: 'a Cloudflare Healthy notification with no Unhealthy before it is no outage',
      events: [alert('cf2', 'www', 100 * SECOND, 100 * SECOND, '')],
      expected: [],
    },
    {
      name: 'with two alerts needed, one warning alert firing and resolving is no outage',
      parameters: { alertsToTrip: 2 },
      events: [alert('f1', 'cdn', 0, undefined, 'warning'), alert('f1', 'cdn', 0, 600 * SECOND, 'warning')],
      expected: [],
    },
    {
      name: "a probe's failed checks are not alerts",
      events: [0, 30, 60, 90].map((s) =>
        uptimeCheck({ id: `ad-p${s}`, service: 'web', at: s * SECOND, outcome: 'failure' }),
      ),
      expected: [],
    },
  ],
};
