import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { migrate, PgIncidentStore, PgOutboundStore, type DueDelivery } from '@vigil/incidents';
import { ManualClock, type ConfigError } from '@vigil/runtime';
import { Detection, IncidentFinding } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { parseOwners } from '../owners';
import { startHttpRecorder, type RecordedRequest } from '../../../../test/fixtures/http-recorder';
import { outboundDestinations } from './outbound-destinations';
import { OutboundWorker } from './outbound-worker';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const ROUTING_KEY = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12';
const ENV = { GRC_WEBHOOK_SECRET: SECRET, PD_SECURITY_KEY: ROUTING_KEY };

/** Standard Webhooks verification written out here, independently of Vigil's signer. */
function validSignature(request: RecordedRequest, secret: string): boolean {
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  const key = Buffer.from(secret.split('_')[1] ?? '', 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest();
  return String(request.headers['webhook-signature'])
    .split(' ')
    .some((part) => {
      const [version, signature] = part.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

function owners(webhookUrl: string, extra = '') {
  return parseOwners(
    [
      'fallbackChannel: "#soc"',
      'webhooks:',
      `  grc: { url: "${webhookUrl}/hooks/vigil", secretEnv: GRC_WEBHOOK_SECRET }`,
      'owners:',
      '  - match: { rule: "identity.*" }',
      '    team: security',
      '    channel: "#sec"',
      '    webhooks: [grc]',
      '    pagerduty: { routingKeyEnv: PD_SECURITY_KEY }',
      extra,
    ].join('\n'),
    'owners.yaml',
  );
}

const detection = (id: string) =>
  Detection.parse({
    id,
    ruleId: 'identity.brute-force',
    ruleVersion: 1,
    status: 'firing',
    title: 'Brute force against alice@example.com',
    summary: '10 failed logins in 5 minutes',
    criteria: ['CC7.2'],
    category: 'security',
    severity: 'SEV2',
    dedupKey: `identity.brute-force:user:${id}`,
    entity: { type: 'user', id: 'alice@example.com' },
    ownerKey: 'okta',
    firstEventAt: '2026-01-01T00:00:00.000Z',
    detectedAt: '2026-01-01T00:05:00.000Z',
    evidence: [{ eventId: `okta:${id}`, topic: 'vigil.events', partition: 0, offset: '1', time: '2026-01-01T00:04:00.000Z' }],
  });

type Pool = ConstructorParameters<typeof PgOutboundStore>[0];

async function setUp(pool: Pool, webhookUrl: string, pagerDutyUrl: string, onDead?: (d: DueDelivery, reason: string) => Promise<void>) {
  await migrate(pool);
  const clock = new ManualClock(Date.parse('2026-01-01T00:05:00.000Z'));
  const store = new PgIncidentStore({ pool, clock, logger: silentLogger });
  const config = owners(webhookUrl);
  const worker = new OutboundWorker({
    store: new PgOutboundStore(pool),
    owners: config,
    destinations: outboundDestinations(config, ENV, 'owners.yaml'),
    logger: silentLogger,
    clock,
    retry: { attempts: 4, baseMs: 1000, maxMs: 60_000 },
    pagerDutyUrl,
    ...(onDead ? { onDead } : {}),
  });
  return { clock, store, worker };
}

describe('findings out to webhooks and PagerDuty', () => {
  test('the webhook receiver gets each incident change once, signed, in order, through an outage', async ({ database }) => {
    const receiver = await startHttpRecorder();
    const pagerduty = await startHttpRecorder(() => ({ status: 202, body: { status: 'success' } }));
    try {
      const { clock, store, worker } = await setUp(database.pool, receiver.url, pagerduty.url);
      const opened = await store.applyDetection(detection('bf-1'));
      const id = opened.incident?.id ?? '';
      await store.transition(id, 'acknowledge', { actor: 'slack:U0ALICE01' });

      // The receiver is down: nothing is lost, the first change waits and is tried again.
      await receiver.down();
      await worker.round();
      expect(receiver.requests).toHaveLength(0);
      clock.advance(1_000);
      await worker.round();
      await store.transition(id, 'resolve', { actor: 'api:alice', text: 'password reset' });
      await receiver.up();
      for (let i = 0; i < 4; i++) {
        clock.advance(10_000);
        await worker.round();
      }

      const hooks = receiver.requests;
      expect(hooks.map((r) => r.path)).toEqual(['/hooks/vigil', '/hooks/vigil', '/hooks/vigil']);
      expect(hooks.every((r) => validSignature(r, SECRET))).toBe(true);
      expect(hooks.some((r) => validSignature(r, `whsec_${randomBytes(32).toString('base64')}`))).toBe(false);
      expect(new Set(hooks.map((r) => r.headers['webhook-id'])).size).toBe(3);
      const bodies = hooks.map((r) => JSON.parse(r.body) as { type: string; data: unknown });
      expect(bodies.map((b) => b.type)).toEqual(['incident.created', 'incident.updated', 'incident.updated']);
      const findings = bodies.map((b) => IncidentFinding.parse(b.data));
      expect(findings.map((f) => [f.class_uid, f.activity_id, f.status])).toEqual([
        [2005, 1, 'New'],
        [2005, 2, 'In Progress'],
        [2005, 2, 'Resolved'],
      ]);
      expect(findings.every((f) => f.finding_info_list[0]?.uid === id)).toBe(true);
      expect(Number(hooks[0]?.headers['webhook-timestamp'])).toBe(Math.floor(clock.now() / 1000) - 30);

      // PagerDuty: trigger, acknowledge, resolve on the incident's dedup key, with the owner's routing key.
      type PagerDutyEvent = { event_action: string; dedup_key: string; routing_key: string; payload?: unknown };
      const events = pagerduty.requests.map((r) => ({ path: r.path, ...(JSON.parse(r.body) as PagerDutyEvent) }));
      expect(events.map((e) => [e.path, e.event_action, e.dedup_key, e.routing_key])).toEqual([
        ['/v2/enqueue', 'trigger', id, ROUTING_KEY],
        ['/v2/enqueue', 'acknowledge', id, ROUTING_KEY],
        ['/v2/enqueue', 'resolve', id, ROUTING_KEY],
      ]);
      expect(events[0]?.payload).toMatchObject({ summary: 'INC-1 Brute force against alice@example.com', severity: 'error', source: 'user:alice@example.com' });

      // Nothing more to send: another round sends nothing twice.
      clock.advance(60_000);
      expect(await worker.round()).toBe(0);
      expect(receiver.requests).toHaveLength(3);
    } finally {
      await receiver.stop();
      await pagerduty.stop();
    }
  });

  test('a receiver that never takes it: retried with back-off (Retry-After respected), then dead and reported', async ({ database }) => {
    const receiver = await startHttpRecorder(() => ({ status: 503, headers: { 'retry-after': '20' } }));
    const pagerduty = await startHttpRecorder(() => ({ status: 400, body: { status: 'invalid event' } }));
    const dead: Array<[string, string]> = [];
    try {
      const { clock, store, worker } = await setUp(database.pool, receiver.url, pagerduty.url, async (delivery, reason) => {
        dead.push([delivery.target, reason]);
      });
      await store.applyDetection(detection('bf-2'));
      await worker.round();
      // PagerDuty refused the event (400): dead at once. The webhook waits the 20 s it was told.
      expect(dead).toEqual([['pagerduty:PD_SECURITY_KEY', 'PagerDuty refused the event: {"status":"invalid event"}']]);
      clock.advance(10_000);
      await worker.round();
      expect(receiver.requests).toHaveLength(1);
      for (let i = 0; i < 6; i++) {
        clock.advance(60_000);
        await worker.round();
      }
      expect(receiver.requests).toHaveLength(4);
      expect(dead[1]).toEqual(['webhook:grc', 'webhook receiver answered 503']);
      const rows = await database.pool.query<{ target: string; status: string; attempts: number }>(
        'SELECT target, status, attempts FROM outbound_deliveries ORDER BY id',
      );
      expect(rows.rows).toEqual([
        { target: 'webhook:grc', status: 'dead', attempts: 4 },
        { target: 'pagerduty:PD_SECURITY_KEY', status: 'dead', attempts: 1 },
      ]);
    } finally {
      await receiver.stop();
      await pagerduty.stop();
    }
  });

  test('destinations: secrets come from the environment, checked at start, never echoed', () => {
    const config = owners('http://127.0.0.1:1');
    const problems = (env: Record<string, string>) => {
      try {
        outboundDestinations(config, env, 'owners.yaml');
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({})).toEqual([
      'owners.yaml: webhooks.grc.secretEnv: environment variable GRC_WEBHOOK_SECRET is not set',
      'owners.yaml: owners[0].pagerduty.routingKeyEnv: environment variable PD_SECURITY_KEY is not set',
    ]);
    const bad = problems({ GRC_WEBHOOK_SECRET: 'not-a-secret-\u0000', PD_SECURITY_KEY: 'short' });
    expect(bad).toEqual([
      'owners.yaml: webhooks.grc.secretEnv: GRC_WEBHOOK_SECRET: a webhook secret starts with whsec_',
      'owners.yaml: owners[0].pagerduty.routingKeyEnv: PD_SECURITY_KEY must be a 32-character routing key',
    ]);
    expect(problems({ GRC_WEBHOOK_SECRET: 'whsec_c2hvcnQ=', PD_SECURITY_KEY: ROUTING_KEY })).toEqual([
      'owners.yaml: webhooks.grc.secretEnv: GRC_WEBHOOK_SECRET: a webhook secret holds 24 to 64 bytes',
    ]);
    expect(() => owners('http://127.0.0.1:1', '  - { match: { rule: x }, team: t, channel: "#t", webhooks: [nope] }')).toThrow(
      /owners\[1\]\.webhooks\[0\]: no webhook named nope under webhooks/,
    );
    expect(() => parseOwners('fallbackChannel: "#soc"\nwebhooks:\n  grc: { url: "ftp://x", secretEnv: A }\n', 'owners.yaml')).toThrow(
      /webhooks\.grc\.url: expected an http\(s\) URL/,
    );
  });
});
