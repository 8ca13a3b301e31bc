import { accountChange, MINUTE } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const user = (id: string) => ({ type: 'user' as const, id });

export const mfaRemovedFixtures: RuleFixtures = {
  positive: [
    {
      name: 'a factor reset in Okta and 2-step verification turned off in Google both fire',
      events: [
        accountChange({ id: 'mfa-a1', at: 0, change: 'mfa-removed', entity: user('alice@example.com') }),
        accountChange({
          id: 'mfa-a2',
          at: MINUTE,
          change: 'mfa-removed',
          entity: user('bob@example.com'),
          source: 'google',
        }),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'okta:mfa-a1', attributes: { change: 'mfa-removed' } },
        { status: 'firing', triggerEventId: 'google:mfa-a2' },
      ],
    },
    {
      name: 'an org-wide MFA policy relaxed (via an API call) fires',
      events: [
        accountChange({
          id: 'mfa-b1',
          at: 0,
          change: 'mfa-policy-weakened',
          entity: { type: 'account', id: 'github-org' },
          source: 'github',
          kind: 'api_activity',
        }),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'github:mfa-b1', attributes: { change: 'mfa-policy-weakened' } },
      ],
    },
  ],
  negative: [
    {
      name: 'a failed attempt to remove a factor, and unrelated changes',
      events: [
        accountChange({
          id: 'mfa-c1',
          at: 0,
          change: 'mfa-removed',
          entity: user('carol@example.com'),
          outcome: 'failure',
        }),
        accountChange({
          id: 'mfa-c2',
          at: MINUTE,
          change: 'password-reset',
          entity: user('carol@example.com'),
        }),
        accountChange({
          id: 'mfa-c3',
          at: 2 * MINUTE,
          change: 'user-created',
          entity: user('dan@example.com'),
        }),
      ],
      expected: [],
    },
  ],
};
