import { createBus } from '@vigil/bus';
import { systemClock } from '@vigil/runtime';
import { topicNames, VigilEvent } from '@vigil/schema';
import { recordingLogger, silentLogger } from '@vigil/telemetry';
import { afterEach, describe, expect, test } from '../../../../test/fixtures/services';
import { ensureOktaPollerSchema, loadCursor as load, type SqlPool } from '../okta-poller/cursor-store';
import { CloudflareAuditStandin } from '../testing/cloudflare-audit-standin';
import { apiV1, apiV2, CF_ACCOUNT } from '../testing/cloudflare-samples';
import { waitFor } from '../testing/local-servers';
import { readTopic } from '../testing/read-topic';
import { RecordingBus } from '../testing/recording-bus';
import { startCloudflarePoller, type CloudflarePoller, type CloudflarePollerOptions } from './cloudflare-poller';

const TOKEN = 'cf-api-token-0123456789abcdefghij';
const topics = topicNames('test.');

const standins: CloudflareAuditStandin[] = [];
const pollers: CloudflarePoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
  await Promise.all(standins.splice(0).map((s) => s.stop()));
});

async function standin(): Promise<CloudflareAuditStandin> {
  const cf = await new CloudflareAuditStandin(TOKEN, CF_ACCOUNT).start();
  standins.push(cf);
  return cf;
}

/** `count` v2 entries (sign-ins) from `fromMs`, `stepMs` apart, ids `cf-<n>`. */
function addV2(cf: CloudflareAuditStandin, count: number, fromMs: number, stepMs = 1000): void {
  for (let i = 0; i < count; i++) {
    const n = cf.entries.length;
    cf.entries.push(apiV2({ id: `cf-${n}`, action: { type: 'login', result: 'success', time: new Date(fromMs + i * stepMs).toISOString() } }));
  }
}

function poll(cf: CloudflareAuditStandin, pool: SqlPool, overrides: Partial<CloudflarePollerOptions> = {}): CloudflarePoller {
  const poller = startCloudflarePoller({
    bus: new RecordingBus(),
    topics,
    pool,
    apiUrl: cf.url,
    accountId: CF_ACCOUNT,
    token: TOKEN,
    version: 'v2',
    logger: silentLogger,
    clock: systemClock,
    pollIntervalMs: 100,
    sourceName: 'cloudflare',
    limit: 2,
    since: new Date(Date.now() - 3_600_000).toISOString(),
    settleMs: 0,
    retry: { initialMs: 50, maxMs: 200 },
    ...overrides,
  });
  pollers.push(poller);
  return poller;
}

async function loadCursor(pool: SqlPool, source: string): Promise<string | undefined> {
  await ensureOktaPollerSchema(pool);
  return load(pool, source);
}

const eventIds = (bus: RecordingBus) => bus.values(topics.events).map((v) => VigilEvent.parse(v).id);
const auditRequests = (cf: CloudflareAuditStandin) => cf.requests.map((r) => new URL(r.url, 'http://x'));

