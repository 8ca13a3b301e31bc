import { INTERFACE, MFA_USED, ROOT } from '@vigil/schema';
import { MINUTE, signIn } from '../fixture-events';
import type { RuleFixtures } from '../rule';

export const rootOrNoMfaLoginFixtures: RuleFixtures = {
  positive: [
    {
      name: 'an AWS root sign-in fires even with MFA',
      events: [
        signIn({
          id: 'rm-a1',
          at: 0,
          user: 'arn:aws:iam::123456789012:root',
          outcome: 'success',
          source: 'cloudtrail',
          attributes: { [ROOT]: true, [INTERFACE]: 'console', [MFA_USED]: true },
        }),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'cloudtrail:rm-a1', attributes: { root: true, mfaUsed: true } },
      ],
    },
    {
      name: 'a console sign-in without MFA fires',
      events: [
        signIn({
          id: 'rm-b1',
          at: 0,
          user: 'deploy-bot',
          outcome: 'success',
          source: 'cloudtrail',
          attributes: { [INTERFACE]: 'console', [MFA_USED]: false },
        }),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'cloudtrail:rm-b1', attributes: { root: false, mfaUsed: false } },
      ],
    },
  ],
  negative: [
    {
      name: 'console with MFA, API without MFA, unknown MFA, and a failed root sign-in',
      events: [
        signIn({
          id: 'rm-c1',
          at: 0,
          user: 'alice',
          outcome: 'success',
          source: 'cloudtrail',
          attributes: { [INTERFACE]: 'console', [MFA_USED]: true },
        }),
        signIn({
          id: 'rm-c2',
          at: MINUTE,
          user: 'ci',
          outcome: 'success',
          source: 'cloudtrail',
          attributes: { [INTERFACE]: 'api', [MFA_USED]: false },
        }),
        signIn({
          id: 'rm-c3',
          at: 2 * MINUTE,
          user: 'bob',
          outcome: 'success',
          attributes: { [INTERFACE]: 'console' },
        }),
        signIn({
          id: 'rm-c4',
          at: 3 * MINUTE,
          user: 'arn:aws:iam::123456789012:root',
          outcome: 'failure',
          source: 'cloudtrail',
          attributes: { [ROOT]: true },
        }),
      ],
      expected: [],
    },
  ],
};
