import { COUNTRY, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import { singleEventDetection, stringAttribute } from '../detection-builder';
import { Duration } from '../duration';
import { DAY, HOUR } from '../fixture-events';
import { firstSeen } from '../first-seen';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import { newCountrySigninFixtures } from './new-country-signin.fixtures';

export const NewCountrySigninParameters = z.strictObject({
  /** A country not seen for the user within this long is new. */
  lookback: Duration.default(90 * DAY),
  /** How far behind the user's newest sign-in one may arrive and still count. */
  allowedLateness: Duration.default(HOUR),
  /** The account admins to watch (user ids, case-insensitive); empty: every user. */
  admins: z.array(z.string().min(1)).default([]),
  /** The sources whose sign-ins count (e.g. `[cloudflare]`); empty: every source. */
  sources: z.array(z.string().min(1)).default([]),
});
export type NewCountrySigninParameters = z.infer<typeof NewCountrySigninParameters>;

function signedInUser(event: VigilEvent): string | undefined {
  const user = event.entity.type === 'user' ? event.entity.id : event.actor.user;
  return user?.toLowerCase();
}

export const newCountrySigninRule: Rule<NewCountrySigninParameters> = defineRule({
  id: 'identity.new-country-signin',
  version: 1,
  title: 'Sign-in from a new country',
  description:
    'Fires on a successful sign-in by a watched user (`admins`, all by default) from a country (`vigil.country`) ' +
    'the user has not signed in from within `lookback` (event time). A user’s first country is learnt, not ' +
    'reported; sign-ins without a country are not counted.',
  criteria: ['CC7.2', 'CC7.3'],
  category: 'security',
  severity: 'SEV3',
  parameters: NewCountrySigninParameters,
  fixtures: newCountrySigninFixtures,
  kinds: ['authentication'],
  ownerKey: () => 'identity.new-country-signin',
  match(event, params) {
    if (event.outcome !== 'success' || stringAttribute(event, COUNTRY) === undefined) return false;
    const user = signedInUser(event);
    if (user === undefined) return false;
    if (params.sources.length > 0 && !params.sources.includes(event.source)) return false;
    return params.admins.length === 0 || params.admins.some((admin) => admin.toLowerCase() === user);
  },
  dedupKey: (event) => `identity.new-country-signin:user:${signedInUser(event) ?? event.entity.id}`,

  async evaluate(event, ctx) {
    const user = signedInUser(event) ?? event.entity.id;
    const country = (stringAttribute(event, COUNTRY) ?? '').toUpperCase();
    const seen = await firstSeen(ctx, event, { subject: `user:${user}`, value: country, learnFirst: true });
    if (seen.kind === 'late') return { detections: [], late: seen.reason };
    if (seen.kind !== 'new') return NO_DETECTIONS;
    const from = event.actor.ip ? ` (${event.actor.ip})` : '';
    return {
      detections: [
        singleEventDetection(ctx.rule, event, ctx.position, {
          entity: { type: 'user', id: user },
          title: `Sign-in from a new country for ${user}: ${country}`,
          summary: `${user} signed in to ${event.source} from ${country}${from}, a country not seen for this user in the lookback.`,
          attributes: { source: event.source, country, ip: event.actor.ip ?? null },
        }),
      ],
    };
  },
});
