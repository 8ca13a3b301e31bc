import { ROLES, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import { actorText, singleEventDetection, stringAttribute } from '../detection-builder';
import { NO_DETECTIONS, defineRule } from '../rule';
import { roleAboveLevelFixtures } from './role-above-level.fixtures';

/** Cloudflare's account-wide roles that reach beyond reading, lowest first (developers.cloudflare.com, Roles). */
const CLOUDFLARE_RANKING = [
  'Administrator Read Only',
  'Administrator',
  'Super Administrator - All Privileges',
];

export const RoleAboveLevelParameters = z
  .strictObject({
    /** Role names, lowest first (matched case-insensitively). */
    ranking: z.array(z.string().min(1)).min(1).default(CLOUDFLARE_RANKING),
    /** The highest role of `ranking` a member may be given without an incident. */
    maxLevel: z.string().min(1).default('Administrator Read Only'),
    /** Whether a role `ranking` does not name counts as above the level (`above`) or is left alone (`ignore`). */
    unranked: z.enum(['ignore', 'above']).default('ignore'),
    /** The sources whose member changes count; empty: every source. */
    sources: z.array(z.string().min(1)).default([]),
  })
  .refine((p) => p.ranking.some((role) => role.toLowerCase() === p.maxLevel.toLowerCase()), {
    message: 'maxLevel must be one of the roles in ranking',
    path: ['maxLevel'],
  });
export type RoleAboveLevelParameters = z.infer<typeof RoleAboveLevelParameters>;

/** The role names a change gave (`vigil.roles`, a JSON array), or none. */
export function grantedRoles(event: VigilEvent): string[] {
  const text = stringAttribute(event, ROLES);
  if (text === undefined) return [];
  try {
    const roles: unknown = JSON.parse(text);
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

/** The granted roles that rank above `maxLevel`. */
function rolesAbove(event: VigilEvent, params: RoleAboveLevelParameters): string[] {
  const rank = (role: string) => params.ranking.findIndex((r) => r.toLowerCase() === role.toLowerCase());
  const limit = rank(params.maxLevel);
  return grantedRoles(event).filter((role) => {
    const level = rank(role);
    return level < 0 ? params.unranked === 'above' : level > limit;
  });
}

export const roleAboveLevelRule = defineRule<RoleAboveLevelParameters>({
  id: 'identity.role-above-level',
  version: 1,
  title: 'Member given a role above the allowed level',
  description:
    'Fires when a member is added, or a member’s roles changed, with a role (`vigil.roles`: those the change ' +
    'gave) ranked above `maxLevel` in `ranking`; failed attempts do not count.',
  criteria: ['CC6.2', 'CC6.3', 'CC7.2'],
  category: 'security',
  severity: 'SEV3',
  parameters: RoleAboveLevelParameters,
  fixtures: roleAboveLevelFixtures,
  kinds: ['account_change'],
  ownerKey: () => 'identity.role-above-level',
  match: (event, params) =>
    event.outcome !== 'failure' &&
    (params.sources.length === 0 || params.sources.includes(event.source)) &&
    rolesAbove(event, params).length > 0,
  dedupKey: (event) => `identity.role-above-level:${event.entity.type}:${event.entity.id.toLowerCase()}`,

  evaluate(event, ctx) {
    const above = rolesAbove(event, ctx.params);
    if (above.length === 0) return Promise.resolve(NO_DETECTIONS);
    return Promise.resolve({
      detections: [
        singleEventDetection(ctx.rule, event, ctx.position, {
          title: `${event.entity.id} given ${above.join(' / ')}`,
          summary:
            `${event.entity.id} was given ${above.join(', ')} (above ${ctx.params.maxLevel}) by ${actorText(event)} ` +
            `(${event.source} ${event.action}).`,
          attributes: {
            source: event.source,
            roles: above.join('; '),
            maxLevel: ctx.params.maxLevel,
            actor: event.actor.user ?? null,
          },
        }),
      ],
    });
  },
});
