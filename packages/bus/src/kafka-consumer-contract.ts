import { vi } from 'vitest';
import { describe, expect, test } from '../../../test/fixtures/services';
import type { RetryBackoff } from './backoff';
import type { Bus, IncomingBatch } from './bus';

/** Makes an unstarted Kafka bus with the test timings; `retryBackoff` overrides them. */
export type MakeKafkaBus = (context: {
  kafkaBrokers: string[];
  uid: string;
  retryBackoff?: RetryBackoff;
}) => Bus;

/** What the consumer of each Kafka client adds to the bus contract: endless redelivery and `rewind`. */
export function describeKafkaConsumerContract(name: string, makeBus: MakeKafkaBus): void {
  describe(`${name} consumer`, () => {
    // kafkajs gives up on an eachBatch that keeps throwing after its retries (5) and restarts the whole
    // consumer; the bus never hands the throw to kafkajs, so the batch just keeps coming back.
    test('a batch that fails many times in a row comes again from the same offset until it succeeds', async ({
      kafkaBrokers,
      uid,
    }) => {
      const bus = makeBus({ kafkaBrokers, uid, retryBackoff: { initialMs: 20, maxMs: 80 } });
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
        expect(new Set(attempts.slice(0, 9).map((batch) => batch.messages[0]?.offset))).toEqual(
          new Set(['0']),
        );
      } finally {
        await bus.stop();
      }
    });

    test('rewinding to a time after which nothing was written leaves the batch to be processed and committed', async ({
      kafkaBrokers,
      uid,
    }) => {
      const bus = makeBus({ kafkaBrokers, uid });
      try {
        await bus.start();
        const topic = `${uid}.rewind`;
        await bus.publish(topic, [
          { key: 'k', value: 'a' },
          { key: 'k', value: 'b' },
        ]);
        const seen: string[] = [];
        const rewoundTo: string[] = [];
        const subscription = await bus.subscribe({
          groupId: `${uid}.g`,
          topics: [topic],
          eachBatch: async (batch) => {
            if (batch.rewind) rewoundTo.push(await batch.rewind(Date.now() + 3_600_000));
            seen.push(...batch.messages.map((message) => message.value.toString()));
          },
        });
        await vi.waitFor(() => expect(seen).toEqual(['a', 'b']), { timeout: 20_000, interval: 50 });
        expect(rewoundTo).toEqual(['0']);
        await subscription.stop();

        // Committed: the next member of the group starts after them.
        await bus.publish(topic, [{ key: 'k', value: 'c' }]);
        await bus.subscribe({
          groupId: `${uid}.g`,
          topics: [topic],
          eachBatch: async (batch) =>
            void seen.push(...batch.messages.map((message) => message.value.toString())),
        });
        await vi.waitFor(() => expect(seen).toEqual(['a', 'b', 'c']), { timeout: 20_000, interval: 50 });
      } finally {
        await bus.stop();
      }
    });

    test('rewinding to an offset the caller knows (any broker, no lookup by time) replays from there', async ({
      kafkaBrokers,
      uid,
    }) => {
      const bus = makeBus({ kafkaBrokers, uid });
      try {
        await bus.start();
        const topic = `${uid}.rewind-offset`;
        await bus.publish(
          topic,
          ['a', 'b', 'c'].map((value) => ({ key: 'k', value })),
        );
        const seen: string[] = [];
        const values = (batch: IncomingBatch) => batch.messages.map((message) => message.value.toString());
        const first = await bus.subscribe({
          groupId: `${uid}.g`,
          topics: [topic],
          eachBatch: async (batch) => void seen.push(...values(batch)),
        });
        await vi.waitFor(() => expect(seen).toEqual(['a', 'b', 'c']), { timeout: 20_000, interval: 50 });
        await first.stop();

        // The next member's first batch (d, at offset 3) goes back to offset 1: b and c come again, then d.
        await bus.publish(topic, [{ key: 'k', value: 'd' }]);
        const rewoundTo: string[] = [];
        await bus.subscribe({
          groupId: `${uid}.g`,
          topics: [topic],
          eachBatch: async (batch) => {
            if (rewoundTo.length === 0 && batch.rewind) {
              // An hour ahead: a lookup by time would find nothing; the offset given wins.
              const at = await batch.rewind(Date.now() + 3_600_000, '1');
              rewoundTo.push(at);
              if (at !== batch.messages[0]?.offset) return;
            }
            seen.push(...values(batch));
          },
        });
        await vi.waitFor(() => expect(seen).toEqual(['a', 'b', 'c', 'b', 'c', 'd']), {
          timeout: 20_000,
          interval: 50,
        });
        expect(rewoundTo).toEqual(['1']);
      } finally {
        await bus.stop();
      }
    });
  });
}
