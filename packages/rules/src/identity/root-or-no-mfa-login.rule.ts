import { INTERFACE, MFA_USED, ROOT, entityKey, type VigilEvent } from '@vigil/schema';
import { z } from 'zod';
import { singleEventDetection } from '../detection-builder';
import { defineRule } from '../rule';
import { rootOrNoMfaLoginFixtures } from './root-or-no-mfa-login.fixtures';

export const RootOrNoMfaLoginParameters = z.strictObject({});
export type RootOrNoMfaLoginParameters = z.infer<typeof RootOrNoMfaLoginParameters>;

const isRoot = (event: VigilEvent) => event.attributes[ROOT] === true;
const consoleWithoutMfa = (event: VigilEvent) =>
  event.attributes[INTERFACE] === 'console' && event.attributes[MFA_USED] === false;

export const rootOrNoMfaLoginRule = defineRule<RootOrNoMfaLoginParameters>({
  id: 'identity.root-or-no-mfa-login',
  version: 1,
  title: 'Root sign-in or console sign-in without MFA',
  description:
    'Fires on every successful sign-in by an account root (`vigil.root` true), and on every successful ' +
    'console sign-in the source says was made without MFA (`vigil.interface` console, `vigil.mfa_used` ' +
    'false). A sign-in whose MFA use is unknown does not fire.',
  criteria: ['CC7.2'],
  category: 'security',
  severity: 'SEV2',
  parameters: RootOrNoMfaLoginParameters,
  fixtures: rootOrNoMfaLoginFixtures,
  kinds: ['authentication'],
  ownerKey: () => 'identity.root-or-no-mfa-login',
  match: (event) => event.outcome === 'success' && (isRoot(event) || consoleWithoutMfa(event)),
  dedupKey: (event) => `identity.root-or-no-mfa-login:${entityKey(event.entity)}`,

  evaluate(event, ctx) {
    const root = isRoot(event);
    const what = root ? 'Root sign-in' : 'Console sign-in without MFA';
    const mfa = event.attributes[MFA_USED];
    return Promise.resolve({
      detections: [
        singleEventDetection(ctx.rule, event, ctx.position, {
          title: `${what}: ${event.entity.id}`,
          summary:
            `${what} by ${event.entity.id} to ${event.source}` +
            `${event.actor.ip ? ` from ${event.actor.ip}` : ''}${root && mfa === false ? ', without MFA' : ''}.`,
          attributes: {
            root,
            mfaUsed: typeof mfa === 'boolean' ? mfa : null,
            interface:
              typeof event.attributes[INTERFACE] === 'string' ? String(event.attributes[INTERFACE]) : null,
            sourceIp: event.actor.ip ?? null,
          },
        }),
      ],
    });
  },
});
