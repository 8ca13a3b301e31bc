import { randomBytes, randomUUID } from 'node:crypto';
import { decode, KafkaBus, type IncomingMessage } from '@vigil/bus';
import { systemClock } from '@vigil/runtime';
import { topicNames, type TopicMessage } from '@vigil/schema';
import {
  buildIngestServer,
  loadSourcesConfig,
  parseSourcesConfig,
  SOURCE_FORMATS,
  type SourceDefinition,
} from '@vigil/sources';
import { silentLogger } from '@vigil/telemetry';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, inject } from 'vitest';
import {
  alertmanagerAlert,
  alertmanagerWebhook,
  awsBackupJobEvent,
} from '../../packages/sources/src/testing/availability-samples';
import { healthCheckNotification, logpushV1 } from '../../packages/sources/src/testing/cloudflare-samples';
import { consoleLogin, eventBridgeEvent } from '../../packages/sources/src/testing/cloudtrail-samples';
import { orgMemberAdded } from '../../packages/sources/src/testing/github-samples';
import { activitiesPage, loginFailure } from '../../packages/sources/src/testing/google-workspace-samples';
import { credentials } from '../../packages/sources/src/testing/credentials';
import { genericEvent, oktaHookDelivery, oktaLogEvent } from '../../packages/sources/src/testing/samples';
import { describe, expect, test } from '../fixtures/services';

/**
 * One ingest server over real HTTP, writing to the kcat mock Kafka broker; one consumer group reads
 * the events and dead-letter topics for the whole file. Every source format is configured with the
 * authentication its sender really uses.
 */

// Same shape as the `uid` fixture; file-wide because the server, topics and consumer are shared.
const runId = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const topics = topicNames(`${runId}.`);

const secrets: Record<string, string> = {
  OKTA_HOOK_SECRET: `okta-${randomBytes(16).toString('hex')}`,
  GENERIC_TOKEN: `generic-${randomBytes(16).toString('hex')}`,
  AWS_EVENTS_TOKEN: `aws-${randomBytes(16).toString('hex')}`,
  GITHUB_WEBHOOK_SECRET: `github-${randomBytes(16).toString('hex')}`,
  GOOGLE_WORKSPACE_HMAC_SECRET: `google-${randomBytes(16).toString('hex')}`,
  ALERTMANAGER_TOKEN: `alertmanager-${randomBytes(16).toString('hex')}`,
  BACKUPS_TOKEN: `backups-${randomBytes(16).toString('hex')}`,
  CLOUDFLARE_LOGPUSH_TOKEN: `cloudflare-${randomBytes(16).toString('hex')}`,
  CLOUDFLARE_WEBHOOK_SECRET: `cf-webhook-${randomBytes(16).toString('hex')}`,
};

const SOURCES_YAML = `
sources:
  generic:
    format: generic
    auth: { type: bearer, secretEnv: GENERIC_TOKEN }
  okta:
    format: okta-event-hook
    auth: { type: header, header: Authorization, secretEnv: OKTA_HOOK_SECRET }
  aws:
    format: cloudtrail
    auth: { type: bearer, secretEnv: AWS_EVENTS_TOKEN }
  github:
    format: github
    auth: { type: github-signature, secretEnv: GITHUB_WEBHOOK_SECRET }
  google:
    format: google-workspace
    auth: { type: hmac-sha256, secretEnv: GOOGLE_WORKSPACE_HMAC_SECRET, toleranceSeconds: 300 }
  alertmanager:
    format: alertmanager
    auth: { type: bearer, secretEnv: ALERTMANAGER_TOKEN }
  backups:
    format: backup
    auth: { type: bearer, secretEnv: BACKUPS_TOKEN }
  cloudflare:
    format: cloudflare
    auth: { type: bearer, secretEnv: CLOUDFLARE_LOGPUSH_TOKEN }
  cloudflare-health:
    format: cloudflare-notifications
    auth: { type: header, header: cf-webhook-auth, secretEnv: CLOUDFLARE_WEBHOOK_SECRET }
`;
const sources = parseSourcesConfig(SOURCES_YAML, 'sources-to-kafka.yaml', secrets);
const byName = new Map(sources.map((s) => [s.name, s]));

function source(name: string): SourceDefinition {
  const found = byName.get(name);
  if (!found) throw new Error(`no source ${name} in the test config`);
  return found;
}

/** The header a 401 must name when the credential is wrong. */
function credentialHeader(def: SourceDefinition): string {
  switch (def.auth.type) {
    case 'header':
      return def.auth.header;
    case 'bearer':
      return 'authorization';
    case 'hmac-sha256':
      return def.auth.signatureHeader;
    case 'github-signature':
      return 'x-hub-signature-256';
    case 'standard-webhooks':
      return 'webhook-signature';
  }
}

let app: FastifyInstance;
let baseUrl: string;
let producer: KafkaBus;
let consumer: KafkaBus;
const received: IncomingMessage[] = [];

