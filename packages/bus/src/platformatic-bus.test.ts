import { silentLogger } from '@vigil/telemetry';
import { vi } from 'vitest';
import { describe, expect, test } from '../../../test/fixtures/services';
import { BusUnavailableError } from './bus';
import { describeBusContract } from './bus-contract';
import { describeKafkaConsumerContract } from './kafka-consumer-contract';
import { PlatformaticBus, type PlatformaticBusOptions } from './platformatic-bus';
import { partitionForKey } from './key-partitioner';

/** The same timings as the kafkajs bus's contract run (kafka-bus.test.ts). */
const TEST_TIMINGS: Partial<PlatformaticBusOptions> = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  maxWaitTimeMs: 250,
  retryBackoff: { initialMs: 200, maxMs: 1_000 },
};

describeBusContract(
  'PlatformaticBus',
  async ({ kafkaBrokers, uid }) =>
    new PlatformaticBus({ brokers: kafkaBrokers, clientId: uid, logger: silentLogger, ...TEST_TIMINGS }),
);

describeKafkaConsumerContract(
  'PlatformaticBus',
  ({ kafkaBrokers, uid, retryBackoff }) =>
    new PlatformaticBus({
      brokers: kafkaBrokers,
      clientId: uid,
      logger: silentLogger,
      ...TEST_TIMINGS,
      ...(retryBackoff ? { retryBackoff } : {}),
    }),
);

describe('PlatformaticBus', () => {
  test('start and publish reject with BusUnavailableError when Kafka is unreachable', async ({ uid }) => {
    const bus = new PlatformaticBus({
      brokers: ['127.0.0.1:1'],
      clientId: uid,
      logger: silentLogger,
      publishTimeoutMs: 1_500,
    });
    try {
      const startedAt = performance.now();
      await expect(bus.start()).rejects.toBeInstanceOf(BusUnavailableError);
      await expect(bus.publish(`${uid}.events`, [{ key: 'k', value: 'v' }])).rejects.toBeInstanceOf(
        BusUnavailableError,
      );
      expect(performance.now() - startedAt).toBeLessThan(5_000);
    } finally {
      await bus.stop();
    }
  });

  // Services on kafkajs and on this client share topics during a switch-over: a key must land on the
  // same partition whichever wrote it, or per-entity order and partition-local state break.
  test('puts a key on the partition Kafka’s Java partitioner picks, as kafkajs does', async ({
    kafkaBrokers,
    uid,
  }) => {
    const bus = new PlatformaticBus({
      brokers: kafkaBrokers,
      clientId: uid,
      logger: silentLogger,
      ...TEST_TIMINGS,
    });
    try {
      await bus.start();
      const topic = `${uid}.keys`;
      const keys = Array.from({ length: 24 }, (_, i) => `user-${i}@example.com`);
      await bus.publish(
        topic,
        keys.map((key) => ({ key, value: key })),
      );
      const seen = new Map<string, number>();
      await bus.subscribe({
        groupId: `${uid}.g`,
        topics: [topic],
        eachBatch: async (batch) => void batch.messages.forEach((m) => seen.set(m.key!, m.partition)),
      });
      await vi.waitFor(() => expect(seen.size).toBe(24), { timeout: 20_000, interval: 50 });
      for (const key of keys) expect(seen.get(key)).toBe(partitionForKey(key, 4));
    } finally {
      await bus.stop();
    }
  });
});
