import { accountChange, apiCall, MINUTE, signIn } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const user = (id: string) => ({ type: 'user' as const, id });
const suspended = (id: string, who: string, at: number, source = 'okta') =>
  accountChange({ id, at, change: 'user-suspended', entity: user(who), source });
const reactivated = (id: string, who: string, at: number) =>
  accountChange({ id, at, change: 'user-reactivated', entity: user(who) });

export const deprovisionedAccessFixtures: RuleFixtures = {
  positive: [
    {
      name: 'a sign-in after the suspension fires, once for the suspension',
      events: [
        signIn({ id: 'da-a0', at: 0, user: 'alice@example.com', outcome: 'success' }),
        suspended('da-a1', 'alice@example.com', MINUTE),
        signIn({
          id: 'da-a2',
          at: 2 * MINUTE,
          user: 'alice@example.com',
          outcome: 'success',
          source: 'google',
        }),
        signIn({ id: 'da-a3', at: 3 * MINUTE, user: 'alice@example.com', outcome: 'success' }),
      ],
      expected: [{ status: 'firing', triggerEventId: 'google:da-a2', attributes: { source: 'google' } }],
    },
    {
      name: 'an API call by the suspended user (another source, another case) fires',
      events: [suspended('da-b0', 'Bob@Example.com', 0)],
      then: [{ events: [apiCall({ id: 'da-b1', at: 5 * MINUTE, user: 'bob@example.com' })] }],
      expected: [
        { status: 'firing', triggerEventId: 'cloudtrail:da-b1', attributes: { action: 'DescribeInstances' } },
      ],
    },
    {
      name: 'suspended again after a reactivation fires again',
      events: [
        suspended('da-c0', 'carol@example.com', 0),
        signIn({ id: 'da-c1', at: MINUTE, user: 'carol@example.com', outcome: 'success' }),
        reactivated('da-c2', 'carol@example.com', 2 * MINUTE),
        suspended('da-c3', 'carol@example.com', 3 * MINUTE),
        signIn({ id: 'da-c4', at: 4 * MINUTE, user: 'carol@example.com', outcome: 'success' }),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'okta:da-c1' },
        { status: 'firing', triggerEventId: 'okta:da-c4' },
      ],
    },
  ],
  negative: [
    {
      name: 'failed sign-ins by a suspended user, and activity before the suspension arriving late',
      events: [
        suspended('da-d0', 'dave@example.com', 5 * MINUTE),
        signIn({ id: 'da-d1', at: 6 * MINUTE, user: 'dave@example.com', outcome: 'failure' }),
        signIn({ id: 'da-d2', at: 4 * MINUTE, user: 'dave@example.com', outcome: 'success' }),
        apiCall({ id: 'da-d3', at: 3 * MINUTE, user: 'dave@example.com' }),
      ],
      expected: [],
    },
    {
      name: 'activity after a reactivation, and by users never suspended',
      events: [
        suspended('da-e0', 'erin@example.com', 0),
        reactivated('da-e1', 'erin@example.com', MINUTE),
        signIn({ id: 'da-e2', at: 2 * MINUTE, user: 'erin@example.com', outcome: 'success' }),
        signIn({ id: 'da-e3', at: 2 * MINUTE, user: 'frank@example.com', outcome: 'success' }),
      ],
      expected: [],
    },
    {
      name: 'the admin who suspends a user is not the suspended user',
      events: [
        accountChange({
          id: 'da-f0',
          at: 0,
          change: 'user-suspended',
          entity: user('gina@example.com'),
          actor: 'admin@example.com',
        }),
        apiCall({ id: 'da-f1', at: MINUTE, user: 'admin@example.com' }),
      ],
      expected: [],
    },
  ],
};
