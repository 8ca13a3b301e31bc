import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { createKeyPartitioner, partitionForKey } from './key-partitioner';

function metadata(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
}

const KEYS = [
  '',
  'a',
  'ab',
  'abc',
  'abcd',
  'abcde',
  'alice@example.com',
  'okta:00u1a2b3c4d5e6f7g8h9',
  'github:octo-org/octo-repo',
  'Zoë ✓ 東京',
  ...Array.from({ length: 200 }, (_, i) => `entity-${i}`),
];

describe('partitionForKey', () => {
  test('puts a key on the partition Kafka puts it on', () => {
    const kafkaPartition = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 2, 3, 4, 7, 12]) {
      for (const key of KEYS) {
        const expected = kafkaPartition({
          topic: 't',
          partitionMetadata: metadata(partitions),
          message: { key, value: null },
        });
        expect(partitionForKey(key, partitions), `key ${JSON.stringify(key)} over ${partitions}`).toBe(
          expected,
        );
      }
    }
  });
});

describe('createKeyPartitioner', () => {
  test('decides as the kafkajs default partitioner for string and byte keys and explicit partitions', () => {
    const kafkaPartition = Partitioners.DefaultPartitioner();
    const ours = createKeyPartitioner();
    // Bytes that are not UTF-8 text, including ones at or above 0x80 in every position of a word.
    const bytes = Array.from({ length: 64 }, (_, i) =>
      Buffer.from(Array.from({ length: i % 9 }, (_, j) => (i * 37 + j * 101) & 0xff)),
    );
    for (const partitions of [1, 3, 12, 48]) {
      const partitionMetadata = metadata(partitions);
      for (const key of [...KEYS, ...bytes]) {
        const message = { key, value: null };
        expect(ours({ topic: 't', partitionMetadata, message })).toBe(
          kafkaPartition({ topic: 't', partitionMetadata, message }),
        );
      }
      expect(ours({ topic: 't', partitionMetadata, message: { key: 'k', partition: partitions - 1 } })).toBe(
        partitions - 1,
      );
    }
  });

  test('spreads keyless messages over the partitions that have a leader, every one of them', () => {
    const ours = createKeyPartitioner();
    const partitionMetadata = metadata(6).map((p) => (p.partitionId === 2 ? { ...p, leader: -1 } : p));
    const seen = new Set<number>();
    for (let i = 0; i < 50; i += 1)
      seen.add(ours({ topic: 'keyless', partitionMetadata, message: { key: null } }));
    expect([...seen].sort()).toEqual([0, 1, 3, 4, 5]);
    const leaderless = metadata(3).map((p) => ({ ...p, leader: -1 }));
    const anyOf = new Set<number>();
    for (let i = 0; i < 10; i += 1)
      anyOf.add(ours({ topic: 'none', partitionMetadata: leaderless, message: {} }));
    expect([...anyOf].sort()).toEqual([0, 1, 2]);
  });
});
