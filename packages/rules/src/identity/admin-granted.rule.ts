import { entityKey } from '@vigil/schema';
import { z } from 'zod';
import { actorText, changeOf, singleEventDetection } from '../detection-builder';
import { defineRule } from '../rule';
import { adminGrantedFixtures } from './admin-granted.fixtures';

export const AdminGrantedParameters = z.strictObject({});
export type AdminGrantedParameters = z.infer<typeof AdminGrantedParameters>;

export const adminGrantedRule = defineRule<AdminGrantedParameters>({
  id: 'identity.admin-granted',
  version: 1,
  title: 'Administrator rights granted',
  description:
    'Fires on every grant of an admin role, org ownership or privileged group membership ' +
    '(`admin-granted`) from any identity source; failed attempts do not count.',
  criteria: ['CC7.2'],
  category: 'security',
  severity: 'SEV3',
  parameters: AdminGrantedParameters,
  fixtures: adminGrantedFixtures,
  kinds: ['account_change', 'api_activity'],
  ownerKey: () => 'identity.admin-granted',
  match: (event) => changeOf(event) === 'admin-granted' && event.outcome !== 'failure',
  dedupKey: (event) => `identity.admin-granted:${entityKey(event.entity)}`,

  evaluate(event, ctx) {
    return Promise.resolve({
      detections: [
        singleEventDetection(ctx.rule, event, ctx.position, {
          title: `Admin rights granted to ${event.entity.id}`,
          summary: `${event.entity.type} ${event.entity.id} was granted admin rights by ${actorText(event)} (${event.source} ${event.action}).`,
          attributes: { source: event.source, action: event.action, actor: event.actor.user ?? null },
        }),
      ],
    });
  },
});
