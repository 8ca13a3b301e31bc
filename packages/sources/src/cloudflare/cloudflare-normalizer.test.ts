import { gzipSync } from 'node:zlib';
import type { VigilEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import type { DecodedBody } from '../normalizer';
import {
  apiV1,
  apiV2,
  CF_ACCOUNT,
  logpushBody,
  logpushV1,
  logpushV2,
  logpushValidationBody,
} from '../testing/cloudflare-samples';
import { cloudflareTimeMs } from './cloudflare-record';
import { cloudflareNormalizer } from './cloudflare-normalizer';

const ctx = { source: 'cloudflare', receivedAt: '2026-12-03T10:20:00.000Z' };

function normalized(item: unknown): VigilEvent {
  const result = cloudflareNormalizer.normalize(item, ctx);
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}: ${JSON.stringify(result.errors)}`);
  return result.event;
}

function decoded(raw: Buffer): unknown {
  const result: DecodedBody = cloudflareNormalizer.decode!(raw);
  if (!result.ok) throw new Error(`expected a body, got ${result.code}: ${result.message}`);
  return result.value;
}

function items(raw: Buffer): unknown[] {
  const split = cloudflareNormalizer.split(decoded(raw));
  if (!split.ok) throw new Error(split.reason);
  return split.items;
}

describe('cloudflare normaliser: the audit_logs dataset (Logpush)', () => {
  it('maps a sign-in field by field and keeps the record as raw', () => {
    const record = logpushV1();
    expect(normalized(record)).toEqual({
      id: 'cloudflare:d5b0f326-1232-4452-8858-1089bd7168ef',
      source: 'cloudflare',
      kind: 'authentication',
      action: 'login',
      ocsfClassUid: 3002,
      time: '2026-12-03T10:00:00.000Z',
      receivedAt: '2026-12-03T10:20:00.000Z',
      entity: { type: 'user', id: 'alice@example.com' },
      outcome: 'success',
      actor: { user: 'alice@example.com', ip: '198.41.129.166' },
      attributes: {
        'vigil.vendor': 'cloudflare',
        'vigil.interface': 'ui',
        'cloudflare.dataset': 'audit_logs',
        'cloudflare.action': 'login',
        'cloudflare.resource_type': 'user',
        'cloudflare.resource_id': 'f6b5de0326bb5182b8a4840ee01ec774',
        'cloudflare.product': null,
        'cloudflare.account_id': CF_ACCOUNT,
        'cloudflare.zone': null,
        'cloudflare.actor_type': 'user',
        'cloudflare.actor_context': null,
        'cloudflare.token_id': null,
        'cloudflare.description': null,
      },
      raw: record,
    });
  });

  it('a failed sign-in is a failure', () => {
    expect(normalized(logpushV1({ ActionResult: false })).outcome).toBe('failure');
  });

  it('reads When as RFC 3339, Unix seconds or Unix nanoseconds (the job timestamp_format)', () => {
    expect(normalized(logpushV1({ When: 1_796_292_000 })).time).toBe('2026-12-03T10:00:00.000Z');
    expect(normalized(logpushV1({ When: '1796292000000000000' })).time).toBe('2026-12-03T10:00:00.000Z');
    expect(cloudflareTimeMs('yesterday')).toBeUndefined();
    const bad = cloudflareNormalizer.normalize(logpushV1({ When: 'yesterday' }), ctx);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]?.path).toBe('When');
  });

  it("the account's 2FA enforcement switched off is an MFA policy weakened, about the account", () => {
    const event = normalized(
      logpushV1({
        ActionType: 'update',
        ResourceType: 'account',
        NewValue: '{"settings":{"enforce_twofactor":false}}',
        OldValue: '{"settings":{"enforce_twofactor":true}}',
      }),
    );
    expect(event.kind).toBe('account_change');
    expect(event.attributes['vigil.change']).toBe('mfa-policy-weakened');
    expect(event.entity).toEqual({ type: 'account', id: `cloudflare:${CF_ACCOUNT}` });
  });
});

describe('cloudflare normaliser: the audit_logs_v2 dataset (Logpush)', () => {
  it('a Logpush job updated to enabled: false is an audit log stopped, about the job', () => {
    const event = normalized(logpushV2());
    expect(event).toMatchObject({
      id: 'cloudflare:0195a6c5-1b4e-7c2b-8f0a-2d9c1f4e5a6b',
      kind: 'api_activity',
      action: 'update',
      entity: { type: 'resource', id: 'cloudflare-logpush-job:7731' },
      outcome: 'success',
      actor: { user: 'ops@example.com', ip: '203.0.113.20' },
    });
    expect(event.attributes).toMatchObject({
      'vigil.change': 'audit-log-stopped',
      'cloudflare.dataset': 'audit_logs_v2',
      'cloudflare.product': 'logpush',
      'cloudflare.token_id': 'tok-1',
      'cloudflare.actor_context': 'api_token',
    });
  });

  it('a Logpush job deleted is an audit log deleted; one re-enabled is only a change', () => {
    expect(
      normalized(logpushV2({ ActionType: 'delete', ResourceRequest: null })).attributes['vigil.change'],
    ).toBe('audit-log-deleted');
    expect(normalized(logpushV2({ ResourceRequest: { enabled: true } })).attributes['vigil.change']).toBe(
      'audit-log-changed',
    );
  });

  it('API tokens created, rolled and revoked', () => {
    const token = {
      ResourceProduct: 'api_tokens',
      ResourceType: 'api_token',
      ResourceID: 'tok-9',
      ResourceRequest: {},
    };
    expect(normalized(logpushV2({ ...token, ActionType: 'create' })).attributes['vigil.change']).toBe(
      'credential-created',
    );
    expect(
      normalized(logpushV2({ ...token, ActionType: 'update', ActionDescription: 'Roll API token' }))
        .attributes['vigil.change'],
    ).toBe('credential-rotated');
    const revoked = normalized(logpushV2({ ...token, ActionType: 'delete' }));
    expect(revoked.attributes['vigil.change']).toBe('credential-revoked');
    expect(revoked.entity).toEqual({ type: 'resource', id: 'cloudflare-token:tok-9' });
  });

  it('a zone setting that lowers protection (SSL to flexible) is a protection-lowered change about the zone', () => {
    const event = normalized(
      logpushV2({
        ActionDescription: 'Update zone setting',
        ResourceProduct: 'zone_settings',
        ResourceType: 'zone_setting',
        ResourceID: 'ssl',
        ResourceRequest: { value: 'flexible' },
        ZoneName: 'example.com',
      }),
    );
    expect(event.attributes['vigil.change']).toBe('protection-lowered');
    expect(event.attributes['cloudflare.setting']).toBe('ssl=flexible');
    expect(event.entity).toEqual({ type: 'resource', id: 'cloudflare-zone:example.com' });
    const raised = normalized(
      logpushV2({
        ActionDescription: 'Update zone setting',
        ResourceProduct: 'zone_settings',
        ResourceType: 'zone_setting',
        ResourceID: 'ssl',
        ResourceRequest: { value: 'strict' },
      }),
    );
    expect(raised.attributes['vigil.change']).toBeUndefined();
  });
});

describe('cloudflare normaliser: Audit Logs API entries (the poller)', () => {
  it("v1: a member's two-factor authentication removed is an MFA removed", () => {
    const event = normalized(apiV1({ metadata: { email: 'bob@example.com' } }));
    expect(event).toMatchObject({
      id: 'cloudflare:a0000000-0000-4000-8000-000000000001',
      kind: 'account_change',
      entity: { type: 'user', id: 'bob@example.com' },
      actor: { user: 'admin@example.com', ip: '198.51.100.7' },
    });
    expect(event.attributes['vigil.change']).toBe('mfa-removed');
    expect(event.attributes['cloudflare.dataset']).toBe('api_v1');
  });

  it('v2: a member added as Administrator is an admin granted, about the new member', () => {
    const event = normalized(apiV2());
    expect(event.entity).toEqual({ type: 'user', id: 'new-admin@example.com' });
    expect(event.attributes['vigil.change']).toBe('admin-granted');
    expect(event.attributes['cloudflare.roles']).toBe('Administrator');
    expect(event.time).toBe('2026-12-03T10:15:00.000Z');
  });

  it('v2: a member added with a lesser role is a user created; removed is a user deleted', () => {
    const reader = apiV2({
      resource: {
        id: 'm-43',
        type: 'member',
        request: { email: 'c@example.com', roles: [{ name: 'Analytics' }] },
      },
    });
    expect(normalized(reader).attributes['vigil.change']).toBe('user-created');
    const removed = apiV2({
      action: { type: 'delete', result: 'success', time: '2026-12-03T10:15:00Z' },
      resource: { id: 'm-43', type: 'member' },
    });
    expect(normalized(removed).attributes['vigil.change']).toBe('user-deleted');
  });

  it('the roles a change gave are vigil.roles (JSON, role names keep their commas); those held before are not', () => {
    const v2 = normalized(apiV2());
    expect(JSON.parse(v2.attributes['vigil.roles'] as string)).toEqual(['Administrator']);
    const edited = apiV1({
      action: { type: 'update', result: true },
      resource: { id: 'm-7', type: 'member' },
      oldValue: JSON.stringify({ email: 'd@example.com', roles: [{ name: 'Analytics' }] }),
      newValue: JSON.stringify({
        email: 'd@example.com',
        roles: [
          { name: 'Analytics' },
          { name: 'SSL/TLS, Caching, Performance, Page Rules, and Customization' },
        ],
      }),
    });
    const event = normalized(edited);
    expect(event.entity).toEqual({ type: 'user', id: 'd@example.com' });
    expect(JSON.parse(event.attributes['vigil.roles'] as string)).toEqual([
      'SSL/TLS, Caching, Performance, Page Rules, and Customization',
    ]);
  });

  it('v2: the API token an actor used is vigil.credential (its id, never a secret); without one there is none', () => {
    const withToken = apiV2({
      actor: {
        id: 'u-9',
        email: 'ci@example.com',
        ip_address: '192.0.2.8',
        type: 'user',
        context: 'api_token',
        token_id: 'tok-1',
        token_name: 'ci',
      },
    });
    expect(normalized(withToken).attributes['vigil.credential']).toBe('cloudflare-token:tok-1');
    expect(normalized(withToken).actor.ip).toBe('192.0.2.8');
    expect(normalized(apiV2()).attributes['vigil.credential']).toBeUndefined();
  });

  it('an item of no known shape is refused with a reason', () => {
    const result = cloudflareNormalizer.normalize({ hello: 'world' }, ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/not a Cloudflare audit log entry/);
  });
});

describe('cloudflare Logpush deliveries: gzip NDJSON', () => {
  it('splits a gzip NDJSON batch into its records', () => {
    expect(items(logpushBody([logpushV1(), logpushV2()]))).toHaveLength(2);
  });

  it('the test message Logpush sends when a job is created is accepted as nothing', () => {
    expect(items(logpushValidationBody())).toEqual([]);
  });

  it('a line that is not JSON is one refused item; the other lines still count', () => {
    const raw = gzipSync(
      Buffer.from(`${JSON.stringify(logpushV1())}\n{not json\n${JSON.stringify(logpushV2())}\n`),
    );
    const split = items(raw);
    expect(split).toHaveLength(3);
    const bad = cloudflareNormalizer.normalize(split[1], ctx);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]?.path).toBe('line 2');
  });

  it('any other dataset is the customer log copy arriving: one heartbeat for the delivery, not its records', () => {
    const requests = [
      { RayID: '1', EdgeStartTimestamp: 1, ClientIP: '192.0.2.1' },
      { RayID: '2', EdgeStartTimestamp: 2, ClientIP: '192.0.2.2' },
    ];
    const split = items(logpushBody(requests));
    expect(split).toHaveLength(1);
    const event = normalized(split[0]);
    expect(event).toMatchObject({
      kind: 'heartbeat',
      entity: { type: 'source', id: 'cloudflare' },
      time: ctx.receivedAt,
      attributes: { 'cloudflare.records': 2 },
    });
    expect(event.id).toMatch(/^cloudflare:logpush:[0-9a-f]{40}$/);
    // The same delivery again is the same event.
    expect(normalized(items(logpushBody(requests))[0]).id).toBe(event.id);
  });

  it('a body that inflates past the limit is refused with 413; a broken gzip file with 400', () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    const big = cloudflareNormalizer.decode!(bomb);
    expect(big).toMatchObject({ ok: false, status: 413 });
    const broken = cloudflareNormalizer.decode!(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
    expect(broken).toMatchObject({ ok: false, status: 400, code: 'malformed_gzip' });
  });

  it('a plain JSON array or an API answer {result: [...]} is accepted too (replays, posted pages)', () => {
    expect(items(Buffer.from(JSON.stringify([logpushV1()])))).toHaveLength(1);
    expect(
      items(Buffer.from(JSON.stringify({ success: true, result: [apiV1(), apiV1({ id: 'x2' })] }))),
    ).toHaveLength(2);
  });
});
