import { accountChange, MINUTE } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const user = (id: string) => ({ type: 'user' as const, id });

export const adminGrantedFixtures: RuleFixtures = {
  positive: [
    {
      name: 'super admin in Okta and org owner in GitHub both fire',
      events: [
        accountChange({ id: 'ag-a1', at: 0, change: 'admin-granted', entity: user('alice@example.com') }),
        accountChange({
          id: 'ag-a2',
          at: MINUTE,
          change: 'admin-granted',
          entity: user('octocat'),
          source: 'github',
        }),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'okta:ag-a1', attributes: { actor: 'admin@example.com' } },
        { status: 'firing', triggerEventId: 'github:ag-a2' },
      ],
    },
  ],
  negative: [
    {
      name: 'a revoked admin role and a failed grant',
      events: [
        accountChange({ id: 'ag-b1', at: 0, change: 'admin-revoked', entity: user('bob@example.com') }),
        accountChange({
          id: 'ag-b2',
          at: MINUTE,
          change: 'admin-granted',
          entity: user('bob@example.com'),
          outcome: 'failure',
        }),
      ],
      expected: [],
    },
  ],
};