interface IngestAnswer {
  accepted?: number;
  rejected?: number;
  eventIds?: string[];
  error?: { code: string; message: string; details?: unknown };
}

async function post(
  name: string,
  payload: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: IngestAnswer }> {
  const res = await fetch(`${baseUrl}/v1/events/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as IngestAnswer };
}

function eventsOnTopic(): Array<TopicMessage<'events'>> {
  return received
    .filter((m) => m.topic === topics.events)
    .map((m) => {
      const decoded = decode('events', m);
      if (!decoded.ok)
        throw new Error(`${topics.events} holds a record that does not decode: ${decoded.reason}`);
      return decoded.value;
    });
}

function deadLettersOnTopic(): Array<TopicMessage<'eventsDlq'>> {
  return received
    .filter((m) => m.topic === topics.eventsDlq)
    .map((m) => {
      const decoded = decode('eventsDlq', m);
      if (!decoded.ok)
        throw new Error(`${topics.eventsDlq} holds a record that does not decode: ${decoded.reason}`);
      return decoded.value;
    });
}

/** Polls what the consumer has read until `pick` finds everything it wants, or fails after `timeoutMs`. */
async function eventually<T>(pick: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pick();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function eventsWithIds(ids: string[]): Promise<Array<TopicMessage<'events'>>> {
  return eventually(
    () => {
      const all = eventsOnTopic();
      const found = ids.map((id) => all.find((e) => e.id === id));
      return found.every((e) => e !== undefined) ? (found as Array<TopicMessage<'events'>>) : undefined;
    },
    `events ${ids.join(', ')} on ${topics.events}`,
  );
}

interface Case {
  format: (typeof SOURCE_FORMATS)[number];
  name: string;
  payload: () => unknown;
  extraHeaders?: () => Record<string, string>;
  kind: string;
  entity: { type: string; id: string };
  /** The item of the delivery that the event keeps as `raw`. */
  raw: (payload: unknown) => unknown;
}

/** `value[path[0]][path[1]]...`, for picking an item out of a sample delivery. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], value);
}

const cases: Case[] = [
  {
    format: 'generic',
    name: 'generic',
    payload: () => [genericEvent({ id: `${runId}-${randomUUID()}` })],
    raw: (p) => at(p, 0),
    kind: 'authentication',
    entity: { type: 'user', id: 'bob@example.com' },
  },
  {
    format: 'okta-event-hook',
    name: 'okta',
    payload: () => oktaHookDelivery([oktaLogEvent({ uuid: randomUUID() })]),
    raw: (p) => at(p, 'data', 'events', 0),
    kind: 'authentication',
    entity: { type: 'user', id: 'alice@example.com' },
  },
  {
    format: 'cloudtrail',
    name: 'aws',
    payload: () =>
      eventBridgeEvent(consoleLogin({ eventID: randomUUID() }), 'AWS Console Sign In via CloudTrail'),
    kind: 'authentication',
    entity: { type: 'user', id: 'arn:aws:iam::111122223333:user/JaneDoe' },
    raw: (p) => p,
  },
  {
    format: 'github',
    name: 'github',
    payload: () => orgMemberAdded('hacktocat', 'admin'),
    extraHeaders: () => ({
      'x-github-event': 'organization',
      'x-github-delivery': randomUUID(),
      'user-agent': 'GitHub-Hookshot/5b7e1a2',
    }),
    kind: 'account_change',
    entity: { type: 'user', id: 'hacktocat' },
    raw: (p) => p,
  },
  {
    format: 'google-workspace',
    name: 'google',
    payload: () => activitiesPage([loginFailure()]),
    raw: (p) => at(p, 'items', 0),
    kind: 'authentication',
    entity: { type: 'user', id: 'alice@example.com' },
  },
  {
    format: 'alertmanager',
    name: 'alertmanager',
    payload: () => alertmanagerWebhook([alertmanagerAlert({ fingerprint: randomBytes(8).toString('hex') })]),
    kind: 'uptime_check',
    entity: { type: 'service', id: 'checkout-api' },
    raw: (p) => at(p, 'alerts', 0),
  },
  {
    format: 'backup',
    name: 'backups',
    payload: () => awsBackupJobEvent({}, { id: randomUUID() }),
    kind: 'backup',
    entity: { type: 'resource', id: 'arn:aws:rds:eu-west-1:123456789012:db:db-main' },
    raw: (p) => p,
  },
  {
    format: 'cloudflare',
    name: 'cloudflare',
    // As JSON here; test/e2e/cloudflare-cuecs.e2e.test.ts sends what Logpush sends (gzip NDJSON).
    payload: () => [logpushV1({ ID: randomUUID() })],
    raw: (p) => at(p, 0),
    kind: 'authentication',
    entity: { type: 'user', id: 'alice@example.com' },
  },
  {
    format: 'cloudflare-notifications',
    name: 'cloudflare-health',
    payload: () => healthCheckNotification('Unhealthy', { health_check_id: randomUUID() }),
    raw: (p) => p,
    kind: 'uptime_check',
    entity: { type: 'service', id: 'checkout-api' },
  },
];

describe('sources over HTTP to the Kafka events topic', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const brokers = inject('kafkaBrokers');
    const busOptions = {
      brokers,
      logger: silentLogger,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 250,
    };
    producer = new KafkaBus({ ...busOptions, clientId: `${runId}-ingest` });
    consumer = new KafkaBus({ ...busOptions, clientId: `${runId}-reader` });
    await Promise.all([producer.start(), consumer.start()]);
    await consumer.subscribe({
      groupId: `${runId}-reader`,
      topics: [topics.events, topics.eventsDlq],
      fromBeginning: true,
      eachBatch: async (batch) => {
        received.push(...batch.messages);
      },
    });
    app = buildIngestServer({
      bus: producer,
      topics,
      sources,
      logger: silentLogger,
      clock: systemClock,
      bodyLimit: 1024 * 1024,
    });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  }, 45_000);

  afterAll(async () => {
    await app?.close();
    await Promise.allSettled([consumer?.stop(), producer?.stop()]);
  }, 30_000);

  test('the test configures every source format', () => {
    expect(new Set(sources.map((s) => s.format))).toEqual(new Set(SOURCE_FORMATS));
    expect(cases.map((c) => c.format).sort()).toEqual([...SOURCE_FORMATS].sort());
  });

  test('config/sources.example.yaml lists a source for every format, each with a credential', () => {
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      get: (_t, name) => (typeof name === 'string' ? `example-secret-for-${name}` : undefined),
    });
    const example = loadSourcesConfig('config/sources.example.yaml', env);
    expect(new Set(example.map((s) => s.format))).toEqual(new Set(SOURCE_FORMATS));
    expect(example.map((s) => s.name)).toEqual(expect.arrayContaining(['okta', 'probes', 'scripts']));
  });

  test.each(cases)(
    '$format ($name): 202 puts the events on the topic; a wrong credential is 401 naming the header',
    async ({ name, payload, extraHeaders, kind, entity, raw }) => {
      const def = source(name);
      const sent = payload();
      const body = JSON.stringify(sent);
      const extra = extraHeaders?.() ?? {};

      const res = await post(name, body, { ...extra, ...credentials(def, body, def.secret) });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.accepted).toBeGreaterThan(0);
      const eventIds = res.body.eventIds ?? [];
      expect(eventIds).toHaveLength(res.body.accepted ?? -1);

      const events = await eventsWithIds(eventIds);
      expect(events).toHaveLength(1);
      // Each sample delivery holds one item; the event keeps it unchanged as `raw`.
      expect(events[0]).toMatchObject({ id: eventIds[0], source: name, kind, entity, raw: raw(sent) });

      const wrong = await post(name, body, { ...extra, ...credentials(def, body, `${def.secret}-wrong`) });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error?.code).toBe('unauthenticated');
      expect(wrong.body.error?.message).toMatch(new RegExp(`^header ${credentialHeader(def)}: `));
      expect(JSON.stringify(wrong.body)).not.toContain(def.secret);
    },
  );

  test('a batch with one invalid item: 400 invalid_events, the valid ones on the events topic, the invalid one dead-lettered with its reason', async ({
    uid,
  }) => {
    const def = source('generic');
    const batch = [
      genericEvent({ id: `${uid}-a` }),
      genericEvent({ id: `${uid}-b`, time: 'not-a-time' }),
      genericEvent({ id: `${uid}-c`, entity: { type: 'user', id: 'carol@example.com' } }),
    ];
    const body = JSON.stringify(batch);
    const res = await post('generic', body, credentials(def, body, def.secret));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { code: 'invalid_events', details: [{ index: 1, errors: [{ path: 'time' }] }] },
      accepted: 2,
      rejected: 1,
    });

    const valid = await eventsWithIds([`generic:${uid}-a`, `generic:${uid}-c`]);
    expect(valid.map((e) => e.entity.id)).toEqual(['bob@example.com', 'carol@example.com']);
    expect(valid.map((e) => e.raw)).toEqual([batch[0], batch[2]]);

    const dead = await eventually(
      () => deadLettersOnTopic().find((d) => (d.raw as { id?: string } | null)?.id === `${uid}-b`),
      `the dead letter for ${uid}-b on ${topics.eventsDlq}`,
    );
    expect(dead).toMatchObject({
      stage: 'ingest:generic',
      source: 'generic',
      reason: expect.stringContaining('item 1'),
      errors: [expect.objectContaining({ path: 'time' })],
      raw: batch[1],
    });
    // The invalid item never reaches the events topic.
    expect(eventsOnTopic().some((e) => e.id === `generic:${uid}-b`)).toBe(false);
  });
});
