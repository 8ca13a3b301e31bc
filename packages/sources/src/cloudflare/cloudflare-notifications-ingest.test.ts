import { ManualClock } from '@vigil/runtime';
import { DeadLetter, topicNames } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIngestServer } from '../ingest-server';
import type { SourceDefinition } from '../source-config';
import { healthCheckNotification } from '../testing/cloudflare-samples';
import { RecordingBus } from '../testing/recording-bus';

/** Cloudflare notification webhooks at ingest: the secret in cf-webhook-auth, the body limit, poison records. */

const topics = topicNames('cfn.');
const SECRET = 'cf-webhook-secret-0123456789';
const sources: SourceDefinition[] = [
  {
    name: 'cloudflare-health',
    format: 'cloudflare-notifications',
    secret: SECRET,
    auth: { type: 'header', header: 'cf-webhook-auth', secretEnv: 'CLOUDFLARE_WEBHOOK_SECRET' },
    rateLimit: { eventsPerSecond: 100_000, burst: 100_000 },
  },
];
/** `null`: no cf-webhook-auth header at all. */
const headers = (secret: string | null) => ({
  'content-type': 'application/json',
  ...(secret === null ? {} : { 'cf-webhook-auth': secret }),
});

describe('ingest: Cloudflare Health Checks notification webhooks', () => {
  let bus: RecordingBus;
  let app: FastifyInstance;

  beforeEach(() => {
    bus = new RecordingBus();
    app = buildIngestServer({
      bus,
      topics,
      sources,
      logger: silentLogger,
      clock: new ManualClock(),
      bodyLimit: 64 * 1024,
    });
  });
  afterEach(() => app.close());

  const deadLetters = () => bus.values(topics.eventsDlq).map((v) => DeadLetter.parse(v));

  async function post(payload: string, secret: string | null = SECRET) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events/cloudflare-health',
      headers: headers(secret),
      payload,
    });
    return {
      status: res.statusCode,
      body: res.json<{
        accepted?: number;
        eventIds?: string[];
        error?: { code: string; message: string; details: unknown };
      }>(),
    };
  }

  it('an Unhealthy then a Healthy notification with the secret: 202 each, the service down then up on the topic', async () => {
    const down = await post(JSON.stringify(healthCheckNotification('Unhealthy')));
    const up = await post(JSON.stringify(healthCheckNotification('Healthy')));
    expect([down.status, up.status]).toEqual([202, 202]);
    expect(bus.values(topics.events)).toEqual([
      expect.objectContaining({
        entity: { type: 'service', id: 'checkout-api' },
        outcome: 'failure',
        time: '2026-12-03T10:00:00.000Z',
      }),
      expect.objectContaining({
        entity: { type: 'service', id: 'checkout-api' },
        outcome: 'success',
        time: '2026-12-03T10:07:30.000Z',
      }),
    ]);
  });

  it('a wrong or missing cf-webhook-auth is 401 naming the header, never the secret; nothing is written', async () => {
    const body = JSON.stringify(healthCheckNotification());
    const wrong = await post(body, `${SECRET.slice(0, -1)}X`);
    const missing = await post(body, null);
    expect([wrong.status, missing.status]).toEqual([401, 401]);
    expect(wrong.body.error?.message).toMatch(/^header cf-webhook-auth: does not match/);
    expect(missing.body.error?.message).toMatch(/^header cf-webhook-auth: missing/);
    expect(JSON.stringify([wrong.body, missing.body])).not.toContain(SECRET);
    expect(bus.values(topics.events)).toEqual([]);
  });

  it("the destination's test message is 202 with nothing accepted", async () => {
    const res = await post(
      JSON.stringify({ text: 'Hello World! This is a test message sent from https://cloudflare.com.' }),
    );
    expect(res).toMatchObject({ status: 202, body: { accepted: 0 } });
    expect(bus.values(topics.events)).toEqual([]);
  });

  it('a body over the limit is 413 body_too_large', async () => {
    const huge = JSON.stringify(healthCheckNotification('Unhealthy', { reason: 'x'.repeat(80 * 1024) }));
    const res = await post(huge);
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });
    expect(bus.values(topics.events)).toEqual([]);
  });

  it.each([
    [
      'a lone surrogate in the health check name',
      '{"name":"p","text":"t","ts":1796292003,"alert_type":"health_check_status_notification","data":{"health_check_id":"h1","name":"bad\\ud800","status":"Unhealthy","time":"2026-12-03 10:00:00 +0000 UTC"}}',
      'data.name',
    ],
    [
      'a NUL in the reason',
      '{"name":"p","text":"t","ts":1796292003,"data":{"health_check_id":"h1","name":"web","status":"Unhealthy","reason":"a\\u0000b","time":"2026-12-03 10:00:00 +0000 UTC"}}',
      'data.reason',
    ],
    [
      'a time in year 275760',
      JSON.stringify(healthCheckNotification('Unhealthy', { time: undefined }, { ts: 8.64e12 })),
      '(normalised) time',
    ],
    [
      'a time before 2000',
      JSON.stringify(healthCheckNotification('Unhealthy', { time: '1970-01-01 00:00:00 +0000 UTC' })),
      '(normalised) time',
    ],
    [
      'a health check id of 5,000 characters',
      JSON.stringify(healthCheckNotification('Unhealthy', { health_check_id: 'h'.repeat(5000) })),
      'data.health_check_id',
    ],
  ])(
    '%s: 400 invalid_events naming the field, kept on the dead-letter topic, never a 500',
    async (_what, payload, path) => {
      const res = await post(payload);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_events',
        details: [{ index: 0, errors: expect.arrayContaining([expect.objectContaining({ path })]) }],
      });
      expect(bus.values(topics.events)).toEqual([]);
      expect(deadLetters()).toEqual([expect.objectContaining({ stage: 'ingest:cloudflare-health' })]);
    },
  );

  it('JSON nested 10,000 deep inside data: 400 with a bounded dead letter', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const payload = `{"name":"p","text":"t","ts":1796292003,"data":{"health_check_id":"h1","name":"web","status":"Unhealthy","extra":${deep}}}`;
    const res = await post(payload);
    expect(res.status).toBe(400);
    expect(bus.values(topics.events)).toEqual([]);
    const [letter] = deadLetters();
    expect(letter?.rawCapped).toMatchObject({ reason: expect.any(String) });
  });
});
