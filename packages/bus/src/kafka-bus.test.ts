import { silentLogger } from '@vigil/telemetry';
import { vi } from 'vitest';
import { describe, expect, test } from '../../../test/fixtures/services';
import { BusUnavailableError, type IncomingBatch } from './bus';
import { describeBusContract } from './bus-contract';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';
import { recordingLogger } from '@vigil/telemetry';

/**
 * The kcat (librdkafka mock) broker delays a new group's first join by 3 s and waits about the
 * session timeout minus one second for members to rejoin a rebalance. 6000 ms is the least session
 * timeout a real broker accepts, so these timings work against either.
 */
const TEST_TIMINGS: Partial<KafkaBusOptions> = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  maxWaitTimeMs: 250,
  retryBackoff: { initialMs: 200, maxMs: 1_000 },
};

describeBusContract(
  'KafkaBus',
  async ({ kafkaBrokers, uid }) =>
    new KafkaBus({ brokers: kafkaBrokers, clientId: uid, logger: silentLogger, ...TEST_TIMINGS }),
);

describe('KafkaBus when Kafka is unreachable', () => {
  test('start and publish reject with BusUnavailableError within the publish timeout', async ({ uid }) => {
    const logger = recordingLogger();
    const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], clientId: uid, logger, publishTimeoutMs: 1_500 });
    try {
      let startedAt = Date.now();
      await expect(bus.start()).rejects.toBeInstanceOf(BusUnavailableError);
      expect(Date.now() - startedAt).toBeLessThan(2_500);

      startedAt = Date.now();
      const publishing = bus.publish(`${uid}.events`, [{ key: 'k', value: 'v' }]);
      await expect(publishing).rejects.toBeInstanceOf(BusUnavailableError);
      await expect(publishing).rejects.toThrow(/127\.0\.0\.1:1|within 1500 ms|ECONNREFUSED/);
      expect(Date.now() - startedAt).toBeLessThan(2_500);
    } finally {
      await bus.stop();
    }
    const fromKafkajs = logger.lines.filter((line) => line.fields.component === 'kafkajs');
    expect(fromKafkajs.length).toBeGreaterThan(0);
    expect(fromKafkajs.every((line) => line.level === 'warn' || line.level === 'error')).toBe(true);
  });
});

describe('KafkaBus consumer', () => {
  // kafkajs gives up on an eachBatch that keeps throwing after its retries (5) and restarts the whole
  // consumer; the bus never hands the throw to kafkajs, so the batch just keeps coming back.
  test('a batch that fails many times in a row comes again from the same offset until it succeeds', async ({
    kafkaBrokers,
    uid,
  }) => {
    const bus = new KafkaBus({
      brokers: kafkaBrokers,
      clientId: uid,
      logger: silentLogger,
      ...TEST_TIMINGS,
      retryBackoff: { initialMs: 20, maxMs: 80 },
    });
    try {
      await bus.start();
      const topic = `${uid}.stubborn`;
      await bus.publish(topic, [
        { key: 'k', value: 'a' },
        { key: 'k', value: 'b' },
      ]);
      const attempts: IncomingBatch[] = [];
      const handled: string[] = [];
      await bus.subscribe({
        groupId: `${uid}.g`,
        topics: [topic],
        eachBatch: async (batch) => {
          attempts.push(batch);
          if (attempts.length <= 8) throw new Error('still failing');
          handled.push(...batch.messages.map((message) => message.value.toString()));
        },
      });
      await bus.publish(topic, [{ key: 'k', value: 'c' }]);

      await vi.waitFor(() => expect(handled).toEqual(['a', 'b', 'c']), { timeout: 20_000, interval: 50 });
      expect(new Set(attempts.slice(0, 9).map((batch) => batch.messages[0]?.offset))).toEqual(new Set(['0']));
    } finally {
      await bus.stop();
    }
  });
});
