import { ManualClock } from '@vigil/runtime';
import { silentLogger } from '@vigil/telemetry';
import { vi } from 'vitest';
import { describe, expect, test } from '../../../test/fixtures/services';
import type { IncomingMessage } from './bus';
import { describeBusContract } from './bus-contract';
import { EmbeddedBus } from './embedded-bus';
import { recordingLogger } from '@vigil/telemetry';

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

  test('caps what a partition keeps: a lagging group loses the oldest records, and it is logged', async ({
    uid,
  }) => {
    const logger = recordingLogger();
    const bus = await startedBus({ logger, partitions: 1, maxRecordsPerPartition: 10 });
    const topic = `${uid}.t`;
    const stopped = await bus.subscribe({
      groupId: `${uid}.gone`,
      topics: [topic],
      eachBatch: async () => undefined,
    });
    await stopped.stop();

    await bus.publish(
      topic,
      Array.from({ length: 25 }, (_, i) => ({ key: 'k', value: `${i}` })),
    );
    expect(bus.retainedRecords(topic)).toBe(10);
    const warning = logger.lines.find(
      (line) => line.level === 'warn' && /retention cap/.test(line.msg ?? ''),
    );
    expect(warning?.fields).toMatchObject({ topic, partition: 0, dropped: 15, groups: [`${uid}.gone`] });

    const seen: IncomingMessage[] = [];
    await bus.subscribe({ groupId: `${uid}.gone`, topics: [topic], eachBatch: collect(seen) });
    await vi.waitFor(() => expect(seen).toHaveLength(10));
    expect(seen.map((message) => message.value.toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => `${15 + i}`),
    );
    expect(seen[0]!.offset).toBe('15');
    await bus.stop();
  });

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
      await bus.publish(
        topic,
        Array.from({ length: 250 }, (_, i) => ({ key: `k${i}`, value: payload })),
      );
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
