import { CREDENTIAL, type VigilEvent } from '@vigil/schema';
import { isIP } from 'node:net';
import { z } from 'zod';
import { singleEventDetection, stringAttribute } from '../detection-builder';
import { Duration } from '../duration';
import { DAY, HOUR } from '../fixture-events';
import { firstSeen } from '../first-seen';
import { inNetworks, Network } from '../ip-networks';
import { NO_DETECTIONS, defineRule, type Rule } from '../rule';
import { tokenUnknownIpFixtures } from './token-unknown-ip.fixtures';

export const TokenUnknownIpParameters = z.strictObject({
  /** Where the account's API tokens are expected to be used from; these never fire. */
  allowedNetworks: z.array(Network).default([]),
  /** An address not seen for the credential within this long is unknown. */
  lookback: Duration.default(30 * DAY),
  /** How far behind the credential's newest use one may arrive and still count. */
  allowedLateness: Duration.default(HOUR),
  /** The sources whose events count (e.g. `[cloudflare]`); empty: every source. */
  sources: z.array(z.string().min(1)).default([]),
});
export type TokenUnknownIpParameters = z.infer<typeof TokenUnknownIpParameters>;

export const tokenUnknownIpRule: Rule<TokenUnknownIpParameters> = defineRule({
  id: 'identity.token-unknown-ip',
  version: 1,
  title: 'API token used from an unknown address',
  description:
    'Fires when an API credential (`vigil.credential`: a Cloudflare API token where the audit log names it) is ' +
    'used from an address outside `allowedNetworks` that it has not been used from within `lookback`. Without ' +
    '`allowedNetworks`, a credential’s first address is learnt, not reported.',
  criteria: ['CC6.1', 'CC7.2', 'CC7.3'],
  category: 'security',
  severity: 'SEV3',
  parameters: TokenUnknownIpParameters,
  fixtures: tokenUnknownIpFixtures,
  kinds: ['api_activity', 'account_change', 'authentication'],
  ownerKey: () => 'identity.token-unknown-ip',
  match(event, params) {
    const ip = event.actor.ip;
    if (ip === undefined || isIP(ip) === 0 || stringAttribute(event, CREDENTIAL) === undefined) return false;
    if (params.sources.length > 0 && !params.sources.includes(event.source)) return false;
    return !inNetworks(ip, params.allowedNetworks);
  },
  dedupKey: (event: VigilEvent) =>
    `identity.token-unknown-ip:${stringAttribute(event, CREDENTIAL) ?? event.entity.id}`,

  async evaluate(event, ctx) {
    const credential = stringAttribute(event, CREDENTIAL) ?? event.entity.id;
    const ip = event.actor.ip ?? '';
    const seen = await firstSeen(ctx, event, {
      subject: `credential:${credential}`,
      value: ip,
      learnFirst: ctx.params.allowedNetworks.length === 0,
    });
    if (seen.kind === 'late') return { detections: [], late: seen.reason };
    if (seen.kind !== 'new') return NO_DETECTIONS;
    return {
      detections: [
        singleEventDetection(ctx.rule, event, ctx.position, {
          entity: { type: 'resource', id: credential },
          title: `${credential} used from an unknown address ${ip}`,
          summary:
            `${credential} was used from ${ip} (${event.source} ${event.action}${event.actor.user ? ` as ${event.actor.user}` : ''}), ` +
            'an address outside the allowed networks not seen for it in the lookback.',
          attributes: { source: event.source, ip, action: event.action, actor: event.actor.user ?? null },
        }),
      ],
    };
  },
});
