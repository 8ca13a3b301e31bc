import { createBus } from '@vigil/bus';
import { systemClock } from '@vigil/runtime';
import { topicNames, VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { afterEach, describe, expect, test } from '../../../../test/fixtures/services';
import { waitFor } from '../testing/local-servers';
import { OktaLogStandin } from '../testing/okta-log-standin';
import { readTopic } from '../testing/read-topic';
import { RecordingBus } from '../testing/recording-bus';
import { recordingLogger } from '@vigil/telemetry';
import { oktaLogEvent } from '../testing/samples';
import { ensureOktaPollerSchema, loadCursor as load, type SqlPool } from './cursor-store';
import { startOktaPoller, type OktaPoller, type OktaPollerOptions } from './okta-poller';

const TOKEN = '00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcd';
const BASE = Date.parse('2026-11-22T10:00:00Z');
const topics = topicNames('test.');

const standins: OktaLogStandin[] = [];
const pollers: OktaPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
  await Promise.all(standins.splice(0).map((s) => s.stop()));
});

async function standin(eventCount = 0): Promise<OktaLogStandin> {
  const okta = await new OktaLogStandin(TOKEN).start();
  standins.push(okta);
  addEvents(okta, eventCount);
  return okta;
}

function addEvents(okta: OktaLogStandin, count: number): void {
  for (let i = 0; i < count; i++) {
    const n = okta.events.length;
    okta.events.push(oktaLogEvent({ uuid: `evt-${n}`, published: new Date(BASE + n * 1000).toISOString() }));
  }
}

function poll(okta: OktaLogStandin, pool: SqlPool, overrides: Partial<OktaPollerOptions> = {}): OktaPoller {
  const poller = startOktaPoller({
    bus: new RecordingBus(),
    topics,
    pool,
    orgUrl: okta.url,
    token: TOKEN,
    logger: silentLogger,
    clock: systemClock,
    pollIntervalMs: 100,
    sourceName: 'okta',
    limit: 2,
    since: new Date(BASE).toISOString(),
    retry: { initialMs: 50, maxMs: 200 },
    ...overrides,
  });
  pollers.push(poller);
  return poller;
}

/** The saved cursor; the table may not exist yet when a test first looks. */
async function loadCursor(pool: SqlPool, source: string): Promise<string | undefined> {
  await ensureOktaPollerSchema(pool);
  return load(pool, source);
}

const eventIds = (bus: RecordingBus) => bus.values(topics.events).map((v) => VigilEvent.parse(v).id);

