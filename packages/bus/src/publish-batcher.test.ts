import { describe, expect, test } from 'vitest';
import { BusFullError, BusUnavailableError } from './bus';
import { PublishBatcher, type PendingPublish, type PublishBatching } from './publish-batcher';

/** An in-process stand-in for the broker: records every produce request and what it carried. */
function fakeBroker(batching: Partial<PublishBatching> = {}, timeoutMs = 2_000) {
  const requests: Array<Array<{ topic: string; values: string[] }>> = [];
  const log = new Map<string, string[]>();
  let failNext: Array<(batch: readonly PendingPublish[]) => Error | undefined> = [];
  let hold: Promise<void> | undefined;
  const batcher = new PublishBatcher({
    timeoutMs,
    batching,
    isRecordRefusal: (error) => (error as Error).message.startsWith('refused'),
    send: async (batch) => {
      requests.push(
        batch.map((entry) => ({ topic: entry.topic, values: entry.messages.map((m) => String(m.value)) })),
      );
      await new Promise((r) => setTimeout(r, 2));
      if (hold) await hold;
      const failure = failNext.shift()?.(batch);
      if (failure) throw failure;
      for (const entry of batch) {
        const topic = log.get(entry.topic) ?? [];
        topic.push(...entry.messages.map((m) => String(m.value)));
        log.set(entry.topic, topic);
      }
    },
  });
  return {
    batcher,
    requests,
    log,
    failWith: (...makers: Array<(batch: readonly PendingPublish[]) => Error | undefined>) =>
      void (failNext = makers),
    holdSends: (until: Promise<void>) => void (hold = until),
    publish: (topic: string, ...values: string[]) =>
      batcher.publish(
        topic,
        values.map((value) => ({ key: value, value })),
        `publishing to ${topic}`,
      ),
  };
}

describe('PublishBatcher', () => {
  test('many concurrent single-record publishes share a few produce requests; each is acknowledged and written once', async () => {
    const broker = fakeBroker({ lingerMs: 2, maxInFlight: 2 });
    const values = Array.from({ length: 500 }, (_, i) => `e${i}`);
    await Promise.all(values.map((value) => broker.publish('events', value)));
    expect([...(broker.log.get('events') ?? [])].sort()).toEqual([...values].sort());
    expect(broker.requests.length).toBeLessThanOrEqual(10);
  });

  test('publishes to different topics travel in one request, each call keeping its records together and in order', async () => {
    const broker = fakeBroker({ lingerMs: 5 });
    await Promise.all([
      broker.publish('events', 'a1', 'a2', 'a3'),
      broker.publish('dlq', 'd1'),
      broker.publish('events', 'b1', 'b2'),
    ]);
    expect(broker.requests).toEqual([
      [
        { topic: 'events', values: ['a1', 'a2', 'a3'] },
        { topic: 'dlq', values: ['d1'] },
        { topic: 'events', values: ['b1', 'b2'] },
      ],
    ]);
  });

  test('a broker that fails a request fails exactly the publishes that request carried', async () => {
    const broker = fakeBroker({ lingerMs: 5, maxInFlight: 1 });
    await Promise.all([broker.publish('events', 'before1'), broker.publish('events', 'before2')]);
    broker.failWith(() => new Error('NOT_ENOUGH_REPLICAS'));
    const failed = await Promise.allSettled([
      broker.publish('events', 'lost1'),
      broker.publish('events', 'lost2'),
    ]);
    await Promise.all([broker.publish('events', 'after1'), broker.publish('events', 'after2')]);
    expect(failed.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual([
      'Error: NOT_ENOUGH_REPLICAS',
      'Error: NOT_ENOUGH_REPLICAS',
    ]);
    expect(broker.log.get('events')).toEqual(['before1', 'before2', 'after1', 'after2']);
    expect(broker.requests).toHaveLength(3);
  });

  test('a record the broker refuses fails its own publish only: the others of its batch are sent again and acknowledged', async () => {
    const broker = fakeBroker({ lingerMs: 5 });
    const refuseHuge = (batch: readonly PendingPublish[]) =>
      batch.some((entry) => entry.messages.some((m) => m.value === 'huge'))
        ? new Error('refused: MESSAGE_TOO_LARGE')
        : undefined;
    broker.failWith(refuseHuge, refuseHuge, refuseHuge, refuseHuge);
    const results = await Promise.allSettled([
      broker.publish('events', 'ok1'),
      broker.publish('events', 'huge'),
      broker.publish('events', 'ok2'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('refused: MESSAGE_TOO_LARGE'));
    expect([...(broker.log.get('events') ?? [])].sort()).toEqual(['ok1', 'ok2']);
  });

  test('past maxBufferedBytes a publish waits; one that never got room fails with BusFullError and is never sent', async () => {
    const broker = fakeBroker({ lingerMs: 0, maxBufferedBytes: 10 }, 150);
    let release!: () => void;
    broker.holdSends(new Promise<void>((r) => (release = r)));
    // 16 bytes with its key: fills the buffer. Held past its own deadline, so it fails too.
    const first = broker.publish('events', 'aaaaaaaa').then(
      () => 'acknowledged',
      (error: unknown) => error,
    );
    const second = broker.publish('events', 'b');
    await expect(second).rejects.toBeInstanceOf(BusFullError);
    await expect(second).rejects.toThrow(/buffer stayed full for 150 ms.*nothing was written/);
    release();
    expect(await first).toBeInstanceOf(BusUnavailableError);
    expect(await first).not.toBeInstanceOf(BusFullError);
    await broker.publish('events', 'c');
    expect(broker.requests.flatMap((r) => r.flatMap((e) => e.values))).toEqual(['aaaaaaaa', 'c']);
  });

  test('flush sends what is still lingering and waits for the answers', async () => {
    const broker = fakeBroker({ lingerMs: 60_000 });
    const settled: string[] = [];
    const publishes = ['x', 'y'].map((value) =>
      broker.publish('events', value).then(() => settled.push(value)),
    );
    await broker.batcher.flush();
    await Promise.all(publishes);
    expect(settled).toEqual(['x', 'y']);
    expect(broker.requests).toHaveLength(1);
  });
});
