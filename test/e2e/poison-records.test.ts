import { Redis } from 'ioredis';
import pg from 'pg';
import { decode, type IncomingMessage, type KafkaBus, type Subscription } from '@vigil/bus';
import { migrate, PgIncidentStore } from '@vigil/incidents';
import { startAlerterStage, startDetectorStage } from '@vigil/pipeline';
import { bruteForceRule, createDetector, type Rule } from '@vigil/rules';
import { systemClock } from '@vigil/runtime';
import { Detection, topicNames, type DeadLetter, type VigilEvent } from '@vigil/schema';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../fixtures/services';
import { failedSignIn, kafkaBus, usersPerPartition } from './detector-harness';

/**
 * Issue 9, observed items 1 and 2: one record that fails every time must not stop its partition.
 * Real Kafka (kcat), real Redis, real PostgreSQL; the poison is written straight onto the topics, as
 * an older ingest or another producer could have.
 */

const FAST_ISOLATION = { attempts: 3, retryDelayMs: () => 50 };

/** Everything on `topics`, read by a group of the test's own. */
async function tap(bus: KafkaBus, groupId: string, topics: string[]): Promise<{ records: IncomingMessage[]; stop(): Promise<void> }> {
  const records: IncomingMessage[] = [];
  const sub = await bus.subscribe({ groupId, topics, eachBatch: async (batch) => void records.push(...batch.messages) });
  return { records, stop: () => sub.stop() };
}

