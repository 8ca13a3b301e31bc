import { TENANT } from '@vigil/schema';
import { MINUTE, SECOND, signIn } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const users = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);
/** A /24 of rotating addresses: the i-th failure comes from the (i mod `spread`)-th. */
const rotating = (i: number, spread: number) => `198.51.100.${(i % spread) + 1}`;

/** Defaults: 20 distinct users of one tenant from at least 3 IPs within 15 minutes. */
export const passwordSprayDistributedFixtures: RuleFixtures = {
  positive: [
    {
      name: 'twenty users of one Okta org failing from ten rotating IPs (two users each) fire once',
      events: users(26, 'rot').map((user, i) =>
        signIn({ id: `psd-a${i}`, user, at: i * 20 * SECOND, ip: rotating(i, 10), outcome: 'failure' }),
      ),
      expected: [
        {
          status: 'firing',
          triggerEventId: 'okta:psd-a19',
          attributes: { distinctUsers: 20, distinctSourceIps: 10, threshold: 20, tenant: 'okta' },
        },
        { status: 'firing', triggerEventId: 'okta:psd-a25', idSuffix: 'burst', burstEvents: 26 },
      ],
    },
    {
      name: 'a Google customer sprayed from a new IP for every attempt',
      events: users(20, 'g').map((user, i) =>
        signIn({
          id: `psd-b${i}`,
          user,
          at: i * 30 * SECOND,
          ip: `203.0.113.${i + 1}`,
          outcome: 'failure',
          source: 'google',
          attributes: { [TENANT]: 'C03az79cb' },
        }),
      ),
      expected: [
        {
          status: 'firing',
          triggerEventId: 'google:psd-b19',
          attributes: { distinctUsers: 20, distinctSourceIps: 20, tenant: 'google/C03az79cb' },
        },
      ],
    },
  ],
  negative: [
    {
      name: 'twenty users failing from one IP is the per-IP rule, not this one',
      events: users(20, 'one').map((user, i) =>
        signIn({ id: `psd-c${i}`, user, at: i * SECOND, ip: '192.0.2.66', outcome: 'failure' }),
      ),
      expected: [],
    },
    {
      name: 'nineteen users, and the twentieth outside the window',
      events: [
        ...users(19, 'slow').map((user, i) =>
          signIn({ id: `psd-d${i}`, user, at: i * SECOND, ip: rotating(i, 5), outcome: 'failure' }),
        ),
        signIn({ id: 'psd-d19', user: 'slow19@example.com', at: 16 * MINUTE, ip: '198.51.100.9', outcome: 'failure' }),
      ],
      expected: [],
    },
    {
      name: 'one user failing forty times from rotating IPs is brute force, not spray',
      events: Array.from({ length: 40 }, (_, i) =>
        signIn({ id: `psd-e${i}`, user: 'victim@example.com', at: i * 10 * SECOND, ip: rotating(i, 20), outcome: 'failure' }),
      ),
      expected: [],
    },
    {
      name: 'ten users in each of two tenants do not add up',
      events: users(20, 'split').map((user, i) =>
        signIn({
          id: `psd-f${i}`,
          user,
          at: i * SECOND,
          ip: rotating(i, 10),
          outcome: 'failure',
          source: 'google',
          attributes: { [TENANT]: i % 2 ? 'C0tenantA' : 'C0tenantB' },
        }),
      ),
      expected: [],
    },
    {
      name: 'twenty users signing in successfully from many IPs',
      events: users(20, 'fine').map((user, i) =>
        signIn({ id: `psd-g${i}`, user, at: i * SECOND, ip: rotating(i, 10), outcome: 'success' }),
      ),
      expected: [],
    },
  ],
};
