import { COUNTRY, type Outcome } from '@vigil/schema';
import { DAY, HOUR, signIn } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const from = (
  id: string,
  user: string,
  at: number,
  country: string,
  outcome: Outcome = 'success',
  source = 'cloudflare',
) => signIn({ id, user, at, outcome, source, ip: '198.51.100.4', attributes: { [COUNTRY]: country } });

/** Defaults: a 90-day lookback, every user, every source. */
export const newCountrySigninFixtures: RuleFixtures = {
  positive: [
    {
      name: 'an admin used to one country signs in from another',
      events: [
        from('nc-a1', 'alice@example.com', 0, 'US'),
        from('nc-a2', 'alice@example.com', DAY, 'US'),
        from('nc-a3', 'Alice@example.com', 2 * DAY, 'ro'),
        // Back home, then Romania again: nothing new.
        from('nc-a4', 'alice@example.com', 3 * DAY, 'US'),
        from('nc-a5', 'alice@example.com', 4 * DAY, 'RO'),
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'cloudflare:nc-a3',
          attributes: { country: 'RO', source: 'cloudflare', ip: '198.51.100.4' },
        },
      ],
    },
    {
      name: 'a third country fires again, and a country unseen for longer than the lookback is new again',
      events: [
        from('nc-b1', 'bob@example.com', 0, 'US'),
        from('nc-b2', 'bob@example.com', HOUR, 'DE'),
        from('nc-b3', 'bob@example.com', 2 * HOUR, 'BR'),
        from('nc-b4', 'bob@example.com', 100 * DAY, 'US'),
        from('nc-b5', 'bob@example.com', 101 * DAY, 'DE'),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'cloudflare:nc-b2' },
        { status: 'firing', triggerEventId: 'cloudflare:nc-b3' },
        { status: 'firing', triggerEventId: 'cloudflare:nc-b5', attributes: { country: 'DE' } },
      ],
    },
    {
      name: 'only the watched admins of the watched source',
      parameters: { admins: ['Carol@example.com'], sources: ['cloudflare'] },
      events: [
        from('nc-c1', 'carol@example.com', 0, 'US'),
        from('nc-c2', 'dan@example.com', 0, 'US'),
        from('nc-c3', 'dan@example.com', HOUR, 'FR'),
        from('nc-c4', 'carol@example.com', HOUR, 'FR', 'success', 'okta'),
        from('nc-c5', 'carol@example.com', 2 * HOUR, 'FR'),
      ],
      expected: [{ status: 'firing', triggerEventId: 'cloudflare:nc-c5' }],
    },
  ],
  negative: [
    {
      name: 'a user’s first country is learnt; failed sign-ins and sign-ins without a country do not count',
      events: [
        from('nc-d1', 'erin@example.com', 0, 'US'),
        from('nc-d2', 'erin@example.com', HOUR, 'US'),
        from('nc-d3', 'erin@example.com', 2 * HOUR, 'KP', 'failure'),
        signIn({
          id: 'nc-d4',
          user: 'erin@example.com',
          at: 3 * HOUR,
          outcome: 'success',
          source: 'cloudflare',
        }),
        from('nc-d5', 'frank@example.com', 3 * HOUR, 'JP'),
      ],
      expected: [],
    },
  ],
};
