import { KafkaOffsetsReader, type KafkaBus, type Subscription } from '@vigil/bus';
import { PipelineWatchdog, VigilMetrics, type WatchdogThresholds } from '@vigil/health';
import { migrate, PgIncidentStore, type IncidentRecord } from '@vigil/incidents';
import { ManualClock, StateEpoch } from '@vigil/runtime';
import { silentLogger } from '@vigil/telemetry';
import { Queue, Worker } from 'bullmq';
import { afterEach, describe, expect, test, type ScratchDatabase } from '../fixtures/services';
import { kafkaBus } from './detector-harness';
import { eventually } from './pipeline-harness';

const THRESHOLDS: WatchdogThresholds = {
  intervalMs: 1000,
  lagThreshold: 5,
  lagForMs: 60_000,
  stallForMs: 60_000,
  deadLettersPerMinute: 10,
  deadLetterWindowMs: 300_000,
  notificationBacklog: 3,
  notificationBacklogForMs: 60_000,
  resolveAfterMs: 60_000,
  maxIncidentsPerHour: 20,
};

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Setup {
  uid: string;
  kafkaBrokers: string[];
  redisUrl: string;
  database: ScratchDatabase;
}

/** A watchdog on the real servers, with a clock the test moves and rounds the test runs. */
async function startWatchdog(setup: Setup, extra: { queue?: string; epochKey?: string } = {}) {
  const { uid, kafkaBrokers, database } = setup;
  await migrate(database.pool);
  const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
  const metrics = new VigilMetrics({ service: 'alerter', defaultMetrics: false });
  const store = new PgIncidentStore({ pool: database.pool, clock, logger: silentLogger, metrics });
  const offsets = new KafkaOffsetsReader({ brokers: kafkaBrokers, clientId: `${uid}-admin`, logger: silentLogger });
  cleanups.push(() => offsets.stop());
  const bus = kafkaBus(kafkaBrokers, `${uid}-bus`);
  await bus.start();
  cleanups.push(() => bus.stop());
  const queue = extra.queue ? new Queue(extra.queue, { connection: { url: setup.redisUrl } }) : undefined;
  if (queue) cleanups.push(() => queue.obliterate({ force: true }).finally(() => queue.close()));
  const { Redis } = await import('ioredis');
  const redis = new Redis(setup.redisUrl);
  cleanups.push(async () => redis.quit());
  const watchdog = new PipelineWatchdog({
    writer: store,
    metrics,
    logger: silentLogger,
    clock,
    thresholds: THRESHOLDS,
    offsets,
    groups: [{ groupId: `${uid}-detector`, topic: `${uid}.events` }],
    deadLetterTopics: [`${uid}.events.dlq`],
    ...(queue
      ? {
          notifications: {
            name: extra.queue!,
            queue: { counts: async () => ({ waiting: 0, delayed: 0, active: 0, failed: 0, ...(await queue.getJobCounts('waiting', 'delayed', 'active', 'failed')) }) },
          },
        }
      : {}),
    ...(extra.epochKey
      ? { stateEpoch: { redis, key: extra.epochKey, detectorGroup: { groupId: `${uid}-detector`, topic: `${uid}.events` } } }
      : {}),
  });
  cleanups.push(() => watchdog.stop());
  const pipelineIncidents = async (): Promise<IncidentRecord[]> =>
    (await store.listIncidents({ limit: 500 })).incidents.filter((i) => i.ruleId.startsWith('pipeline.'));
  return { watchdog, clock, metrics, store, bus, redis, pipelineIncidents };
}

async function publish(bus: KafkaBus, topic: string, count: number, key = 'k', size = 10): Promise<void> {
  for (let sent = 0; sent < count; sent += 100) {
    const batch = Array.from({ length: Math.min(100, count - sent) }, (_v, i) => ({ key, value: `${sent + i}:${'x'.repeat(size)}` }));
    await bus.publish(topic, batch);
  }
}

/** A detector stand-in: reads until it has `count` records, then stops (committing what it read). */
async function consumeThenStop(bus: KafkaBus, groupId: string, topic: string, count: number): Promise<void> {
  let seen = 0;
  const subscription: Subscription = await bus.subscribe({
    groupId,
    topics: [topic],
    eachBatch: async (batch) => {
      seen += batch.messages.length;
    },
  });
  await eventually(async () => (seen >= count ? true : undefined), 30_000, `${count} records consumed`);
  await subscription.stop();
}

