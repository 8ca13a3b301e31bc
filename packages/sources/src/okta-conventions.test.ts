import type { VigilEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { oktaNormalizer } from './okta-normalizer';
import { oktaLogEvent } from './testing/samples';

const ctx = { source: 'okta', receivedAt: '2026-11-22T10:00:02.000Z' };
const admin = { id: '00uadmin', type: 'User', alternateId: 'admin@example.com', displayName: 'Admin' };
const bob = { id: '00ubob', type: 'User', alternateId: 'bob@example.com', displayName: 'Bob' };

function normalized(overrides: Record<string, unknown>): VigilEvent {
  const result = oktaNormalizer.normalize(oktaLogEvent({ outcome: { result: 'SUCCESS' }, ...overrides }), ctx);
  if (!result.ok) throw new Error(`${result.reason}: ${JSON.stringify(result.errors)}`);
  return result.event;
}

describe('okta normaliser: conventions', () => {
  it.each([
    ['user.mfa.factor.deactivate', 'mfa-removed'],
    ['user.mfa.factor.reset_all', 'mfa-removed'],
    ['user.account.privilege.grant', 'admin-granted'],
    ['user.account.privilege.revoke', 'admin-revoked'],
    ['user.lifecycle.suspend', 'user-suspended'],
    ['user.lifecycle.deactivate', 'user-suspended'],
    ['user.lifecycle.unsuspend', 'user-reactivated'],
    ['user.lifecycle.activate', 'user-reactivated'],
    ['user.lifecycle.reactivate', 'user-reactivated'],
  ])('%s → account_change about the target user, vigil.change %s', (eventType, change) => {
    expect(normalized({ eventType, actor: admin, target: [bob] })).toMatchObject({
      kind: 'account_change',
      entity: { type: 'user', id: 'bob@example.com' },
      actor: { user: 'admin@example.com' },
      attributes: { 'vigil.change': change },
    });
  });

  it('deactivating a sign-on or MFA policy is mfa-policy-weakened; other policies and updates are not', () => {
    const policy = (policyType: string) => [{ id: '00pabc', type: 'PolicyEntity', alternateId: 'unknown', displayName: 'Default', detailEntry: { policyType } }];
    expect(normalized({ eventType: 'policy.lifecycle.deactivate', actor: admin, target: policy('OKTA_SIGN_ON') }).attributes['vigil.change']).toBe('mfa-policy-weakened');
    expect(normalized({ eventType: 'policy.rule.delete', actor: admin, target: policy('ACCESS_POLICY') }).attributes['vigil.change']).toBe('mfa-policy-weakened');
    expect(normalized({ eventType: 'policy.lifecycle.deactivate', actor: admin, target: policy('PASSWORD') }).attributes).not.toHaveProperty('vigil.change');
    expect(normalized({ eventType: 'policy.lifecycle.update', actor: admin, target: policy('OKTA_SIGN_ON') }).attributes).not.toHaveProperty('vigil.change');
  });

  it('an MFA verification says MFA was used; a bare session start leaves it unknown', () => {
    expect(normalized({ eventType: 'user.authentication.auth_via_mfa', debugContext: { debugData: { factor: 'OKTA_VERIFY_PUSH' } } })).toMatchObject({
      kind: 'authentication',
      attributes: { 'vigil.mfa_used': true, 'vigil.interface': 'web' },
    });
    expect(normalized({ eventType: 'user.authentication.verify', debugContext: { debugData: { factor: 'PASSWORD_AS_FACTOR' } } }).attributes).not.toHaveProperty('vigil.mfa_used');
    const sessionStart = normalized({ eventType: 'user.session.start' });
    expect(sessionStart.attributes).not.toHaveProperty('vigil.mfa_used');
    expect(sessionStart.attributes['vigil.interface']).toBe('web');
    expect(normalized({ eventType: 'user.authentication.sso', transaction: { type: 'WEB', id: 'x' } }).attributes['vigil.interface']).toBe('sso');
  });
});
