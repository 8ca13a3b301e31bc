import {
  COUNTRY,
  countryCode,
  fieldErrors,
  OCSF_CLASS_BY_KIND,
  USER_AGENT,
  USER_AGENT_MAX,
  type EventKind,
  type Outcome,
  type VigilEvent,
} from '@vigil/schema';
import { z } from 'zod';
import { checkBatchSize } from './generic-normalizer';
import type { Normalizer, NormalizeResult } from './normalizer';
import { oktaConventionAttributes } from './okta-conventions';

/** The parts of an Okta System Log `LogEvent` Vigil reads; the rest stays in `raw`. */
const OktaActor = z.object({
  id: z.string(),
  type: z.string(),
  alternateId: z.string().nullish(),
  displayName: z.string().nullish(),
});

export const OktaLogEvent = z.object({
  uuid: z.string().min(1),
  published: z.iso.datetime({ offset: true }),
  eventType: z.string().min(1),
  displayMessage: z.string().nullish(),
  severity: z.string().nullish(),
  actor: OktaActor,
  client: z
    .object({
      ipAddress: z.string().nullish(),
      userAgent: z.object({ rawUserAgent: z.string().nullish() }).loose().nullish(),
      geographicalContext: z.object({ country: z.string().nullish() }).loose().nullish(),
    })
    .loose()
    .nullish(),
  outcome: z.object({ result: z.string(), reason: z.string().nullish() }).nullish(),
  target: z
    .array(OktaActor.extend({ detailEntry: z.record(z.string(), z.unknown()).nullish() }).loose())
    .nullish(),
  debugContext: z.object({ debugData: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  transaction: z.object({ type: z.string().nullish() }).nullish(),
});
type OktaLogEvent = z.infer<typeof OktaLogEvent>;

/** Event hook deliveries wrap System Log events: `{ eventType: 'com.okta.event_hook', data: { events } }`. */
const OktaHookEnvelope = z.object({
  data: z.object({ events: z.array(z.unknown()) }),
});

const ACCOUNT_CHANGE_PREFIXES = [
  'user.lifecycle.',
  'user.mfa.',
  'user.account.',
  'group.user_membership.',
  'user.authentication.auth_via_mfa_factor_reset',
];
const GROUP_PRIVILEGE = new Set(['group.privilege.grant', 'group.privilege.revoke']);
const PRIVILEGE_EVENTS = new Set([
  'user.account.privilege.grant',
  'user.account.privilege.revoke',
  'group.privilege.grant',
  'group.privilege.revoke',
]);

function kindOf(eventType: string): EventKind {
  if (eventType === 'user.session.start' || eventType.startsWith('user.authentication.')) {
    return eventType.includes('factor_reset') ? 'account_change' : 'authentication';
  }
  if (PRIVILEGE_EVENTS.has(eventType) || ACCOUNT_CHANGE_PREFIXES.some((p) => eventType.startsWith(p))) {
    return 'account_change';
  }
  return 'api_activity';
}

function outcomeOf(result: string | undefined): Outcome {
  switch (result) {
    case 'SUCCESS':
    case 'ALLOW':
      return 'success';
    case 'FAILURE':
    case 'DENY':
      return 'failure';
    default:
      return 'unknown';
  }
}

function userTarget(event: OktaLogEvent): z.infer<typeof OktaActor> | undefined {
  return event.target?.find((t) => t.type === 'User');
}

export const oktaNormalizer: Normalizer = {
  split(body) {
    const envelope = OktaHookEnvelope.safeParse(body);
    if (!envelope.success) {
      return {
        ok: false,
        reason: 'expected an Okta event hook delivery: {"data": {"events": [...]}}',
        errors: fieldErrors(envelope.error),
      };
    }
    return checkBatchSize(envelope.data.data.events);
  },

  normalize(item, { source, receivedAt }): NormalizeResult {
    const parsed = OktaLogEvent.safeParse(item);
    if (!parsed.success) {
      return {
        ok: false,
        reason: 'does not match the Okta System Log event format',
        errors: fieldErrors(parsed.error),
      };
    }
    const e = parsed.data;
    const kind = kindOf(e.eventType);
    // Account changes are about the user they target; sign-ins and the rest about the actor.
    const subject = kind === 'account_change' ? (userTarget(e) ?? e.actor) : e.actor;
    const isUser = subject.type === 'User';
    // A group granted (or stripped of) an admin role: the group is what changed, its members where
    // Okta lists them; the admin who did it stays the actor.
    const group = GROUP_PRIVILEGE.has(e.eventType)
      ? e.target?.find((t) => t.type === 'UserGroup')
      : undefined;
    const groupName = group ? (group.displayName ?? group.alternateId ?? group.id) : undefined;
    const members = group
      ? (e.target ?? []).filter((t) => t.type === 'User').map((t) => t.alternateId ?? t.id)
      : [];
    const event: VigilEvent = {
      id: `${source}:${e.uuid}`,
      source,
      kind,
      action: e.eventType,
      ocsfClassUid: OCSF_CLASS_BY_KIND[kind],
      time: new Date(e.published).toISOString(),
      receivedAt,
      entity: groupName
        ? { type: 'resource', id: `group:${groupName}` }
        : { type: isUser ? 'user' : 'account', id: (isUser ? subject.alternateId : null) ?? subject.id },
      outcome: outcomeOf(e.outcome?.result),
      actor: {
        ...(e.actor.alternateId ? { user: e.actor.alternateId } : {}),
        ...(e.client?.ipAddress ? { ip: e.client.ipAddress } : {}),
      },
      attributes: {
        'okta.actor.id': e.actor.id,
        'okta.outcome.result': e.outcome?.result ?? null,
        'okta.outcome.reason': e.outcome?.reason ?? null,
        'okta.severity': e.severity ?? null,
        'okta.display_message': e.displayMessage ?? null,
        ...(groupName
          ? { 'okta.group': groupName, 'okta.group_members': members.length > 0 ? members.join(', ') : null }
          : {}),
        ...oktaConventionAttributes(e, kind),
        ...(e.client?.geographicalContext?.country
          ? { [COUNTRY]: countryCode(e.client.geographicalContext.country).slice(0, 100) }
          : {}),
        ...(e.client?.userAgent?.rawUserAgent
          ? { [USER_AGENT]: e.client.userAgent.rawUserAgent.slice(0, USER_AGENT_MAX) }
          : {}),
      },
      raw: item,
    };
    return { ok: true, event };
  },
};
