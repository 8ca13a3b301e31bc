import { accountChange, DAY, HOUR } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const token = (id: string) => ({ type: 'resource' as const, id: `cloudflare-token:${id}` });
const made = (
  id: string,
  at: number,
  change: 'credential-created' | 'credential-rotated' = 'credential-created',
  outcome: 'success' | 'failure' = 'success',
) =>
  accountChange({ id, at, change, entity: token(id), source: 'cloudflare', kind: 'api_activity', outcome });

/** Weekdays 09:00–17:00. The fixture epoch is Wednesday 2025-12-31 23:00 UTC. */
const OFFICE_HOURS = { windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }] };

export const tokenOutsideWindowFixtures: RuleFixtures = {
  positive: [
    {
      name: 'tokens created on a weekday night and on a Saturday fire; one at 10:00 on a Thursday does not',
      parameters: OFFICE_HOURS,
      events: [made('tw-a1', 0), made('tw-a2', 11 * HOUR), made('tw-a3', 2 * DAY + 13 * HOUR)],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'cloudflare:tw-a1',
          attributes: { localTime: 'wed 23:00 UTC', change: 'credential-created' },
        },
        { status: 'firing', triggerEventId: 'cloudflare:tw-a3', attributes: { localTime: 'sat 12:00 UTC' } },
      ],
    },
    {
      name: 'in another time zone, and for rotations too when asked',
      parameters: {
        ...OFFICE_HOURS,
        timeZone: 'Europe/Bucharest',
        changes: ['credential-created', 'credential-rotated'],
      },
      // 23:00 UTC is 01:00 in Bucharest (outside); 08:00 UTC is 10:00 there (inside).
      events: [made('tw-b1', 0, 'credential-rotated'), made('tw-b2', 9 * HOUR)],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'cloudflare:tw-b1',
          attributes: { localTime: 'thu 01:00 Europe/Bucharest', change: 'credential-rotated' },
        },
      ],
    },
  ],
  negative: [
    {
      name: 'no window configured watches nothing',
      events: [made('tw-c1', 0)],
      expected: [],
    },
    {
      name: 'a rotation (not asked), a failed creation, a revocation, all at night',
      parameters: OFFICE_HOURS,
      events: [
        made('tw-d1', 0, 'credential-rotated'),
        made('tw-d2', HOUR, 'credential-created', 'failure'),
        accountChange({
          id: 'tw-d3',
          at: 2 * HOUR,
          change: 'credential-revoked',
          entity: token('tw-d3'),
          source: 'cloudflare',
          kind: 'api_activity',
        }),
      ],
      expected: [],
    },
  ],
};
