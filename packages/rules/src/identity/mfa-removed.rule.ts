import { entityKey } from '@vigil/schema';
import { z } from 'zod';
import { actorText, changeOf, singleEventDetection } from '../detection-builder';
import { defineRule } from '../rule';
import { mfaRemovedFixtures } from './mfa-removed.fixtures';

export const MfaRemovedParameters = z.strictObject({});
export type MfaRemovedParameters = z.infer<typeof MfaRemovedParameters>;

const WEAKENING: ReadonlyMap<string, string> = new Map([
  ['mfa-removed', 'MFA factor removed'],
  ['mfa-policy-weakened', 'MFA policy weakened'],
]);

export const mfaRemovedRule = defineRule<MfaRemovedParameters>({
  id: 'identity.mfa-removed',
  version: 1,
  title: 'MFA removed or weakened',
  description:
    'Fires on every change that removes or resets an MFA factor for a user (`mfa-removed`) or relaxes ' +
    'an MFA requirement (`mfa-policy-weakened`), from any identity source; failed attempts do not count.',
  criteria: ['CC7.2', 'CC6.1'],
  category: 'security',
  severity: 'SEV3',
  parameters: MfaRemovedParameters,
  fixtures: mfaRemovedFixtures,
  kinds: ['account_change', 'api_activity'],
  ownerKey: () => 'identity.mfa-removed',
  match: (event) => {
    const change = changeOf(event);
    return change !== undefined && WEAKENING.has(change) && event.outcome !== 'failure';
  },
  dedupKey: (event) => `identity.mfa-removed:${entityKey(event.entity)}`,

  evaluate(event, ctx) {
    const change = changeOf(event) ?? 'mfa-removed';
    const what = WEAKENING.get(change) ?? change;
    return Promise.resolve({
      detections: [
        singleEventDetection(ctx.rule, event, ctx.position, {
          title: `${what} for ${event.entity.id}`,
          summary: `${what} for ${event.entity.type} ${event.entity.id} by ${actorText(event)} (${event.source} ${event.action}).`,
          attributes: { change, source: event.source, action: event.action, actor: event.actor.user ?? null },
        }),
      ],
    });
  },
});