describe('Cloudflare audit log poller', () => {
  test('v2: pages by cursor; a restart resumes at the saved request: nothing lost (real Kafka, real PostgreSQL)', async ({ kafkaBrokers, uid, database }) => {
    const cf = await standin();
    addV2(cf, 5, Date.now() - 30 * 60_000);
    const kafkaTopics = topicNames(`${uid}.`);
    const bus = createBus({ brokers: kafkaBrokers, clientId: uid, logger: silentLogger });
    await bus.start();
    try {
      const first = poll(cf, database.pool, { bus, topics: kafkaTopics });
      await waitFor(() => first.stats().published === 5, 'the five entries');
      await first.stop();
      await first.stop();
      const saved = await loadCursor(database.pool, 'cloudflare');
      expect(saved).toMatch(/\/client\/v4\/accounts\/[0-9a-f]+\/logs\/audit\?since=/);
      // Cursor pages within the window: limit 2 → requests with cursor= for the 2nd and 3rd page.
      expect(auditRequests(cf).filter((u) => u.searchParams.has('cursor')).length).toBeGreaterThanOrEqual(2);

      const downAt = Date.now();
      addV2(cf, 2, downAt, 10); // happen while the poller is down
      const resumedAt = cf.requests.length;
      const second = poll(cf, database.pool, { bus, topics: kafkaTopics });
      // Until a window starting after both entries was asked for: every window up to them is done.
      await waitFor(() => auditRequests(cf).some((u) => Date.parse(u.searchParams.get('since') ?? '') > downAt + 10), 'a window past the new entries');
      await second.stop();
      expect(new URL(cf.requests[resumedAt]!.url, 'http://x').searchParams.get('since')).toBe(new URL(saved!).searchParams.get('since'));
      expect(cf.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    } finally {
      await bus.stop();
    }
    const events = await readTopic({ brokers: kafkaBrokers, topic: kafkaTopics.events, as: 'events', groupId: `${uid}-check`, count: 7, settleMs: 1_500 });
    expect([...new Set(events.map((e) => e.id))].sort()).toEqual(Array.from({ length: 7 }, (_, i) => `cloudflare:cf-${i}`).sort());
    expect(events[0]).toMatchObject({ source: 'cloudflare', kind: 'authentication', entity: { type: 'user', id: 'owner@example.com' } });
  });

  test('v1: numbered pages (per_page, page) until total_count, then the next window', async ({ database }) => {
    const cf = await standin();
    const from = Date.now() - 20 * 60_000;
    for (let i = 0; i < 5; i++) cf.entries.push(apiV1({ id: `v1-${i}`, when: new Date(from + i * 1000).toISOString() }));
    const bus = new RecordingBus();
    const poller = poll(cf, database.pool, { bus, version: 'v1' });
    await waitFor(() => poller.stats().published === 5, 'all five entries');
    await poller.stop();
    expect(eventIds(bus)).toEqual(Array.from({ length: 5 }, (_, i) => `cloudflare:v1-${i}`));
    const pages = auditRequests(cf).map((u) => [u.pathname.endsWith('/audit_logs'), u.searchParams.get('page'), u.searchParams.get('per_page')]);
    expect(pages.slice(0, 3)).toEqual([
      [true, '1', '2'],
      [true, '2', '2'],
      [true, '3', '2'],
    ]);
  });

  test('the cursor moves only after the bus acknowledged the page; an unacknowledged page comes again', async ({ database }) => {
    const cf = await standin();
    addV2(cf, 3, Date.now() - 10 * 60_000);
    const bus = new RecordingBus();
    bus.down = true;
    const first = poll(cf, database.pool, { bus });
    await waitFor(() => first.stats().failures >= 2, 'failed publishes');
    await first.stop();
    expect(await loadCursor(database.pool, 'cloudflare')).toBeUndefined();
    expect(bus.written.size).toBe(0);

    bus.down = false;
    const second = poll(cf, database.pool, { bus });
    await waitFor(() => second.stats().published === 3, 'all three entries');
    await second.stop();
    expect(eventIds(bus)).toEqual(['cloudflare:cf-0', 'cloudflare:cf-1', 'cloudflare:cf-2']);
  });

  test('a 429 makes it wait Retry-After before asking again', async ({ database }) => {
    const cf = await standin();
    addV2(cf, 1, Date.now() - 60_000);
    cf.scripted.push({ status: 429, headers: { 'retry-after': '1' } });
    const logger = recordingLogger();
    const poller = poll(cf, database.pool, { logger });
    await waitFor(() => poller.stats().published === 1, 'the entry after the 429', 15_000);
    await poller.stop();
    const [refused, retried] = cf.requests;
    expect(retried!.at - refused!.at).toBeGreaterThanOrEqual(980);
    expect(poller.stats().rateLimitWaits).toBe(1);
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg?.includes('429'))).toBe(true);
  });

  test('a refused token is logged as an error (never the token) and moves nothing; a bad entry is dead-lettered', async ({ database }) => {
    const cf = await standin();
    addV2(cf, 1, Date.now() - 60_000);
    const broken = { id: 'broken', action: { type: 'login', time: new Date(Date.now() - 30_000).toISOString() }, actor: 'not an object' };
    cf.entries.push(broken);
    const logger = recordingLogger();
    const refused = poll(cf, database.pool, { logger, token: 'wrong-token-value-0123456789' });
    await waitFor(() => cf.requests.length >= 2, 'a retry');
    await refused.stop();
    expect(logger.lines.some((l) => l.level === 'error' && l.msg?.startsWith('Cloudflare refused the API token (403)'))).toBe(true);
    expect(JSON.stringify(logger.lines)).not.toContain('wrong-token-value');
    expect(await loadCursor(database.pool, 'cloudflare')).toBeUndefined();

    const bus = new RecordingBus();
    const poller = poll(cf, database.pool, { bus });
    await waitFor(() => poller.stats().deadLettered === 1 && poller.stats().published === 1, 'one published, one dead-lettered');
    await poller.stop();
    expect(eventIds(bus)).toEqual(['cloudflare:cf-0']);
    expect(bus.values(topics.eventsDlq)).toEqual([expect.objectContaining({ stage: 'ingest:cloudflare', raw: broken })]);
  });
});
