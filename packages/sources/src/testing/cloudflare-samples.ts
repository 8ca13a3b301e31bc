import { gzipSync } from 'node:zlib';

/** Cloudflare audit log entries in the shapes its documentation gives, for tests. */

export const CF_ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';

/** Logpush dataset `audit_logs` (one NDJSON line). */
export function logpushV1(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ID: 'd5b0f326-1232-4452-8858-1089bd7168ef',
    When: '2026-12-03T10:00:00Z',
    ActionType: 'login',
    ActionResult: true,
    ActorEmail: 'alice@example.com',
    ActorID: 'f6b5de0326bb5182b8a4840ee01ec774',
    ActorIP: '198.41.129.166',
    ActorType: 'user',
    Interface: 'UI',
    Metadata: {},
    NewValue: null,
    OldValue: null,
    OwnerID: CF_ACCOUNT,
    ResourceID: 'f6b5de0326bb5182b8a4840ee01ec774',
    ResourceType: 'user',
    ...overrides,
  };
}

/** Logpush dataset `audit_logs_v2`. */
export function logpushV2(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AuditLogID: '0195a6c5-1b4e-7c2b-8f0a-2d9c1f4e5a6b',
    ActionTimestamp: '2026-12-03T10:05:00Z',
    ActionType: 'update',
    ActionResult: 'success',
    ActionDescription: 'Update Logpush job',
    ActorContext: 'api_token',
    ActorEmail: 'ops@example.com',
    ActorID: 'a1b2c3',
    ActorIPAddress: '203.0.113.20',
    ActorTokenDetails: { id: 'tok-1', name: 'terraform' },
    ActorType: 'user',
    AccountID: CF_ACCOUNT,
    AccountName: 'Example Inc',
    ResourceID: '7731',
    ResourceProduct: 'logpush',
    ResourceRequest: { enabled: false },
    ResourceResponse: { id: 7731, enabled: false, dataset: 'http_requests' },
    ResourceScope: 'accounts',
    ResourceType: 'logpush_job',
    ResourceValue: null,
    ZoneID: null,
    ZoneName: null,
    ...overrides,
  };
}

/** Audit Logs API v1 (`GET /accounts/{id}/audit_logs`) entry. */
export function apiV1(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'a0000000-0000-4000-8000-000000000001',
    action: { type: 'delete', result: true },
    actor: { id: 'f6b5', email: 'admin@example.com', ip: '198.51.100.7', type: 'user' },
    interface: 'API',
    metadata: {},
    newValue: '',
    oldValue: '',
    owner: { id: CF_ACCOUNT },
    resource: { id: 'tfa-1', type: 'two_factor' },
    when: '2026-12-03T10:10:00Z',
    ...overrides,
  };
}

/** Audit Logs API v2 (`GET /accounts/{id}/logs/audit`) entry. */
export function apiV2(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'b0000000-0000-4000-8000-000000000001',
    account: { id: CF_ACCOUNT, name: 'Example Inc' },
    action: { type: 'create', result: 'success', time: '2026-12-03T10:15:00Z', description: 'Add member' },
    actor: {
      id: 'u-9',
      email: 'owner@example.com',
      ip_address: '203.0.113.9',
      type: 'user',
      context: 'dash',
    },
    raw: {
      cf_ray_id: '8e8dd2156ef28414',
      method: 'POST',
      status_code: 200,
      uri: '/accounts/x/members',
      user_agent: 'Mozilla/5.0',
    },
    resource: {
      id: 'm-42',
      product: 'members',
      type: 'member',
      scope: 'accounts',
      request: { email: 'new-admin@example.com', roles: [{ id: 'r1', name: 'Administrator' }] },
      response: {},
    },
    zone: null,
    ...overrides,
  };
}

/** A Logpush HTTP delivery body: the records as NDJSON, gzip-compressed, as Cloudflare sends them. */
export function logpushBody(records: unknown[]): Buffer {
  return gzipSync(Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n'));
}

/** The test file Logpush uploads when a job to an HTTP destination is created. */
export function logpushValidationBody(): Buffer {
  return gzipSync(Buffer.from('{"content":"tests"}'));
}

/** A Cloudflare notification webhook for a Health Checks status change (generic webhook destination). */
export function healthCheckNotification(
  status: 'Healthy' | 'Unhealthy' = 'Unhealthy',
  data: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: 'origin health',
    text: `Health Check Name: checkout-api\nStatus: ${status}\n`,
    data: {
      time: status === 'Unhealthy' ? '2026-12-03 10:00:00 +0000 UTC' : '2026-12-03 10:07:30 +0000 UTC',
      status,
      reason: status === 'Unhealthy' ? 'Response code mismatch error' : 'No failures',
      name: 'checkout-api',
      preview: false,
      expected_codes: status === 'Unhealthy' ? '[200]' : '',
      actual_code: status === 'Unhealthy' ? 503 : 0,
      health_check_id: '6b8107f6f348c849347af551329e2eac',
      ...data,
    },
    ts: status === 'Unhealthy' ? 1796292003 : 1796292453,
    account_id: CF_ACCOUNT,
    alert_type: 'health_check_status_notification',
    ...overrides,
  };
}
