import { BACKUP_STATE, CHANGE, INTERFACE, MFA_USED, ROOT } from '@vigil/schema';
import { describe, expect, it, vi } from 'vitest';
import { backupFailedRule } from './availability/backup-failed.rule';
import { backupMissedRule } from './availability/backup-missed.rule';
import { commitmentBreachRule, monthOf } from './availability/commitment-breach.rule';
import { restoreTestOverdueRule } from './availability/restore-test-overdue.rule';
import { sloBurnRule } from './availability/slo-burn.rule';
import { entityFromKey } from './detection-builder';
import {
  DAY,
  HOUR,
  MINUTE,
  accountChange,
  apiCall,
  backupJob,
  fixtureTime,
  heartbeat,
  restoreTest,
  signIn,
  uptimeCheck,
} from './fixture-events';
import { adminGrantedRule } from './identity/admin-granted.rule';
import { deprovisionedAccessRule } from './identity/deprovisioned-access.rule';
import { mfaRemovedRule } from './identity/mfa-removed.rule';
import { passwordSprayRule } from './identity/password-spray.rule';
import { rootOrNoMfaLoginRule } from './identity/root-or-no-mfa-login.rule';
import { auditDisabledRule } from './logging/audit-disabled.rule';
import { sourceSilentRule } from './logging/source-silent.rule';
import type { Rule } from './rule';
import { stubContext } from './test-support';

/** Pure logic: what each rule looks at, and what it asks of its primitives. */
const user = (id: string) => ({ type: 'user' as const, id });
const matches = <P>(rule: Rule<P>, event: Parameters<Rule<P>['match']>[0], params: P = rule.params) =>
  (!rule.kinds || rule.kinds.includes(event.kind)) && rule.match(event, params);

