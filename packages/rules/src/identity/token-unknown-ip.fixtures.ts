import { CREDENTIAL } from '@vigil/schema';
import { apiCall, DAY, HOUR, MINUTE } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const use = (id: string, at: number, token: string, ip: string, source = 'cloudflare') =>
  apiCall({
    id,
    at,
    user: 'ci@example.com',
    source,
    ip,
    attributes: { [CREDENTIAL]: `cloudflare-token:${token}` },
  });

/** Defaults: no allow-list (each token's first address is learnt), a 30-day lookback. */
export const tokenUnknownIpFixtures: RuleFixtures = {
  positive: [
    {
      name: 'a token always used from the CI runner is used from elsewhere',
      events: [
        use('tk-a1', 0, 't1', '203.0.113.10'),
        use('tk-a2', HOUR, 't1', '203.0.113.10'),
        use('tk-a3', 2 * HOUR, 't1', '192.0.2.77'),
        use('tk-a4', 3 * HOUR, 't1', '192.0.2.77'),
        // Another token's first address is its own baseline.
        use('tk-a5', 3 * HOUR, 't2', '192.0.2.77'),
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'cloudflare:tk-a3',
          attributes: { ip: '192.0.2.77', source: 'cloudflare' },
        },
      ],
    },
    {
      name: 'with an allow-list, the first use from outside it fires (no learning), inside never',
      parameters: { allowedNetworks: ['203.0.113.0/24', '2001:db8::/32'], sources: ['cloudflare'] },
      events: [
        use('tk-b1', 0, 't3', '203.0.113.200'),
        use('tk-b2', MINUTE, 't3', '2001:db8::5'),
        use('tk-b3', 2 * MINUTE, 't3', '198.51.100.1'),
        use('tk-b4', 3 * MINUTE, 't3', '198.51.100.1'),
        use('tk-b5', 40 * DAY, 't3', '198.51.100.1'),
        use('tk-b6', 40 * DAY, 't3', '198.51.100.2', 'okta'),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'cloudflare:tk-b3', attributes: { ip: '198.51.100.1' } },
        // Not used from there for longer than the lookback: unknown again.
        { status: 'firing', triggerEventId: 'cloudflare:tk-b5' },
      ],
    },
  ],
  negative: [
    {
      name: 'uses without a credential or without an address, and uses from allowed networks',
      parameters: { allowedNetworks: ['192.0.2.0/24'] },
      events: [
        apiCall({ id: 'tk-c1', at: 0, user: 'ci@example.com', source: 'cloudflare', ip: '198.51.100.3' }),
        use('tk-c2', MINUTE, 't4', '192.0.2.9'),
        use('tk-c3', 2 * MINUTE, 't4', 'not-an-ip'),
      ],
      expected: [],
    },
  ],
};