describe('Okta System Log poller', () => {
  test('a restart resumes at the saved next link: no event lost, none repeated (real Kafka, real PostgreSQL)', async ({ kafkaBrokers, uid, database }) => {
    const okta = await standin(5);
    const kafkaTopics = topicNames(`${uid}.`);
    const bus = createBus({ brokers: kafkaBrokers, clientId: uid, logger: silentLogger });
    await bus.start();
    try {
      const first = poll(okta, database.pool, { bus, topics: kafkaTopics });
      await waitFor(async () => (await loadCursor(database.pool, 'okta'))?.endsWith('after=c5') ?? false, 'the cursor after five events');
      await first.stop();
      await first.stop();
      expect(first.stats()).toMatchObject({ published: 5, deadLettered: 0 });

      addEvents(okta, 4); // happen while the poller is down
      const resumedAt = okta.pageRequests().length;
      const second = poll(okta, database.pool, { bus, topics: kafkaTopics });
      await waitFor(() => second.stats().published === 4, 'the four new events');
      await waitFor(async () => (await loadCursor(database.pool, 'okta'))?.endsWith('after=c9') ?? false, 'the cursor after nine events');
      await second.stop();

      expect(okta.pageRequests()[resumedAt]?.url).toBe('/api/v1/logs?limit=2&after=c5');
      expect(okta.requests.every((r) => r.authorization === `SSWS ${TOKEN}`)).toBe(true);
    } finally {
      await bus.stop();
    }
    const events = await readTopic({ brokers: kafkaBrokers, topic: kafkaTopics.events, as: 'events', groupId: `${uid}-check`, count: 9, settleMs: 1_500 });
    expect(events.map((e) => e.id).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `okta:evt-${i}`).sort());
    expect(events[0]).toMatchObject({ source: 'okta', kind: 'authentication', entity: { type: 'user', id: 'alice@example.com' } });
  });

  test('the cursor moves only after the bus acknowledged the page; an unacknowledged page comes again', async ({ database }) => {
    const okta = await standin(5);
    const bus = new RecordingBus();
    bus.down = true;
    const first = poll(okta, database.pool, { bus });
    await waitFor(() => first.stats().failures >= 2, 'failed publishes');
    await first.stop();
    expect(await loadCursor(database.pool, 'okta')).toBeUndefined();
    expect(bus.written.size).toBe(0);

    bus.down = false;
    const second = poll(okta, database.pool, { bus });
    await waitFor(() => second.stats().published === 5, 'all five events');
    await second.stop();
    expect(eventIds(bus)).toEqual(Array.from({ length: 5 }, (_, i) => `okta:evt-${i}`));
  });

  test('when a page is empty it waits the poll interval and polls the saved next link again', async ({ database }) => {
    const okta = await standin(0);
    const bus = new RecordingBus();
    const poller = poll(okta, database.pool, { bus, pollIntervalMs: 200 });
    await waitFor(() => okta.pageRequests().filter((r) => r.url.endsWith('after=c0')).length >= 2, 'two polls of the same next link');
    const [a, b] = okta.pageRequests().filter((r) => r.url.endsWith('after=c0'));
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(190);
    expect(await loadCursor(database.pool, 'okta')).toBe(`${okta.url}/api/v1/logs?limit=2&after=c0`);
    addEvents(okta, 2);
    await waitFor(() => poller.stats().published === 2, 'the new events');
    await poller.stop();
    expect(eventIds(bus)).toEqual(['okta:evt-0', 'okta:evt-1']);
  });

  test('a 429 makes it wait until X-Rate-Limit-Reset before asking again', async ({ database }) => {
    const okta = await standin(1);
    const resetSeconds = Math.ceil(Date.now() / 1000) + 1;
    okta.scripted.push({ status: 429, headers: { 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(resetSeconds) } });
    const logger = recordingLogger();
    const bus = new RecordingBus();
    const poller = poll(okta, database.pool, { bus, logger });
    await waitFor(() => poller.stats().published === 1, 'the event after the 429', 15_000);
    await poller.stop();
    const [refused, retried] = okta.pageRequests();
    expect(retried!.at).toBeGreaterThanOrEqual(resetSeconds * 1000 - 20);
    expect(retried!.url).toBe(refused!.url);
    expect(poller.stats().rateLimitWaits).toBe(1);
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg?.includes('429'))).toBe(true);
  });

  test('when X-Rate-Limit-Remaining runs low it waits for the reset even with more pages to fetch', async ({ database }) => {
    const okta = await standin(4);
    okta.remaining = 5; // of 100: under the 10 % reserve
    const resetSeconds = Math.ceil(Date.now() / 1000) + 1;
    okta.resetAt = () => resetSeconds;
    const poller = poll(okta, database.pool, { pollIntervalMs: 60_000 });
    await waitFor(() => poller.stats().published === 4, 'both pages', 15_000);
    await poller.stop();
    const [first, second] = okta.pageRequests();
    expect(second!.at).toBeGreaterThanOrEqual(resetSeconds * 1000 - 20);
    expect(second!.at - first!.at).toBeLessThan(3_000);
  });

  test('an event that does not normalise is dead-lettered; the rest are published and the cursor moves on', async ({ database }) => {
    const okta = await standin(1);
    okta.events.push({ uuid: 'broken', eventType: 'user.session.start' });
    const bus = new RecordingBus();
    const poller = poll(okta, database.pool, { bus });
    await waitFor(async () => (await loadCursor(database.pool, 'okta'))?.endsWith('after=c2') ?? false, 'the cursor past the page');
    await poller.stop();
    expect(eventIds(bus)).toEqual(['okta:evt-0']);
    expect(bus.values(topics.eventsDlq)).toEqual([expect.objectContaining({ stage: 'ingest:okta', raw: { uuid: 'broken', eventType: 'user.session.start' } })]);
    expect(poller.stats()).toMatchObject({ published: 1, deadLettered: 1 });
  });

  test('a refused token is logged as an error (never the token), retried, and moves nothing', async ({ database }) => {
    const okta = await standin(2);
    const logger = recordingLogger();
    const bus = new RecordingBus();
    const poller = poll(okta, database.pool, { bus, logger, token: 'wrong-token-value-0123456789' });
    await waitFor(() => okta.pageRequests().length >= 2, 'a retry');
    await poller.stop();
    expect(logger.lines.some((l) => l.level === 'error' && l.msg?.startsWith('Okta refused the API token (401)'))).toBe(true);
    expect(JSON.stringify(logger.lines)).not.toContain('wrong-token-value');
    expect(bus.written.size).toBe(0);
    expect(await loadCursor(database.pool, 'okta')).toBeUndefined();
  });

  test('never follows a next link to another origin (the token stays with the org)', async ({ database }) => {
    const okta = await standin(1);
    okta.linkOrigin = 'http://127.0.0.2:9';
    const logger = recordingLogger();
    const poller = poll(okta, database.pool, { logger });
    await waitFor(() => logger.lines.some((l) => l.level === 'error' && l.msg?.startsWith('Okta sent a next link to another origin')), 'the refusal');
    await poller.stop();
    expect(await loadCursor(database.pool, 'okta')).toBeUndefined();
  });
});
