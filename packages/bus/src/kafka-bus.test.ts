import { silentLogger } from '@vigil/telemetry';
import { vi } from 'vitest';
import { describe, expect, test } from '../../../test/fixtures/services';
import { Inbox, range, records } from './bus-contract-inbox';
import { BusUnavailableError } from './bus';
import { describeBusContract } from './bus-contract';
import { describeKafkaConsumerContract } from './kafka-consumer-contract';
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
      let startedAt = performance.now();
      await expect(bus.start()).rejects.toBeInstanceOf(BusUnavailableError);
      expect(performance.now() - startedAt).toBeLessThan(2_500);

      startedAt = performance.now();
      const publishing = bus.publish(`${uid}.events`, [{ key: 'k', value: 'v' }]);
      await expect(publishing).rejects.toBeInstanceOf(BusUnavailableError);
      await expect(publishing).rejects.toThrow(/127\.0\.0\.1:1|within 1500 ms|ECONNREFUSED/);
      expect(performance.now() - startedAt).toBeLessThan(2_500);
    } finally {
      await bus.stop();
    }
    const fromKafkajs = logger.lines.filter((line) => line.fields.component === 'kafkajs');
    expect(fromKafkajs.length).toBeGreaterThan(0);
    expect(fromKafkajs.every((line) => line.level === 'warn' || line.level === 'error')).toBe(true);
  });
});

describeKafkaConsumerContract(
  'KafkaBus',
  ({ kafkaBrokers, uid, retryBackoff }) =>
    new KafkaBus({
      brokers: kafkaBrokers,
      clientId: uid,
      logger: silentLogger,
      ...TEST_TIMINGS,
      ...(retryBackoff ? { retryBackoff } : {}),
    }),
);

describe('KafkaBus fetches ahead', () => {
  // kafkajs fetches a broker's partitions again only once its previous fetch is handled. The mock broker
  // answers a fetch with one produce batch per partition, so without fetching ahead a partition's rate is
  // one produce batch per handler run, however slow the run.
  test('records published while a run is in flight are fetched meanwhile and come in one next run', async ({
    kafkaBrokers,
    uid,
  }) => {
    const bus = new KafkaBus({ brokers: kafkaBrokers, clientId: uid, logger: silentLogger, ...TEST_TIMINGS });
    try {
      await bus.start();
      const topic = `${uid}.ahead`;
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const inbox = new Inbox();
      await bus.subscribe({
        groupId: `${uid}.g`,
        topics: [topic],
        eachBatch: inbox.handler((batch) =>
          batch.messages[0]?.value.toString() === 'first-0' ? released : undefined,
        ),
      });
      await bus.publish(topic, records('one-key', range('first', 2)));
      await vi.waitFor(() => expect(inbox.inFlight).toBe(1), { timeout: 25_000, interval: 20 });
      await bus.publish(topic, records('one-key', range('second', 2)));
      await bus.publish(topic, records('one-key', range('third', 2)));
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // a dozen fetch waits
      release();

      const all = [...range('first', 2), ...range('second', 2), ...range('third', 2)];
      await vi.waitFor(() => expect(inbox.values()).toEqual(all), { timeout: 25_000, interval: 20 });
      const runs = inbox.attempts.map((attempt) => attempt.batch.messages.map((m) => m.value.toString()));
      expect(runs).toEqual([range('first', 2), [...range('second', 2), ...range('third', 2)]]);
    } finally {
      await bus.stop();
    }
  });
});
