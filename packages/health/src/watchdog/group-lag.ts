import type { OffsetsReader } from './watchdog-sources';

/** One partition of a group, as Kafka's admin offsets show it. */
export interface PartitionLag {
  partition: number;
  /** What the group committed; `-1` when it has committed nothing. */
  committed: string;
  low: string;
  high: string;
  /** Records not yet processed: from where the group will read (never before the log start) to the end. */
  lag: number;
  /** The committed offset is below the log start: retention deleted records the group never read. */
  skipped: boolean;
}

/** Lag of every partition of `topic` for `groupId`. A group that never committed is measured from the log start. */
export async function readGroupLag(offsets: OffsetsReader, groupId: string, topic: string): Promise<PartitionLag[]> {
  const [watermarks, committed] = await Promise.all([offsets.topicOffsets(topic), offsets.groupOffsets(groupId, topic)]);
  const byPartition = new Map(committed.map((c) => [c.partition, c.offset]));
  return watermarks
    .map((w) => {
      const offset = byPartition.get(w.partition) ?? '-1';
      const low = BigInt(w.low);
      const high = BigInt(w.high);
      const position = offset === '-1' ? low : BigInt(offset);
      const from = position < low ? low : position;
      return {
        partition: w.partition,
        committed: offset,
        low: w.low,
        high: w.high,
        lag: Number(high > from ? high - from : 0n),
        skipped: offset !== '-1' && position < low,
      };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** Partitions that had lag at both samples while their committed offset did not move. */
export function stalledPartitions(previous: PartitionLag[] | undefined, current: PartitionLag[]): PartitionLag[] {
  if (!previous) return [];
  const before = new Map(previous.map((p) => [p.partition, p]));
  return current.filter((p) => {
    const old = before.get(p.partition);
    return old !== undefined && p.lag > 0 && old.lag > 0 && old.committed === p.committed;
  });
}
