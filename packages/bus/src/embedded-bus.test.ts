import { ManualClock } from '@vigil/runtime';
import { silentLogger } from '@vigil/telemetry';
import { vi } from 'vitest';
import { describe, expect, test } from '../../../test/fixtures/services';
import type { IncomingMessage, OutgoingMessage } from './bus';
import { describeBusContract } from './bus-contract';
import { EmbeddedBus } from './embedded-bus';
import { BusFullError, BusUnavailableError } from './bus';

const FAST_RETRY = { initialMs: 150, maxMs: 1_000 };

describeBusContract(
  'EmbeddedBus',
  async () => new EmbeddedBus({ logger: silentLogger, retryBackoff: FAST_RETRY }),
);

async function startedBus(options: Partial<ConstructorParameters<typeof EmbeddedBus>[0]> = {}) {
  const bus = new EmbeddedBus({ logger: silentLogger, retryBackoff: FAST_RETRY, ...options });
  await bus.start();
  return bus;
}

/** Publishes as a sender answered 503 + Retry-After does: waits and sends the same batch again. Returns the refusals. */
async function publishPatiently(bus: EmbeddedBus, topic: string, messages: OutgoingMessage[]): Promise<number> {
  for (let refusals = 0; ; refusals += 1) {
    try {
      await bus.publish(topic, messages);
      return refusals;
    } catch (error) {
      if (!(error instanceof BusFullError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function collect(into: IncomingMessage[]) {
  return async (batch: { messages: IncomingMessage[] }) => {
    into.push(...batch.messages);
  };
}

describe('EmbeddedBus', () => {
  test('hands out batches of at most maxBatchSize records, in order', async ({ uid }) => {
    const bus = await startedBus({ maxBatchSize: 3 });
    const sizes: number[] = [];
    const seen: string[] = [];
    await bus.publish(
      `${uid}.t`,
      Array.from({ length: 10 }, (_, i) => ({ key: 'one', value: `${i}` })),
    );
    await bus.subscribe({
      groupId: `${uid}.g`,
      topics: [`${uid}.t`],
      eachBatch: async (batch) => {
        sizes.push(batch.messages.length);
        seen.push(...batch.messages.map((message) => message.value.toString()));
      },
    });
    await vi.waitFor(() => expect(seen).toHaveLength(10));
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `${i}`));
    expect(sizes).toEqual([3, 3, 3, 1]);
    await bus.stop();
  });

  test('a new group with fromBeginning false only gets records published after it subscribed', async ({
    uid,
  }) => {
    const bus = await startedBus();
    const seen: IncomingMessage[] = [];
    await bus.publish(`${uid}.t`, [{ key: 'a', value: 'old' }]);
    await bus.subscribe({
      groupId: `${uid}.g`,
      topics: [`${uid}.t`],
      fromBeginning: false,
      eachBatch: collect(seen),
    });
    await bus.publish(`${uid}.t`, [{ key: 'a', value: 'new' }]);
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]!.value.toString()).toBe('new');
    await bus.stop();
  });

  test('stamps records with the injected clock', async ({ uid }) => {
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const bus = await startedBus({ clock });
    const seen: IncomingMessage[] = [];
    await bus.publish(`${uid}.t`, [{ key: 'a', value: 'x' }]);
    await bus.subscribe({ groupId: `${uid}.g`, topics: [`${uid}.t`], eachBatch: collect(seen) });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]!.timestamp).toBe(Date.parse('2026-03-01T12:00:00Z'));
    await bus.stop();
  });

  test('drops records once every group reading the topic has committed them', async ({ uid }) => {
    const bus = await startedBus();
    const topic = `${uid}.t`;
    const fast: IncomingMessage[] = [];
    const slow: IncomingMessage[] = [];
    let slowMayGo = false;
    await bus.subscribe({ groupId: `${uid}.fast`, topics: [topic], eachBatch: collect(fast) });
    await bus.subscribe({
      groupId: `${uid}.slow`,
      topics: [topic],
      eachBatch: async (batch) => {
        if (!slowMayGo) throw new Error('not yet');
        slow.push(...batch.messages);
      },
    });
    await bus.publish(
      topic,
      Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 7}`, value: `${i}` })),
    );

    await vi.waitFor(() => expect(fast).toHaveLength(200));
    expect(bus.retainedRecords(topic)).toBe(200);
    slowMayGo = true;
    await vi.waitFor(() => expect(slow).toHaveLength(200));
    await vi.waitFor(() => expect(bus.retainedRecords(topic)).toBe(0));
    await bus.stop();
  });

  test('a lagging group holds the partition at its cap: publish is refused whole, nothing read is lost', async ({
    uid,
  }) => {
    const bus = await startedBus({ partitions: 1, maxRecordsPerPartition: 10 });
    const topic = `${uid}.t`;
    const stopped = await bus.subscribe({
      groupId: `${uid}.gone`,
      topics: [topic],
      eachBatch: async () => undefined,
    });
    await stopped.stop();

    const records = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ key: 'k', value: `${from + i}` }));
    await bus.publish(topic, records(0, 8));
    const refused = bus.publish(topic, records(8, 5));
    await expect(refused).rejects.toBeInstanceOf(BusFullError);
    await expect(refused).rejects.toBeInstanceOf(BusUnavailableError);
    await expect(refused).rejects.toThrow(/holds 8 unread records \(cap 10\)/);
    expect(bus.retainedRecords(topic)).toBe(8);
    await bus.publish(topic, records(8, 2));

    const seen: IncomingMessage[] = [];
    await bus.subscribe({ groupId: `${uid}.gone`, topics: [topic], eachBatch: collect(seen) });
    await vi.waitFor(() => expect(seen).toHaveLength(10));
    expect(seen.map((message) => message.value.toString())).toEqual(records(0, 10).map((r) => r.value));
    await vi.waitFor(() => expect(bus.retainedRecords(topic)).toBe(0));
    await bus.publish(topic, records(10, 10));
    await vi.waitFor(() => expect(seen).toHaveLength(20));
    await bus.stop();
  });

  test('a burst of 50,000 records past a slow consumer loses nothing (back-pressure, default cap)', async ({
    uid,
  }) => {
    const bus = await startedBus();
    const topic = `${uid}.t`;
    const seen = new Map<string, string[]>();
    await bus.subscribe({
      groupId: `${uid}.g`,
      topics: [topic],
      eachBatch: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        for (const message of batch.messages) {
          const key = message.key ?? '';
          seen.set(key, [...(seen.get(key) ?? []), message.value.toString()]);
        }
      },
    });
    let refusals = 0;
    // Ten back-to-back batches of 5,000, as ingest gets them; a refused batch is sent again after a pause,
    // as a sender does on 503 + Retry-After.
    for (let batch = 0; batch < 10; batch += 1) {
      const messages = Array.from({ length: 5_000 }, (_, i) => {
        const n = batch * 5_000 + i;
        return { key: `service-${n % 13}`, value: String(n) };
      });
      refusals += await publishPatiently(bus, topic, messages);
    }
    const total = () => [...seen.values()].reduce((sum, values) => sum + values.length, 0);
    await vi.waitFor(() => expect(total()).toBe(50_000), { timeout: 60_000, interval: 50 });
    expect(refusals).toBeGreaterThan(0);
    for (const [key, values] of seen) {
      const expected = Array.from({ length: 50_000 }, (_, n) => n)
        .filter((n) => `service-${n % 13}` === key)
        .map(String);
      expect(values).toEqual(expected);
    }
    await bus.stop();
  }, 90_000);

  test('memory stays bounded over a long run with a consumer that keeps up', async ({ uid }) => {
    const bus = await startedBus({ maxRecordsPerPartition: 1_000 });
    const topic = `${uid}.t`;
    let handled = 0;
    let peak = 0;
    await bus.subscribe({
      groupId: `${uid}.g`,
      topics: [topic],
      eachBatch: async (batch) => {
        handled += batch.messages.length;
      },
    });
    const payload = 'x'.repeat(512);
    for (let round = 0; round < 200; round += 1) {
      const messages = Array.from({ length: 250 }, (_, i) => ({ key: `k${i}`, value: payload }));
      await publishPatiently(bus, topic, messages);
      peak = Math.max(peak, bus.retainedRecords(topic));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await vi.waitFor(() => expect(handled).toBe(50_000));
    await vi.waitFor(() => expect(bus.retainedRecords(topic)).toBe(0));
    expect(peak).toBeLessThanOrEqual(4 * 1_000);
    await bus.stop();
  });

  test('publish before start() is a programming error', async ({ uid }) => {
    const bus = new EmbeddedBus({ logger: silentLogger });
    await expect(bus.publish(`${uid}.t`, [{ key: 'k', value: 'v' }])).rejects.toThrow(/start\(\)/);
  });
});
