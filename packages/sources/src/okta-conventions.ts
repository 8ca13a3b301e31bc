import { CHANGE, INTERFACE, MFA_USED, type Change, type EventKind, type VigilEvent } from '@vigil/schema';

/** The parts of an Okta LogEvent the conventions read (a structural slice of `OktaLogEvent`). */
export interface OktaConventionInput {
  eventType: string;
  target?: Array<{ type: string; detailEntry?: Record<string, unknown> | null }> | null;
  debugContext?: { debugData?: Record<string, unknown> | null } | null;
  transaction?: { type?: string | null } | null;
}

const CHANGES: Readonly<Record<string, Change>> = {
  'user.mfa.factor.deactivate': 'mfa-removed',
  'user.mfa.factor.reset_all': 'mfa-removed',
  // Org-wide: a factor type (Classic) or an authenticator (Identity Engine) switched off for everyone.
  'system.mfa.factor.deactivate': 'mfa-policy-weakened',
  'security.authenticator.lifecycle.deactivate': 'mfa-policy-weakened',
  'user.account.privilege.grant': 'admin-granted',
  'group.privilege.grant': 'admin-granted',
  'user.account.privilege.revoke': 'admin-revoked',
  'group.privilege.revoke': 'admin-revoked',
  'user.lifecycle.suspend': 'user-suspended',
  'user.lifecycle.deactivate': 'user-suspended',
  'user.lifecycle.unsuspend': 'user-reactivated',
  'user.lifecycle.activate': 'user-reactivated',
  'user.lifecycle.reactivate': 'user-reactivated',
  'user.lifecycle.create': 'user-created',
  'user.lifecycle.delete.initiated': 'user-deleted',
  'user.account.reset_password': 'password-reset',
};

/** Switching off or deleting a policy or rule; an update may tighten as well as relax, so it is not one. */
const POLICY_DISABLING = new Set(['policy.lifecycle.deactivate', 'policy.lifecycle.delete', 'policy.rule.deactivate', 'policy.rule.delete']);
/** Policy types that decide whether sign-ins need MFA (Classic: OKTA_SIGN_ON, MFA_ENROLL; Identity Engine: ACCESS_POLICY). */
const MFA_POLICY_TYPE = /sign_?on|mfa|access_policy|authentication/i;

function changeOf(e: OktaConventionInput): Change | undefined {
  const direct = CHANGES[e.eventType];
  if (direct) return direct;
  if (POLICY_DISABLING.has(e.eventType)) {
    const policyType = e.target?.map((t) => t.detailEntry?.policyType).find((p): p is string => typeof p === 'string');
    if (policyType && MFA_POLICY_TYPE.test(policyType)) return 'mfa-policy-weakened';
  }
  return undefined;
}

/**
 * Okta says a second factor was used in `user.authentication.auth_via_mfa` and, in the Identity
 * Engine, by the factor in `debugData`. A bare `user.session.start` does not say, so it stays unknown.
 */
function mfaUsed(e: OktaConventionInput): boolean | undefined {
  if (e.eventType === 'user.authentication.auth_via_mfa') return true;
  const factor = e.debugContext?.debugData?.factor;
  if (typeof factor === 'string' && factor !== '' && !/password/i.test(factor)) return true;
  return undefined;
}

function interfaceOf(e: OktaConventionInput): string | undefined {
  if (e.eventType === 'user.authentication.sso') return 'sso';
  if (e.transaction?.type === 'WEB') return 'web';
  return undefined;
}

/** The convention attributes (`vigil.change`, `vigil.mfa_used`, `vigil.interface`) for one Okta event. */
export function oktaConventionAttributes(e: OktaConventionInput, kind: EventKind): VigilEvent['attributes'] {
  const attributes: VigilEvent['attributes'] = {};
  const change = changeOf(e);
  if (change) attributes[CHANGE] = change;
  if (kind === 'authentication') {
    const mfa = mfaUsed(e);
    if (mfa !== undefined) attributes[MFA_USED] = mfa;
    const via = interfaceOf(e);
    if (via) attributes[INTERFACE] = via;
  }
  return attributes;
}
