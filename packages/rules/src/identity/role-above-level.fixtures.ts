import { ROLES } from '@vigil/schema';
import { accountChange, MINUTE } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const member = (id: string) => ({ type: 'user' as const, id });
const given = (
  id: string,
  at: number,
  who: string,
  roles: string[],
  extra: { outcome?: 'failure'; source?: string } = {},
) =>
  accountChange({
    id,
    at,
    entity: member(who),
    source: extra.source ?? 'cloudflare',
    outcome: extra.outcome ?? 'success',
    attributes: { [ROLES]: JSON.stringify(roles) },
  });

/** Defaults: Cloudflare's ranking, Administrator Read Only the highest allowed. */
export const roleAboveLevelFixtures: RuleFixtures = {
  positive: [
    {
      name: 'a member added as Super Administrator, and one changed to Administrator',
      events: [
        given('rl-a1', 0, 'new@example.com', ['Super Administrator - All Privileges']),
        given('rl-a2', MINUTE, 'dns@example.com', ['DNS', 'administrator']),
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'cloudflare:rl-a1',
          attributes: { roles: 'Super Administrator - All Privileges', maxLevel: 'Administrator Read Only' },
        },
        { status: 'firing', triggerEventId: 'cloudflare:rl-a2', attributes: { roles: 'administrator' } },
      ],
    },
    {
      name: 'a configured ranking: Firewall allowed, DNS above it, unranked roles count as above',
      parameters: {
        ranking: ['Analytics', 'Firewall', 'DNS'],
        maxLevel: 'firewall',
        unranked: 'above',
        sources: ['cloudflare'],
      },
      events: [
        given('rl-b1', 0, 'a@example.com', ['Analytics', 'Firewall']),
        given('rl-b2', MINUTE, 'b@example.com', ['DNS']),
        given('rl-b3', 2 * MINUTE, 'c@example.com', ['Zaraz Admin']),
        given('rl-b4', 3 * MINUTE, 'd@example.com', ['DNS'], { source: 'okta' }),
      ],
      expected: [
        {
          status: 'firing',
          triggerEventId: 'cloudflare:rl-b2',
          attributes: { roles: 'DNS', maxLevel: 'firewall' },
        },
        { status: 'firing', triggerEventId: 'cloudflare:rl-b3', attributes: { roles: 'Zaraz Admin' } },
      ],
    },
  ],
  negative: [
    {
      name: 'roles at or below the level, unranked roles, a failed grant, a change without roles',
      events: [
        given('rl-c1', 0, 'e@example.com', ['Administrator Read Only', 'Analytics']),
        given('rl-c2', MINUTE, 'f@example.com', ['Administrator'], { outcome: 'failure' }),
        accountChange({
          id: 'rl-c3',
          at: 2 * MINUTE,
          change: 'user-deleted',
          entity: member('g@example.com'),
          source: 'cloudflare',
        }),
        accountChange({
          id: 'rl-c4',
          at: 3 * MINUTE,
          entity: member('h@example.com'),
          source: 'cloudflare',
          attributes: { [ROLES]: 'not json' },
        }),
      ],
      expected: [],
    },
  ],
};
