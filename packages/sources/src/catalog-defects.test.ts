import { CHANGE, type VigilEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { cloudtrailNormalizer } from './cloudtrail-normalizer';
import { githubNormalizer } from './github-normalizer';
import { googleWorkspaceNormalizer } from './google-workspace-normalizer';
import { oktaNormalizer } from './okta-normalizer';
import { oktaLogEvent } from './testing/samples';

/** Defects found with independent real-world logs (issue 11, section 2); payloads shaped like the official formats. */
const receivedAt = '2026-11-22T10:00:02.000Z';
const ok = <T extends { ok: boolean }>(result: T) => {
  if (!result.ok) throw new Error(JSON.stringify(result));
  return (result as unknown as { event: VigilEvent }).event;
};

describe('okta', () => {
  const admin = { id: '00uadmin', type: 'User', alternateId: 'admin@example.com', displayName: 'Ada Admin' };

  it('org-wide MFA factor and authenticator deactivation weaken MFA (fires identity.mfa-removed)', () => {
    for (const eventType of ['system.mfa.factor.deactivate', 'security.authenticator.lifecycle.deactivate']) {
      const event = ok(
        oktaNormalizer.normalize(
          oktaLogEvent({
            eventType,
            actor: admin,
            outcome: { result: 'SUCCESS' },
            target: [
              { id: 'aut1', type: 'Authenticator', alternateId: 'okta_verify', displayName: 'Okta Verify' },
            ],
          }),
          { source: 'okta', receivedAt },
        ),
      );
      expect(event.attributes[CHANGE], eventType).toBe('mfa-policy-weakened');
    }
  });

  it('group.privilege.grant names the group (and listed members) as the target and the admin as the actor', () => {
    const event = ok(
      oktaNormalizer.normalize(
        oktaLogEvent({
          eventType: 'group.privilege.grant',
          actor: admin,
          outcome: { result: 'SUCCESS' },
          target: [
            { id: '00gops', type: 'UserGroup', alternateId: 'unknown', displayName: 'Ops on-call' },
            { id: '00ueve', type: 'User', alternateId: 'eve@example.com', displayName: 'Eve' },
          ],
        }),
        { source: 'okta', receivedAt },
      ),
    );
    expect(event).toMatchObject({
      kind: 'account_change',
      entity: { type: 'resource', id: 'group:Ops on-call' },
      actor: { user: 'admin@example.com' },
      attributes: {
        [CHANGE]: 'admin-granted',
        'okta.group': 'Ops on-call',
        'okta.group_members': 'eve@example.com',
      },
    });
  });
});

describe('google workspace', () => {
  it("a user's own unenrolment from Advanced Protection (titanium_unenroll) removes MFA for that user", () => {
    const split = googleWorkspaceNormalizer.split({
      kind: 'admin#reports#activities',
      items: [
        {
          kind: 'admin#reports#activity',
          id: {
            time: '2026-11-22T09:58:00.000Z',
            uniqueQualifier: '-41125',
            applicationName: 'user_accounts',
            customerId: 'C03az79cb',
          },
          actor: { email: 'pat@example.com', profileId: '1147' },
          ipAddress: '198.51.100.30',
          events: [{ type: 'titanium_change', name: 'titanium_unenroll' }],
        },
      ],
    });
    if (!split.ok) throw new Error(split.reason);
    const [item] = split.items;
    const event = ok(googleWorkspaceNormalizer.normalize(item, { source: 'gws', receivedAt }));
    expect(event).toMatchObject({
      kind: 'account_change',
      entity: { type: 'user', id: 'pat@example.com' },
      attributes: { [CHANGE]: 'mfa-removed' },
    });
  });
});

describe('github audit log', () => {
  const base = { '@timestamp': 1763805480000, actor: 'octo-admin', org: 'acme', actor_ip: '192.0.2.44' };

  it('SAML single sign-on disabled for the organisation weakens MFA for it', () => {
    const event = ok(
      githubNormalizer.normalize(
        { ...base, action: 'org.disable_saml', _document_id: 'doc-saml-1' },
        { source: 'github', receivedAt, headers: {} },
      ),
    );
    expect(event).toMatchObject({
      entity: { type: 'account', id: 'acme' },
      attributes: { [CHANGE]: 'mfa-policy-weakened' },
    });
  });

  it('an event without _document_id gets a stable id derived from its content', () => {
    const item = { ...base, action: 'org.add_member', user: 'newbie' };
    const first = ok(githubNormalizer.normalize(item, { source: 'github', receivedAt, headers: {} }));
    const reordered = Object.fromEntries(Object.entries(item).reverse());
    const again = ok(
      githubNormalizer.normalize(reordered, {
        source: 'github',
        receivedAt: '2026-11-23T00:00:00.000Z',
        headers: {},
      }),
    );
    const other = ok(
      githubNormalizer.normalize(
        { ...item, user: 'someone-else' },
        { source: 'github', receivedAt, headers: {} },
      ),
    );
    expect(first.id).toMatch(/^github:sha256:[0-9a-f]{40}$/);
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
  });
});

describe('cloudtrail', () => {
  it('a failed root console sign-in is an authentication failure of the account, marked root', () => {
    const event = ok(
      cloudtrailNormalizer.normalize(
        {
          eventVersion: '1.08',
          userIdentity: {
            type: 'Root',
            principalId: '111122223333',
            arn: 'arn:aws:iam::111122223333:root',
            accountId: '111122223333',
          },
          eventTime: '2026-11-22T09:59:30Z',
          eventSource: 'signin.amazonaws.com',
          eventName: 'ConsoleLogin',
          awsRegion: 'us-east-1',
          sourceIPAddress: '203.0.113.99',
          userAgent: 'Mozilla/5.0',
          errorMessage: 'Failed authentication',
          requestParameters: null,
          responseElements: { ConsoleLogin: 'Failure' },
          additionalEventData: {
            MFAUsed: 'No',
            LoginTo: 'https://console.aws.amazon.com/console/home',
            MobileVersion: 'No',
          },
          eventID: '3fcfb586-4a1b-4f2e-9a65-6a3c3c0c5e01',
          eventType: 'AwsConsoleSignIn',
          recipientAccountId: '111122223333',
        },
        { source: 'aws', receivedAt, headers: {} },
      ),
    );
    expect(event).toMatchObject({
      kind: 'authentication',
      outcome: 'failure',
      entity: { type: 'account', id: '111122223333' },
      attributes: { 'vigil.root': true },
    });
  });
});
