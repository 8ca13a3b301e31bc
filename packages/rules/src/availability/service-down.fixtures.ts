import { SECOND, uptimeCheck } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const check = (id: string, service: string, at: number, ok: boolean, region?: string) =>
  uptimeCheck({ id, service, at, outcome: ok ? 'success' : 'failure', region });

/** Defaults: 3 consecutive failures, or 2 regions failing within 2 minutes. */
export const serviceDownFixtures: RuleFixtures = {
  positive: [
    {
      name: 'three failed checks in a row take it down; the next success resolves it with the downtime',
      events: [
        check('sd-a0', 'checkout', 0, true),
        check('sd-a30', 'checkout', 30 * SECOND, false),
        check('sd-a60', 'checkout', 60 * SECOND, false),
        check('sd-a90', 'checkout', 90 * SECOND, false),
        check('sd-a120', 'checkout', 120 * SECOND, false),
        check('sd-a150', 'checkout', 150 * SECOND, true),
        check('sd-a180', 'checkout', 180 * SECOND, true),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'prober:sd-a90', attributes: { consecutiveFailures: 3 } },
        { status: 'resolved', triggerEventId: 'prober:sd-a150', attributes: { downtimeSeconds: 120 } },
      ],
    },
    {
      name: 'checks arriving out of order are taken in event-time order',
      events: [
        check('sd-b0', 'search', 0, false),
        check('sd-b60', 'search', 60 * SECOND, false),
        check('sd-b30', 'search', 30 * SECOND, false),
        check('sd-b90', 'search', 90 * SECOND, true),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'prober:sd-b30' },
        { status: 'resolved', triggerEventId: 'prober:sd-b90', attributes: { downtimeSeconds: 90 } },
      ],
    },
    {
      name: 'failures from two regions within two minutes take it down; up once fewer than two fail',
      events: [
        check('sd-r0', 'api', 0, true, 'eu-west-1'),
        check('sd-r1', 'api', 0, true, 'us-east-1'),
        check('sd-r2', 'api', 30 * SECOND, false, 'eu-west-1'),
        check('sd-r3', 'api', 40 * SECOND, true, 'ap-south-1'),
        check('sd-r4', 'api', 60 * SECOND, false, 'us-east-1'),
        check('sd-r5', 'api', 90 * SECOND, true, 'eu-west-1'),
        check('sd-r6', 'api', 120 * SECOND, true, 'us-east-1'),
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'prober:sd-r4',
          attributes: { failingRegions: 2, regions: 'eu-west-1,us-east-1' },
        },
        { status: 'resolved', triggerEventId: 'prober:sd-r5', attributes: { downtimeSeconds: 60 } },
      ],
    },
  ],
  negative: [
    {
      name: 'one region failing while the others succeed is not an outage',
      events: Array.from({ length: 12 }, (_, i) =>
        check(
          `sd-g${i}`,
          'web',
          i * 10 * SECOND,
          i % 3 !== 0,
          ['eu-west-1', 'us-east-1', 'ap-south-1'][i % 3],
        ),
      ),
      expected: [],
    },
    {
      name: 'failures from two regions further apart than the window, or after recovering',
      events: [
        check('sd-h0', 'docs', 0, false, 'eu-west-1'),
        check('sd-h1', 'docs', 150 * SECOND, false, 'us-east-1'),
        check('sd-h2', 'docs', 160 * SECOND, true, 'us-east-1'),
        check('sd-h3', 'docs', 170 * SECOND, false, 'ap-south-1'),
      ],
      expected: [],
    },
    {
      name: 'two failures then a success',
      events: [
        check('sd-c0', 'billing', 0, false),
        check('sd-c30', 'billing', 30 * SECOND, false),
        check('sd-c60', 'billing', 60 * SECOND, true),
      ],
      expected: [],
    },
    {
      name: 'failures broken up by successes never make three in a row',
      events: [false, false, true, false, false, true, false, false].map((ok, i) =>
        check(`sd-d${i}`, 'auth', i * 30 * SECOND, ok),
      ),
      expected: [],
    },
    {
      name: 'a late success between failures (in event time) breaks the run',
      events: [
        check('sd-e0', 'mail', 0, false),
        check('sd-e60', 'mail', 60 * SECOND, false),
        check('sd-e30', 'mail', 30 * SECOND, true),
        check('sd-e90', 'mail', 90 * SECOND, false),
      ],
      expected: [],
    },
    {
      name: 'one failed check delivered three times is one failure',
      events: [
        check('sd-f0', 'cdn', 0, false),
        check('sd-f0', 'cdn', 0, false),
        check('sd-f0', 'cdn', 0, false),
      ],
      expected: [],
    },
  ],
};