describe('pipeline watchdog', () => {
  test('a consumer that stops: one lag incident and one stall incident, both resolved once it catches up', async ({ uid, kafkaBrokers, redisUrl, database }) => {
    const { watchdog, clock, bus, metrics, pipelineIncidents } = await startWatchdog({ uid, kafkaBrokers, redisUrl, database });
    const topic = `${uid}.events`;
    await publish(bus, topic, 4);
    await consumeThenStop(bus, `${uid}-detector`, topic, 4);
    await publish(bus, topic, 20);

    await watchdog.tick();
    expect(await pipelineIncidents()).toEqual([]);
    for (let round = 0; round < 4; round++) {
      clock.advance(30_000);
      await watchdog.tick();
    }
    const raised = await pipelineIncidents();
    expect(raised.map((i) => [i.ruleId, i.dedupKey, i.status, i.category, i.criteria]).sort()).toEqual([
      ['pipeline.consumer-lag', `pipeline.consumer-lag:${uid}-detector/${topic}`, 'open', 'logging', ['CC7.2']],
      ['pipeline.partition-stalled', `pipeline.partition-stalled:${uid}-detector/${topic}`, 'open', 'logging', ['CC7.2']],
    ]);
    const lag = raised.find((i) => i.ruleId === 'pipeline.consumer-lag')!;
    expect(lag.summary).toBe(`consumer group ${uid}-detector is 20 records behind on ${topic} (threshold 5)`);
    expect(await metrics.render()).toMatch(new RegExp(`vigil_consumer_lag\\{group="${uid}-detector",topic="${topic}",partition="\\d"(,service="alerter")?\\} 20`));

    // More rounds while still broken: still one incident each, nothing new.
    clock.advance(60_000);
    await watchdog.tick();
    expect((await pipelineIncidents()).length).toBe(2);

    await consumeThenStop(bus, `${uid}-detector`, topic, 20);
    await watchdog.tick();
    clock.advance(61_000);
    await watchdog.tick();
    const after = await pipelineIncidents();
    expect(after.map((i) => i.status)).toEqual(['resolved', 'resolved']);
  });

  test('a watchdog started after a fault healed resolves the incident its predecessor raised', async ({ uid, kafkaBrokers, redisUrl, database }) => {
    const first = await startWatchdog({ uid, kafkaBrokers, redisUrl, database });
    const topic = `${uid}.events`;
    await publish(first.bus, topic, 20);
    await first.watchdog.tick();
    first.clock.advance(61_000);
    await first.watchdog.tick();
    expect((await first.pipelineIncidents()).map((i) => [i.ruleId, i.status])).toEqual([['pipeline.consumer-lag', 'open']]);
    await first.watchdog.stop();

    await consumeThenStop(first.bus, `${uid}-detector`, topic, 20);
    const offsets = new KafkaOffsetsReader({ brokers: kafkaBrokers, clientId: `${uid}-second`, logger: silentLogger });
    cleanups.push(() => offsets.stop());
    const second = new PipelineWatchdog({
      writer: first.store,
      metrics: first.metrics,
      logger: silentLogger,
      clock: first.clock,
      thresholds: THRESHOLDS,
      offsets,
      groups: [{ groupId: `${uid}-detector`, topic }],
      deadLetterTopics: [],
      openIncidents: async () => first.pipelineIncidents(),
    });
    await second.start();
    cleanups.push(() => second.stop());
    await second.tick();
    first.clock.advance(61_000);
    await second.tick();
    expect((await first.pipelineIncidents()).map((i) => [i.ruleId, i.status])).toEqual([['pipeline.consumer-lag', 'resolved']]);
  });

  test('a committed offset below the log start is an incident naming topic, partition and the skipped range', async ({ uid, kafkaBrokers, redisUrl, database }) => {
    const { watchdog, bus, metrics, pipelineIncidents } = await startWatchdog({ uid, kafkaBrokers, redisUrl, database });
    const topic = `${uid}.events`;
    await publish(bus, topic, 3, 'same-key');
    await consumeThenStop(bus, `${uid}-detector`, topic, 3);
    // The kcat mock keeps about 5 MB a partition: 700 records of 10 kB push the log start past offset 3.
    await publish(bus, topic, 700, 'same-key', 10_000);

    await watchdog.tick();
    await watchdog.tick();
    const [incident, ...others] = await pipelineIncidents();
    expect(others).toEqual([]);
    expect(incident?.ruleId).toBe('pipeline.offset-reset');
    expect(incident?.summary).toMatch(
      new RegExp(`^consumer group ${uid}-detector committed offset 3 on ${topic.replace('.', '\\.')} partition (\\d), but the log now starts at (\\d+): records \\[3, \\2\\) \\(\\d+\\) were deleted before the group read them and will be skipped$`),
    );
    expect(await metrics.render()).toMatch(/vigil_skipped_records_total\{[^}]*\} [1-9]\d*/);
  });

  test('dead letters faster than the threshold raise one incident', async ({ uid, kafkaBrokers, redisUrl, database }) => {
    const { watchdog, clock, bus, pipelineIncidents } = await startWatchdog({ uid, kafkaBrokers, redisUrl, database });
    const dlq = `${uid}.events.dlq`;
    await publish(bus, dlq, 1);
    await watchdog.tick();
    clock.advance(60_000);
    await publish(bus, dlq, 5);
    await watchdog.tick();
    expect(await pipelineIncidents()).toEqual([]);
    clock.advance(60_000);
    await publish(bus, dlq, 40);
    await watchdog.tick();
    clock.advance(10_000);
    await watchdog.tick();
    const incidents = await pipelineIncidents();
    expect(incidents.map((i) => [i.ruleId, i.dedupKey])).toEqual([['pipeline.dead-letter-rate', `pipeline.dead-letter-rate:${dlq}`]]);
    expect(incidents[0]?.summary).toMatch(new RegExp(`^\\d+ dead letters a minute on ${dlq.replace(/\./g, '\\.')} over the last \\d+ s \\(threshold 10\\)$`));
  });

  test('deleting the state epoch is one state-lost incident; a first install is none', async ({ uid, kafkaBrokers, redisUrl, database, redis }) => {
    const epochKey = `${uid}:state-epoch`;
    const { watchdog, pipelineIncidents, metrics } = await startWatchdog({ uid, kafkaBrokers, redisUrl, database }, { epochKey });
    // First install: no epoch yet and no committed offsets. The watchdog never writes the epoch itself.
    await watchdog.tick();
    expect(await redis.get(epochKey)).toBeNull();
    const detectorEpoch = new StateEpoch(redis, epochKey);
    expect((await detectorEpoch.check()).status).toBe('created');
    await watchdog.tick();
    expect(await pipelineIncidents()).toEqual([]);

    const lostEpoch = await redis.get(epochKey);
    await redis.del(epochKey);
    await watchdog.tick();
    await watchdog.tick();
    // The detector comes back and writes a new epoch: the same loss, not a second one.
    expect((await detectorEpoch.check()).status).toBe('changed');
    await watchdog.tick();
    const incidents = await pipelineIncidents();
    expect(incidents.map((i) => [i.ruleId, i.severity, i.status])).toEqual([['pipeline.state-lost', 'SEV2', 'open']]);
    expect(incidents[0]?.summary).toBe(
      `Redis lost the detector's state (the epoch ${lostEpoch} is gone): windows, timers and deduplication state kept there before are gone`,
    );
    expect(await metrics.render()).toMatch(/vigil_state_lost_total\{[^}]*\} 1/);
  });

  test('an epoch replaced between two rounds is state lost', async ({ uid, kafkaBrokers, redisUrl, database, redis }) => {
    const epochKey = `${uid}:state-epoch`;
    const { watchdog, pipelineIncidents } = await startWatchdog({ uid, kafkaBrokers, redisUrl, database }, { epochKey });
    await redis.set(epochKey, 'epoch-1');
    await watchdog.tick();
    await redis.set(epochKey, 'epoch-2');
    await watchdog.tick();
    await watchdog.tick();
    const incidents = await pipelineIncidents();
    expect(incidents.map((i) => [i.ruleId, i.dedupKey])).toEqual([['pipeline.state-lost', 'pipeline.state-lost:epoch-2']]);
    expect(incidents[0]?.summary).toContain('(the epoch epoch-1 was replaced by epoch-2)');
  });

  test('a missing epoch while the detector group has committed offsets is state lost', async ({ uid, kafkaBrokers, redisUrl, database }) => {
    const epochKey = `${uid}:state-epoch`;
    const { watchdog, bus, pipelineIncidents } = await startWatchdog({ uid, kafkaBrokers, redisUrl, database }, { epochKey });
    await publish(bus, `${uid}.events`, 2);
    await consumeThenStop(bus, `${uid}-detector`, `${uid}.events`, 2);
    await watchdog.tick();
    const incidents = await pipelineIncidents();
    expect(incidents.map((i) => i.ruleId)).toEqual(['pipeline.state-lost']);
    expect(incidents[0]?.summary).toContain(`the epoch key is missing while consumer group ${uid}-detector has committed offsets`);
  });

  test('a notification backlog and dead notifications raise delivery incidents', async ({ uid, kafkaBrokers, redisUrl, database }) => {
    const queueName = `${uid}-notify`;
    const { watchdog, clock, pipelineIncidents, metrics } = await startWatchdog({ uid, kafkaBrokers, redisUrl, database }, { queue: queueName });
    const producer = new Queue(queueName, { connection: { url: redisUrl } });
    cleanups.push(() => producer.close());
    await producer.addBulk(Array.from({ length: 5 }, (_v, i) => ({ name: 'notify', data: { i } })));
    await watchdog.tick();
    clock.advance(61_000);
    await watchdog.tick();
    expect((await pipelineIncidents()).map((i) => i.dedupKey)).toEqual([`pipeline.notification-delivery:${queueName}:backlog`]);
    expect(await metrics.render()).toMatch(/vigil_notifications\{state="pending"[^}]*\} 5/);

    // A worker that always fails, one attempt each: the jobs end dead.
    const worker = new Worker(queueName, async () => Promise.reject(new Error('slack is down')), { connection: { url: redisUrl } });
    cleanups.push(() => worker.close());
    await eventually(async () => ((await producer.getJobCounts('failed')).failed === 5 ? true : undefined), 20_000, 'jobs dead');
    await watchdog.tick();
    const incidents = await pipelineIncidents();
    expect(incidents.map((i) => i.dedupKey).sort()).toEqual([
      `pipeline.notification-delivery:${queueName}:backlog`,
      `pipeline.notification-delivery:${queueName}:dead`,
    ]);
    expect(incidents.find((i) => i.dedupKey.endsWith(':dead'))?.summary).toBe(
      `5 notifications on queue ${queueName} failed for good and were never delivered`,
    );
  });

  test('more faults than the hourly cap: the rest are counted, not raised', async ({ uid, kafkaBrokers, redisUrl, database }) => {
    const setup = await startWatchdog({ uid, kafkaBrokers, redisUrl, database }, { queue: `${uid}-notify` });
    const cappedOffsets = new KafkaOffsetsReader({ brokers: kafkaBrokers, clientId: `${uid}-capped`, logger: silentLogger });
    cleanups.push(() => cappedOffsets.stop());
    const capped = new PipelineWatchdog({
      writer: setup.store,
      metrics: setup.metrics,
      logger: silentLogger,
      clock: setup.clock,
      thresholds: { ...THRESHOLDS, maxIncidentsPerHour: 1, deadLettersPerMinute: 0 },
      offsets: cappedOffsets,
      groups: [],
      deadLetterTopics: [`${uid}.a.dlq`, `${uid}.b.dlq`],
    });
    await setup.bus.publish(`${uid}.a.dlq`, [{ key: 'k', value: 'x' }]);
    await setup.bus.publish(`${uid}.b.dlq`, [{ key: 'k', value: 'x' }]);
    await capped.tick();
    setup.clock.advance(60_000);
    await setup.bus.publish(`${uid}.a.dlq`, [{ key: 'k', value: 'x' }]);
    await setup.bus.publish(`${uid}.b.dlq`, [{ key: 'k', value: 'x' }]);
    await capped.tick();
    expect((await setup.pipelineIncidents()).length).toBe(1);
    expect(await setup.metrics.render()).toMatch(/vigil_pipeline_incidents_suppressed_total\{rule="pipeline.dead-letter-rate"[^}]*\} 1/);
  });
});