async function eventually<T>(pick: () => T | undefined, what: string, timeoutMs = 25_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pick();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function deadLetters(records: IncomingMessage[], topic: string): DeadLetter[] {
  return records.filter((r) => r.topic === topic).map((r) => {
    const decoded = decode('eventsDlq', r);
    if (!decoded.ok) throw new Error(`a dead letter that does not decode: ${decoded.reason}`);
    return decoded.value;
  });
}

/** A rule with a bug that only one event's content triggers: it throws for that event, every time. */
const brittleRule: Rule<unknown> = {
  ...(bruteForceRule as unknown as Rule<unknown>),
  id: 'test.brittle',
  match: (event) => event.action === 'brittle.trigger',
  evaluate: (event) => {
    const missing = (event.raw as { nested?: { id: string } }).nested;
    return Promise.resolve({ detections: [], seen: (missing as { id: string }).id });
  },
};

describe('one bad record never stops a partition', () => {
  test('detector: an event id with a lone surrogate and an event a rule fails on are dead-lettered; 10 bursts on the same partition all fire', async ({ kafkaBrokers, redisUrl, uid }) => {
    const topics = topicNames(`${uid}.`);
    const bus = kafkaBus(kafkaBrokers, uid);
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    const subs: Array<Subscription | { stop(): Promise<void> }> = [];
    try {
      await bus.start();
      const detector = createDetector({ redis, keyPrefix: `${uid}:`, rules: [bruteForceRule, brittleRule as Rule], clock: systemClock, logger: silentLogger });
      const seen = await tap(bus, `${uid}-tap`, [topics.detections, topics.eventsDlq]);
      subs.push(seen);
      subs.push(await startDetectorStage({ bus, topics, detector, logger: silentLogger, groupId: `${uid}-det`, isolation: FAST_ISOLATION }));

      const users = usersPerPartition(uid, 11).get(0) ?? [];
      const [victim, ...others] = users;
      // 1. Written by hand so the lone surrogate survives: `"\ud800"` in the id, as issue 9 observed.
      const surrogate = JSON.stringify(failedSignIn(victim as string, 'placeholder', 30)).replace('okta:placeholder', 'okta:bad\\ud800');
      // 2. An event the brittle rule throws on.
      const brittle: VigilEvent = { ...failedSignIn(victim as string, `${uid}-brittle`, 30), action: 'brittle.trigger', outcome: 'success' };
      await bus.publish(topics.events, [
        { key: `user:${victim}`, value: surrogate },
        { key: `user:${victim}`, value: JSON.stringify(brittle) },
      ]);
      // 3. Then ten brute-force bursts (5 failures each) for ten users on the same partition.
      const bursts = others.slice(0, 10).flatMap((user) => Array.from({ length: 5 }, (_, i) => failedSignIn(user, `${uid}-${user}-${i}`, 60 - i)));
      await bus.publish(topics.events, bursts.map((event) => ({ key: `user:${event.entity.id}`, value: JSON.stringify(event) })));

      const fired = await eventually(() => {
        const users = new Set(seen.records.filter((r) => r.topic === topics.detections).map((r) => (JSON.parse(r.value.toString()) as Detection).entity.id));
        return users.size >= 10 ? users : undefined;
      }, '10 brute-force detections');
      expect([...fired].sort()).toEqual(others.slice(0, 10).sort());

      const letters = await eventually(() => {
        const all = deadLetters(seen.records, topics.eventsDlq);
        return all.length >= 2 ? all : undefined;
      }, 'two dead letters');
      expect(letters).toEqual([
        expect.objectContaining({ stage: 'detector', reason: 'does not match the events schema', errors: [expect.objectContaining({ path: 'id', message: expect.stringContaining('lone UTF-16 surrogate') })], origin: expect.objectContaining({ topic: topics.events, partition: 0 }) }),
        expect.objectContaining({
          stage: 'detector',
          reason: expect.stringContaining('failed on this event 3 times'),
          error: expect.objectContaining({ name: 'TypeError', attempts: 3 }),
          origin: expect.objectContaining({ topic: topics.events, partition: 0 }),
          raw: expect.objectContaining({ id: brittle.id }),
        }),
      ]);
    } finally {
      for (const sub of subs.reverse()) await sub.stop().catch(() => undefined);
      await bus.stop();
      redis.disconnect();
    }
  });

  test('alerter: a NUL in an entity id and an offset PostgreSQL refuses are dead-lettered; 10 detections on the same partition become incidents', async ({ kafkaBrokers, uid, database }) => {
    const topics = topicNames(`${uid}.`);
    const bus = kafkaBus(kafkaBrokers, uid);
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => undefined);
    const subs: Array<{ stop(): Promise<void> }> = [];
    try {
      await migrate(database.pool);
      await bus.start();
      const store = new PgIncidentStore({ pool, clock: systemClock, logger: silentLogger });
      const seen = await tap(bus, `${uid}-tap`, [topics.detectionsDlq]);
      subs.push(seen);
      subs.push(await startAlerterStage({ bus, topics, incidents: store, notifier: { enqueue: async () => undefined }, logger: silentLogger, groupId: `${uid}-alerter`, isolation: FAST_ISOLATION }));

      const now = Date.now();
      const detection = (n: string, overrides: Partial<Detection> = {}): Detection =>
        Detection.parse({
          id: `identity.brute-force:${uid}-${n}`,
          ruleId: 'identity.brute-force',
          ruleVersion: 1,
          status: 'firing',
          title: `Brute force against ${n}`,
          summary: '5 failed logins',
          criteria: ['CC7.2'],
          category: 'security',
          severity: 'SEV2',
          dedupKey: `identity.brute-force:user:${uid}-${n}`,
          entity: { type: 'user', id: `${uid}-${n}` },
          ownerKey: 'okta',
          firstEventAt: new Date(now - 60_000).toISOString(),
          detectedAt: new Date(now).toISOString(),
          evidence: [{ eventId: `okta:${uid}-${n}`, topic: topics.events, partition: 0, offset: '7', time: new Date(now - 1000).toISOString() }],
          ...overrides,
        });
      // One key for every record: they all share one partition of the detections topic, in this order.
      const key = `${uid}-one-partition`;
      const nul = JSON.stringify(detection('nul')).replace(`"id":"${uid}-nul"`, `"id":"${uid}-a\\u0000b"`);
      const overflow = detection('overflow', { evidence: [{ eventId: `okta:${uid}-o`, topic: topics.events, partition: 0, offset: '99999999999999999999999', time: new Date(now - 1000).toISOString() }] });
      const good = Array.from({ length: 10 }, (_, i) => detection(`good-${i}`));
      await bus.publish(topics.detections, [
        { key, value: nul },
        { key, value: JSON.stringify(overflow) },
        ...good.map((d) => ({ key, value: JSON.stringify(d) })),
      ]);

      const opened = await eventuallyAsync(async () => {
        const { rows } = await database.pool.query<{ entity_id: string }>('SELECT entity_id FROM incidents');
        return rows.length >= 10 ? rows.map((r) => r.entity_id) : undefined;
      }, '10 incidents');
      expect(opened.sort()).toEqual(good.map((d) => d.entity.id).sort());

      const letters = await eventually(() => {
        const all = deadLetters(seen.records, topics.detectionsDlq);
        return all.length >= 2 ? all : undefined;
      }, 'two dead letters');
      expect(letters).toEqual([
        expect.objectContaining({ stage: 'alerter', errors: [expect.objectContaining({ path: 'entity.id', message: expect.stringContaining('NUL') })] }),
        expect.objectContaining({ stage: 'alerter', error: expect.objectContaining({ code: '22003', attempts: 3 }), origin: expect.objectContaining({ topic: topics.detections }) }),
      ]);
    } finally {
      for (const sub of subs.reverse()) await sub.stop().catch(() => undefined);
      await bus.stop();
      await pool.end();
    }
  });
});

async function eventuallyAsync<T>(pick: () => Promise<T | undefined>, what: string, timeoutMs = 25_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await pick();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
