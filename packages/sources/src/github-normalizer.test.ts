import type { VigilEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { githubNormalizer } from './github-normalizer';
import { auditEvent, orgBlock, orgMemberAdded, orgMemberRemoved, ping, repositoryDeleted, teamMembership } from './testing/github-samples';

const receivedAt = '2026-11-22T10:00:05.000Z';
const delivery = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

function webhook(event: string, payload: unknown): VigilEvent {
  const headers = { 'x-github-event': event, 'x-github-delivery': delivery };
  const split = githubNormalizer.split(payload, { headers });
  if (!split.ok) throw new Error(split.reason);
  const result = githubNormalizer.normalize(split.items[0], { source: 'github', receivedAt, headers });
  if (!result.ok) throw new Error(`${result.reason}: ${JSON.stringify(result.errors)}`);
  return result.event;
}

function audit(item: unknown): VigilEvent {
  const result = githubNormalizer.normalize(item, { source: 'github', receivedAt, headers: {} });
  if (!result.ok) throw new Error(`${result.reason}: ${JSON.stringify(result.errors)}`);
  return result.event;
}

describe('github normaliser: organisation webhooks', () => {
  it('maps an owner added to the organisation field by field', () => {
    const event = webhook('organization', orgMemberAdded('hacktocat', 'admin'));
    expect(event).toEqual({
      id: `github:${delivery}`,
      source: 'github',
      kind: 'account_change',
      action: 'organization.member_added',
      ocsfClassUid: 3001,
      time: receivedAt,
      receivedAt,
      entity: { type: 'user', id: 'hacktocat' },
      outcome: 'success',
      actor: { user: 'octocat' },
      attributes: {
        'github.event': 'organization',
        'github.delivery': delivery,
        'github.org': 'acme',
        'github.repo': null,
        'github.team': null,
        'github.role': 'admin',
        'github.actor_type': 'User',
        'vigil.change': 'admin-granted',
      },
      raw: orgMemberAdded('hacktocat', 'admin'),
    });
  });

  it('a plain member joining is an account change without vigil.change; leaving is user-suspended', () => {
    expect(webhook('organization', orgMemberAdded('hacktocat', 'member')).attributes).not.toHaveProperty('vigil.change');
    expect(webhook('organization', orgMemberRemoved('hacktocat'))).toMatchObject({
      entity: { id: 'hacktocat' },
      attributes: { 'vigil.change': 'user-suspended' },
    });
  });

  it('joining a team named for admins is admin-granted; other teams are not', () => {
    expect(webhook('membership', teamMembership('added', 'org-admins'))).toMatchObject({
      kind: 'account_change',
      action: 'membership.added',
      entity: { type: 'user', id: 'hacktocat' },
      attributes: { 'vigil.change': 'admin-granted', 'github.team': 'org-admins' },
    });
    expect(webhook('membership', teamMembership('removed', 'owners')).attributes['vigil.change']).toBe('admin-revoked');
    expect(webhook('membership', teamMembership('added', 'badminton-club')).attributes).not.toHaveProperty('vigil.change');
  });

  it('blocking and unblocking a user', () => {
    expect(webhook('org_block', orgBlock('blocked'))).toMatchObject({ entity: { id: 'spammer' }, attributes: { 'vigil.change': 'user-suspended' } });
    expect(webhook('org_block', orgBlock('unblocked')).attributes['vigil.change']).toBe('user-reactivated');
  });

  it('anything else is API activity by the sender', () => {
    expect(webhook('repository', repositoryDeleted())).toMatchObject({
      kind: 'api_activity',
      ocsfClassUid: 6003,
      action: 'repository.deleted',
      entity: { type: 'user', id: 'octocat' },
      attributes: { 'github.repo': 'acme/hello-world' },
    });
  });

  it('the ping sent when a webhook is created is a heartbeat of the source', () => {
    expect(webhook('ping', ping())).toMatchObject({ kind: 'heartbeat', action: 'ping', entity: { type: 'source', id: 'github' } });
  });

  it('a webhook without its delivery id is refused, naming the header', () => {
    const result = githubNormalizer.normalize(orgMemberAdded(), { source: 'github', receivedAt, headers: { 'x-github-event': 'organization' } });
    expect(result).toMatchObject({ ok: false, errors: [{ path: '(header) x-github-delivery' }] });
  });

  it('a webhook delivery is one object', () => {
    expect(githubNormalizer.split([orgMemberAdded()], { headers: { 'x-github-event': 'organization' } })).toMatchObject({ ok: false, errors: [{ path: '(root)' }] });
  });
});

describe('github normaliser: audit log', () => {
  it('maps org.disable_two_factor_requirement field by field', () => {
    expect(audit(auditEvent())).toEqual({
      id: 'github:xJJFlFOhQ6b-5vaAFy9Rjw',
      source: 'github',
      kind: 'api_activity',
      action: 'org.disable_two_factor_requirement',
      ocsfClassUid: 6003,
      time: new Date(1795341600000).toISOString(),
      receivedAt,
      entity: { type: 'account', id: 'acme' },
      outcome: 'success',
      actor: { user: 'octocat', ip: '203.0.113.50' },
      attributes: {
        'github.org': 'acme',
        'github.business': null,
        'github.repo': null,
        'github.team': null,
        'github.user': null,
        'github.permission': null,
        'vigil.change': 'mfa-policy-weakened',
      },
      raw: auditEvent(),
    });
  });

  it('org.update_member to admin is admin-granted, to member admin-revoked, about the user', () => {
    expect(audit(auditEvent({ action: 'org.update_member', user: 'hacktocat', permission: 'admin' }))).toMatchObject({
      kind: 'account_change',
      entity: { type: 'user', id: 'hacktocat' },
      attributes: { 'vigil.change': 'admin-granted' },
    });
    expect(audit(auditEvent({ action: 'org.update_member', user: 'hacktocat', permission: 'read' })).attributes['vigil.change']).toBe('admin-revoked');
  });

  it('team.add_member to an admins team, removals and blocks', () => {
    expect(audit(auditEvent({ action: 'team.add_member', team: 'acme/security-admins', user: 'hacktocat' })).attributes['vigil.change']).toBe('admin-granted');
    expect(audit(auditEvent({ action: 'team.add_member', team: 'acme/frontend', user: 'hacktocat' })).attributes).not.toHaveProperty('vigil.change');
    expect(audit(auditEvent({ action: 'org.remove_member', user: 'hacktocat' }))).toMatchObject({ entity: { id: 'hacktocat' }, attributes: { 'vigil.change': 'user-suspended' } });
    expect(audit(auditEvent({ action: 'org.block_user', user: 'spammer' })).attributes['vigil.change']).toBe('user-suspended');
  });

  it('accepts @timestamp as milliseconds, a numeric string or ISO text; refuses anything else with the path', () => {
    expect(audit(auditEvent({ '@timestamp': '1795341600000' })).time).toBe(new Date(1795341600000).toISOString());
    expect(audit(auditEvent({ '@timestamp': '2026-11-22T10:00:00Z' })).time).toBe('2026-11-22T10:00:00.000Z');
    const bad = githubNormalizer.normalize(auditEvent({ '@timestamp': 'yesterday' }), { source: 'github', receivedAt });
    expect(bad).toMatchObject({ ok: false, errors: [{ path: '@timestamp' }] });
    const { _document_id: _id, ...noId } = auditEvent();
    // Without GitHub's id the event is kept, with an id derived from its content (catalog-defects.test.ts).
    expect(githubNormalizer.normalize(noId, { source: 'github', receivedAt })).toMatchObject({ ok: true, event: { id: expect.stringMatching(/^github:sha256:/) } });
  });

  it('splits arrays of audit events and refuses bodies that are neither', () => {
    expect(githubNormalizer.split([auditEvent(), auditEvent({ _document_id: 'b' })])).toMatchObject({ ok: true, items: { length: 2 } });
    expect(githubNormalizer.split(auditEvent())).toMatchObject({ ok: true, items: { length: 1 } });
    expect(githubNormalizer.split({ zen: 'x' })).toMatchObject({ ok: false, reason: expect.stringContaining('X-GitHub-Event'), errors: [{ path: '(root)' }] });
  });
});
