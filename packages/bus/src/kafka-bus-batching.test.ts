import { NonRetryableError } from '@vigil/runtime';
import { silentLogger } from '@vigil/telemetry';
import { vi } from 'vitest';
import { startMockCluster, type MockCluster } from '../../../test/fixtures/kcat-broker';
import { afterEach, describe, expect, test } from '../../../test/fixtures/services';
import { BusUnavailableError } from './bus';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';

const TIMINGS: Partial<KafkaBusOptions> = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  maxWaitTimeMs: 250,
};

/** Every value on `topic`, read by a fresh group from the beginning until `expected` arrived (then 1 s more). */
async function readTopic(brokers: string[], uid: string, topic: string, expected: number): Promise<string[]> {
  const reader = new KafkaBus({ brokers, clientId: `${uid}-reader`, logger: silentLogger, ...TIMINGS });
  const values: string[] = [];
  try {
    await reader.start();
    await reader.subscribe({
      groupId: `${uid}.reader`,
      topics: [topic],
      eachBatch: async (batch) => void values.push(...batch.messages.map((m) => m.value.toString())),
    });
    await vi.waitFor(() => expect(values.length).toBeGreaterThanOrEqual(expected), {
      timeout: 30_000,
      interval: 100,
    });
    await new Promise((r) => setTimeout(r, 1_000)); // anything extra (a duplicate) would show up now
  } finally {
    await reader.stop();
  }
  return values;
}

const sorted = (values: string[]) => [...values].sort();

describe('KafkaBus publish batching on a Kafka broker', () => {
  test('thousands of concurrent single-event publishes: each caller acknowledged, every event on the topic exactly once', async ({
    kafkaBrokers,
    uid,
  }) => {
    const bus = new KafkaBus({ brokers: kafkaBrokers, clientId: uid, logger: silentLogger, ...TIMINGS });
    const topic = `${uid}.events`;
    const values = Array.from({ length: 2_000 }, (_, i) => `event-${i}`);
    try {
      await bus.start();
      const results = await Promise.allSettled(
        values.map((value, i) => bus.publish(topic, [{ key: `user:${i % 97}`, value }])),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    } finally {
      await bus.stop();
    }
    expect(sorted(await readTopic(kafkaBrokers, uid, topic, values.length))).toEqual(sorted(values));
  });

  test('stop sends the publishes still lingering and answers each of them', async ({ kafkaBrokers, uid }) => {
    const bus = new KafkaBus({
      brokers: kafkaBrokers,
      clientId: uid,
      logger: silentLogger,
      ...TIMINGS,
      publishBatching: { lingerMs: 60_000 },
    });
    const topic = `${uid}.events`;
    const values = Array.from({ length: 50 }, (_, i) => `late-${i}`);
    await bus.start();
    const publishes = values.map((value) => bus.publish(topic, [{ key: value, value }]));
    await bus.stop();
    await expect(Promise.all(publishes)).resolves.toHaveLength(50);
    expect(sorted(await readTopic(kafkaBrokers, uid, topic, values.length))).toEqual(sorted(values));
  });
});

describe('KafkaBus publish batching when the broker fails a request', () => {
  // One broker, so the error pushed into the mock meets the one produce request of the next batch.
  let cluster: MockCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  /** A bus on a fresh one-broker cluster whose batches are easy to tell apart (20 ms linger, one request at a time). */
  async function privateClusterBus(
    uid: string,
    topic: string,
  ): Promise<{ bus: KafkaBus; mock: MockCluster }> {
    const mock = await startMockCluster({ [topic]: 4 }, 1);
    cluster = mock;
    const bus = new KafkaBus({
      brokers: mock.brokers,
      clientId: uid,
      logger: silentLogger,
      ...TIMINGS,
      publishBatching: { lingerMs: 20, maxInFlight: 1 },
    });
    return { bus, mock };
  }

  async function publishAll(bus: KafkaBus, topic: string, values: string[]) {
    return Promise.allSettled(values.map((value) => bus.publish(topic, [{ key: value, value }])));
  }

  test('an unavailable broker fails exactly the publishes of the failed request; the batches before and after are written once', async ({
    uid,
  }) => {
    const topic = `${uid}.events`;
    const { bus, mock } = await privateClusterBus(uid, topic);
    const batch = (name: string) => Array.from({ length: 20 }, (_, i) => `${name}-${i}`);
    try {
      await bus.start();
      const before = await publishAll(bus, topic, batch('before'));
      // 29 TOPIC_AUTHORIZATION_FAILED: kafkajs does not retry it, and it says nothing against the records.
      await mock.failProduceRequests(29, 1);
      const failed = await publishAll(bus, topic, batch('failed'));
      const after = await publishAll(bus, topic, batch('after'));

      expect(before.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(after.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(failed.every((r) => r.status === 'rejected' && r.reason instanceof BusUnavailableError)).toBe(
        true,
      );
    } finally {
      await bus.stop();
    }
    expect(sorted(await readTopic(mock.brokers, uid, topic, 40))).toEqual(
      sorted([...batch('before'), ...batch('after')]),
    );
  });

  test('a refused record fails its own publish only; the others of its batch are acknowledged and written once', async ({
    uid,
  }) => {
    const topic = `${uid}.events`;
    const { bus, mock } = await privateClusterBus(uid, topic);
    const values = Array.from({ length: 20 }, (_, i) => `event-${i}`);
    let results: Array<PromiseSettledResult<void>>;
    try {
      await bus.start();
      // 10 MESSAGE_TOO_LARGE, twice: the shared request, then one publish sent again alone.
      await mock.failProduceRequests(10, 2);
      results = await publishAll(bus, topic, values);
    } finally {
      await bus.stop();
    }
    const refused = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ value: values[i] as string, reason: r.reason as unknown }] : [],
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]?.reason).toBeInstanceOf(NonRetryableError);
    const acknowledged = values.filter((value) => value !== refused[0]?.value);
    expect(sorted(await readTopic(mock.brokers, uid, topic, acknowledged.length))).toEqual(
      sorted(acknowledged),
    );
  });
});
