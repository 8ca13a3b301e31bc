import type { IncomingBatch } from '@vigil/bus';
import { silentLogger } from '@vigil/telemetry';
import { describe, expect, test } from '../../../test/fixtures/services';
import { PartitionStateGuard } from './partition-state-guard';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-03T12:00:00Z');

/**
 * A batch of `partition` covering offsets [from, to]; `rewind` answers like a broker whose log starts at `logStart`
 * and whose lookup by time finds nothing after it (the kcat mock's answer is the end of the log; here, the log start).
 */
function batch(
  partition: number,
  from: number,
  to: number,
  logStart: number,
  rewinds: number[],
): IncomingBatch {
  const messages = Array.from({ length: to - from + 1 }, (_, i) => ({
    topic: 'events',
    partition,
    offset: String(from + i),
    key: null,
    value: Buffer.from('{}'),
    headers: {},
    timestamp: NOW,
  }));
  return {
    topic: 'events',
    partition,
    messages,
    heartbeat: async () => undefined,
    rewind: async (_toTimeMs, fromOffset) => {
      const offset = Math.min(Math.max(logStart, Number(fromOffset ?? logStart)), from);
      rewinds.push(offset);
      return String(offset);
    },
  };
}

describe('PartitionStateGuard on a real Redis', () => {
  test('a new deployment processes its first batches without replaying anything', async ({ redis, uid }) => {
    const guard = new PartitionStateGuard({
      redis,
      keyPrefix: `${uid}:`,
      horizonMs: 73 * HOUR,
      logger: silentLogger,
      now: () => NOW,
    });
    const rewinds: number[] = [];
    expect(await guard.admit(batch(0, 0, 9, 0, rewinds))).toBe(true);
    expect(await guard.admit(batch(0, 10, 19, 0, rewinds))).toBe(true);
    expect(rewinds).toEqual([0]);
    expect(await guard.rebuilding()).toBe(false);
  });

  test('after Redis lost the state, the partition replays from the horizon before anything new counts, once', async ({
    redis,
    uid,
  }) => {
    const prefix = `${uid}:`;
    const guard = new PartitionStateGuard({
      redis,
      keyPrefix: prefix,
      horizonMs: 73 * HOUR,
      epochCheckMs: 0,
      logger: silentLogger,
      now: () => NOW,
    });
    const rewinds: number[] = [];
    expect(await guard.admit(batch(3, 0, 99, 0, rewinds))).toBe(true);

    // What a Redis restart without persistence does: every key of the detector is gone.
    const keys = await redis.keys(`${prefix}*`);
    await redis.del(...keys);

    // The next batch (offsets 100-149) must not run on the empty state: the partition goes back to the horizon.
    expect(await guard.admit(batch(3, 100, 149, 20, rewinds))).toBe(false);
    expect(rewinds.at(-1)).toBe(20);
    expect(await guard.rebuilding()).toBe(true);
    // The replay: 20-99, then the batch that found the loss comes again and completes the rebuild.
    expect(await guard.admit(batch(3, 20, 99, 20, rewinds))).toBe(true);
    expect(await guard.admit(batch(3, 100, 149, 20, rewinds))).toBe(true);
    expect(await guard.admit(batch(3, 150, 160, 20, rewinds))).toBe(true);
    expect(rewinds).toEqual([0, 20]);
    expect(await guard.rebuilding()).toBe(false);
  });

  test('after the connection dropped, the next batch checks the epoch at once rather than within epochCheckMs', async ({
    redis,
    uid,
  }) => {
    const prefix = `${uid}:`;
    // A minute between checks: only the dropped connection can make the guard look again this soon.
    const guard = new PartitionStateGuard({
      redis,
      keyPrefix: prefix,
      horizonMs: 73 * HOUR,
      epochCheckMs: 60_000,
      logger: silentLogger,
      now: () => NOW,
    });
    const rewinds: number[] = [];
    expect(await guard.admit(batch(2, 0, 49, 0, rewinds))).toBe(true);
    await redis.del(...(await redis.keys(`${prefix}*`)));
    // Without the notice the guard still trusts what it saw: this is the window the notice closes.
    expect(await guard.admit(batch(2, 50, 59, 10, rewinds))).toBe(true);
    guard.connectionLost();
    expect(await guard.admit(batch(2, 60, 69, 10, rewinds))).toBe(false);
    expect(rewinds).toEqual([0, 10]);
  });

  test('a process that takes over a partition before any replayed batch committed rewinds it again', async ({
    redis,
    uid,
  }) => {
    const prefix = `${uid}:`;
    const options = {
      redis,
      keyPrefix: prefix,
      horizonMs: 73 * HOUR,
      epochCheckMs: 0,
      logger: silentLogger,
      now: () => NOW,
    };
    const first = new PartitionStateGuard(options);
    const rewinds: number[] = [];
    expect(await first.admit(batch(5, 0, 49, 0, rewinds))).toBe(true);
    await redis.del(...(await redis.keys(`${prefix}*`)));
    expect(await first.admit(batch(5, 50, 59, 10, rewinds))).toBe(false);

    // The first process died before committing any replayed batch: the group's offset is still 50.
    const second = new PartitionStateGuard(options);
    expect(await second.admit(batch(5, 50, 59, 10, rewinds))).toBe(false);
    expect(rewinds).toEqual([0, 10, 10]);
    expect(await second.admit(batch(5, 10, 59, 10, rewinds))).toBe(true);
    // Replay finished: later owners go straight on.
    const third = new PartitionStateGuard(options);
    expect(await third.admit(batch(5, 60, 69, 10, rewinds))).toBe(true);
    expect(rewinds).toEqual([0, 10, 10]);
  });

  test('with an offset index, the replay starts at its last offset at or before the horizon; without an answer, at Kafka’s', async ({
    redis,
    uid,
  }) => {
    const prefix = `${uid}:`;
    const asked: Array<[number, number]> = [];
    const noted: string[] = [];
    let indexed: string | undefined = '35';
    const offsetIndex = {
      note: async (_topic: string, partition: number, offset: string) =>
        void noted.push(`${partition}@${offset}`),
      offsetAtOrBefore: async (_topic: string, partition: number, timeMs: number) => {
        asked.push([partition, timeMs]);
        if (indexed === 'broken') throw new Error('connect ECONNREFUSED');
        return indexed;
      },
    };
    const guard = new PartitionStateGuard({
      redis,
      keyPrefix: prefix,
      horizonMs: 73 * HOUR,
      epochCheckMs: 0,
      offsetIndex,
      logger: silentLogger,
      now: () => NOW,
    });
    const rewinds: number[] = [];
    expect(await guard.admit(batch(4, 0, 49, 0, rewinds))).toBe(true);
    await redis.del(...(await redis.keys(`${prefix}*`)));
    expect(await guard.admit(batch(4, 50, 59, 10, rewinds))).toBe(false);
    // Where the index says, not where the broker's lookup by time would have gone (10).
    expect(rewinds).toEqual([0, 35]);
    expect(asked.at(-1)).toEqual([4, NOW - 73 * HOUR]);
    expect(noted).toEqual(['4@0', '4@50']);

    // The index unreadable: Kafka's lookup by time decides.
    await redis.del(...(await redis.keys(`${prefix}*`)));
    indexed = 'broken';
    expect(await guard.admit(batch(4, 60, 69, 10, rewinds))).toBe(false);
    expect(rewinds).toEqual([0, 35, 10]);
  });

  test('without a bus that can replay (embedded), batches are processed as they come', async ({
    redis,
    uid,
  }) => {
    const guard = new PartitionStateGuard({
      redis,
      keyPrefix: `${uid}:`,
      horizonMs: HOUR,
      logger: silentLogger,
    });
    const plain = batch(1, 5, 9, 0, []);
    delete plain.rewind;
    expect(await guard.admit(plain)).toBe(true);
  });
});
