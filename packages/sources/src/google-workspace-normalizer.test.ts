import type { VigilEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { googleWorkspaceNormalizer } from './google-workspace-normalizer';
import { activitiesPage, activity, adminEvent, GOOGLE_CUSTOMER, loginEvent, loginFailure, loginSuccess } from './testing/google-workspace-samples';

const ctx = { source: 'gws', receivedAt: '2026-11-22T12:00:00.000Z' };

function normalizeAll(body: unknown): VigilEvent[] {
  const split = googleWorkspaceNormalizer.split(body);
  if (!split.ok) throw new Error(split.reason);
  return split.items.map((item) => {
    const result = googleWorkspaceNormalizer.normalize(item, ctx);
    if (!result.ok) throw new Error(`${result.reason}: ${JSON.stringify(result.errors)}`);
    return result.event;
  });
}

function one(body: unknown): VigilEvent {
  const [event] = normalizeAll(body);
  if (!event) throw new Error('no event');
  return event;
}

describe('google workspace normaliser: sign-ins', () => {
  it('maps a failed password sign-in field by field', () => {
    expect(one(loginFailure())).toEqual({
      id: `gws:login:${Date.parse('2026-11-22T09:59:00.000Z')}:7725016830219403342`,
      source: 'gws',
      kind: 'authentication',
      action: 'login_failure',
      ocsfClassUid: 3002,
      time: '2026-11-22T09:59:00.000Z',
      receivedAt: ctx.receivedAt,
      entity: { type: 'user', id: 'alice@example.com' },
      outcome: 'failure',
      actor: { user: 'alice@example.com', ip: '203.0.113.7' },
      attributes: {
        'google.application': 'login',
        'google.event_type': 'login',
        'google.customer_id': GOOGLE_CUSTOMER,
        'google.caller_type': 'USER',
        'google.login_type': 'google_password',
        'google.login_failure_type': 'login_failure_invalid_password',
        'google.is_suspicious': false,
        'google.login_challenge_method': 'password',
        'vigil.mfa_used': false,
        'vigil.interface': 'web',
        'vigil.tenant': GOOGLE_CUSTOMER,
      },
      raw: loginFailure(),
    });
  });

  it('a sign-in with an authenticator code used MFA; with the password alone it did not', () => {
    expect(one(loginSuccess(['password', 'google_authenticator']))).toMatchObject({ outcome: 'success', attributes: { 'vigil.mfa_used': true } });
    expect(one(loginSuccess(['password'])).attributes['vigil.mfa_used']).toBe(false);
  });

  it('SAML sign-ins and unknown challenge methods leave MFA unknown', () => {
    const saml = activity('login', [loginEvent('login_success', [{ name: 'login_type', value: 'saml' }, { name: 'login_challenge_method', multiValue: ['none'] }])]);
    expect(one(saml)).toMatchObject({ attributes: { 'vigil.interface': 'sso' } });
    expect(one(saml).attributes).not.toHaveProperty('vigil.mfa_used');
    expect(one(loginSuccess(['password', 'some_future_method'])).attributes).not.toHaveProperty('vigil.mfa_used');
  });

  it('a failed second-factor verification is a failed authentication that used MFA', () => {
    const verification = activity('login', [
      loginEvent('login_verification', [
        { name: 'login_challenge_method', multiValue: ['idv_preregistered_phone'] },
        { name: 'login_challenge_status', value: 'Challenge Failed.' },
        { name: 'is_second_factor', boolValue: true },
      ]),
    ]);
    expect(one(verification)).toMatchObject({ kind: 'authentication', outcome: 'failure', attributes: { 'vigil.mfa_used': true } });
  });
});

describe('google workspace normaliser: account changes', () => {
  it('2sv_disable is mfa-removed, about the user who did it', () => {
    expect(one(activity('login', [loginEvent('2sv_disable', [])]))).toMatchObject({
      kind: 'account_change',
      ocsfClassUid: 3001,
      entity: { type: 'user', id: 'alice@example.com' },
      attributes: { 'vigil.change': 'mfa-removed' },
    });
    expect(one(activity('user_accounts', [{ type: '2sv_change', name: '2sv_disable' }])).attributes['vigil.change']).toBe('mfa-removed');
  });

  it('admin grants, role assignments, suspensions and 2SV turned off are about the target user', () => {
    const granted = one(adminEvent('USER_SETTINGS', 'GRANT_ADMIN_PRIVILEGE', { USER_EMAIL: 'bob@example.com' }));
    expect(granted).toMatchObject({
      kind: 'account_change',
      entity: { type: 'user', id: 'bob@example.com' },
      actor: { user: 'admin@example.com', ip: '198.51.100.9' },
      outcome: 'success',
      attributes: { 'vigil.change': 'admin-granted', 'google.user_email': 'bob@example.com' },
    });
    const role = one(adminEvent('DELEGATED_ADMIN_SETTINGS', 'ASSIGN_ROLE', { ROLE_NAME: '_SEED_ADMIN_ROLE', USER_EMAIL: 'bob@example.com' }));
    expect(role).toMatchObject({ attributes: { 'vigil.change': 'admin-granted', 'google.role_name': '_SEED_ADMIN_ROLE' } });
    expect(one(adminEvent('USER_SETTINGS', 'SUSPEND_USER', { USER_EMAIL: 'bob@example.com' })).attributes['vigil.change']).toBe('user-suspended');
    expect(one(adminEvent('USER_SETTINGS', 'UNSUSPEND_USER', { USER_EMAIL: 'bob@example.com' })).attributes['vigil.change']).toBe('user-reactivated');
    expect(one(adminEvent('USER_SETTINGS', 'TURN_OFF_2_STEP_VERIFICATION', { USER_EMAIL: 'bob@example.com' })).attributes['vigil.change']).toBe('mfa-removed');
  });

  it('turning 2SV enforcement off is mfa-policy-weakened, about the Workspace account', () => {
    const off = adminEvent('SECURITY_SETTINGS', 'ENFORCE_STRONG_AUTHENTICATION', { ORG_UNIT_NAME: 'Acme', OLD_VALUE: 'true', NEW_VALUE: 'false' });
    expect(one(off)).toMatchObject({ kind: 'api_activity', entity: { type: 'account', id: GOOGLE_CUSTOMER }, attributes: { 'vigil.change': 'mfa-policy-weakened' } });
    const on = adminEvent('SECURITY_SETTINGS', 'ENFORCE_STRONG_AUTHENTICATION', { ORG_UNIT_NAME: 'Acme', OLD_VALUE: 'false', NEW_VALUE: 'true' });
    expect(one(on).attributes).not.toHaveProperty('vigil.change');
  });
});

describe('google workspace normaliser: envelopes and ids', () => {
  it('splits a page into one item per event; ids carry the event index only when an activity has several', () => {
    const twoEvents = activity('admin', [
      { type: 'USER_SETTINGS', name: 'CREATE_USER', parameters: [{ name: 'USER_EMAIL', value: 'new@example.com' }] },
      { type: 'USER_SETTINGS', name: 'GRANT_ADMIN_PRIVILEGE', parameters: [{ name: 'USER_EMAIL', value: 'new@example.com' }] },
    ]);
    const events = normalizeAll(activitiesPage([loginSuccess(), twoEvents]));
    const base = `gws:admin:${Date.parse('2026-11-22T10:00:00.000Z')}:-4002873813067783265`;
    expect(events.map((e) => [e.id, e.attributes['vigil.change'] ?? null])).toEqual([
      [`gws:login:${Date.parse('2026-11-22T10:00:00.000Z')}:-4002873813067783265`, null],
      [`${base}:0`, 'user-created'],
      [`${base}:1`, 'admin-granted'],
    ]);
    // Each event keeps its own slice of the activity, as Google's JSON.
    expect(JSON.parse(JSON.stringify(events[2]?.raw))).toMatchObject({ events: [{ name: 'GRANT_ADMIN_PRIVILEGE' }] });
  });

  it('the same activity sent twice gets the same ids', () => {
    expect(normalizeAll(loginSuccess()).map((e) => e.id)).toEqual(normalizeAll(activitiesPage([loginSuccess()])).map((e) => e.id));
  });

  it('accepts a page without items (no activities) as nothing, and refuses other shapes with the path', () => {
    expect(googleWorkspaceNormalizer.split({ kind: 'admin#reports#activities', etag: '"x"' })).toEqual({ ok: true, items: [] });
    expect(googleWorkspaceNormalizer.split({ kind: 'admin#reports#activities', items: {} })).toMatchObject({ ok: false, errors: [{ path: 'items' }] });
    expect(googleWorkspaceNormalizer.split({ hello: 'world' })).toMatchObject({ ok: false, errors: [{ path: '(root)' }] });
  });

  it('names the missing field of a malformed activity', () => {
    const broken = loginSuccess();
    delete (broken.id as Record<string, unknown>).uniqueQualifier;
    expect(googleWorkspaceNormalizer.normalize(broken, ctx)).toMatchObject({ ok: false, errors: [{ path: 'id.uniqueQualifier' }] });
  });
});
