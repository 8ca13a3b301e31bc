import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topicNames } from '@vigil/schema';
import { CloudflareAuditStandin } from '../../packages/sources/src/testing/cloudflare-audit-standin';
import { apiV2, CF_ACCOUNT, logpushBody, logpushV1, logpushValidationBody } from '../../packages/sources/src/testing/cloudflare-samples';
import { readTopic } from '../../packages/sources/src/testing/read-topic';
import { afterEach, describe, expect, test } from '../fixtures/services';
import { apiGet, eventually, startHarness } from './pipeline-harness';

const LOGPUSH_TOKEN = 'e2e-cloudflare-logpush-token-0123456789';
const API_TOKEN = 'e2e-cloudflare-api-token-0123456789';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface IncidentRow {
  id: string;
  ruleId: string;
  entity: { type: string; id: string };
  category: string;
}

/** What Logpush sends: the gzip file, with the headers the destination's header_* parameters set. */
function logpush(url: string, body: Buffer, token = LOGPUSH_TOKEN): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip', authorization: `Bearer ${token}` },
    body,
  });
}

describe('Cloudflare as a source, through the whole pipeline on Kafka', { timeout: 90_000 }, () => {
  test('Logpush deliveries and the audit-log poller become events; 2FA removed, a Logpush job disabled and a silent dataset open incidents', async ({
    uid,
    kafkaBrokers,
    redisUrl,
    database,
  }) => {
    // The Audit Logs API stand-in holds one entry: a Logpush job switched off through the API (v2 shape).
    const cloudflare = await new CloudflareAuditStandin(API_TOKEN, CF_ACCOUNT).start();
    cleanups.push(() => cloudflare.stop());
    const disabledAt = new Date(Date.now() - 3 * 60_000).toISOString();
    cloudflare.entries.push(
      apiV2({
        id: `${uid}-job-off`,
        action: { type: 'update', result: 'success', time: disabledAt, description: 'Update Logpush job' },
        resource: { id: '7731', product: 'logpush', type: 'logpush_job', request: { enabled: false } },
      }),
    );

    const dir = mkdtempSync(join(tmpdir(), 'vigil-cloudflare-'));
    writeFileSync(
      join(dir, 'sources.yaml'),
      [
        'sources:',
        '  cloudflare:',
        '    format: cloudflare',
        '    auth: { type: bearer, secretEnv: E2E_CF_LOGPUSH_TOKEN }',
        '  cloudflare-http-logs:',
        '    format: cloudflare',
        '    auth: { type: bearer, secretEnv: E2E_CF_LOGPUSH_TOKEN }',
        '    expectedIntervalSeconds: 1',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'rules.yaml'), 'rules:\n  logging.source-silent:\n    parameters: { grace: 1s }\n');
    const harness = await startHarness({
      uid,
      kafkaBrokers,
      redisUrl,
      databaseUrl: database.url,
      env: {
        SOURCES_FILE: join(dir, 'sources.yaml'),
        RULES_FILE: join(dir, 'rules.yaml'),
        DETECTOR_TICK_MS: '200',
        E2E_CF_LOGPUSH_TOKEN: LOGPUSH_TOKEN,
        CLOUDFLARE_ACCOUNT_ID: CF_ACCOUNT,
        CLOUDFLARE_API_TOKEN: API_TOKEN,
        CLOUDFLARE_API_URL: cloudflare.url,
        CLOUDFLARE_POLL_INTERVAL_MS: '1000',
      },
    });
    cleanups.push(() => harness.stop());
    const audit = `${harness.vigil.ingestUrl}/v1/events/cloudflare`;

    // Creating the job: Logpush validates the destination with its test file; nothing becomes an event.
    const validation = await logpush(audit, logpushValidationBody());
    expect(validation.status).toBe(202);
    expect(await validation.json()).toEqual({ accepted: 0, eventIds: [] });

    // A wrong header is refused and names the header.
    const refused = await logpush(audit, logpushBody([logpushV1()]), 'not-the-token-0123456789');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('header authorization: does not match the configured credential');

    // A batch of the audit_logs dataset: a sign-in, and a member's two-factor authentication removed.
    const now = Date.now();
    const signIn = logpushV1({ ID: `${uid}-login`, When: new Date(now - 60_000).toISOString() });
    const tfaRemoved = logpushV1({
      ID: `${uid}-tfa`,
      When: new Date(now - 50_000).toISOString(),
      ActionType: 'delete',
      ResourceType: 'two_factor',
      ResourceID: 'tfa-bob',
      Metadata: { email: 'bob@example.com' },
      ActorEmail: 'admin@example.com',
    });
    const delivered = await logpush(audit, logpushBody([signIn, tfaRemoved]));
    expect(delivered.status).toBe(202);
    expect(await delivered.json()).toEqual({ accepted: 2, eventIds: [`cloudflare:${uid}-login`, `cloudflare:${uid}-tfa`] });

    // Another dataset (HTTP requests) delivered once, then nothing: the customer's log copy stops arriving.
    const copy = await logpush(`${harness.vigil.ingestUrl}/v1/events/cloudflare-http-logs`, logpushBody([{ RayID: `${uid}-ray`, ClientIP: '192.0.2.1', EdgeResponseStatus: 200 }]));
    expect(copy.status).toBe(202);

    const incidents = await eventually(
      async () => {
        const { body } = await apiGet<{ incidents: IncidentRow[] }>(harness, '/v1/incidents');
        const byRule = (rule: string) => body.incidents.find((i) => i.ruleId === rule);
        const found = [byRule('identity.mfa-removed'), byRule('logging.audit-disabled'), byRule('logging.source-silent')];
        return found.every(Boolean) ? (found as IncidentRow[]) : undefined;
      },
      45_000,
      'the 2FA-removed, audit-disabled and source-silent incidents',
    );
    const [mfa, auditOff, silent] = incidents;
    expect(mfa).toMatchObject({ entity: { type: 'user', id: 'bob@example.com' }, category: 'security' });
    expect(auditOff).toMatchObject({ entity: { type: 'resource', id: 'cloudflare-logpush-job:7731' }, category: 'logging' });
    expect(silent).toMatchObject({ entity: { type: 'source', id: 'cloudflare-http-logs' }, category: 'logging' });

    // The poller asked the stand-in with the token, and its entry is on the events topic beside the delivered ones.
    expect(cloudflare.requests.length).toBeGreaterThan(0);
    expect(cloudflare.requests.every((r) => r.authorization === `Bearer ${API_TOKEN}`)).toBe(true);
    const events = await readTopic({ brokers: kafkaBrokers, topic: topicNames(`${uid}.`).events, as: 'events', groupId: `${uid}-check`, count: 4, settleMs: 500 });
    const ids = new Set(events.map((e) => e.id));
    expect(ids).toEqual(new Set([`cloudflare:${uid}-login`, `cloudflare:${uid}-tfa`, `cloudflare:${uid}-job-off`, ...events.filter((e) => e.kind === 'heartbeat').map((e) => e.id)]));
    const polled = events.find((e) => e.id === `cloudflare:${uid}-job-off`);
    expect(polled).toMatchObject({ source: 'cloudflare', time: new Date(disabledAt).toISOString(), attributes: { 'vigil.change': 'audit-log-stopped', 'vigil.vendor': 'cloudflare' } });
    expect(events.find((e) => e.kind === 'heartbeat')).toMatchObject({ source: 'cloudflare-http-logs', entity: { type: 'source', id: 'cloudflare-http-logs' } });
  });
});
