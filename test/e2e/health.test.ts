import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBus } from '@vigil/bus';
import { VigilMetrics } from '@vigil/health';
import { loadApiConfig, loadDetectorConfig, startApi, startDetector, type RunningService } from '@vigil/pipeline';
import { systemClock } from '@vigil/runtime';
import { silentLogger } from '@vigil/telemetry';
import { freePort, startPrivatePostgres, startPrivateRedis, type PrivateServer } from '../fixtures/private-servers';
import { afterEach, describe, expect, test } from '../fixtures/services';
import { apiGet, eventually, postEvents, startHarness, type Harness } from './pipeline-harness';


const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function failedLogins(user: string, count: number, idPrefix: string): unknown[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${idPrefix}-${i}`,
    kind: 'authentication',
    action: 'login',
    time: new Date(Date.now() - (5 - i * 0.5) * 60_000).toISOString(),
    entity: { type: 'user', id: user },
    outcome: 'failure',
    actor: { user, ip: '203.0.113.9' },
  }));
}

/** The value of one sample of the exposition text, matched on the labels given (others may be there too). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = Object.entries(labels).every(([key, value]) => match[2]!.split(',').includes(`${key}="${value}"`));
    if (has) return Number(match[3]);
  }
  return undefined;
}

describe('health and metrics', { timeout: 120_000 }, () => {
  test('/metrics after traffic counts events by stage and source, the incident opened and its Slack message', async ({ uid, redisUrl, database }) => {
    const harness: Harness = await startHarness({ uid, redisUrl, databaseUrl: database.url });
    cleanups.push(() => harness.stop());
    expect((await postEvents(harness, failedLogins('mallory@example.com', 6, `${uid}-m`))).status).toBe(202);
    await eventually(async () => (harness.slack.callsTo('chat.postMessage').some((c) => c.ok) ? true : undefined), 30_000, 'the Slack post');

    // The delivery is journalled just after the Slack call returns.
    const text = await eventually(async () => {
      const response = await fetch(`${harness.vigil.apiUrl}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const body = await response.text();
      return sample(body, 'vigil_notifications_sent_total', { channel: 'slack' }) ? body : undefined;
    }, 10_000, 'the delivery counted');
    expect(sample(text, 'vigil_events_total', { stage: 'ingest', source: 'probes', outcome: 'in' })).toBe(6);
    expect(sample(text, 'vigil_events_total', { stage: 'ingest', source: 'probes', outcome: 'out' })).toBe(6);
    expect(sample(text, 'vigil_events_total', { stage: 'detector', source: 'probes', outcome: 'in' })).toBe(6);
    expect(sample(text, 'vigil_events_total', { stage: 'detector', source: 'probes', outcome: 'out' })).toBe(6);
    expect(sample(text, 'vigil_events_total', { stage: 'alerter', source: 'identity.brute-force', outcome: 'out' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'vigil_incidents_opened_total', { rule: 'identity.brute-force' })).toBe(1);
    expect(sample(text, 'vigil_notifications_sent_total', { channel: 'slack' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'vigil_batch_duration_seconds_count', { stage: 'detector' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'vigil_batch_duration_seconds_count', { stage: 'ingest' })).toBe(1);

    // A body that is not JSON is dead-lettered, and counted so.
    const bad = await fetch(`${harness.vigil.ingestUrl}/v1/events/probes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer e2e-probes-token-0123456789' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    const after = await (await fetch(`${harness.vigil.ingestUrl}/metrics`)).text();
    expect(sample(after, 'vigil_events_total', { stage: 'ingest', source: 'probes', outcome: 'dead_lettered' })).toBe(1);

    const ready = await fetch(`${harness.vigil.apiUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: { ok: true }, redis: { ok: true } } });
    expect((await fetch(`${harness.vigil.ingestUrl}/livez`)).status).toBe(200);
  });

  test('a source silent past the expectedIntervalSeconds of the sources file is an incident', async ({ uid, redisUrl, database }) => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-silent-'));
    writeFileSync(
      join(dir, 'sources.yaml'),
      'sources:\n  probes:\n    format: generic\n    auth: { type: bearer, secretEnv: E2E_PROBES_TOKEN }\n    expectedIntervalSeconds: 1\n',
    );
    writeFileSync(join(dir, 'rules.yaml'), 'rules:\n  logging.source-silent:\n    parameters: { grace: 1s }\n');
    const harness = await startHarness({
      uid,
      redisUrl,
      databaseUrl: database.url,
      env: { SOURCES_FILE: join(dir, 'sources.yaml'), RULES_FILE: join(dir, 'rules.yaml'), DETECTOR_TICK_MS: '200' },
    });
    cleanups.push(() => harness.stop());
    const heartbeat = { id: `${uid}-hb`, kind: 'heartbeat', action: 'heartbeat', time: new Date().toISOString(), entity: { type: 'source', id: 'probes' }, outcome: 'success' };
    expect((await postEvents(harness, [heartbeat])).status).toBe(202);
    const incident = await eventually(
      async () => {
        const { body } = await apiGet<{ incidents: Array<{ ruleId: string; entity: { id: string }; category: string }> }>(harness, '/v1/incidents');
        return body.incidents.find((i) => i.ruleId === 'logging.source-silent');
      },
      30_000,
      'the source-silent incident',
    );
    expect(incident).toMatchObject({ entity: { id: 'probes' }, category: 'logging' });
  });

  test('the watchdog in the alerter raises a dead-letter incident and Slack hears of it; lag is on /metrics', async ({ uid, kafkaBrokers, redisUrl, database }) => {
    const harness = await startHarness({
      uid,
      kafkaBrokers,
      redisUrl,
      databaseUrl: database.url,
      env: { WATCHDOG_ENABLED: 'true', WATCHDOG_INTERVAL_MS: '200', WATCHDOG_DLQ_PER_MINUTE: '0', WATCHDOG_RESOLVE_AFTER_MS: '600000' },
    });
    cleanups.push(() => harness.stop());
    // An item without a kind is refused and kept on the dead-letter topic; the second arrives in a later round.
    for (const id of ['bad-1', 'bad-2']) {
      expect((await postEvents(harness, [{ id: `${uid}-${id}`, time: new Date().toISOString() }])).status).toBe(400);
      await new Promise((r) => setTimeout(r, 600));
    }
    const incident = await eventually(
      async () => {
        const { body } = await apiGet<{ incidents: Array<{ ruleId: string; dedupKey: string; category: string; criteria: string[]; seq: number }> }>(harness, '/v1/incidents');
        return body.incidents.find((i) => i.ruleId === 'pipeline.dead-letter-rate');
      },
      30_000,
      'the pipeline incident',
    );
    expect(incident).toMatchObject({ dedupKey: `pipeline.dead-letter-rate:${uid}.vigil.events.dlq`, category: 'logging', criteria: ['CC7.2'] });
    const post = await eventually(
      async () => harness.slack.callsTo('chat.postMessage').find((c) => c.ok && String(c.args.text).includes(`INC-${incident.seq}`)),
      20_000,
      'the Slack post of the pipeline incident',
    );
    expect(post.args.channel).toBe('#e2e-fallback');
    // Still one incident a few rounds later.
    await new Promise((r) => setTimeout(r, 1000));
    const { body } = await apiGet<{ incidents: Array<{ ruleId: string }> }>(harness, '/v1/incidents');
    expect(body.incidents.filter((i) => i.ruleId.startsWith('pipeline.'))).toHaveLength(1);
    const metrics = await (await fetch(`${harness.vigil.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`vigil_consumer_lag\\{group="${uid}-detector",topic="${uid}\\.vigil\\.events",partition="0"`));
    expect(sample(metrics, 'vigil_pipeline_fault', { rule: 'pipeline.dead-letter-rate' })).toBeDefined();
  });

  test("the detector's admin port: /readyz answers 503 naming Redis while it is down, 200 again once it is back", async ({ uid }) => {
    const redis: PrivateServer = await startPrivateRedis();
    cleanups.push(() => redis.dispose());
    const bus = new EmbeddedBus({ logger: silentLogger });
    await bus.start();
    cleanups.push(() => bus.stop());
    const adminPort = await freePort();
    const config = loadDetectorConfig({
      REDIS_URL: redis.url,
      DETECTOR_ADMIN_PORT: String(adminPort),
      DETECTOR_GROUP: `${uid}-detector`,
      DETECTOR_KEY_PREFIX: `${uid}:det:`,
      TOPIC_PREFIX: `${uid}.`,
    });
    const detector: RunningService = await startDetector(config, {
      bus,
      logger: silentLogger,
      clock: systemClock,
      metrics: new VigilMetrics({ service: 'detector', defaultMetrics: false }),
    });
    // Stopped with Redis up again (below), or by the cleanup once it is.
    cleanups.push(() => detector.stop());
    const admin = `http://127.0.0.1:${adminPort}`;
    expect((await fetch(`${admin}/readyz`)).status).toBe(200);

    await redis.kill();
    const down = await fetch(`${admin}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'not_ready', down: ['redis'], checks: { redis: { ok: false } } });
    expect((await fetch(`${admin}/livez`)).status).toBe(200);
    expect(await (await fetch(`${admin}/metrics`)).text()).toMatch(/vigil_dependency_errors_total\{dependency="redis",operation="connection"[^}]*\} [1-9]/);

    await redis.start();
    await eventually(async () => ((await fetch(`${admin}/readyz`)).status === 200 ? true : undefined), 20_000, 'ready again');
  });

  test('the api answers 503 with Retry-After to every request while its database is down', async ({ uid, redisUrl }) => {
    const postgres = await startPrivatePostgres();
    cleanups.push(() => postgres.dispose());
    const token = `${uid}-admin-token-0123456789`;
    const config = loadApiConfig({
      DATABASE_URL: postgres.url,
      REDIS_URL: redisUrl,
      API_PORT: '0',
      NOTIFY_QUEUE: `${uid}-notify`,
      API_TOKENS: `ops:admin:${createHash('sha256').update(token).digest('hex')}`,
    });
    const api = await startApi(config, { logger: silentLogger, clock: systemClock, metrics: new VigilMetrics({ service: 'api', defaultMetrics: false }) });
    cleanups.push(() => api.stop());
    const get = (path: string) => fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get('/v1/incidents')).status).toBe(200);

    await postgres.kill();
    for (const path of ['/v1/incidents', '/v1/incidents/00000000-0000-4000-8000-000000000000', '/v1/chain/verify']) {
      const response = await get(path);
      expect(response.status, path).toBe(503);
      expect(response.headers.get('retry-after'), path).toBe('5');
      expect(await response.json(), path).toEqual({
        error: { code: 'database_unavailable', message: 'the incident register is unavailable right now; retry later' },
      });
    }
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ down: ['postgres'] });

    await postgres.start();
    await eventually(async () => ((await get('/v1/incidents')).status === 200 ? true : undefined), 20_000, 'the api back');
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
  });
});
