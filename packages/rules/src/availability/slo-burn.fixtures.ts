import { MINUTE, SECOND, alertEvent, uptimeCheck } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const check = (id: string, service: string, at: number, ok: boolean) =>
  uptimeCheck({ id, service, at, outcome: ok ? 'success' : 'failure' });

/** `count` checks `every` ms apart from `from`, failing where `fails(i)`. */
const series = (
  prefix: string,
  service: string,
  count: number,
  every: number,
  fails: (i: number) => boolean,
) => Array.from({ length: count }, (_, i) => check(`${prefix}${i}`, service, i * every, !fails(i)));

/** Defaults: 99.9 %; page at 14.4x (1h, 5m) and 6x (6h, 30m); ticket at 1x (3d, 6h); 20 checks at least. */
export const sloBurnFixtures: RuleFixtures = {
  positive: [
    {
      name: 'a failure after 50 healthy minutes files a ticket; the second pages (6x over 6h and 30m)',
      events: series('sb-a', 'checkout', 303, 10 * SECOND, (i) => i >= 300),
      expected: [
        {
          status: 'firing',
          triggerEventId: 'prober:sb-a300',
          severity: 'SEV4',
          attributes: { level: 'ticket' },
        },
        {
          status: 'firing',
          triggerEventId: 'prober:sb-a301',
          severity: 'SEV2',
          attributes: { level: 'page', burnRateThreshold: 6, longWindowFailures: 2 },
        },
      ],
    },
    {
      name: 'one failed check a minute pages at 14.4x; resolved once it leaves the 6h window',
      events: series('sb-b', 'search', 422, MINUTE, (i) => i === 60),
      expected: [
        {
          status: 'firing',
          triggerEventId: 'prober:sb-b60',
          severity: 'SEV2',
          attributes: { level: 'page', burnRateThreshold: 14.4, longWindowChecks: 60 },
        },
        { status: 'resolved', triggerEventId: 'prober:sb-b420', attributes: { previousLevel: 'page' } },
      ],
    },
  ],
  negative: [
    {
      name: 'Alertmanager alerts are no checks: 30 alerts firing among 20 good checks burn nothing here',
      events: [
        ...series('sb-j', 'queue', 20, MINUTE, () => false),
        ...Array.from({ length: 30 }, (_, i) =>
          alertEvent({ fingerprint: `sb-ja${i}`, service: 'queue', startsAt: 20 * MINUTE + i * SECOND }),
        ),
        check('sb-jok', 'queue', 21 * MINUTE, true),
      ],
      expected: [],
    },
    {
      name: 'a healthy service',
      events: series('sb-c', 'billing', 120, 30 * SECOND, () => false),
      expected: [],
    },
    {
      name: 'low traffic: 3 failures among 8 checks is below the minimum of 20',
      events: series('sb-d', 'admin', 8, MINUTE, (i) => i >= 5),
      expected: [],
    },
    {
      name: 'a failed check delivered six times counts once (16 checks, below the minimum)',
      events: [
        ...series('sb-e', 'mail', 15, 30 * SECOND, () => false),
        ...Array.from({ length: 6 }, () => check('sb-e15', 'mail', 15 * 30 * SECOND, false)),
      ],
      expected: [],
    },
  ],
};
