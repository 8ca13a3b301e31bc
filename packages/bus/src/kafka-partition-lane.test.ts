import { describe, expect, test } from 'vitest';
import type { IncomingMessage } from './bus';
import { PartitionLane } from './kafka-partition-lane';

function messages(from: number, count: number): IncomingMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 't',
    partition: 0,
    offset: String(from + i),
    key: 'k',
    value: Buffer.from(`v${from + i}`),
    headers: {},
    timestamp: 0,
  }));
}

const offsets = (list: IncomingMessage[]) => list.map((m) => Number(m.offset));

describe('PartitionLane', () => {
  test('a fetch that comes again from an earlier offset (a rejoin) only adds the records not yet queued', () => {
    const lane = new PartitionLane('t', 0);
    expect(lane.accept(messages(0, 3))).toBe(3);
    expect(lane.accept(messages(1, 4))).toBe(2);
    expect(offsets(lane.take(100))).toEqual([0, 1, 2, 3, 4]);
    expect(lane.accept(messages(3, 2))).toBe(0);
    expect(lane.queue).toEqual([]);
  });

  test('a run takes at most its share, oldest first; the rest waits for the next run', () => {
    const lane = new PartitionLane('t', 0);
    lane.accept(messages(10, 5));
    expect(offsets(lane.take(2))).toEqual([10, 11]);
    expect(offsets(lane.take(2))).toEqual([12, 13]);
    expect(offsets(lane.take(2))).toEqual([14]);
  });

  test('turning back drops the queue, bumps the epoch and takes the next fetch whatever its offsets', () => {
    const lane = new PartitionLane('t', 0);
    lane.accept(messages(0, 4));
    lane.take(2);
    const epoch = lane.epoch;
    lane.turnBack();
    expect(lane.epoch).toBe(epoch + 1);
    expect(lane.queue).toEqual([]);
    expect(lane.accept(messages(0, 2))).toBe(2);
  });

  test('room is given once a run takes the queue below the limit, or the queue is dropped', async () => {
    const lane = new PartitionLane('t', 0);
    lane.accept(messages(0, 4));
    let roomy = false;
    const waiting = lane.room(4).then(() => (roomy = true));
    await Promise.resolve();
    expect(roomy).toBe(false);
    lane.take(3);
    await waiting;
    expect(roomy).toBe(true);

    lane.accept(messages(4, 10));
    const second = lane.room(4);
    lane.dropQueued();
    await expect(second).resolves.toBeUndefined();
    await expect(lane.room(4)).resolves.toBeUndefined();
  });
});
