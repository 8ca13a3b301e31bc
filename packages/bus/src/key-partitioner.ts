const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (the Java client's `Utils.murmur2`), on 32-bit integer arithmetic. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24) | 0;
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length % 4;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition Kafka's default partitioner picks for a keyed record, so a key lands on the same
 * partition number on the embedded bus as on Kafka with the same partition count.
 */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  return (murmur2(typeof key === 'string' ? Buffer.from(key, 'utf8') : key) & 0x7fffffff) % partitions;
}

/** What kafkajs hands a partitioner for one message (the fields this one reads). */
export interface KafkajsPartitionerArgs {
  topic: string;
  partitionMetadata: ReadonlyArray<{ partitionId: number; leader: number }>;
  message: { partition?: number | null; key?: Buffer | string | null };
}

/**
 * kafkajs's default partitioner, decision for decision (an explicit partition, else the key's murmur2
 * over every partition, else round robin over the partitions that have a leader), with the hash on
 * 32-bit integers: kafkajs computes it on its 64-bit `Long`, which cost the ingest service a tenth of
 * its CPU. The round robin starts at a random partition per topic, as kafkajs's does.
 */
export function createKeyPartitioner(): (args: KafkajsPartitionerArgs) => number {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const count = partitionMetadata.length;
    if (message.key !== null && message.key !== undefined) return partitionForKey(message.key, count);
    let counter = counters.get(topic) ?? Math.floor(Math.random() * 0x7fffffff);
    counters.set(topic, ++counter);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[(counter & 0x7fffffff) % available.length]!.partitionId;
    return (counter & 0x7fffffff) % count;
  };
}
