import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { partitionForKey } from './key-partitioner';

function metadata(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
}

describe('partitionForKey', () => {
  test('puts a key on the partition Kafka puts it on', () => {
    const kafkaPartition = Partitioners.DefaultPartitioner();
    const keys = [
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
    for (const partitions of [1, 2, 3, 4, 7, 12]) {
      for (const key of keys) {
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