describe('rules read only the shared conventions', () => {
  it('identity.password-spray: failed sign-ins with an IP, counted per IP by user', async () => {
    const failure = signIn({
      id: 'p1',
      user: 'Alice@Example.com',
      at: 0,
      outcome: 'failure',
      ip: '192.0.2.1',
    });
    expect(matches(passwordSprayRule, failure)).toBe(true);
    expect(matches(passwordSprayRule, { ...failure, outcome: 'success' })).toBe(false);
    expect(matches(passwordSprayRule, { ...failure, actor: { user: 'alice' } })).toBe(false);
    const distinctCount = vi.fn(() => Promise.resolve({ kind: 'duplicate' as const }));
    await passwordSprayRule.evaluate(failure, stubContext(passwordSprayRule, { distinctCount }));
    expect(distinctCount).toHaveBeenCalledWith({
      scope: 'ip:192.0.2.1',
      value: 'alice@example.com',
      windowMs: 10 * MINUTE,
      latenessMs: 5 * MINUTE,
      threshold: 10,
      maxEvidence: 50,
    });
    expect(passwordSprayRule.dedupKey(failure)).toBe('identity.password-spray:ip:192.0.2.1');
  });

  it('identity.mfa-removed, admin-granted and logging.audit-disabled: vigil.change, not failures', () => {
    const change = (
      c: NonNullable<Parameters<typeof accountChange>[0]['change']>,
      outcome: 'success' | 'failure' = 'success',
    ) => accountChange({ id: c, at: 0, change: c, entity: user('u'), outcome });
    expect(matches(mfaRemovedRule, change('mfa-removed'))).toBe(true);
    expect(matches(mfaRemovedRule, change('mfa-policy-weakened'))).toBe(true);
    expect(matches(mfaRemovedRule, change('mfa-removed', 'failure'))).toBe(false);
    expect(matches(mfaRemovedRule, { ...change('mfa-removed'), attributes: { [CHANGE]: 'toString' } })).toBe(
      false,
    );
    expect(matches(adminGrantedRule, change('admin-granted'))).toBe(true);
    expect(matches(adminGrantedRule, change('admin-revoked'))).toBe(false);
    for (const c of ['audit-log-stopped', 'audit-log-deleted', 'audit-log-narrowed'] as const)
      expect(matches(auditDisabledRule, change(c))).toBe(true);
    expect(matches(auditDisabledRule, change('audit-log-changed'))).toBe(false);
    // A sign-in carrying the attribute is not a change.
    const signInWithChange = {
      ...signIn({ id: 's', user: 'u', at: 0, outcome: 'success' }),
      attributes: { [CHANGE]: 'admin-granted' },
    };
    expect(matches(adminGrantedRule, signInWithChange)).toBe(false);
  });

  it('identity.root-or-no-mfa-login: root, or console without MFA; unknown MFA is not "without"', () => {
    const login = (attributes: Record<string, string | boolean>) =>
      signIn({ id: 'r', user: 'u', at: 0, outcome: 'success', attributes });
    expect(matches(rootOrNoMfaLoginRule, login({ [ROOT]: true }))).toBe(true);
    expect(matches(rootOrNoMfaLoginRule, login({ [INTERFACE]: 'console', [MFA_USED]: false }))).toBe(true);
    expect(matches(rootOrNoMfaLoginRule, login({ [INTERFACE]: 'console' }))).toBe(false);
    expect(matches(rootOrNoMfaLoginRule, login({ [INTERFACE]: 'sso', [MFA_USED]: false }))).toBe(false);
    expect(matches(rootOrNoMfaLoginRule, login({ [ROOT]: 'true' }))).toBe(false);
  });

  it('identity.deprovisioned-access: suspensions begin, reactivations end, activity observes', async () => {
    const sequence = vi.fn(() => Promise.resolve({ kind: 'none' as const }));
    const ctx = stubContext(deprovisionedAccessRule, { sequence });
    await deprovisionedAccessRule.evaluate(
      accountChange({
        id: 'a',
        at: 0,
        change: 'user-suspended',
        entity: user('Bob@Example.com'),
        actor: 'Admin',
      }),
      ctx,
    );
    await deprovisionedAccessRule.evaluate(apiCall({ id: 'b', at: 0, user: 'carol' }), ctx);
    await deprovisionedAccessRule.evaluate(
      accountChange({ id: 'c', at: 0, change: 'user-reactivated', entity: user('bob') }),
      ctx,
    );
    expect(sequence.mock.calls.map((call) => (call as unknown[])[0])).toEqual([
      { op: 'begin', subject: 'bob@example.com' },
      { op: 'observe', subject: 'admin' },
      { op: 'observe', subject: 'carol' },
      { op: 'end', subject: 'bob' },
      { op: 'observe', subject: 'admin@example.com' },
    ]);
    expect(matches(deprovisionedAccessRule, signIn({ id: 'f', user: 'u', at: 0, outcome: 'failure' }))).toBe(
      false,
    );
    expect(matches(deprovisionedAccessRule, apiCall({ id: 'g', at: 0, user: 'u', outcome: 'failure' }))).toBe(
      false,
    );
    expect(matches(deprovisionedAccessRule, heartbeat({ id: 'h', at: 0, source: 'okta' }))).toBe(false);
  });

  it('availability.backup-failed: failed, aborted or deleted backups and backup-deleted changes', () => {
    const job = (outcome: 'success' | 'failure', state?: string) =>
      backupJob({ id: 'j', at: 0, resource: 'db', outcome, state });
    expect(matches(backupFailedRule, job('failure'))).toBe(true);
    expect(matches(backupFailedRule, job('success', 'deleted'))).toBe(true);
    expect(matches(backupFailedRule, job('success'))).toBe(false);
    expect(matches(backupFailedRule, job('success', 'expired'))).toBe(false);
    expect(matches(backupFailedRule, { ...job('success'), attributes: { [BACKUP_STATE]: 'running' } })).toBe(
      false,
    );
  });

  it('availability.backup-missed and restore-test-overdue arm deadlines from successes only', async () => {
    const ok = backupJob({ id: 'b', at: HOUR, resource: 'db', outcome: 'success' });
    expect(matches(backupMissedRule, ok)).toBe(true);
    expect(matches(backupMissedRule, backupJob({ id: 'f', at: 0, resource: 'db', outcome: 'failure' }))).toBe(
      false,
    );
    const deadline = vi.fn(() => Promise.resolve({ kind: 'armed' as const }));
    const eventTimeMs = Date.parse(ok.time);
    const withSchedule = {
      ...backupMissedRule,
      params: backupMissedRule.parameters.parse({ schedules: { db: '12h' } }),
    };
    await backupMissedRule.evaluate(ok, {
      ...stubContext(withSchedule, { deadline }, undefined, eventTimeMs),
    });
    expect(deadline).toHaveBeenCalledWith({ op: 'arm', dueAtMs: eventTimeMs + 18 * HOUR });

    const tested = restoreTest({ id: 'r', at: 0, resource: 'db', outcome: 'success' });
    expect(matches(restoreTestOverdueRule, tested)).toBe(true);
    expect(matches(restoreTestOverdueRule, { ...tested, outcome: 'failure' })).toBe(false);
    expect(matches(restoreTestOverdueRule, ok)).toBe(true);
    expect(
      matches(restoreTestOverdueRule, ok, { ...restoreTestOverdueRule.params, watchBackups: false }),
    ).toBe(false);
    const arm = vi.fn(() => Promise.resolve({ kind: 'unchanged' as const }));
    await restoreTestOverdueRule.evaluate(
      ok,
      stubContext(restoreTestOverdueRule, { deadline: arm }, undefined, eventTimeMs),
    );
    expect(arm).toHaveBeenCalledWith({ op: 'arm-if-absent', dueAtMs: eventTimeMs + 90 * DAY });
  });

  it('logging.source-silent: any event of a registered source, whatever its kind', () => {
    const params = sourceSilentRule.parameters.parse({ sources: { okta: 300 } });
    expect(matches(sourceSilentRule, heartbeat({ id: 'h', at: 0, source: 'okta' }), params)).toBe(true);
    expect(matches(sourceSilentRule, signIn({ id: 's', user: 'u', at: 0, outcome: 'failure' }), params)).toBe(
      true,
    );
    expect(matches(sourceSilentRule, heartbeat({ id: 'h', at: 0, source: 'github' }), params)).toBe(false);
    expect(matches(sourceSilentRule, heartbeat({ id: 'h', at: 0, source: 'constructor' }), params)).toBe(
      false,
    );
    expect(params.sources).toEqual({ okta: 300_000 });
    // A shipper's heartbeat for the source it forwards speaks for that source.
    const forwarded = {
      ...heartbeat({ id: 'h2', at: 0, source: 'log-shipper' }),
      entity: { type: 'source' as const, id: 'okta' },
    };
    expect(matches(sourceSilentRule, forwarded, params)).toBe(true);
    expect(sourceSilentRule.dedupKey(forwarded)).toBe('logging.source-silent:source:okta');
  });

  it('availability.slo-burn takes the target per service; commitment-breach keys incidents by month', async () => {
    const check = uptimeCheck({ id: 'c', service: 'checkout', at: 0, outcome: 'failure' });
    const burnRate = vi.fn(() => Promise.resolve({ kind: 'unchanged' as const, level: 'none' as const }));
    const rule = { ...sloBurnRule, params: sloBurnRule.parameters.parse({ targets: { checkout: 99.5 } }) };
    await sloBurnRule.evaluate(check, stubContext(rule, { burnRate }));
    expect(burnRate).toHaveBeenCalledWith(expect.objectContaining({ good: false, minEvents: 20 }));
    expect((burnRate.mock.calls[0] as unknown[])[0]).toMatchObject({ budget: expect.closeTo(0.005, 10) });
    expect(commitmentBreachRule.dedupKey(check)).toBe(
      'availability.commitment-breach:service:checkout:2025-12',
    );
    expect(monthOf(Date.parse('2026-02-14T10:00:00Z'))).toEqual({
      startMs: Date.parse('2026-02-01T00:00:00Z'),
      endMs: Date.parse('2026-03-01T00:00:00Z'),
      label: '2026-02',
    });
    expect(fixtureTime(0)).toBe('2025-12-31T23:00:00.000Z');
  });

  it('entity keys from deadline scopes parse back', () => {
    expect(entityFromKey('resource:db:prod')).toEqual({ type: 'resource', id: 'db:prod' });
    expect(entityFromKey('service:checkout')).toEqual({ type: 'service', id: 'checkout' });
    expect(entityFromKey('weird')).toEqual({ type: 'resource', id: 'weird' });
  });
});
