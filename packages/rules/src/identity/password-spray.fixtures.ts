import { MINUTE, SECOND, signIn } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const failure = (id: string, user: string, at: number, ip = '192.0.2.66') =>
  signIn({ id, user, at, ip, outcome: 'failure' });
const users = (n: number, prefix = 'user') =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);

/** Defaults: 10 distinct users from one IP within 10 minutes. */
export const passwordSprayFixtures: RuleFixtures = {
  positive: [
    {
      name: 'the tenth distinct user from one IP fires, once for the burst',
      events: users(14).map((user, i) => failure(`ps-a${i}`, user, i * 30 * SECOND)),
      expected: [
        {
          status: 'firing',
          triggerEventId: 'okta:ps-a9',
          attributes: { distinctUsers: 10, threshold: 10, sourceIp: '192.0.2.66' },
        },
        { status: 'firing', triggerEventId: 'okta:ps-a13', idSuffix: 'burst', burstEvents: 14 },
      ],
    },
    {
      name: 'users from Okta and Google sign-ins count together for the IP',
      events: users(10, 'mixed').map((user, i) =>
        signIn({
          id: `ps-b${i}`,
          user,
          at: i * MINUTE,
          ip: '192.0.2.77',
          outcome: 'failure',
          source: i % 2 ? 'google' : 'okta',
        }),
      ),
      expected: [{ status: 'firing', triggerEventId: 'google:ps-b9', attributes: { distinctUsers: 10 } }],
    },
  ],
  negative: [
    {
      name: 'one user failing 20 times from one IP is not a spray',
      events: Array.from({ length: 20 }, (_, i) =>
        failure(`ps-c${i}`, 'victim@example.com', i * 10 * SECOND),
      ),
      expected: [],
    },
    {
      name: 'nine users, and the tenth outside the window',
      events: [
        ...users(9, 'slow').map((user, i) => failure(`ps-d${i}`, user, i * SECOND)),
        failure('ps-d9', 'slow9@example.com', 11 * MINUTE),
      ],
      expected: [],
    },
    {
      name: 'ten users from ten different IPs',
      events: users(10, 'spread').map((user, i) =>
        failure(`ps-e${i}`, user, i * SECOND, `198.51.100.${i + 1}`),
      ),
      expected: [],
    },
    {
      name: 'a failure for one user delivered ten times counts once',
      events: [
        ...users(9, 'dup').map((user, i) => failure(`ps-f${i}`, user, i * SECOND)),
        ...Array.from({ length: 10 }, () => failure('ps-f8', 'dup8@example.com', 8 * SECOND)),
      ],
      expected: [],
    },
  ],
};
