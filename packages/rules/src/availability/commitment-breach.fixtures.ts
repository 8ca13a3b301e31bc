import { HOUR, MINUTE, SECOND, alertEvent, uptimeCheck } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const check = (id: string, service: string, at: number, ok: boolean) =>
  uptimeCheck({ id, service, at, outcome: ok ? 'success' : 'failure' });
const healthy = (prefix: string, service: string, count: number, every: number) =>
  Array.from({ length: count }, (_, i) => check(`${prefix}${i}`, service, i * every, true));

/**
 * 99.9 %; down after 3 consecutive failures. Fixtures start 2025-12-31T23:00Z. The default basis is
 * `period` (the month's whole budget spent); the `elapsed` fixtures say so.
 */
export const commitmentBreachFixtures: RuleFixtures = {
  positive: [
    {
      name: 'a one-minute outage after 50 minutes is below 99.9 % for the month so far, once',
      parameters: { basis: 'elapsed' },
      events: [
        ...healthy('cb-a', 'checkout', 100, 30 * SECOND),
        ...[0, 1, 2, 3, 4].map((i) => check(`cb-af${i}`, 'checkout', 50 * MINUTE + i * 30 * SECOND, false)),
        check('cb-aok', 'checkout', 53 * MINUTE, true),
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'prober:cb-af2',
          attributes: {
            period: '2025-12',
            commitmentPercent: 99.9,
            downtimeMinutes: 1,
            availabilityPercent: 98.039,
          },
        },
      ],
    },
    {
      name: 'an outage across the month boundary breaches both months, each once',
      parameters: { basis: 'elapsed' },
      events: [
        ...healthy('cb-b', 'search', 117, 30 * SECOND),
        ...[0, 1, 2, 3, 4].map((i) =>
          check(`cb-bf${i}`, 'search', 58 * MINUTE + 30 * SECOND + i * 30 * SECOND, false),
        ),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'prober:cb-bf2', attributes: { period: '2025-12' } },
        {
          status: 'firing',
          triggerEventId: 'prober:cb-bf4',
          attributes: { period: '2026-01', downtimeMinutes: 0.5 },
        },
      ],
    },
    {
      name: 'by default, downtime beyond the whole month budget (44.6 min of January at 99.9 %) breaches it, once',
      events: [
        ...Array.from({ length: 20 }, (_, i) =>
          check(`cb-e${i}`, 'ledger', 2 * HOUR + i * 30 * SECOND, true),
        ),
        ...Array.from({ length: 50 }, (_, i) =>
          check(`cb-ef${i}`, 'ledger', 2 * HOUR + 10 * MINUTE + i * MINUTE, false),
        ),
      ],
      expected: [{ status: 'firing', triggerEventId: 'prober:cb-ef45', attributes: { period: '2026-01' } }],
    },
  ],
  negative: [
    {
      name: 'Alertmanager alerts are no checks: three alerts firing for an hour count nothing here (alerts-down measures them)',
      events: [
        ...Array.from({ length: 20 }, (_, i) => check(`cb-h${i}`, 'queue', i * 30 * SECOND, true)),
        ...[0, 1, 2].map((i) =>
          alertEvent({ fingerprint: `cb-ha${i}`, service: 'queue', startsAt: 2 * HOUR + i * MINUTE }),
        ),
        ...[0, 1, 2].map((i) =>
          alertEvent({
            fingerprint: `cb-ha${i}`,
            service: 'queue',
            startsAt: 2 * HOUR + i * MINUTE,
            endsAt: 3 * HOUR,
          }),
        ),
      ],
      expected: [],
    },
    {
      name: 'by default, a 30-minute outage leaves the month within 99.9 %',
      events: [
        ...Array.from({ length: 20 }, (_, i) => check(`cb-g${i}`, 'wiki', 2 * HOUR + i * 30 * SECOND, true)),
        ...Array.from({ length: 31 }, (_, i) =>
          check(`cb-gf${i}`, 'wiki', 2 * HOUR + 10 * MINUTE + i * MINUTE, false),
        ),
        check('cb-gok', 'wiki', 2 * HOUR + 42 * MINUTE, true),
      ],
      expected: [],
    },
    {
      name: 'two failures are not an outage',
      parameters: { basis: 'elapsed' },
      events: [
        ...healthy('cb-c', 'billing', 20, 30 * SECOND),
        check('cb-cf0', 'billing', 10 * MINUTE, false),
        check('cb-cf1', 'billing', 10 * MINUTE + 30 * SECOND, false),
        check('cb-cok', 'billing', 11 * MINUTE, true),
      ],
      expected: [],
    },
    {
      name: 'a 90-second outage after two days stays within 99.9 %',
      parameters: { basis: 'elapsed' },
      events: [
        ...healthy('cb-d', 'mail', 48, HOUR),
        ...[0, 1, 2].map((i) => check(`cb-df${i}`, 'mail', 47 * HOUR + 30 * SECOND + i * 30 * SECOND, false)),
        check('cb-dok', 'mail', 47 * HOUR + 2 * MINUTE, true),
      ],
      expected: [],
    },
  ],
};
