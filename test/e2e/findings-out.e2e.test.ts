import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { IncidentFinding } from '@vigil/schema';
import { startHttpRecorder, type RecordedRequest } from '../fixtures/http-recorder';
import { afterEach, describe, expect, test } from '../fixtures/services';
import { apiGet, apiPost, eventually, postEvents, startHarness, type Harness } from './pipeline-harness';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const ROUTING_KEY = 'E2EPAGERDUTYROUTINGKEY0123456789';
const CHANGE_KINDS = new Set(['detected', 'detection-added', 'reopened', 'acknowledged', 'contained', 'resolved', 'details-updated', 'closed', 'dismissed']);

/** Standard Webhooks, checked as a receiver would, without Vigil's code. */
function signedBySecret(request: RecordedRequest): boolean {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${String(request.headers['webhook-id'])}.${String(request.headers['webhook-timestamp'])}.${request.body}`)
    .digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(request.headers['webhook-timestamp'])) < 300;
  return fresh && String(request.headers['webhook-signature']).split(' ').some((part) => {
    const given = Buffer.from(part.replace(/^v1,/, ''), 'base64');
    return part.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('findings out, end to end', { timeout: 90_000 }, () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  test('each incident change reaches the owner webhook once, signed, after an outage, and pages PagerDuty', async ({
    uid,
    redisUrl,
    database,
  }) => {
    const receiver = await startHttpRecorder();
    const pagerduty = await startHttpRecorder(() => ({ status: 202, body: { status: 'success' } }));
    await receiver.down();
    try {
      harness = await startHarness({
        uid,
        redisUrl,
        databaseUrl: database.url,
        ownersYaml: [
          "fallbackChannel: '#e2e-fallback'",
          'webhooks:',
          `  grc: { url: '${receiver.url}/vigil', secretEnv: E2E_GRC_SECRET }`,
          'owners:',
          "  - match: { rule: 'identity.*' }",
          '    team: security',
          "    channel: '#e2e-security'",
          '    webhooks: [grc]',
          '    pagerduty: { routingKeyEnv: E2E_PD_KEY }',
          '',
        ].join('\n'),
        env: {
          E2E_GRC_SECRET: SECRET,
          E2E_PD_KEY: ROUTING_KEY,
          PAGERDUTY_EVENTS_URL: pagerduty.url,
          OUTBOUND_INTERVAL_MS: '200',
          OUTBOUND_RETRY_BASE_MS: '300',
        },
      });
      const h = harness;
      const now = Date.now();
      const logins = Array.from({ length: 6 }, (_, i) => ({
        id: `${uid}-fail-${i}`,
        kind: 'authentication',
        action: 'login',
        time: new Date(now - (60 - i) * 1000).toISOString(),
        entity: { type: 'user', id: 'eve@example.com' },
        outcome: 'failure',
      }));
      expect((await postEvents(h, logins)).status).toBe(202);
      const incident = await eventually(async () => {
        const { body } = await apiGet<{ incidents: Array<{ id: string; ruleId: string }> }>(h, '/v1/incidents?limit=10');
        return body.incidents.find((i) => i.ruleId === 'identity.brute-force');
      }, 30_000, 'the incident');
      expect((await apiPost(h, `/v1/incidents/${incident.id}/ack`, { text: 'on it' })).status).toBe(200);
      // The receiver was down all along; now it comes back and everything arrives.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(receiver.requests).toHaveLength(0);
      await receiver.up();
      expect((await apiPost(h, `/v1/incidents/${incident.id}/resolve`, { rootCause: 'password spraying from a VPN' })).status).toBe(200);

      // Every change of the incident (its timeline entries that are Incident Findings), once each, in order.
      const { body } = await apiGet<{ incident: { timeline: Array<{ id: number; kind: string }> } }>(h, `/v1/incidents/${incident.id}`);
      const changes = body.incident.timeline.filter((e) => CHANGE_KINDS.has(e.kind));
      expect(changes.map((e) => e.kind)).toEqual(expect.arrayContaining(['detected', 'acknowledged', 'resolved']));
      const hooks = await eventually(async () => (receiver.requests.length >= changes.length ? receiver.requests : undefined), 30_000, 'the webhooks');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(receiver.requests).toHaveLength(changes.length);
      expect(hooks.every(signedBySecret)).toBe(true);
      expect(new Set(hooks.map((r) => r.headers['webhook-id'])).size).toBe(changes.length);
      const findings = hooks.map((r) => IncidentFinding.parse((JSON.parse(r.body) as { data: unknown }).data));
      expect(findings.map((f) => f.metadata.uid)).toEqual(changes.map((e) => `${incident.id}:${e.id}`));
      expect(findings.every((f) => f.finding_info_list[0]?.uid === incident.id)).toBe(true);
      expect([findings[0]?.status, findings.at(-1)?.status]).toEqual(['New', 'Resolved']);

      const events = await eventually(async () => (pagerduty.requests.length >= 3 ? pagerduty.requests : undefined), 10_000, 'PagerDuty');
      expect(events.map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string; routing_key: string }).map((e) => [e.event_action, e.dedup_key, e.routing_key])).toEqual([
        ['trigger', incident.id, ROUTING_KEY],
        ['acknowledge', incident.id, ROUTING_KEY],
        ['resolve', incident.id, ROUTING_KEY],
      ]);
    } finally {
      await receiver.stop();
      await pagerduty.stop();
    }
  });
});
